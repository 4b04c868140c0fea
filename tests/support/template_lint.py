"""cfn-lint and the IAM authorization reference on the templates a test synthesizes, in that test.

Tests synthesize through the explicit helpers of :mod:`support.stacks` (``template``,
``template_json``, ``synth``) and :func:`support.example_app.synth_example`; each of them hands
the templates it made to :func:`check_templates` here, which fails right there, in the calling
test, with a :class:`TemplateCheckError` listing

* every cfn-lint error (rule ids ``E*``) with its rule, message, path in the template and line;
* every finding of the IAM authorization reference (:mod:`support.iam_reference`), naming the
  policy and the statement's Sid.

cfn-lint warnings (``W*``) do not fail a test; they are counted for the session's summary line.
Each distinct template text is checked once per session (a cache keyed by its content hash): the
same template synthesized again costs one hash. cfn-lint runs in one worker process (started
fresh, "spawn") while this process checks the IAM statements, so the two overlap.

Templates synthesized in subprocesses (the CDK CLI, wheel checks) are not seen here; the
example app's templates are also linted per region by ``tests/review/test_cfn_lint.py``.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .iam_reference import check_template as iam_findings

LINT_REGIONS = ["us-east-1"]


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

    def __str__(self) -> str:
        return f"{self.rule} {self.message} at {self.path or '(template)'} (line {self.line})"


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


def lint_templates(texts: Iterable[str], regions: list[str] | None = None) -> list[list[Finding]]:
    """The cfn-lint findings of each template text, in order (in this process, no cache)."""
    linter = Linter(regions)
    return [linter.lint(text) for text in texts]


_WORKER_LINTER: Linter | None = None


def _lint_in_worker(text: str) -> list[Finding]:
    global _WORKER_LINTER
    if _WORKER_LINTER is None:
        _WORKER_LINTER = Linter()
    return _WORKER_LINTER.lint(text)


class TemplateCheckError(AssertionError):
    """A synthesized template that cfn-lint or the IAM authorization reference refuses."""


@dataclass(frozen=True)
class Verdict:
    """What cfn-lint and the IAM reference say about one template text."""

    findings: tuple[Finding, ...]
    iam_problems: tuple[str, ...]

    @property
    def errors(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.is_error]

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.iam_problems)

    def report(self, name: str) -> str:
        lines = []
        if self.errors:
            lines.append(f"cfn-lint: {len(self.errors)} error(s) in {name}:")
            lines += [f"  {finding}" for finding in self.errors]
        if self.iam_problems:
            lines.append(f"IAM authorization reference: {len(self.iam_problems)} finding(s) in {name}:")
            lines += [f"  {problem}" for problem in self.iam_problems]
        return "\n".join(lines)


@dataclass
class TemplateChecker:
    """The session's checks: a verdict per distinct template text, cfn-lint in a worker process."""

    background: bool = True
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    requested: int = 0
    """Templates handed in (the same text counts each time)."""
    warnings: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    """Time the tests spent waiting on the checks of new templates."""
    _pool: Any = None
    _local: Linter | None = None

    def _submit(self, text: str) -> Future[list[Finding]] | None:
        if not self.background:
            return None
        try:
            if self._pool is None:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            return self._pool.submit(_lint_in_worker, text)
        except Exception:  # noqa: BLE001 - no worker: linted in this process
            return None

    def _lint_here(self, text: str) -> list[Finding]:
        if self._local is None:
            self._local = Linter()
        return self._local.lint(text)

    def verdicts_of(self, texts: Sequence[str]) -> list[Verdict]:
        """The verdict on each text: new texts are linted in the worker while their IAM statements are checked here."""
        started = time.perf_counter()
        self.requested += len(texts)
        digests = [hashlib.sha256(text.encode("utf-8")).hexdigest() for text in texts]
        new = {digest: text for digest, text in zip(digests, texts, strict=True) if digest not in self.verdicts}
        pending = {digest: self._submit(text) for digest, text in new.items()}
        for digest, text in new.items():
            problems = tuple(str(problem) for problem in iam_findings(json.loads(text)))
            future = pending[digest]
            try:
                findings = future.result() if future is not None else self._lint_here(text)
            except Exception:  # noqa: BLE001 - a broken worker: lint here instead
                findings = self._lint_here(text)
            self.verdicts[digest] = Verdict(tuple(findings), problems)
            self.warnings.update(finding.rule for finding in findings if not finding.is_error)
        self.seconds += time.perf_counter() - started
        return [self.verdicts[digest] for digest in digests]

    def check(self, named_texts: Sequence[tuple[str, str]]) -> None:
        """Raise :class:`TemplateCheckError` with every finding when any of the ``(name, text)`` templates fails."""
        verdicts = self.verdicts_of([text for _, text in named_texts])
        reports = [verdict.report(name) for (name, _), verdict in zip(named_texts, verdicts, strict=True) if verdict.failed]
        if reports:
            raise TemplateCheckError("\n".join(reports))

    def summary(self) -> str | None:
        """The session's summary line, or ``None`` when nothing was checked."""
        if not self.verdicts:
            return None
        warnings = ", ".join(f"{rule} x{count}" for rule, count in sorted(self.warnings.items())) or "none"
        failed = sum(1 for verdict in self.verdicts.values() if verdict.failed)
        return (
            f"cfn-lint and IAM reference: {len(self.verdicts)} distinct templates checked "
            f"({self.requested} handed in), {failed} refused, {self.seconds:.1f} s spent; cfn-lint warnings: {warnings}"
        )

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


CHECKER = TemplateChecker()
atexit.register(CHECKER.shutdown)


def check_templates(named_texts: Sequence[tuple[str, str]]) -> None:
    """cfn-lint and the IAM reference on each ``(name, template text)``; fails here with every finding."""
    CHECKER.check(named_texts)


def check_template_files(paths: Iterable[Path]) -> None:
    """:func:`check_templates` on template files (named by file name)."""
    check_templates([(path.name, path.read_text(encoding="utf-8")) for path in paths])


def check_assembly_directory(directory: str | Path) -> None:
    """:func:`check_templates` on every stack template of a cloud assembly, nested assemblies included."""
    check_template_files(sorted(Path(directory).rglob("*.template.json")))
