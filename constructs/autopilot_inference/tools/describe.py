"""How the command line describes the library's resources in words: one function for each thing that
``summary``, ``plan`` and ``diff`` all show (a model, its response keys, a transform job and its wait, an
endpoint's variants and deployment policy, a schedule and its next runs).

Pure functions over a template's parsed JSON (no CDK, no AWS). :class:`Template` reads one template:
resources by type, the construct path of a logical id, references shown by that path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .._lambda.autopilot_runtime import contract
from .._lambda.autopilot_runtime.properties import PropertyError, parse_bool
from .._private import cfn_text
from .._private.cfn_text import render_value

ENDPOINT_TYPE = "AWS::SageMaker::Endpoint"
ENDPOINT_CONFIG_TYPE = "AWS::SageMaker::EndpointConfig"
SCHEDULE_TYPE = "AWS::Scheduler::Schedule"
# The metadata AutopilotScheduledTransform puts on its schedule (scheduled_transform.SUMMARY_METADATA_KEY).
SCHEDULED_TRANSFORM_METADATA = "autopilot-inference:scheduled-transform"
PATH_METADATA = "aws:cdk:path"
NEXT_RUNS = 3
# The members of AWS::Scheduler::Schedule that say when it runs.
SCHEDULE_TIMING = ("ScheduleExpression", "ScheduleExpressionTimezone", "State", "FlexibleTimeWindow", "StartDate", "EndDate")


def is_true(value: Any, default: bool) -> bool:
    """A template's boolean as the handler reads it; a value the handler would refuse counts as false."""
    try:
        return parse_bool(value, "", default)
    except PropertyError:
        return False


def construct_label(path: Any, fallback: str) -> str:
    """A construct path inside its stack (``Model``, ``Model/Endpoint``) from ``aws:cdk:path`` metadata."""
    if not isinstance(path, str):
        return fallback
    parts = path.split("/")[1:]  # drop the stack
    while len(parts) > 1 and (parts[-1] in ("Default", "Resource") or parts[-1] == parts[-2]):
        parts.pop()  # Model/Resource/Default -> Model, Endpoint/Endpoint -> Endpoint
    return "/".join(parts) or fallback


class Template:
    """One stack template's resources, read as plain JSON."""

    def __init__(self, template: Any, stack_path: str | None = None) -> None:
        self.template: Mapping[str, Any] = template if isinstance(template, Mapping) else {}
        self.stack_path = stack_path
        """The stack's construct path (``Stage/Stack`` in a stage): labels are the paths below it."""
        resources = self.template.get("Resources", {})
        self.resources: Mapping[str, Mapping[str, Any]] = resources if isinstance(resources, Mapping) else {}

    def of_type(self, resource_type: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for logical_id, resource in self.resources.items():
            if isinstance(resource, Mapping) and resource.get("Type") == resource_type:
                yield logical_id, resource.get("Properties", {}) or {}

    def properties(self, logical_id: str) -> Mapping[str, Any]:
        return self.resources.get(logical_id, {}).get("Properties", {}) or {}

    def metadata(self, logical_id: str) -> Mapping[str, Any]:
        metadata = self.resources.get(logical_id, {}).get("Metadata") or {}
        return metadata if isinstance(metadata, Mapping) else {}

    def path(self, logical_id: str) -> str | None:
        path = self.metadata(logical_id).get(PATH_METADATA)
        return path if isinstance(path, str) else None

    def label(self, logical_id: str) -> str:
        """The construct path inside the stack when the template records it, else the logical id.

        A consumer stack's copy of a model of another stack is ``copy of <that model's path>``.
        """
        copy_of = model_copy_of(self, logical_id)
        if copy_of is not None:
            return f"copy of {copy_of}"
        path = self.path(logical_id)
        if path is not None and self.stack_path and path.startswith(self.stack_path + "/"):
            path = "stack/" + path[len(self.stack_path) + 1 :]
        return construct_label(path, logical_id)

    def target(self, value: Any) -> str | None:
        """The logical id a ``Ref`` or ``Fn::GetAtt`` of this template points at, else ``None``."""
        found = cfn_text.intrinsic(value)
        if found is None:
            return None
        function, argument = found
        target = None
        if function == cfn_text.REF:
            target = argument
        elif function == cfn_text.GET_ATT:
            target = cfn_text.get_att_parts(argument)[0]
        return target if isinstance(target, str) and target in self.resources else None

    def reference(self, value: Any) -> str:
        """A property that points at another resource of this template, shown by its label."""
        target = self.target(value)
        return self.label(target) if target is not None else render_value(value)


# --- Models -----------------------------------------------------------------------------------------


def keys_text(keys: Any, none: str = "container defaults") -> str:
    """Response keys as a reader says them; ``none`` when there are none (the containers' defaults)."""
    if keys in (None, "", [], ()):
        return none
    return ",".join(str(key) for key in keys) if isinstance(keys, (list, tuple)) and all(
        isinstance(key, str) for key in keys
    ) else render_value(keys)


def model_copy_of(template: Template, logical_id: str) -> str | None:
    """The construct path of the model a consumer stack's copy copies (its template metadata), else ``None``."""
    copy_of = (template.resources.get(logical_id, {}).get("Metadata") or {}).get(contract.MODEL_COPY_METADATA)
    return copy_of if isinstance(copy_of, str) else None


def model_details(props: Mapping[str, Any]) -> list[str]:
    """A ``Custom::AutopilotModel``: job, candidate, response keys, name prefix (and what is not the default)."""
    candidate_name = props.get(contract.CANDIDATE_NAME)
    candidate = render_value(candidate_name) if candidate_name not in (None, "") else "best"
    details = [
        f"AutoML job {render_value(props.get(contract.AUTOML_JOB_NAME))}",
        f"candidate {candidate}",
        f"response keys {keys_text(props.get(contract.INFERENCE_RESPONSE_KEYS))}",
        f"name prefix {render_value(props.get(contract.MODEL_NAME_PREFIX))}",
    ]
    unit = props.get(contract.PROCESSING_UNIT)
    if unit not in (None, "", contract.DEFAULT_PROCESSING_UNIT):
        details.append(f"{render_value(unit)} containers")
    if is_true(props.get(contract.SINGLE_CONTAINER_REQUIRED), default=False):
        details.append("single container required (serverless endpoint)")
    return details


# --- Transform jobs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TransformFacts:
    """What a ``Custom::AutopilotTransformJob`` reads, writes and runs on, and how the deployment waits."""

    reads: str
    writes: str
    instances: str
    waits: bool
    wait_timeout_minutes: int | None

    @property
    def wait(self) -> str:
        """Whether the deployment waits for the job, and up to how long."""
        if not self.waits:
            return "the deployment does not wait for completion"
        if self.wait_timeout_minutes is None:
            return "the deployment waits for completion"
        return f"the deployment waits for completion (up to {self.wait_timeout_minutes} min)"


def transform_facts(props: Mapping[str, Any]) -> TransformFacts:
    source = ((props.get(contract.TRANSFORM_INPUT) or {}).get("DataSource") or {}).get("S3DataSource") or {}
    output = props.get(contract.TRANSFORM_OUTPUT) or {}
    resources = props.get(contract.TRANSFORM_RESOURCES) or {}
    waits = is_true(props.get(contract.WAIT_FOR_COMPLETION), default=True)
    timeout = props.get(contract.WAIT_TIMEOUT_SECONDS)
    minutes: int | None = None
    if waits:
        try:  # the handler's default when the template gives none: the whole limit
            minutes = int(str(timeout)) // 60 if timeout not in (None, "") else contract.DEFAULT_WAIT_TIMEOUT_SECONDS // 60
        except ValueError:
            minutes = None
    return TransformFacts(
        reads=render_value(source.get("S3Uri")),
        writes=render_value(output.get("S3OutputPath")),
        instances=f"{render_value(resources.get('InstanceType'))} x {render_value(resources.get('InstanceCount', 1))}",
        waits=waits,
        wait_timeout_minutes=minutes,
    )


def transform_text(facts: TransformFacts, model: str) -> str:
    """``input -> output, instances, model M, waits ...``: one transform job."""
    return f"{facts.reads} -> {facts.writes}, {facts.instances}, model {model}, {facts.wait}"


# --- Endpoints --------------------------------------------------------------------------------------


def variant_text(template: Template, variant: Mapping[str, Any]) -> str:
    """A production variant: its capacity (instances or serverless) and model."""
    serverless = variant.get("ServerlessConfig")
    if isinstance(serverless, Mapping):
        size = (
            f"serverless {render_value(serverless.get('MemorySizeInMB'))} MB, "
            f"max concurrency {render_value(serverless.get('MaxConcurrency'))}"
        )
        if serverless.get("ProvisionedConcurrency") not in (None, ""):
            size += f", provisioned {render_value(serverless['ProvisionedConcurrency'])}"
    else:
        size = f"{render_value(variant.get('InstanceType'))} x {render_value(variant.get('InitialInstanceCount', 1))}"
    return f"{size} (model {template.reference(variant.get('ModelName'))})"


def endpoint_config_id(template: Template, endpoint_props: Mapping[str, Any]) -> str | None:
    """The logical id of the endpoint configuration an endpoint names."""
    return template.target(endpoint_props.get("EndpointConfigName"))


def endpoint_variants(template: Template, endpoint_props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    config_id = endpoint_config_id(template, endpoint_props)
    variants = template.properties(config_id).get("ProductionVariants") if config_id else None
    return [variant for variant in variants if isinstance(variant, Mapping)] if isinstance(variants, list) else []


def _capacity(size: Any) -> str:
    if not isinstance(size, Mapping):
        return render_value(size)
    unit = " %" if size.get("Type") == "CAPACITY_PERCENT" else " instance(s)"
    return f"{render_value(size.get('Value'))}{unit}"


def update_policy_text(deployment: Any) -> str | None:
    """An endpoint's ``DeploymentConfig`` update policy in words; ``None`` when it sets none."""
    if not isinstance(deployment, Mapping):
        return None
    blue_green = deployment.get("BlueGreenUpdatePolicy")
    rolling = deployment.get("RollingUpdatePolicy")
    if isinstance(blue_green, Mapping):
        routing = blue_green.get("TrafficRoutingConfiguration") or {}
        kind = str(routing.get("Type", "ALL_AT_ONCE")).lower().replace("_", " ")
        text = f"blue/green {kind}"
        if routing.get("CanarySize"):
            text += f" {_capacity(routing['CanarySize'])}"
        if routing.get("LinearStepSize"):
            text += f" steps of {_capacity(routing['LinearStepSize'])}"
        text += f", wait {render_value(routing.get('WaitIntervalInSeconds', 0))} s"
        if blue_green.get("TerminationWaitInSeconds") not in (None, ""):
            text += f", baking {render_value(blue_green['TerminationWaitInSeconds'])} s"
        timeout = blue_green.get("MaximumExecutionTimeoutInSeconds")
    elif isinstance(rolling, Mapping):
        text = (
            f"rolling, {_capacity(rolling.get('MaximumBatchSize'))} per step, "
            f"wait {render_value(rolling.get('WaitIntervalInSeconds'))} s"
        )
        timeout = rolling.get("MaximumExecutionTimeoutInSeconds")
    else:
        return None
    if timeout not in (None, ""):
        text += f", timeout {render_value(timeout)} s"
    return text


def rollback_alarms(template: Template, deployment: Any) -> list[str]:
    """The alarms that roll an endpoint deployment back, by label."""
    if not isinstance(deployment, Mapping):
        return []
    alarms = (deployment.get("AutoRollbackConfiguration") or {}).get("Alarms") or []
    return [template.reference(alarm.get("AlarmName")) for alarm in alarms if isinstance(alarm, Mapping)]


def scaling_text(template: Template, endpoint_id: str, endpoint_name: Any) -> str | None:
    """The scalable target of the endpoint's variant, if any."""
    for target_id, target in template.of_type("AWS::ApplicationAutoScaling::ScalableTarget"):
        if target.get("ServiceNamespace") != "sagemaker":
            continue
        resource_id = json.dumps(target.get("ResourceId"), sort_keys=True)
        named = isinstance(endpoint_name, str) and f"endpoint/{endpoint_name}/" in resource_id
        if not named and json.dumps({"Fn::GetAtt": [endpoint_id, "EndpointName"]}) not in resource_id:
            continue
        policies = [
            render_value(policy.get("PolicyType"))
            for _, policy in template.of_type("AWS::ApplicationAutoScaling::ScalingPolicy")
            if policy.get("ScalingTargetId") == {"Ref": target_id}
        ]
        scheduled = len(target.get("ScheduledActions") or [])
        details = [*policies] + ([f"{scheduled} scheduled action(s)"] if scheduled else [])
        return (
            f"{render_value(target.get('MinCapacity'))}-{render_value(target.get('MaxCapacity'))} instances"
            + (f" ({', '.join(details)})" if details else "")
        )
    return None


# --- Schedules --------------------------------------------------------------------------------------


def schedule_header(expression: Any, time_zone: Any) -> str:
    """``cron(...), time zone Z``: how ``plan --schedule`` and ``summary`` name a schedule."""
    return f"{render_value(expression)}, time zone {render_value(time_zone) if time_zone else 'UTC'}"


def schedule_details(props: Mapping[str, Any]) -> list[str]:
    """An ``AWS::Scheduler::Schedule``: expression, time zone, state, flexible window."""
    window = props.get("FlexibleTimeWindow") or {}
    details = [schedule_header(props.get("ScheduleExpression"), props.get("ScheduleExpressionTimezone"))]
    details.append("enabled" if props.get("State", "ENABLED") == "ENABLED" else "DISABLED")
    if isinstance(window, Mapping) and window.get("Mode") == "FLEXIBLE":
        details.append(f"flexible window {render_value(window.get('MaximumWindowInMinutes'))} min")
    return details


def schedule_facts(template: Template, logical_id: str) -> Mapping[str, Any]:
    """What AutopilotScheduledTransform recorded on its schedule (job name prefix, locations, model); ``{}`` else."""
    facts = template.metadata(logical_id).get(SCHEDULED_TRANSFORM_METADATA)
    return facts if isinstance(facts, Mapping) else {}


def schedule_label(template: Template, logical_id: str) -> str:
    label = template.label(logical_id)
    return label[: -len("/Schedule")] if label.endswith("/Schedule") else label


def schedule_runs(props: Mapping[str, Any], facts: Mapping[str, Any], now: datetime, count: int = NEXT_RUNS) -> list[str]:
    """``schedules.describe_runs`` for a schedule of a template: next runs, and what the next run reads and writes."""
    from ..transform import run_locations as locations
    from ..transform import schedules

    expression = props.get("ScheduleExpression")
    zone = props.get("ScheduleExpressionTimezone")
    if not isinstance(expression, str) or not (zone is None or isinstance(zone, str)):
        return []
    source, target, prefix = facts.get("InputS3Uri"), facts.get("OutputS3Uri"), facts.get("JobNamePrefix")
    try:
        start = datetime.fromisoformat(props["StartDate"]) if isinstance(props.get("StartDate"), str) else None
        return schedules.describe_runs(
            expression,
            zone,
            now=now,
            count=count,
            start=start,
            job_name_prefix=str(prefix) if prefix is not None else None,
            input_s3_uri=source if isinstance(source, str) else None,
            output_s3_uri=target if isinstance(target, str) else None,
        )
    except (schedules.ScheduleError, locations.LocationTemplateError, ValueError):
        return []


def each_run_text(template: Template, facts: Mapping[str, Any]) -> str:
    """What every run of a scheduled transform does: its job, model, instances, locations."""
    return (
        f"transform job {facts.get('JobNamePrefix')}-<YYYYMMDD>t<HHMM>-s<SS> (one per scheduled time), model "
        f"{template.reference(facts.get('ModelName'))}, {render_value(facts.get('InstanceType'))} x "
        f"{render_value(facts.get('InstanceCount', 1))}: reads {render_value(facts.get('InputS3Uri'))}, "
        f"writes {render_value(facts.get('OutputS3Uri'))}"
    )


__all__ = [
    "ENDPOINT_CONFIG_TYPE",
    "ENDPOINT_TYPE",
    "SCHEDULED_TRANSFORM_METADATA",
    "SCHEDULE_TYPE",
    "Template",
    "TransformFacts",
    "construct_label",
    "each_run_text",
    "endpoint_config_id",
    "endpoint_variants",
    "is_true",
    "keys_text",
    "model_copy_of",
    "model_details",
    "rollback_alarms",
    "scaling_text",
    "schedule_details",
    "schedule_facts",
    "schedule_header",
    "schedule_label",
    "schedule_runs",
    "transform_facts",
    "transform_text",
    "update_policy_text",
    "variant_text",
]
