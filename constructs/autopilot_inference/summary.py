"""``summary``: what a synthesized cloud assembly (``cdk.out``) will deploy, in a few lines.

Reads ``manifest.json`` and the stack templates as plain JSON (no CDK, no AWS): for each
stack its name and environment, each ``Custom::AutopilotModel`` (job, candidate, response
keys, model name prefix), each ``Custom::AutopilotTransformJob`` (input -> output,
instances, whether the deployment waits), each SageMaker endpoint, each scheduled
transform (expression, time zone, next run times, what each run reads and writes), and a
count of resources. Nested assemblies (``cdk.Stage``) are followed.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import _cfn_text
from ._cfn_text import render_value
from ._lambda.autopilot_runtime import contract
from ._lambda.autopilot_runtime.properties import PropertyError, parse_bool

ENDPOINT_TYPE = "AWS::SageMaker::Endpoint"
ENDPOINT_CONFIG_TYPE = "AWS::SageMaker::EndpointConfig"
SCHEDULE_TYPE = "AWS::Scheduler::Schedule"
# The metadata AutopilotScheduledTransform puts on its schedule (scheduled_transform.SUMMARY_METADATA_KEY).
SCHEDULED_TRANSFORM_METADATA = "autopilot-inference:scheduled-transform"
NEXT_RUNS = 3
_STACK_ARTIFACT = "aws:cloudformation:stack"
_NESTED_ASSEMBLY = "cdk:cloud-assembly"
_AGNOSTIC = ("unknown-account", "unknown-region")
_UNKNOWN = "<a template alone>"
"""The environment of a stack read from a template file outside a cloud assembly: not known."""


class SummaryError(Exception):
    """The directory is not a cloud assembly this command can read."""


@dataclass(frozen=True)
class StackArtifact:
    name: str
    environment: str
    template: dict[str, Any]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SummaryError(f"{path}: not found") from None
    except (OSError, json.JSONDecodeError) as error:
        raise SummaryError(f"{path}: cannot read it as JSON ({error})") from None


def read_stacks(assembly_dir: str | Path) -> list[StackArtifact]:
    """The stacks of a cloud assembly directory, in manifest order; or the one stack of a template file."""
    directory = Path(assembly_dir)
    if directory.is_file():
        return [_template_stack(directory)]
    if not directory.is_dir():
        raise SummaryError(
            f"{directory}: no such directory or file; pass a cloud assembly directory (e.g. cdk.out, after `cdk synth`) "
            "or one template file (cdk.out/<stack>.template.json)"
        )
    if not (directory / "manifest.json").is_file():
        raise SummaryError(f"{directory}: no manifest.json, so not a cloud assembly; run `cdk synth` first")
    return list(_stacks(directory, prefix=""))


def _template_stack(path: Path) -> StackArtifact:
    """A template file's stack: named and placed as its cloud assembly's manifest says, else by the file's name."""
    template = _read_json(path)
    if not isinstance(template, Mapping) or not isinstance(template.get("Resources"), Mapping):
        raise SummaryError(f"{path}: not a CloudFormation template (no Resources object)")
    manifest = _read_json(path.parent / "manifest.json") if (path.parent / "manifest.json").is_file() else {}
    artifacts = manifest.get("artifacts", {}) if isinstance(manifest, Mapping) else {}
    for artifact_id, artifact in artifacts.items():
        properties = artifact.get("properties", {})
        if artifact.get("type") == _STACK_ARTIFACT and properties.get("templateFile") == path.name:
            name = artifact.get("displayName") or properties.get("stackName") or artifact_id
            return StackArtifact(name=name, environment=artifact.get("environment", ""), template=dict(template))
    return StackArtifact(name=path.name.removesuffix(".json").removesuffix(".template"), environment=_UNKNOWN,
                         template=dict(template))


def _stacks(directory: Path, prefix: str) -> Iterator[StackArtifact]:
    manifest = _read_json(directory / "manifest.json")
    artifacts = manifest.get("artifacts", {}) if isinstance(manifest, Mapping) else {}
    for artifact_id, artifact in artifacts.items():
        kind = artifact.get("type")
        properties = artifact.get("properties", {})
        if kind == _STACK_ARTIFACT:
            name = artifact.get("displayName") or properties.get("stackName") or artifact_id
            if prefix and "/" not in name:
                name = f"{prefix}/{name}"
            template = _read_json(directory / properties["templateFile"])
            yield StackArtifact(name=name, environment=artifact.get("environment", ""), template=template)
        elif kind == _NESTED_ASSEMBLY and properties.get("directoryName"):
            nested_prefix = properties.get("displayName") or artifact_id.removeprefix("assembly-")
            yield from _stacks(directory / properties["directoryName"], nested_prefix)


def describe_environment(environment: str) -> str:
    """``aws://account/region`` as people say it; ``environment-agnostic`` when neither is set."""
    if environment == _UNKNOWN:
        return "environment unknown: a template outside a cloud assembly"
    account, _, region = environment.removeprefix("aws://").partition("/")
    if not environment or (account, region) == _AGNOSTIC:
        return "environment-agnostic"
    if account == _AGNOSTIC[0]:
        return f"region {region}, any account"
    if region == _AGNOSTIC[1]:
        return f"account {account}, any region"
    return f"account {account}, region {region}"


def _is_true(value: Any, default: bool) -> bool:
    """A template's boolean as the handler reads it; a value the handler would refuse counts as false."""
    try:
        return parse_bool(value, "", default)
    except PropertyError:
        return False


class _Template:
    def __init__(self, stack: StackArtifact) -> None:
        self.stack = stack
        resources = stack.template.get("Resources", {}) if isinstance(stack.template, Mapping) else {}
        self.resources: Mapping[str, Mapping[str, Any]] = resources if isinstance(resources, Mapping) else {}

    def of_type(self, resource_type: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for logical_id, resource in self.resources.items():
            if resource.get("Type") == resource_type:
                yield logical_id, resource.get("Properties", {}) or {}

    def label(self, logical_id: str) -> str:
        """The construct path inside the stack when the template records it, else the logical id."""
        path = (self.resources.get(logical_id, {}).get("Metadata") or {}).get("aws:cdk:path")
        if not isinstance(path, str):
            return logical_id
        parts = path.split("/")[1:]  # drop the stack
        while len(parts) > 1 and (parts[-1] in ("Default", "Resource") or parts[-1] == parts[-2]):
            parts.pop()  # Model/Resource/Default -> Model, Endpoint/Endpoint -> Endpoint
        return "/".join(parts) or logical_id

    def reference(self, value: Any) -> str:
        """A property that points at another resource of this template, shown by its label."""
        found = _cfn_text.intrinsic(value)
        if found is not None:
            function, argument = found
            target = None
            if function == _cfn_text.REF:
                target = argument
            elif function == _cfn_text.GET_ATT:
                target = _cfn_text.get_att_parts(argument)[0]
            if isinstance(target, str) and target in self.resources:
                return self.label(target)
        return render_value(value)


def _model_line(template: _Template, logical_id: str, props: Mapping[str, Any]) -> str:
    keys = props.get(contract.INFERENCE_RESPONSE_KEYS)
    keys_text = render_value(keys) if keys not in (None, "", []) else "container defaults"
    candidate_name = props.get(contract.CANDIDATE_NAME)
    candidate = render_value(candidate_name) if candidate_name not in (None, "") else "best"
    details = [
        f"AutoML job {render_value(props.get(contract.AUTOML_JOB_NAME))}",
        f"candidate {candidate}",
        f"response keys {keys_text}",
        f"name prefix {render_value(props.get(contract.MODEL_NAME_PREFIX))}",
    ]
    unit = props.get(contract.PROCESSING_UNIT)
    if unit not in (None, "", contract.DEFAULT_PROCESSING_UNIT):
        details.append(f"{render_value(unit)} containers")
    if _is_true(props.get(contract.SINGLE_CONTAINER_REQUIRED), default=False):
        details.append("single container required (serverless endpoint)")
    copy_of = (template.resources.get(logical_id, {}).get("Metadata") or {}).get(contract.MODEL_COPY_METADATA)
    if isinstance(copy_of, str):
        return f"  model (this stack's copy of {copy_of}): " + ", ".join(details)
    return f"  model {template.label(logical_id)}: " + ", ".join(details)


def _transform_line(template: _Template, logical_id: str, props: Mapping[str, Any]) -> str:
    source = ((props.get(contract.TRANSFORM_INPUT) or {}).get("DataSource") or {}).get("S3DataSource") or {}
    output = props.get(contract.TRANSFORM_OUTPUT) or {}
    resources = props.get(contract.TRANSFORM_RESOURCES) or {}
    if _is_true(props.get(contract.WAIT_FOR_COMPLETION), default=True):
        timeout = props.get(contract.WAIT_TIMEOUT_SECONDS)
        try:
            wait = f"waits for completion (up to {int(str(timeout)) // 60} min)" if timeout not in (None, "") else "waits for completion"
        except ValueError:
            wait = "waits for completion"
    else:
        wait = "does not wait for completion"
    return (
        f"  transform job {template.label(logical_id)}: "
        f"{render_value(source.get('S3Uri'))} -> {render_value(output.get('S3OutputPath'))}, "
        f"{render_value(resources.get('InstanceType'))} x {render_value(resources.get('InstanceCount', 1))}, "
        f"model {template.reference(props.get(contract.MODEL_NAME))}, {wait}"
    )


def _variant_text(template: _Template, variant: Mapping[str, Any]) -> str:
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


def _capacity(size: Any) -> str:
    if not isinstance(size, Mapping):
        return render_value(size)
    unit = " %" if size.get("Type") == "CAPACITY_PERCENT" else " instance(s)"
    return f"{render_value(size.get('Value'))}{unit}"


def _update_text(deployment: Mapping[str, Any]) -> str | None:
    """``DeploymentConfig`` in words: the update policy (serve, issue 13)."""
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


def _scaling_text(template: _Template, endpoint_id: str, endpoint_name: Any) -> str | None:
    """The scalable target of the endpoint's variant, if any (serve, issue 13)."""
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


def _endpoint_lines(template: _Template) -> Iterator[str]:
    for logical_id, props in template.of_type(ENDPOINT_TYPE):
        config_ref = props.get("EndpointConfigName")
        config_id = None
        if isinstance(config_ref, Mapping):
            argument = config_ref.get("Ref") or config_ref.get("Fn::GetAtt")
            config_id = argument[0] if isinstance(argument, list) else argument
        config = template.resources.get(config_id, {}) if isinstance(config_id, str) else {}
        variants = (config.get("Properties") or {}).get("ProductionVariants") or []
        described = [_variant_text(template, variant) for variant in variants if isinstance(variant, Mapping)]
        yield f"  endpoint {template.label(logical_id)}: " + (", ".join(described) or "no production variants found")
        scaling = _scaling_text(template, logical_id, props.get("EndpointName"))
        if scaling:
            retained = " (kept on update)" if _is_true(props.get("RetainAllVariantProperties"), default=False) else ""
            yield f"    scaling: {scaling}{retained}"
        deployment = props.get("DeploymentConfig")
        if isinstance(deployment, Mapping):
            update = _update_text(deployment)
            if update:
                yield f"    update: {update}"
            alarms = ((deployment.get("AutoRollbackConfiguration") or {}).get("Alarms")) or []
            if alarms:
                names = [template.reference(alarm.get("AlarmName")) for alarm in alarms if isinstance(alarm, Mapping)]
                yield f"    rollback on alarms: {', '.join(names)}"


def _schedule_lines(template: _Template, now: datetime | None) -> Iterator[str]:
    """Each scheduled transform: expression, time zone, next runs, and what each run reads and writes."""
    from . import _run_locations as locations
    from . import _schedules as schedules

    now = now or datetime.now(timezone.utc)
    for logical_id, props in template.of_type(SCHEDULE_TYPE):
        facts = (template.resources[logical_id].get("Metadata") or {}).get(SCHEDULED_TRANSFORM_METADATA)
        expression = props.get("ScheduleExpression")
        zone = props.get("ScheduleExpressionTimezone")
        window = props.get("FlexibleTimeWindow") or {}
        details = [render_value(expression), f"time zone {zone or 'UTC'}"]
        details.append("enabled" if props.get("State", "ENABLED") == "ENABLED" else "DISABLED")
        if window.get("Mode") == "FLEXIBLE":
            details.append(f"flexible window {render_value(window.get('MaximumWindowInMinutes'))} min")
        label = template.label(logical_id)
        if label.endswith("/Schedule"):
            label = label[: -len("/Schedule")]
        prefix = str(facts.get("JobNamePrefix")) if isinstance(facts, Mapping) else None
        source = facts.get("InputS3Uri") if isinstance(facts, Mapping) else None
        target = facts.get("OutputS3Uri") if isinstance(facts, Mapping) else None
        runs: list[str] = []
        if isinstance(expression, str) and (zone is None or isinstance(zone, str)):
            try:
                start = datetime.fromisoformat(props["StartDate"]) if isinstance(props.get("StartDate"), str) else None
                runs = schedules.describe_runs(
                    expression,
                    zone,
                    now=now,
                    count=NEXT_RUNS,
                    start=start,
                    job_name_prefix=prefix,
                    input_s3_uri=source if isinstance(source, str) else None,
                    output_s3_uri=target if isinstance(target, str) else None,
                )
            except (schedules.ScheduleError, locations.LocationTemplateError, ValueError):
                runs = []
        line = f"  schedule {label}: " + ", ".join(details)
        if runs and runs[0] != "next runs none":
            line += "; " + runs[0]
        yield line
        if not isinstance(facts, Mapping):
            continue
        yield (
            f"    each run: transform job {prefix}-<YYYYMMDD>t<HHMM>-<run id>, model "
            f"{template.reference(facts.get('ModelName'))}, {render_value(facts.get('InstanceType'))} x "
            f"{render_value(facts.get('InstanceCount', 1))}: reads {render_value(source)}, writes {render_value(target)}"
        )
        for extra in runs[1:]:
            yield f"    {extra}"


def summarize_stack(stack: StackArtifact, now: datetime | None = None) -> list[str]:
    template = _Template(stack)
    lines = [f"{stack.name} ({describe_environment(stack.environment)})"]
    lines += [_model_line(template, logical_id, props) for logical_id, props in template.of_type(contract.MODEL_RESOURCE_TYPE)]
    lines += [_transform_line(template, logical_id, props) for logical_id, props in template.of_type(contract.TRANSFORM_JOB_RESOURCE_TYPE)]
    lines += list(_endpoint_lines(template))
    lines += list(_schedule_lines(template, now))
    counts = Counter(str(resource.get("Type")) for resource in template.resources.values())
    if counts:
        by_type = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        lines.append(f"  {sum(counts.values())} resources: {by_type}")
    else:
        lines.append("  0 resources")
    return lines


def summarize(assembly_dir: str | Path, now: datetime | None = None) -> str:
    """The whole summary of a cloud assembly directory (next runs counted from ``now``, default: now)."""
    stacks = read_stacks(assembly_dir)
    header = f"{assembly_dir}: {len(stacks)} stack{'s' if len(stacks) != 1 else ''}"
    blocks = ["\n".join(summarize_stack(stack, now)) for stack in stacks]
    return "\n\n".join([header, *blocks])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``summary`` subcommand's arguments."""
    parser.add_argument(
        "cdk_out", metavar="CDK_OUT_DIR", help="a synthesized cloud assembly, e.g. cdk.out, or one <stack>.template.json"
    )


def run(args: argparse.Namespace) -> str:
    return summarize(args.cdk_out)


__all__ = ["SummaryError", "StackArtifact", "add_arguments", "describe_environment", "read_stacks", "render_value",
           "run", "summarize", "summarize_stack"]
