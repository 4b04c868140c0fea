"""Values rendered at synthesis rather than when a construct is created."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsii
from aws_cdk import IListProducer, Lazy


@jsii.implements(IListProducer)
class _ListProducer:
    def __init__(self, produce: Callable[[], list[str]]) -> None:
        self._produce = produce

    def produce(self, context: Any) -> list[str]:  # noqa: ARG002 - jsii interface
        return self._produce()


def lazy_list(produce: Callable[[], list[str]]) -> list[str]:
    """A list rendered at synthesis, from the state at that time."""
    return Lazy.uncached_list(_ListProducer(produce))
