"""Shared test helpers: fixture loading and the Lambda asset on sys.path."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(Path(__file__).resolve().parent))


def load_fixture(name: str) -> dict[str, Any]:
    """A saved API response from tests/fixtures."""
    return json.loads((FIXTURES / name).read_text())


def best_containers(name: str) -> list[dict[str, Any]]:
    """The best candidate's inference containers of a saved DescribeAutoMLJob response."""
    return load_fixture(name)["BestCandidate"]["InferenceContainers"]
