"""A whole stack against the in-memory SageMaker: the stack template, the ``World`` and its fixture, the failure reasons.

Shared by ``tests/runtime/test_handler_lifecycle.py`` and ``test_handler_media_types.py``. A test
module that requests ``world`` imports it by name, beside ``support.handler``'s
``fake_aws_environment`` (the fixture it needs).
"""

from __future__ import annotations

from typing import Any

import pytest

from autopilot_inference._lambda.autopilot_runtime import contract
from support.cloudformation import GetAtt, Stack
from support.fake_aws import FakeAws
from support.framework import ProviderFramework
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


def template(model: dict[str, Any] | None = None, job: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ChurnModel": (contract.MODEL_RESOURCE_TYPE, {**MODEL_PROPS, **(model or {})}),
        "Scoring": (contract.TRANSFORM_JOB_RESOURCE_TYPE, {**JOB_PROPS, **(job or {})}),
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
        return {str(r.physical_id) for r in self.stack.resources.values() if r.resource_type == contract.TRANSFORM_JOB_RESOURCE_TYPE}

    def assert_no_unknown_job_running(self) -> None:
        """Every job still running is one the stack holds."""
        assert set(self.aws.running_jobs()) <= self.known_jobs(), (self.aws.running_jobs(), self.known_jobs())


@pytest.fixture
def world(fake_aws_environment: None) -> World:  # noqa: F811
    return World()


def reasons(world: World) -> str:
    return "\n".join(reason for _, _, reason in world.stack.failures())
