"""``cdk synth`` of a small app through this repository's pinned CDK CLI: what a user's terminal shows."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from support.paths import REPO_ROOT

CDK = REPO_ROOT / "node_modules" / ".bin" / "cdk"
"""The pinned CLI (``make install``); tests that need it skip without it."""


@dataclass(frozen=True)
class Synthesis:
    """The CLI's exit status, its whole output and each ``ERROR`` line with the construct path under it."""

    status: int
    output: str
    errors: list[tuple[str, str]]

    @property
    def last_line(self) -> str:
        lines = [line.strip() for line in self.output.splitlines() if line.strip()]
        return lines[-1] if lines else ""


def cdk_synth(app_source: str, directory: Path) -> Synthesis:
    """Write ``app_source`` as ``app.py`` in ``directory`` and run ``cdk synth --quiet`` on it (no AWS)."""
    (directory / "app.py").write_text(app_source)
    (directory / "cdk.json").write_text(f'{{"app": "{sys.executable} app.py"}}')
    env = {**os.environ, "CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "true",
           "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run(
        [str(CDK), "synth", "--quiet"], cwd=directory, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    output = result.stdout + result.stderr
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [
        (line.removeprefix("ERROR ").removesuffix(" (Construct Annotations)"), lines[index + 1])
        for index, line in enumerate(lines)
        if line.startswith("ERROR ") and index + 1 < len(lines)
    ]
    return Synthesis(result.returncode, output, errors)
