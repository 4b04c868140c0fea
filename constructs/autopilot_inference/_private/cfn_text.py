"""CloudFormation values with their intrinsic functions rendered: the one reader of ``Ref``,
``Fn::GetAtt``, ``Fn::Join``, ``Fn::Sub`` and ``Fn::ImportValue`` in the library.

A :class:`Notation` says how a reference is written; :func:`text` renders a value as one line
(``summary`` with :data:`SUMMARY`: ``${Logical.Attribute}``; ``compliance`` with :data:`NAG`:
``<Logical.Attribute>``, as cdk-nag 3's ``flattenCfnReference`` names a policy resource in a
finding), :func:`resolve` keeps the value's structure and only replaces the functions (tests
resolve policies and state machine definitions to the strings they become at deploy time).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

REF = "Ref"
GET_ATT = "Fn::GetAtt"
JOIN = "Fn::Join"
SUB = "Fn::Sub"
IMPORT_VALUE = "Fn::ImportValue"
FUNCTIONS = frozenset({REF, GET_ATT, JOIN, SUB, IMPORT_VALUE})


def intrinsic(value: Any) -> tuple[str, Any] | None:
    """``(function, argument)`` of a one-key mapping such as ``{"Ref": "X"}``; ``None`` for any other value."""
    if isinstance(value, Mapping) and len(value) == 1:
        ((function, argument),) = value.items()
        if function in FUNCTIONS:
            return str(function), argument
    return None


def get_att_parts(argument: Any) -> list[Any]:
    """``[resource, attribute]`` of ``Fn::GetAtt``, from its list or its ``"Resource.Attribute"`` form."""
    return list(argument) if isinstance(argument, list) else str(argument).split(".", 1)


def _same(value: str) -> str:
    return value


@dataclass(frozen=True)
class Notation:
    """How :func:`text` and :func:`resolve` write what the intrinsic functions stand for."""

    ref: Callable[[str], Any]
    """``Ref``: the rendered logical id or pseudo parameter -> its text."""
    get_att: Callable[[Sequence[Any]], Any]
    """``Fn::GetAtt``: its parts (resource and attribute, rendered by :func:`text`) -> their text."""
    functions: frozenset[str] = FUNCTIONS
    """The functions rendered; a mapping of another function is an ordinary value."""
    literal: Callable[[str], str] = _same
    """A plain string (:func:`text`)."""
    none: str = ""
    """``None`` (:func:`text`)."""
    list_separator: str | None = None
    """Joins a list's items (:func:`text`); ``None``: a list is written as JSON."""
    sub_list_template: bool = False
    """``Fn::Sub [template, variables]`` is written as its template; otherwise as JSON (:func:`text`)."""
    fallback: Callable[[Any], str] = lambda value: json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    """Anything else (:func:`text`)."""


SUMMARY = Notation(
    ref=lambda name: f"${{{name}}}",
    get_att=lambda parts: "${" + ".".join(parts) + "}",
    functions=frozenset({REF, GET_ATT, JOIN, SUB}),
    none="-",
    list_separator=", ",
    sub_list_template=True,
    fallback=lambda value: json.dumps(value, sort_keys=True, separators=(",", ":")),
)
"""``summary``'s notation: literals as they are, ``${Logical}`` and ``${Logical.Attribute}``."""

NAG = Notation(
    ref=lambda name: f"<{name}>",
    get_att=lambda parts: "<" + ".".join(parts) + ">",
    literal=lambda value: value.replace("${", "<").replace("}", ">"),
)
"""cdk-nag 3's ``flattenCfnReference``: ``<Logical>``, ``<Logical.Attribute>``, ``${X}`` in strings as ``<X>``."""


def text(value: Any, notation: Notation) -> str:
    """``value`` as one line of text in ``notation``."""
    if value is None:
        return notation.none
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return notation.literal(value)
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list) and notation.list_separator is not None:
        return notation.list_separator.join(text(item, notation) for item in value)
    found = intrinsic(value)
    if found is not None and found[0] in notation.functions:
        function, argument = found
        if function == REF:
            return str(notation.ref(text(argument, notation)))
        if function == GET_ATT:
            return str(notation.get_att([text(part, notation) for part in get_att_parts(argument)]))
        if function == JOIN and isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], list):
            separator, items = argument
            return str(separator).join(text(item, notation) for item in items)
        if function == SUB:
            template = argument[0] if isinstance(argument, list) and notation.sub_list_template else argument
            return text(template, notation)
        if function == IMPORT_VALUE:
            return text(argument, notation)
    return notation.fallback(value)


def resolve(value: Any, notation: Notation) -> Any:
    """``value`` with the same structure, each of ``notation``'s functions replaced by what it stands for."""
    if isinstance(value, list):
        return [resolve(item, notation) for item in value]
    if isinstance(value, dict):
        found = intrinsic(value)
        if found is not None and found[0] in notation.functions:
            function, argument = found
            if function == REF:
                return notation.ref(argument)
            if function == GET_ATT:
                return notation.get_att(get_att_parts(argument))
            if function == JOIN:
                separator, parts = argument
                return separator.join(str(resolve(part, notation)) for part in parts)
            if function in (SUB, IMPORT_VALUE):
                return resolve(argument, notation)
        return {key: resolve(item, notation) for key, item in value.items()}
    return value


def flatten_reference(value: Any) -> str:
    """A policy ``Resource`` as cdk-nag 3 names it in a finding (its ``flattenCfnReference``).

    ``Fn::Join`` is joined, ``Ref`` becomes ``<Name>``, ``Fn::GetAtt`` ``<Resource.Attribute>``,
    ``${X}`` in strings ``<X>``; anything else is its compact JSON.
    """
    return text(value, NAG)


def render_value(value: Any) -> str:
    """A template value as text: literals as they are, intrinsics as ``${Logical.Attr}``."""
    return text(value, SUMMARY)
