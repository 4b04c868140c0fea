"""Synthesized CloudFormation templates as the emulator's templates (:mod:`support.cloudformation`).

Keeps the library's custom resources and what names SageMaker resources (endpoint
configurations, endpoints, state machines, schedules), in dependency order; intrinsic functions
become the emulator's markers (``GetAtt`` of a custom resource, ``Fn::Join`` around one,
``Fn::ImportValue``, ``Fn::GetStackOutput``) or literal text (pseudo parameters, other resources).
"""

from __future__ import annotations

from graphlib import TopologicalSorter
from typing import Any

from .cloudformation import GetAtt, ImportValue, Join, Outputs, StackOutput, Template

KEPT_PREFIXES = ("Custom::Autopilot", "AWS::SageMaker::", "AWS::StepFunctions::StateMachine", "AWS::Scheduler::Schedule")


def _render(value: Any, resources: dict[str, Any], pseudo: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [_render(item, resources, pseudo) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (function, argument), = value.items()
        if function == "Ref":
            if argument in pseudo:
                return pseudo[argument]
            return f"ref:{argument}"
        if function == "Fn::GetAtt":
            logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            if str(resources.get(logical_id, {}).get("Type", "")).startswith("Custom::"):
                return GetAtt(logical_id, attribute)
            return f"{logical_id}.{attribute}"
        if function == "Fn::Join":
            separator, parts = argument
            rendered = [_render(part, resources, pseudo) for part in parts]
            if all(isinstance(part, str) for part in rendered):
                return separator.join(rendered)
            return Join(separator, tuple(rendered))
        if function == "Fn::ImportValue":
            return ImportValue(str(_render(argument, resources, pseudo)))
        if function == "Fn::GetStackOutput":
            return StackOutput(str(argument["StackName"]), str(argument["OutputName"]))
        if function == "Fn::Select":
            index, items = argument
            rendered = _render(items, resources, pseudo)
            return rendered[int(index)] if isinstance(rendered, list) else f"select:{index}"
        if function == "Fn::Split":
            separator, text = argument
            rendered = _render(text, resources, pseudo)
            return rendered.split(separator) if isinstance(rendered, str) else [rendered]
    return {key: _render(item, resources, pseudo) for key, item in value.items()}


def _references(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _references(item)
    elif isinstance(value, dict):
        if len(value) == 1 and "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"])
        elif len(value) == 1 and "Fn::GetAtt" in value:
            argument = value["Fn::GetAtt"]
            found.add(argument[0] if isinstance(argument, list) else argument.split(".", 1)[0])
        else:
            for item in value.values():
                found |= _references(item)
    return found


def emulated(template: dict[str, Any], *, account: str, region: str, stack_name: str) -> tuple[Template, Outputs]:
    """``template`` (a synthesized one) as the emulator's ``(resources, outputs)``."""
    pseudo = {
        "AWS::Partition": "aws",
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::StackName": stack_name,
        "AWS::URLSuffix": "amazonaws.com",
    }
    resources = template["Resources"]
    kept = {key: value for key, value in resources.items() if str(value["Type"]).startswith(KEPT_PREFIXES)}
    graph = {
        key: {ref for ref in _references(value.get("Properties", {})) | set(value.get("DependsOn", [])) if ref in kept}
        for key, value in kept.items()
    }
    ordered = list(TopologicalSorter(graph).static_order())
    result: Template = {}
    for key in ordered:
        properties = {name: item for name, item in kept[key].get("Properties", {}).items() if name != "ServiceToken"}
        result[key] = (kept[key]["Type"], _render(properties, resources, pseudo))
    outputs: Outputs = {
        name: (
            _render(output["Value"], resources, pseudo),
            str(_render(output["Export"]["Name"], resources, pseudo)) if "Export" in output else None,
        )
        for name, output in template.get("Outputs", {}).items()
    }
    return result, outputs


__all__ = ["emulated"]
