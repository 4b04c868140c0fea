"""Where a construct sits: its stack, the stack's singletons, and the name prefixes derived from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from constructs import Construct, IConstruct

from .._lambda.autopilot_runtime import naming
from .synth_cache import known_singletons, path_of, stack_of, top_level_stack


@dataclass(frozen=True)
class StackNaming:
    """What names derive from: the top-level stack's path and name (nested stacks' names are tokens)."""

    root_path: str
    root_name: str

    @property
    def prefix(self) -> str:
        """The readable start every default name prefix of the stack shares."""
        return naming.readable_prefix([self.root_name])


def child_path(scope: IConstruct, id: str) -> str:
    """The path of the child ``id`` of ``scope`` (a path joins the ids from the root with ``/``)."""
    parent = path_of(scope)
    return f"{parent}/{id}" if parent else id


def stack_naming(construct: IConstruct) -> StackNaming:
    """The naming facts of ``construct``'s stack (its top-level stack's, for a nested one)."""
    root_path, root_name = top_level_stack(construct)
    return StackNaming(root_path=root_path, root_name=root_name)


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


def stack_singleton(scope: IConstruct, construct_id: str, kind: type[SingletonT]) -> SingletonT:
    """The one ``kind`` construct of ``scope``'s stack, at stack scope under ``construct_id``; created on first use.

    Raises:
        TypeError: another construct already uses ``construct_id`` at the stack's root.
    """
    stack = stack_of(scope)
    known = known_singletons(stack)
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


__all__ = [
    "StackNaming",
    "child_path",
    "default_prefix",
    "ids_below",
    "path_of",
    "stack_naming",
    "stack_of",
    "stack_prefix",
    "stack_singleton",
]
