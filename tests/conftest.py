"""Session set-up: ``tests/`` on sys.path (for the ``support`` package), the template checks' summary, the example app fixtures."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How many templates the tests' synth helpers cfn-linted and IAM-checked (``support/template_lint.py``)."""
    checks = sys.modules.get("support.template_lint")
    line = checks.CHECKER.summary() if checks is not None else None
    if line is not None:
        terminalreporter.write_line(line)


# --- the example app, synthesized once for the review tests (nag, cfn-lint, snapshots) -----


@pytest.fixture(scope="session")
def example_default(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``cdk synth -c nag=true``: the built-in example config, with cdk-nag's checks."""
    from support.example_app import synth_example

    return synth_example(tmp_path_factory.mktemp("example-default") / "cdk.out", nag="true")


@pytest.fixture(scope="session")
def example_environments(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``cdk synth -c nag=true -c config=examples/environments.yaml``."""
    from support.example_app import ENVIRONMENTS_CONFIG, synth_example

    return synth_example(
        tmp_path_factory.mktemp("example-environments") / "cdk.out", nag="true", config=str(ENVIRONMENTS_CONFIG)
    )
