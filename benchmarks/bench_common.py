"""Shared helpers of the benchmarks: paths, environment, statistics and target marks.

Nothing here imports from ``tests/`` (its fixtures are read as data): the benchmarks stand on their own.
"""

from __future__ import annotations

import json
import math
import os
import statistics
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .bench_events import REGION, parse_times

REPO_ROOT = Path(__file__).resolve().parent.parent
LAMBDA_DIR = REPO_ROOT / "lambda"
FIXTURES = REPO_ROOT / "tests" / "fixtures"

# Fake credentials and a fixed region: no benchmark may reach AWS or read a real profile.
FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def quiet_jsii() -> None:
    """Silence jsii's Node end-of-life banner (Node 20 only) and the CDK version check."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    os.environ.setdefault("CDK_DISABLE_VERSION_CHECK", "1")


@contextmanager
def fake_aws_environment() -> Iterator[None]:
    """Fake credentials and region for the duration of the block; the previous values come back after."""
    saved = {name: os.environ.get(name) for name in (*FAKE_AWS_ENVIRONMENT, "AWS_PROFILE")}
    os.environ.update(FAKE_AWS_ENVIRONMENT)
    os.environ.pop("AWS_PROFILE", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def fixture(name: str) -> dict[str, Any]:
    """A saved API response from ``tests/fixtures`` (read as data, never imported)."""
    return parse_times(json.loads((FIXTURES / name).read_text()))


def median(values: Sequence[float]) -> float:
    """The median of a non-empty sequence."""
    return float(statistics.median(values))


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in (0, 1]) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return float(ordered[rank - 1])


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator``; infinity when the denominator is not positive."""
    return numerator / denominator if denominator > 0 else math.inf


def mark(met: bool) -> str:
    """The target column's verdict."""
    return "met" if met else "NOT met"


def mean_of(values: Sequence[float]) -> float:
    """The arithmetic mean of a non-empty sequence."""
    return float(statistics.fmean(values))
