"""Type checks of construct props: a wrong type gets a message naming the prop and the fix.

Each check is a pure function ``(value, prop) -> message or None``; the tables below map
every prop of a construct to its check, and :func:`type_errors` applies a table to the
values a construct was given. The messages do not depend on how they are reported (an
exception today; ``node.add_validation`` works the same with the list).

jsii interfaces (``iam.IRole``, ``kms.IKey``, ...) are Protocols that ``isinstance`` refuses,
so :func:`implements` reads what jsii records instead: the interfaces a class declares with
``@jsii.implements`` and the proxy classes of objects that come back from JavaScript
(``iam.Role.from_role_arn`` returns one). It costs no round trip to jsii's Node process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns

from . import validation
from .alarms import EndpointAlarms
from .data_capture import EndpointDataCapture
from .deployment import BlueGreenUpdate, RollingUpdate
from .model_base import AutopilotModelBase
from .serverless import ServerlessConfig

Check = Callable[[Any, str], "str | None"]
"""A type check: the message for a wrong value of the prop, or ``None``."""


def implements(value: Any, interface: type) -> bool:
    """Whether ``value`` implements the jsii ``interface`` (``isinstance`` cannot tell for Protocols)."""
    proxy_of = getattr(interface, "__jsii_proxy_class__", None)
    proxy = proxy_of() if callable(proxy_of) else None
    delegates = value.__dict__.get("_delegates") if hasattr(value, "__dict__") else None
    for candidate in delegates if isinstance(delegates, list) else [value]:
        if proxy is not None and isinstance(candidate, proxy):
            return True
        for cls in type(candidate).__mro__:
            if any(interface in declared.__mro__ for declared in cls.__dict__.get("__jsii_ifaces__", ())):
                return True
    return False


def describe(value: Any) -> str:
    """A short account of a wrong value: its type and, for plain values, the value."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        return f"{type(value).__name__} {shown}"
    return type(value).__name__


def interface(name: str, cls: type, fix: str) -> Check:
    """A check that the value implements the jsii interface ``cls`` (shown as ``name``)."""

    def check(value: Any, prop: str) -> str | None:
        if value is None or implements(value, cls):
            return None
        return f"{prop} must be an {name}; got {describe(value)}. {fix}"

    return check


def instance_of(name: str, cls: type | tuple[type, ...], fix: str = "") -> Check:
    """A check that the value is an instance of ``cls`` (shown as ``name``); ``None`` passes."""

    def check(value: Any, prop: str) -> str | None:
        if value is None or isinstance(value, cls):
            return None
        return f"{prop} must be {name}; got {describe(value)}." + (f" {fix}" if fix else "")

    return check


def required(check: Check) -> Check:
    """``check``, with ``None`` refused as well."""

    def checked(value: Any, prop: str) -> str | None:
        if value is None:
            return f"{prop} is required; got None."
        return check(value, prop)

    return checked


def string(value: Any, prop: str) -> str | None:
    """A ``str``; ``None`` passes."""
    if value is None or isinstance(value, str):
        return None
    return f"{prop} must be a str; got {describe(value)}."


def integer(value: Any, prop: str) -> str | None:
    """A whole number (a number token passes); ``None`` passes."""
    if value is None or validation.is_token(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or isinstance(value, float) and not value.is_integer():
        return f"{prop} must be a whole number (int); got {describe(value)}."
    return None


def boolean(value: Any, prop: str) -> str | None:
    """``True`` or ``False``; ``None`` passes."""
    if value is None or isinstance(value, bool) or validation.is_token(value):
        return None
    return f"{prop} must be True or False; got {describe(value)}."


def duration(value: Any, prop: str) -> str | None:
    """An ``aws_cdk.Duration``; ``None`` passes."""
    if value is None or isinstance(value, Duration):
        return None
    example = f"Duration.seconds({value})" if isinstance(value, int) and not isinstance(value, bool) else "Duration.minutes(30)"
    return f"{prop} must be an aws_cdk.Duration; got {describe(value)}. Use {example}."


def string_mapping(value: Any, prop: str) -> str | None:
    """A dict of names to values; ``None`` passes (the values are checked with the prop)."""
    if value is None or isinstance(value, Mapping) or validation.is_token(value):
        return None
    return f"{prop} must be a dict of variable names to string values; got {describe(value)}."


def response_keys(value: Any, prop: str) -> str | None:
    """A key, a comma-separated string or a list of them; not a dict or a set (order matters)."""
    if value is None or isinstance(value, str) or validation.is_token(value):
        return None
    if isinstance(value, (list, tuple)):
        return None
    unordered = validation.unordered_keys_message(value, prop)
    if unordered:
        return unordered
    return f"{prop} must be a list of InferenceResponseKey members or strings, or one comma-separated string; got {describe(value)}."


def autopilot_model(value: Any, prop: str) -> str | None:
    """An ``AutopilotModel`` construct."""
    if isinstance(value, AutopilotModelBase):
        return None
    if isinstance(value, str):
        return (
            f"{prop} must be an AutopilotModel; got {describe(value)}. Pass the AutopilotModel construct "
            "itself (model=model), not its name."
        )
    return f"{prop} must be an AutopilotModel; got {describe(value)}."


def security_groups(value: Any, prop: str) -> str | None:
    """A list of ``ec2.ISecurityGroup``; ``None`` passes."""
    if value is None:
        return None
    fix = 'For an existing group use ec2.SecurityGroup.from_security_group_id(self, "SecurityGroup", "sg-...").'
    if implements(value, ec2.ISecurityGroup):
        return f"{prop} must be a list of ec2.ISecurityGroup; got one {describe(value)}. Wrap it in a list: [group]."
    if isinstance(value, str) or not isinstance(value, Sequence):
        return f"{prop} must be a list of ec2.ISecurityGroup; got {describe(value)}. {fix}"
    for index, item in enumerate(value):
        if not implements(item, ec2.ISecurityGroup):
            return f"{prop}[{index}] must be an ec2.ISecurityGroup; got {describe(item)}. {fix}"
    return None


def subnet_selection(value: Any, prop: str) -> str | None:
    """An ``ec2.SubnetSelection``; ``None`` passes."""
    if value is None or isinstance(value, ec2.SubnetSelection):
        return None
    if isinstance(value, (list, tuple)):
        return (
            f"{prop} must be an ec2.SubnetSelection; got a {type(value).__name__}. Use "
            'ec2.SubnetSelection(subnets=[ec2.Subnet.from_subnet_id(self, "Subnet", "subnet-..."), ...]).'
        )
    return (
        f"{prop} must be an ec2.SubnetSelection; got {describe(value)}. Use e.g. "
        "ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)."
    )


def role_arn_string(value: Any, prop: str) -> str | None:
    """An IAM role ARN as a string (a role construct is answered with ``role.role_arn``)."""
    if value is None or isinstance(value, str):
        return None
    if implements(value, iam.IRole):
        return f"{prop} must be a role ARN (str); got an iam.IRole. Pass its ARN: role.role_arn."
    return f"{prop} must be a role ARN (str); got {describe(value)}."


def data_capture(value: Any, prop: str) -> str | None:
    """An ``EndpointDataCapture``; ``None`` passes."""
    if value is None:
        return None
    if not isinstance(value, EndpointDataCapture):
        return (
            f"{prop} must be an EndpointDataCapture; got {describe(value)}. Use "
            'EndpointDataCapture(destination_s3_uri="s3://bucket/capture/").'
        )
    fields: dict[str, Check] = {
        "destination_s3_uri": required(string),
        "sampling_percentage": required(integer),
        "capture_input": boolean,
        "capture_output": boolean,
        "kms_key": KEY,
    }
    for name, check in fields.items():
        message = check(getattr(value, name), f"{prop}.{name}")
        if message is not None:
            return message
    return None


ROLE = interface(
    "iam.IRole", iam.IRole, 'For an existing role use iam.Role.from_role_arn(self, "Role", "arn:aws:iam::...:role/...").'
)
KEY = interface(
    "kms.IKey", kms.IKey, 'For an existing key use kms.Key.from_key_arn(self, "Key", "arn:aws:kms:...:key/...").'
)
VPC = interface("ec2.IVpc", ec2.IVpc, 'For an existing VPC use ec2.Vpc.from_lookup(self, "Vpc", vpc_id="vpc-...").')

MODEL_PROPS: dict[str, Check] = {
    "automl_job_name": required(string),
    "inference_response_keys": response_keys,
    "candidate_name": string,
    "automl_output_s3_uri": string,
    "role": ROLE,
    "model_name_prefix": string,
    "processing_unit": required(string),
    "vpc": VPC,
    "vpc_subnets": subnet_selection,
    "security_groups": security_groups,
    "allow_all_outbound": boolean,
    "network_isolation": boolean,
    "source_role_arn": role_arn_string,
    "kms_key": KEY,
}
"""``AutopilotModel``'s props and their type checks."""

def string_list(value: Any, prop: str) -> str | None:
    """A list of strings (not one string); ``None`` passes."""
    if value is None or validation.is_token(value):
        return None
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return None
    return f"{prop} must be a list of str; got {describe(value)}."


def model_package_group(value: Any, prop: str) -> str | None:
    """A group name or ARN, or a ``CfnModelPackageGroup``; ``None`` passes."""
    if value is None or isinstance(value, (str, sagemaker.CfnModelPackageGroup)):
        return None
    return f"{prop} must be a model package group name or ARN (str) or a CfnModelPackageGroup; got {describe(value)}."


MODEL_PACKAGE_PROPS: dict[str, Check] = {
    "automl_job_name": required(string),
    "inference_response_keys": response_keys,
    "candidate_name": string,
    "model_package_group": model_package_group,
    "model_package_group_name": string,
    "consumer_accounts": required(string_list),
    "approval_status": required(string),
    "description": string,
    "automl_output_s3_uri": string,
    "processing_unit": required(string),
    "source_role_arn": role_arn_string,
    "kms_key": KEY,
    "transform_instance_types": string_list,
    "realtime_instance_types": string_list,
    "delete_versions_on_removal": required(boolean),
}
"""``AutopilotModelPackage``'s props and their type checks."""

PACKAGE_MODEL_PROPS: dict[str, Check] = {
    "model_package_group_arn": string,
    "model_package_arn": string,
    "role": ROLE,
    "vpc": VPC,
    "vpc_subnets": subnet_selection,
    "security_groups": security_groups,
    "network_isolation": boolean,
    "kms_key": KEY,
    "model_name_prefix": string,
    "automl_output_s3_uri": string,
}
"""``AutopilotModel.from_model_package``'s props and their type checks."""

TRANSFORM_PROPS: dict[str, Check] = {
    "model": autopilot_model,
    "input_s3_uri": required(string),
    "output_s3_uri": required(string),
    "instance_type": required(string),
    "instance_count": required(integer),
    "content_type": string,
    "split_type": string,
    "accept": string,
    "assemble_with": string,
    "wait_for_completion": boolean,
    "wait_timeout": duration,
    "input_data_type": required(string),
    "compression_type": string,
    "output_kms_key": KEY,
    "volume_kms_key": KEY,
    "batch_strategy": string,
    "max_payload_in_mb": integer,
    "max_concurrent_transforms": integer,
    "invocations_timeout": duration,
    "invocations_max_retries": integer,
    "input_filter": string,
    "output_filter": string,
    "join_source": string,
    "environment": string_mapping,
    "job_name_prefix": string,
    "failure_topic": interface(
        "sns.ITopic", sns.ITopic, 'For an existing topic use sns.Topic.from_topic_arn(self, "Topic", "arn:aws:sns:...").'
    ),
}
"""``AutopilotBatchTransform``'s props and their type checks."""

_TOPIC = TRANSFORM_PROPS["failure_topic"]
SCHEDULED_TRANSFORM_PROPS: dict[str, Check] = {
    **{prop: check for prop, check in TRANSFORM_PROPS.items() if prop not in ("wait_for_completion", "wait_timeout", "failure_topic")},
    "schedule": required(
        instance_of(
            "a schedule expression string or an aws_scheduler.ScheduleExpression",
            (str, scheduler.ScheduleExpression),
            "Use e.g. 'cron(0 2 * * ? *)' or 'rate(1 day)'.",
        )
    ),
    "start": instance_of("a datetime", datetime, "Use e.g. datetime(2027, 1, 1, tzinfo=timezone.utc)."),
    "end": instance_of("a datetime", datetime, "Use e.g. datetime(2027, 1, 1, tzinfo=timezone.utc)."),
    "time_zone": string,
    "flexible_time_window": duration,
    "enabled": boolean,
    "description": string,
    "timeout": duration,
    "notification_topic": _TOPIC,
    "create_notification_topic": boolean,
    "notify_on_success": boolean,
    "failure_alarm": boolean,
}
"""``AutopilotScheduledTransform``'s props and their type checks (the schedule and its dates are checked by the construct)."""

def alarms(value: Any, prop: str) -> str | None:
    """A list of ``cloudwatch.IAlarm``; ``None`` passes."""
    if value is None:
        return None
    fix = 'For an existing alarm use cloudwatch.Alarm.from_alarm_arn(self, "Alarm", "arn:aws:cloudwatch:...").'
    if isinstance(value, str) or not isinstance(value, Sequence):
        return f"{prop} must be a list of CloudWatch alarms (aws_cloudwatch.IAlarm); got {describe(value)}. {fix}"
    for index, item in enumerate(value):
        if not implements(item, cloudwatch.IAlarm):
            return (
                f"{prop} must be a list of CloudWatch alarms (aws_cloudwatch.IAlarm); item {index} is "
                f"{describe(item)}. {fix}"
            )
    return None


ENDPOINT_PROPS: dict[str, Check] = {
    "model": autopilot_model,
    "instance_type": string,
    "initial_instance_count": integer,
    "kms_key": KEY,
    "data_capture": data_capture,
    "endpoint_name": string,
    "variant_name": string,
    "serverless": instance_of("a ServerlessConfig", ServerlessConfig, "Use ServerlessConfig(memory_size_in_mb=..., max_concurrency=...)."),
    "blue_green": instance_of("a BlueGreenUpdate", BlueGreenUpdate),
    "rolling_update": instance_of("a RollingUpdate", RollingUpdate),
    "rollback_alarms": alarms,
    "endpoint_alarms": instance_of("an EndpointAlarms", EndpointAlarms),
}
"""``AutopilotEndpoint``'s (and ``add_endpoint``'s) props and their type checks."""


def type_errors(table: Mapping[str, Check], values: Mapping[str, Any]) -> list[str]:
    """The messages for every prop in ``values`` whose type ``table`` refuses, in table order.

    ``values`` may hold more names than the table (a constructor's ``locals()``); only the
    table's props are looked at.
    """
    messages = []
    for prop, check in table.items():
        if prop in values:
            message = check(values[prop], prop)
            if message is not None:
                messages.append(message)
    return messages


__all__ = [
    "ENDPOINT_PROPS",
    "MODEL_PROPS",
    "TRANSFORM_PROPS",
    "Check",
    "describe",
    "implements",
    "type_errors",
]
