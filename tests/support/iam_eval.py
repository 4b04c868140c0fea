"""A small IAM policy evaluator: enough of AWS's evaluation logic for the policies this library writes.

Identity policies only (no permission boundaries, SCPs or resource policies): a request is allowed
when some ``Allow`` statement matches it and no ``Deny`` statement does. A statement matches when
its ``Action`` (case-insensitive, ``*``/``?`` wildcards) and ``Resource`` (case-sensitive wildcards)
match and every condition holds. Condition operators: ``StringEquals``/``StringNotEquals``,
``StringLike``/``StringNotLike``, ``StringEqualsIgnoreCase``, ``ArnEquals``/``ArnLike`` and their
negations, ``Bool``, ``Null``; the ``ForAllValues:``/``ForAnyValue:`` set prefixes and the
``IfExists`` suffix, as the IAM User Guide's policy evaluation logic describes them (a missing key
makes positive operators false and negated ones true; ``ForAllValues`` holds for a missing key).
``NotAction``/``NotResource`` and numeric/date operators are refused rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ContextValue = str | list[str]


@dataclass(frozen=True)
class Request:
    """One authorization request: an action on a resource with its condition context."""

    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)

    def value(self, key: str) -> ContextValue | None:
        """The context value of ``key`` (condition key names are case-insensitive)."""
        lowered = key.lower()
        for name, value in self.context.items():
            if name.lower() == lowered:
                return value
        return None


ALLOW, IMPLICIT_DENY, EXPLICIT_DENY = "Allow", "ImplicitDeny", "ExplicitDeny"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's ``*`` (any run of characters) and ``?`` (one character)."""
    return bool(_glob(pattern, ignore_case).match(value))


def _arn_like(pattern: str, value: str) -> bool:
    # ArnLike compares the six colon-separated parts, each with wildcards.
    pattern_parts, value_parts = pattern.split(":", 5), value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return False
    return all(glob_match(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


_BASE_OPERATORS = {
    "StringEquals": (lambda p, v: p == v, False),
    "StringNotEquals": (lambda p, v: p == v, True),
    "StringEqualsIgnoreCase": (lambda p, v: p.lower() == v.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda p, v: p.lower() == v.lower(), True),
    "StringLike": (lambda p, v: glob_match(p, v), False),
    "StringNotLike": (lambda p, v: glob_match(p, v), True),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "Bool": (lambda p, v: p.lower() == v.lower(), False),
}


def condition_holds(operator: str, key: str, policy_values: Any, request: Request) -> bool:
    """Whether one ``operator: {key: values}`` entry holds for ``request``."""
    values = [str(value) for value in _as_list(policy_values)]
    context = request.value(key)
    if operator == "Null":
        return (context is None) == (values[0].lower() == "true")
    set_operator = None
    for prefix in ("ForAllValues:", "ForAnyValue:"):
        if operator.startswith(prefix):
            set_operator, operator = prefix[:-1], operator[len(prefix):]
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    if operator not in _BASE_OPERATORS:
        raise ValueError(f"condition operator {operator} is not supported by this evaluator")
    compare, negated = _BASE_OPERATORS[operator]
    if context is None:
        if set_operator == "ForAllValues":
            return True
        if set_operator == "ForAnyValue":
            return False
        return True if if_exists or negated else False
    items = _as_list(context)

    def matches(item: str) -> bool:
        hit = any(compare(value, item) for value in values)
        return not hit if negated else hit

    if set_operator == "ForAllValues":
        return all(matches(item) for item in items)
    # ForAnyValue, and a single-valued operator given a multi-valued key: any value.
    return any(matches(item) for item in items)


def statement_matches(statement: Mapping[str, Any], request: Request) -> bool:
    """Whether ``statement`` applies to ``request`` (its effect aside)."""
    if "NotAction" in statement or "NotResource" in statement:
        raise ValueError("NotAction/NotResource are not supported by this evaluator")
    if not any(glob_match(str(action), request.action, ignore_case=True) for action in _as_list(statement.get("Action"))):
        return False
    if not any(glob_match(str(resource), request.resource) for resource in _as_list(statement.get("Resource"))):
        return False
    for operator, entries in (statement.get("Condition") or {}).items():
        for key, values in entries.items():
            if not condition_holds(operator, key, values, request):
                return False
    return True


def evaluate(statements: Iterable[Mapping[str, Any]], request: Request) -> str:
    """``Allow``, ``ImplicitDeny`` or ``ExplicitDeny``."""
    allowed = False
    for statement in statements:
        if statement_matches(statement, request):
            if statement.get("Effect") == "Deny":
                return EXPLICIT_DENY
            allowed = True
    return ALLOW if allowed else IMPLICIT_DENY
