"""pytest plugin: cfn-lint every CloudFormation template the test session synthesizes.

Registered by ``tests/conftest.py``. While the tests run it records the templates of every
cloud assembly synthesized in this process: ``App.synth()`` / ``Stage.synth()`` (all stack
templates of the assembly, nested assemblies included) and ``Template.from_stack(stack)``
(that stack's template). Each distinct template (by content hash) is linted once with
cfn-lint's Python API, in a worker process while the tests run. At the end of the session

* any error (rule ids ``E*``) fails the session (exit status 1), each printed with its rule,
  message, path in the template, the template file and the test that first synthesized it;
* warnings (``W*``) are summarised by rule id and do not fail it.

Templates synthesized in subprocesses (the CDK CLI, wheel checks) are not seen here; the
example app's templates are linted explicitly by ``tests/review/test_cfn_lint.py``.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.util
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

LINT_REGIONS = ["us-east-1"]
MAX_ORIGINS = 3


@dataclass
class RecordedTemplate:
    """One distinct template and where it came from."""

    text: str
    file_name: str
    origins: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        more = f" (and {len(self.origins) - 1} more)" if len(self.origins) > 1 else ""
        return f"{self.file_name} from {self.origins[0]}{more}"


@dataclass(frozen=True)
class Finding:
    """One cfn-lint match."""

    rule: str
    message: str
    path: str
    line: int

    @property
    def is_error(self) -> bool:
        return self.rule.startswith("E")


class TemplateRecorder:
    """Collects templates by content hash; patches the CDK entry points that synthesize."""

    def __init__(self) -> None:
        self.templates: dict[str, RecordedTemplate] = {}
        self.synthesized = 0
        self._patched: list[tuple[Any, str, Any]] = []
        self._finder = _AfterImport("aws_cdk", self.patch)
        self.on_new: Callable[[str, RecordedTemplate], None] | None = None
        """Called with (content hash, template) for each new distinct template."""

    # -- recording --------------------------------------------------------------------------

    def record_file(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            return
        self.synthesized += 1
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        origin = os.environ.get("PYTEST_CURRENT_TEST", "outside a test").removesuffix(" (call)")
        entry = self.templates.get(digest)
        if entry is None:
            entry = self.templates[digest] = RecordedTemplate(text, path.name, [origin])
            if self.on_new is not None:
                self.on_new(digest, entry)
        elif origin not in entry.origins and len(entry.origins) < MAX_ORIGINS:
            entry.origins.append(origin)

    def record_assembly_directory(self, directory: str) -> None:
        for path in sorted(Path(directory).rglob("*.template.json")):
            self.record_file(path)

    # -- patching ---------------------------------------------------------------------------

    def patch(self) -> None:
        """Wrap ``Stage.synth`` and ``Template.from_stack`` (once aws_cdk is imported)."""
        if self._patched or "aws_cdk" not in sys.modules:
            return
        import aws_cdk
        from aws_cdk import assertions

        recorder = self
        original_from_stack = assertions.Template.from_stack  # bound classmethod

        def wrap_synth(original: Any) -> Any:
            def synth(stage: Any, *args: Any, **kwargs: Any) -> Any:
                assembly = original(stage, *args, **kwargs)
                recorder.record_assembly_directory(assembly.directory)
                return assembly

            synth.__wrapped__ = original  # type: ignore[attr-defined]
            return synth

        def from_stack(cls: Any, stack: Any, *args: Any, **kwargs: Any) -> Any:
            template = original_from_stack(stack, *args, **kwargs)
            recorder.record_file(Path(aws_cdk.Stage.of(stack).outdir) / stack.template_file)
            return template

        # App defines its own synth (jsii binds each class's members); Stage's serves other stages.
        for owner in (aws_cdk.App, aws_cdk.Stage):
            self._patched.append((owner, "synth", owner.__dict__["synth"]))
            owner.synth = wrap_synth(owner.__dict__["synth"])  # type: ignore[method-assign]
        self._patched.append((assertions.Template, "from_stack", assertions.Template.__dict__["from_stack"]))
        assertions.Template.from_stack = classmethod(from_stack)  # type: ignore[method-assign,assignment]

    def unpatch(self) -> None:
        if self._finder in sys.meta_path:
            sys.meta_path.remove(self._finder)
        for owner, name, original in self._patched:
            setattr(owner, name, original)
        self._patched = []

    def patch_when_imported(self) -> None:
        """Patch now if aws_cdk is imported, else right after its import (no jsii start for other runs)."""
        if "aws_cdk" in sys.modules:
            self.patch()
        elif self._finder not in sys.meta_path:
            sys.meta_path.insert(0, self._finder)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Calls ``callback`` once the module ``name`` has been executed by its usual loader."""

    def __init__(self, name: str, callback: Any) -> None:
        self._name = name
        self._callback = callback
        self._finding = False

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self._name or self._finding:
            return None
        self._finding = True
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._finding = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        execute = spec.loader.exec_module
        callback = self._callback

        def exec_module(module: Any) -> None:
            execute(module)
            if self in sys.meta_path:
                sys.meta_path.remove(self)
            callback()

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


# --- linting ----------------------------------------------------------------------------------


class Linter:
    """cfn-lint with its rules loaded once, for many templates."""

    def __init__(self, regions: list[str] | None = None) -> None:
        from cfnlint.config import ConfigMixIn
        from cfnlint.runner import Runner

        self._runner = Runner(ConfigMixIn(regions=regions or LINT_REGIONS))

    def lint(self, text: str) -> list[Finding]:
        from cfnlint.decode.decode import decode_str

        template, errors = decode_str(text)
        matches = list(errors) if errors or template is None else list(self._runner.validate_template(template))
        return [
            Finding(
                rule=match.rule.id,
                message=match.message,
                path="/".join(str(part) for part in (getattr(match, "path", None) or [])),
                line=match.linenumber,
            )
            for match in matches
        ]


_WORKER_LINTER: Linter | None = None


def _lint_in_worker(args: tuple[str, tuple[str, ...]]) -> list[Finding]:
    global _WORKER_LINTER
    text, regions = args
    if _WORKER_LINTER is None:
        _WORKER_LINTER = Linter(list(regions))
    return _WORKER_LINTER.lint(text)


def lint_templates(texts: Iterable[str], regions: list[str] | None = None) -> list[list[Finding]]:
    """The cfn-lint findings of each template text, in order (in this process)."""
    linter = Linter(regions)
    return [linter.lint(text) for text in texts]


class BackgroundLinter:
    """One worker process (started fresh, "spawn") that lints templates while the tests run.

    cfn-lint is pure Python: linting in the pytest process would add its whole time to the
    session's end; the worker uses the other core while tests wait on jsii or subprocesses.
    """

    def __init__(self, regions: list[str] | None = None) -> None:
        self._regions = tuple(regions or LINT_REGIONS)
        self._pool: Any = None

    def submit(self, text: str) -> Future[list[Finding]]:
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        return self._pool.submit(_lint_in_worker, (text, self._regions))

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# --- the plugin ---------------------------------------------------------------------------------


class TemplateLintPlugin:
    """Records during the session (linting in the background), reports at its end."""

    def __init__(self, *, background: bool = True) -> None:
        self.recorder = TemplateRecorder()
        self.errors: list[tuple[RecordedTemplate, Finding]] = []
        self.warnings: Counter[str] = Counter()
        self.waited = 0.0
        self.linted = 0
        self._background = BackgroundLinter() if background else None
        self._pending: dict[str, Future[list[Finding]]] = {}
        if self._background is not None:
            self.recorder.on_new = self._submit

    def _submit(self, digest: str, template: RecordedTemplate) -> None:
        assert self._background is not None
        try:
            self._pending[digest] = self._background.submit(template.text)
        except Exception:  # noqa: BLE001 - no worker: linted in this process at the end
            pass

    def _findings(self, linter: list[Linter], digest: str, template: RecordedTemplate) -> list[Finding]:
        future = self._pending.get(digest)
        if future is not None:
            try:
                return future.result()
            except Exception:  # noqa: BLE001 - a broken worker: lint here instead
                pass
        if not linter:
            linter.append(Linter())
        return linter[0].lint(template.text)

    def pytest_configure(self, config: pytest.Config) -> None:
        self.recorder.patch_when_imported()

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.recorder.unpatch()
        if session.exitstatus == pytest.ExitCode.INTERRUPTED:
            if self._background is not None:
                self._background.shutdown()
            return
        started = time.perf_counter()
        local: list[Linter] = []
        try:
            for digest, template in self.recorder.templates.items():
                for finding in self._findings(local, digest, template):
                    if finding.is_error:
                        self.errors.append((template, finding))
                    else:
                        self.warnings[finding.rule] += 1
                self.linted += 1
        finally:
            if self._background is not None:
                self._background.shutdown()
        self.waited = time.perf_counter() - started
        if self.errors and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.linted:
            return
        tr = terminalreporter
        warnings = ", ".join(f"{rule} x{count}" for rule, count in sorted(self.warnings.items())) or "none"
        tr.write_sep("-", "cfn-lint of the synthesized templates")
        tr.write_line(
            f"{self.linted} distinct templates ({self.recorder.synthesized} recorded), "
            f"{self.waited:.1f} s spent at the end: {len(self.errors)} errors; warnings: {warnings}"
        )
        for template, finding in self.errors:
            tr.write_line(
                f"{finding.rule} {finding.message} at {finding.path or '(template)'} "
                f"(line {finding.line}) in {template.origin}",
                red=True,
            )
        if self.errors:
            tr.write_line("cfn-lint found errors: the session fails.", red=True, bold=True)


def register(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("template-lint"):
        config.pluginmanager.register(TemplateLintPlugin(), "template-lint")

