"""The example app's stack: one environment's Autopilot model, batch transform job,
optional nightly scoring schedule and optional endpoint, built from an :class:`~examples.app.config.EnvironmentConfig`.

Part of the example app (``app.py``), not of the library.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Environment, Stack, Tags
from constructs import Construct

from autopilot_inference import (
    AutopilotBatchTransform,
    AutopilotModel,
    AutopilotScheduledTransform,
    AutopilotValidationError,
    InferenceResponseKeyError,
)
from autopilot_inference.checks.problems import errors_of

from .config import AppConfig, ConfigError, EnvironmentConfig


def environment_of(config: EnvironmentConfig) -> Environment | None:
    """The stack's ``env``: ``None`` (environment-agnostic) unless account and region are set."""
    if config.is_environment_agnostic:
        return None
    return Environment(account=config.account, region=config.region)


class AutopilotInferenceStack(Stack):
    """One environment: an :class:`AutopilotModel`, an :class:`AutopilotBatchTransform` that
    runs it, and an endpoint when the configuration asks for one.

    :param config: the environment; its ``tags`` are applied to the whole stack.
    Other keyword arguments (``env``, ``description``, ``synthesizer``...) go to ``Stack``.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config

        self.model = AutopilotModel(
            self,
            "Model",
            automl_job_name=config.automl_job_name,
            candidate_name=config.candidate_name,
            inference_response_keys=list(config.inference_response_keys) or None,
            automl_output_s3_uri=config.automl_output_s3_uri,
            model_name_prefix=config.model_name_prefix,
            processing_unit=config.processing_unit,
        )

        transform = config.transform
        # How records are read and written: the same for the deploy-time and the scheduled jobs.
        records: dict[str, Any] = {
            "content_type": transform.content_type,
            "split_type": transform.split_type,
            "accept": transform.accept,
            "assemble_with": transform.assemble_with,
        }
        # Only when the deployment waits: a timeout without waiting is warned about.
        wait: dict[str, Any] = (
            {"wait_timeout": Duration.minutes(transform.wait_timeout_minutes)} if transform.wait_for_completion else {}
        )
        self.batch_transform = AutopilotBatchTransform(
            self,
            "BatchTransform",
            model=self.model,
            input_s3_uri=transform.input_s3_uri,
            output_s3_uri=transform.output_s3_uri,
            instance_type=transform.instance_type,
            instance_count=transform.instance_count,
            wait_for_completion=transform.wait_for_completion,
            **records,
            **wait,
        )

        self.scheduled_transform = None
        if config.schedule is not None:
            schedule = config.schedule
            self.scheduled_transform = AutopilotScheduledTransform(
                self,
                "Scoring",
                model=self.model,
                schedule=schedule.expression,
                time_zone=schedule.time_zone,
                input_s3_uri=schedule.input_s3_uri,
                output_s3_uri=schedule.output_s3_uri,
                instance_type=schedule.instance_type,
                instance_count=schedule.instance_count,
                flexible_time_window=Duration.minutes(schedule.flexible_window_minutes)
                if schedule.flexible_window_minutes
                else None,
                enabled=schedule.enabled,
                create_notification_topic=schedule.notify,
                failure_alarm=schedule.failure_alarm,
                **records,
            )

        self.endpoint = None
        if config.endpoint is not None:
            self.endpoint = self.model.add_endpoint(
                "Endpoint",
                instance_type=config.endpoint.instance_type,
                initial_instance_count=config.endpoint.initial_instance_count,
            )

        for key, value in config.tags.items():
            Tags.of(self).add(key, value)

        CfnOutput(self, "ModelName", value=self.model.model_name, description="The SageMaker model")
        CfnOutput(
            self,
            "TransformJobName",
            value=self.batch_transform.transform_job_name,
            description="The batch transform job started by the last deployment",
        )
        if self.scheduled_transform is not None:
            CfnOutput(
                self,
                "ScoringStateMachineArn",
                value=self.scheduled_transform.state_machine.state_machine_arn,
                description="Start a scoring run by hand: aws stepfunctions start-execution --state-machine-arn ...",
            )
            if self.scheduled_transform.notification_topic is not None:
                CfnOutput(
                    self,
                    "ScoringNotificationTopicArn",
                    value=self.scheduled_transform.notification_topic.topic_arn,
                    description="Subscribe to hear of failed scheduled scoring runs",
                )


def stack_description(config: EnvironmentConfig) -> str:
    candidate = f"candidate {config.candidate_name}" if config.candidate_name else "best candidate"
    return (
        f"SageMaker Autopilot job {config.automl_job_name} ({candidate}) as a model and "
        f"batch transform job: environment {config.name}"
    )


def create_stacks(scope: Construct, app_config: AppConfig) -> list[AutopilotInferenceStack]:
    """One :class:`AutopilotInferenceStack` per environment, named ``AutopilotInference-<name>``.

    A value the constructs refuse (:class:`AutopilotValidationError`, response keys) is
    reported as a :class:`ConfigError` naming the configuration and the environment.
    """
    stacks = []
    for environment in app_config.environments:
        try:
            stack = AutopilotInferenceStack(
                scope,
                environment.stack_name,
                config=environment,
                env=environment_of(environment),
                description=environment.description or stack_description(environment),
            )
        except (AutopilotValidationError, InferenceResponseKeyError) as error:
            raise ConfigError(f"{app_config.source}: environment '{environment.name}': {error}") from error
        # The constructs report a refused value on themselves (an error annotation); here it is
        # a mistake in the configuration file, reported as one line naming the file.
        refused = errors_of(stack)
        if refused:
            raise ConfigError(f"{app_config.source}: environment '{environment.name}': {refused[0][1]}")
        stacks.append(stack)
    return stacks


__all__ = ["AutopilotInferenceStack", "create_stacks", "environment_of", "stack_description"]
