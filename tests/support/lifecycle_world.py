"""A whole stack against the in-memory SageMaker: the stack template, the ``World`` and its fixture, the failure reasons.

Shared by ``tests/runtime/test_handler_lifecycle.py`` and ``test_handler_media_types.py``. A test
module that requests ``world`` imports it by name, beside ``support.handler``'s
``fake_aws_environment`` (the fixture it needs).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from autopilot_inference._lambda.autopilot_runtime import contract
from autopilot_inference._lambda.autopilot_runtime.naming import wait_condition_key
from autopilot_inference._lambda.autopilot_runtime.ownership import OWNER_ENV_VAR
from benchmarks.bench_events import STACK_ID
from support.cloudformation import WAIT_CONDITION, WAIT_CONDITION_HANDLE, GetAtt, Ref, Stack
from support.fake_aws import FakeAws
from support.framework import FakeContext, ProviderFramework
from support.handler import ROLE_ARN, fake_aws_environment, parse_times  # noqa: F401  (fixture)
from support.paths import load_fixture

JOB = "churn-hpo-2026-11"
MODEL_PROPS: dict[str, Any] = {
    "AutoMLJobName": JOB,
    "ExecutionRoleArn": ROLE_ARN,
    "ModelNamePrefix": "ChurnStack-ChurnModel",
    "InferenceResponseKeys": ["predicted_label", "probability"],
}
JOB_PROPS: dict[str, Any] = {
    "ModelName": GetAtt("ChurnModel", "ModelName"),
    "TransformJobNamePrefix": "ChurnStack-Scoring",
    "TransformInput": {
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://example-ml-data-111122223333/churn/score/"}},
        "ContentType": "text/csv",
    },
    "TransformOutput": {"S3OutputPath": "s3://example-ml-artifacts-111122223333/churn/predictions/"},
    "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": "1"},
    "WaitForCompletion": "true",
    "WaitTimeoutSeconds": "3300",
}


def template(
    model: dict[str, Any] | None = None,
    job: dict[str, Any] | None = None,
    *,
    model_in_template: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The stack as the constructs synthesize it: the model, and the job with (when waited) its wait condition
    handle before it and its wait condition after it, named as ``AutopilotBatchTransform`` names them.

    ``model_in_template``: the model's properties as the template shows them, when they differ from what
    the handler receives (a change made at deploy time only, e.g. a replaced role).
    """
    model_props = {**MODEL_PROPS, **(model or {})}
    job_props = {**JOB_PROPS, **(job or {})}
    result: dict[str, Any] = {"ChurnModel": (contract.MODEL_RESOURCE_TYPE, model_props)}
    if job_props.get(contract.WAIT_FOR_COMPLETION, "true") == "true":
        timeout = int(job_props.get(contract.WAIT_TIMEOUT_SECONDS, contract.DEFAULT_WAIT_TIMEOUT_SECONDS))
        key = wait_condition_key(job_props, model_in_template if model_in_template is not None else model_props, timeout)
        handle = f"ScoringHandle{key}"
        result[handle] = (WAIT_CONDITION_HANDLE, {})
        result["Scoring"] = (contract.TRANSFORM_JOB_RESOURCE_TYPE, {**job_props, contract.WAIT_HANDLE: handle})
        result[f"ScoringWait{key}"] = (WAIT_CONDITION, {"Handle": Ref(handle), "Timeout": str(timeout), "Count": 1})
    else:
        result["Scoring"] = (contract.TRANSFORM_JOB_RESOURCE_TYPE, job_props)
    result.update(extra)
    return result


class World:
    """SageMaker, the provider framework and one stack, sharing a clock."""

    def __init__(self) -> None:
        self.aws = FakeAws()
        self.aws.add_automl_job(parse_times(load_fixture("describe_auto_ml_job_hpo_classification.json")))
        self.framework = ProviderFramework(self.aws)
        self.stack = Stack(self.framework)
        self.aws.stack_status = lambda: self.stack.status
        self.aws.stack_resource = lambda stack_id, logical_id: self.stack.stack_resource(stack_id, logical_id)
        self.aws.event_target = self.on_job_event
        self.event_invocations = 0
        """Handler invocations by the stack's EventBridge rule (job events)."""

    def use_stack(self, stack: Stack) -> Stack:
        """Make ``stack`` the world's (a stack made again): its provider's function carries its id (the owner)."""
        self.stack = stack
        os.environ[OWNER_ENV_VAR] = stack.stack_id
        return stack

    def on_job_event(self, event: dict[str, Any]) -> Any:
        """The rule's target: the handler function, invoked asynchronously with the job's event."""
        from autopilot_inference._lambda.autopilot_runtime.handler import handle

        self.event_invocations += 1
        return handle(event, FakeContext(self.aws.clock, self.framework.handler_timeout), clients=self.aws.clients())

    def waits(self) -> list[str]:
        """Logical ids of the stack's wait conditions."""
        return [key for key, resource in self.stack.resources.items() if resource.resource_type == WAIT_CONDITION]

    def job(self) -> str:
        return str(self.stack.resources["Scoring"].physical_id)

    def known_jobs(self) -> set[str]:
        return {str(r.physical_id) for r in self.stack.resources.values() if r.resource_type == contract.TRANSFORM_JOB_RESOURCE_TYPE}

    def assert_no_unknown_job_running(self) -> None:
        """Every job still running is one the stack holds."""
        assert set(self.aws.running_jobs()) <= self.known_jobs(), (self.aws.running_jobs(), self.known_jobs())


@pytest.fixture
def world(fake_aws_environment: None, monkeypatch: pytest.MonkeyPatch) -> World:  # noqa: F811
    # The provider passes its stack's id to the function (the owner tag, and the stack its job events signal).
    monkeypatch.setenv(OWNER_ENV_VAR, STACK_ID)
    return World()


def reasons(world: World) -> str:
    return "\n".join(reason for _, _, reason in world.stack.failures())
