"""Benchmarks of the Autopilot inference constructs and their handler: ``make bench``.

Prints a table per benchmark and writes BENCHMARKS.md. No AWS access: every AWS call
goes to a botocore Stubber with fake credentials. Absolute times are noisy on a shared
machine, so each timing is reported next to a baseline measured in the same run.

    .venv/bin/python -m benchmarks.run            # full run, writes BENCHMARKS.md
    .venv/bin/python -m benchmarks.run --quick    # tiny sizes, prints only
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .bench_common import FAKE_AWS_ENVIRONMENT, REPO_ROOT, quiet_jsii  # noqa: E402

quiet_jsii()

from .bench_handler import api_calls, api_calls_section  # noqa: E402
from .bench_imports import import_section, import_times  # noqa: E402
from .bench_keys import key_engine_cost, key_engine_section  # noqa: E402
from .bench_report import Section, render_text, write_report  # noqa: E402
from .bench_schedule import wait_cost, wait_cost_section  # noqa: E402
from .bench_synth import (  # noqa: E402
    lambda_asset_section,
    round_trips_per_pair,
    synth_time,
    synth_time_section,
    template_growth,
    template_growth_section,
)
from .bench_wait import event_waits, stack_counts, stack_section, wait_section  # noqa: E402

DEFAULT_OUTPUT = REPO_ROOT / "BENCHMARKS.md"


@dataclass(frozen=True)
class Sizes:
    """How much work each benchmark does."""

    synth_pairs: tuple[int, ...]
    synth_repeats: tuple[int, ...]
    round_trip_pairs: tuple[int, int]
    import_runs: int
    key_samples: int
    wait_job_minutes: tuple[float, ...]


FULL = Sizes((1, 10, 100), (7, 7, 5), (1, 101), 7, 10_000, (10, 60, 180, 720))
QUICK = Sizes((1, 2), (1, 1), (1, 2), 1, 200, (10, 180))

Progress = Callable[[str], None]


def stderr_progress(message: str) -> None:
    """Progress lines go to stderr so stdout holds only the report."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run_all(sizes: Sizes = FULL, progress: Progress = stderr_progress) -> list[Section]:
    """Run every benchmark; return the report sections in order."""
    progress(f"synth time at {sizes.synth_pairs} pairs ({sizes.synth_repeats} runs)")
    synth = synth_time(sizes.synth_pairs, sizes.synth_repeats)
    progress("jsii round trips per pair")
    trips = round_trips_per_pair(*sizes.round_trip_pairs)
    progress("template growth (and the shared-role variant)")
    growth = template_growth(synth)
    smallest = synth.templates[min(synth.templates)]
    assert smallest.asset is not None
    progress("API calls per lifecycle event")
    calls = api_calls()
    progress("waiting for a job: its end event against the retired poller")
    runs = event_waits(sizes.wait_job_minutes)
    progress("resources per stack with a waited job")
    counts = stack_counts()
    progress(f"cold import time ({sizes.import_runs} runs each)")
    imports = import_times(sizes.import_runs)
    progress(f"response-key engine ({sizes.key_samples} calls)")
    keys = key_engine_cost(sizes.key_samples)
    progress("Lambda invocations per hour of waiting: deploy-time vs scheduled")
    scheduled_wait = wait_cost()
    return [
        synth_time_section(synth, trips),
        template_growth_section(growth),
        lambda_asset_section(smallest.asset),
        import_section(imports),
        api_calls_section(calls),
        wait_section(runs),
        stack_section(counts),
        wait_cost_section(scheduled_wait),
        key_engine_section(keys),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes; prints only unless --output is given")
    parser.add_argument("--output", type=Path, default=None, help=f"report file (default: {DEFAULT_OUTPUT.name})")
    args = parser.parse_args(argv)
    assert FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"] == "testing"
    started = time.perf_counter()
    sections = run_all(QUICK if args.quick else FULL)
    elapsed = time.perf_counter() - started
    print(render_text(sections))
    output = args.output or (None if args.quick else DEFAULT_OUTPUT)
    if output is not None:
        write_report(output, sections, elapsed_seconds=elapsed)
        stderr_progress(f"wrote {output} in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
