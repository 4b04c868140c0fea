"""Wrong prop types get a message naming the prop and the fix, not an AttributeError or a jsii trace.

Each case asserts the exact first line of the message a user sees. Real CDK objects
(``iam.Role.from_role_arn``, ``kms.Key.from_key_arn``, ``ec2.Vpc.from_lookup``, ...) are the
reference for what must be accepted.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions_tasks as tasks
from support.annotations import errors_on
from support.stacks import INPUT_URI, JOB, OUTPUT_URI, RESULT_URI

from autopilot_inference import (
    AutopilotBatchTransform,
    AutopilotEndpoint,
    AutopilotModel,
    AutopilotModelPackage,
    AutopilotScheduledTransform,
    BlueGreenUpdate,
    EndpointAlarms,
    EndpointDataCapture,
    InferenceResponseKey,
    RollingUpdate,
    ServerlessConfig,
    TrafficRouting,
)
from autopilot_inference.checks import prop_types

ENV = Environment(account="111122223333", region="eu-west-1")
ROLE_ARN = "arn:aws:iam::111122223333:role/AutopilotModelRole"
KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def new_stack() -> Stack:
    return Stack(App(), "TypeStack", env=ENV)


def first_line(build: Any) -> str:
    """The first error ``cdk synth`` reports on the construct ``build()`` returns."""
    construct = build()
    errors = errors_on(construct)
    assert errors, f"no error on {construct.node.path}"
    return errors[0]


def model(stack: Stack | None = None, **overrides: Any) -> AutopilotModel:
    stack = stack or new_stack()
    return AutopilotModel(stack, "Model", **{"automl_job_name": JOB, "automl_output_s3_uri": OUTPUT_URI, **overrides})


def transform(**overrides: Any) -> AutopilotBatchTransform:
    stack = new_stack()
    kwargs = {"model": model(stack), "input_s3_uri": INPUT_URI, "output_s3_uri": RESULT_URI, **overrides}
    return AutopilotBatchTransform(stack, "Transform", **kwargs)


def endpoint(**overrides: Any) -> AutopilotEndpoint:
    return model().add_endpoint("Endpoint", **overrides)


@pytest.mark.parametrize(
    "function",
    [
        AutopilotModel.__init__,
        AutopilotBatchTransform.__init__,
        AutopilotEndpoint.__init__,
        AutopilotScheduledTransform.__init__,
        AutopilotModelPackage.__init__,
        AutopilotModel.from_model_package,
        AutopilotModel.add_endpoint,
    ],
    ids=lambda function: function.__qualname__,
)
def test_every_prop_is_type_checked_from_its_annotation(function: Any) -> None:
    """Every prop users see (the signature ``help()`` shows) has an annotation the checker reads, and that
    annotation refuses a value of no prop's type (no prop is ``Any``)."""
    shown = [p.name for p in inspect.signature(function).parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    annotations = prop_types.annotations_of(function)
    assert list(annotations) == shown
    stranger = object()
    for prop, (annotation, _) in annotations.items():
        message = prop_types.problem(stranger, annotation, prop)
        assert message is not None and message.startswith(f"{prop} must be "), (prop, message)
        assert message.split("; got ", 1)[1].startswith("object."), (prop, message)


def test_required_props_come_from_the_signatures() -> None:
    batch = prop_types.annotations_of(AutopilotBatchTransform.__init__)
    assert [name for name, (_, required) in batch.items() if required] == ["model", "input_s3_uri", "output_s3_uri"]
    model_props = prop_types.annotations_of(AutopilotModel.__init__)
    assert [name for name, (_, required) in model_props.items() if required] == ["automl_job_name"]


FROM_ROLE = 'For an existing role use iam.Role.from_role_arn(self, "Role", "arn:aws:iam::...:role/...").'
FROM_KEY = 'For an existing key use kms.Key.from_key_arn(self, "Key", "arn:aws:kms:...:key/...").'
FROM_SG = 'For an existing group use ec2.SecurityGroup.from_security_group_id(self, "SecurityGroup", "sg-...").'


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"role": ROLE_ARN}, f"role must be an iam.IRole; got str '{ROLE_ARN}'. {FROM_ROLE}"),
        ({"kms_key": KEY_ARN}, f"kms_key must be a kms.IKey; got str '{KEY_ARN}'. {FROM_KEY}"),
        (
            {"vpc": "vpc-0abc"},
            "vpc must be an ec2.IVpc; got str 'vpc-0abc'. For an existing VPC use "
            'ec2.Vpc.from_lookup(self, "Vpc", vpc_id="vpc-...").',
        ),
        (
            {"security_groups": ["sg-0abc"]},
            f"security_groups[0] must be an ec2.ISecurityGroup; got str 'sg-0abc'. {FROM_SG}",
        ),
        ({"security_groups": "sg-0abc"}, f"security_groups must be a list of ec2.ISecurityGroup; got str 'sg-0abc'. {FROM_SG}"),
        (
            {"vpc_subnets": ["subnet-0abc"]},
            "vpc_subnets must be an ec2.SubnetSelection; got list. Use "
            'ec2.SubnetSelection(subnets=[ec2.Subnet.from_subnet_id(self, "Subnet", "subnet-..."), ...]).',
        ),
        (
            {"vpc_subnets": "private"},
            "vpc_subnets must be an ec2.SubnetSelection; got str 'private'. Use e.g. "
            "ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).",
        ),
        (
            {"inference_response_keys": {"predicted_label": True}},
            "inference_response_keys must be ordered (a list or tuple, or one comma-separated string): the order of "
            "the keys is the order of the columns of the model's CSV output; got a dict. "
            "Pass e.g. [InferenceResponseKey.PREDICTED_LABEL, InferenceResponseKey.PROBABILITY].",
        ),
        (
            {"inference_response_keys": {"predicted_label", "probability"}},
            "inference_response_keys must be ordered (a list or tuple, or one comma-separated string): the order of "
            "the keys is the order of the columns of the model's CSV output; got a set. "
            "Pass e.g. [InferenceResponseKey.PREDICTED_LABEL, InferenceResponseKey.PROBABILITY].",
        ),
        ({"automl_job_name": 42}, "automl_job_name must be a str; got int 42."),
        ({"automl_job_name": None}, "automl_job_name is required; got None."),
        ({"processing_unit": None}, "processing_unit must be a str; got None. Leave it out for its default."),
        ({"network_isolation": "false"}, "network_isolation must be True or False; got str 'false'."),
        ({"allow_all_outbound": 1}, "allow_all_outbound must be True or False; got int 1."),
    ],
)
def test_model_prop_types(overrides: dict[str, Any], expected: str) -> None:
    assert first_line(lambda: model(**overrides)) == expected


def test_source_role_arn_given_a_role_says_to_pass_its_arn() -> None:
    stack = new_stack()
    role = iam.Role.from_role_arn(stack, "Reader", ROLE_ARN)
    assert first_line(lambda: model(stack, source_role_arn=role)) == (
        "source_role_arn must be a str; got an iam.IRole. Pass its ARN: role.role_arn."
    )


def test_one_security_group_not_in_a_list() -> None:
    stack = new_stack()
    group = ec2.SecurityGroup.from_security_group_id(stack, "Group", "sg-0abc")
    vpc = ec2.Vpc.from_lookup(stack, "Vpc", vpc_id="vpc-0abc")
    assert first_line(lambda: model(stack, vpc=vpc, security_groups=group)) == (
        "security_groups must be a list of ec2.ISecurityGroup; got one InterfaceDynamicProxy. Wrap it in a list: [group]."
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"model": "churn-model"},
            "model must be an AutopilotModel; got str 'churn-model'. Pass the AutopilotModel construct itself "
            "(model=model), not its name.",
        ),
        ({"output_kms_key": KEY_ARN}, f"output_kms_key must be a kms.IKey; got str '{KEY_ARN}'. {FROM_KEY}"),
        ({"volume_kms_key": "alias/batch"}, f"volume_kms_key must be a kms.IKey; got str 'alias/batch'. {FROM_KEY}"),
        ({"wait_timeout": 1800}, "wait_timeout must be an aws_cdk.Duration; got int 1800. Use Duration.seconds(1800), or the unit you meant "
         "(Duration.millis(1800), Duration.minutes(1800))."),
        (
            {"invocations_timeout": "5m"},
            "invocations_timeout must be an aws_cdk.Duration; got str '5m'. Use e.g. Duration.minutes(30).",
        ),
        ({"instance_count": "2"}, "instance_count must be a whole number (int); got str '2'."),
        ({"instance_count": 1.5}, "instance_count must be a whole number (int); got float 1.5."),
        ({"max_payload_in_mb": True}, "max_payload_in_mb must be a whole number (int); got bool True."),
        ({"input_s3_uri": None}, "input_s3_uri is required; got None."),
        ({"content_type": ["text/csv"]}, "content_type must be a str; got list."),
        ({"environment": ["A=1"]}, "environment must be a dict of variable names to string values; got list."),
        ({"wait_for_completion": "no"}, "wait_for_completion must be True or False; got str 'no'."),
        (
            {"split_type": tasks.SplitType.LINE},
            "split_type must be a str; got SplitType.",
        ),
    ],
)
def test_transform_prop_types(overrides: dict[str, Any], expected: str) -> None:
    assert first_line(lambda: transform(**overrides)) == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"kms_key": KEY_ARN}, f"kms_key must be a kms.IKey; got str '{KEY_ARN}'. {FROM_KEY}"),
        ({"initial_instance_count": "1"}, "initial_instance_count must be a whole number (int); got str '1'."),
        (
            {"data_capture": "s3://bucket/capture"},
            "data_capture must be an EndpointDataCapture; got str 's3://bucket/capture'. Use "
            'EndpointDataCapture(destination_s3_uri="s3://bucket/capture/").',
        ),
        ({"endpoint_name": 7}, "endpoint_name must be a str; got int 7."),
        (
            {"serverless": {"memory_size_in_mb": 2048}},
            "serverless must be a ServerlessConfig; got dict. Use ServerlessConfig(memory_size_in_mb=..., max_concurrency=...).",
        ),
        ({"blue_green": True}, "blue_green must be a BlueGreenUpdate; got bool True."),
        (
            {"rollback_alarms": ["HighLatency"]},
            "rollback_alarms[0] must be a cloudwatch.IAlarm; got str 'HighLatency'. "
            'For an existing alarm use cloudwatch.Alarm.from_alarm_arn(self, "Alarm", "arn:aws:cloudwatch:...").',
        ),
        (
            {"data_capture": EndpointDataCapture(destination_s3_uri="s3://bucket/capture/", kms_key=KEY_ARN)},  # type: ignore[arg-type]
            f"data_capture.kms_key must be a kms.IKey; got str '{KEY_ARN}'. {FROM_KEY}",
        ),
        (
            {"data_capture": EndpointDataCapture(destination_s3_uri="s3://bucket/capture/", sampling_percentage="50")},  # type: ignore[arg-type]
            "data_capture.sampling_percentage must be a whole number (int); got str '50'.",
        ),
        # The fields of the package's dataclasses are checked against their annotations too, at any depth.
        (
            {"rolling_update": RollingUpdate(maximum_batch_size=5, wait=Duration.minutes(1))},  # type: ignore[arg-type]
            "rolling_update.maximum_batch_size must be a CapacitySize; got int 5. "
            "Use CapacitySize.instances(n) or CapacitySize.percent(p).",
        ),
        (
            {"blue_green": BlueGreenUpdate(traffic_routing=TrafficRouting.canary(size=10, wait=Duration.minutes(5)))},  # type: ignore[arg-type]
            "blue_green.traffic_routing.size must be a CapacitySize; got int 10. "
            "Use CapacitySize.instances(n) or CapacitySize.percent(p).",
        ),
        (
            {"blue_green": BlueGreenUpdate(traffic_routing="canary")},  # type: ignore[arg-type]
            "blue_green.traffic_routing must be a TrafficRouting; got str 'canary'. "
            "Use TrafficRouting.all_at_once(), .canary(...) or .linear(...).",
        ),
        (
            {"serverless": ServerlessConfig(memory_size_in_mb="2048", max_concurrency=5)},  # type: ignore[arg-type]
            "serverless.memory_size_in_mb must be a whole number (int); got str '2048'.",
        ),
        # A number has no unit: the fix does not assume seconds for a latency given in milliseconds.
        (
            {"endpoint_alarms": EndpointAlarms(max_model_latency=500)},  # type: ignore[arg-type]
            "endpoint_alarms.max_model_latency must be an aws_cdk.Duration; got int 500. Use Duration.seconds(500), "
            "or the unit you meant (Duration.millis(500), Duration.minutes(500)).",
        ),
    ],
)
def test_endpoint_prop_types(overrides: dict[str, Any], expected: str) -> None:
    assert first_line(lambda: endpoint(**overrides)) == expected


def test_endpoint_model_given_by_name() -> None:
    stack = new_stack()
    assert first_line(lambda: AutopilotEndpoint(stack, "Endpoint", model="churn-model")).startswith(
        "model must be an AutopilotModel; got str 'churn-model'."
    )


def test_real_cdk_objects_are_accepted() -> None:
    """The objects the messages recommend pass, imported and created alike."""
    stack = new_stack()
    vpc = ec2.Vpc.from_lookup(stack, "Vpc", vpc_id="vpc-0abc")
    built = model(
        stack,
        role=iam.Role.from_role_arn(stack, "Role", ROLE_ARN),
        kms_key=kms.Key.from_key_arn(stack, "Key", KEY_ARN),
        vpc=vpc,
        security_groups=[ec2.SecurityGroup.from_security_group_id(stack, "Group", "sg-0abc")],
        vpc_subnets=ec2.SubnetSelection(
            subnets=[ec2.Subnet.from_subnet_attributes(stack, "Subnet", subnet_id="subnet-0abc", availability_zone="eu-west-1a")]
        ),
        inference_response_keys=(InferenceResponseKey.PREDICTED_LABEL,),
    )
    AutopilotBatchTransform(
        stack,
        "Transform",
        model=built,
        input_s3_uri=INPUT_URI,
        output_s3_uri=RESULT_URI,
        output_kms_key=kms.Key(stack, "OutputKey"),
        volume_kms_key=kms.Key.from_key_arn(stack, "VolumeKey", KEY_ARN),
        wait_timeout=Duration.minutes(30),
    )


@pytest.mark.parametrize(
    ("make", "interface", "expected"),
    [
        (lambda s: iam.Role.from_role_arn(s, "R", ROLE_ARN), iam.IRole, True),
        (lambda s: iam.Role(s, "R", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com")), iam.IRole, True),
        (lambda s: iam.User(s, "U"), iam.IRole, False),
        (lambda s: iam.Role.from_role_arn(s, "R", ROLE_ARN), kms.IKey, False),
        (lambda s: kms.Key.from_key_arn(s, "K", KEY_ARN), kms.IKey, True),
        (lambda s: kms.Key(s, "K"), kms.IKey, True),
        (lambda s: kms.Alias.from_alias_name(s, "A", "alias/batch"), kms.IKey, True),
        (lambda s: ec2.Vpc.from_lookup(s, "V", vpc_id="vpc-0abc"), ec2.IVpc, True),
        (lambda s: ec2.Vpc(s, "V", max_azs=1, nat_gateways=0), ec2.IVpc, True),
        (lambda s: ec2.SecurityGroup.from_security_group_id(s, "G", "sg-0abc"), ec2.ISecurityGroup, True),
        (lambda s: ec2.Vpc.from_lookup(s, "V", vpc_id="vpc-0abc"), ec2.ISecurityGroup, False),
        (lambda s: "arn:aws:iam::111122223333:role/x", iam.IRole, False),
    ],
)
def test_implements_reads_jsii_interfaces(make: Any, interface: type, expected: bool) -> None:
    with pytest.raises(TypeError):  # why implements() exists: jsii interfaces refuse isinstance
        isinstance(object(), interface)
    assert prop_types.implements(make(new_stack()), interface) is expected


def test_all_type_errors_are_listed_for_one_report() -> None:
    """``type_problems`` returns every problem, in prop order, for reporting all at once."""
    messages = prop_types.type_problems(AutopilotModel.__init__, {"role": "r", "kms_key": "k", "vpc": "v", "other": 1})
    assert [message.split(" ", 1)[0] for message in messages] == ["role", "vpc", "kms_key"]


def test_every_wrong_prop_is_reported_on_the_construct_in_one_synth() -> None:
    errors = errors_on(model(role=ROLE_ARN, kms_key=KEY_ARN, network_isolation="yes", processing_unit=7))
    assert [error.split(" ", 1)[0] for error in errors] == ["role", "processing_unit", "network_isolation", "kms_key"]


def test_security_groups_of_the_right_type_still_need_a_vpc() -> None:
    stack = new_stack()
    group = ec2.SecurityGroup.from_security_group_id(stack, "Group", "sg-0abc")
    assert first_line(lambda: model(stack, security_groups=[group])).startswith("security_groups needs vpc")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"output_kms_key": KEY_ARN}, f"output_kms_key must be a kms.IKey; got str '{KEY_ARN}'. {FROM_KEY}"),
        ({"instance_count": "2"}, "instance_count must be a whole number (int); got str '2'."),
        ({"timeout": 3600}, "timeout must be an aws_cdk.Duration; got int 3600. Use Duration.seconds(3600), or the unit you meant "
         "(Duration.millis(3600), Duration.minutes(3600))."),
        (
            {"start": "2027-01-01"},
            "start must be a datetime; got str '2027-01-01'. Use e.g. datetime(2027, 1, 1, tzinfo=timezone.utc).",
        ),
        (
            {"schedule": 86400},
            "schedule must be a schedule expression string or an aws_scheduler.ScheduleExpression; got int 86400. "
            "Use e.g. 'cron(0 2 * * ? *)' or 'rate(1 day)'.",
        ),
    ],
)
def test_scheduled_transform_prop_types(overrides: dict[str, Any], expected: str) -> None:
    stack = new_stack()
    kwargs = {"model": model(stack), "schedule": "rate(1 day)", "input_s3_uri": INPUT_URI,
              "output_s3_uri": RESULT_URI, **overrides}
    scheduled = AutopilotScheduledTransform(stack, "Nightly", **kwargs)
    assert errors_on(scheduled)[0] == expected


def test_tokens_pass_where_a_number_string_boolean_mapping_or_list_is_annotated() -> None:
    """A CloudFormation parameter stands for the value until deploy time (CDK encodes it as a float, str or list)."""
    from aws_cdk import CfnParameter, Fn

    stack = new_stack()
    count = CfnParameter(stack, "Count", type="Number").value_as_number
    accounts = CfnParameter(stack, "Accounts", type="CommaDelimitedList").value_as_list
    values = {
        "instance_count": count,
        "max_payload_in_mb": count,
        "content_type": CfnParameter(stack, "Type").value_as_string,
        "environment": Fn.get_att("Somewhere", "Environment"),
    }
    assert prop_types.type_problems(AutopilotBatchTransform.__init__, values) == []
    assert prop_types.type_problems(AutopilotModelPackage.__init__, {"consumer_accounts": accounts}) == []
    assert prop_types.type_problems(AutopilotBatchTransform.__init__, {"instance_count": "2"}) != []


def test_add_rollback_alarm_refuses_an_alarm_name_with_the_fix() -> None:
    from aws_cdk import aws_cloudwatch as cloudwatch

    from autopilot_inference import BlueGreenUpdate

    built = endpoint(blue_green=BlueGreenUpdate())
    built.add_rollback_alarm(cloudwatch.Alarm.from_alarm_arn(built, "Known", "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:x"))
    built.add_rollback_alarm("HighLatency")  # type: ignore[arg-type]
    assert errors_on(built) == [
        "add_rollback_alarm's alarm must be a cloudwatch.IAlarm; got str 'HighLatency'. "
        'For an existing alarm use cloudwatch.Alarm.from_alarm_arn(self, "Alarm", "arn:aws:cloudwatch:...").'
    ]
