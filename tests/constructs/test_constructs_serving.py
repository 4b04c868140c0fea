"""Production serving on AutopilotEndpoint: autoscaling, deployment guardrails, serverless, metrics, interop.

References the tests check against, besides ``aws_cdk.assertions`` on the synthesized template:

* botocore's SageMaker API model: the rendered ``DeploymentConfig`` (and the endpoint update
  properties) are validated with ``botocore.validate.validate_parameters`` against the
  ``UpdateEndpoint`` input shape, and the serverless variant against
  ``ProductionVariantServerlessConfig``; the limits the construct refuses are read from the
  same shapes.
* SageMaker's published CloudWatch metric names and dimensions, from "Metrics for monitoring
  Amazon SageMaker AI with Amazon CloudWatch"
  (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html, "Endpoint
  invocation metrics" in ``AWS/SageMaker`` and the endpoint instance metrics in
  ``/aws/sagemaker/Endpoints``, dimensions ``EndpointName, VariantName``) and, for the new
  fleet's ``EndpointConfigName`` dimension, "Auto-Rollback Configuration and Monitoring"
  (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-configuration.html).
  Checked on 2026-12-01; written out below by hand, not taken from the library.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import botocore.session
import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template
from botocore.exceptions import ParamValidationError
from botocore.validate import validate_parameters
from support.annotations import assert_refused, errors_on
from support.stacks import (
    JOB,
    OUTPUT_URI,
    checked_template,
    custom_resource_id,
    logical_id,
    new_stack,
    resources,
    template_json,
)

from autopilot_inference import (
    AutopilotEndpoint,
    AutopilotModel,
    AutopilotValidationError,
    BlueGreenUpdate,
    CapacitySize,
    EndpointAlarms,
    EndpointDataCapture,
    RollingUpdate,
    ScalableInstanceCount,
    ServerlessConfig,
    TrafficRouting,
)
from autopilot_inference._lambda.autopilot_runtime import contract

# SageMaker's published names (see the module docstring), not the library's constants.
PUBLISHED_INVOCATION_METRICS = {
    "Invocation4XXErrors", "Invocation5XXErrors", "Invocations", "InvocationsPerInstance", "ModelLatency",
    "OverheadLatency", "ModelSetupTime",
}
PUBLISHED_INSTANCE_METRICS = {"CPUUtilization", "MemoryUtilization", "GPUUtilization", "GPUMemoryUtilization",
                              "DiskUtilization"}
PUBLISHED_VARIANT_DIMENSIONS = {"EndpointName", "VariantName"}
NEW_FLEET_DIMENSION = "EndpointConfigName"

SAGEMAKER = botocore.session.get_session().get_service_model("sagemaker")


def shape(name: str) -> Any:
    return SAGEMAKER.shape_for(name)


def new_model(stack: Any, id: str = "Model", **props: Any) -> AutopilotModel:
    return AutopilotModel(stack, id, automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI, **props)


def cfn_to_api(value: Any) -> Any:
    """A template value as an API request value: intrinsics become plausible literals."""
    if isinstance(value, list):
        return [cfn_to_api(item) for item in value]
    if isinstance(value, dict):
        if set(value) & {"Ref", "Fn::GetAtt", "Fn::Join"}:
            return "resolved-at-deploy-time"
        return {key: cfn_to_api(item) for key, item in value.items()}
    return value


def validate_update_endpoint(endpoint_props: dict[str, Any]) -> None:
    """The endpoint's update properties as an ``UpdateEndpoint`` request, validated by botocore."""
    request = {"EndpointName": "churn", "EndpointConfigName": "churn-config"}
    for name in ("DeploymentConfig", "RetainAllVariantProperties", "ExcludeRetainedVariantProperties"):
        if name in endpoint_props:
            request[name] = cfn_to_api(endpoint_props[name])
    validate_parameters(request, SAGEMAKER.operation_model("UpdateEndpoint").input_shape)


# --- the cases: each test builds the stack it checks through these ----------------------------


def scaled_canary(model: AutopilotModel) -> tuple[AutopilotEndpoint, ScalableInstanceCount]:
    """A blue/green canary endpoint with ready alarms, autoscaled on invocations, a schedule and CPU steps."""
    canary = model.add_endpoint(
        "Canary",
        initial_instance_count=4,
        blue_green=BlueGreenUpdate(
            traffic_routing=TrafficRouting.canary(size=CapacitySize.instances(2), wait=Duration.minutes(5)),
            termination_wait=Duration.minutes(10),
            maximum_execution_timeout=Duration.hours(1),
        ),
        endpoint_alarms=EndpointAlarms(max_4xx_error_rate=0.2, max_model_latency=Duration.millis(250)),
    )
    scaling = canary.auto_scale_instance_count(min_capacity=4, max_capacity=10)
    scaling.scale_on_invocations("Invocations", max_requests_per_second=20, safety_factor=0.4)
    scaling.scale_on_schedule(
        "Nightly", schedule=appscaling.Schedule.cron(hour="22", minute="0"), min_capacity=4, max_capacity=4
    )
    scaling.scale_on_metric(
        "Cpu",
        metric=canary.metric_cpu_utilization(),
        scaling_steps=[
            appscaling.ScalingInterval(upper=20, change=-1),
            appscaling.ScalingInterval(lower=80, change=2),
        ],
    )
    return canary, scaling


def linear_with_rollback_alarms(
    stack: Stack, model: AutopilotModel
) -> tuple[AutopilotEndpoint, cloudwatch.Alarm, cloudwatch.Alarm]:
    """A blue/green linear endpoint named churn-linear, given an alarm of the stack (QueueAlarm) and added
    one on its own latency (LinearLatency): the endpoint and the two alarms."""
    external = cloudwatch.Alarm(
        stack, "QueueAlarm",
        metric=cloudwatch.Metric(namespace="Custom", metric_name="Backlog"), threshold=100, evaluation_periods=1,
    )
    linear = model.add_endpoint(
        "Linear",
        endpoint_name="churn-linear",
        initial_instance_count=10,
        blue_green=BlueGreenUpdate(
            traffic_routing=TrafficRouting.linear(step=CapacitySize.percent(20), wait=Duration.minutes(2))
        ),
        rollback_alarms=[external],
    )
    linear_latency = cloudwatch.Alarm(
        stack, "LinearLatency", metric=linear.metric_model_latency(), threshold=10000, evaluation_periods=2
    )
    linear.add_rollback_alarm(linear_latency)
    return linear, external, linear_latency


def rolling_endpoint(model: AutopilotModel) -> AutopilotEndpoint:
    """A rolling update with the default ready alarm."""
    return model.add_endpoint(
        "Rolling",
        initial_instance_count=4,
        rolling_update=RollingUpdate(
            maximum_batch_size=CapacitySize.instances(1),
            wait=Duration.minutes(3),
            maximum_execution_timeout=Duration.minutes(30),
            rollback_maximum_batch_size=CapacitySize.percent(100),
        ),
        endpoint_alarms=EndpointAlarms(),
    )


def monitored_endpoint(model: AutopilotModel) -> AutopilotEndpoint:
    """Alarms, no deployment guardrails (so no rollback)."""
    return model.add_endpoint("Monitored", endpoint_alarms=EndpointAlarms())


def serverless_endpoint(stack: Stack) -> tuple[AutopilotModel, AutopilotEndpoint]:
    """A serverless endpoint with a percent canary, on a model of its own (EnsembleModel): model and endpoint."""
    ensemble = new_model(stack, "EnsembleModel")
    serverless = ensemble.add_endpoint(
        "Serverless",
        serverless=ServerlessConfig(memory_size_in_mb=3072, max_concurrency=20, provisioned_concurrency=2),
        blue_green=BlueGreenUpdate(
            traffic_routing=TrafficRouting.canary(size=CapacitySize.percent(10), wait=Duration.minutes(1))
        ),
    )
    return ensemble, serverless


def endpoint_props(template: dict[str, Any], stack: Stack, endpoint: AutopilotEndpoint) -> dict[str, Any]:
    """A copy of the endpoint's properties (a test may change it)."""
    return copy.deepcopy(template["Resources"][logical_id(stack, endpoint.endpoint)]["Properties"])


def config_props(template: dict[str, Any], stack: Stack, endpoint: AutopilotEndpoint) -> dict[str, Any]:
    return template["Resources"][logical_id(stack, endpoint.endpoint_config)]["Properties"]


def ref(stack: Stack, construct: Any) -> dict[str, str]:
    return {"Ref": logical_id(stack, construct)}


# --- autoscaling ---------------------------------------------------------------------------------


def test_scalable_target_has_sagemaker_alpha_shape() -> None:
    stack = new_stack("ServingStack")
    model = new_model(stack)
    canary, scaling = scaled_canary(model)
    template = template_json(stack)
    assert isinstance(scaling, ScalableInstanceCount)
    assert isinstance(scaling, appscaling.BaseScalableAttribute)
    assert canary.scalable_instance_count is scaling
    endpoint_id = logical_id(stack, canary.endpoint)
    assertions = Template.from_json(template)
    assertions.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 1)
    assertions.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ServiceNamespace": "sagemaker",
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "ResourceId": {
                "Fn::Join": ["", ["endpoint/", {"Fn::GetAtt": [endpoint_id, "EndpointName"]}, "/variant/AllTraffic"]]
            },
            "MinCapacity": 4,
            "MaxCapacity": 10,
            "RoleARN": {
                "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"},
                                  ":role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
                                  "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"]]
            },
            "ScheduledActions": [
                {
                    "ScalableTargetAction": {"MaxCapacity": 4, "MinCapacity": 4},
                    "Schedule": "cron(0 22 * * ? *)",
                    "ScheduledActionName": "Nightly",
                }
            ],
        },
    )


def test_scale_on_invocations_tracks_invocations_per_instance() -> None:
    stack = new_stack("ServingStack")
    model = new_model(stack)
    scaled_canary(model)
    template = template_json(stack)
    Template.from_json(template).has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": {
                "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
                "TargetValue": 0.4 * 20 * 60,  # invocations per instance and minute
            },
        },
    )


def test_scale_on_metric_steps_on_the_endpoints_cpu() -> None:
    stack = new_stack("ServingStack")
    model = new_model(stack)
    scaled_canary(model)
    template = checked_template(stack)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {"PolicyType": "StepScaling", "StepScalingPolicyConfiguration": Match.object_like({
            "AdjustmentType": "ChangeInCapacity"})},
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "/aws/sagemaker/Endpoints",
            "MetricName": "CPUUtilization",
            "Dimensions": Match.array_with([{"Name": "VariantName", "Value": "AllTraffic"}]),
        },
    )


def test_scaled_endpoint_keeps_its_instance_count_on_update() -> None:
    stack = new_stack("ServingStack")
    model = new_model(stack)
    canary, _ = scaled_canary(model)  # the only one scaled
    linear, _, _ = linear_with_rollback_alarms(stack, model)
    rolling = rolling_endpoint(model)
    _, serverless = serverless_endpoint(stack)
    template = template_json(stack)
    props = endpoint_props(template, stack, canary)
    assert props["RetainAllVariantProperties"] is True
    assert props["ExcludeRetainedVariantProperties"] == [{"VariantPropertyType": "DataCaptureConfig"}]
    validate_update_endpoint(props)
    for endpoint in (linear, rolling, serverless):
        assert "RetainAllVariantProperties" not in endpoint_props(template, stack, endpoint)


@pytest.mark.parametrize(
    ("endpoint_props_", "scaling", "match"),
    [
        ({}, {"max_capacity": 0}, "max_capacity must be at least 1"),
        ({}, {"max_capacity": 3, "min_capacity": 0}, "min_capacity must be at least 1"),
        ({"initial_instance_count": 1}, {"max_capacity": 4, "min_capacity": 2}, "include initial_instance_count"),
        ({"initial_instance_count": 5}, {"max_capacity": 4}, "include initial_instance_count"),
        ({"instance_type": "ml.t2.medium"}, {"max_capacity": 2}, "burstable"),
        (
            {"serverless": ServerlessConfig(memory_size_in_mb=2048, max_concurrency=5)},
            {"max_capacity": 2},
            "serverless endpoint has no instances",
        ),
        (
            {
                "initial_instance_count": 4,
                "blue_green": BlueGreenUpdate(
                    traffic_routing=TrafficRouting.canary(size=CapacitySize.instances(2), wait=Duration.minutes(1))
                ),
            },
            {"max_capacity": 8, "min_capacity": 2},
            "blue_green.traffic_routing.size",  # 2 of a 2-instance fleet is above 50 %
        ),
    ],
)
def test_autoscaling_refusals_name_the_prop(endpoint_props_: dict, scaling: dict, match: str) -> None:
    stack = new_stack("BadScaling")
    endpoint = new_model(stack).add_endpoint("Endpoint", **endpoint_props_)
    endpoint.auto_scale_instance_count(**scaling)
    assert_refused(endpoint, match)


def test_autoscaling_only_once_and_invocation_target_checked() -> None:
    stack = new_stack("BadScaling")
    endpoint = new_model(stack).add_endpoint("Endpoint")
    scaling = endpoint.auto_scale_instance_count(max_capacity=3)
    assert endpoint.auto_scale_instance_count(max_capacity=3) is scaling
    scaling.scale_on_invocations("Bad", max_requests_per_second=5, safety_factor=1.5)
    scaling.scale_on_invocations("Bad", max_requests_per_second=0)
    scaling.scale_on_schedule("Bad", schedule=appscaling.Schedule.rate(Duration.hours(1)))
    assert errors_on(endpoint) == [
        "auto_scale_instance_count was already called for this endpoint: configure the returned "
        "ScalableInstanceCount instead."
    ]
    assert errors_on(scaling) == [
        "safety_factor must be more than 0 and at most 1; got 1.5.",
        "max_requests_per_second must be more than 0; got 0.",
        "scale_on_schedule('Bad') needs min_capacity or max_capacity: the bounds to set at that time.",
    ]


# --- deployment guardrails -----------------------------------------------------------------------


def test_blue_green_canary_with_ready_alarms() -> None:
    stack = new_stack("ServingStack")
    model = new_model(stack)
    canary, _ = scaled_canary(model)
    template = template_json(stack)
    props = endpoint_props(template, stack, canary)
    alarm_refs = [ref(stack, alarm) for alarm in canary.alarms]
    assert len(alarm_refs) == 3  # 5xx (default), 4xx, latency
    assert props["DeploymentConfig"] == {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 2},
                "WaitIntervalInSeconds": 300,
            },
            "TerminationWaitInSeconds": 600,
            "MaximumExecutionTimeoutInSeconds": 3600,
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": alarm_ref} for alarm_ref in alarm_refs]},
    }
    validate_update_endpoint(props)
    # A name known at synthesis (alarms name the endpoint, and the endpoint names the alarms).
    assert props["EndpointName"] == props["EndpointName"].lower()
    assert props["EndpointName"].startswith("servingstack-model-canary")


def test_ready_alarms_watch_the_new_fleet_with_published_names() -> None:
    stack = new_stack("ServingStack")
    model = new_model(stack)
    canary, _ = scaled_canary(model)
    template = template_json(stack)
    config_id = logical_id(stack, canary.endpoint_config)
    name = endpoint_props(template, stack, canary)["EndpointName"]
    found = {}
    for alarm in canary.alarms:
        props = template["Resources"][logical_id(stack, alarm)]["Properties"]
        found[props["MetricName"]] = props
        assert props["Namespace"] == "AWS/SageMaker"
        assert props["MetricName"] in PUBLISHED_INVOCATION_METRICS
        dimensions = {item["Name"]: item["Value"] for item in props["Dimensions"]}
        assert set(dimensions) == PUBLISHED_VARIANT_DIMENSIONS | {NEW_FLEET_DIMENSION}
        assert dimensions == {
            "EndpointName": name,
            "VariantName": "AllTraffic",
            "EndpointConfigName": {"Fn::GetAtt": [config_id, "EndpointConfigName"]},
        }
        assert props["Statistic"] == "Average" and props["ComparisonOperator"] == "GreaterThanThreshold"
        assert props["TreatMissingData"] == "notBreaching" and props["Period"] == 60
        assert props["EvaluationPeriods"] == 3
    assert set(found) == {"Invocation5XXErrors", "Invocation4XXErrors", "ModelLatency"}
    assert found["Invocation5XXErrors"]["Threshold"] == 0.01
    assert found["Invocation4XXErrors"]["Threshold"] == 0.2
    assert found["ModelLatency"]["Threshold"] == 250_000  # microseconds


def test_rollback_alarms_are_readable_by_the_execution_role() -> None:
    stack = new_stack("ServingStack")
    model = new_model(stack)
    canary, _ = scaled_canary(model)
    linear, _, _ = linear_with_rollback_alarms(stack, model)
    template = template_json(stack)
    assertions = Template.from_json(template)
    role_id = logical_id(stack, model.role)
    for endpoint in (canary, linear):
        policy = endpoint._rollback_policy
        assert policy is not None
        policy_id = logical_id(stack, policy)
        document = template["Resources"][policy_id]["Properties"]
        assert document["Roles"] == [{"Ref": role_id}]
        assert {
            (statement["Action"], statement["Resource"]["Fn::GetAtt"][0]) for statement in document["PolicyDocument"]["Statement"]
        } == {("cloudwatch:DescribeAlarms", logical_id(stack, alarm)) for alarm in endpoint.rollback_alarms}
        resource = template["Resources"][logical_id(stack, endpoint.endpoint)]
        assert policy_id in resource["DependsOn"]
    # The model does not wait for these policies (they name alarms that name the model's endpoint config).
    model_resource = template["Resources"][custom_resource_id(stack, model)]
    assert not set(model_resource.get("DependsOn", [])) & {
        logical_id(stack, e._rollback_policy) for e in (canary, linear)
    }
    assertions.resource_count_is("AWS::SageMaker::Endpoint", 2)  # the canary and the linear endpoint


def test_blue_green_linear_with_given_and_added_rollback_alarms() -> None:
    stack = new_stack("ServingStack")
    linear, external, linear_latency = linear_with_rollback_alarms(stack, new_model(stack))
    template = template_json(stack)
    props = endpoint_props(template, stack, linear)
    assert props["EndpointName"] == "churn-linear"
    assert props["DeploymentConfig"] == {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "LINEAR",
                "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 20},
                "WaitIntervalInSeconds": 120,
            }
        },
        "AutoRollbackConfiguration": {
            "Alarms": [{"AlarmName": ref(stack, external)}, {"AlarmName": ref(stack, linear_latency)}]
        },
    }
    validate_update_endpoint(props)
    # The metric helper names the endpoint by its literal name: no circular reference.
    latency = template["Resources"][logical_id(stack, linear_latency)]["Properties"]
    assert {item["Name"]: item["Value"] for item in latency["Dimensions"]} == {
        "EndpointName": "churn-linear", "VariantName": "AllTraffic",
    }


def test_rolling_update() -> None:
    stack = new_stack("ServingStack")
    rolling = rolling_endpoint(new_model(stack))
    template = template_json(stack)
    props = endpoint_props(template, stack, rolling)
    assert props["DeploymentConfig"] == {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
            "WaitIntervalInSeconds": 180,
            "MaximumExecutionTimeoutInSeconds": 1800,
            "RollbackMaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 100},
        },
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": ref(stack, rolling.alarms[0])}]},
    }
    validate_update_endpoint(props)


def test_alarms_without_guardrails_are_plain_alarms() -> None:
    stack = new_stack("ServingStack")
    monitored = monitored_endpoint(new_model(stack))
    template = template_json(stack)
    props = endpoint_props(template, stack, monitored)
    assert "DeploymentConfig" not in props and "EndpointName" not in props
    [alarm] = monitored.alarms
    alarm_props = template["Resources"][logical_id(stack, alarm)]["Properties"]
    endpoint_name = {item["Name"]: item["Value"] for item in alarm_props["Dimensions"]}["EndpointName"]
    assert endpoint_name == {"Fn::GetAtt": [logical_id(stack, monitored.endpoint), "EndpointName"]}


def test_every_deployment_config_validates_against_botocore() -> None:
    """Break one rendered value past botocore's limits: the same validation must then fail."""
    stack = new_stack("ServingStack")
    model = new_model(stack)
    canary, _ = scaled_canary(model)
    template = template_json(stack)
    props = endpoint_props(template, stack, canary)
    props["DeploymentConfig"]["BlueGreenUpdatePolicy"]["MaximumExecutionTimeoutInSeconds"] = 599
    with pytest.raises(ParamValidationError, match="MaximumExecutionTimeoutInSeconds"):
        validate_update_endpoint(props)


def blue_green(routing: TrafficRouting | None = None, **kwargs: Any) -> BlueGreenUpdate:
    return BlueGreenUpdate(traffic_routing=routing, **kwargs)


CANARY = TrafficRouting.canary
LINEAR = TrafficRouting.linear
MINUTE = Duration.minutes(1)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"blue_green": blue_green(), "rolling_update": RollingUpdate(CapacitySize.percent(10), MINUTE)},
            "blue_green and rolling_update exclude each other",
        ),
        (
            {"serverless": ServerlessConfig(memory_size_in_mb=1024, max_concurrency=1),
             "rolling_update": RollingUpdate(CapacitySize.percent(10), MINUTE)},
            "rolling_update is not available for serverless",
        ),
        (
            {"serverless": ServerlessConfig(memory_size_in_mb=1024, max_concurrency=1),
             "blue_green": blue_green(CANARY(size=CapacitySize.instances(1), wait=MINUTE))},
            "blue_green.traffic_routing.size counts instances",
        ),
        ({"blue_green": blue_green(CANARY(size=CapacitySize.percent(51), wait=MINUTE))},
         "blue_green.traffic_routing.size must be between 1 and 50"),
        ({"initial_instance_count": 4, "blue_green": blue_green(CANARY(size=CapacitySize.instances(3), wait=MINUTE))},
         "blue_green.traffic_routing.size is 3 instance"),
        ({"blue_green": blue_green(CANARY(size=CapacitySize.instances(1), wait=MINUTE))},
         "blue_green.traffic_routing.size is 1 instance"),  # one instance: a canary of 100 %
        ({"blue_green": blue_green(LINEAR(step=CapacitySize.percent(5), wait=MINUTE))},
         "blue_green.traffic_routing.step must be between 10 and 50"),
        ({"initial_instance_count": 20, "blue_green": blue_green(LINEAR(step=CapacitySize.instances(1), wait=MINUTE))},
         "blue_green.traffic_routing.step is 1 instance"),
        ({"blue_green": blue_green(CANARY(size="10%", wait=MINUTE))}, "must be a CapacitySize"),
        ({"blue_green": blue_green(CANARY(size=CapacitySize.percent(10), wait=Duration.seconds(3601)))},
         "blue_green.traffic_routing.wait must be between 0 and 3600"),
        ({"blue_green": blue_green(termination_wait=Duration.hours(2))}, "blue_green.termination_wait"),
        ({"blue_green": blue_green(maximum_execution_timeout=Duration.minutes(9))},
         "blue_green.maximum_execution_timeout must be between 600 and 28800"),
        ({"blue_green": blue_green(maximum_execution_timeout=Duration.hours(9))},
         "blue_green.maximum_execution_timeout must be between 600 and 28800"),
        ({"blue_green": blue_green(
            CANARY(size=CapacitySize.percent(10), wait=Duration.minutes(10)),
            termination_wait=Duration.minutes(10), maximum_execution_timeout=Duration.minutes(15))},
         "blue_green.maximum_execution_timeout .900 s. must be longer than the waits"),
        ({"blue_green": "canary"}, "blue_green must be a BlueGreenUpdate"),
        ({"blue_green": blue_green(routing="CANARY")}, "blue_green.traffic_routing must be"),
        ({"rolling_update": RollingUpdate(CapacitySize.percent(60), MINUTE)},
         "rolling_update.maximum_batch_size must be between 5 and 50"),
        ({"initial_instance_count": 2, "rolling_update": RollingUpdate(CapacitySize.instances(2), MINUTE)},
         "rolling_update.maximum_batch_size is 2 instance"),
        ({"rolling_update": RollingUpdate(CapacitySize.percent(10), Duration.hours(2))},
         "rolling_update.wait must be between 0 and 3600"),
        ({"rolling_update": RollingUpdate(CapacitySize.percent(10), Duration.minutes(15),
                                          maximum_execution_timeout=Duration.minutes(10))},
         "rolling_update.maximum_execution_timeout .600 s. must be longer"),
        ({"rolling_update": RollingUpdate(CapacitySize.percent(10), MINUTE,
                                          rollback_maximum_batch_size=CapacitySize.percent(0))},
         "rolling_update.rollback_maximum_batch_size must be between 1 and 100"),
        ({"endpoint_alarms": EndpointAlarms(max_5xx_error_rate=5)}, "endpoint_alarms.max_5xx_error_rate"),
        ({"endpoint_alarms": EndpointAlarms(max_5xx_error_rate=None)}, "endpoint_alarms sets no alarm"),
        ({"endpoint_alarms": EndpointAlarms(max_model_latency=250)}, "endpoint_alarms.max_model_latency"),
        ({"endpoint_alarms": EndpointAlarms(period=Duration.seconds(30))}, "endpoint_alarms.period"),
        ({"rollback_alarms": ["my-alarm"]}, r"rollback_alarms\[0\] must be a cloudwatch.IAlarm; got str"),
    ],
)
def test_guardrail_refusals_name_the_prop(kwargs: dict, match: str) -> None:
    stack = new_stack("BadGuardrails")
    assert_refused(new_model(stack).add_endpoint("Endpoint", **kwargs), match)


def test_rollback_alarms_need_a_policy_and_at_most_ten() -> None:
    stack = new_stack("BadAlarms")
    model = new_model(stack)
    alarms = [
        cloudwatch.Alarm(stack, f"A{index}", metric=cloudwatch.Metric(namespace="N", metric_name="M"), threshold=1,
                         evaluation_periods=1)
        for index in range(11)
    ]
    assert_refused(model.add_endpoint("NoPolicy", rollback_alarms=alarms[:1]), "set blue_green or rolling_update")
    assert_refused(model.add_endpoint("TooMany", blue_green=BlueGreenUpdate(), rollback_alarms=alarms), "at most 10")
    endpoint = model.add_endpoint(
        "Nine", blue_green=BlueGreenUpdate(), rollback_alarms=alarms[:8], endpoint_alarms=EndpointAlarms()
    )
    endpoint.add_rollback_alarm(alarms[8])
    endpoint.add_rollback_alarm(alarms[8])  # the same alarm once
    assert len(endpoint.rollback_alarms) == 10
    endpoint.add_rollback_alarm(alarms[9])
    assert len(endpoint.rollback_alarms) == 10
    assert_refused(endpoint, "at most 10")
    plain = model.add_endpoint("Plain")
    plain.add_rollback_alarm(alarms[10])
    assert_refused(plain, "set blue_green or rolling_update")


def test_token_counts_pass_to_deploy_time() -> None:
    from aws_cdk import CfnParameter

    stack = new_stack("TokenCounts")
    count = CfnParameter(stack, "Count", type="Number").value_as_number
    endpoint = new_model(stack).add_endpoint(
        "Endpoint", initial_instance_count=count,
        blue_green=BlueGreenUpdate(
            traffic_routing=TrafficRouting.canary(size=CapacitySize.instances(1), wait=MINUTE)
        ),
    )
    endpoint.auto_scale_instance_count(max_capacity=6)
    template = template_json(stack)
    props = template["Resources"][logical_id(stack, endpoint.endpoint)]["Properties"]
    assert props["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["CanarySize"] == {
        "Type": "INSTANCE_COUNT", "Value": 1,
    }
    [variant] = template["Resources"][logical_id(stack, endpoint.endpoint_config)]["Properties"]["ProductionVariants"]
    assert variant["InitialInstanceCount"] == {"Ref": "Count"}


def test_inf1_guardrails_warn_that_sagemaker_falls_back() -> None:
    from aws_cdk.assertions import Annotations

    stack = new_stack("Inf1")
    new_model(stack).add_endpoint("Endpoint", instance_type="ml.inf1.xlarge", blue_green=BlueGreenUpdate())
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("deployment guardrails"))
    assert len(warnings) == 1


# --- serverless ----------------------------------------------------------------------------------


def test_serverless_variant_and_single_container_requirement() -> None:
    stack = new_stack("ServingStack")
    model = new_model(stack)
    model.add_endpoint("OnInstances")  # a model serving on instances only
    ensemble, serverless = serverless_endpoint(stack)
    template = template_json(stack)
    [variant] = config_props(template, stack, serverless)["ProductionVariants"]
    model_id = custom_resource_id(stack, ensemble)
    assert variant == {
        "VariantName": "AllTraffic",
        "ModelName": {"Fn::GetAtt": [model_id, "ModelName"]},
        "InitialVariantWeight": 1,
        "ServerlessConfig": {"MemorySizeInMB": 3072, "MaxConcurrency": 20, "ProvisionedConcurrency": 2},
    }
    validate_parameters(variant["ServerlessConfig"], shape("ProductionVariantServerlessConfig"))
    ensemble_props = template["Resources"][model_id]["Properties"]
    assert ensemble_props[contract.SINGLE_CONTAINER_REQUIRED] == "true"
    other = template["Resources"][custom_resource_id(stack, model)]["Properties"]
    assert contract.SINGLE_CONTAINER_REQUIRED not in other
    assert serverless.instance_type is None and serverless.initial_instance_count is None
    props = endpoint_props(template, stack, serverless)
    assert props["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["CanarySize"] == {
        "Type": "CAPACITY_PERCENT", "Value": 10,
    }
    validate_update_endpoint(props)


def test_serverless_limits_are_botocores() -> None:
    limits = shape("ProductionVariantServerlessConfig").members
    memory, concurrency = limits["MemorySizeInMB"].metadata, limits["MaxConcurrency"].metadata
    provisioned = limits["ProvisionedConcurrency"].metadata
    stack = new_stack("ServerlessLimits")
    sizes = list(range(memory["min"], memory["max"] + 1, 1024))
    assert len(sizes) == 6  # 1 GB steps, 1024-6144
    for size in sizes:
        assert ServerlessConfig(memory_size_in_mb=size, max_concurrency=concurrency["max"]).check() == []
    for bad in (memory["min"] - 1024, memory["max"] + 1024, 1536):
        endpoint = new_model(stack, f"M{bad}").add_endpoint(
            "E", serverless=ServerlessConfig(memory_size_in_mb=bad, max_concurrency=1)
        )
        assert_refused(endpoint, "serverless.memory_size_in_mb")
    for bad in (concurrency["min"] - 1, concurrency["max"] + 1):
        assert_messages(ServerlessConfig(memory_size_in_mb=1024, max_concurrency=bad).check(), "serverless.max_concurrency")
    # botocore's validator checks minimums (its maximums are read from the shape above).
    with pytest.raises(ParamValidationError, match="MaxConcurrency"):
        validate_parameters(
            {"MemorySizeInMB": 1024, "MaxConcurrency": concurrency["min"] - 1}, shape("ProductionVariantServerlessConfig")
        )
    assert_messages(
        ServerlessConfig(memory_size_in_mb=1024, max_concurrency=200, provisioned_concurrency=provisioned["max"] + 1).check(),
        "serverless.provisioned_concurrency",
    )
    assert_messages(
        ServerlessConfig(memory_size_in_mb=1024, max_concurrency=5, provisioned_concurrency=6).check(),
        "must be at most serverless.max_concurrency",
    )


def assert_messages(found: list[Any], match: str) -> None:
    """Exactly one finding, an error matching ``match`` (a check returns its findings, it does not raise)."""
    assert [finding.severity for finding in found] == ["error"], found
    assert re.search(match, found[0].message), found


def test_serverless_refusals_name_the_prop() -> None:
    stack = new_stack("BadServerless")
    config = ServerlessConfig(memory_size_in_mb=2048, max_concurrency=5)
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-0123456789abcdef0", availability_zones=["eu-west-1a"],
        private_subnet_ids=["subnet-0123456789abcdef0"],
    )
    cases = [
        (new_model(stack, "InVpc", vpc=vpc), {}, "model has vpc"),
        (new_model(stack, "Isolated", network_isolation=True), {}, "network_isolation"),
        (new_model(stack, "Capture"), {"data_capture": EndpointDataCapture(destination_s3_uri="s3://bucket-a/c")},
         "data_capture is not available for serverless"),
        (new_model(stack, "Typed"), {"instance_type": "ml.m5.large"}, "instance_type is for endpoints on instances"),
        (new_model(stack, "Counted"), {"initial_instance_count": 2}, "initial_instance_count is for endpoints"),
        (new_model(stack, "Dict"), {"serverless": {"memory_size_in_mb": 2048}}, "serverless must be a ServerlessConfig"),
    ]
    for model, kwargs, match in cases:
        assert_refused(model.add_endpoint("Endpoint", **{"serverless": config, **kwargs}), match)


def test_autopilot_endpoint_takes_serverless_too() -> None:
    stack = new_stack("DirectServerless")
    model = new_model(stack)
    endpoint = AutopilotEndpoint(
        stack, "Endpoint", model=model, serverless=ServerlessConfig(memory_size_in_mb=1024, max_concurrency=1)
    )
    template = template_json(stack)
    [variant] = template["Resources"][logical_id(stack, endpoint.endpoint_config)]["Properties"]["ProductionVariants"]
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 1024, "MaxConcurrency": 1}
    assert "InstanceType" not in variant and "InitialInstanceCount" not in variant


# --- metrics and grants --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "namespace", "metric_name", "statistic"),
    [
        ("metric_invocations", "AWS/SageMaker", "Invocations", "Sum"),
        ("metric_invocations_per_instance", "AWS/SageMaker", "InvocationsPerInstance", "Sum"),
        ("metric_invocation4xx_errors", "AWS/SageMaker", "Invocation4XXErrors", "Sum"),
        ("metric_invocation5xx_errors", "AWS/SageMaker", "Invocation5XXErrors", "Sum"),
        ("metric_model_latency", "AWS/SageMaker", "ModelLatency", "Average"),
        ("metric_overhead_latency", "AWS/SageMaker", "OverheadLatency", "Average"),
        ("metric_cpu_utilization", "/aws/sagemaker/Endpoints", "CPUUtilization", "Average"),
        ("metric_memory_utilization", "/aws/sagemaker/Endpoints", "MemoryUtilization", "Average"),
        ("metric_disk_utilization", "/aws/sagemaker/Endpoints", "DiskUtilization", "Average"),
        ("metric_gpu_utilization", "/aws/sagemaker/Endpoints", "GPUUtilization", "Average"),
        ("metric_gpu_memory_utilization", "/aws/sagemaker/Endpoints", "GPUMemoryUtilization", "Average"),
    ],
)
def test_metric_helpers_use_published_names(method: str, namespace: str, metric_name: str, statistic: str) -> None:
    stack = new_stack("ServingStack")
    linear, _, _ = linear_with_rollback_alarms(stack, new_model(stack))
    published = PUBLISHED_INVOCATION_METRICS if namespace == "AWS/SageMaker" else PUBLISHED_INSTANCE_METRICS
    assert metric_name in published
    metric = getattr(linear, method)()
    assert isinstance(metric, cloudwatch.Metric)
    assert (metric.namespace, metric.metric_name, metric.statistic) == (namespace, metric_name, statistic)
    assert stack.resolve(metric.dimensions) == {"EndpointName": "churn-linear", "VariantName": "AllTraffic"}
    assert metric.period.to_minutes() == 5
    tuned = getattr(linear, method)(period=Duration.minutes(1), statistic="p99")
    assert (tuned.statistic, tuned.period.to_seconds()) == ("p99", 60)


def test_grant_invoke_for_every_kind() -> None:
    stack = new_stack("ServingStack")
    model = new_model(stack)
    canary, _ = scaled_canary(model)
    rolling = rolling_endpoint(model)
    _, serverless = serverless_endpoint(stack)
    invoker = iam.Role(stack, "Invoker", assumed_by=iam.AccountRootPrincipal())
    for endpoint in (canary, serverless, rolling):
        endpoint.grant_invoke(invoker)
    template = template_json(stack)
    [policy] = [
        value for value in resources(template, "AWS::IAM::Policy").values()
        if value["Properties"]["Roles"] == [{"Ref": logical_id(stack, invoker)}]
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    granted = {statement["Resource"]["Ref"] for statement in statements if statement["Action"] == "sagemaker:InvokeEndpoint"}
    assert granted == {logical_id(stack, e.endpoint) for e in (canary, serverless, rolling)}


# --- interop -------------------------------------------------------------------------------------


def test_model_name_in_step_functions_tasks() -> None:
    from aws_cdk import aws_stepfunctions as sfn
    from aws_cdk import aws_stepfunctions_tasks as tasks

    stack = new_stack("StepFunctions")
    model = new_model(stack)
    create_config = tasks.SageMakerCreateEndpointConfig(
        stack, "CreateConfig",
        endpoint_config_name=sfn.JsonPath.string_at("$.configName"),
        production_variants=[
            tasks.ProductionVariant(
                model_name=model.model_name, variant_name="AllTraffic",
                instance_type=ec2.InstanceType("m5.large"), initial_instance_count=1,
            )
        ],
    )
    transform = tasks.SageMakerCreateTransformJob(
        stack, "Transform",
        transform_job_name=sfn.JsonPath.string_at("$.jobName"),
        model_name=model.model_name,
        transform_input=tasks.TransformInput(
            transform_data_source=tasks.TransformDataSource(
                s3_data_source=tasks.TransformS3DataSource(s3_uri="s3://bucket-a/in/")
            )
        ),
        transform_output=tasks.TransformOutput(s3_output_path="s3://bucket-a/out/"),
    )
    machine = sfn.StateMachine(
        stack, "Machine", definition_body=sfn.DefinitionBody.from_chainable(create_config.next(transform))
    )
    template = template_json(stack)
    machine = template["Resources"][logical_id(stack, machine)]
    model_id = custom_resource_id(stack, model)
    definition = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    model_name_refs = [part for part in definition if part == {"Fn::GetAtt": [model_id, "ModelName"]}]
    assert len(model_name_refs) == 2  # the endpoint config's variant and the transform job


def test_as_alpha_model_serves_an_alpha_endpoint_config() -> None:
    sagemaker_alpha = pytest.importorskip("aws_cdk.aws_sagemaker_alpha")
    stack = new_stack("Alpha")
    model = new_model(stack)
    alpha_model = model.as_alpha_model()
    assert model.as_alpha_model() is alpha_model
    assert alpha_model.role is model.role
    sagemaker_alpha.EndpointConfig(
        stack, "AlphaConfig",
        instance_production_variants=[
            sagemaker_alpha.InstanceProductionVariantProps(
                model=alpha_model, variant_name="AllTraffic", instance_type=sagemaker_alpha.InstanceType.M5_LARGE
            )
        ],
    )
    template = template_json(stack)
    [config] = resources(template, "AWS::SageMaker::EndpointConfig").values()
    [variant] = config["Properties"]["ProductionVariants"]
    model_id = custom_resource_id(stack, model)
    # The name is taken from the model's ARN attribute, so the config waits for the model.
    assert f'"{model_id}"' in str(variant["ModelName"]).replace("'", '"')
    assert "ModelArn" in str(variant["ModelName"])


def test_as_alpha_model_without_the_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_alpha(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
        if name == "aws_cdk" and fromlist and "aws_sagemaker_alpha" in fromlist:
            raise ImportError("No module named 'aws_cdk.aws_sagemaker_alpha'")
        return real_import(name, globals, locals, fromlist, level)

    stack = new_stack("NoAlpha")
    model = new_model(stack)
    monkeypatch.setattr(builtins, "__import__", no_alpha)
    with pytest.raises(AutopilotValidationError, match=r"autopilot-inference\[alpha\]"):
        model.as_alpha_model()
