"""cfn-lint: the example app's templates have no errors, and a broken template is reported.

Besides these tests, every template the session synthesizes is linted when it ends
(``tests/support/template_lint.py``, registered by ``tests/conftest.py``): an error there fails
``make test``, naming the rule, the path in the template and the test that synthesized it.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from support.example_app import CloudAssemblyDir
from support.template_lint import LINT_REGIONS, Finding, TemplateLintPlugin, lint_templates


def lint_assemblies(*assemblies: CloudAssemblyDir) -> dict[str, list[Finding]]:
    """Stack -> findings, each stack linted for its own region (environment-agnostic: us-east-1)."""
    by_region: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for assembly in assemblies:
        for stack in assembly.stacks():
            by_region[assembly.region(stack) or LINT_REGIONS[0]].append((stack, assembly.template_text(stack)))
    results = {}
    for region, templates in by_region.items():
        for (stack, _), findings in zip(templates, lint_templates([text for _, text in templates], regions=[region]), strict=True):
            results[stack] = findings
    return results


def test_example_templates_have_no_errors(
    example_default: CloudAssemblyDir, example_environments: CloudAssemblyDir
) -> None:
    results = lint_assemblies(example_default, example_environments)
    assert set(results) == {
        "AutopilotInference-example",
        "AutopilotInference-dev",
        "AutopilotInference-staging",
        "AutopilotInference-prod",
    }
    errors = {stack: [f for f in findings if f.is_error] for stack, findings in results.items()}
    assert not any(errors.values()), errors


def broken(template: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """The template with the handler's memory below Lambda's minimum and a GetAtt of a missing resource."""
    template = copy.deepcopy(template)
    resources = template["Resources"]
    (function_id,) = [
        key for key, value in resources.items()
        if value["Type"] == "AWS::Lambda::Function" and value["Properties"].get("Handler", "").startswith("autopilot_runtime")
    ]
    resources[function_id]["Properties"]["MemorySize"] = 64
    (model_id,) = [key for key, value in resources.items() if value["Type"] == "Custom::AutopilotModel"]
    resources[model_id]["Properties"]["ExecutionRoleArn"] = {"Fn::GetAtt": ["NoSuchRole", "Arn"]}
    return template, function_id, model_id


def test_a_broken_template_gives_errors(example_default: CloudAssemblyDir) -> None:
    template, function_id, model_id = broken(example_default.template("AutopilotInference-example"))
    (findings,) = lint_templates([json.dumps(template, indent=1)])
    errors = {(f.rule, f.path) for f in findings if f.is_error}
    assert any(path == f"Resources/{function_id}/Properties/MemorySize" for _, path in errors), errors
    assert any(path.startswith(f"Resources/{model_id}/Properties/ExecutionRoleArn") for _, path in errors), errors
    assert all(rule.startswith("E") for rule, _ in errors)


class FakeTerminal:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write_sep(self, sep: str, title: str) -> None:
        self.lines.append(title)

    def write_line(self, line: str, **markup: Any) -> None:
        self.lines.append(line)


def test_the_session_plugin_fails_the_session_on_an_error(example_default: CloudAssemblyDir, tmp_path: Path) -> None:
    """The end-of-session check, on a broken template it recorded: exit status 1, the error listed."""
    plugin = TemplateLintPlugin(background=False)
    template, function_id, _ = broken(example_default.template("AutopilotInference-example"))
    path = tmp_path / "Broken.template.json"
    path.write_text(json.dumps(template, indent=1))
    plugin.recorder.record_file(path)
    plugin.recorder.record_file(path)  # the same template twice is linted once
    session = SimpleNamespace(exitstatus=pytest.ExitCode.OK)
    plugin.pytest_sessionfinish(session, 0)  # type: ignore[arg-type]
    assert session.exitstatus == pytest.ExitCode.TESTS_FAILED
    assert plugin.linted == 1 and plugin.recorder.synthesized == 2
    terminal = FakeTerminal()
    plugin.pytest_terminal_summary(terminal)
    report = "\n".join(terminal.lines)
    assert f"at Resources/{function_id}/Properties/MemorySize" in report
    assert "in Broken.template.json from tests/review/test_cfn_lint.py::test_the_session_plugin_fails_the_session_on_an_error" in report
    assert "the session fails" in report
