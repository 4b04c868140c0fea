"""Test support for the synth-time constructs: stacks, templates and rendered policies."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")

from aws_cdk import App, Stack, Stage  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402
from aws_cdk.cx_api import CloudAssembly  # noqa: E402

from autopilot_inference._private import cfn_text  # noqa: E402

from .template_lint import check_assembly_directory, check_template_files  # noqa: E402

BUCKET = "autopilot-bucket"
OUTPUT_URI = f"s3://{BUCKET}/autopilot/output"
INPUT_URI = f"s3://{BUCKET}/batch/input"
RESULT_URI = f"s3://{BUCKET}/batch/results"
JOB = "churn-job"

MODEL = "Custom::AutopilotModel"
TRANSFORM = "Custom::AutopilotTransformJob"

# Values a deployment would substitute, to measure policies as IAM counts them.
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "ap-southeast-2", "AWS::AccountId": "111122223333"}
# A role ARN as CloudFormation generates it (64-character name), for GetAtt role.Arn.
GENERATED_ROLE_ARN = "arn:aws:iam::111122223333:role/StackName-AutopilotInferenceExecutionRole" + "R" * 64


def new_stack(name: str = "TestStack") -> Stack:
    """An environment-agnostic stack in its own app."""
    return Stack(App(), name)


# Every test synthesizes through checked_template / template_json / checked_synth: the templates
# it makes are cfn-linted and IAM-checked there, and a refused one fails that test (support.template_lint).


def checked_template(stack: Stack) -> Template:
    """``Template.from_stack(stack)``, after cfn-lint and the IAM reference passed its template (else fails here)."""
    template = Template.from_stack(stack)
    check_template_files([Path(Stage.of(stack).outdir) / stack.template_file])
    return template


def template_json(stack: Stack) -> dict[str, Any]:
    """The stack's synthesized template, checked as :func:`checked_template` does."""
    return checked_template(stack).to_json()


def checked_synth(stage: Stage, **options: Any) -> CloudAssembly:
    """``stage.synth(**options)`` (an ``App`` or a ``Stage``), after every template of the assembly passed
    cfn-lint and the IAM reference (else fails here)."""
    assembly = stage.synth(**options)
    check_assembly_directory(assembly.directory)
    return assembly


def resources(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource of one type."""
    return {key: value for key, value in template["Resources"].items() if value["Type"] == type_}


def logical_id(stack: Stack, construct: Any) -> str:
    """The logical id of an L1 (or of an L2's default child)."""
    node = construct if hasattr(construct, "logical_id") else construct.node.default_child
    return stack.resolve(node.logical_id)


def custom_resource_id(stack: Stack, construct: Any) -> str:
    """The logical id of an Autopilot construct's custom resource (its public ``resource``'s ``Ref``)."""
    reference = stack.resolve(construct.resource.ref)
    assert set(reference) == {"Ref"}, reference
    return str(reference["Ref"])


def role_policy_id(template: dict[str, Any], stack: Stack, role: Any) -> str:
    """The logical id of the one ``AWS::IAM::Policy`` of ``template`` attached to ``role`` (its default policy)."""
    (policy_id,) = role_policy_ids(template, logical_id(stack, role))
    return policy_id


def role_policy_ids(template: dict[str, Any], role_id: str) -> set[str]:
    """Logical ids of the ``AWS::IAM::Policy`` resources of ``template`` attached to the role ``role_id``."""
    return {
        policy_id for policy_id, policy in resources(template, "AWS::IAM::Policy").items()
        if {"Ref": role_id} in policy["Properties"].get("Roles", [])
    }


def custom_resource(template: dict[str, Any], stack: Stack, construct: Any) -> dict[str, Any]:
    """The template entry of an AutopilotModel / AutopilotBatchTransform's custom resource."""
    return template["Resources"][custom_resource_id(stack, construct)]


def render(value: Any, get_att: Callable[[str, str], str] | None = None) -> Any:
    """A template value with pseudo parameters, Fn::Join and GetAtt replaced by strings."""
    return cfn_text.resolve(
        value,
        cfn_text.Notation(
            ref=lambda name: PSEUDO.get(name, "${" + name + "}"),
            get_att=lambda parts: get_att(*parts) if get_att else "${" + ".".join(parts) + "}",
            functions=frozenset({cfn_text.REF, cfn_text.JOIN, cfn_text.GET_ATT}),
        ),
    )


def deployed_policy_size(document: dict[str, Any]) -> int:
    """Characters of a policy document as IAM counts them (no whitespace), after deployment."""
    rendered = render(document, lambda _resource, _attribute: GENERATED_ROLE_ARN)
    return len(json.dumps(rendered, separators=(",", ":")))


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return document["Statement"]


def by_sid(document: dict[str, Any], sid: str) -> dict[str, Any]:
    matches = [statement for statement in statements(document) if statement.get("Sid") == sid]
    assert len(matches) == 1, f"expected one statement {sid}, got {matches}"
    return matches[0]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def handler_policy(template: dict[str, Any]) -> dict[str, Any]:
    """The provider's HandlerPolicy document."""
    matches = [
        value
        for key, value in resources(template, "AWS::IAM::Policy").items()
        if key.startswith("AutopilotInferenceProviderHandlerPolicy")
    ]
    assert len(matches) == 1
    return matches[0]["Properties"]["PolicyDocument"]


def inline_policy(template: dict[str, Any], role_id: str, name: str = "AutopilotModelExecution") -> dict[str, Any]:
    role = template["Resources"][role_id]
    (policy,) = [p for p in role["Properties"]["Policies"] if p["PolicyName"] == name]
    return policy["PolicyDocument"]


def references(value: Any) -> set[str]:
    """The logical ids a template value points at with ``Ref`` or ``Fn::GetAtt``."""
    if isinstance(value, list):
        return set().union(*(references(item) for item in value)) if value else set()
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return {value["Ref"]}
        if set(value) == {"Fn::GetAtt"}:
            return {value["Fn::GetAtt"][0]}
        return set().union(*(references(item) for item in value.values())) if value else set()
    return set()


def waits_for(template: dict[str, Any], logical_id: str, target: str) -> bool:
    """Whether CloudFormation creates ``target`` before ``logical_id``: ``DependsOn``, ``Ref`` and
    ``Fn::GetAtt`` followed transitively."""
    resources_ = template["Resources"]
    seen: set[str] = set()
    pending = [logical_id]
    while pending:
        current = pending.pop()
        resource = resources_.get(current, {})
        direct = set(as_list(resource.get("DependsOn", []))) | references(resource.get("Properties", {}))
        for dependency in direct - seen:
            if dependency == target:
                return True
            seen.add(dependency)
            pending.append(dependency)
    return False


def allows(document: dict[str, Any], action: str, resource: str, condition: dict[str, Any] | None = None) -> bool:
    """Whether a statement of ``document`` allows ``action`` on ``resource`` (both as :func:`render` shows them).

    ``condition``, when given, must be the statement's whole ``Condition``.
    """
    return any(
        statement["Effect"] == "Allow"
        and action in as_list(statement["Action"])
        and resource in as_list(statement["Resource"])
        and (condition is None or statement.get("Condition") == condition)
        for statement in render(document["Statement"])
    )


def all_strings(value: Any) -> Iterator[str]:
    """Every string literal inside a template value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from all_strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from all_strings(item)


ACCOUNT_PATTERN = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
REGION_PATTERN = re.compile(
    r"\b(us|eu|ap|sa|ca|me|af|il|mx|cn|us-gov)-(north|south|east|west|central|northeast|southeast|northwest|southwest|gov-east|gov-west)-[0-9]\b"
)
