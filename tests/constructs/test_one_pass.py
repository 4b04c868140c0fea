"""Every problem of a construct's props in one synthesis (issue 19), not one per run.

The cases a new user meets, each with several mistakes at once: all of them are error annotations
on the construct (``aws_cdk.assertions.Annotations`` through ``support.annotations``), and the CDK
CLI's own ``cdk synth`` (this repository's pinned CLI, on an app in a temporary directory) prints
every one, each with its construct's path. The limits are botocore's (``DeploymentConfig``,
``contract``) and EventBridge Scheduler's (``MaximumWindowInMinutes``, whole minutes).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from support.annotations import errors_on
from support.cdk_cli import CDK, cdk_synth
from support.paths import REPO_ROOT
from support.scheduled import model_in, scheduled
from support.stacks import JOB, OUTPUT_URI, new_stack

from autopilot_inference import (
    AutopilotBatchTransform,
    AutopilotModel,
    AutopilotValidationError,
    BlueGreenUpdate,
    CapacitySize,
    EndpointAlarms,
    TrafficRouting,
)
from autopilot_inference.checks import prop_types, validation
from autopilot_inference.checks.problems import Collected
from autopilot_inference.serving import deployment
from autopilot_inference.transform.batch import DEFAULT_WAIT_TIMEOUT
from autopilot_inference.transform.options import transform_options

NAIVE_START, EARLIER_END = datetime(2027, 3, 1, 2, 0), datetime(2027, 2, 1, 2, 0)
SCHEDULE_ERRORS = [
    "flexible_time_window must be whole minutes; got 90 seconds.",
    "start (2027-03-01 02:00:00) must be before end (2027-02-01 02:00:00).",
    "start must be a timezone-aware datetime, e.g. datetime(2027, 1, 1, tzinfo=timezone.utc); "
    "got datetime.datetime(2027, 3, 1, 2, 0).",
    "end must be a timezone-aware datetime, e.g. datetime(2027, 1, 1, tzinfo=timezone.utc); "
    "got datetime.datetime(2027, 2, 1, 2, 0).",
]
GUARDRAIL_ERRORS = [
    "blue_green.traffic_routing.wait must be between 0 and 3600 seconds; got 2 hours.",
    "blue_green.traffic_routing.size must be between 1 and 50; got 60.",
    "blue_green.maximum_execution_timeout must be between 600 and 28800 seconds; got 1 minute.",
]
NETWORK_ERRORS = [
    "vpc_subnets needs vpc: pass the VPC to select subnets from, or remove vpc_subnets.",
    "allow_all_outbound needs vpc: it configures the security group created in the VPC.",
]
ALARM_ERRORS = [
    "endpoint_alarms.max_5xx_error_rate is a share of requests, so 1 is 100 %: the alarm would fire only when "
    "more than every request fails, that is never. For 1 %, give 0.01.",
    "endpoint_alarms.max_4xx_error_rate must be a share of requests between 0 and 1 (0.01 is 1 %); got 5.",
    "endpoint_alarms.period must be between 60 and 86400 seconds; got 30 seconds.",
    "endpoint_alarms.evaluation_periods must be at least 1; got 0.",
]


def bad_guardrails() -> BlueGreenUpdate:
    return BlueGreenUpdate(
        traffic_routing=TrafficRouting.canary(size=CapacitySize.percent(60), wait=Duration.hours(2)),
        maximum_execution_timeout=Duration.minutes(1),
    )


def bad_alarms() -> EndpointAlarms:
    return EndpointAlarms(max_5xx_error_rate=1, max_4xx_error_rate=5, period=Duration.seconds(30), evaluation_periods=0)


def test_a_scheduled_transform_reports_a_naive_start_an_earlier_end_and_a_90_second_window_at_once() -> None:
    construct = scheduled(
        new_stack(), start=NAIVE_START, end=EARLIER_END, flexible_time_window=Duration.seconds(90)
    )
    assert errors_on(construct) == SCHEDULE_ERRORS


def test_a_scheduled_transform_reports_schedule_prefix_and_location_problems_together() -> None:
    construct = scheduled(
        new_stack(),
        schedule="cron(0 2 * * * *)",
        time_zone="Mars/Olympus",
        job_name_prefix="Nightly_Scoring",
        input_s3_uri="s3://bucket/{when}/",
        timeout=Duration.seconds(10),
    )
    errors = errors_on(construct)
    for start in ("time_zone must be an IANA time zone", "schedule ", "timeout must be between 60 and",
                  "job_name_prefix must be 1-40", "input_s3_uri "):
        assert [message for message in errors if message.startswith(start)], (start, errors)


def test_an_endpoint_reports_every_problem_of_its_blue_green_update() -> None:
    endpoint = model_in(new_stack()).add_endpoint("Endpoint", blue_green=bad_guardrails())
    assert errors_on(endpoint) == GUARDRAIL_ERRORS


def test_the_timeout_is_compared_with_the_waits_only_when_they_are_valid() -> None:
    update = BlueGreenUpdate(
        traffic_routing=TrafficRouting.canary(size=CapacitySize.percent(10), wait=Duration.hours(2)),
        maximum_execution_timeout=Duration.minutes(15),
    )
    config, found = deployment.render(blue_green=update, rolling_update=None, instance_count=1, serverless=False)
    assert config is None
    assert [item.message for item in found] == [GUARDRAIL_ERRORS[0]]  # not also "longer than the waits (7200 s)"


def test_a_model_reports_every_network_prop_given_without_vpc() -> None:
    stack = new_stack()
    model = AutopilotModel(
        stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS), allow_all_outbound=False,
    )
    assert errors_on(model) == NETWORK_ERRORS


def test_subnet_problems_are_reported_with_the_other_props() -> None:
    stack = new_stack()
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0, subnet_configuration=[
        ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC),
    ])
    model = AutopilotModel(stack, "Model", automl_job_name="churn_job", automl_output_s3_uri=OUTPUT_URI, vpc=vpc,
                           vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS))
    errors = errors_on(model)
    assert [message[:16] for message in errors] == ["automl_job_name ", "vpc_subnets cann"], errors


def test_endpoint_alarms_report_every_bad_value() -> None:
    endpoint = model_in(new_stack()).add_endpoint("Endpoint", endpoint_alarms=bad_alarms())
    assert errors_on(endpoint) == ALARM_ERRORS


def test_a_check_returns_its_findings_and_never_raises() -> None:
    found = validation.network(vpc=None, vpc_subnets=ec2.SubnetSelection(), security_groups=None, allow_all_outbound=True)
    assert [item.message for item in found] == NETWORK_ERRORS
    assert validation.duration_seconds(Duration.hours(2), "wait", minimum=0, maximum=3600) is not None
    assert validation.seconds(Duration.hours(2)) == 7200  # the conversion, apart from the check


def test_outside_a_construct_every_problem_is_raised_at_once() -> None:
    collected = Collected()
    collected.check(validation.count, 0, "instance_count")
    collected.check(validation.instance_type, "m5.xlarge", "instance_type")
    with pytest.raises(AutopilotValidationError, match=r"^2 problems:\n- instance_count must be at least 1; got 0\.\n- "):
        collected.raise_errors()
    with pytest.raises(AutopilotValidationError) as raised:
        transform_options({"input_s3_uri": f"{OUTPUT_URI}/in", "output_s3_uri": f"{OUTPUT_URI}/out", "instance_count": 0, "split_type": "Lines "})
    assert str(raised.value).splitlines()[1:] == [
        "- instance_count must be at least 1; got 0.",
        "- split_type must be one of None, Line, RecordIO, TFRecord; got 'Lines '.",
    ]


ONE_PASS_APP = """
import sys
sys.path.insert(0, {constructs!r})
from datetime import datetime
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_ec2 as ec2
from autopilot_inference import (AutopilotModel, AutopilotScheduledTransform, BlueGreenUpdate, CapacitySize,
                                 EndpointAlarms, TrafficRouting)
app = App()
stack = Stack(app, "UserStack")
model = AutopilotModel(stack, "Model", automl_job_name="churn", automl_output_s3_uri={output!r})
AutopilotScheduledTransform(stack, "Nightly", model=model, schedule="cron(0 2 * * ? *)",
                            input_s3_uri="s3://amzn-s3-demo-bucket/in/{{date}}/",
                            output_s3_uri="s3://amzn-s3-demo-bucket/out/{{date}}/",
                            start=datetime(2027, 3, 1, 2, 0), end=datetime(2027, 2, 1, 2, 0),
                            flexible_time_window=Duration.seconds(90))
model.add_endpoint("Canary", blue_green=BlueGreenUpdate(
    traffic_routing=TrafficRouting.canary(size=CapacitySize.percent(60), wait=Duration.hours(2)),
    maximum_execution_timeout=Duration.minutes(1)))
AutopilotModel(stack, "Private", automl_job_name="churn", automl_output_s3_uri={output!r},
               vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
               allow_all_outbound=False)
model.add_endpoint("Alarmed", endpoint_alarms=EndpointAlarms(max_5xx_error_rate=1, max_4xx_error_rate=5,
                                                             period=Duration.seconds(30), evaluation_periods=0))
app.synth()
"""


@pytest.mark.slow
@pytest.mark.skipif(not CDK.exists(), reason="needs the pinned CDK CLI (make install)")
def test_cdk_synth_lists_every_problem_of_the_issue_19_cases_in_one_run(tmp_path: Path) -> None:
    synthesis = cdk_synth(ONE_PASS_APP.format(constructs=str(REPO_ROOT / "constructs"), output=OUTPUT_URI), tmp_path)
    assert synthesis.status == 1 and "Traceback" not in synthesis.output, synthesis.output
    errors = synthesis.errors
    expected = [
        *((message, "UserStack/Nightly") for message in SCHEDULE_ERRORS),
        *((message, "UserStack/Model/Canary") for message in GUARDRAIL_ERRORS),
        *((message, "UserStack/Private") for message in NETWORK_ERRORS),
        *((message, "UserStack/Model/Alarmed") for message in ALARM_ERRORS),
    ]
    assert sorted(errors) == sorted(expected), errors
    assert synthesis.last_line == "Synthesis finished with errors"


# --- a prop of the wrong type does not hide the other props' problems ---------------------------


def test_a_model_reports_wrong_types_and_bad_values_together() -> None:
    model = AutopilotModel(
        new_stack(), "Model", automl_job_name="churn_job", automl_output_s3_uri=OUTPUT_URI,
        candidate_name=" churn-003 ", network_isolation="yes",  # type: ignore[arg-type]
    )
    errors = errors_on(model)
    assert [message.split(" ", 1)[0] for message in errors] == ["network_isolation", "automl_job_name", "candidate_name"], errors
    assert errors[0] == "network_isolation must be True or False; got str 'yes'.", errors[0]


def test_a_batch_transform_reports_wrong_types_and_bad_values_together() -> None:
    stack = new_stack()
    transform = AutopilotBatchTransform(
        stack, "Transform", model=model_in(stack), input_s3_uri="s3://amzn-s3-demo-bucket/in/*.csv",
        output_s3_uri=f"{OUTPUT_URI}/scores", wait_timeout=30, instance_count="2",  # type: ignore[arg-type]
        split_type="Lines ",
    )
    errors = errors_on(transform)
    assert [message.split(" ", 1)[0] for message in errors] == [
        "wait_timeout", "instance_count", "input_s3_uri", "split_type",
    ], errors
    assert "Use Duration.seconds(30)" in errors[0], errors[0]


def test_a_scheduled_transform_reports_wrong_types_and_bad_values_together() -> None:
    construct = scheduled(new_stack(), enabled="yes", flexible_time_window=Duration.seconds(90))
    errors = errors_on(construct)
    assert [message.split(" ", 1)[0] for message in errors] == ["enabled", "flexible_time_window"], errors


def test_an_endpoint_reports_wrong_types_and_bad_values_together() -> None:
    endpoint = model_in(new_stack()).add_endpoint(
        "Endpoint", instance_type="m5.xlarge", rollback_alarms="alarm-name",  # type: ignore[typeddict-item]
        endpoint_alarms=bad_alarms(),
    )
    errors = errors_on(endpoint)
    assert errors[0].startswith("rollback_alarms must be a list"), errors
    assert errors[1].startswith("instance_type must name a SageMaker ML instance type"), errors
    assert errors[2:] == ALARM_ERRORS, errors


def test_a_required_prop_of_the_wrong_type_stops_the_value_checks() -> None:
    """Nothing can stand in for a prop without a default: only the type problems are reported."""
    stack = new_stack()
    transform = AutopilotBatchTransform(
        stack, "Transform", model="churn-model", input_s3_uri="s3://amzn-s3-demo-bucket/in/*.csv",  # type: ignore[arg-type]
        output_s3_uri=f"{OUTPUT_URI}/scores",
    )
    errors = errors_on(transform)
    assert len(errors) == 1 and errors[0].startswith("model must be an AutopilotModel"), errors


def test_stand_ins_are_the_defaults_of_the_refused_props() -> None:
    values = {"model": object(), "wait_timeout": 30, "instance_count": "2", "input_s3_uri": "s3://b/in", "output_s3_uri": 5}
    refused = {"wait_timeout": "...", "instance_count": "..."}
    stood_in = prop_types.with_stand_ins(AutopilotBatchTransform.__init__, values, refused)
    assert stood_in is not None
    assert stood_in["wait_timeout"] is DEFAULT_WAIT_TIMEOUT  # the keyword default
    assert stood_in["instance_count"] == 1  # the TypedDict key's recorded default
    assert stood_in["input_s3_uri"] == "s3://b/in"
    assert prop_types.with_stand_ins(AutopilotBatchTransform.__init__, values, {"output_s3_uri": "..."}) is None
