"""Where a construct sits: the stack that names it and the readable name prefixes derived from that."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar
from weakref import WeakKeyDictionary

from aws_cdk import Stack
from constructs import Construct, IConstruct

from ._lambda.autopilot_runtime import naming


@dataclass(frozen=True)
class StackNaming:
    """What names derive from: the top-level stack's path and name (nested stacks' names are tokens)."""

    root_path: str
    root_name: str

    @property
    def prefix(self) -> str:
        """The readable start every default name prefix of the stack shares."""
        return naming.readable_prefix([self.root_name])


# Where a construct sits never changes once it exists; caching it spares jsii round trips
# (each costs a few hundred microseconds, and a pair of constructs would otherwise ask many).
_NAMING: WeakKeyDictionary[Stack, StackNaming] = WeakKeyDictionary()
_STACKS: WeakKeyDictionary[IConstruct, Stack] = WeakKeyDictionary()
_PATHS: WeakKeyDictionary[IConstruct, str] = WeakKeyDictionary()


def stack_of(construct: IConstruct) -> Stack:
    """``Stack.of(construct)``, asked of jsii once per construct."""
    if isinstance(construct, Stack):
        return construct
    stack = _STACKS.get(construct)
    if stack is None:
        stack = _STACKS[construct] = Stack.of(construct)
    return stack


def path_of(construct: IConstruct) -> str:
    """``construct.node.path``, asked of jsii once per construct."""
    path = _PATHS.get(construct)
    if path is None:
        path = _PATHS[construct] = construct.node.path
    return path


def child_path(scope: IConstruct, id: str) -> str:
    """The path of the child ``id`` of ``scope`` (a path joins the ids from the root with ``/``)."""
    parent = path_of(scope)
    return f"{parent}/{id}" if parent else id


def stack_naming(construct: IConstruct) -> StackNaming:
    """The naming facts of ``construct``'s stack (its top-level stack's, for a nested one)."""
    stack = stack_of(construct)
    facts = _NAMING.get(stack)
    if facts is None:
        root = stack
        while root.nested_stack_parent is not None:
            root = root.nested_stack_parent
        facts = StackNaming(root_path=path_of(root), root_name=root.stack_name)
        _NAMING[stack] = facts
    return facts


def ids_below(path: str, stack_path: str) -> list[str]:
    """The construct ids of ``path`` below the stack at ``stack_path`` (ids never hold ``/``)."""
    return path[len(stack_path) + 1 :].split("/") if stack_path else path.split("/")


def stack_prefix(construct: IConstruct) -> str:
    """The readable start every default name prefix of this stack shares (the sanitized stack name)."""
    return stack_naming(construct).prefix


def default_prefix(scope: IConstruct, id: str) -> str:
    """``naming.readable_prefix([stack name, *construct ids below the stack])`` of ``scope``'s child ``id``.

    It always starts with :func:`stack_prefix` followed by ``-`` (or equals it when the stack
    name alone fills the maximum length), which lets one IAM statement cover every default name.
    """
    facts = stack_naming(scope)
    return naming.readable_prefix([facts.root_name, *ids_below(child_path(scope, id), facts.root_path)])


SingletonT = TypeVar("SingletonT", bound=Construct)
_SINGLETONS: WeakKeyDictionary[Stack, dict[str, Construct]] = WeakKeyDictionary()


def stack_singleton(scope: IConstruct, construct_id: str, kind: type[SingletonT]) -> SingletonT:
    """The one ``kind`` construct of ``scope``'s stack, at stack scope under ``construct_id``; created on first use.

    Raises:
        TypeError: another construct already uses ``construct_id`` at the stack's root.
    """
    stack = stack_of(scope)
    known = _SINGLETONS.setdefault(stack, {})
    found = known.get(construct_id)
    if found is None:
        child = stack.node.try_find_child(construct_id)
        if child is None:
            found = kind(stack, construct_id)
        elif not isinstance(child, kind):
            raise TypeError(
                f"The construct {child.node.path} uses the id {construct_id}, reserved for the stack's "
                f"{kind.__name__}; rename it."
            )
        else:
            found = child
        known[construct_id] = found
    # The id is reserved for ``kind``: what was stored under it was created or checked as one.
    return found  # type: ignore[return-value]
