"""`python -m autopilot_inference summary CDK_OUT_DIR`: what a cloud assembly will deploy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.paths import REPO_ROOT
from support.stacks import checked_synth

from autopilot_inference.tools import cli
from autopilot_inference.tools.summary import SummaryError, describe_environment, render_value, summarize

EXAMPLE_CONFIG = REPO_ROOT / "examples" / "environments.yaml"


def synth_to(outdir: Path, config_path: Path | None = None) -> Path:
    """Synthesize the example app in-process, as `cdk synth` would (cdk.json context, path metadata)."""
    from aws_cdk import App

    from examples.app.config import config_from_context
    from examples.app.stack import create_stacks

    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    context["aws:cdk:enable-path-metadata"] = True
    if config_path is not None:
        context["config"] = str(config_path)
    app = App(context=context, outdir=str(outdir))
    create_stacks(app, config_from_context(app))
    checked_synth(app)
    return outdir


@pytest.fixture(scope="module")
def default_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth_to(tmp_path_factory.mktemp("default") / "cdk.out")


@pytest.fixture(scope="module")
def environments_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth_to(tmp_path_factory.mktemp("environments") / "cdk.out", EXAMPLE_CONFIG)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def template(out: Path, stack_name: str) -> dict[str, Any]:
    return json.loads((out / f"{stack_name}.template.json").read_text())


def resources_of_type(template_json: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    return [r.get("Properties", {}) for r in template_json["Resources"].values() if r["Type"] == resource_type]


def line_starting(output: str, prefix: str) -> str:
    matches = [line for line in output.splitlines() if line.startswith(prefix)]
    assert len(matches) == 1, f"expected one line starting {prefix!r} in:\n{output}"
    return matches[0]


def test_default_app_summary(default_out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "summary", str(default_out))
    assert code == 0, err
    stack = template(default_out, "AutopilotInference-example")
    (model,) = resources_of_type(stack, "Custom::AutopilotModel")

    assert out.splitlines()[0] == f"{default_out}: 1 stack"
    assert "AutopilotInference-example (environment-agnostic)" in out.splitlines()
    model_line = line_starting(out, "  model Model: ")
    assert "AutoML job customer-churn-autopilot" in model_line
    assert "candidate best" in model_line
    assert "predicted_label" in model_line and "probability" in model_line
    assert f"name prefix {model['ModelNamePrefix']}" in model_line
    transform_line = line_starting(out, "  transform job BatchTransform: ")
    assert (
        "s3://amzn-s3-demo-bucket/batch/input/ -> s3://amzn-s3-demo-bucket/batch/output/, ml.m5.xlarge x 1"
        in transform_line
    )
    assert "model Model" in transform_line
    assert "waits for completion" in transform_line
    indented = [line.split()[0] for line in out.splitlines() if line.startswith("  ")]
    # The built-in config's nightly schedule: its line, what each run does, the next run's locations.
    assert indented == ["model", "transform", "schedule", "each", "next", str(len(stack["Resources"]))]
    count_line = line_starting(out, f"  {len(stack['Resources'])} resources: ")
    assert "1 Custom::AutopilotModel" in count_line and "1 Custom::AutopilotTransformJob" in count_line
    assert "endpoint" not in out


def test_environments_summary(environments_out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "summary", str(environments_out))
    assert code == 0, err
    assert out.splitlines()[0] == f"{environments_out}: 3 stacks"
    lines = out.splitlines()
    assert "AutopilotInference-dev (account 111111111111, region us-east-1)" in lines
    assert "AutopilotInference-staging (account 222222222222, region eu-west-1)" in lines
    assert "AutopilotInference-prod (account 333333333333, region eu-west-1)" in lines

    prod = out.split("AutopilotInference-prod (")[1]
    assert "candidate customer-churn-autopilot-v2-003-4f2b9c1d" in prod
    assert "AutoML job customer-churn-autopilot-v2," in prod
    assert "ml.m5.xlarge x 2" in prod
    assert "does not wait for completion" in prod
    assert "  endpoint " in prod and "ml.m5.large x 2" in prod
    dev = out.split("AutopilotInference-dev (")[1].split("AutopilotInference-staging (")[0]
    assert "s3://amzn-s3-demo-bucket-dev/batch/input/ -> s3://amzn-s3-demo-bucket-dev/batch/output/" in dev
    assert "waits for completion" in dev and "endpoint" not in dev


# --- hand-written assemblies: the reader and renderer on their own (no CDK) -----------------


def write_assembly(directory: Path, stacks: dict[str, tuple[str, dict[str, Any]]], nested: dict[str, Any] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, Any] = {}
    for name, (environment, resources) in stacks.items():
        (directory / f"{name}.template.json").write_text(json.dumps({"Resources": resources}))
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "environment": environment,
            "properties": {"templateFile": f"{name}.template.json"},
            "displayName": name,
        }
    for stage, stage_stacks in (nested or {}).items():
        write_assembly(directory / f"assembly-{stage}", stage_stacks)
        artifacts[f"assembly-{stage}"] = {
            "type": "cdk:cloud-assembly",
            "properties": {"directoryName": f"assembly-{stage}", "displayName": stage},
        }
    (directory / "manifest.json").write_text(json.dumps({"version": "48.0.0", "artifacts": artifacts}))
    return directory


MODEL = {
    "Type": "Custom::AutopilotModel",
    "Properties": {
        "ServiceToken": {"Fn::GetAtt": ["ProviderFrameworkonEvent", "Arn"]},
        "AutoMLJobName": {"Ref": "JobName"},
        "CandidateName": "job-003-abc",
        "InferenceResponseKeys": [],
        "ModelNamePrefix": "Stack-Model",
        "ProcessingUnit": "GPU",
    },
    "Metadata": {"aws:cdk:path": "Stack/Scoring/Model/Resource/Default"},
}
TRANSFORM = {
    "Type": "Custom::AutopilotTransformJob",
    "Properties": {
        "ModelName": {"Fn::GetAtt": ["ScoringModel", "ModelName"]},
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://in/x/"}}},
        "TransformOutput": {"S3OutputPath": {"Fn::Join": ["", ["s3://", {"Ref": "Bucket"}, "/out/"]]}},
        "TransformResources": {"InstanceType": "ml.c5.2xlarge", "InstanceCount": "3"},
        "WaitForCompletion": "false",
    },
}
ENDPOINT = {
    "ScoringConfig": {
        "Type": "AWS::SageMaker::EndpointConfig",
        "Properties": {
            "ProductionVariants": [
                {"InstanceType": "ml.m5.large", "InitialInstanceCount": 2, "ModelName": {"Fn::GetAtt": ["ScoringModel", "ModelName"]}}
            ]
        },
    },
    "ScoringEndpoint": {
        "Type": "AWS::SageMaker::Endpoint",
        "Properties": {"EndpointConfigName": {"Fn::GetAtt": ["ScoringConfig", "EndpointConfigName"]}},
    },
}


def test_hand_written_assembly(tmp_path: Path) -> None:
    resources = {"ScoringModel": MODEL, "ScoringTransform": TRANSFORM, **ENDPOINT, "Role": {"Type": "AWS::IAM::Role"}}
    out = write_assembly(
        tmp_path / "cdk.out",
        {"Stack": ("aws://unknown-account/eu-central-1", resources)},
        nested={"Prod": {"Prod-Stack": ("aws://123456789012/us-west-2", {})}},
    )
    assert summarize(out).splitlines() == [
        f"{out}: 2 stacks",
        "",
        "Stack (region eu-central-1, any account)",
        "  model Scoring/Model: AutoML job ${JobName}, candidate job-003-abc, response keys container defaults, "
        "name prefix Stack-Model, GPU containers",
        "  transform job ScoringTransform: s3://in/x/ -> s3://${Bucket}/out/, ml.c5.2xlarge x 3, "
        "model Scoring/Model, the deployment does not wait for completion",
        "  endpoint ScoringEndpoint: ml.m5.large x 2 (model Scoring/Model)",
        "  5 resources: 1 AWS::IAM::Role, 1 AWS::SageMaker::Endpoint, 1 AWS::SageMaker::EndpointConfig, "
        "1 Custom::AutopilotModel, 1 Custom::AutopilotTransformJob",
        "",
        "Prod/Prod-Stack (account 123456789012, region us-west-2)",
        "  0 resources",
    ]


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ("aws://unknown-account/unknown-region", "environment-agnostic"),
        ("", "environment-agnostic"),
        ("aws://111111111111/us-east-1", "account 111111111111, region us-east-1"),
        ("aws://111111111111/unknown-region", "account 111111111111, any region"),
    ],
)
def test_describe_environment(environment: str, expected: str) -> None:
    assert describe_environment(environment) == expected


def test_render_value() -> None:
    assert render_value(["a", "b"]) == "a, b"
    assert render_value({"Fn::GetAtt": ["Model", "ModelName"]}) == "${Model.ModelName}"
    assert render_value({"Fn::Sub": "s3://${Bucket}/x"}) == "s3://${Bucket}/x"
    assert render_value({"Fn::If": ["C", "a", "b"]}) == '{"Fn::If":["C","a","b"]}'
    assert render_value(True) == "true"


def test_wait_timeout_is_shown(tmp_path: Path) -> None:
    transform = json.loads(json.dumps(TRANSFORM))
    transform["Properties"].update(WaitForCompletion="true", WaitTimeoutSeconds="1800")
    out = write_assembly(tmp_path / "cdk.out", {"S": ("aws://unknown-account/unknown-region", {"T": transform})})
    assert "waits for completion (up to 30 min)" in summarize(out)


@pytest.mark.parametrize("setup", ["missing", "no-manifest", "bad-json"])
def test_unreadable_assembly_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: str) -> None:
    out = tmp_path / "cdk.out"
    if setup != "missing":
        out.mkdir()
    if setup == "bad-json":
        (out / "manifest.json").write_text("{not json")
    code, stdout, stderr = run_cli(capsys, "summary", str(out))
    assert code == 1 and stdout == ""
    assert stderr.startswith(f"error: {out}")
    assert "Traceback" not in stderr
    with pytest.raises(SummaryError):
        summarize(out)


def test_cli_needs_a_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main([])
    assert exit_info.value.code == 2
    assert "summary" in capsys.readouterr().err


def test_a_template_file_is_summarized_as_its_stack(
    default_out: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``summary cdk.out/<stack>.template.json`` used to say "no such directory"."""
    template_file = default_out / "AutopilotInference-example.template.json"
    code, out, err = run_cli(capsys, "summary", str(template_file))
    assert code == 0, err
    whole = summarize(default_out).split("\n\n")
    # The stack's block as the directory's summary shows it: named and placed by the assembly's manifest.
    assert out.rstrip("\n").split("\n\n") == [f"{template_file}: 1 stack", whole[1]]
    # A template outside a cloud assembly: named by its file; its environment is not known.
    alone = tmp_path / "Scoring.template.json"
    alone.write_text(template_file.read_text())
    lines = summarize(alone).splitlines()
    assert lines[2] == "Scoring (environment unknown: a template outside a cloud assembly)"
    assert lines[3:] == whole[1].splitlines()[1:]


@pytest.mark.parametrize(("name", "text"), [("manifest.json", '{"version": "36.0.0"}'), ("x.json", "[1]")])
def test_a_file_that_is_not_a_template_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    code, stdout, stderr = run_cli(capsys, "summary", str(path))
    assert code == 1 and stdout == ""
    assert stderr.strip() == f"error: {path}: not a CloudFormation template (no Resources object)"


def test_a_missing_path_names_both_accepted_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, stderr = run_cli(capsys, "summary", str(tmp_path / "cdk.out"))
    assert code == 1
    assert "cloud assembly directory" in stderr and "template file" in stderr
