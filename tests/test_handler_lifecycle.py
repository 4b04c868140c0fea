"""Whole CloudFormation sequences through the provider framework's contract.

A :class:`~support.cloudformation.Stack` sends create/update/rollback/delete requests
to a :class:`~support.framework.ProviderFramework`, which runs the real handler against
the in-memory SageMaker of :mod:`support.fake_aws` (requests and answers validated
against botocore's service model). Each scenario asserts the final stack status and what
SageMaker holds at the end: no job running that CloudFormation does not know, no extra
job started by a rollback.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from conftest import load_fixture
from handler_support import ROLE_ARN, fake_aws_environment, parse_times  # noqa: F401  (fixture)
from support.cloudformation import GetAtt, Stack
from support.fake_aws import FakeAws, raising, service_error
from support.framework import ProviderFramework

from autopilot_inference._lambda.autopilot_runtime.properties import MODEL_RESOURCE_TYPE, TRANSFORM_JOB_RESOURCE_TYPE

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


def template(model: dict[str, Any] | None = None, job: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ChurnModel": (MODEL_RESOURCE_TYPE, {**MODEL_PROPS, **(model or {})}),
        "Scoring": (TRANSFORM_JOB_RESOURCE_TYPE, {**JOB_PROPS, **(job or {})}),
    }
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

    def job(self) -> str:
        return str(self.stack.resources["Scoring"].physical_id)

    def known_jobs(self) -> set[str]:
        return {str(r.physical_id) for r in self.stack.resources.values() if r.resource_type == TRANSFORM_JOB_RESOURCE_TYPE}

    def assert_no_unknown_job_running(self) -> None:
        """Every job still running is one the stack holds."""
        assert set(self.aws.running_jobs()) <= self.known_jobs(), (self.aws.running_jobs(), self.known_jobs())


@pytest.fixture
def world(fake_aws_environment: None) -> World:  # noqa: F811
    return World()


# --- the plain sequences ------------------------------------------------------------


def test_create_waits_for_the_job_then_delete_removes_the_model(world: World) -> None:
    assert world.stack.create(template()) == "CREATE_COMPLETE"

    job = world.job()
    assert world.aws.job_status(job) == "Completed"
    assert list(world.aws.models) == [world.stack.resources["ChurnModel"].physical_id]
    assert world.stack.delete() == "DELETE_COMPLETE"
    assert world.aws.models == {}
    assert list(world.aws.jobs) == [job]


def test_update_of_the_job_configuration_runs_a_new_job(world: World) -> None:
    world.stack.create(template())
    first = world.job()

    assert world.stack.update(template(job={"TransformResources": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": "1"}})) == "UPDATE_COMPLETE"

    assert world.job() != first
    assert world.aws.jobs[world.job()].request["TransformResources"]["InstanceType"] == "ml.m5.2xlarge"
    assert len(world.aws.jobs) == 2
