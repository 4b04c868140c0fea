"""A manual clock shared by the emulators: time moves only when a test or the waiter moves it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

START = datetime(2026, 11, 3, 8, 0, tzinfo=timezone.utc)


class Clock:
    """``now`` starts at :data:`START` and moves with :meth:`advance`."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now
