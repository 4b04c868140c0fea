"""A model shared by three stacks, through whole CloudFormation sequences of each.

The platform layout (``examples/platform``: model, scoring and serving stacks) is synthesized,
turned into the emulator's templates (``support.synthesized``) and deployed in the order
``cdk deploy --all`` and CDK Pipelines use, model stack first, through the provider framework's
contract and the real handler against the in-memory SageMaker. The emulator enforces
CloudFormation's export rule (an export in use cannot change). After every request the test
checks that no resource of any stack names a model that no longer exists.

The two other ways of sharing a model's name, a strong export and a weak reference, are
played too: the first blocks the model stack's replacement, the second leaves the consumer on a
deleted model. Both are what the layout avoids, and show that the checks can fail.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from aws_cdk import App, Environment
from support.cloudformation import GetAtt, ImportValue, Region, Stack, StackOutput, Template
from support.fake_aws import FakeAws
from support.framework import ProviderFramework, Response
from support.handler import fake_aws_environment, parse_times  # noqa: F401  (fixture)
from support.paths import load_fixture
from support.stacks import all_strings, checked_synth
from support.synthesized import emulated

from autopilot_inference._lambda.autopilot_runtime import contract
from autopilot_inference._lambda.autopilot_runtime.ownership import OWNER_ENV_VAR
from benchmarks.bench_events import ACCOUNT, REGION
from examples.platform.stacks import ModelStack, ScoringStack, ServingStack

ARTIFACTS = "s3://example-ml-artifacts-111122223333/autopilot"
KEYS_V1 = ["predicted_label", "probability"]
KEYS_V2 = ["predicted_label", "probabilities", "labels"]
STACKS = ("ChurnModelStack", "ChurnScoringStack", "ChurnServingStack")


def synthesized(keys: list[str]) -> dict[str, dict[str, Any]]:
    """The three templates of the layout, the model with ``keys``."""
    app = App()
    env = Environment(account=ACCOUNT, region=REGION)
    models = ModelStack(app, STACKS[0], env=env, automl_output_s3_uri=ARTIFACTS, inference_response_keys=keys)
    ScoringStack(app, STACKS[1], model=models.model, env=env)
    ServingStack(app, STACKS[2], model=models.model, env=env)
    return {stack.stack_name: stack.template for stack in checked_synth(app).stacks}


@pytest.fixture(scope="module")
def layouts() -> dict[str, dict[str, dict[str, Any]]]:
    return {"v1": synthesized(KEYS_V1), "v2": synthesized(KEYS_V2)}


class Account:
    """One account and region: SageMaker, the provider framework, the stacks and their exports."""

    def __init__(self) -> None:
        self.aws = FakeAws()
        self.aws.add_automl_job(parse_times(load_fixture("describe_auto_ml_job_hpo_classification.json")))
        self.framework = ProviderFramework(self.aws)
        self.region = Region()
        self.ever: set[str] = set()
        """Every model name SageMaker has held."""
        self.dangling: list[tuple[str, str, str]] = []
        """``(step, stack, model name)``: a stack's resource named a model that no longer existed."""
        self.step = ""

    def stack(self, name: str) -> Stack:
        if name not in self.region.stacks:
            stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{name}/00000000-0000-0000-0000-{len(self.region.stacks):012d}"
            self.region.add(name, Stack(self._provider(name), stack_id))
        return self.region.stacks[name]

    def _provider(self, name: str) -> Any:
        def serve(request: dict[str, Any]) -> Response:
            stack = self.region.stacks[name]
            # Each stack's provider tags what it creates with its own stack id; DescribeStacks answers for it.
            os.environ[OWNER_ENV_VAR] = stack.stack_id
            self.aws.stack_status = lambda: stack.status
            response = self.framework(request)
            self.check(f"{self.step}: {request['RequestType']} {request['LogicalResourceId']}")
            return response

        return serve

    def check(self, where: str) -> None:
        self.ever |= set(self.aws.models)
        gone = self.ever - set(self.aws.models)
        for name, stack in self.region.stacks.items():
            for resource in stack.resources.values():
                for text in all_strings(resource.properties):
                    for model in gone:
                        if model in text:
                            self.dangling.append((where, name, model))

    def deploy(self, name: str, template: Template, outputs: Any = None, **options: Any) -> str:
        self.step = f"deploy {name}"
        stack = self.stack(name)
        if stack.status == "REVIEW_IN_PROGRESS":
            status = stack.create(template, outputs)
        else:
            status = stack.update(template, outputs=outputs, **options)
        self.check(f"after {self.step}")
        return status

    def deploy_synthesized(self, templates: dict[str, dict[str, Any]], name: str, **options: Any) -> str:
        resources, outputs = emulated(templates[name], account=ACCOUNT, region=REGION, stack_name=name)
        return self.deploy(name, resources, outputs, **options)

    def models_of(self, name: str) -> list[str]:
        return [
            str(resource.physical_id)
            for resource in self.stack(name).resources.values()
            if resource.resource_type == contract.MODEL_RESOURCE_TYPE
        ]


@pytest.fixture
def account(fake_aws_environment: None, monkeypatch: pytest.MonkeyPatch) -> Account:  # noqa: F811
    monkeypatch.setenv(OWNER_ENV_VAR, "unset")  # restored after the test; each request sets its stack's
    return Account()


def test_a_replacing_model_update_then_the_consumers_update_never_leaves_a_consumer_on_a_deleted_model(
    account: Account, layouts: dict[str, Any]
) -> None:
    for name in STACKS:
        assert account.deploy_synthesized(layouts["v1"], name) == "CREATE_COMPLETE"
    first = {name: account.models_of(name) for name in STACKS}
    assert len({model for models in first.values() for model in models}) == 3  # the model and two copies
    first_job = next(
        str(r.physical_id) for r in account.stack(STACKS[1]).resources.values()
        if r.resource_type == contract.TRANSFORM_JOB_RESOURCE_TYPE
    )

    # The keys change: the model stack deploys first (its model replaced, the old one deleted) ...
    assert account.deploy_synthesized(layouts["v2"], STACKS[0]) == "UPDATE_COMPLETE"
    assert account.models_of(STACKS[0]) != first[STACKS[0]]
    assert first[STACKS[0]][0] not in account.aws.models
    # ... while the consumers' copies, which their resources name, are untouched.
    for name in STACKS[1:]:
        assert account.models_of(name) == first[name] and all(m in account.aws.models for m in first[name])
    # Then each consumer replaces its copy and moves what uses it, in its own deployment.
    for name in STACKS[1:]:
        assert account.deploy_synthesized(layouts["v2"], name) == "UPDATE_COMPLETE"
        assert account.models_of(name) != first[name]
    assert account.dangling == []
    # The new models carry the new keys; the batch transform ran again on the scoring stack's new copy.
    for name in STACKS:
        (model,) = account.models_of(name)
        environment = account.aws.models[model].request["Containers"][-1]["Environment"]
        assert environment["SAGEMAKER_INFERENCE_OUTPUT"] == "predicted_label,probabilities,labels"
    job = next(
        r for r in account.stack(STACKS[1]).resources.values() if r.resource_type == contract.TRANSFORM_JOB_RESOURCE_TYPE
    )
    assert str(job.physical_id) != first_job
    assert account.aws.jobs[str(job.physical_id)].request["ModelName"] == account.models_of(STACKS[1])[0]
    assert len(account.aws.models) == 3


def test_a_failed_model_stack_update_rolls_back_without_touching_the_consumers(
    account: Account, layouts: dict[str, Any]
) -> None:
    for name in STACKS:
        account.deploy_synthesized(layouts["v1"], name)
    before = set(account.aws.models)
    assert account.deploy_synthesized(layouts["v2"], STACKS[0], fail_after=True) == "UPDATE_ROLLBACK_COMPLETE"
    assert set(account.aws.models) == before
    assert account.dangling == []


def test_destroying_the_layout_consumers_first_removes_every_model(account: Account, layouts: dict[str, Any]) -> None:
    for name in STACKS:
        account.deploy_synthesized(layouts["v1"], name)
    for name in reversed(STACKS):  # cdk destroy --all: the dependents first
        account.step = f"destroy {name}"
        assert account.stack(name).delete() == "DELETE_COMPLETE"
    assert account.aws.models == {}
    assert account.dangling == []


# --- what the layout avoids: the model's name as a strong export, or as a weak reference ----------


def _shared_by_reference(templates: dict[str, Any], reference: Any) -> tuple[Template, Any, Template]:
    """The model stack exporting (or just outputting) its model's name, and a transform naming it."""
    model_template, _ = emulated(templates[STACKS[0]], account=ACCOUNT, region=REGION, stack_name=STACKS[0])
    (model_id,) = [key for key, (kind, _) in model_template.items() if kind == contract.MODEL_RESOURCE_TYPE]
    scoring, _ = emulated(templates[STACKS[1]], account=ACCOUNT, region=REGION, stack_name=STACKS[1])
    consumer = {
        key: (kind, {**props, contract.MODEL_NAME: reference})
        for key, (kind, props) in scoring.items()
        if kind == contract.TRANSFORM_JOB_RESOURCE_TYPE
    }
    for _, props in consumer.values():
        props.pop(contract.MODEL_INPUT_CONTENT_TYPES, None)
        props.pop(contract.MODEL_ACCEPT_TYPES, None)
    return model_template, GetAtt(model_id, contract.ATTR_MODEL_NAME), consumer


def test_a_strong_export_of_the_model_name_blocks_the_model_stacks_next_replacement(
    account: Account, layouts: dict[str, Any]
) -> None:
    export = "ChurnModelStack:ExportsOutputFnGetAttChurnModelModelName"
    v1, name_v1, consumer = _shared_by_reference(layouts["v1"], ImportValue(export))
    v2, name_v2, _ = _shared_by_reference(layouts["v2"], ImportValue(export))
    account.deploy(STACKS[0], v1, {"ModelName": (name_v1, export)})
    assert account.deploy(STACKS[1], consumer) == "CREATE_COMPLETE"

    assert account.deploy(STACKS[0], v2, {"ModelName": (name_v2, export)}) == "UPDATE_ROLLBACK_COMPLETE"
    assert ("Outputs", "Update", f"Export {export} cannot be updated as it is in use by {STACKS[1]}") in [
        failure for failure in account.stack(STACKS[0]).failures()
    ]
    assert account.stack(STACKS[0]).delete() == "DELETE_FAILED"


def test_a_weak_reference_leaves_the_consumer_on_a_deleted_model_until_it_deploys(
    account: Account, layouts: dict[str, Any]
) -> None:
    reference = StackOutput(STACKS[0], "ModelName")
    v1, name_v1, consumer = _shared_by_reference(layouts["v1"], reference)
    v2, name_v2, _ = _shared_by_reference(layouts["v2"], reference)
    account.deploy(STACKS[0], v1, {"ModelName": (name_v1, None)})
    account.deploy(STACKS[1], consumer)

    assert account.deploy(STACKS[0], v2, {"ModelName": (name_v2, None)}) == "UPDATE_COMPLETE"
    assert [(step, stack) for step, stack, _ in account.dangling] == [
        ("deploy ChurnModelStack: Delete " + next(iter(v1)), STACKS[1]),
        ("after deploy ChurnModelStack", STACKS[1]),
    ]
