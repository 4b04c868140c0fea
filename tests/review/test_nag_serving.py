"""cdk-nag's AwsSolutions pack over stacks using every serving option (issue 13).

Same checks as ``test_nag.py``: no unacknowledged finding, every acknowledgement specific,
on the resource that holds it, and not stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.example_app import CloudAssemblyDir
from support.nag import assert_passes, library_acknowledgements, nag_outcome, synth_app


def build_serving_app(outdir: Path) -> Any:
    from aws_cdk import App, Duration, Stack, Validations
    from aws_cdk import aws_applicationautoscaling as appscaling
    from aws_cdk import aws_cloudwatch as cloudwatch
    from aws_cdk import aws_kms as kms
    from cdk_nag import AwsSolutionsChecks

    from autopilot_inference import (
        AutopilotModel,
        BlueGreenUpdate,
        CapacitySize,
        EndpointAlarms,
        RollingUpdate,
        ServerlessConfig,
        TrafficRouting,
    )

    app = App(outdir=str(outdir))
    stack = Stack(app, "NagServing")
    key = kms.Key(stack, "Key", enable_key_rotation=True, description="Endpoint volumes")
    model = AutopilotModel(
        stack, "Model", automl_job_name="churn-job", automl_output_s3_uri="s3://amzn-s3-demo-bucket/automl/"
    )
    canary = model.add_endpoint(
        "Canary", initial_instance_count=4, kms_key=key,
        blue_green=BlueGreenUpdate(
            traffic_routing=TrafficRouting.canary(size=CapacitySize.percent(25), wait=Duration.minutes(5)),
            termination_wait=Duration.minutes(10), maximum_execution_timeout=Duration.hours(1),
        ),
        endpoint_alarms=EndpointAlarms(max_4xx_error_rate=0.2, max_model_latency=Duration.millis(300)),
    )
    scaling = canary.auto_scale_instance_count(min_capacity=4, max_capacity=12)
    scaling.scale_on_invocations("Invocations", max_requests_per_second=25)
    scaling.scale_on_schedule("Night", schedule=appscaling.Schedule.cron(hour="1", minute="0"), max_capacity=4)
    scaling.scale_on_metric(
        "Memory", metric=canary.metric_memory_utilization(),
        scaling_steps=[appscaling.ScalingInterval(upper=30, change=-1), appscaling.ScalingInterval(lower=75, change=1)],
    )
    rolling = model.add_endpoint(
        "Rolling", initial_instance_count=4, kms_key=key,
        rolling_update=RollingUpdate(CapacitySize.instances(1), Duration.minutes(2)),
    )
    rolling.add_rollback_alarm(
        cloudwatch.Alarm(stack, "Latency", metric=rolling.metric_model_latency(), threshold=1e5, evaluation_periods=2)
    )
    ensemble = AutopilotModel(
        stack, "EnsembleModel", automl_job_name="churn-ensemble",
        automl_output_s3_uri="s3://amzn-s3-demo-bucket/automl/",
    )
    ensemble.add_endpoint(
        "Serverless", kms_key=key,
        serverless=ServerlessConfig(memory_size_in_mb=2048, max_concurrency=10, provisioned_concurrency=1),
        blue_green=BlueGreenUpdate(), endpoint_alarms=EndpointAlarms(),
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


@pytest.fixture(scope="module")
def serving_assembly(tmp_path_factory: pytest.TempPathFactory) -> CloudAssemblyDir:
    return synth_app(build_serving_app(tmp_path_factory.mktemp("nag-serving") / "cdk.out"))


def test_serving_stack_passes(serving_assembly: CloudAssemblyDir) -> None:
    outcome = assert_passes(serving_assembly)
    acknowledged = library_acknowledgements(outcome)
    # Nothing the serving resources hold needs an acknowledgement: their statements name the
    # alarms, the scalable targets use the service-linked role.
    serving = {rule: paths for rule, paths in acknowledged.items() if any(
        part in path for path in paths for part in ("Canary", "Rolling", "Serverless"))}
    assert serving == {}


def test_serving_stack_is_checked(serving_assembly: CloudAssemblyDir) -> None:
    outcome = nag_outcome(serving_assembly)
    template = serving_assembly.template("NagServing")
    kinds = {resource["Type"] for resource in template["Resources"].values()}
    assert {"AWS::ApplicationAutoScaling::ScalableTarget", "AWS::CloudWatch::Alarm", "AWS::SageMaker::Endpoint"} <= kinds
    assert outcome.error is None
