"""Type checks of construct props, read from the constructs' own annotations.

:func:`type_problems` takes a construct's ``__init__`` (or a method such as
``AutopilotModel.from_model_package``), reads its annotations (``**props: Unpack[SomeProps]``
expanded into the ``TypedDict``'s keys) and checks every given value with typeguard's
``check_type``, returning one message per wrong prop, all of them at once. A message names the
prop, what the annotation expects, what it got (:func:`describe`) and, where one is known for
the expected type, the fix (:data:`TYPE_HINTS`). The checker imports none of the constructs it
checks: the package's own types describe themselves with :func:`hint` where they are defined.
A construct starts its checks with :func:`checked_types`: it reports every wrong type and stands
each mistyped prop in at its default (:func:`with_stand_ins`), so the values of all the other
props are still checked in the same pass.

jsii interfaces (``iam.IRole``, ``kms.IKey``, ...) are Protocols that ``isinstance`` refuses and
typeguard lets pass unchecked, so :func:`implements` checks them instead: it reads the
interfaces a class declares with ``@jsii.implements`` and the proxy classes of objects that come
back from JavaScript (``iam.Role.from_role_arn`` returns one). It costs no round trip to jsii's
Node process. A value that is a token (``_private.tokens.is_token``) passes wherever a number,
string, boolean, mapping or list is annotated: it is checked at deploy time.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import NoneType, UnionType
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from typeguard import check_type

from .._private.signatures import defaults_of, props_of
from .._private.tokens import is_token
from .problems import Problems

Fix = Callable[[Any], "str | None"]
"""The fix for a wrong value (it may depend on the value), or ``None``."""


@dataclass(frozen=True)
class TypeHint:
    """How messages show an expected type: its ``name`` (with its article) and the ``fix`` for a wrong value.

    ``problem``: a more specific message for some wrong values (``(value, prop) -> message or None``).
    """

    name: str | None = None
    fix: str | Fix | None = None
    problem: Callable[[Any, str], str | None] | None = None

    def fix_for(self, value: Any) -> str | None:
        return self.fix(value) if callable(self.fix) else self.fix


def _duration_fix(value: Any) -> str:
    """A number gives no unit: the fix names it in seconds and the other units it may have meant."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"Use Duration.seconds({value}), or the unit you meant (Duration.millis({value}), Duration.minutes({value}))."
    return "Use e.g. Duration.minutes(30)."


TYPE_HINTS: dict[Any, TypeHint] = {
    str: TypeHint("a str"),
    int: TypeHint("a whole number (int)"),
    bool: TypeHint("True or False"),
    datetime: TypeHint("a datetime", "Use e.g. datetime(2027, 1, 1, tzinfo=timezone.utc)."),
    Duration: TypeHint("an aws_cdk.Duration", _duration_fix),
    Mapping[str, str]: TypeHint("a dict of variable names to string values"),
    iam.IRole: TypeHint(fix='For an existing role use iam.Role.from_role_arn(self, "Role", "arn:aws:iam::...:role/...").'),
    kms.IKey: TypeHint(fix='For an existing key use kms.Key.from_key_arn(self, "Key", "arn:aws:kms:...:key/...").'),
    ec2.IVpc: TypeHint(fix='For an existing VPC use ec2.Vpc.from_lookup(self, "Vpc", vpc_id="vpc-...").'),
    ec2.ISecurityGroup: TypeHint(
        fix='For an existing group use ec2.SecurityGroup.from_security_group_id(self, "SecurityGroup", "sg-...").'
    ),
    ec2.SubnetSelection: TypeHint(
        fix=lambda value: (
            'Use ec2.SubnetSelection(subnets=[ec2.Subnet.from_subnet_id(self, "Subnet", "subnet-..."), ...]).'
            if isinstance(value, (list, tuple))
            else "Use e.g. ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)."
        )
    ),
    sns.ITopic: TypeHint(fix='For an existing topic use sns.Topic.from_topic_arn(self, "Topic", "arn:aws:sns:...").'),
    cloudwatch.IAlarm: TypeHint(
        fix='For an existing alarm use cloudwatch.Alarm.from_alarm_arn(self, "Alarm", "arn:aws:cloudwatch:...").'
    ),
}
"""The messages' names and fixes of expected types (a type, or an alias such as ``Mapping[str, str]``).

Types without an entry are named after themselves (``a ServerlessConfig``, ``an ec2.IVpc``).
"""

GIVEN_HINTS: dict[type, tuple[str, str]] = {
    iam.IRole: ("an iam.IRole", "Pass its ARN: role.role_arn."),
}
"""What to do with a construct given where a string is expected: how it is shown, and the fix."""


def hint(
    annotation: Any, name: str | None = None, fix: str | Fix | None = None, problem: Callable[[Any, str], str | None] | None = None
) -> None:
    """Describe ``annotation`` (a type or an alias of the package) in type messages, where it is defined.

    ``None`` in an alias is left out (a ``None`` value is always allowed or always refused alike).
    """
    TYPE_HINTS[_without_none(annotation)] = TypeHint(name, fix, problem)


def _without_none(annotation: Any) -> Any:
    """``annotation`` without ``None`` (``X | None`` is ``X``)."""
    options = [option for option in _options(annotation) if option is not NoneType]
    return options[0] if len(options) == 1 else typing.Union[tuple(options)]  # noqa: UP007 - built at run time


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


def annotations_of(function: Callable[..., Any]) -> dict[str, tuple[Any, bool]]:
    """The annotations of ``function``'s keyword props, in order, each with whether the prop is required.

    ``**props: Unpack[Props]`` gives ``Props``' keys (required: ``Required[...]``). Read from the
    function itself, not from the signature ``help()`` shows (``_private.signatures`` spells it out).
    """
    return dict(_annotations_of(getattr(function, "__func__", function)))  # a classmethod, as the class hands it out


@functools.cache
def _annotations_of(function: Callable[..., Any]) -> dict[str, tuple[Any, bool]]:
    """:func:`annotations_of`, resolved once per function (the annotations are strings until then)."""
    hints = typing.get_type_hints(function, include_extras=True)
    code = function.__code__
    keyword_only = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
    defaults = function.__kwdefaults__ or {}
    props = {name: (hints[name], name not in defaults) for name in keyword_only if name in hints}
    declared = props_of(function)
    if declared is not None:
        for key, key_type in typing.get_type_hints(declared, include_extras=True).items():
            required = typing.get_origin(key_type) is typing.Required
            props[key] = (typing.get_args(key_type)[0] if required else key_type, required)
    return props


def type_problems(function: Callable[..., Any], values: Mapping[str, Any]) -> list[str]:
    """The messages for every prop in ``values`` whose type ``function``'s annotation refuses, in signature order.

    ``values`` may hold more names than the props (a constructor's ``locals()``); only the props are looked at.
    """
    return list(refused_props(function, values).values())


def refused_props(function: Callable[..., Any], values: Mapping[str, Any]) -> dict[str, str]:
    """Each prop in ``values`` whose type ``function``'s annotation refuses, with its message, in signature order."""
    refused = {}
    for prop, (annotation, required) in annotations_of(function).items():
        if prop in values:
            message = problem(values[prop], annotation, prop, required=required)
            if message is not None:
                refused[prop] = message
    return refused


def checked_types(problems: Problems, function: Callable[..., Any], values: Mapping[str, Any]) -> tuple[dict[str, Any] | None, frozenset[str]]:
    """Report every prop of ``values`` whose type ``function``'s annotation refuses, in ``problems``.

    Returns :func:`with_stand_ins` (the values to check next, ``None`` when nothing can stand in) and the
    refused props' names.
    """
    refused = refused_props(function, values)
    problems.add_all(refused.values())
    return with_stand_ins(function, values, refused), frozenset(refused)


def with_stand_ins(function: Callable[..., Any], values: Mapping[str, Any], refused: Mapping[str, str]) -> dict[str, Any] | None:
    """``values`` with each refused prop at its default, so that the values of the others are still checked.

    ``None`` when a refused prop has no default (nothing can stand in for it: the values are not checked).
    The defaults are the keyword parameters' and those recorded for a ``**props: Unpack[...]`` ``TypedDict``.
    """
    plain = getattr(function, "__func__", function)
    keyword_defaults = plain.__kwdefaults__ or {}
    typed = props_of(plain)
    typed_defaults = defaults_of(typed) if typed is not None else {}
    props = annotations_of(function)
    stood_in = dict(values)
    for prop in refused:
        if prop in keyword_defaults:
            stood_in[prop] = keyword_defaults[prop]
        elif prop in typed_defaults:
            stood_in[prop] = typed_defaults[prop]
        elif props[prop][1]:
            return None
        else:
            stood_in[prop] = None
    return stood_in


def problem(value: Any, annotation: Any, prop: str, *, required: bool = True) -> str | None:
    """Why ``value`` does not fit ``annotation`` (a message naming ``prop``), or ``None``.

    The fields of a dataclass value are checked against the dataclass's annotations (``prop.field``).
    """
    options = _options(annotation)
    if value is None:
        if NoneType in options:
            return None
        if required:
            return f"{prop} is required; got None."
        return f"{prop} must be {_name(annotation)}; got None. Leave it out for its default."
    options = [option for option in options if option is not NoneType]
    if is_token(value) and any(_takes_tokens(option) for option in options):
        return None
    for option in options:
        if _fits(value, option):
            if isinstance(value, type) or not dataclasses.is_dataclass(value):
                return None
            return _field_problem(value, prop)
    return _message(value, options, prop)


def _field_problem(value: Any, prop: str) -> str | None:
    """The first field of the dataclass ``value`` its annotation refuses (``prop.field``), or ``None``."""
    hints = _field_types(type(value))
    found = (problem(getattr(value, field.name), hints[field.name], f"{prop}.{field.name}") for field in dataclasses.fields(value))
    return next((message for message in found if message is not None), None)


_FIELD_TYPES: dict[type, dict[str, Any]] = {}


def _field_types(cls: type) -> dict[str, Any]:
    """The resolved annotations of the dataclass ``cls``, once per class."""
    if cls not in _FIELD_TYPES:
        _FIELD_TYPES[cls] = typing.get_type_hints(cls)
    return _FIELD_TYPES[cls]


def _options(annotation: Any) -> list[Any]:
    """The members of a union (``X | None`` is ``[X, NoneType]``), or the annotation itself."""
    if typing.get_origin(annotation) in (typing.Union, UnionType):
        return [option for member in typing.get_args(annotation) for option in _options(member)]
    return [NoneType if annotation is None else annotation]


def _is_interface(annotation: Any) -> bool:
    """A jsii interface: a Protocol of jsii's (``iam.IRole``)."""
    return isinstance(annotation, type) and bool(getattr(annotation, "_is_protocol", False)) and hasattr(
        annotation, "__jsii_type__"
    )


def _is_sequence(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (Sequence, list, tuple) and len(typing.get_args(annotation)) == 1


def _takes_tokens(annotation: Any) -> bool:
    """A number, string, boolean, mapping or list: a token stands for them (CDK encodes it as one)."""
    origin = typing.get_origin(annotation) or annotation
    return origin in (str, int, float, bool) or origin in (Mapping, dict) or _is_sequence(annotation)


def _fits(value: Any, annotation: Any) -> bool:
    if _is_interface(annotation):
        return implements(value, annotation)
    if annotation is int and isinstance(value, float):
        return value.is_integer()
    if annotation in (int, float) and isinstance(value, bool):
        return False
    if _is_sequence(annotation):
        (item,) = typing.get_args(annotation)
        return isinstance(value, Sequence) and not isinstance(value, str) and all(_item_fits(entry, item) for entry in value)
    try:
        check_type("value", value, annotation)
    except TypeError:
        return False
    return True


def _item_fits(value: Any, annotation: Any) -> bool:
    return any(_fits(value, option) for option in _options(annotation))


def _hint(annotation: Any) -> TypeHint:
    """The hint of ``annotation`` (without ``None``), or of the nearest base class that has one."""
    annotation = _without_none(annotation)
    return TYPE_HINTS.get(annotation) or next(
        (
            TYPE_HINTS[cls]
            for cls in getattr(annotation, "__mro__", ())[1:]
            if cls in TYPE_HINTS and cls.__module__ != "builtins"  # an enum of str is not shown as "a str"
        ),
        TypeHint(),
    )


def _bare_name(annotation: Any) -> str:
    """``iam.IRole``, ``aws_cdk.Duration``, ``str``, ``AutopilotModel``: how a type is named in code."""
    if not isinstance(annotation, type):
        return str(annotation).replace("typing.", "").replace("collections.abc.", "")
    module = annotation.__module__
    if module.startswith("aws_cdk.aws_"):
        return f"{module.removeprefix('aws_cdk.aws_')}.{annotation.__qualname__}"
    if module == "aws_cdk":
        return f"aws_cdk.{annotation.__qualname__}"
    return annotation.__qualname__


def _name(annotation: Any) -> str:
    """How a message names what ``annotation`` expects, with its article."""
    options = [option for option in _options(annotation) if option is not NoneType]
    whole = _hint(annotation).name
    if whole is not None:
        return whole
    if len(options) > 1:
        return " or ".join(_name(option) for option in options)
    (only,) = options
    if _is_sequence(only):
        return f"a list of {_bare_name(_without_none(typing.get_args(only)[0]))}"
    bare = _bare_name(only)
    return f"{'an' if bare[:1].lower() in 'aeiou' else 'a'} {bare}"


def _message(value: Any, options: list[Any], prop: str) -> str:
    annotation = _without_none(typing.Union[tuple(options)])  # noqa: UP007 - built at run time
    shown = _hint(annotation)
    if shown.problem is not None:
        specific = shown.problem(value, prop)
        if specific is not None:
            return specific
    sequences = [option for option in options if _is_sequence(option)]
    if len(sequences) == 1 and (len(options) == 1 or isinstance(value, Sequence) and not isinstance(value, str)):
        return _sequence_message(value, sequences[0], prop)
    if options == [str]:
        for given, (shown_as, advice) in GIVEN_HINTS.items():
            if implements(value, given):
                return f"{prop} must be {_name(annotation)}; got {shown_as}. {advice}"
    fix = shown.fix_for(value)
    return f"{prop} must be {_name(annotation)}; got {describe(value)}." + (f" {fix}" if fix else "")


def _sequence_message(value: Any, annotation: Any, prop: str) -> str:
    """A list of wrong type, or the first wrong item of a list (``prop[i]``)."""
    item = _without_none(typing.get_args(annotation)[0])
    fix = _hint(item).fix_for(value)
    expected = _name(annotation)
    if isinstance(value, Sequence) and not isinstance(value, str):
        for index, entry in enumerate(value):
            if not _item_fits(entry, item):
                return problem(entry, item, f"{prop}[{index}]") or f"{prop}[{index}] must be {_name(item)}."
    if _item_fits(value, item):
        word = re.findall(r"[A-Z][a-z]+|[a-z]+", _bare_name(item).rpartition(".")[2])[-1].lower()  # ISecurityGroup: group
        return f"{prop} must be {expected}; got one {describe(value)}. Wrap it in a list: [{word}]."
    return f"{prop} must be {expected}; got {describe(value)}." + (f" {fix}" if fix else "")


__all__ = [
    "GIVEN_HINTS",
    "TYPE_HINTS",
    "TypeHint",
    "annotations_of",
    "checked_types",
    "describe",
    "hint",
    "implements",
    "problem",
    "refused_props",
    "type_problems",
    "with_stand_ins",
]
