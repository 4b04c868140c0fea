"""Handler benchmarks: AWS API calls per lifecycle event (waiting for a job: :mod:`.bench_wait`).

Every AWS call goes through a real boto3 SageMaker client (fake credentials) with a
botocore ``Stubber``: requests are validated against the service model and answered
from a queue, nothing reaches AWS. Calls are counted with an ``after-call`` hook, i.e.
responses actually consumed, and every queued response must be consumed.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import boto3
from botocore.stub import Stubber

from autopilot_inference._lambda.autopilot_runtime import contract, naming
from autopilot_inference._lambda.autopilot_runtime.clients import Clients
from autopilot_inference._lambda.autopilot_runtime.handler import handle
from autopilot_inference._lambda.autopilot_runtime.model_resource import FACTS_TAG_KEY
from autopilot_inference._lambda.autopilot_runtime.properties import configuration

from .bench_common import fake_aws_environment, fixture
from .bench_events import ACCOUNT, REGION, REQUEST_ID, SERVICE_TOKEN, STACK_ID, cfn_event
from .bench_report import Section

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/Bench-ChurnModelExecutionRole-1A2B3C4D"
JOB = "churn-hpo-2026-11"
NAMED_CANDIDATE = "churn-hpo-2026-11sNxh-004-1a2b3c4d"
MODEL_LOGICAL_ID = "ChurnModel0A1B2C3D"
TRANSFORM_LOGICAL_ID = "Scoring0E5F6A7B"
JOB_START = datetime(2026, 11, 3, 8, 0, tzinfo=timezone.utc)

MODEL_PROPERTIES: dict[str, Any] = {
    "AutoMLJobName": JOB,
    "ExecutionRoleArn": ROLE_ARN,
    "ModelNamePrefix": "Bench-ChurnModel",
    "InferenceResponseKeys": ["predicted_label", "probability"],
    "ArtifactS3Uri": f"s3://example-ml-artifacts-{ACCOUNT}/autopilot/",
}
# As CloudFormation delivers what the construct synthesizes: every scalar a string.
TRANSFORM_PROPERTIES: dict[str, Any] = {
    "ModelName": "Bench-ChurnModel-8e1d4c2a9f",
    "TransformJobNamePrefix": "Bench-Scoring",
    "TransformInput": {
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://example-ml-data-{ACCOUNT}/churn/score/"}},
        "ContentType": "text/csv",
        "SplitType": "Line",
    },
    "TransformOutput": {
        "S3OutputPath": f"s3://example-ml-data-{ACCOUNT}/churn/predictions/",
        "Accept": "text/csv",
        "AssembleWith": "Line",
    },
    "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": "1"},
    "WaitForCompletion": "true",
    "WaitTimeoutSeconds": "3300",
}


class CountingAws:
    """A Stubber'd SageMaker client behind a :class:`Clients` factory that counts consumed responses."""

    def __init__(self) -> None:
        self.sagemaker = boto3.client(
            "sagemaker",
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
        )
        self.stub = Stubber(self.sagemaker)
        self.calls: list[str] = []
        self.queued = 0
        self.sagemaker.meta.events.register("after-call.sagemaker.*", self._record)
        self.stub.activate()

    def _record(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)

    def respond(self, operation: str, response: dict[str, Any]) -> None:
        """Queue the answer to the next ``operation`` call."""
        self.stub.add_response(operation, response)
        self.queued += 1

    def _factory(self, service_name: str, credentials: Any = None) -> Any:
        if service_name != "sagemaker" or credentials:
            raise AssertionError(f"unexpected client: {service_name} (credentials: {bool(credentials)})")
        return self.sagemaker

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        """The real ``handle()`` with these clients, as a fresh invocation would see them."""
        return handle(copy.deepcopy(event), None, clients=Clients(self._factory))

    def finish(self) -> None:
        """Every queued response was consumed."""
        self.stub.assert_no_pending_responses()
        self.stub.deactivate()


FACTS = "candidate=c metric=validation:f1 value=0.9 problem=BinaryClassification mode=HYPERPARAMETER_TUNING"


def model_name(properties: dict[str, Any]) -> str:
    """The name the handler generates for a model with ``properties``."""
    delivered = {"ServiceToken": SERVICE_TOKEN, **properties}
    return naming.model_name(properties["ModelNamePrefix"], STACK_ID, MODEL_LOGICAL_ID, configuration(delivered))


def transform_job_name(properties: dict[str, Any]) -> str:
    """The name the handler generates for the job this request starts."""
    delivered = {"ServiceToken": SERVICE_TOKEN, **properties}
    return naming.transform_job_name(
        properties["TransformJobNamePrefix"],
        STACK_ID,
        TRANSFORM_LOGICAL_ID,
        configuration(delivered, exclude=contract.TRANSFORM_WAIT_PROPERTIES),
        REQUEST_ID,
    )


def model_arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/{name.lower()}"


def job_arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:transform-job/{name.lower()}"


def described_job(name: str, status: str, created: datetime = JOB_START) -> dict[str, Any]:
    """A DescribeTransformJob answer (from the saved fixture) for ``name`` in ``status``."""
    job = fixture("describe_transform_job_completed.json")
    job.update(TransformJobName=name, TransformJobArn=job_arn(name), TransformJobStatus=status, CreationTime=created)
    if status != "Completed":
        job.pop("TransformEndTime", None)
    return job


def described_model(name: str) -> dict[str, Any]:
    return {"ModelName": name, "ModelArn": model_arn(name), "CreationTime": JOB_START, "ExecutionRoleArn": ROLE_ARN}


def automl_job() -> dict[str, Any]:
    return fixture("describe_auto_ml_job_hpo_classification.json")


# --- API calls per lifecycle event -------------------------------------------------------


Responses = list[tuple[str, dict[str, Any]]]


@dataclass
class Scenario:
    """One lifecycle event: the event, the answers it needs, the target call count (if any)."""

    name: str
    event: dict[str, Any]
    responses: Responses
    target: int | None = None


@dataclass
class CallCount:
    """What one scenario called."""

    name: str
    calls: list[str]
    consumed: int
    target: int | None
    error: str | None = None

    @property
    def count(self) -> int:
        return len(self.calls)


def model_scenarios() -> list[Scenario]:
    """Create (best / named candidate), Update (no-op / replacing) and Delete of a model."""
    name = model_name(MODEL_PROPERTIES)
    replaced = {**MODEL_PROPERTIES, "InferenceResponseKeys": ["predicted_label", "probabilities", "labels"]}
    named = {**MODEL_PROPERTIES, "CandidateName": NAMED_CANDIDATE}
    create = cfn_event("Create", contract.MODEL_RESOURCE_TYPE, MODEL_PROPERTIES, logical_id=MODEL_LOGICAL_ID)
    created = {"ModelArn": model_arn(name)}
    return [
        Scenario("Create model (best candidate)", create,
                 [("describe_auto_ml_job", automl_job()), ("create_model", created)], target=2),
        Scenario("Create model (named candidate, one list page)",
                 cfn_event("Create", contract.MODEL_RESOURCE_TYPE, named, logical_id=MODEL_LOGICAL_ID),
                 [("describe_auto_ml_job", automl_job()),
                  ("list_candidates_for_auto_ml_job", fixture("list_candidates_for_auto_ml_job_page2.json")),
                  ("create_model", {"ModelArn": model_arn(model_name(named))})]),
        Scenario("Update model, same configuration (no-op)",
                 cfn_event("Update", contract.MODEL_RESOURCE_TYPE, MODEL_PROPERTIES, old_properties=MODEL_PROPERTIES,
                           physical_id=name, logical_id=MODEL_LOGICAL_ID),
                 [("describe_model", described_model(name)), ("list_tags", {"Tags": [{"Key": FACTS_TAG_KEY, "Value": FACTS}]})]),
        Scenario("Update model, new configuration (replacement)",
                 cfn_event("Update", contract.MODEL_RESOURCE_TYPE, replaced, old_properties=MODEL_PROPERTIES,
                           physical_id=name, logical_id=MODEL_LOGICAL_ID),
                 [("describe_auto_ml_job", automl_job()), ("create_model", {"ModelArn": model_arn(model_name(replaced))})]),
        Scenario("Delete model",
                 cfn_event("Delete", contract.MODEL_RESOURCE_TYPE, MODEL_PROPERTIES, physical_id=name, logical_id=MODEL_LOGICAL_ID),
                 [("delete_model", {})], target=1),
    ]


def transform_scenarios() -> list[Scenario]:
    """Create, no-op Update and Delete (running / finished) of a transform job (the job events: bench_wait)."""
    name = transform_job_name(TRANSFORM_PROPERTIES)
    create = cfn_event("Create", contract.TRANSFORM_JOB_RESOURCE_TYPE, TRANSFORM_PROPERTIES, logical_id=TRANSFORM_LOGICAL_ID)

    def existing(request_type: str) -> dict[str, Any]:
        old = TRANSFORM_PROPERTIES if request_type == "Update" else None
        return cfn_event(request_type, contract.TRANSFORM_JOB_RESOURCE_TYPE, TRANSFORM_PROPERTIES, old_properties=old,
                         physical_id=name, logical_id=TRANSFORM_LOGICAL_ID)

    return [
        Scenario("Create transform job (after looking for jobs a failed attempt left running)", create,
                 [("list_transform_jobs", {"TransformJobSummaries": []}),
                  ("create_transform_job", {"TransformJobArn": job_arn(name)})], target=2),
        Scenario("Update transform job, same configuration (no-op)", existing("Update"),
                 [("describe_transform_job", described_job(name, "Completed"))]),
        Scenario("Delete transform job (running: describe + stop)", existing("Delete"),
                 [("describe_transform_job", described_job(name, "InProgress")), ("stop_transform_job", {})]),
        Scenario("Delete transform job (finished)", existing("Delete"),
                 [("describe_transform_job", described_job(name, "Completed"))]),
    ]


def run_scenario(scenario: Scenario) -> CallCount:
    """Queue the scenario's answers, run ``handle()`` once, and count what it consumed."""
    aws = CountingAws()
    for operation, response in scenario.responses:
        aws.respond(operation, response)
    error = None
    try:
        aws.handle(scenario.event)
        aws.finish()
    except Exception as failure:  # reported in the table, never hidden
        error = f"{type(failure).__name__}: {failure}"
    return CallCount(scenario.name, list(aws.calls), len(aws.calls), scenario.target, error)


def api_calls() -> list[CallCount]:
    """Calls per lifecycle event, for every scenario."""
    with fake_aws_environment():
        return [run_scenario(scenario) for scenario in (*model_scenarios(), *transform_scenarios())]


def api_calls_section(counts: list[CallCount]) -> Section:
    """The calls-per-event table."""
    rows = []
    for item in counts:
        target = "" if item.target is None else str(item.target)
        verdict = "" if item.target is None else ("met" if item.count <= item.target and not item.error else "NOT met")
        calls = ", ".join(item.calls) or "none"
        rows.append([item.name, str(item.count), calls if not item.error else f"ERROR {item.error[:120]}", target, verdict])
    return Section(
        title="AWS API calls per lifecycle event",
        explanation="One `handle()` invocation per row through a real boto3 SageMaker client with a Stubber; "
        "the count is the responses consumed (every queued response must be consumed).",
        headers=["event", "calls", "operations", "target", "verdict"],
        rows=rows,
        notes=[
            "Update of a model's tags rebuilds its Data from the model's facts tag: no AutoML call.",
            "A named candidate costs one ListCandidatesForAutoMLJob call per result page (one page here).",
        ],
    )
