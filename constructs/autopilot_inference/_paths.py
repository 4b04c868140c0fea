"""Where a construct sits: the stack that names it and the readable name prefixes derived from that."""

from __future__ import annotations

from collections.abc import Callable
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


# Facts of a stack never change once it exists; caching them spares jsii round trips.
_NAMING: WeakKeyDictionary[Stack, StackNaming] = WeakKeyDictionary()


def stack_of(construct: IConstruct) -> Stack:
    """``Stack.of(construct)``, without asking jsii when ``construct`` is the stack itself."""
    return construct if isinstance(construct, Stack) else Stack.of(construct)


def stack_naming(construct: IConstruct) -> StackNaming:
    """The naming facts of ``construct``'s stack (its top-level stack's, for a nested one)."""
    stack = stack_of(construct)
    facts = _NAMING.get(stack)
    if facts is None:
        root = stack
        while root.nested_stack_parent is not None:
            root = root.nested_stack_parent
        facts = StackNaming(root_path=root.node.path, root_name=root.stack_name)
        _NAMING[stack] = facts
    return facts


def ids_below(path: str, stack_path: str) -> list[str]:
    """The construct ids of ``path`` below the stack at ``stack_path`` (ids never hold ``/``)."""
    return path[len(stack_path) + 1 :].split("/") if stack_path else path.split("/")


def stack_prefix(construct: IConstruct) -> str:
    """The readable start every default name prefix of this stack shares (the sanitized stack name)."""
    return stack_naming(construct).prefix


def default_prefix(construct: IConstruct, stack: Stack | None = None) -> str:
    """``naming.readable_prefix([stack name, *construct ids below the stack])``.

    It always starts with :func:`stack_prefix` followed by ``-`` (or equals it when the stack
    name alone fills the maximum length), which lets one IAM statement cover every default name.
    ``stack``, when the caller knows it, spares looking it up.
    """
    facts = stack_naming(stack if stack is not None else construct)
    return naming.readable_prefix([facts.root_name, *ids_below(construct.node.path, facts.root_path)])


SingletonT = TypeVar("SingletonT", bound=Construct)
_SINGLETONS: WeakKeyDictionary[Stack, dict[str, Construct]] = WeakKeyDictionary()


def stack_singleton(scope: IConstruct, construct_id: str, kind: Callable[[Construct, str], SingletonT]) -> SingletonT:
    """The one ``kind`` construct of ``scope``'s stack, at stack scope under ``construct_id``; created on first use.

    Raises:
        TypeError: another construct already uses ``construct_id`` at the stack's root.
    """
    stack = stack_of(scope)
    known = _SINGLETONS.setdefault(stack, {})
    found = known.get(construct_id)
    if found is None:
        found = stack.node.try_find_child(construct_id)
        if found is None:
            found = kind(stack, construct_id)
        elif not isinstance(found, kind):  # type: ignore[arg-type]
            raise TypeError(
                f"The construct {found.node.path} uses the id {construct_id}, reserved for the stack's "
                f"{kind.__name__}; rename it."  # type: ignore[attr-defined]
            )
        known[construct_id] = found
    return found  # type: ignore[return-value]
