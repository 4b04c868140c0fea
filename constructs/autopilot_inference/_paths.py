"""Where a construct sits: the stack that names it and the readable name prefixes derived from that."""

from __future__ import annotations

from aws_cdk import Stack

from constructs import IConstruct

from ._lambda.autopilot_runtime import naming

def root_stack(construct: IConstruct) -> Stack:
    """The top-level stack of ``construct``: nested stacks' names are tokens, their parents' are not."""
    stack = Stack.of(construct)
    while stack.nested_stack_parent is not None:
        stack = stack.nested_stack_parent
    return stack


def ids_below_stack(construct: IConstruct, stack: Stack) -> list[str]:
    """The construct ids from just below ``stack`` down to ``construct`` itself."""
    scopes = list(construct.node.scopes)
    paths = [scope.node.path for scope in scopes]
    start = paths.index(stack.node.path) + 1
    return [scope.node.id for scope in scopes[start:]]


def stack_prefix(construct: IConstruct) -> str:
    """The readable start every default name prefix of this stack shares (the sanitized stack name)."""
    return naming.readable_prefix([root_stack(construct).stack_name])


def default_prefix(construct: IConstruct) -> str:
    """``naming.readable_prefix([stack name, *construct ids below the stack])``.

    It always starts with :func:`stack_prefix` followed by ``-`` (or equals it when the stack
    name alone fills the maximum length), which lets one IAM statement cover every default name.
    """
    stack = root_stack(construct)
    return naming.readable_prefix([stack.stack_name, *ids_below_stack(construct, stack)])
