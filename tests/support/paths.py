"""Where the repository, the saved API responses and the snapshots are, and how to load a saved response."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
TESTS = REPO_ROOT / "tests"
FIXTURES = TESTS / "fixtures"
SNAPSHOTS = TESTS / "snapshots"


def load_fixture(name: str) -> dict[str, Any]:
    """A saved API response from tests/fixtures."""
    return json.loads((FIXTURES / name).read_text())


def best_containers(name: str) -> list[dict[str, Any]]:
    """The best candidate's inference containers of a saved DescribeAutoMLJob response."""
    return load_fixture(name)["BestCandidate"]["InferenceContainers"]
