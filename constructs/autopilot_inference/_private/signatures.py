"""The public constructs' signatures and docs, where ``help()``, ``inspect`` and editors look for them.

Two things hide them on a jsii construct class:

* jsii's metaclass (``JSIIMeta``) defines ``__call__(cls, *args, **kwargs)``, and
  ``inspect.signature`` of a class takes a metaclass's ``__call__`` before ``__init__``: every
  construct showed ``(*args: Any, **kwargs) -> ~M`` (in ``help()``, IPython's ``?``, notebooks).
  A class's ``__signature__`` comes first, so :func:`public_construct` sets it from ``__init__``.
* the props are documented on the class (``Args:``); an ``__init__`` without a docstring is
  documented by ``pydoc`` with the nearest one up the MRO: ``constructs.Construct``'s "Creates a
  new construct node." (or ``object``'s "Initialize self."). ``__init__`` gets the class's
  ``Args:`` section instead.

Props declared once in a ``TypedDict`` (``**props: Unpack[EndpointProps]``, shared by a
construct and a method that makes it, or by two constructs) are spelled out as keyword-only
parameters in these signatures (:func:`spelled_out`), with the defaults :func:`prop_defaults`
recorded; type checkers read the ``TypedDict`` itself. Its ``Keys:`` docstring section is added
to the constructor's docs.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

C = TypeVar("C", bound=type)
F = TypeVar("F", bound=Callable[..., Any])

_DEFAULTS: dict[type, Mapping[str, Any]] = {}


def prop_defaults(props: type, **defaults: Any) -> Mapping[str, Any]:
    """Record the defaults of some keys of ``props`` (a ``TypedDict``), for the signatures; returns them."""
    unknown = set(defaults) - set(props.__annotations__)
    if unknown:
        raise TypeError(f"{props.__name__} has no keys {sorted(unknown)}")
    _DEFAULTS[props] = dict(defaults)
    return _DEFAULTS[props]


def defaults_of(props: type) -> Mapping[str, Any]:
    """The defaults recorded for ``props``' keys (a ``TypedDict``) with :func:`prop_defaults`."""
    return _DEFAULTS.get(props, {})


def required_keys(props: type) -> list[str]:
    """The keys of ``props`` (a ``TypedDict``) marked ``Required[...]``.

    (``__required_keys__`` misses them when the annotations are strings, as with
    ``from __future__ import annotations`` before Python 3.12.)
    """
    hints = typing.get_type_hints(props, include_extras=True)
    return [name for name, hint in hints.items() if typing.get_origin(hint) is typing.Required]


@functools.cache
def props_of(function: Callable[..., Any]) -> type | None:
    """The ``TypedDict`` of ``function``'s ``**props: Unpack[...]``, if it has one.

    Read from the code, so the spelled-out signature ``help()`` shows does not hide it. Only this
    annotation is evaluated: the return annotation of a method may name its own class, not yet
    defined while the class body runs (``from_model_package -> AutopilotModel``).
    """
    code = function.__code__
    if not code.co_flags & inspect.CO_VARKEYWORDS:
        return None
    annotation = function.__annotations__.get(code.co_varnames[code.co_argcount + code.co_kwonlyargcount])
    if isinstance(annotation, str):
        annotation = eval(annotation, function.__globals__)  # noqa: S307 - the function's own annotation
    if typing.get_origin(annotation) is typing.Unpack:
        return typing.get_args(annotation)[0]  # type: ignore[no-any-return]
    return None


def spelled_out(function: Callable[..., Any], *, drop_first: bool = False) -> inspect.Signature:
    """``function``'s signature with ``**props: Unpack[Props]`` as keyword-only parameters.

    A ``Required[...]`` key has no default; another one its recorded default (:func:`prop_defaults`),
    else ``None``: leaving it out means its default. ``drop_first``: without ``self`` (the signature of a class).
    """
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())[1 if drop_first else 0 :]
    props = props_of(function)
    if props is not None:
        required = required_keys(props)  # and every annotation resolves
        defaults = _DEFAULTS.get(props, {})
        parameters = [p for p in parameters if p.kind is not inspect.Parameter.VAR_KEYWORD] + [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty if name in required else defaults.get(name),
                annotation=_shown(hint),
            )
            for name, hint in props.__annotations__.items()
        ]
    return signature.replace(
        parameters=parameters, return_annotation=inspect.Signature.empty if drop_first else signature.return_annotation
    )


def _shown(annotation: Any) -> Any:
    """An annotation as written (a ``TypedDict`` keeps a postponed one as a ``ForwardRef``), without ``Required[]``."""
    shown = annotation.__forward_arg__ if isinstance(annotation, typing.ForwardRef) else annotation
    if isinstance(shown, str) and shown.startswith("Required[") and shown.endswith("]"):
        return shown[len("Required[") : -1]
    return shown


def args_section(doc: str | None, heading: str = "Args:") -> str | None:
    """The ``Args:`` (or another) section of a Google-style docstring (to its end or the next section), if any."""
    if not doc:
        return None
    lines = inspect.cleandoc(doc).splitlines()
    if heading not in lines:
        return None
    start = lines.index(heading)
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i] and not lines[i][0].isspace() and lines[i].endswith(":")),
        len(lines),
    )
    return "\n".join(lines[start:end]).rstrip()


def public_construct(cls: C) -> C:
    """Give ``cls`` its constructor's signature (not jsii's ``(*args, **kwargs)``) and ``__init__`` the props' docs."""
    init: Callable[..., None] = vars(cls)["__init__"]  # each public construct defines its own
    props = props_of(init)
    cls.__signature__ = spelled_out(init, drop_first=True)  # type: ignore[attr-defined]
    init.__signature__ = spelled_out(init)  # type: ignore[attr-defined]
    if init.__doc__ is None:
        section = args_section(cls.__doc__)
        init.__doc__ = f"Define the construct.\n\n{section}" if section else f"Define the construct (see ``help({cls.__name__})``)."
        keys = args_section(props.__doc__, "Keys:") if props is not None else None
        if props is not None and keys:  # the shared props, documented once on their TypedDict
            init.__doc__ += f"\n\n{props.__name__} {keys}"
    return cls


def props_signature(function: F) -> F:
    """Show ``function``'s ``**props: Unpack[Props]`` as keyword-only parameters (``help()``, ``inspect``)."""
    function.__signature__ = spelled_out(function)  # type: ignore[attr-defined]
    return function


def refuse_unknown_props(props: Mapping[str, Any], declared: type, caller: str) -> None:
    """Raise ``TypeError`` for a key ``declared`` (a ``TypedDict``) lacks, as Python does for a wrong keyword.

    Raises:
        TypeError: ``caller() got an unexpected keyword argument 'instance_typ'`` (with the closest prop).
    """
    known = list(declared.__annotations__)  # a TypedDict's keys, without evaluating their types
    for name in props:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; the props are {', '.join(known)}."
            raise TypeError(f"{caller}() got an unexpected keyword argument {name!r}{hint}")


def refuse_missing_props(props: Mapping[str, Any], declared: type, caller: str) -> None:
    """Raise ``TypeError`` for a ``Required[...]`` key of ``declared`` missing from ``props``, as Python does.

    Raises:
        TypeError: ``caller() missing required keyword argument 'input_s3_uri'``.
    """
    missing = [name for name in required_keys(declared) if name not in props]
    if missing:
        raise TypeError(f"{caller}() missing required keyword argument{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}")


__all__ = [
    "args_section",
    "prop_defaults",
    "props_of",
    "props_signature",
    "public_construct",
    "refuse_missing_props",
    "refuse_unknown_props",
    "required_keys",
    "spelled_out",
]
