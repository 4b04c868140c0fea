"""``summary``: what a synthesized cloud assembly (``cdk.out``) will deploy, in a few lines.

Reads ``manifest.json`` and the stack templates as plain JSON (no CDK, no AWS): for each
stack its name and environment, each ``Custom::AutopilotModel`` (job, candidate, response
keys, model name prefix), each registration in the model registry (group, job, candidate, keys,
approval status of new versions) and each model of a registered version (the pinned version, or
the group whose newest Approved version it takes), each ``Custom::AutopilotTransformJob`` (input -> output,
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

from .._lambda.autopilot_runtime import contract
from .._private import cfn_text
from .._private.cfn_text import render_value
from . import describe
from .describe import (
    ENDPOINT_CONFIG_TYPE,
    ENDPOINT_TYPE,
    NEXT_RUNS,
    SCHEDULE_TYPE,
    SCHEDULED_TRANSFORM_METADATA,
    Template,
)

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
    """How the assembly displays the stack (``Stage/Stack`` inside a stage): what ``diff`` matches stacks by."""
    environment: str
    template: dict[str, Any]
    stack_name: str = ""
    """The CloudFormation stack name (``Fn::GetStackOutput`` names it); empty: ``name``."""


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
            yield StackArtifact(
                name=name,
                environment=artifact.get("environment", ""),
                template=template,
                stack_name=str(properties.get("stackName") or artifact_id),
            )
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


def _model_line(template: Template, logical_id: str, props: Mapping[str, Any]) -> str:
    return f"  model {template.label(logical_id)}: " + ", ".join(describe.model_details(props))


def _model_package_line(template: Template, logical_id: str, props: Mapping[str, Any]) -> str:
    candidate_name = props.get(contract.CANDIDATE_NAME)
    deleted = describe.is_true(props.get(contract.DELETE_VERSIONS_ON_REMOVAL), default=False)
    details = [
        f"AutoML job {render_value(props.get(contract.AUTOML_JOB_NAME))}",
        f"candidate {render_value(candidate_name) if candidate_name not in (None, '') else 'best'}",
        f"response keys {describe.keys_text(props.get(contract.INFERENCE_RESPONSE_KEYS))}",
        f"new versions {render_value(props.get(contract.MODEL_APPROVAL_STATUS, contract.DEFAULT_APPROVAL_STATUS))}",
        "versions deleted with it" if deleted else "versions kept",
    ]
    group = render_value(props.get(contract.MODEL_PACKAGE_GROUP_NAME))
    return f"  model package {template.label(logical_id)} in group {group}: " + ", ".join(details)


def _package_model_line(template: Template, logical_id: str, props: Mapping[str, Any]) -> str:
    version = props.get(contract.MODEL_PACKAGE_ARN)
    if cfn_text.intrinsic(version) is not None:
        source = f"the version {template.reference(version)} registers in this deployment (deployed only if Approved)"
    elif version not in (None, ""):
        source = f"version {render_value(version)} (pinned; deployed only if Approved)"
    else:
        group = render_value(props.get(contract.MODEL_PACKAGE_GROUP_ARN))
        source = f"the newest Approved version of {group} when the model is created or replaced"
    details = [source, f"name prefix {render_value(props.get(contract.MODEL_NAME_PREFIX))}"]
    if describe.is_true(props.get(contract.SINGLE_CONTAINER_REQUIRED), default=False):
        details.append("single container required (serverless endpoint)")
    return f"  model {template.label(logical_id)} from the model registry: " + ", ".join(details)


def _transform_line(template: Template, logical_id: str, props: Mapping[str, Any]) -> str:
    facts = describe.transform_facts(props)
    model = template.reference(props.get(contract.MODEL_NAME))
    return f"  transform job {template.label(logical_id)}: {describe.transform_text(facts, model)}"


def _endpoint_lines(template: Template) -> Iterator[str]:
    for logical_id, props in template.of_type(ENDPOINT_TYPE):
        variants = describe.endpoint_variants(template, props)
        described = [describe.variant_text(template, variant) for variant in variants]
        yield f"  endpoint {template.label(logical_id)}: " + (", ".join(described) or "no production variants found")
        scaling = describe.scaling_text(template, logical_id, props.get("EndpointName"))
        if scaling:
            retained = " (kept on update)" if describe.is_true(props.get("RetainAllVariantProperties"), default=False) else ""
            yield f"    scaling: {scaling}{retained}"
        update = describe.update_policy_text(props.get("DeploymentConfig"))
        if update:
            yield f"    update: {update}"
        alarms = describe.rollback_alarms(template, props.get("DeploymentConfig"))
        if alarms:
            yield f"    rollback on alarms: {', '.join(alarms)}"


def _schedule_lines(template: Template, now: datetime | None) -> Iterator[str]:
    """Each scheduled transform: expression, time zone, next runs, and what each run reads and writes."""
    now = now or datetime.now(timezone.utc)
    for logical_id, props in template.of_type(SCHEDULE_TYPE):
        facts = describe.schedule_facts(template, logical_id)
        runs = describe.schedule_runs(props, facts, now)
        line = f"  schedule {describe.schedule_label(template, logical_id)}: " + ", ".join(describe.schedule_details(props))
        if runs and runs[0] != "next runs none":
            line += "; " + runs[0]
        yield line
        if not facts:
            continue
        yield f"    each run: {describe.each_run_text(template, facts)}"
        for extra in runs[1:]:
            yield f"    {extra}"


def summarize_stack(stack: StackArtifact, now: datetime | None = None) -> list[str]:
    template = Template(stack.template, stack.name)
    lines = [f"{stack.name} ({describe_environment(stack.environment)})"]
    lines += [_model_line(template, logical_id, props) for logical_id, props in template.of_type(contract.MODEL_RESOURCE_TYPE)]
    lines += [
        _model_package_line(template, logical_id, props)
        for logical_id, props in template.of_type(contract.MODEL_PACKAGE_RESOURCE_TYPE)
    ]
    lines += [
        _package_model_line(template, logical_id, props)
        for logical_id, props in template.of_type(contract.PACKAGE_MODEL_RESOURCE_TYPE)
    ]
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


__all__ = ["ENDPOINT_CONFIG_TYPE", "ENDPOINT_TYPE", "NEXT_RUNS", "SCHEDULED_TRANSFORM_METADATA", "SCHEDULE_TYPE",
           "SummaryError", "StackArtifact", "add_arguments", "describe_environment", "read_stacks", "render_value",
           "run", "summarize", "summarize_stack"]
