"""EventBridge Scheduler expressions: checked at synth time, next run times for ``summary``.

Pure functions, no CDK. Cron expressions use the AWS 6-field syntax
``cron(minutes hours day-of-month month day-of-week year)``, evaluated with the
``aws-croniter`` library; ``rate(value unit)`` and one-time ``at(yyyy-mm-ddThh:mm:ss)``
expressions are parsed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\((.*)\)$")
AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
MAX_FLEXIBLE_WINDOW_MINUTES = 1440  # Scheduler: MaximumWindowInMinutes 1-1440


class ScheduleError(ValueError):
    """A schedule expression or time zone Scheduler would refuse."""


def check_time_zone(value: str | None, prop: str = "time_zone") -> str | None:
    """An IANA time zone name (``Europe/Berlin``), or ``None`` for UTC."""
    if value is None:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"{prop} must be an IANA time zone name such as 'Europe/Berlin' or 'America/New_York'; got {value!r}."
        ) from None
    return value


def check_expression(expression: str, prop: str = "schedule") -> str:
    """``expression`` if Scheduler accepts its form; else a :class:`ScheduleError` naming ``prop``."""
    if not isinstance(expression, str):
        raise ScheduleError(f"{prop} must be a ScheduleExpression or a string; got {type(expression).__name__}.")
    rate = RATE.match(expression)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if value < 1 or (value == 1) != (not unit.endswith("s")):
            raise ScheduleError(
                f"{prop} {expression!r}: a rate is a positive whole number with a singular unit for 1 "
                "(rate(1 day)) and a plural one otherwise (rate(2 days))."
            )
        return expression
    cron = CRON.match(expression)
    if cron:
        fields = cron.group(1).split()
        if len(fields) != 6:
            raise ScheduleError(
                f"{prop} {expression!r}: a cron expression has 6 fields, 'minutes hours day-of-month month "
                f"day-of-week year', e.g. cron(0 2 * * ? *) for 02:00 every day; got {len(fields)}."
            )
        try:
            _croniter(cron.group(1))
        except Exception as error:  # noqa: BLE001 - the library's errors have no common base
            # The '?' rule is the hint only when the day fields break it (not for a bad minute, say).
            day_of_month, day_of_week = fields[2], fields[4]
            hint = (
                "; one of day-of-month and day-of-week must be '?', e.g. cron(0 2 * * ? *) or cron(0 2 ? * MON-FRI *)"
                if (day_of_month == "?") == (day_of_week == "?")
                else ", e.g. cron(0 2 * * ? *) for 02:00 every day"
            )
            raise ScheduleError(
                f"{prop} {expression!r} is not a valid AWS cron expression ({error}){hint}."
            ) from None
        return expression
    at = AT.match(expression)
    if at:
        try:
            datetime.fromisoformat(at.group(1))
        except ValueError:
            raise ScheduleError(f"{prop} {expression!r}: not a valid date and time.") from None
        return expression
    raise ScheduleError(
        f"{prop} must be cron(minutes hours day-of-month month day-of-week year), rate(value unit) or "
        f"at(yyyy-mm-ddThh:mm:ss); got {expression!r}. Example: cron(0 2 * * ? *) for 02:00 every day."
    )


def _croniter(fields: str) -> Any:  # aws_croniter has no type hints: its AwsCroniter
    from aws_croniter import AwsCroniter

    return AwsCroniter(fields)


def next_runs(
    expression: str, time_zone: str | None, *, after: datetime, count: int = 3, start: datetime | None = None
) -> list[datetime]:
    """The next ``count`` scheduled times after ``after``, in ``time_zone`` (UTC when ``None``).

    Cron fields are wall-clock times of ``time_zone``, as Scheduler evaluates them; a
    rate counts from ``start`` (or from ``after``: Scheduler counts from the schedule's
    creation, which the template does not record); ``at`` is one run.
    """
    zone = ZoneInfo(time_zone) if time_zone else timezone.utc
    after = after.astimezone(zone)
    cron = CRON.match(expression)
    if cron:
        # The library evaluates in UTC; feed it the wall-clock time of the zone and read
        # its answers back as wall-clock times of that zone. A wall-clock time that does not
        # exist (clocks go forward) is skipped, as Scheduler skips it; one that occurs twice
        # (clocks go back) is listed once, as Scheduler runs it once.
        runs: list[datetime] = []
        wall = after.replace(tzinfo=timezone.utc)
        iterator = _croniter(cron.group(1))
        for _ in range(count * 2 + 2):  # a skipped time costs one extra step, at most once a transition
            found = iterator.get_next(wall, count)
            for run in found:
                local = run.replace(tzinfo=zone)
                if exists(local):
                    runs.append(local)
            wall = found[-1] if found else wall
            if len(runs) >= count or not found:
                break
        return runs[:count]
    rate = RATE.match(expression)
    if rate:
        step = timedelta(seconds=int(rate.group(1)) * _UNIT_SECONDS[rate.group(2).rstrip("s")])
        first = (start.astimezone(zone) if start is not None else after) + step
        while first <= after:
            first += step
        return [first + step * index for index in range(count)]
    at = AT.match(expression)
    if at:
        run = datetime.fromisoformat(at.group(1)).replace(tzinfo=zone)
        return [run] if run > after else []
    raise ScheduleError(f"not a schedule expression: {expression!r}")


def exists(local: datetime) -> bool:
    """Whether the wall-clock time ``local`` occurs in its zone (not in a spring-forward gap)."""
    round_trip = local.astimezone(timezone.utc).astimezone(local.tzinfo)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


@dataclass(frozen=True)
class DstEffect:
    """A cron time a daylight-saving change affects: ``skipped`` (does not exist) or ``once`` (occurs twice)."""

    kind: str
    wall: datetime

    def describe(self) -> str:
        when = self.wall.strftime("%Y-%m-%d %H:%M")
        if self.kind == SKIPPED:
            return f"{when} skipped (clocks go forward: the time does not exist)"
        return f"{when} runs once (clocks go back: the time occurs twice)"


SKIPPED = "skipped"
ONCE = "once"
DST_HORIZON = timedelta(days=366)


def _transitions(zone: ZoneInfo, after: datetime, until: datetime) -> Iterator[tuple[datetime, timedelta | None]]:
    """The UTC offset changes of ``zone`` between ``after`` and ``until``: (UTC instant, offset before)."""
    step = timedelta(hours=1)
    instant = after.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    offset = instant.astimezone(zone).utcoffset()
    day = timedelta(days=1)
    while instant < until:
        # Coarse steps of a day, then hours inside a day whose offset changed.
        following = instant + day
        if following.astimezone(zone).utcoffset() != offset:
            probe = instant
            while probe < following:
                probe += step
                if probe.astimezone(zone).utcoffset() != offset:
                    yield probe, offset
                    offset = probe.astimezone(zone).utcoffset()
                    break
        instant = following


def dst_effects(expression: str, time_zone: str | None, *, after: datetime, horizon: timedelta = DST_HORIZON) -> list[DstEffect]:
    """The cron times in the next ``horizon`` that a daylight-saving change skips or runs once."""
    cron = CRON.match(expression)
    if not cron or not time_zone:
        return []
    zone = ZoneInfo(time_zone)
    effects: list[DstEffect] = []
    for instant, before in _transitions(zone, after, after + horizon):
        offset = instant.astimezone(zone).utcoffset()
        assert before is not None and offset is not None  # noqa: S101 - a ZoneInfo always has an offset
        change = offset - before
        # The wall-clock interval the change skips (forward) or repeats (back).
        start_wall = (instant + before).replace(tzinfo=None) if change > timedelta(0) else (instant + offset).replace(tzinfo=None)
        length = abs(change)
        kind = SKIPPED if change > timedelta(0) else ONCE
        iterator = _croniter(cron.group(1))
        probe = (start_wall - timedelta(seconds=1)).replace(tzinfo=timezone.utc)
        while True:
            (run,) = iterator.get_next(probe, 1)
            if run.replace(tzinfo=None) >= start_wall + length:
                break
            effects.append(DstEffect(kind, run.replace(tzinfo=zone)))
            probe = run
    return effects


def past_problems(expression: str, time_zone: str | None, end: datetime | None, *, now: datetime) -> list[str]:
    """Why a one-time ``at(...)`` schedule, or an ``end``, lies before ``now`` (no run would ever start); every reason."""
    found = []
    at = AT.match(expression)
    if at:
        zone = ZoneInfo(time_zone) if time_zone else timezone.utc
        when = datetime.fromisoformat(at.group(1)).replace(tzinfo=zone)
        if when <= now:
            found.append(
                f"schedule {expression!r} ({time_zone or 'UTC'}) is in the past: a one-time schedule would never "
                "start a run. Give a time in the future, or start the state machine by hand."
            )
    if end is not None and end <= now:
        found.append(
            f"end ({end.isoformat()}) is in the past: the schedule would never start a run. Give a later end, "
            "or leave it out."
        )
    return found


def describe_runs(
    expression: str,
    time_zone: str | None,
    *,
    now: datetime,
    count: int = 3,
    start: datetime | None = None,
    job_name_prefix: str | None = None,
    input_s3_uri: str | None = None,
    output_s3_uri: str | None = None,
) -> list[str]:
    """What a schedule will do, one line each: its next run times in ``time_zone``, and what the next
    run reads and writes (``summary`` and ``plan --schedule`` print these lines).

    Raises:
        ScheduleError: the expression or time zone is not one Scheduler accepts.
        LocationTemplateError: a location template has an unknown placeholder.
    """
    from . import run_locations as locations

    check_expression(expression)
    check_time_zone(time_zone)
    runs = next_runs(expression, time_zone, after=max(now, start) if start else now, count=count)
    lines = ["next runs " + (", ".join(run.strftime("%Y-%m-%d %H:%M %Z") for run in runs) if runs else "none")]
    if runs and job_name_prefix and input_s3_uri and output_s3_uri:
        time = runs[0].astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        run_id = locations.scheduled_run_id(time)
        rendered = [
            locations.render(locations.parse(uri, prop, job_name_prefix=job_name_prefix), time, run_id)
            for uri, prop in ((input_s3_uri, "input_s3_uri"), (output_s3_uri, "output_s3_uri"))
        ]
        job = locations.render(locations.job_name_pieces(job_name_prefix), time, run_id)
        lines.append(f"next run ({time}): job {job} reads {rendered[0]}, writes {rendered[1]}")
    effects = dst_effects(expression, time_zone, after=max(now, start) if start else now)
    if effects:
        lines.append("daylight saving (as Scheduler runs it): " + "; ".join(effect.describe() for effect in effects))
    return lines
