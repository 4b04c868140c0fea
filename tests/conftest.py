"""Shared test helpers: fixture loading, the Lambda asset on sys.path, the cfn-lint plugin."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(Path(__file__).resolve().parent))


def load_fixture(name: str) -> dict[str, Any]:
    """A saved API response from tests/fixtures."""
    return json.loads((FIXTURES / name).read_text())


def best_containers(name: str) -> list[dict[str, Any]]:
    """The best candidate's inference containers of a saved DescribeAutoMLJob response."""
    return load_fixture(name)["BestCandidate"]["InferenceContainers"]


def pytest_configure(config: pytest.Config) -> None:
    """cfn-lint every template the session synthesizes (``tests/template_lint.py``) ..."""
    import template_lint

    template_lint.register(config)
    # ... and check their IAM statements against the authorization reference, in the test that made them.
    from support import iam_plugin

    iam_plugin.register(config)


# --- the example app, synthesized once for the review tests (nag, cfn-lint, snapshots) -----


@pytest.fixture(scope="session")
def example_default(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``cdk synth -c nag=true``: the built-in example config, with cdk-nag's checks."""
    from example_synth import synth_example

    return synth_example(tmp_path_factory.mktemp("example-default") / "cdk.out", nag="true")


@pytest.fixture(scope="session")
def example_environments(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``cdk synth -c nag=true -c config=examples/environments.yaml``."""
    from example_synth import ENVIRONMENTS_CONFIG, synth_example

    return synth_example(
        tmp_path_factory.mktemp("example-environments") / "cdk.out", nag="true", config=str(ENVIRONMENTS_CONFIG)
    )
