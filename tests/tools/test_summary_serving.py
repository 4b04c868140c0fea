"""``summary`` shows what an endpoint runs, its scaling bounds, update policy and rollback alarms."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, Duration, Stack
from support.stacks import JOB, OUTPUT_URI, checked_synth

from autopilot_inference import (
    AutopilotModel,
    BlueGreenUpdate,
    CapacitySize,
    EndpointAlarms,
    RollingUpdate,
    ServerlessConfig,
    TrafficRouting,
)
from autopilot_inference.tools.summary import summarize


def test_summary_of_serving_endpoints(tmp_path: Path) -> None:
    app = App(context={"aws:cdk:enable-path-metadata": True}, outdir=str(tmp_path / "cdk.out"))
    stack = Stack(app, "Serving")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    canary = model.add_endpoint(
        "Canary", initial_instance_count=4,
        blue_green=BlueGreenUpdate(
            traffic_routing=TrafficRouting.canary(size=CapacitySize.percent(25), wait=Duration.minutes(5)),
            termination_wait=Duration.minutes(10), maximum_execution_timeout=Duration.hours(1),
        ),
        endpoint_alarms=EndpointAlarms(max_model_latency=Duration.millis(300)),
    )
    canary.auto_scale_instance_count(min_capacity=2, max_capacity=12).scale_on_invocations(
        "Invocations", max_requests_per_second=25
    )
    model.add_endpoint(
        "Rolling", endpoint_name="churn-rolling", initial_instance_count=10,
        rolling_update=RollingUpdate(CapacitySize.percent(20), Duration.minutes(2)),
    )
    ensemble = AutopilotModel(stack, "Ensemble", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    ensemble.add_endpoint(
        "Serverless", serverless=ServerlessConfig(memory_size_in_mb=2048, max_concurrency=10, provisioned_concurrency=1)
    )
    checked_synth(app)
    lines = summarize(tmp_path / "cdk.out").splitlines()
    start = lines.index("  endpoint Model/Canary/Endpoint: ml.m5.large x 4 (model Model)")
    assert lines[start + 1: start + 4] == [
        "    scaling: 2-12 instances (TargetTrackingScaling) (kept on update)",
        "    update: blue/green canary 25 %, wait 300 s, baking 600 s, timeout 3600 s",
        "    rollback on alarms: Model/Canary/Invocation5XXErrorsAlarm, Model/Canary/ModelLatencyAlarm",
    ]
    start = lines.index("  endpoint Model/Rolling/Endpoint: ml.m5.large x 10 (model Model)")
    assert lines[start + 1] == "    update: rolling, 20 % per step, wait 120 s"
    assert "  endpoint Ensemble/Serverless/Endpoint: serverless 2048 MB, max concurrency 10, provisioned 1 (model Ensemble)" in lines
    [ensemble_line] = [line for line in lines if line.startswith("  model Ensemble:")]
    assert ensemble_line.endswith("single container required (serverless endpoint)")
    [model_line] = [line for line in lines if line.startswith("  model Model:")]
    assert "single container" not in model_line
