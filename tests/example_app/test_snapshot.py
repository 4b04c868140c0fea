"""Snapshots of the example app's templates: any change to what ``cdk deploy`` would do shows here.

The templates of the example app (the built-in example config, and the three stacks of
``examples/environments.yaml``), synthesized in-process with ``cdk.json``'s context, are
kept in ``tests/snapshots/<stack>.template.json`` and compared exactly, text for text.
They are what ``cdk synth`` writes, minus the ``Metadata`` (``aws:cdk:path``, asset paths)
the CLI adds to each resource.
After an intended change, rewrite them and review the diff with the change:

    make snapshot-update    # = UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/example_app/test_snapshot.py

With ``UPDATE_SNAPSHOTS=1`` the tests rewrite what differs, report each file as a
``SnapshotUpdated`` warning in the summary, and pass.

The handler's asset hash is masked (``HANDLER_ASSET_MASK``): its ``Code.S3Key`` is the hash of
``lambda/`` without bytecode caches, so it changes with every handler change, which says nothing
about what ``cdk deploy`` would do differently. That it is the same from any checkout path or
installed wheel is tested in ``tests/package/test_package.py`` and
``tests/constructs/test_determinism.py``. The provider framework's asset hash comes with the
pinned aws-cdk-lib and stays in the snapshot.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from support.example_app import CloudAssemblyDir
from support.paths import REPO_ROOT, SNAPSHOTS

from autopilot_inference.provider.asset import HANDLER

UPDATE = os.environ.get("UPDATE_SNAPSHOTS", "").strip().lower() in ("1", "true", "yes")
STACKS = {
    "AutopilotInference-example": "example_default",
    "AutopilotInference-dev": "example_environments",
    "AutopilotInference-staging": "example_environments",
    "AutopilotInference-prod": "example_environments",
}
MAX_DIFF_LINES = 80
ASSET_KEY = re.compile(r'"S3Key": "[0-9a-f]{64}\.zip"')
HANDLER_ASSET_MASK = "<handler asset: the hash of lambda/>"


def masked(template: dict[str, Any]) -> dict[str, Any]:
    """``template`` with the handler function's ``Code.S3Key`` masked."""
    result = copy.deepcopy(template)
    for resource in result.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Lambda::Function" and properties.get("Handler") == HANDLER:
            properties["Code"]["S3Key"] = HANDLER_ASSET_MASK
    return result


class SnapshotUpdated(UserWarning):
    """A snapshot file was (re)written by ``UPDATE_SNAPSHOTS=1``."""


def snapshot_text(template: dict[str, Any]) -> str:
    return json.dumps(template, indent=1, ensure_ascii=False) + "\n"


def snapshot_path(stack: str) -> Path:
    return SNAPSHOTS / f"{stack}.template.json"


def mismatch_message(stack: str, expected: str, actual: str) -> str:
    diff = list(
        difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), f"snapshots/{stack}.template.json", "synthesized", lineterm="", n=2
        )
    )
    shown = "\n".join(diff[:MAX_DIFF_LINES]) + (f"\n... {len(diff) - MAX_DIFF_LINES} more lines" if len(diff) > MAX_DIFF_LINES else "")
    hint = "If the change is intended: make snapshot-update, and review the diff with the change."
    if ASSET_KEY.sub("", expected) == ASSET_KEY.sub("", actual):
        hint = (
            "Only an asset hash (S3Key) differs: the provider framework's asset, which comes with aws-cdk-lib "
            "(the handler's own is masked). After an upgrade of aws-cdk-lib: make snapshot-update."
        )
    return f"The template of {stack} differs from its snapshot.\n{hint}\n{shown}"


@pytest.mark.parametrize("stack", list(STACKS))
def test_template_matches_snapshot(stack: str, request: pytest.FixtureRequest) -> None:
    assembly: CloudAssemblyDir = request.getfixturevalue(STACKS[stack])
    actual = snapshot_text(masked(assembly.template(stack)))
    path = snapshot_path(stack)
    expected = path.read_text(encoding="utf-8") if path.is_file() else None
    if UPDATE:
        if expected != actual:
            SNAPSHOTS.mkdir(exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            warnings.warn(SnapshotUpdated(f"{'rewrote' if expected else 'created'} {path.relative_to(REPO_ROOT)}"), stacklevel=2)
        return
    assert expected is not None, f"no snapshot {path.relative_to(REPO_ROOT)}: create it with make snapshot-update"
    assert actual == expected, mismatch_message(stack, expected, actual)


def test_no_snapshot_without_a_stack() -> None:
    stale = sorted({p.name for p in SNAPSHOTS.glob("*.json")} - {snapshot_path(stack).name for stack in STACKS})
    if UPDATE:
        for name in stale:
            (SNAPSHOTS / name).unlink()
            warnings.warn(SnapshotUpdated(f"removed tests/snapshots/{name}: no such stack any more"), stacklevel=2)
        return
    assert not stale, f"snapshots of stacks the example no longer has: {stale}; make snapshot-update removes them"
