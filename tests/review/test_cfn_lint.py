"""cfn-lint: the example app's templates have no errors, a broken template is reported, and the
tests' synth helpers fail the calling test on a refused template.

Every test synthesizes through the helpers of ``tests/support/stacks.py`` (``checked_template``,
``template_json``, ``checked_synth``) or ``support.example_app.synth_example``: each template is
cfn-linted and its IAM statements checked there (``tests/support/template_lint.py``), and an error
fails that test, naming the rule, the path in the template and the template.
"""

from __future__ import annotations

import ast
import copy
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from support import template_lint
from support.example_app import CloudAssemblyDir
from support.paths import REPO_ROOT
from support.stacks import checked_synth, checked_template
from support.template_lint import LINT_REGIONS, Finding, TemplateChecker, TemplateCheckError, lint_templates


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


def broken_iam(template: dict[str, Any]) -> dict[str, Any]:
    """The template with a role whose policy allows an action SageMaker does not have."""
    template = copy.deepcopy(template)
    template["Resources"]["BrokenRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}],
            },
            "Policies": [{
                "PolicyName": "Broken",
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Sid": "NoSuchAction", "Effect": "Allow", "Action": "sagemaker:CreateModelz", "Resource": "*"}],
                },
            }],
        },
    }
    return template


def test_a_refused_template_fails_the_check_with_every_finding(example_default: CloudAssemblyDir) -> None:
    checker = TemplateChecker(background=False)
    template, function_id, model_id = broken(example_default.template("AutopilotInference-example"))
    text = json.dumps(broken_iam(template), indent=1)
    for _ in range(2):  # refused both times; the same text is checked once
        with pytest.raises(TemplateCheckError) as refused:
            checker.check([("Broken.template.json", text)])
        report = str(refused.value)
        assert "cfn-lint: " in report and " error(s) in Broken.template.json:" in report
        assert f"at Resources/{function_id}/Properties/MemorySize" in report
        assert f"at Resources/{model_id}/Properties/ExecutionRoleArn" in report
        assert "IAM authorization reference: " in report
        assert "BrokenRole/Broken statement NoSuchAction" in report and "sagemaker:CreateModelz" in report
    assert checker.requested == 2 and len(checker.verdicts) == 1
    summary = checker.summary()
    assert summary is not None and "1 distinct templates checked (2 handed in), 1 refused" in summary


def test_a_passing_template_is_checked_once_and_counted(example_default: CloudAssemblyDir) -> None:
    checker = TemplateChecker(background=False)
    text = example_default.template_text("AutopilotInference-example")
    checker.check([("a", text), ("b", text)])
    assert checker.requested == 2 and len(checker.verdicts) == 1
    summary = checker.summary()
    assert summary is not None and "0 refused" in summary


def lint_refused_stack() -> tuple[App, Stack]:
    """A stack cfn-lint refuses: a Lambda function with less memory than Lambda allows."""
    app = App()
    stack = Stack(app, "RefusedStack")
    lambda_.CfnFunction(stack, "Small", code=lambda_.CfnFunction.CodeProperty(zip_file="def handler(*_): pass"),
                        role="arn:aws:iam::111122223333:role/small", runtime="python3.12", handler="index.handler",
                        memory_size=64)
    return app, stack


@pytest.mark.parametrize("helper", ["checked_template", "checked_synth"])
def test_the_synth_helpers_fail_the_calling_test(helper: str, monkeypatch: pytest.MonkeyPatch) -> None:
    checker = TemplateChecker(background=False)
    monkeypatch.setattr(template_lint, "CHECKER", checker)  # the session's cache keeps no refused template
    app, stack = lint_refused_stack()
    with pytest.raises(TemplateCheckError, match=r"(?s)cfn-lint: \d+ error\(s\) in RefusedStack\.template\.json:.*"
                       r"at Resources/Small/Properties/MemorySize"):
        if helper == "checked_template":
            checked_template(stack)
        else:
            checked_synth(app)
    assert checker.requested == 1


def synth_calls_around_the_helpers(path: Path) -> list[str]:
    """``Template.from_stack(...)`` and ``x.synth()`` calls (CDK's synth takes keywords only) in a test module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        func = node.func
        from_stack = func.attr == "from_stack" and isinstance(func.value, ast.Name) and func.value.id == "Template"
        if from_stack or (func.attr == "synth" and not node.args):
            found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    return found


def test_every_test_synthesizes_through_the_checked_helpers() -> None:
    helpers = {REPO_ROOT / "tests" / "support" / "stacks.py"}
    modules = [path for path in sorted((REPO_ROOT / "tests").rglob("*.py")) if path not in helpers]
    assert len(modules) > 50
    found = [call for path in modules for call in synth_calls_around_the_helpers(path)]
    assert not found, f"synthesized without support.stacks.checked_template/checked_synth (not cfn-linted): {found}"
    assert synth_calls_around_the_helpers(REPO_ROOT / "tests" / "support" / "stacks.py")  # the check sees calls
