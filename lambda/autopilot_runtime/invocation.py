"""The running Lambda invocation: the time it has left and the last API call it made.

Before each call, the hook :func:`watch` registers on a client records the call (so any failure can
name it) and refuses the call when the invocation could end before the call's retries do: the
handler then fails naming the call, instead of Lambda's bare "Task timed out".
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError

from . import contract


@dataclass
class Invocation:
    """The running invocation: its Lambda context (for the time left) and the last call made."""

    context: Any = None
    last_call: str | None = None

    def remaining_seconds(self) -> float | None:
        getter = getattr(self.context, "get_remaining_time_in_millis", None)
        return None if getter is None else float(getter()) / 1000


_INVOCATION: ContextVar[Invocation | None] = ContextVar("autopilot_invocation", default=None)


@contextmanager
def invocation(context: Any = None) -> Iterator[Invocation]:
    """Make ``context`` the running invocation while the block runs."""
    current = Invocation(context)
    token = _INVOCATION.set(current)
    try:
        yield current
    finally:
        _INVOCATION.reset(token)


def remaining_seconds() -> float | None:
    """The time left in the running invocation (``None``: not known, e.g. outside Lambda)."""
    current = _INVOCATION.get()
    return current.remaining_seconds() if current else None


def last_call() -> str | None:
    """The API operation the running invocation called last."""
    current = _INVOCATION.get()
    return current.last_call if current else None


class OutOfTime(BotoCoreError):
    """A call refused because the invocation could end before its retries do."""

    fmt = (
        "{operation} not called: {remaining:.0f} s left in this invocation, and a call with its retries may take "
        "{budget} s. Earlier calls were slow (throttling or network trouble): deploy again once SageMaker answers "
        "normally."
    )


def _before_call(model: Any, **_: Any) -> None:
    """Record the call; refuse it when the invocation could end before its retries do."""
    current = _INVOCATION.get()
    if current is None:
        return
    current.last_call = str(model.name)
    remaining = current.remaining_seconds()
    if remaining is not None and remaining < contract.minimum_remaining_seconds():
        raise OutOfTime(operation=model.name, remaining=remaining, budget=contract.call_budget_seconds())


def watch(client: Any) -> Any:
    """``client`` with the hook that records each call and checks the time left (registered once)."""
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is not None:
        events.register("provide-client-params", _before_call, unique_id="autopilot-inference-before-call")
    return client
