"""How a construct reports the problems of its props: error annotations on the construct itself.

Each construct collects every problem of its props (wrong types, bad values, bad
combinations) in a :class:`Problems` and reports each one with
an error annotation (what ``Annotations.of(construct).add_error(...)`` records): ``cdk synth`` then prints all of them, each with
the construct's path, and fails without a Python traceback; ``aws_cdk.assertions.Annotations``
finds them in tests. An invalid value is replaced by a safe stand-in (or the construct stops
building its resources) so that the remaining props are still checked.

``app.synth()`` itself does not fail on error annotations (the CLI does, after synthesis):
:func:`raise_for_errors` (public as ``autopilot_inference.raise_for_errors``) gives a plain
script the same failure, with every problem in one :class:`AutopilotValidationError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from constructs import IConstruct

from .validation import AutopilotValidationError

T = TypeVar("T")

ERROR_METADATA_TYPE = "aws:cdk:error"
"""The metadata type of an error annotation (``ArtifactMetadataEntryType.ERROR``), as ``Annotations.add_error`` writes it."""

# Which constructs reported an error (so that a construct using another one can tell it is not built).
_FAILED: WeakKeyDictionary[IConstruct, list[str]] = WeakKeyDictionary()


class Problems:
    """The problems found in one construct's props, each reported as an error annotation on it."""

    def __init__(self, construct: IConstruct) -> None:
        self.construct = construct
        self.messages: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.messages)

    def add(self, message: str) -> None:
        """Report ``message`` on the construct."""
        self.messages.append(message)
        _FAILED.setdefault(self.construct, []).append(message)
        # What Annotations.of(construct).add_error(message) records, without its JavaScript stack
        # trace (a frame of jsii's bundle, which the CLI would print above the message).
        self.construct.node.add_metadata(ERROR_METADATA_TYPE, message)

    def add_all(self, messages: Iterable[str]) -> None:
        for message in messages:
            self.add(message)

    def check(self, check: Callable[..., T], *args: Any, default: Any = None, **kwargs: Any) -> T:
        """``check(*args, **kwargs)``; when it refuses the value, the problem is reported and ``default`` returned."""
        try:
            return check(*args, **kwargs)
        except AutopilotValidationError as problem:
            self.add(str(problem))
            return default  # type: ignore[no-any-return]


def failed(construct: Any) -> bool:
    """Whether ``construct`` reported a problem of its props (and may not have built its resources)."""
    try:
        return construct in _FAILED
    except TypeError:
        return False


def errors_of(scope: IConstruct) -> list[tuple[str, str]]:
    """``(path, message)`` of every error annotation in ``scope``'s tree, in construct order."""
    found = []
    for construct in scope.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == ERROR_METADATA_TYPE:
                found.append((construct.node.path, str(entry.data)))
    return found


def raise_for_errors(scope: IConstruct) -> None:
    """Raise one :class:`AutopilotValidationError` listing every error annotation in ``scope``'s tree.

    For a plain script that calls ``app.synth()``: the CDK CLI fails on error annotations, but
    ``app.synth()`` does not. Call it before (or after) ``app.synth()``::

        raise_for_errors(app)
        app.synth()
    """
    found = errors_of(scope)
    if found:
        lines = [f"[{path}] {message}" for path, message in found]
        raise AutopilotValidationError(
            f"{len(found)} problem{'s' if len(found) > 1 else ''} in the construct props:\n" + "\n".join(lines)
        )


class RaiseFirst:
    """The interface of :class:`Problems` for code outside any construct: the first problem is raised."""

    def __bool__(self) -> bool:
        return False

    def add(self, message: str) -> None:
        raise AutopilotValidationError(message)

    def add_all(self, messages: Iterable[str]) -> None:
        for message in messages:
            self.add(message)

    def check(self, check: Callable[..., T], *args: Any, default: Any = None, **kwargs: Any) -> T:
        return check(*args, **kwargs)


class Unbuilt:
    """Stands in for the resource a construct did not build (its props have problems).

    Its attributes read as placeholders, so that the user's code and the rest of the app still
    run; the synthesis fails on the construct's error annotations anyway.
    """

    def get_att_string(self, name: str) -> str:
        return f"unbuilt-{name}"
