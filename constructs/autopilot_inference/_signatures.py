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
construct and a method that makes it) are spelled out as keyword-only parameters in these
signatures (:func:`spelled_out`); type checkers read the ``TypedDict`` itself.
"""

from __future__ import annotations

import difflib
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

C = TypeVar("C", bound=type)
F = TypeVar("F", bound=Callable[..., Any])


def props_of(function: Callable[..., Any]) -> type | None:
    """The ``TypedDict`` of ``function``'s ``**props: Unpack[...]``, if it has one."""
    keywords = [p for p in inspect.signature(function).parameters.values() if p.kind is inspect.Parameter.VAR_KEYWORD]
    if not keywords:
        return None
    annotation = typing.get_type_hints(function, include_extras=True).get(keywords[0].name)
    if typing.get_origin(annotation) is typing.Unpack:
        return typing.get_args(annotation)[0]  # type: ignore[no-any-return]
    return None


def spelled_out(function: Callable[..., Any], *, drop_first: bool = False) -> inspect.Signature:
    """``function``'s signature with ``**props: Unpack[Props]`` as keyword-only parameters (default ``None``).

    Every key of such a ``TypedDict`` is optional, and leaving it out means its default.
    ``drop_first``: without ``self`` (the signature of a class).
    """
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())[1 if drop_first else 0 :]
    props = props_of(function)
    if props is not None:
        typing.get_type_hints(props)  # every annotation resolves
        parameters = [p for p in parameters if p.kind is not inspect.Parameter.VAR_KEYWORD] + [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=_shown(hint))
            for name, hint in props.__annotations__.items()
        ]
    return signature.replace(
        parameters=parameters, return_annotation=inspect.Signature.empty if drop_first else signature.return_annotation
    )


def _shown(annotation: Any) -> Any:
    """An annotation as written (a ``TypedDict`` keeps a postponed one as a ``ForwardRef``)."""
    return annotation.__forward_arg__ if isinstance(annotation, typing.ForwardRef) else annotation


def args_section(doc: str | None) -> str | None:
    """The ``Args:`` section of a Google-style docstring (to its end or the next section), if any."""
    if not doc:
        return None
    lines = inspect.cleandoc(doc).splitlines()
    if "Args:" not in lines:
        return None
    start = lines.index("Args:")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i] and not lines[i][0].isspace() and lines[i].endswith(":")),
        len(lines),
    )
    return "\n".join(lines[start:end]).rstrip()


def public_construct(cls: C) -> C:
    """Give ``cls`` its constructor's signature (not jsii's ``(*args, **kwargs)``) and ``__init__`` the props' docs."""
    init: Callable[..., None] = vars(cls)["__init__"]  # each public construct defines its own
    cls.__signature__ = spelled_out(init, drop_first=True)  # type: ignore[attr-defined]
    init.__signature__ = spelled_out(init)  # type: ignore[attr-defined]
    if init.__doc__ is None:
        section = args_section(cls.__doc__)
        init.__doc__ = f"Define the construct.\n\n{section}" if section else f"Define the construct (see ``help({cls.__name__})``)."
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


__all__ = ["args_section", "props_of", "props_signature", "public_construct", "refuse_unknown_props", "spelled_out"]
