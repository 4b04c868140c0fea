"""``diff``: what deploying one synthesized app (NEW) over another (OLD) does with the library's resources.

Each side is a cloud assembly directory (``cdk.out``; stages' nested assemblies included, stacks matched by
their display name) or one template file (JSON or YAML, or what ``aws cloudformation get-template`` saves).
Reads files only: no CDK, no AWS.

Per stack and construct path it reports :class:`Effect` s of the kinds in :data:`KINDS`:

- a model is replaced when the handler would replace it: its configuration
  (``properties.model_configuration``) changed, by the rule ``lifecycle.replaces`` applies at deploy time;
- a transform job starts when its job configuration (``properties.job_configuration``) changed, or a value of
  it changes at deploy time (``ModelName`` is a ``Fn::GetAtt`` of a replaced model, here or, through a stack
  output, ``Fn::ImportValue`` or ``Fn::GetStackOutput``, in another stack), or it is new (a construct renamed);
- an endpoint is redeployed when the configuration it names is replaced (any change but tags, including the
  model it names being replaced) or its name changes; the deployment is its ``DeploymentConfig``;
- a scheduled transform's schedule changes (timing, locations, instances) or the model its runs use is replaced;
- the statements of the roles the library owns change; the library's resources are removed.

The functions over parsed templates are pure (:func:`diff_stacks`); reading files is at the edge (:func:`read_side`).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._lambda.autopilot_runtime import contract
from .._lambda.autopilot_runtime.properties import configuration_changes, job_configuration, model_configuration
from .._private import cfn_text
from .._private.cfn_text import render_value
from .._private.ids import STACK_SINGLETON_IDS
from . import describe
from .describe import ENDPOINT_CONFIG_TYPE, ENDPOINT_TYPE, SCHEDULE_TYPE, Template
from .summary import StackArtifact, SummaryError, read_stacks

MODEL_CREATED = "model-created"
MODEL_REPLACED = "model-replaced"
MODEL_DELETED = "model-deleted"
ENDPOINT_REDEPLOYED = "endpoint-redeployed"
TRANSFORM_STARTED = "transform-started"
SCHEDULE_CHANGED = "schedule-changed"
PERMISSIONS_CHANGED = "permissions-changed"
RESOURCE_REMOVED = "resource-removed"
KINDS = (
    MODEL_CREATED,
    MODEL_REPLACED,
    MODEL_DELETED,
    ENDPOINT_REDEPLOYED,
    TRANSFORM_STARTED,
    SCHEDULE_CHANGED,
    PERMISSIONS_CHANGED,
    RESOURCE_REMOVED,
)
SCHEMA_FILE = Path(__file__).with_name("diff.schema.json")
"""The JSON Schema of ``diff --format json`` (shipped in the package)."""

# Why a model is replaced: the word for each property of its configuration (others: the property's name).
MODEL_REASONS: Mapping[str, str] = {
    contract.INFERENCE_RESPONSE_KEYS: "keys",
    contract.CANDIDATE_NAME: "candidate",
    contract.PROCESSING_UNIT: "candidate",
    contract.AUTOML_JOB_NAME: "job",
    contract.SOURCE_ROLE_ARN: "job",
    contract.EXECUTION_ROLE_ARN: "role",
    contract.VPC_CONFIG: "network",
    contract.ENABLE_NETWORK_ISOLATION: "network",
    contract.MODEL_NAME_PREFIX: "prefix",
    contract.ARTIFACT_S3_URI: "artifacts",
    contract.SINGLE_CONTAINER_REQUIRED: "serving",
}
# Properties that name a resource (or the model, which may be renamed with it) rather than define it: left out
# when telling a renamed construct.
_NAMING = (contract.MODEL_NAME_PREFIX, contract.TRANSFORM_JOB_NAME_PREFIX, contract.MODEL_NAME)
_ROLE_TYPE = "AWS::IAM::Role"
_POLICY_TYPE = "AWS::IAM::Policy"
_GET_STACK_OUTPUT = "Fn::GetStackOutput"
_NO_DEPLOYMENT_CONFIG = "all at once (no deployment configuration)"
_TEMPLATE_SUFFIXES = (".template.json", ".template.yaml", ".template.yml", ".json", ".yaml", ".yml", ".template")


class DiffUsageError(Exception):
    """The command cannot run as invoked (arguments, files); exit status 2."""


@dataclass(frozen=True)
class Effect:
    """One thing a deployment does: ``kind`` (of :data:`KINDS`) to ``construct`` of ``stack``, with ``detail``."""

    stack: str
    construct: str
    kind: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "construct": self.construct, "kind": self.kind, "detail": dict(self.detail)}


# --- Matching stacks --------------------------------------------------------------------------------


def pair_stacks(
    old: Sequence[StackArtifact], new: Sequence[StackArtifact], *, matched_only: bool = False
) -> list[tuple[str, StackArtifact | None, StackArtifact | None]]:
    """``(name, old, new)`` for every stack, matched by name (in NEW's order, then the removed ones); one stack on
    each side is matched whatever its name (two template files, or a file and a one-stack assembly).
    ``matched_only``: only the stacks on both sides (a template file stands for one stack, not for a whole app)."""
    if len(old) == 1 and len(new) == 1:
        return [(new[0].name, old[0], new[0])]
    before = {stack.name: stack for stack in old}
    if matched_only:
        return [(stack.name, before[stack.name], stack) for stack in new if stack.name in before]
    pairs: list[tuple[str, StackArtifact | None, StackArtifact | None]] = [
        (stack.name, before.get(stack.name), stack) for stack in new
    ]
    names = {stack.name for stack in new}
    pairs += [(stack.name, stack, None) for stack in old if stack.name not in names]
    return pairs


# --- Values that change at deploy time --------------------------------------------------------------


@dataclass
class _Changes:
    """What changes value at deploy time: replaced resources per stack, and the outputs and exports that carry them."""

    resources: dict[str, dict[str, str]] = field(default_factory=dict)
    """stack name -> logical id (in NEW) -> why its value changes (``model Model replaced``)."""
    outputs: dict[tuple[str, str], str] = field(default_factory=dict)
    """(CloudFormation stack name, output name) -> why."""
    exports: dict[str, str] = field(default_factory=dict)
    """export name -> why."""
    sources: dict[tuple[str, str], str] = field(default_factory=dict)
    """(stack name, output name) or ("", export name) -> the construct the value comes from (``Churn: Model``)."""


def _walk(value: Any) -> Iterator[Any]:
    yield value
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _cross_stack_key(value: Any) -> tuple[str, str] | None:
    """``(stack, output)`` of a ``Fn::GetStackOutput``, ``("", export)`` of a ``Fn::ImportValue`` (literal names)."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return None
    ((function, argument),) = value.items()
    if function == _GET_STACK_OUTPUT and isinstance(argument, Mapping):
        stack, output = argument.get("StackName"), argument.get("OutputName")
        if isinstance(stack, str) and isinstance(output, str):
            return stack, output
    if function == cfn_text.IMPORT_VALUE and isinstance(argument, str):
        return "", argument
    return None


def dependencies(value: Any, template: Template, stack: str, changes: _Changes) -> list[str]:
    """Why ``value`` (a property of ``stack``'s NEW template) changes at deploy time though its text does not:
    references to replaced resources of the stack, and imports of outputs that carry one."""
    reasons: list[str] = []
    replaced = changes.resources.get(stack, {})
    for item in _walk(value):
        target = template.target(item)
        if target is not None and target in replaced:
            reasons.append(replaced[target])
        key = _cross_stack_key(item)
        if key is not None:
            reason = changes.exports.get(key[1]) if key[0] == "" else changes.outputs.get(key)
            if reason is not None:
                reasons.append(reason)
    return list(dict.fromkeys(reasons))


def _label_of(value: Any, template: Template, changes: _Changes) -> str:
    """A reference as a reader names it: the construct in this template, or the construct of another stack."""
    for item in _walk(value):
        key = _cross_stack_key(item)
        if key is not None and key in changes.sources:
            return changes.sources[key]
    return template.reference(value)


# --- Models -----------------------------------------------------------------------------------------


def _shape(props: Mapping[str, Any], template: Template, defining: Callable[[Mapping[str, Any]], Mapping[str, Any]]) -> str:
    """A resource's configuration without its names and with references by construct: equal for a renamed construct."""
    kept = {name: value for name, value in defining(props).items() if name not in _NAMING}
    resolved = cfn_text.resolve(kept, cfn_text.Notation(ref=lambda name: template.label(str(name)),
                                                            get_att=lambda parts: template.label(str(parts[0]))))
    return json.dumps(resolved, sort_keys=True)


def _renames(
    old: Template, new: Template, removed: Sequence[str], added: Sequence[str],
    defining: Callable[[Mapping[str, Any]], Mapping[str, Any]],
) -> dict[str, str]:
    """New logical id -> old logical id, for resources whose construct was renamed (same configuration)."""
    pending = {_shape(old.properties(logical_id), old, defining): logical_id for logical_id in removed}
    found = {}
    for logical_id in added:
        shape = _shape(new.properties(logical_id), new, defining)
        if shape in pending:
            found[logical_id] = pending.pop(shape)
    return found


def _value_text(name: str, value: Any) -> str:
    if name == contract.INFERENCE_RESPONSE_KEYS:
        return describe.keys_text(value)
    return "-" if value in (None, "") else render_value(value)


def _model_effects(stack: str, old: Template, new: Template, changes: _Changes) -> list[Effect]:
    before = dict(old.of_type(contract.MODEL_RESOURCE_TYPE))
    after = dict(new.of_type(contract.MODEL_RESOURCE_TYPE))
    removed = [logical_id for logical_id in before if logical_id not in after]
    added = [logical_id for logical_id in after if logical_id not in before]
    renamed = _renames(old, new, removed, added, model_configuration)
    replaced = changes.resources.setdefault(stack, {})
    effects: list[Effect] = []
    for logical_id, props in after.items():
        label = new.label(logical_id)
        description = ", ".join(describe.model_details(props))
        if logical_id not in before:
            detail: dict[str, Any] = {"model": description}
            if logical_id in renamed:
                detail["renamed_from"] = old.label(renamed[logical_id])
            effects.append(Effect(stack, label, MODEL_CREATED, detail))
            continue
        changed = configuration_changes(before[logical_id], props, model_configuration)
        if not changed:
            continue
        replaced[logical_id] = f"model {label} replaced"
        effects.append(Effect(stack, label, MODEL_REPLACED, {
            "reasons": list(dict.fromkeys(MODEL_REASONS.get(name, name) for name in changed)),
            "changes": {
                name: {"before": _value_text(name, before[logical_id].get(name)), "after": _value_text(name, props.get(name))}
                for name in changed
            },
            "model": description,
        }))
    renamed_to = {old_id: new_id for new_id, old_id in renamed.items()}
    for logical_id in removed:
        detail = {"model": ", ".join(describe.model_details(before[logical_id]))}
        if logical_id in renamed_to:
            detail["renamed_to"] = new.label(renamed_to[logical_id])
        effects.append(Effect(stack, old.label(logical_id), MODEL_DELETED, detail))
    return effects


def _output_changes(stack: StackArtifact, old: Template, new: Template, changes: _Changes) -> None:
    """Record the outputs (and exports) of ``stack`` whose values change at deploy time, and what they carry."""
    name = stack.stack_name or stack.name
    old_outputs = old.template.get("Outputs") or {}
    for output_name, output in (old_outputs.items() if isinstance(old_outputs, Mapping) else ()):
        target = old.target(output.get("Value")) if isinstance(output, Mapping) else None
        if target is None:
            continue
        # What the old side imported, by construct (a renamed model's old output or export).
        changes.sources.setdefault((name, str(output_name)), f"{stack.name}: {old.label(target)}")
        export = output.get("Export")
        if isinstance(export, Mapping) and isinstance(export.get("Name"), str):
            changes.sources.setdefault(("", export["Name"]), f"{stack.name}: {old.label(target)}")
    for output_name, output in (new.template.get("Outputs") or {}).items():
        if not isinstance(output, Mapping):
            continue
        value = output.get("Value")
        export = (output.get("Export") or {}).get("Name") if isinstance(output.get("Export"), Mapping) else None
        target = new.target(value)
        source = f"{stack.name}: {new.label(target)}" if target is not None else render_value(value)
        changes.sources[(name, str(output_name))] = source
        if isinstance(export, str):
            changes.sources[("", export)] = source
        reasons = dependencies(value, new, stack.name, changes)
        previous = old_outputs.get(output_name) if isinstance(old_outputs, Mapping) else None
        if previous is not None and isinstance(previous, Mapping) and previous.get("Value") != value and not reasons:
            reasons = [f"output {output_name} of stack {name} changed"]
        if not reasons:
            continue
        why = "; ".join(f"{reason} (stack {stack.name})" for reason in reasons)
        changes.outputs[(name, str(output_name))] = why
        if isinstance(export, str):
            changes.exports[export] = (
                f"{why}; CloudFormation refuses to change export {export} while another stack imports it: "
                "the producing stack's update fails (use weak references, @aws-cdk/core:defaultCrossStackReferences)"
            )


# --- Transform jobs ---------------------------------------------------------------------------------


def _transform_effects(stack: str, old: Template, new: Template, changes: _Changes) -> list[Effect]:
    before = dict(old.of_type(contract.TRANSFORM_JOB_RESOURCE_TYPE))
    after = dict(new.of_type(contract.TRANSFORM_JOB_RESOURCE_TYPE))
    added = [logical_id for logical_id in after if logical_id not in before]
    renamed = _renames(old, new, [i for i in before if i not in after], added, job_configuration)
    effects = []
    for logical_id, props in after.items():
        model = _label_of(props.get(contract.MODEL_NAME), new, changes)
        if logical_id not in before:
            reasons = [f"construct renamed from {old.label(renamed[logical_id])}"] if logical_id in renamed else ["new transform job"]
        else:
            reasons = dependencies(job_configuration(props), new, stack, changes)
            for name in configuration_changes(before[logical_id], props, job_configuration):
                if name == contract.MODEL_NAME:
                    previous = _label_of(before[logical_id].get(name), old, changes)
                    reasons.append(f"model {previous} -> {model}")
                else:
                    reasons.append(f"{name} changed")
        if not reasons:
            continue
        facts = describe.transform_facts(props)
        effects.append(Effect(stack, new.label(logical_id), TRANSFORM_STARTED, {
            "reasons": list(dict.fromkeys(reasons)),
            "model": model,
            "reads": facts.reads,
            "writes": facts.writes,
            "instances": facts.instances,
            "waits": facts.waits,
            "wait_timeout_minutes": facts.wait_timeout_minutes,
        }))
    return effects


# --- Endpoints --------------------------------------------------------------------------------------


def _without_tags(props: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in props.items() if name != contract.TAGS}


def _variants(template: Template, endpoint_props: Mapping[str, Any]) -> list[str]:
    return [describe.variant_text(template, variant) for variant in describe.endpoint_variants(template, endpoint_props)]


def _config_replacements(stack: str, old: Template, new: Template, changes: _Changes) -> dict[str, list[str]]:
    """Endpoint configurations (NEW logical ids) that are replaced, and why; every change but tags replaces one."""
    before = dict(old.of_type(ENDPOINT_CONFIG_TYPE))
    replaced = {}
    for logical_id, props in new.of_type(ENDPOINT_CONFIG_TYPE):
        reasons = dependencies(_without_tags(props), new, stack, changes)
        if logical_id in before:
            previous = _without_tags(before[logical_id])
            reasons += [f"{name} changed" for name in sorted({*previous, *_without_tags(props)})
                        if previous.get(name) != props.get(name)]
        else:
            reasons.append("new endpoint configuration")
        if reasons:
            replaced[logical_id] = list(dict.fromkeys(reasons))
    return replaced


def _endpoint_effects(stack: str, old: Template, new: Template, changes: _Changes) -> list[Effect]:
    configs = _config_replacements(stack, old, new, changes)
    before = dict(old.of_type(ENDPOINT_TYPE))
    effects = []
    for logical_id, props in new.of_type(ENDPOINT_TYPE):
        if logical_id not in before:
            continue  # a new endpoint is created, not redeployed
        previous = before[logical_id]
        config_id = describe.endpoint_config_id(new, props)
        reasons: list[str] = []
        if config_id is not None and config_id in configs:
            reasons += configs[config_id]
        elif previous.get("EndpointConfigName") != props.get("EndpointConfigName"):
            reasons.append("EndpointConfigName changed")
        if previous.get("EndpointName") != props.get("EndpointName"):
            reasons.append("endpoint name changed: a new endpoint replaces it")
        if not reasons:
            continue
        variants_before, variants_after = _variants(old, previous), _variants(new, props)
        deployment = props.get("DeploymentConfig")
        detail: dict[str, Any] = {
            "reasons": reasons,
            "deployment": describe.update_policy_text(deployment) or _NO_DEPLOYMENT_CONFIG,
            "rollback_alarms": describe.rollback_alarms(new, deployment),
            "variants": variants_after,
        }
        if variants_before != variants_after:
            detail["variants_before"] = variants_before
        serverless = [
            isinstance(variant.get("ServerlessConfig"), Mapping)
            for template, endpoint in ((old, previous), (new, props))
            for variant in describe.endpoint_variants(template, endpoint)
        ]
        detail["serverless"] = any(serverless)
        effects.append(Effect(stack, new.label(logical_id), ENDPOINT_REDEPLOYED, detail))
    return effects


# --- Schedules --------------------------------------------------------------------------------------


def _schedule_effects(stack: str, old: Template, new: Template, changes: _Changes, now: datetime) -> list[Effect]:
    before = {logical_id: props for logical_id, props in old.of_type(SCHEDULE_TYPE)
              if describe.schedule_facts(old, logical_id)}
    effects = []
    for logical_id, props in new.of_type(SCHEDULE_TYPE):
        facts = describe.schedule_facts(new, logical_id)
        if not facts:
            continue  # not a scheduled transform's schedule
        if logical_id in before:
            previous, old_facts = before[logical_id], describe.schedule_facts(old, logical_id)
            reasons = [f"{name} changed" for name in describe.SCHEDULE_TIMING if previous.get(name) != props.get(name)]
            reasons += [f"{name} changed" for name in sorted({*old_facts, *facts}) if old_facts.get(name) != facts.get(name)]
            model_reasons = dependencies(facts.get(contract.MODEL_NAME), new, stack, changes)
            reasons += model_reasons
            before_text: str | None = ", ".join(describe.schedule_details(previous))
            runs_before = describe.schedule_runs(previous, old_facts, now)
        else:
            reasons, before_text, runs_before, model_reasons = ["new schedule"], None, [], []
        if not reasons:
            continue
        runs_after = describe.schedule_runs(props, facts, now)
        effects.append(Effect(stack, describe.schedule_label(new, logical_id), SCHEDULE_CHANGED, {
            "reasons": list(dict.fromkeys(reasons)),
            "before": before_text,
            "after": ", ".join(describe.schedule_details(props)),
            "next_runs_before": runs_before[0] if runs_before else None,
            "next_runs_after": runs_after[0] if runs_after else None,
            "next_run": runs_after[1] if len(runs_after) > 1 else None,
            "each_run": describe.each_run_text(new, facts),
            "model_replaced": bool(model_reasons),
        }))
    return effects


# --- What the library owns: roles and their statements, removed resources ---------------------------


def library_roots(template: Template) -> set[str]:
    """The construct paths (inside the stack) of the library's constructs in ``template``."""
    roots = set(STACK_SINGLETON_IDS)
    for resource_type in contract.RESOURCE_TYPES:
        roots |= {template.label(logical_id) for logical_id, _ in template.of_type(resource_type)}
    roots |= {describe.schedule_label(template, logical_id) for logical_id, _ in template.of_type(SCHEDULE_TYPE)
              if describe.schedule_facts(template, logical_id)}
    return roots


def owner(template: Template, logical_id: str, roots: set[str]) -> str | None:
    """The library construct a resource belongs to (the longest root its construct path lies under), else ``None``."""
    label = template.label(logical_id)
    found = [root for root in roots if label == root or label.startswith(root + "/")]
    return max(found, key=len) if found else None


def _statement_text(template: Template, statement: Any) -> str:
    notation = cfn_text.Notation(
        ref=lambda name: "${" + (template.label(name) if name in template.resources else str(name)) + "}",
        get_att=lambda parts: "${" + template.label(str(parts[0])) + "." + ".".join(str(p) for p in parts[1:]) + "}",
    )
    resolved = cfn_text.resolve(statement, notation)
    if not isinstance(resolved, Mapping):
        return json.dumps(resolved, sort_keys=True)

    def listed(value: Any) -> str:
        items = value if isinstance(value, list) else [value]
        return ", ".join(item if isinstance(item, str) else json.dumps(item, sort_keys=True) for item in items)

    text = f"{resolved.get('Effect', 'Allow')} {listed(resolved.get('Action', resolved.get('NotAction')))}"
    if "Resource" in resolved or "NotResource" in resolved:
        text += f" on {listed(resolved.get('Resource', resolved.get('NotResource')))}"
    if resolved.get("Condition"):
        text += f" if {json.dumps(resolved['Condition'], sort_keys=True)}"
    return text


def _statements(document: Any) -> list[Any]:
    """A policy document's statements (IAM allows one statement as an object)."""
    statement = document.get("Statement") if isinstance(document, Mapping) else None
    return [statement] if isinstance(statement, Mapping) else list(statement) if isinstance(statement, list) else []


def role_statements(template: Template) -> dict[str, set[str]]:
    """Role (by construct path) -> its statements as text, for the roles the library owns."""
    roots = library_roots(template)
    owned = {logical_id for logical_id, _ in template.of_type(_ROLE_TYPE) if owner(template, logical_id, roots)}
    statements: dict[str, set[str]] = {template.label(logical_id): set() for logical_id in owned}
    for logical_id in owned:
        props = template.properties(logical_id)
        for policy in props.get("Policies") or []:
            for statement in _statements(policy.get("PolicyDocument") if isinstance(policy, Mapping) else None):
                statements[template.label(logical_id)].add(_statement_text(template, statement))
        for managed in props.get("ManagedPolicyArns") or []:
            statements[template.label(logical_id)].add(f"managed policy {render_value(managed)}")
    for _, policy in template.of_type(_POLICY_TYPE):
        for role in policy.get("Roles") or []:
            target = template.target(role)
            if target not in owned:
                continue
            for statement in _statements(policy.get("PolicyDocument")):
                statements[template.label(target)].add(_statement_text(template, statement))
    return statements


def _permission_effects(stack: str, old: Template, new: Template) -> list[Effect]:
    before, after = role_statements(old), role_statements(new)
    effects = []
    for role in after:  # a role removed with its construct: resource-removed says it
        added = sorted(after.get(role, set()) - before.get(role, set()))
        removed = sorted(before.get(role, set()) - after.get(role, set()))
        if added or removed:
            effects.append(Effect(stack, role, PERMISSIONS_CHANGED, {"added": added, "removed": removed}))
    return effects


WAIT_CONDITION_TYPES = ("AWS::CloudFormation::WaitCondition", "AWS::CloudFormation::WaitConditionHandle")
# A waited transform job's wait condition and handle: a new pair replaces the old one whenever the job must be
# waited for again (or its wait changes); transform-started says when a job starts.


def _removed_effects(stack: str, old: Template, new: Template) -> list[Effect]:
    roots = library_roots(old)
    new_roots = library_roots(new)
    kept = {owner(new, logical_id, new_roots) for logical_id in new.resources}
    grouped: dict[str, list[dict[str, str]]] = {}
    for logical_id, resource in old.resources.items():
        if logical_id in new.resources or not isinstance(resource, Mapping):
            continue
        if resource.get("Type") == contract.MODEL_RESOURCE_TYPE:
            continue  # model-deleted says it
        construct = owner(old, logical_id, roots)
        if resource.get("Type") in WAIT_CONDITION_TYPES and construct in kept:
            continue  # the transform's new wait replaces it
        if construct is not None:
            grouped.setdefault(construct, []).append(
                {"logical_id": logical_id, "type": str(resource.get("Type")), "path": old.label(logical_id)}
            )
    return [Effect(stack, construct, RESOURCE_REMOVED, {"resources": resources}) for construct, resources in grouped.items()]


# --- The whole comparison ---------------------------------------------------------------------------


def _template(stack: StackArtifact | None) -> Template:
    return Template(stack.template if stack is not None else {}, stack.name if stack is not None else None)


def diff_stacks(
    old: Sequence[StackArtifact], new: Sequence[StackArtifact], now: datetime, *, matched_only: bool = False
) -> list[Effect]:
    """Every effect of deploying ``new`` over ``old`` (next schedule runs counted from ``now``; ``matched_only``:
    see :func:`pair_stacks`)."""
    pairs = [
        (name, _template(before), _template(after), after or before)
        for name, before, after in pair_stacks(old, new, matched_only=matched_only)
    ]
    changes = _Changes()
    effects: dict[str, list[Effect]] = {name: [] for name, *_ in pairs}
    for name, before, after, _ in pairs:
        effects[name] += _model_effects(name, before, after, changes)
    for _ in range(2):  # outputs that carry other stacks' outputs: one more round
        for _name, before, after, artifact in pairs:
            if artifact is not None:
                _output_changes(artifact, before, after, changes)
    for name, before, after, _ in pairs:
        effects[name] += _endpoint_effects(name, before, after, changes)
        effects[name] += _transform_effects(name, before, after, changes)
        effects[name] += _schedule_effects(name, before, after, changes, now)
        effects[name] += _permission_effects(name, before, after)
        effects[name] += _removed_effects(name, before, after)
    return [effect for name, *_ in pairs for effect in effects[name]]


# --- Output -----------------------------------------------------------------------------------------


def effects_json(effects: Sequence[Effect]) -> str:
    """``{"effects": [...]}``: the schema of :data:`SCHEMA_FILE`."""
    return json.dumps({"effects": [effect.to_json() for effect in effects]}, indent=2)


def _code(text: Any) -> str:
    return f"`{text}`"


def _because(detail: Mapping[str, Any]) -> str:
    reasons = detail.get("reasons") or []
    return f" ({'; '.join(str(reason) for reason in reasons)})" if reasons else ""


def effect_lines(effect: Effect) -> list[str]:
    """One effect as Markdown list items."""
    detail, name = effect.detail, _code(effect.construct)
    if effect.kind == MODEL_CREATED:
        renamed = f" (construct renamed from {_code(detail['renamed_from'])})" if detail.get("renamed_from") else ""
        return [f"- **Model {name} is created**{renamed}: {detail['model']}."]
    if effect.kind == MODEL_REPLACED:
        lines = [
            f"- **Model {name} is replaced** (changed: {', '.join(detail['reasons'])}): a new SageMaker model is created; "
            "CloudFormation deletes the old one after the update."
        ]
        lines += [f"  - {prop}: {_code(change['before'])} -> {_code(change['after'])}" for prop, change in detail["changes"].items()]
        return lines
    if effect.kind == MODEL_DELETED:
        renamed = f" (construct renamed to {_code(detail['renamed_to'])})" if detail.get("renamed_to") else ""
        return [f"- **Model {name} is deleted**{renamed}: {detail['model']}."]
    if effect.kind == ENDPOINT_REDEPLOYED:
        kind = "serverless endpoint" if detail.get("serverless") else "endpoint"
        lines = [f"- **The {kind} {name} is redeployed**{_because(detail)}: {detail['deployment']}."]
        if detail.get("rollback_alarms"):
            lines.append(f"  - rolls back when an alarm fires: {', '.join(detail['rollback_alarms'])}")
        if "variants_before" in detail:
            lines.append(f"  - {', '.join(detail['variants_before'])} -> {', '.join(detail['variants'])}")
        else:
            lines.append(f"  - {', '.join(detail['variants'])}")
        return lines
    if effect.kind == TRANSFORM_STARTED:
        facts = describe.TransformFacts(
            reads=detail["reads"], writes=detail["writes"], instances=detail["instances"], waits=detail["waits"],
            wait_timeout_minutes=detail.get("wait_timeout_minutes"),
        )
        return [
            f"- **Batch transform {name} starts a new job**{_because(detail)}: "
            f"{describe.transform_text(facts, detail['model'])}."
        ]
    if effect.kind == SCHEDULE_CHANGED:
        lines = [f"- **Scheduled transform {name} changes**{_because(detail)}: {detail['after']}."]
        if detail.get("before") is not None and detail["before"] != detail["after"]:
            lines.append(f"  - was: {detail['before']}")
        if detail.get("next_runs_after") is not None:
            lines.append(f"  - {detail['next_runs_after']}")
        if detail.get("next_runs_before") is not None and detail["next_runs_before"] != detail["next_runs_after"]:
            lines.append(f"  - before this change: {detail['next_runs_before']}")
        if detail.get("next_run"):
            lines.append(f"  - {detail['next_run']}")
        uses = " (the new model from the next run on)" if detail.get("model_replaced") else ""
        lines.append(f"  - each run: {detail['each_run']}{uses}")
        return lines
    if effect.kind == PERMISSIONS_CHANGED:
        lines = [f"- **Permissions of role {name} change**:"]
        lines += [f"  - added: {_code(statement)}" for statement in detail["added"]]
        lines += [f"  - removed: {_code(statement)}" for statement in detail["removed"]]
        return lines
    if effect.kind == RESOURCE_REMOVED:
        types = ", ".join(sorted({resource["type"] for resource in detail["resources"]}))
        return [f"- **{name}: {len(detail['resources'])} resource(s) removed**: {types}."]
    return [f"- {effect.kind} {name}: {json.dumps(dict(detail), sort_keys=True)}"]


NOTHING = (
    "Nothing to review: no model is created, replaced or deleted, no endpoint is redeployed, no transform job "
    "starts, no schedule or permission changes and no resource of the library is removed "
    "(the changes, if any, are tags or apply in place)."
)


def render_markdown(effects: Sequence[Effect], stacks: Sequence[str]) -> str:
    """The effects as a pull-request comment; says plainly when there are none."""
    lines = ["### What deploying this change does (autopilot-inference)", ""]
    if not effects:
        return "\n".join([*lines, NOTHING])
    for stack in dict.fromkeys(effect.stack for effect in effects):
        lines += [f"**Stack {_code(stack)}**", ""]
        for effect in effects:
            if effect.stack == stack:
                lines += effect_lines(effect)
        lines.append("")
    quiet = [stack for stack in stacks if stack not in {effect.stack for effect in effects}]
    if quiet:
        lines.append(f"No effect in {', '.join(_code(stack) for stack in quiet)}.")
    return "\n".join(lines).rstrip()


# --- Files (the edge) -------------------------------------------------------------------------------


def _yaml_loader() -> Any:
    """A PyYAML loader that reads CloudFormation's short forms (``!Ref X``, ``!GetAtt A.B``, ``!Sub ...``)."""
    try:
        import yaml
    except ImportError:
        raise DiffUsageError("reading a YAML template needs PyYAML: pip install PyYAML (or give the JSON template)") from None

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader: Any, suffix: str, node: Any) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if suffix == "Ref":
            return {cfn_text.REF: value}
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{suffix}": value}

    Loader.add_multi_constructor("!", construct)
    return Loader


def parse_template_text(text: str, source: str) -> dict[str, Any]:
    """A template from a file's text: JSON or YAML; ``get-template``'s ``{"TemplateBody": ...}`` is unwrapped."""
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError:
        loader = _yaml_loader()
        import yaml

        try:
            document = yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader with CloudFormation's tags
        except yaml.YAMLError as error:
            raise DiffUsageError(f"{source}: neither JSON nor YAML ({str(error).splitlines()[0]})") from None
    if isinstance(document, Mapping) and "TemplateBody" in document:
        body = document["TemplateBody"]
        document = parse_template_text(body, source) if isinstance(body, str) else body
    if not isinstance(document, Mapping) or not isinstance(document.get("Resources", {}), Mapping):
        raise DiffUsageError(f"{source}: not a CloudFormation template (no Resources mapping)")
    return dict(document)


def _stack_name_of_file(path: Path) -> str:
    name = path.name
    for suffix in _TEMPLATE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def read_side(path: str, which: str) -> list[StackArtifact]:
    """The stacks of one side: a cloud assembly directory or one template file."""
    file = Path(path)
    if file.is_dir():
        try:
            return read_stacks(file)
        except SummaryError as error:
            raise DiffUsageError(f"{which}: {error}") from None
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DiffUsageError(f"{which} {path}: no such file or directory; give a cdk.out directory or a template file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DiffUsageError(f"{which} {path}: cannot read it ({error})") from None
    name = _stack_name_of_file(file)
    return [StackArtifact(name=name, environment="", template=parse_template_text(text, f"{which} {path}"), stack_name=name)]


def _check_pairs(old: Sequence[StackArtifact], new: Sequence[StackArtifact], args: argparse.Namespace) -> None:
    """A template file facing several stacks must be named after one of them."""
    for side, stacks, other, path in (("OLD", old, new, args.old), ("NEW", new, old, args.new)):
        if Path(path).is_dir() or len(other) <= 1:
            continue
        names = [stack.name for stack in other]
        if stacks[0].name not in names:
            raise DiffUsageError(
                f"{side} {path} is one template and the other side has stacks {', '.join(names)}: name the file after "
                f"its stack ({names[0]}.template.json) or give a cdk.out directory"
            )


def parse_kinds(text: str | None) -> tuple[str, ...]:
    """``--fail-on KIND[,KIND]``: each a kind of :data:`KINDS`."""
    if not text:
        return ()
    kinds = tuple(kind.strip() for kind in text.split(",") if kind.strip())
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise DiffUsageError(f"--fail-on: unknown kind {', '.join(unknown) or repr(text)}; the kinds are {', '.join(KINDS)}")
    return kinds


def _parse_now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(timezone.utc)
    try:
        now = datetime.fromisoformat(text)
    except ValueError:
        raise DiffUsageError(f"--now must be an ISO 8601 time such as 2026-01-15T08:00:00+00:00; got {text!r}") from None
    return now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``diff`` subcommand's arguments."""
    parser.add_argument("old", metavar="OLD", help="what is deployed: a cloud assembly (cdk.out) or a template file")
    parser.add_argument("new", metavar="NEW", help="what will be deployed: a cloud assembly (cdk.out) or a template file")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text: Markdown for a pull-request comment (default); json: {\"effects\": [...]}")
    parser.add_argument("--fail-on", metavar="KIND[,KIND]",
                        help=f"exit with status 1 when an effect of these kinds is found ({', '.join(KINDS)})")
    parser.add_argument("--now", metavar="TIME", help="count schedules' next runs from this ISO 8601 time (default: now)")


@dataclass(frozen=True)
class DiffResult:
    """The text to print and whether a ``--fail-on`` kind was found."""

    text: str
    failed: tuple[str, ...]


def compare(args: argparse.Namespace) -> DiffResult:
    kinds = parse_kinds(args.fail_on)
    now = _parse_now(args.now)
    old, new = read_side(args.old, "OLD"), read_side(args.new, "NEW")
    _check_pairs(old, new, args)
    files = not Path(args.old).is_dir() or not Path(args.new).is_dir()
    effects = diff_stacks(old, new, now, matched_only=files)
    names = [name for name, *_ in pair_stacks(old, new, matched_only=files)]
    text = effects_json(effects) if args.format == "json" else render_markdown(effects, names)
    return DiffResult(text, tuple(kind for kind in kinds if any(effect.kind == kind for effect in effects)))


class FailOnEffect(Exception):
    """A ``--fail-on`` kind is among the effects (exit status 1); carries the output to print first."""

    def __init__(self, output: str, kinds: Sequence[str]) -> None:
        super().__init__(f"--fail-on: found {', '.join(kinds)}")
        self.output = output


def run(args: argparse.Namespace) -> str:
    result = compare(args)
    if result.failed:
        raise FailOnEffect(result.text, result.failed)
    return result.text


__all__ = [
    "KINDS",
    "SCHEMA_FILE",
    "DiffResult",
    "DiffUsageError",
    "Effect",
    "FailOnEffect",
    "add_arguments",
    "compare",
    "dependencies",
    "diff_stacks",
    "effect_lines",
    "effects_json",
    "library_roots",
    "pair_stacks",
    "parse_kinds",
    "parse_template_text",
    "read_side",
    "render_markdown",
    "role_statements",
    "run",
]
