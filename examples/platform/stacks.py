"""The three stacks of one account: the model, scoring on it, serving it.

- :class:`ModelStack`: the ``AutopilotModel`` (and its default execution role).
- :class:`ScoringStack`: its own data bucket, a batch transform at deploy time and a nightly
  scoring schedule, both reading and writing that bucket through tokens.
- :class:`ServingStack`: a real-time endpoint.

The scoring and serving stacks each deploy their own copy of the model (``AutopilotModel.in_stack``)
and grant the model's execution role what their data needs in a policy of their own: adding,
changing or removing them never changes the model stack's template. Used by ``app.py`` (one
account) and ``pipeline.py`` (CDK Pipelines, Dev and Prod accounts). Not part of the library.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from autopilot_inference import (
    AutopilotBatchTransform,
    AutopilotEndpoint,
    AutopilotModel,
    AutopilotModelPackage,
    AutopilotScheduledTransform,
)

AUTOML_JOB_NAME = "churn-hpo-2026-11"
AUTOML_OUTPUT_S3_URI = "s3://example-ml-artifacts/churn/autopilot-output"
RESPONSE_KEYS = ["predicted_label", "probability"]
MODEL_PACKAGE_GROUP_NAME = "churn-models"


class ModelStack(Stack):
    """The Autopilot candidate as a SageMaker model; nothing in it depends on who uses the model.

    Three ways, one per account's role in the promotion:

    - by default, the model from the AutoML job;
    - ``register_for=[accounts]`` (Dev): the same, and the candidate registered as a new version of
      the model package group ``churn-models``, which those accounts may deploy;
    - ``approved_from=<group ARN>`` (Prod): the newest Approved version of that group, and no AutoML
      job read at all.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        automl_job_name: str = AUTOML_JOB_NAME,
        automl_output_s3_uri: str = AUTOML_OUTPUT_S3_URI,
        inference_response_keys: list[str] | None = None,
        source_role_arn: str | None = None,
        register_for: list[str] | None = None,
        approved_from: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.model_package: AutopilotModelPackage | None = None
        if approved_from is not None:
            self.model = AutopilotModel.from_model_package(
                self, "ChurnModel", model_package_group_arn=approved_from, automl_output_s3_uri=automl_output_s3_uri
            )
            return
        self.model = AutopilotModel(
            self,
            "ChurnModel",
            automl_job_name=automl_job_name,
            automl_output_s3_uri=automl_output_s3_uri,
            inference_response_keys=inference_response_keys or RESPONSE_KEYS,
            source_role_arn=source_role_arn,
        )
        if register_for is not None:
            self.model_package = AutopilotModelPackage(
                self,
                "ChurnRegistration",
                automl_job_name=automl_job_name,
                automl_output_s3_uri=automl_output_s3_uri,
                inference_response_keys=inference_response_keys or RESPONSE_KEYS,
                model_package_group_name=MODEL_PACKAGE_GROUP_NAME,
                consumer_accounts=register_for,
            )


class ScoringStack(Stack):
    """Scores with the model: a bucket of its own, a batch transform at deploy time, a nightly schedule."""

    def __init__(self, scope: Construct, id: str, *, model: AutopilotModel, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.bucket = s3.Bucket(
            self,
            "ScoringData",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.transform = AutopilotBatchTransform(
            self,
            "Backfill",
            model=model,
            input_s3_uri=self.bucket.s3_url_for_object("backfill/input/"),
            output_s3_uri=self.bucket.s3_url_for_object("backfill/predictions/"),
            wait_for_completion=False,
        )
        self.schedule = AutopilotScheduledTransform(
            self,
            "Nightly",
            model=model,
            schedule="cron(0 3 * * ? *)",
            time_zone="Europe/London",
            input_s3_uri=f"s3://{self.bucket.bucket_name}/nightly/input/{{date}}/",
            output_s3_uri=f"s3://{self.bucket.bucket_name}/nightly/predictions/{{date}}/",
        )


class ServingStack(Stack):
    """Serves the model in real time."""

    def __init__(self, scope: Construct, id: str, *, model: AutopilotModel, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.endpoint = AutopilotEndpoint(self, "ChurnEndpoint", model=model, instance_type="ml.m5.large")


def create_account_stacks(
    scope: Construct,
    prefix: str = "Churn",
    *,
    register_for: list[str] | None = None,
    approved_from: str | None = None,
    **kwargs: Any,
) -> tuple[ModelStack, ScoringStack, ServingStack]:
    """The three stacks of one account (``kwargs``, e.g. ``env``, go to each stack; see :class:`ModelStack`)."""
    models = ModelStack(scope, f"{prefix}ModelStack", register_for=register_for, approved_from=approved_from, **kwargs)
    scoring = ScoringStack(scope, f"{prefix}ScoringStack", model=models.model, **kwargs)
    serving = ServingStack(scope, f"{prefix}ServingStack", model=models.model, **kwargs)
    return models, scoring, serving
