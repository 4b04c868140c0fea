"""The example app: built-in config, per-environment config, config errors, the real CLI."""

from __future__ import annotations

import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk
import pytest
from support.paths import REPO_ROOT
from support.stacks import checked_synth, checked_template

from examples.app import config as app_config
from examples.app.config import (
    DEFAULT_CONFIG,
    ConfigError,
    config_from_context,
    context_flag,
    load_config_file,
    nag_requested,
    parse_config,
)

EXAMPLE_CONFIG = REPO_ROOT / "examples" / "environments.yaml"
SOURCE = "envs.yaml"
REAL_APP = aws_cdk.App


def cdk_json_context() -> dict[str, Any]:
    return json.loads((REPO_ROOT / "cdk.json").read_text())["context"]


def synth(tmp_path: Path, **context: Any) -> tuple[Any, Any]:
    """Build the app from context as app.py does (cdk.json context included); return (stacks, assembly)."""
    from aws_cdk import App

    from examples.app.stack import create_stacks

    app = App(context={**cdk_json_context(), **context}, outdir=str(tmp_path / "cdk.out"))
    stacks = create_stacks(app, config_from_context(app))
    return stacks, checked_synth(app)


# --- the built-in example -----------------------------------------------------------------


@pytest.fixture(scope="module")
def default_synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    return synth(tmp_path_factory.mktemp("default"))


def test_default_config_is_one_environment_agnostic_stack(default_synth: tuple[Any, Any]) -> None:
    from aws_cdk import Token

    stacks, assembly = default_synth
    assert [stack.stack_name for stack in stacks] == ["AutopilotInference-example"]
    assert Token.is_unresolved(stacks[0].account) and Token.is_unresolved(stacks[0].region)
    artifact = assembly.get_stack_by_name("AutopilotInference-example")
    assert (artifact.environment.account, artifact.environment.region) == ("unknown-account", "unknown-region")
    assert not re.search(r"\b\d{12}\b", json.dumps(artifact.template)), "no literal account id"


def test_default_config_resources(default_synth: tuple[Any, Any]) -> None:
    from aws_cdk.assertions import Match

    stacks, _ = default_synth
    template = checked_template(stacks[0])
    template.resource_count_is("Custom::AutopilotModel", 1)
    template.resource_count_is("Custom::AutopilotTransformJob", 1)
    template.resource_count_is("AWS::SageMaker::Endpoint", 0)
    template.has_resource_properties(
        "Custom::AutopilotModel",
        {
            "AutoMLJobName": "customer-churn-autopilot",
            "InferenceResponseKeys": ["predicted_label", "probability"],
            "ExecutionRoleArn": Match.any_value(),
            "ModelNamePrefix": Match.string_like_regexp("^autopilotinference-example-"),
        },
    )
    template.has_resource_properties(
        "Custom::AutopilotTransformJob",
        {
            "TransformInput": Match.object_like(
                {"DataSource": {"S3DataSource": Match.object_like({"S3Uri": "s3://amzn-s3-demo-bucket/batch/input/"})}}
            ),
            "TransformOutput": Match.object_like({"S3OutputPath": "s3://amzn-s3-demo-bucket/batch/output/"}),
            "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
        },
    )
    template.has_output("ModelName", Match.any_value())
    template.has_output("TransformJobName", Match.any_value())


def test_default_config_matches_documented_example() -> None:
    (environment,) = parse_config(DEFAULT_CONFIG, "built-in").environments
    assert environment.automl_output_s3_uri == "s3://amzn-s3-demo-bucket/autopilot/customer-churn/"
    assert environment.inference_response_keys == ("predicted_label", "probability")
    assert environment.is_environment_agnostic


# --- one stack per account/region ----------------------------------------------------------


def test_environments_config_gives_one_stack_per_environment(tmp_path: Path) -> None:
    from aws_cdk.assertions import Match

    stacks, assembly = synth(tmp_path, config=str(EXAMPLE_CONFIG))
    expected = {
        "AutopilotInference-dev": ("111111111111", "us-east-1"),
        "AutopilotInference-staging": ("222222222222", "eu-west-1"),
        "AutopilotInference-prod": ("333333333333", "eu-west-1"),
    }
    assert [stack.stack_name for stack in stacks] == list(expected)
    for name, (account, region) in expected.items():
        artifact = assembly.get_stack_by_name(name)
        assert (artifact.environment.account, artifact.environment.region) == (account, region)
    by_name = {stack.stack_name: stack for stack in stacks}
    assert (by_name["AutopilotInference-prod"].account, by_name["AutopilotInference-prod"].region) == expected[
        "AutopilotInference-prod"
    ]

    prod = checked_template(by_name["AutopilotInference-prod"])
    prod.has_resource_properties(
        "Custom::AutopilotModel",
        {"AutoMLJobName": "customer-churn-autopilot-v2", "CandidateName": "customer-churn-autopilot-v2-003-4f2b9c1d"},
    )
    prod.has_resource_properties(
        "Custom::AutopilotTransformJob",
        {"TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2}, "WaitForCompletion": Match.any_value()},
    )
    (transform,) = prod.find_resources("Custom::AutopilotTransformJob").values()
    assert str(transform["Properties"]["WaitForCompletion"]).lower() == "false"
    prod.resource_count_is("AWS::SageMaker::Endpoint", 1)
    prod.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {"ProductionVariants": [Match.object_like({"InstanceType": "ml.m5.large", "InitialInstanceCount": 2})]},
    )
    dev = checked_template(by_name["AutopilotInference-dev"])
    dev.resource_count_is("AWS::SageMaker::Endpoint", 0)
    tagged = json.dumps(dev.to_json())
    assert '{"Key": "environment", "Value": "dev"}' in tagged and '{"Key": "project", "Value": "customer-churn"}' in tagged


def test_config_path_from_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_cdk import App

    monkeypatch.setenv(app_config.CONFIG_ENV_VAR, str(EXAMPLE_CONFIG))
    assert [e.name for e in config_from_context(App()).environments] == ["dev", "staging", "prod"]
    # -c config=... wins over the environment variable.
    monkeypatch.setenv(app_config.CONFIG_ENV_VAR, "/nonexistent.yaml")
    config = config_from_context(App(context={"config": str(EXAMPLE_CONFIG)}))
    assert config.source == str(EXAMPLE_CONFIG)
    monkeypatch.delenv(app_config.CONFIG_ENV_VAR)
    assert config_from_context(App()).source == app_config.DEFAULT_CONFIG_SOURCE


# --- config errors ------------------------------------------------------------------------


def valid_config() -> dict[str, Any]:
    return {
        "defaults": {
            "automl_job_name": "job-1",
            "artifact_bucket": "amzn-s3-demo-bucket",
            "transform": {"instance_type": "ml.m5.xlarge"},
        },
        "environments": [
            {
                "name": "dev",
                "account": "111111111111",
                "region": "us-east-1",
                "transform": {"input_s3_uri": "s3://amzn-s3-demo-bucket/in/", "output_s3_uri": "s3://amzn-s3-demo-bucket/out/"},
            },
            {
                "name": "prod",
                "account": "222222222222",
                "region": "eu-west-1",
                "transform": {"input_s3_uri": "s3://amzn-s3-demo-bucket/in/", "output_s3_uri": "s3://amzn-s3-demo-bucket/out/"},
            },
        ],
    }


def change(path: str, value: Any) -> Any:
    """A valid config with one value set (``value=...`` deletes it); path like ``environments.1.transform.x``."""

    def build() -> dict[str, Any]:
        data = valid_config()
        *parents, last = path.split(".")
        node: Any = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is ...:
            del node[last]
        else:
            node[last] = value
        return data

    return build


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (change("environments.1.automl_job_name", "job name!"), "environment 'prod': field 'automl_job_name': must be an AutoML job name"),
        (change("defaults.automl_job_name", ...), "environment 'dev': field 'automl_job_name': is required"),
        (change("defaults.artifact_bucket", ...), "environment 'dev': field 'artifact_bucket': is required"),
        (change("environments.1.artifact_bucket", "s3://bucket"), "environment 'prod': field 'artifact_bucket': must be an S3 bucket name"),
        (change("environments.0.transform.output_s3_uri", ...), "environment 'dev': field 'transform.output_s3_uri': is required"),
        (change("environments.1.transform.intance_count", 2), "environment 'prod': field 'transform.intance_count': unknown field; did you mean 'transform.instance_count'?"),
        (change("environments.1.regoin", "eu-west-1"), "environment 'prod': field 'regoin': unknown field; did you mean 'region'?"),
        (change("defaults.transform.bogus", 1), "defaults: field 'transform.bogus': unknown field"),
        (change("stacks", []), "field 'stacks': unknown field"),
        (change("environments.0.transform.instance_count", "two"), "environment 'dev': field 'transform.instance_count': must be a whole number; got 'two' (str)"),
        (change("environments.0.transform.instance_count", 0), "environment 'dev': field 'transform.instance_count': must be at least 1; got 0"),
        (change("environments.0.transform.wait_timeout_minutes", 721), "field 'transform.wait_timeout_minutes': must be between 1 and 720; got 721"),
        (change("environments.0.transform.wait_for_completion", "no"), "field 'transform.wait_for_completion': must be true or false; got 'no' (str)"),
        (change("environments.0.transform.input_s3_uri", "bucket/in"), "field 'transform.input_s3_uri': must be an S3 URI"),
        (change("environments.0.transform.split_type", "Lines"), "field 'transform.split_type': must be one of None, Line, RecordIO, TFRecord; got 'Lines'"),
        (change("environments.0.account", 111111111111), "environment 'dev': field 'account': must be a non-empty string (quote it in YAML); got 111111111111 (int)"),
        (change("environments.0.account", "1234"), "field 'account': must be a 12-digit AWS account id; got '1234'"),
        (change("environments.0.region", ...), "environment 'dev': field 'region': is required with 'account' and 'region' together"),
        (change("environments.0.inference_response_keys", "predicted_label"), "field 'inference_response_keys': must be a list of strings"),
        (change("environments.0.processing_unit", "TPU"), "field 'processing_unit': must be CPU or GPU; got 'TPU'"),
        (change("environments.0.tags", ["a"]), "field 'tags': must be a mapping"),
        (change("environments.0.endpoint", {"instance_type": "m5.large"}), "field 'endpoint.instance_type': must be a SageMaker instance type"),
        (change("environments.1.name", "dev"), "environment 'dev': field 'name': is defined twice (entries #1 and #2)"),
        (change("environments.1.name", "prod_eu"), "environment 'prod_eu': field 'name': must be a letter followed by"),
        (change("environments.1.name", ...), "environment #2: field 'name': is required"),
        (change("environments", []), "field 'environments': must be a non-empty list"),
        (change("environments", ...), "field 'environments': is required"),
        (change("defaults.name", "x"), "defaults: field 'name': cannot be a default"),
        (lambda: ["not", "a", "mapping"], "must hold a mapping with an 'environments' list"),
    ],
)
def test_config_errors_name_file_environment_and_field(build: Any, expected: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(build(), SOURCE)
    message = str(error.value)
    assert message.startswith(f"{SOURCE}: ")
    assert expected in message


def test_values_the_constructs_refuse_name_the_environment(tmp_path: Path) -> None:
    from examples.app.stack import create_stacks

    data = valid_config()
    data["environments"][1]["candidate_name"] = "c" * 70
    config = parse_config(data, SOURCE)
    with pytest.raises(ConfigError) as error:
        create_stacks(REAL_APP(outdir=str(tmp_path)), config)
    assert str(error.value).startswith(f"{SOURCE}: environment 'prod': ")
    assert "candidate_name" in str(error.value)


def test_defaults_merge_key_by_key() -> None:
    data = valid_config()
    data["defaults"]["tags"] = {"project": "p", "team": "t"}
    data["defaults"]["endpoint"] = {"instance_type": "ml.c5.large"}
    data["environments"][0]["tags"] = {"team": "dev-team"}
    data["environments"][0]["endpoint"] = {"initial_instance_count": 3}
    data["environments"][1]["endpoint"] = None
    dev, prod = parse_config(data, SOURCE).environments
    assert dict(dev.tags) == {"project": "p", "team": "dev-team"}
    assert (dev.endpoint.instance_type, dev.endpoint.initial_instance_count) == ("ml.c5.large", 3)  # type: ignore[union-attr]
    assert prod.endpoint is None
    assert dev.transform.instance_type == "ml.m5.xlarge" and dev.transform.input_s3_uri == "s3://amzn-s3-demo-bucket/in/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("environments:\n  - name: a\n    name: b\n", "envs.yaml: line 3: key 'name' appears twice"),
        ("environments: [\n", "envs.yaml: not valid YAML"),
        ("environments:\n  - name: dev\n    account: 111111111111\n    region: us-east-1\n",
         "envs.yaml: environment 'dev': field 'account': must be a non-empty string (quote it in YAML)"),
    ],
)
def test_yaml_file_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    Path(SOURCE).write_text(text)
    with pytest.raises(ConfigError, match=re.escape(expected)):
        load_config_file(SOURCE)


def test_missing_and_json_config_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.yaml: no such configuration file"):
        load_config_file(tmp_path / "missing.yaml")
    path = tmp_path / "envs.json"
    path.write_text(json.dumps(valid_config()))
    assert [e.name for e in load_config_file(path).environments] == ["dev", "prod"]
    path.write_text("{")
    with pytest.raises(ConfigError, match=r"envs\.json: not valid JSON"):
        load_config_file(path)


def test_example_file_documents_every_field() -> None:
    text = EXAMPLE_CONFIG.read_text()
    for key in app_config._ENVIRONMENT_KEYS:
        assert key in text, key


# --- app.py itself (in-process, as `cdk synth` runs it) -----------------------------------


def run_app_py(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, context: dict[str, Any]) -> Path:
    """Run app.py as `cdk synth` does, with ``context`` on top of cdk.json's.

    The jsii runtime's Node process was started before this test, so CDK_CONTEXT_JSON and
    CDK_OUTDIR set now would not reach it: hand them to the App instead.
    """
    outdir = tmp_path / "cdk.out"
    monkeypatch.setattr(aws_cdk, "App", lambda: REAL_APP(context={**cdk_json_context(), **context}, outdir=str(outdir)))
    monkeypatch.delenv(app_config.CONFIG_ENV_VAR, raising=False)
    runpy.run_path(str(REPO_ROOT / "app.py"), run_name="__main__")
    return outdir


@pytest.mark.parametrize(("value", "expected"), [("true", True), (True, True), ("1", True), ("false", False), (False, False), (None, False)])
def test_nag_context_flag(value: Any, expected: bool) -> None:
    from aws_cdk import App

    context = {} if value is None else {"nag": value}
    assert nag_requested(App(context=context)) is expected


def test_nag_context_flag_refuses_other_values() -> None:
    from aws_cdk import App

    with pytest.raises(ConfigError, match="context 'nag' must be true or false; got 'maybe'"):
        context_flag(App(context={"nag": "maybe"}), "nag")


def test_app_py_calls_the_nag_hook_only_when_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[Any] = []
    monkeypatch.setattr(app_config, "apply_nag_checks", calls.append)
    outdir = run_app_py(monkeypatch, tmp_path / "a", {"nag": "true"})
    assert len(calls) == 1 and (outdir / "AutopilotInference-example.template.json").is_file()
    run_app_py(monkeypatch, tmp_path / "b", {})  # cdk.json says nag: false
    assert len(calls) == 1


def test_app_py_config_error_is_one_clear_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bad = tmp_path / "envs.yaml"
    bad.write_text("environments:\n  - name: dev\n    automl_job_name: job\n    artifact_bucket: amzn-s3-demo-bucket\n")
    with pytest.raises(SystemExit) as exit_info:
        run_app_py(monkeypatch, tmp_path, {"config": str(bad)})
    assert exit_info.value.code == (
        f"Configuration error: {bad}: environment 'dev': field 'transform': "
        "is required (input_s3_uri and output_s3_uri at least)"
    )


# --- the real CDK CLI, offline ------------------------------------------------------------


def offline_env(tmp_path: Path) -> dict[str, str]:
    """The environment of `make synth`, minus any AWS credentials or configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env.pop(app_config.CONFIG_ENV_VAR, None)
    env.update(
        PATH=os.pathsep.join([str(REPO_ROOT / ".venv" / "bin"), str(REPO_ROOT / "node_modules" / ".bin"), env.get("PATH", "")]),
        JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        CDK_DISABLE_VERSION_CHECK="1",
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


@pytest.mark.slow
def test_cdk_cli_synth_offline(tmp_path: Path) -> None:
    cdk = REPO_ROOT / "node_modules" / ".bin" / "cdk"
    if not cdk.exists():
        pytest.skip("node_modules not installed (make install)")
    env = offline_env(tmp_path)
    outputs = {}
    for label, extra in (("default", []), ("environments", ["-c", "config=examples/environments.yaml"])):
        out = tmp_path / label
        result = subprocess.run(
            [str(cdk), "synth", "--quiet", "--output", str(out), *extra],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        summary = subprocess.run(
            [sys.executable, "-m", "autopilot_inference", "summary", str(out)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )
        assert summary.returncode == 0, summary.stderr
        outputs[label] = summary.stdout
    assert "AutopilotInference-example (environment-agnostic)" in outputs["default"]
    assert "  model Model: AutoML job customer-churn-autopilot, candidate best" in outputs["default"]
    assert "  transform job BatchTransform: s3://amzn-s3-demo-bucket/batch/input/" in outputs["default"]
    assert "AutopilotInference-prod (account 333333333333, region eu-west-1)" in outputs["environments"]
