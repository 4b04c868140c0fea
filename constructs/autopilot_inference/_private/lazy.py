"""Values rendered at synthesis rather than when a construct is created."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jsii
from aws_cdk import IListProducer, Lazy
from aws_cdk import aws_iam as iam


@jsii.implements(IListProducer)
class _ListProducer:
    def __init__(self, produce: Callable[[], list[str]]) -> None:
        self._produce = produce

    def produce(self, context: Any) -> list[str]:  # noqa: ARG002 - jsii interface
        return self._produce()


def lazy_list(produce: Callable[[], list[str]]) -> list[str]:
    """A list rendered at synthesis, from the state at that time."""
    return Lazy.uncached_list(_ListProducer(produce))


class LazyStatements:
    """One statement per purpose (``sid``) whose resources are rendered at synthesis.

    Constructs register what they need while the app is built; each statement renders the
    state at synthesis, so the last construct added is covered and nothing is duplicated.
    """

    def __init__(self, target: iam.Policy | iam.PolicyDocument) -> None:
        self._target = target
        self._sids: set[str] = set()

    def ensure(
        self,
        sid: str,
        actions: Sequence[str],
        resources: Callable[[], list[str]] | Sequence[str],
        conditions: dict[str, Any] | None = None,
    ) -> None:
        """Add the statement ``sid`` once; later calls change nothing.

        ``resources`` is a fixed list, or a function called at synthesis.
        """
        if sid in self._sids:
            return
        self._sids.add(sid)
        rendered = lazy_list(resources) if callable(resources) else list(resources)
        self._target.add_statements(
            iam.PolicyStatement(sid=sid, actions=list(actions), resources=rendered, conditions=conditions)
        )
