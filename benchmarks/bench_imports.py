"""Cold import time of the handler module as a ratio to ``import boto3``, in fresh interpreters.

The handler's package is copied (without caches) to a temporary directory and imported
with bytecode writing off, as on Lambda: the asset ships no ``.pyc`` and ``/var/task`` is
read-only, so the package is compiled on every cold start, while boto3/botocore come with
their bytecode caches.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .bench_common import LAMBDA_DIR, median, ratio
from .bench_report import Section

PROBE = """
import sys, time
sys.path.insert(0, {root!r})
start = time.perf_counter()
{statement}
print(time.perf_counter() - start)
"""

SUBJECTS = {
    "boto3": "import boto3",
    "autopilot_runtime.handler": "import autopilot_runtime.handler",
    "autopilot_runtime.handler + boto3": "import autopilot_runtime.handler, boto3",
}
BASELINE = "boto3"


def import_seconds(root: Path, statement: str) -> float:
    """Seconds ``statement`` takes in a fresh interpreter with ``root`` first on ``sys.path``."""
    code = PROBE.format(root=str(root), statement=statement)
    output = subprocess.run(
        [sys.executable, "-B", "-c", code],
        cwd=root,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(output.strip().splitlines()[-1])


def lambda_copy(destination: Path) -> Path:
    """The Lambda asset root copied without bytecode caches; returns the copy."""
    target = destination / "asset"
    shutil.copytree(LAMBDA_DIR, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"))
    return target


@dataclass
class ImportTimes:
    """Median import seconds of each subject."""

    runs: int
    seconds: dict[str, float]

    def ratio(self, subject: str) -> float:
        return ratio(self.seconds[subject], self.seconds[BASELINE])


def import_times(runs: int = 7) -> ImportTimes:
    """Median of ``runs`` interleaved fresh-interpreter imports of each subject (after one warm-up each)."""
    samples: dict[str, list[float]] = {name: [] for name in SUBJECTS}
    with tempfile.TemporaryDirectory(prefix="bench-import-") as temporary:
        root = lambda_copy(Path(temporary))
        for statement in SUBJECTS.values():
            import_seconds(root, statement)
        for _ in range(runs):
            for name, statement in SUBJECTS.items():
                samples[name].append(import_seconds(root, statement))
    return ImportTimes(runs, {name: median(values) for name, values in samples.items()})


def import_section(times: ImportTimes) -> Section:
    """The import-time table."""
    rows = [
        [name, f"{times.seconds[name] * 1000:.0f}", f"{times.ratio(name):.2f}"]
        for name in SUBJECTS
    ]
    return Section(
        title="Cold import time (fresh interpreter)",
        explanation=f"`python -B -c` with the Lambda asset root first on sys.path; perf_counter around the import; "
        f"median of {times.runs} interleaved runs each. The handler package is compiled from source each time "
        "(no .pyc, as on Lambda).",
        headers=["import", "ms (median)", "ratio to import boto3"],
        rows=rows,
        notes=[
            "The handler imports botocore (Config, ClientError) at module level and boto3 only when it makes "
            "its first client, so a cold start pays about the third row before the first AWS call.",
        ],
    )
