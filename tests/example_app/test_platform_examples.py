"""The platform layout and the CDK Pipelines example, synthesized through the CDK CLI and summarized.

``examples/platform``: a model stack, a scoring stack (its own bucket, used through tokens, a
batch transform and a nightly schedule) and a serving stack; ``pipeline.py`` deploys them to a
Dev and a Prod account. The CLI run is what a user runs: no traceback, no dependency cycle, no
cross-stack reference whose strength CDK has to guess, and ``summary`` describes each stage.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import REPO_ROOT
from support.template_lint import check_template_files, lint_templates

CDK = REPO_ROOT / "node_modules" / ".bin" / "cdk"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CDK.exists(), reason="needs the pinned CDK CLI (make install)")]


def cli_synth(app_module: str, out: Path, tmp_path: Path) -> str:
    env = {
        **os.environ,
        "CDK_DISABLE_VERSION_CHECK": "1",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    result = subprocess.run(
        [str(CDK), "synth", "--app", f"{sys.executable} -m {app_module}", "--output", str(out)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for trouble in ("Traceback", "DependencyCycle", "cross-stack-reference strength", "crossStackReferences", "ERROR"):
        assert trouble not in output, output
    # cfn-lint and the IAM reference on every template of the library's stacks (stage assemblies too); the
    # pipeline's own stack (aws-cdk-lib's CodePipeline, with its own wildcards) gets cfn-lint.
    templates = sorted(out.rglob("*.template.json"))
    check_template_files([path for path in templates if path.name != "ChurnPipeline.template.json"])
    for path in templates:
        if path.name == "ChurnPipeline.template.json":
            (findings,) = lint_templates([path.read_text()])
            assert [str(finding) for finding in findings if finding.is_error] == []
    return output


def summary(out: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "autopilot_inference", "summary", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_three_stack_layout_synthesizes_through_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "platform"
    cli_synth("examples.platform.app", out, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["artifacts"]["ChurnScoringStack"]["dependencies"] == ["ChurnModelStack", "ChurnScoringStack.assets"]
    for name in ("ChurnModelStack", "ChurnScoringStack", "ChurnServingStack"):
        assert "Fn::ImportValue" not in (out / f"{name}.template.json").read_text()
    text = summary(out)
    assert "ChurnScoringStack (account 111111111111, region eu-west-1)" in text
    assert "  schedule Nightly: cron(0 3 * * ? *), time zone Europe/London" in text


def test_the_pipeline_example_synthesizes_and_summary_describes_each_stage(tmp_path: Path) -> None:
    out = tmp_path / "pipeline"
    cli_synth("examples.platform.pipeline", out, tmp_path)
    stages = sorted(path.name for path in out.glob("assembly-*"))
    assert stages == ["assembly-ChurnPipeline-Dev", "assembly-ChurnPipeline-Prod"]
    text = summary(out)
    for stage, account in (("Dev", "111111111111"), ("Prod", "222222222222")):
        for stack in ("ChurnModelStack", "ChurnScoringStack", "ChurnServingStack"):
            assert f"ChurnPipeline/{stage}/{stack} (account {account}, region eu-west-1)" in text
        copy = f"copy of ChurnPipeline/{stage}/ChurnModelStack/ChurnModel"
        assert f"  model {copy}" in text
        assert f"  endpoint ChurnEndpoint/Endpoint: ml.m5.large x 1 (model {copy})" in text
    # Dev registers the candidate for Prod; Prod deploys the newest Approved version, in every stack.
    assert "  model package ChurnRegistration in group churn-models: AutoML job churn-hpo-2026-11" in text
    group_arn = "arn:aws:sagemaker:eu-west-1:111111111111:model-package-group/churn-models"
    assert f"  model ChurnModel from the model registry: the newest Approved version of {group_arn}" in text
    assert f"  model copy of ChurnPipeline/Prod/ChurnModelStack/ChurnModel from the model registry: the newest Approved version of {group_arn}" in text
    [dev_models] = (out / "assembly-ChurnPipeline-Dev").glob("*ChurnModelStack*.template.json")
    (group,) = [r for r in json.loads(dev_models.read_text())["Resources"].values() if r["Type"] == "AWS::SageMaker::ModelPackageGroup"]
    assert ":iam::222222222222:root" in json.dumps(group["Properties"]["ModelPackageGroupPolicy"])
    pipeline = json.loads((out / "ChurnPipeline.template.json").read_text())
    stage_names = [stage["Name"] for stage in next(
        r for r in pipeline["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    )["Properties"]["Stages"]]
    assert stage_names[:2] == ["Source", "Build"] and stage_names[-2:] == ["Dev", "Prod"]
