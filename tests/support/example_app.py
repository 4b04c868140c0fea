"""The example app (``app.py``) synthesized in-process as ``cdk synth`` would, and what it wrote.

Shared by the review tests (cdk-nag, cfn-lint, determinism, snapshots) through the
session fixtures of ``tests/conftest.py``, so the example is synthesized once per config.
"""

from __future__ import annotations

import json
import os
import runpy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import REPO_ROOT

APP_PY = REPO_ROOT / "app.py"
ENVIRONMENTS_CONFIG = REPO_ROOT / "examples" / "environments.yaml"
CONFIG_ENV_VAR = "AUTOPILOT_INFERENCE_CONFIG"


def cdk_json_context(root: Path = REPO_ROOT) -> dict[str, Any]:
    """The context of ``cdk.json``: what the CLI hands the app."""
    return json.loads((root / "cdk.json").read_text())["context"]


@dataclass
class CloudAssemblyDir:
    """A synthesized cloud assembly on disk, read without jsii."""

    outdir: Path
    error: str | None = None
    """The message of the exception ``app.synth()`` raised (e.g. a failed validation), if any."""
    app: Any = field(default=None, repr=False)

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.outdir / "manifest.json").read_text())

    def stacks(self) -> dict[str, dict[str, Any]]:
        """Stack artifact id -> its manifest entry, in manifest order."""
        return {
            name: artifact
            for name, artifact in self.manifest["artifacts"].items()
            if artifact["type"] == "aws:cloudformation:stack"
        }

    def template_text(self, stack: str) -> str:
        return (self.outdir / self.stacks()[stack]["properties"]["templateFile"]).read_text()

    def template(self, stack: str) -> dict[str, Any]:
        return json.loads(self.template_text(stack))

    def region(self, stack: str) -> str | None:
        """The stack's region, or ``None`` when environment-agnostic."""
        region = self.stacks()[stack]["environment"].rsplit("/", 1)[-1]
        return None if region.startswith("unknown-") else region

    def asset_directories(self) -> list[str]:
        """``asset.<hash>`` directory names: the asset hashes of the assembly."""
        return sorted(p.name for p in self.outdir.glob("asset.*"))

    def validation_report(self) -> dict[str, Any] | None:
        path = self.outdir / "validation-report.json"
        return json.loads(path.read_text()) if path.is_file() else None

    def metadata(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(construct path, entry)`` of every stack's metadata, its additional metadata file included."""
        for artifact in self.stacks().values():
            sources = [artifact.get("metadata") or {}]
            extra = artifact.get("additionalMetadataFile")
            if extra and (self.outdir / extra).is_file():
                sources.append(json.loads((self.outdir / extra).read_text()))
            for source in sources:
                for path, entries in source.items():
                    for entry in entries:
                        yield path, entry


@contextmanager
def _app_factory(context: dict[str, Any], outdir: Path, created: list[Any]) -> Iterator[None]:
    """``aws_cdk.App()`` as the CLI would make it: cdk.json context plus ``context``, into ``outdir``.

    The jsii runtime's Node process is already running, so CDK_CONTEXT_JSON / CDK_OUTDIR set
    now would not reach it: app.py's ``App()`` gets them as arguments instead.
    """
    import aws_cdk

    real_app = aws_cdk.App
    saved_config = os.environ.pop(CONFIG_ENV_VAR, None)

    def make_app(*args: Any, **kwargs: Any) -> Any:
        app = real_app(context={**cdk_json_context(), **context}, outdir=str(outdir))
        created.append(app)
        return app

    aws_cdk.App = make_app  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        aws_cdk.App = real_app  # type: ignore[misc]
        if saved_config is not None:
            os.environ[CONFIG_ENV_VAR] = saved_config


def synth_example(outdir: Path, **context: Any) -> CloudAssemblyDir:
    """Run ``app.py`` in this process with ``-c key=value`` ``context``; the assembly it wrote, its
    templates cfn-linted and IAM-checked (:mod:`support.template_lint`: a refused one fails here).

    A failed validation (cdk-nag) does not raise: its message is kept in ``error``.
    """
    from .template_lint import check_assembly_directory

    created: list[Any] = []
    error = None
    with _app_factory(context, outdir, created):
        try:
            runpy.run_path(str(APP_PY), run_name="__main__")
        except RuntimeError as exception:  # jsii surfaces the ValidationFailed error as RuntimeError
            error = str(exception)
    if error is None:
        check_assembly_directory(outdir)
    return CloudAssemblyDir(outdir, error, created[0] if created else None)
