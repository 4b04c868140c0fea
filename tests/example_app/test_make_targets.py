"""``make synth`` variants work from a plain shell: no activated venv, no ``cdk`` on PATH."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support.paths import REPO_ROOT

MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


def plain_env() -> dict[str, str]:
    """The environment of a shell that never activated the venv: PATH without the checkout's tools."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env["PATH"] = os.pathsep.join(
        entry for entry in env.get("PATH", "").split(os.pathsep) if entry and not Path(entry).resolve().is_relative_to(REPO_ROOT)
    )
    return env


def dry_run(*arguments: str) -> list[str]:
    result = subprocess.run(
        [str(MAKE), "-n", *arguments], cwd=REPO_ROOT, env=plain_env(), capture_output=True, text=True, check=True
    )
    return [line for line in result.stdout.splitlines() if line.startswith("cdk synth") or " summary " in line]


def test_synth_variants_pass_config_nag_and_arguments() -> None:
    assert dry_run("synth") == ["cdk synth --quiet --output cdk.out  ", ".venv/bin/python -m autopilot_inference summary cdk.out"]
    assert dry_run("synth", "CONFIG=examples/environments.yaml", "ARGS=AutopilotInference-dev")[0] == (
        "cdk synth --quiet --output cdk.out -c config=examples/environments.yaml AutopilotInference-dev"
    )
    assert dry_run("synth-nag", "CONFIG=examples/environments.yaml")[0] == (
        "cdk synth --quiet --output cdk.out -c nag=true -c config=examples/environments.yaml "
    )


@pytest.mark.slow
def test_synth_nag_with_a_config_runs_without_an_activated_venv(tmp_path: Path) -> None:
    outdir = tmp_path / "cdk.out"
    result = subprocess.run(
        [str(MAKE), "synth-nag", "CONFIG=examples/environments.yaml", f"OUTDIR={outdir}"],
        cwd=REPO_ROOT, env=plain_env(), capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    stacks = sorted(p.name for p in outdir.glob("AutopilotInference-*.template.json"))
    assert stacks == [f"AutopilotInference-{name}.template.json" for name in ("dev", "prod", "staging")]
    report = json.loads((outdir / "validation-report.json").read_text())
    assert "AwsSolutions" in [plugin["pluginName"] for plugin in report["pluginReports"]]
    assert "AutopilotInference-dev" in result.stdout  # the summary of what it deploys
