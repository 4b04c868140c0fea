"""A copy of the working tree as a fresh clone would hold it, for the tests that build from a checkout elsewhere."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from support.paths import REPO_ROOT


def copy_checkout(destination: Path) -> Path:
    """The working tree as a fresh clone would hold it: tracked and new files, nothing ignored."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )
    if listed.returncode == 0:
        for name in filter(None, listed.stdout.split("\0")):
            source = REPO_ROOT / name
            if source.is_file():  # deleted-but-tracked files are listed too
                target = destination / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, target)  # new timestamps: the hash must not depend on them
    else:  # not a git checkout: copy everything but local state and build output
        shutil.copytree(
            REPO_ROOT, destination,
            ignore=shutil.ignore_patterns(".git", ".venv", "node_modules", "cdk.out", "build", "dist", "*.egg-info",
                                          "__pycache__", "*.pyc", ".pytest_cache", ".hypothesis", ".make"),
        )
    return destination
