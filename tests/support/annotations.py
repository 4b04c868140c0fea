"""What a user sees of a construct's problems: the error annotations of a stack, by construct path."""

from __future__ import annotations

import re

from aws_cdk import Stack
from aws_cdk.assertions import Annotations, Match
from constructs import IConstruct


def errors_of(stack: Stack) -> dict[str, list[str]]:
    """``{construct path: [error message, ...]}`` as ``aws_cdk.assertions.Annotations`` finds them (synthesizes)."""
    found: dict[str, list[str]] = {}
    for message in Annotations.from_stack(stack).find_error("*", Match.any_value()):
        found.setdefault(message.id, []).append(str(message.entry.data))
    return found


def error_messages(stack: Stack) -> list[str]:
    """Every error message of the stack, in order."""
    return [message for messages in errors_of(stack).values() for message in messages]


def errors_on(construct: IConstruct) -> list[str]:
    """The error messages ``cdk synth`` would print for ``construct`` (the annotations on its path)."""
    return errors_of(Stack.of(construct)).get("/" + construct.node.path, [])


def assert_refused(construct: IConstruct, match: str) -> str:
    """Assert that an error on ``construct``'s path matches the regular expression ``match``; return it."""
    messages = errors_on(construct)
    found = [message for message in messages if re.search(match, message)]
    assert found, f"no error on {construct.node.path} matches {match!r}; errors: {errors_of(Stack.of(construct))}"
    return found[0]


def warnings_on(construct: IConstruct) -> list[str]:
    """The warning messages ``cdk synth`` would print for ``construct`` (the annotations on its path)."""
    found = Annotations.from_stack(Stack.of(construct)).find_warning("/" + construct.node.path, Match.any_value())
    return [str(item.entry.data) for item in found]
