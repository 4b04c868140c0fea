"""One convention for the checks of construct props: pure checks return findings, a construct reports them.

A **check** is a pure function of a prop's value (and the facts it needs) that returns its
:class:`Finding` s: ``None``, one finding, or an iterable of them (each an error or a warning
naming the prop and saying what to do). A check never raises for a bad value. Where a value is
also converted (a :class:`~aws_cdk.Duration` to seconds, ``"gpu"`` to ``"GPU"``), the conversion
is a separate function, called once the check found no error (or given a safe stand-in), so that a
refused value still lets the remaining props be checked.

Each construct collects every finding of all its props in one pass in a :class:`Problems`:
``problems.check(validation.s3_uri, value, "input_s3_uri")`` reports what the check finds and
tells whether the value was accepted. Errors become error annotations on the construct
(what ``Annotations.of(construct).add_error(...)`` records): ``cdk synth`` then prints all of
them, each with the construct's path, and fails without a Python traceback;
``aws_cdk.assertions.Annotations`` finds them in tests. Warnings are attached with
``Annotations.add_warning_v2`` under ``autopilot-inference:<rule>``. An invalid value is replaced
by a safe stand-in (or the construct stops building its resources once every prop is checked).

``app.synth()`` itself does not fail on error annotations (the CLI does, after synthesis):
:func:`raise_for_errors` (public as ``autopilot_inference.raise_for_errors``) gives a plain
script the same failure, with every problem in one :class:`AutopilotValidationError`. Code
outside any construct (``plan``) runs the same checks with :class:`Collected`, which raises one
:class:`AutopilotValidationError` listing every error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Union
from weakref import WeakKeyDictionary

from aws_cdk import Annotations
from constructs import IConstruct

ERROR_METADATA_TYPE = "aws:cdk:error"
"""The metadata type of an error annotation (``ArtifactMetadataEntryType.ERROR``), as ``Annotations.add_error`` writes it."""

WARNING_PREFIX = "autopilot-inference"
"""Warning ids are ``autopilot-inference:<rule>``; acknowledge one with
``Annotations.of(construct).acknowledge_warning("autopilot-inference:<rule>", reason)``."""


class AutopilotValidationError(ValueError):
    """A construct prop that cannot work; raised at synth time (:func:`raise_for_errors`, ``plan``)."""


@dataclass(frozen=True)
class Finding:
    """One problem with a prop: an ``error`` stops the synthesis, a ``warning`` is reported on the construct."""

    severity: Literal["error", "warning"]
    rule: str
    message: str

    @property
    def warning_id(self) -> str:
        """The id the warning is reported (and acknowledged) under."""
        return f"{WARNING_PREFIX}:{self.rule}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def error(rule: str, message: str) -> Finding:
    """An error finding (the synthesis fails)."""
    return Finding("error", rule, message)


def warning(rule: str, message: str) -> Finding:
    """A warning finding, acknowledgeable as ``autopilot-inference:<rule>``."""
    return Finding("warning", rule, message)


Found = Union[Finding, Iterable[Union[Finding, None]], None]
"""What a check returns: nothing, one finding, or several (``None`` items are skipped)."""


def findings(found: Found) -> list[Finding]:
    """``found`` as a list of findings."""
    if found is None:
        return []
    if isinstance(found, Finding):
        return [found]
    return [item for item in found if item is not None]


def errors(found: Found) -> list[str]:
    """The messages of the errors among ``found``."""
    return [item.message for item in findings(found) if item.is_error]


# Which constructs reported an error (so that a construct using another one can tell it is not built).
_FAILED: WeakKeyDictionary[IConstruct, list[str]] = WeakKeyDictionary()


class Problems:
    """The findings of one construct's props: errors as error annotations on it, warnings as warnings."""

    def __init__(self, construct: IConstruct) -> None:
        self.construct = construct
        self.messages: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.messages)

    def add(self, message: str) -> None:
        """Report the error ``message`` on the construct."""
        self.messages.append(message)
        _FAILED.setdefault(self.construct, []).append(message)
        # What Annotations.of(construct).add_error(message) records, without its JavaScript stack
        # trace (a frame of jsii's bundle, which the CLI would print above the message).
        self.construct.node.add_metadata(ERROR_METADATA_TYPE, message)

    def add_all(self, messages: Iterable[str]) -> None:
        for message in messages:
            self.add(message)

    def report(self, found: Found) -> bool:
        """Report every finding (the errors first, then the warnings); ``True`` when none is an error."""
        found = findings(found)
        for item in found:
            if item.is_error:
                self.add(item.message)
        for item in found:
            if not item.is_error:
                Annotations.of(self.construct).add_warning_v2(item.warning_id, item.message)
        return not any(item.is_error for item in found)

    def check(self, check: Callable[..., Found], *args: Any, **kwargs: Any) -> bool:
        """Report what ``check(*args, **kwargs)`` finds; ``True`` when the value was accepted (no error)."""
        return self.report(check(*args, **kwargs))


def report(construct: IConstruct | Problems, found: Found) -> bool:
    """Report ``found`` on ``construct`` (see :meth:`Problems.report`); ``True`` when none is an error."""
    problems = construct if isinstance(construct, Problems) else Problems(construct)
    return problems.report(found)


class Collected:
    """The interface of :class:`Problems` for code outside any construct (``plan``): errors are collected.

    :meth:`raise_errors` raises one :class:`AutopilotValidationError` listing all of them; warnings
    are kept in :attr:`warnings`.
    """

    construct = None

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.warnings: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.messages)

    def add(self, message: str) -> None:
        self.messages.append(message)

    def add_all(self, messages: Iterable[str]) -> None:
        self.messages.extend(messages)

    def report(self, found: Found) -> bool:
        found = findings(found)
        self.messages.extend(item.message for item in found if item.is_error)
        self.warnings.extend(item.message for item in found if not item.is_error)
        return not any(item.is_error for item in found)

    def check(self, check: Callable[..., Found], *args: Any, **kwargs: Any) -> bool:
        return self.report(check(*args, **kwargs))

    def raise_errors(self) -> None:
        """Raise one :class:`AutopilotValidationError`: the only error's message, or every error, one a line."""
        if len(self.messages) == 1:
            raise AutopilotValidationError(self.messages[0])
        if self.messages:
            raise AutopilotValidationError(
                f"{len(self.messages)} problems:\n" + "\n".join(f"- {message}" for message in self.messages)
            )


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


class Unbuilt:
    """Stands in for the resource a construct did not build (its props have problems).

    Its attributes read as placeholders, so that the user's code and the rest of the app still
    run; the synthesis fails on the construct's error annotations anyway.
    """

    def get_att_string(self, name: str) -> str:
        return f"unbuilt-{name}"
