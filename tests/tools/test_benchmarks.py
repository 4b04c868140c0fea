"""Smoke test of benchmarks/: every benchmark runs at tiny sizes and returns sane figures.

Nothing here asserts on speed: only that counts are positive, ratios finite and the
report renders. The figures themselves come from ``make bench``.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from support.template_lint import check_templates

from benchmarks import bench_handler, bench_imports, bench_keys, bench_schedule, bench_synth, bench_wait
from benchmarks.bench_report import Section, render_text, write_report


def finite_positive(value: float) -> bool:
    return math.isfinite(value) and value > 0


@pytest.fixture(scope="module")
def synth_result() -> bench_synth.SynthTimeResult:
    """One run each of 1 and 2 pairs (and their baselines)."""
    return bench_synth.synth_time(sizes=(1, 2), repeats=(1, 1))


def test_synth_time(synth_result: bench_synth.SynthTimeResult) -> None:
    assert [item.pairs for item in synth_result.times] == [1, 2]
    for item in synth_result.times:
        assert finite_positive(item.subject_seconds) and finite_positive(item.baseline_seconds)
        assert finite_positive(item.ratio)
        assert 0 < item.construct_share < 1
        assert finite_positive(item.floor_seconds) and finite_positive(item.floor_ratio)
    assert sorted(synth_result.templates) == [1, 2]
    section = bench_synth.synth_time_section(synth_result)
    assert len(section.rows) == 2 and all(len(row) == len(section.headers) for row in section.rows)


def test_the_benchmarked_templates_pass_cfn_lint_and_the_iam_reference(synth_result: bench_synth.SynthTimeResult) -> None:
    # The benchmarks synthesize on their own (no test helper): their subject's templates are checked here.
    check_templates([(f"{pairs} pairs", json.dumps(run.template)) for pairs, run in sorted(synth_result.templates.items())])


def test_floor_is_two_bare_custom_resources_and_a_wait_condition_per_pair_and_the_provider() -> None:
    small = bench_synth.synth(bench_synth.build_floor, 1).template["Resources"]
    large = bench_synth.synth(bench_synth.build_floor, 3).template["Resources"]
    added = Counter(item["Type"] for item in large.values()) - Counter(item["Type"] for item in small.values())
    assert added == {
        "Custom::AutopilotModel": 2, "Custom::AutopilotTransformJob": 2,
        "AWS::CloudFormation::WaitCondition": 2, "AWS::CloudFormation::WaitConditionHandle": 2,
    }
    assert sum(item["Type"] == "AWS::Lambda::Function" for item in small.values()) == 2  # onEvent and the handler


def test_round_trips_are_counted_per_pair(synth_result: bench_synth.SynthTimeResult) -> None:
    trips = bench_synth.round_trips_per_pair(1, 2)
    assert trips.subject is not None and trips.floor is not None and trips.baseline is not None
    # A pair is at least two custom resources; a CfnModel at least one construct.
    assert trips.subject >= trips.floor >= 2 and trips.baseline >= 1
    notes = bench_synth.synth_time_section(synth_result, trips).notes
    assert any(f"subject {trips.subject:.1f}, floor {trips.floor:.1f}" in note for note in notes)


def test_template_growth_and_asset(synth_result: bench_synth.SynthTimeResult) -> None:
    growth = bench_synth.template_growth(synth_result)
    assert growth.resources_per_pair > 0 and growth.bytes_per_pair > 0
    assert growth.small.lambda_functions > 0
    assert growth.large.resources > growth.small.resources
    assert bench_synth.template_growth_section(growth).rows

    asset = synth_result.templates[1].asset
    assert asset is not None
    assert asset.files > 0 and asset.zip_bytes > 0 and asset.uncompressed_bytes >= asset.zip_bytes
    assert asset.deterministic
    assert asset.forbidden == []
    assert bench_synth.lambda_asset_section(asset).rows


def test_the_event_wait_costs_nothing_while_the_job_runs() -> None:
    runs = bench_wait.event_waits(job_minutes=(180,))
    three_hours, failed = runs
    assert three_hours.invocations_while_running == 0 and three_hours.invocations_at_end == 1
    assert three_hours.calls_at_start == ["ListTransformJobs", "CreateTransformJob"]
    assert three_hours.calls_at_end == ["ListTags", "DescribeStackResource"] and three_hours.signal == "SUCCESS"
    assert failed.signal == "FAILURE"
    assert bench_wait.poller_invocations(180) is None and bench_wait.poller_invocations(10) == 1 + 2 * 11
    section = bench_wait.wait_section(runs)
    assert all(len(row) == len(section.headers) for row in section.rows)


def test_stack_counts_before_and_after() -> None:
    after = bench_wait.stack_counts()
    assert after.count("AWS::StepFunctions::StateMachine") == 0 and after.count("AWS::Lambda::Function") == 2
    assert after.count("AWS::CloudFormation::WaitCondition", "AWS::CloudFormation::WaitConditionHandle") == 2
    assert after.per_extra_job == 3  # the job, its wait condition and handle
    assert bench_wait.BEFORE_TYPES["AWS::Lambda::Function"] == 4
    assert bench_wait.stack_section(after).rows


def test_api_calls() -> None:
    counts = bench_handler.api_calls()
    assert counts
    for item in counts:
        assert item.error is None, item.error
        assert item.count == item.consumed >= 0
    assert any(item.count > 0 for item in counts)
    section = bench_handler.api_calls_section(counts)
    assert len(section.rows) == len(counts)


def test_import_times() -> None:
    times = bench_imports.import_times(runs=1)
    assert set(times.seconds) == set(bench_imports.SUBJECTS)
    for name in bench_imports.SUBJECTS:
        assert finite_positive(times.seconds[name]) and finite_positive(times.ratio(name))
    assert bench_imports.import_section(times).rows


def test_key_engine_cost() -> None:
    cost = bench_keys.key_engine_cost(count=200)
    assert cost.samples == len(cost.engine_us) == 200
    assert 0 <= cost.rejected < cost.samples
    assert finite_positive(cost.mean_us) and finite_positive(cost.p99_us) and finite_positive(cost.deepcopy_ratio)
    assert cost.p99_us >= min(cost.engine_us)
    assert bench_keys.key_engine_section(cost).rows


def test_container_sets_are_seeded() -> None:
    first: list[Any] = bench_keys.container_sets(50, seed=7)
    assert first == bench_keys.container_sets(50, seed=7)
    assert all(1 <= len(containers) <= 5 for containers, _keys in first)


def test_report_writer(tmp_path: Path) -> None:
    sections = [
        Section("First", "What it measures.", ["name", "value"], [["a", "1"], ["b|c", "22"]], ["a note"]),
        Section("Second", "Another.", ["x"], [["y"]]),
    ]
    text = render_text(sections)
    assert "First" in text and "a note" in text and "b|c" in text

    written = write_report(tmp_path / "BENCHMARKS.md", sections, elapsed_seconds=1.0)
    assert written == (tmp_path / "BENCHMARKS.md").read_text()
    assert "make bench" in written and "cpu count" in written
    assert "| name | value |" in written and "| --- | --- |" in written
    assert "| b\\|c | 22 |" in written


def test_benchmark_counts_no_lambda_for_the_scheduled_wait() -> None:
    cost = bench_schedule.wait_cost()
    assert cost.scheduled_per_hour == 0 and cost.scheduled_lambda_functions == 0
    assert cost.deploy_time_per_hour == 0
    # Choice, scheduled time, fields, names and locations, the task, success.
    assert cost.scheduled_transitions_per_run == 6
    section = bench_schedule.wait_cost_section(cost)
    assert all(len(row) == len(section.headers) for row in section.rows)
