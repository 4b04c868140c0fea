"""cdk-nag's AwsSolutions outcome of a synthesized app: what it found, what was acknowledged and why.

Shared by the review tests (``tests/review/test_nag*.py``) and the construct tests that check a stack with
cdk-nag; the tests themselves stay in their modules.
"""

from __future__ import annotations

import builtins
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .example_app import CloudAssemblyDir
from .stacks import checked_synth

PLUGIN = "AwsSolutions"
MIN_REASON = 40
GENERIC_REASON = re.compile(
    r"^\W*(ok|okay|fine|n/?a|none|todo|tbd|fixme|needed|required|necessary|by design|intended|expected|"
    r"false positive|suppressed|acknowledged|ignore[d]?|not (an )?issue|accepted|approved)\W*$",
    re.IGNORECASE,
)
ACK_METADATA = "aws:cdk:acknowledged-rules"


@dataclass(frozen=True)
class Acknowledged:
    rule: str
    path: str
    reason: str
    acknowledged_at: str


@dataclass
class NagOutcome:
    """The AwsSolutions part of a cloud assembly's validation report."""

    open: list[tuple[str, str]]  # (rule, construct path) not acknowledged
    acknowledged: list[Acknowledged]
    error: str | None

    def describe_open(self) -> str:
        return "\n".join(f"  {rule} at {path}" for rule, path in self.open)


def _path(value: str) -> str:
    return value.lstrip("/")


def nag_outcome(assembly: CloudAssemblyDir) -> NagOutcome:
    """Read the AwsSolutions findings of ``assembly``; insists the pack ran and the report is consistent."""
    report = assembly.validation_report()
    assert report is not None, f"no validation-report.json in {assembly.outdir}: cdk-nag did not run ({assembly.error})"
    plugins = [p for p in report["pluginReports"] if p["pluginName"] == PLUGIN]
    assert len(plugins) == 1, f"the {PLUGIN} pack reported nothing: were the checks added? {report['pluginReports']}"
    (plugin,) = plugins
    open_findings = [
        (violation["ruleName"], _path(construct["constructPath"]))
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]
    acknowledged = [
        Acknowledged(
            violation["ruleName"], _path(construct["constructPath"]), violation.get("reason") or "",
            _path(violation.get("acknowledgedAt") or ""),
        )
        for violation in plugin.get("suppressedViolations") or []
        for construct in violation["violatingConstructs"]
    ]
    outcome = NagOutcome(open_findings, acknowledged, assembly.error)
    # The synthesis fails exactly when a finding is open (anything else failing would hide here).
    assert (plugin["conclusion"] == "failure") == bool(open_findings), plugin["conclusion"]
    assert (assembly.error is not None) == bool(open_findings), assembly.error
    return outcome


def recorded_acknowledgements(assembly: CloudAssemblyDir) -> dict[tuple[str, str], str]:
    """(construct path, qualified rule id) -> reason of every acknowledgement in the assembly's metadata."""
    found = {}
    for path, entry in assembly.metadata():
        if entry["type"] == ACK_METADATA:
            for rule, reason in entry["data"].items():
                found[(_path(path), rule)] = reason
    return found


def assert_passes(assembly: CloudAssemblyDir) -> NagOutcome:
    outcome = nag_outcome(assembly)
    assert not outcome.open, f"unacknowledged cdk-nag findings:\n{outcome.describe_open()}"
    assert outcome.acknowledged, "nothing acknowledged: expected the library's inherent wildcards"
    assert_reasons_are_specific(outcome.acknowledged)
    assert_no_stale_acknowledgements(assembly, outcome)
    return outcome


def assert_reasons_are_specific(acknowledged: list[Acknowledged]) -> None:
    findings_by_reason: dict[tuple[str, str], set[str]] = defaultdict(set)
    for ack in acknowledged:
        assert len(ack.reason) >= MIN_REASON, f"reason too short for {ack.rule} at {ack.path}: {ack.reason!r}"
        assert not GENERIC_REASON.match(ack.reason), f"generic reason for {ack.rule} at {ack.path}: {ack.reason!r}"
        findings_by_reason[(ack.path.split("/", 1)[0], ack.reason)].add(ack.rule)
        # On the resource (or an ancestor below the stack), never on the app or a whole stack.
        assert ack.acknowledged_at.count("/") >= 1, f"{ack.rule} acknowledged for a whole stack: {ack.acknowledged_at}"
        assert ack.path == ack.acknowledged_at or ack.path.startswith(ack.acknowledged_at + "/")
    shared = {key: rules for key, rules in findings_by_reason.items() if len(rules) > 1}
    assert not shared, f"one reason for different findings of a stack (not specific): {shared}"


def assert_no_stale_acknowledgements(assembly: CloudAssemblyDir, outcome: NagOutcome) -> None:
    used = {(ack.acknowledged_at, f"{PLUGIN}::{ack.rule}") for ack in outcome.acknowledged}
    recorded = {key for key in recorded_acknowledgements(assembly) if key[1].startswith(f"{PLUGIN}::")}
    assert recorded, "no acknowledgement recorded in the assembly's metadata"
    assert recorded <= used, f"acknowledgements that match no finding: {sorted(recorded - used)}"


def library_acknowledgements(outcome: NagOutcome) -> dict[str, set[str]]:
    """Rule -> construct paths (below the stack) of what the library acknowledged."""
    found: dict[str, set[str]] = defaultdict(set)
    for ack in outcome.acknowledged:
        found[ack.rule].add(ack.path.split("/", 1)[1])
    return found


# --- the example app ----------------------------------------------------------------------------


def synth_app(app: Any) -> CloudAssemblyDir:
    error = None
    try:
        checked_synth(app)
    except RuntimeError as exception:
        error = str(exception)
    return CloudAssemblyDir(Path(app.outdir), error, app)


def hide_cdk_nag(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import cdk_nag`` fail for the rest of the test, as on a machine without cdk-nag."""
    real_import = builtins.__import__

    def no_cdk_nag(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "cdk_nag":
            raise ImportError("No module named 'cdk_nag'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cdk_nag)
