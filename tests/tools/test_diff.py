"""`python -m autopilot_inference diff OLD NEW`: what deploying one synthesized app over another does.

Each pair is two real synths of the same app (in-process, through `support.stacks.checked_synth`, so cfn-lint and
the IAM reference pass every template), differing in one thing. What the tool reports is checked against what
CloudFormation and the handler do: the handler's own replace rule (`lifecycle.replaces`, driven here with the
provider framework's Update event built from the two templates), CloudFormation's replacement of an
`AWS::SageMaker::EndpointConfig` on any property but tags, and the JSON Schema the package ships.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from aws_cdk import App, Duration, Stack, Stage, Tags
from aws_cdk import aws_iam as iam
from support.paths import REPO_ROOT
from support.stacks import BUCKET, INPUT_URI, JOB, OUTPUT_URI, RESULT_URI, checked_synth

from autopilot_inference import (
    AutopilotBatchTransform,
    AutopilotModel,
    AutopilotScheduledTransform,
    BlueGreenUpdate,
    CapacitySize,
    EndpointAlarms,
    RollingUpdate,
    ServerlessConfig,
    TrafficRouting,
)
from autopilot_inference._lambda.autopilot_runtime import contract, lifecycle, naming
from autopilot_inference._lambda.autopilot_runtime.properties import job_configuration, model_configuration
from autopilot_inference.tools import cli
from autopilot_inference.tools import diff as diff_module

NOW = "2026-01-15T08:00:00+00:00"
GOLDEN = Path(__file__).with_name("golden") / "diff_keys_change.md"
KEYS = ["predicted_label"]
NEW_KEYS = ["predicted_label", "probability"]
CONTEXT = {"aws:cdk:enable-path-metadata": True, "@aws-cdk/core:defaultCrossStackReferences": "weak"}


def churn_app(
    outdir: Path,
    *,
    keys: list[str] = KEYS,
    model_id: str = "Model",
    transform_id: str = "BatchTransform",
    wait_minutes: int = 30,
    schedule: str = "cron(0 2 * * ? *)",
    time_zone: str | None = None,
    tags: dict[str, str] | None = None,
    reworked: bool = False,
) -> Path:
    """A model with a blue/green canary endpoint, a batch transform and nightly scoring, and a second stack whose
    transform uses the same model (a weak cross-stack reference, `Fn::GetStackOutput`).

    ``reworked``: a rolling update on 3 instances, the transform reads another prefix and does not wait, the
    scoring schedule is gone and the model's execution role may read reference data.
    """
    app = App(context=CONTEXT, outdir=str(outdir))
    stack = Stack(app, "Churn")
    model = AutopilotModel(stack, model_id, automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI, inference_response_keys=keys)
    alarms = EndpointAlarms(max_model_latency=Duration.millis(300))
    if reworked:
        model.add_endpoint(
            "Endpoint", initial_instance_count=3, endpoint_alarms=alarms,
            rolling_update=RollingUpdate(CapacitySize.percent(20), Duration.minutes(2)),
        )
        AutopilotBatchTransform(
            stack, "BatchTransform", model=model, input_s3_uri=f"{INPUT_URI}/2026/", output_s3_uri=RESULT_URI,
            wait_for_completion=False,
        )
        model.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"arn:aws:s3:::{BUCKET}/reference/*"])
        )
    else:
        model.add_endpoint(
            "Endpoint", initial_instance_count=2, endpoint_alarms=alarms,
            blue_green=BlueGreenUpdate(
                traffic_routing=TrafficRouting.canary(size=CapacitySize.percent(25), wait=Duration.minutes(5)),
                termination_wait=Duration.minutes(10),
            ),
        )
        AutopilotBatchTransform(
            stack, transform_id, model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI,
            wait_timeout=Duration.minutes(wait_minutes),
        )
        AutopilotScheduledTransform(
            stack, "Scoring", model=model, schedule=schedule, time_zone=time_zone,
            input_s3_uri=f"s3://{BUCKET}/incoming/{{date}}/", output_s3_uri=f"s3://{BUCKET}/scored/{{date}}/",
        )
    consumer = Stack(app, "Reporting")
    AutopilotBatchTransform(
        consumer, "Monthly", model=model, input_s3_uri=f"s3://{BUCKET}/monthly/", output_s3_uri=f"s3://{BUCKET}/monthly-scored/",
    )
    for key, value in (tags or {}).items():
        Tags.of(app).add(key, value)
    checked_synth(app)
    return outdir


def stage_app(outdir: Path, *, keys: list[str], memory: int) -> Path:
    """A CDK Pipelines-style stage: its stacks are synthesized into a nested assembly (``assembly-Prod``); the
    second stack uses the model of the first (and so deploys its own copy of it)."""
    app = App(context={"aws:cdk:enable-path-metadata": True}, outdir=str(outdir))
    stage = Stage(app, "Prod")
    stack = Stack(stage, "Churn")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI, inference_response_keys=keys)
    model.add_endpoint("Serverless", serverless=ServerlessConfig(memory_size_in_mb=memory, max_concurrency=5))
    AutopilotBatchTransform(
        Stack(stage, "Reporting"), "Monthly", model=model, input_s3_uri=f"s3://{BUCKET}/monthly/",
        output_s3_uri=f"s3://{BUCKET}/monthly-scored/",
    )
    checked_synth(app)
    return outdir


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("diff")


@pytest.fixture(scope="module")
def base(out: Path) -> Path:
    return churn_app(out / "base")


@pytest.fixture(scope="module")
def keys_changed(out: Path) -> Path:
    return churn_app(out / "keys", keys=NEW_KEYS)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["diff", *argv, "--now", NOW])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def effects(capsys: pytest.CaptureFixture[str], old: Path | str, new: Path | str) -> list[dict[str, Any]]:
    code, output, err = run(capsys, str(old), str(new), "--format", "json")
    assert code == 0, err
    document = json.loads(output)
    jsonschema.validate(document, json.loads(diff_module.SCHEMA_FILE.read_text()))
    return list(document["effects"])


def kinds(found: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(effect["stack"], effect["construct"], effect["kind"]) for effect in found]


def template(assembly: Path, name: str) -> dict[str, Any]:
    return json.loads((assembly / f"{name}.template.json").read_text())


def resource(template_json: dict[str, Any], resource_type: str) -> dict[str, Any]:
    [found] = [r for r in template_json["Resources"].values() if r["Type"] == resource_type]
    return dict(found)


STACK_ID = "arn:aws:cloudformation:us-east-1:111122223333:stack/Churn/0b7e4c50-0000-11ef-8000-0a1b2c3d4e5f"


def update_event(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The provider framework's Update event for a resource whose properties go from ``old`` to ``new``; its
    physical id the name the handler gave the model, or the job, it created from ``old``."""
    if contract.MODEL_NAME_PREFIX in old:
        physical_id = naming.model_name(old[contract.MODEL_NAME_PREFIX], STACK_ID, "Resource", model_configuration(old))
    else:
        physical_id = naming.transform_job_name(
            old[contract.TRANSFORM_JOB_NAME_PREFIX], STACK_ID, "Resource", job_configuration(old), "request-1"
        )
    return {
        "RequestType": "Update",
        "StackId": STACK_ID,
        "LogicalResourceId": "Resource",
        "ResourceProperties": new,
        "OldResourceProperties": old,
        "PhysicalResourceId": physical_id,
    }


# --- The realistic pair: the response keys change --------------------------------------------------


def test_a_keys_change_replaces_the_model_and_everything_that_uses_it(
    capsys: pytest.CaptureFixture[str], base: Path, keys_changed: Path
) -> None:
    found = effects(capsys, base, keys_changed)
    assert kinds(found) == [
        ("Churn", "Model", "model-replaced"),
        ("Churn", "Model/Endpoint", "endpoint-redeployed"),
        ("Churn", "BatchTransform", "transform-started"),
        ("Churn", "Scoring", "schedule-changed"),
        # The other stack deploys its own copy of the model: replaced in its own deployment, with its job.
        ("Reporting", "copy of Churn/Model", "model-replaced"),
        ("Reporting", "Monthly", "transform-started"),
    ]
    model, endpoint, transform, schedule, copy, shared = (effect["detail"] for effect in found)
    # The handler's own rule agrees: an Update from the old properties to the new ones replaces the model.
    old_props = resource(template(base, "Churn"), contract.MODEL_RESOURCE_TYPE)["Properties"]
    new_props = resource(template(keys_changed, "Churn"), contract.MODEL_RESOURCE_TYPE)["Properties"]
    assert lifecycle.replaces(update_event(old_props, new_props), model_configuration)
    assert model["reasons"] == ["keys"]
    assert model["changes"] == {contract.INFERENCE_RESPONSE_KEYS: {"before": "predicted_label", "after": "predicted_label,probability"}}
    assert endpoint["reasons"] == ["model Model replaced"]
    assert endpoint["deployment"] == "blue/green canary 25 %, wait 300 s, baking 600 s"
    assert endpoint["rollback_alarms"] == ["Model/Endpoint/Invocation5XXErrorsAlarm", "Model/Endpoint/ModelLatencyAlarm"]
    assert transform == {
        "reasons": ["model Model replaced"], "model": "Model", "reads": INPUT_URI, "writes": RESULT_URI,
        "instances": "ml.m5.xlarge x 1", "waits": True, "wait_timeout_minutes": 30,
    }
    assert copy["reasons"] == ["keys"] and copy["changes"] == model["changes"]
    # The shared model's consumer waits the whole limit (no wait_timeout given).
    assert shared["reasons"] == ["model copy of Churn/Model replaced"]
    assert shared["model"] == "copy of Churn/Model"
    assert shared["wait_timeout_minutes"] == contract.DEFAULT_WAIT_TIMEOUT_MINUTES
    assert schedule["reasons"] == ["model Model replaced"]
    assert schedule["next_runs_after"] == schedule["next_runs_before"]
    assert schedule["next_runs_after"].startswith("next runs 2026-01-16 02:00 UTC")


def test_the_text_is_the_golden_pull_request_comment(
    capsys: pytest.CaptureFixture[str], base: Path, keys_changed: Path
) -> None:
    code, output, _ = run(capsys, str(base), str(keys_changed))
    assert code == 0
    assert output == GOLDEN.read_text(), "regenerate tests/tools/golden/diff_keys_change.md if the change is intended"


def test_the_readme_shows_the_real_output_of_a_keys_change(
    capsys: pytest.CaptureFixture[str], base: Path, keys_changed: Path
) -> None:
    section = (REPO_ROOT / "README.md").read_text().split("## Reviewing changes in pull requests", 1)[1]
    sample = re.search(r"````markdown\n(.*?)````", section, re.DOTALL)
    assert sample is not None, "the review section shows a diff output in a ````markdown block"
    _, output, _ = run(capsys, str(base), str(keys_changed))
    assert sample.group(1) == output


def test_fail_on_exits_1_after_printing_and_names_the_kinds(
    capsys: pytest.CaptureFixture[str], base: Path, keys_changed: Path
) -> None:
    code, output, err = run(capsys, str(base), str(keys_changed), "--fail-on", "model-deleted,endpoint-redeployed")
    assert code == 1
    assert "**The endpoint `Model/Endpoint` is redeployed**" in output
    assert err.strip() == "error: --fail-on: found endpoint-redeployed"
    assert run(capsys, str(base), str(keys_changed), "--fail-on", "model-deleted")[0] == 0


def test_template_files_json_yaml_and_get_template_output(
    capsys: pytest.CaptureFixture[str], base: Path, keys_changed: Path, tmp_path: Path
) -> None:
    """One stack per side, as files: the saved JSON template, a YAML one with CloudFormation's short forms, and
    `aws cloudformation get-template` output ({"TemplateBody": ...})."""
    old = template(base, "Churn")
    (tmp_path / "deployed.json").write_text(json.dumps({"TemplateBody": old, "StagesAvailable": ["Original", "Processed"]}))
    short = yaml.safe_dump(old).replace("Fn::GetAtt:\n", "!GetAtt\n").replace("Ref: ", "!Ref ")
    assert "!GetAtt\n" in short and "!Ref " in short
    (tmp_path / "deployed.yaml").write_text(short)
    expected = kinds(effects(capsys, base / "Churn.template.json", keys_changed / "Churn.template.json"))
    assert expected == [("Churn", "Model", "model-replaced"), ("Churn", "Model/Endpoint", "endpoint-redeployed"),
                        ("Churn", "BatchTransform", "transform-started"), ("Churn", "Scoring", "schedule-changed")]
    assert kinds(effects(capsys, tmp_path / "deployed.json", keys_changed / "Churn.template.json")) == expected
    assert kinds(effects(capsys, tmp_path / "deployed.yaml", keys_changed / "Churn.template.json")) == expected
    # A file against an assembly of two stacks is matched by its name.
    assert kinds(effects(capsys, base / "Churn.template.json", keys_changed)) == expected


# --- Each effect on its own pair -------------------------------------------------------------------


def test_tags_and_a_longer_wait_have_no_effect(capsys: pytest.CaptureFixture[str], base: Path, out: Path) -> None:
    """Tags everywhere and the transform's wait timeout: the handler applies both in place."""
    tagged = churn_app(out / "tagged", tags={"cost-center": "42"}, wait_minutes=45)
    new_props = resource(template(tagged, "Churn"), contract.MODEL_RESOURCE_TYPE)["Properties"]
    assert {"Key": "cost-center", "Value": "42"} in new_props[contract.TAGS]  # the tag did reach the model
    old_props = resource(template(base, "Churn"), contract.MODEL_RESOURCE_TYPE)["Properties"]
    assert not lifecycle.replaces(update_event(old_props, new_props), model_configuration)
    old_job = resource(template(base, "Churn"), contract.TRANSFORM_JOB_RESOURCE_TYPE)["Properties"]
    new_job = resource(template(tagged, "Churn"), contract.TRANSFORM_JOB_RESOURCE_TYPE)["Properties"]
    assert (old_job[contract.WAIT_TIMEOUT_SECONDS], new_job[contract.WAIT_TIMEOUT_SECONDS]) == (1800, 2700)
    assert not lifecycle.replaces(update_event(old_job, new_job), job_configuration)
    assert effects(capsys, base, tagged) == []
    code, output, _ = run(capsys, str(base), str(tagged))
    assert code == 0 and diff_module.NOTHING in output


def test_a_schedule_only_change(capsys: pytest.CaptureFixture[str], base: Path, out: Path) -> None:
    moved = churn_app(out / "schedule", schedule="cron(30 6 ? * MON-FRI *)", time_zone="Europe/Berlin")
    found = effects(capsys, base, moved)
    assert kinds(found) == [("Churn", "Scoring", "schedule-changed")]
    detail = found[0]["detail"]
    assert detail["reasons"] == ["ScheduleExpression changed", "ScheduleExpressionTimezone changed"]
    assert detail["before"] == "cron(0 2 * * ? *), time zone Etc/UTC, enabled"
    assert detail["after"] == "cron(30 6 ? * MON-FRI *), time zone Europe/Berlin, enabled"
    # 2026-01-15 is a Thursday: Friday, then Monday and Tuesday, 06:30 in Berlin (CET).
    assert detail["next_runs_after"] == "next runs 2026-01-16 06:30 CET, 2026-01-19 06:30 CET, 2026-01-20 06:30 CET"
    assert detail["next_runs_before"] == "next runs 2026-01-16 02:00 UTC, 2026-01-17 02:00 UTC, 2026-01-18 02:00 UTC"
    assert detail["next_run"].startswith("next run (2026-01-16T05:30:00Z): job churn-scoring-20260116t0530")
    assert "reads s3://autopilot-bucket/incoming/2026-01-16/" in detail["next_run"]


def test_renamed_model_and_transform_constructs(capsys: pytest.CaptureFixture[str], base: Path, out: Path) -> None:
    """`cdk diff` shows [-]/[+] on the model and a GetAtt change on the transform: in fact a new model, new jobs,
    a new endpoint in place of the old one."""
    renamed = churn_app(out / "renamed", model_id="ChurnModel", transform_id="Nightly")
    found = effects(capsys, base, renamed)
    by_kind = {(effect["stack"], effect["kind"], effect["construct"]): effect["detail"] for effect in found}
    assert by_kind[("Churn", "model-created", "ChurnModel")]["renamed_from"] == "Model"
    assert by_kind[("Churn", "model-deleted", "Model")]["renamed_to"] == "ChurnModel"
    assert by_kind[("Churn", "transform-started", "Nightly")]["reasons"] == ["construct renamed from BatchTransform"]
    assert by_kind[("Churn", "transform-started", "Nightly")]["model"] == "ChurnModel"
    removed_transform = {r["type"] for r in by_kind[("Churn", "resource-removed", "BatchTransform")]["resources"]}
    assert contract.TRANSFORM_JOB_RESOURCE_TYPE in removed_transform
    assert by_kind[("Reporting", "model-created", "copy of Churn/ChurnModel")]["renamed_from"] == "copy of Churn/Model"
    assert by_kind[("Reporting", "transform-started", "Monthly")]["model"] == "copy of Churn/ChurnModel"
    assert by_kind[("Reporting", "transform-started", "Monthly")]["reasons"] == [
        "model copy of Churn/Model -> copy of Churn/ChurnModel"
    ]
    assert by_kind[("Churn", "schedule-changed", "Scoring")]["reasons"] == ["ModelName changed"]
    removed = by_kind[("Churn", "resource-removed", "Model")]["resources"]
    assert {r["type"] for r in removed} >= {"AWS::SageMaker::Endpoint", "AWS::SageMaker::EndpointConfig"}
    # The old endpoint goes (resource-removed); the new one is created, not redeployed.
    assert not [effect for effect in found if effect["kind"] == "endpoint-redeployed"]


def test_a_reworked_stack_endpoint_transform_permissions_removed(
    capsys: pytest.CaptureFixture[str], base: Path, out: Path
) -> None:
    reworked = churn_app(out / "reworked", reworked=True)
    found = effects(capsys, base, reworked)
    by_kind = {(effect["kind"], effect["construct"]): effect["detail"] for effect in found if effect["stack"] == "Churn"}
    assert not [kind for kind, _ in by_kind if kind.startswith("model-")]
    endpoint = by_kind[("endpoint-redeployed", "Model/Endpoint")]
    # CloudFormation replaces an endpoint configuration on any change but tags: here its variant.
    assert endpoint["reasons"] == ["ProductionVariants changed"]
    assert endpoint["deployment"] == "rolling, 20 % per step, wait 120 s"
    assert (endpoint["variants_before"], endpoint["variants"]) == (["ml.m5.large x 2 (model Model)"], ["ml.m5.large x 3 (model Model)"])
    transform = by_kind[("transform-started", "BatchTransform")]
    assert transform["reasons"] == [f"{contract.TRANSFORM_INPUT} changed"]
    assert (transform["reads"], transform["waits"], transform["wait_timeout_minutes"]) == (f"{INPUT_URI}/2026/", False, None)
    role = by_kind[("permissions-changed", "AutopilotInferenceExecutionRole/Role")]
    assert f"Allow s3:GetObject on arn:aws:s3:::{BUCKET}/reference/*" in role["added"]
    assert ("permissions-changed", "Scoring/Role") not in by_kind  # removed with its construct: resource-removed
    removed = by_kind[("resource-removed", "Scoring")]["resources"]
    assert {r["type"] for r in removed} >= {"AWS::Scheduler::Schedule", "AWS::StepFunctions::StateMachine", "AWS::IAM::Role"}
    assert not [effect for effect in found if effect["stack"] == "Reporting"]


def test_a_pipeline_stage_assembly_with_a_serverless_endpoint(capsys: pytest.CaptureFixture[str], out: Path) -> None:
    old = stage_app(out / "stage-old", keys=KEYS, memory=2048)
    new = stage_app(out / "stage-new", keys=NEW_KEYS, memory=4096)
    manifest = json.loads((new / "manifest.json").read_text())
    assert manifest["artifacts"]["assembly-Prod"]["type"] == "cdk:cloud-assembly"  # the stack is in a nested assembly
    [reporting] = (new / "assembly-Prod").glob("ProdReporting*.template.json")
    found = effects(capsys, old, new)
    assert kinds(found) == [
        ("Prod/Churn", "Model", "model-replaced"),
        ("Prod/Churn", "Model/Serverless/Endpoint", "endpoint-redeployed"),
        ("Prod/Reporting", "copy of Prod/Churn/Model", "model-replaced"),
        ("Prod/Reporting", "Monthly", "transform-started"),
    ]
    copy, shared = found[2]["detail"], found[3]["detail"]
    assert copy["reasons"] == ["keys"]
    assert shared["model"] == "copy of Prod/Churn/Model"
    assert shared["reasons"] == ["model copy of Prod/Churn/Model replaced"]
    # No export to block the model stack's replacement: the other stack names its own copy.
    assert "Fn::ImportValue" not in reporting.read_text()
    endpoint = found[1]["detail"]
    assert endpoint["serverless"] is True
    assert endpoint["variants_before"] == ["serverless 2048 MB, max concurrency 5 (model Model)"]
    assert endpoint["variants"] == ["serverless 4096 MB, max concurrency 5 (model Model)"]
    assert endpoint["reasons"][0] == "model Model replaced"


# --- Usage errors ----------------------------------------------------------------------------------


def test_usage_errors_are_one_line_with_status_2(capsys: pytest.CaptureFixture[str], base: Path, tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path / "missing"), str(base))
    assert code == 2 and err.count("\n") == 1 and "OLD" in err and "no such file or directory" in err
    code, _, err = run(capsys, str(base), str(base), "--fail-on", "model-exploded")
    assert code == 2 and "unknown kind model-exploded" in err and "model-replaced" in err
    (tmp_path / "other.template.json").write_text(json.dumps({"Resources": {}}))
    code, _, err = run(capsys, str(tmp_path / "other.template.json"), str(base))
    assert code == 2 and "name the file after its stack" in err
    (tmp_path / "bad.json").write_text("[1, 2")
    code, _, err = run(capsys, str(tmp_path / "bad.json"), str(base / "Churn.template.json"))
    assert code == 2 and err.startswith("error: OLD ") and err.count("\n") == 1
    assert cli.main(["diff", str(base), str(base), "--now", "yesterday"]) == 2
    assert "--now must be an ISO 8601 time" in capsys.readouterr().err


def test_the_schema_refuses_an_unknown_kind_and_a_missing_detail() -> None:
    schema = json.loads(diff_module.SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["$defs"]["effect"]["properties"]["kind"]["enum"]) == set(diff_module.KINDS)
    bad_kind = {"effects": [{"stack": "S", "construct": "C", "kind": "model-exploded", "detail": {}}]}
    missing = {"effects": [{"stack": "S", "construct": "C", "kind": "transform-started", "detail": {"model": "M"}}]}
    for document in (bad_kind, missing):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(document, schema)


def test_against_an_empty_assembly_everything_is_new(capsys: pytest.CaptureFixture[str], base: Path, tmp_path: Path) -> None:
    """What the example workflow compares with when the base branch does not synthesize (its fallback manifest)."""
    workflow = yaml.safe_load((REPO_ROOT / "examples" / "infrastructure-review.yml").read_text())
    steps = workflow["jobs"]["review"]["steps"]
    [base_synth] = [step for step in steps if step.get("name") == "Synthesize the base branch"]
    fallback = re.search(r"echo '(\{.*\})' > \.\./(\S+)/manifest\.json", base_synth["run"])
    assert fallback is not None
    [diff_step] = [step for step in steps if "autopilot_inference diff" in step.get("run", "")]
    assert f"python -m autopilot_inference diff {fallback.group(2)} cdk.out > autopilot-diff.md" in diff_step["run"]
    [comment] = [step for step in steps if step.get("with", {}).get("path") == "autopilot-diff.md"]
    assert comment["uses"].startswith("marocchino/sticky-pull-request-comment@")
    empty = tmp_path / fallback.group(2)
    empty.mkdir()
    (empty / "manifest.json").write_text(fallback.group(1))
    found = kinds(effects(capsys, empty, base))
    assert ("Churn", "Model", "model-created") in found
    assert ("Churn", "BatchTransform", "transform-started") in found
    assert ("Reporting", "Monthly", "transform-started") in found
    assert ("Churn", "Scoring", "schedule-changed") in found
    assert ("Churn", "AutopilotInferenceExecutionRole/Role", "permissions-changed") in found
