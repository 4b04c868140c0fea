"""``plan --schedule``: a scheduled transform's next runs and what each run reads and writes, offline.

Expected times are worked out by hand from the time zones' rules (Europe/Berlin is UTC+1 in
December, America/New_York UTC-5), not from the code under test; bad expressions and templates
get the message the construct gives at synth time.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Any

import pytest
from support.annotations import errors_on
from support.paths import FIXTURES
from support.scheduled import scheduled
from support.stacks import BUCKET, new_stack

from autopilot_inference.tools import cli, plan

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def preview_args(**changes: Any) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    plan.add_arguments(parser)
    args = parser.parse_args([])
    for name, value in changes.items():
        setattr(args, name, value)
    return args


def test_next_runs_are_wall_clock_times_of_the_time_zone() -> None:
    text = plan.schedule_preview(
        preview_args(
            schedule="cron(0 2 * * ? *)",
            time_zone="Europe/Berlin",
            input_s3_uri="s3://amzn-s3-demo-bucket/incoming/{date}/",
            output_s3_uri="s3://amzn-s3-demo-bucket/scored/{year}/{month}/{day}/",
            job_name_prefix="churn-nightly",
        ),
        now=NOW,
    )
    assert text.splitlines() == [
        "Schedule cron(0 2 * * ? *), time zone Europe/Berlin",
        "  next runs 2026-12-02 02:00 CET, 2026-12-03 02:00 CET, 2026-12-04 02:00 CET",
        # 02:00 in Berlin is 01:00 UTC: placeholders and job names use the UTC scheduled time.
        "  next run (2026-12-02T01:00:00Z): job churn-nightly-20261202t0100-s00 "
        "reads s3://amzn-s3-demo-bucket/incoming/2026-12-02/, writes s3://amzn-s3-demo-bucket/scored/2026/12/02/",
        # Scheduler skips a time that does not exist and runs a repeated one once (its user guide, time zones).
        "  daylight saving (as Scheduler runs it): 2027-03-28 02:00 skipped (clocks go forward: the time does not "
        "exist); 2027-10-31 02:00 runs once (clocks go back: the time occurs twice)",
    ]


def test_a_spring_forward_time_is_not_listed_as_a_run() -> None:
    """cron(0 2 * * ? *) in New York: 2027-03-14 02:00 does not exist; Scheduler skips it, so the list does."""
    text = plan.schedule_preview(
        preview_args(schedule="cron(0 2 * * ? *)", time_zone="America/New_York", runs=3),
        now=datetime(2027, 3, 12, 12, 0, tzinfo=timezone.utc),
    )
    lines = text.splitlines()
    assert lines[1] == "  next runs 2027-03-13 02:00 EST, 2027-03-15 02:00 EDT, 2027-03-16 02:00 EDT"
    assert "2027-03-14 02:00 skipped" in lines[-1]
    # Fall back: 01:30 occurs twice on 2027-11-07 and is listed once.
    fall = plan.schedule_preview(
        preview_args(schedule="cron(30 1 * * ? *)", time_zone="America/New_York", runs=3),
        now=datetime(2027, 11, 6, 12, 0, tzinfo=timezone.utc),
    ).splitlines()
    assert fall[1] == "  next runs 2027-11-07 01:30 EDT, 2027-11-08 01:30 EST, 2027-11-09 01:30 EST"
    assert "2027-11-07 01:30 runs once" in fall[-1]


def test_weekday_cron_skips_the_weekend_and_rate_counts_from_now() -> None:
    weekdays = plan.schedule_preview(
        preview_args(schedule="cron(30 6 ? * MON-FRI *)", time_zone="America/New_York", runs=2),
        now=datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc),  # a Friday, 07:00 in New York
    )
    assert weekdays.splitlines()[1] == "  next runs 2026-12-07 06:30 EST, 2026-12-08 06:30 EST"
    hourly = plan.schedule_preview(preview_args(schedule="rate(6 hours)", runs=2), now=NOW)
    assert hourly.splitlines()[1] == "  next runs 2026-12-01 18:00 UTC, 2026-12-02 00:00 UTC"


@pytest.mark.parametrize(
    ("changes", "construct_kwargs"),
    [
        ({"schedule": "cron(0 2 * *)"}, {"schedule": "cron(0 2 * *)"}),
        ({"schedule": "cron(0 2 * * * *)"}, {"schedule": "cron(0 2 * * * *)"}),
        ({"schedule": "rate(1 day)", "time_zone": "Mars/Olympus"}, {"time_zone": "Mars/Olympus"}),
        (
            {"schedule": "rate(1 day)", "input_s3_uri": f"s3://{BUCKET}/in/", "output_s3_uri": f"s3://{BUCKET}/{{week}}/"},
            {"output_s3_uri": f"s3://{BUCKET}/{{week}}/"},
        ),
        # A bucket the construct refuses (plan accepted it), and a wildcard (neither refused it).
        (
            {"schedule": "rate(1 day)", "input_s3_uri": "s3://b/in/{date}/", "output_s3_uri": f"s3://{BUCKET}/out/"},
            {"input_s3_uri": "s3://b/in/{date}/"},
        ),
        (
            {"schedule": "rate(1 day)", "input_s3_uri": f"s3://{BUCKET}/in/{{date}}/*.csv", "output_s3_uri": f"s3://{BUCKET}/o/"},
            {"input_s3_uri": f"s3://{BUCKET}/in/{{date}}/*.csv"},
        ),
    ],
)
def test_bad_schedules_get_the_synth_time_message(changes: dict[str, Any], construct_kwargs: dict[str, Any]) -> None:
    at_synth = errors_on(scheduled(new_stack(), **construct_kwargs))
    with pytest.raises(plan.PlanUsageError) as in_plan:
        plan.schedule_preview(preview_args(**changes), now=NOW)
    assert len(at_synth) == 1
    assert str(in_plan.value) in at_synth[0]


def error_lines(err: str) -> list[str]:
    """The command's ``error:`` lines: jsii forwards the Node process's stderr (an earlier test's synthesis
    warnings) whenever it arrives, so it can land in a later capture."""
    return [line for line in err.splitlines() if line.startswith("error:")]


def test_command_line_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["plan", "--schedule", "rate(1 day)"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Schedule rate(1 day), time zone UTC\n  next runs ")

    assert cli.main(["plan", "--schedule", "rate(1 day)", "--input-s3-uri", "s3://b/in/"]) == 2
    assert error_lines(capsys.readouterr().err)[0] == (
        "error: --input-s3-uri and --output-s3-uri go together: give both location templates, or neither."
    )

    assert cli.main(["plan", "--schedule", "every night"]) == 2
    assert error_lines(capsys.readouterr().err)[0].startswith("error: schedule must be cron(")

    # With a job, the plan of the candidate comes first and the schedule after it.
    assert cli.main(["plan", str(FIXTURES / "describe_auto_ml_job_ensembling.json"), "--schedule", "rate(1 day)"]) == 0
    out = capsys.readouterr().out
    assert out.index("Schedule rate(1 day)") > 0 and "container" in out[: out.index("Schedule")]


def test_plan_lists_every_problem_of_a_schedule_with_the_constructs_messages(capsys: pytest.CaptureFixture[str]) -> None:
    """Two bad location templates, a bad schedule and a bad time zone: the construct reports four errors, plan the same four."""
    bad = {"schedule": "every night", "time_zone": "Mars/Olympus", "input_s3_uri": f"s3://{BUCKET}/in/{{when}}/",
           "output_s3_uri": "s3://b/out/"}
    at_synth = errors_on(scheduled(new_stack(), **bad))
    assert len(at_synth) == 4
    assert cli.main(["plan", "--schedule", bad["schedule"], "--time-zone", bad["time_zone"],
                     "--input-s3-uri", bad["input_s3_uri"], "--output-s3-uri", bad["output_s3_uri"]]) == 2
    lines = error_lines(capsys.readouterr().err)
    assert sorted(line.removeprefix("error: ") for line in lines) == sorted(at_synth)
