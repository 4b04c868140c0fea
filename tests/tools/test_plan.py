"""``python -m autopilot_inference plan``: offline and live (Stubber) plans, same errors as a deployment."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from support.paths import FIXTURES, load_fixture

from autopilot_inference._lambda.autopilot_runtime.candidates import apply_keys, resolve_candidate
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from autopilot_inference.tools import cli, plan


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["plan", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_hpo_classification_plan_shows_mode_images_and_changes(capsys) -> None:
    code, out, err = run_cli(
        capsys, str(FIXTURES / "describe_auto_ml_job_hpo_classification.json"), "--keys", "predicted_label, probability"
    )
    assert code == 0, err
    assert "AutoML job:    churn-hpo-2026-11 (Completed)" in out
    assert "Problem type:  BinaryClassification" in out
    assert "Mode:          HYPERPARAMETER_TUNING (HPO classification: 3 containers)" in out
    assert "Candidate:     churn-hpo-2026-11sNxh-009-5b1d6ed4 (best; validation:f1 = 0.8771929740905762)" in out
    assert "Response keys: predicted_label,probability" in out
    # The inverse label transform reads only CSV and answers CSV, JSON or JSON Lines (autopilot facts).
    assert "Media types:   reads text/csv; answers text/csv, application/json, application/jsonlines" in out
    blocks = out.split("Container ")[1:]
    assert [block.splitlines()[0] for block in blocks] == [
        "1/3 - feature transform",
        "2/3 - algorithm",
        "3/3 - inverse label transform",
    ]
    assert "sagemaker-sklearn-automl:2.5-1-cpu-py3" in blocks[0] and "environment: unchanged" in blocks[0]
    assert "sagemaker-xgboost:1.3-1-cpu-py3" in blocks[1]
    assert "~ SAGEMAKER_INFERENCE_OUTPUT: predicted_label -> predicted_label,probability" in blocks[1]
    assert "SAGEMAKER_INFERENCE_INPUT" not in blocks[1]
    assert "~ SAGEMAKER_INFERENCE_INPUT: predicted_label -> predicted_label,probability" in blocks[2]
    assert "~ SAGEMAKER_INFERENCE_OUTPUT: predicted_label -> predicted_label,probability" in blocks[2]


def test_ensembling_plan_and_json_output(capsys) -> None:
    code, out, _ = run_cli(
        capsys, str(FIXTURES / "describe_auto_ml_job_ensembling.json"), "--keys", "probabilities,labels", "--json"
    )
    assert code == 0
    document = json.loads(out)
    assert document["mode"] == "ENSEMBLING"
    assert document["layout"] == "ensembling: one container"
    assert document["problem_type"] == "MulticlassClassification"
    assert document["response_keys"] == ["probabilities", "labels"]
    assert document["reads"] == ["text/csv"]
    assert document["answers"] == ["text/csv", "application/json", "application/jsonlines"]
    [container] = document["containers"]
    assert container["role"] == "model"
    assert container["changes"] == [
        {"name": "SAGEMAKER_INFERENCE_OUTPUT", "before": "predicted_label", "after": "probabilities,labels"}
    ]


def test_no_keys_changes_nothing(capsys) -> None:
    code, out, _ = run_cli(capsys, str(FIXTURES / "describe_auto_ml_job_hpo_regression.json"))
    assert code == 0
    assert "HPO regression: 2 containers" in out
    assert "Response keys: none (containers keep their defaults)" in out
    assert out.count("environment: unchanged") == 2


def test_errors_are_the_deploy_time_errors(capsys) -> None:
    job = load_fixture("describe_auto_ml_job_hpo_regression.json")
    with pytest.raises(AutopilotDeploymentError) as deploy_time:
        apply_keys(resolve_candidate(job), ("probability",))

    code, out, err = run_cli(capsys, str(FIXTURES / "describe_auto_ml_job_hpo_regression.json"), "--keys", "probability")
    assert code == 1 and out == ""
    assert err.strip() == f"error: {deploy_time.value}"
    assert "house-prices-hpo" in err and "does not support selecting inference response keys" in err


@pytest.mark.parametrize("keys", ["predicted_label,probabilty", " Probability", "labels, score"])
def test_a_key_typo_gets_the_synth_time_message(capsys, keys: str) -> None:
    """plan checks --keys as AutopilotModel checks inference_response_keys: one message for one typo."""
    from support.annotations import errors_on
    from support.stacks import OUTPUT_URI, new_stack

    from autopilot_inference import AutopilotModel

    model = AutopilotModel(
        new_stack("PlanKeysStack"), "Model", automl_job_name="churn-hpo-2026-11", automl_output_s3_uri=OUTPUT_URI,
        inference_response_keys=keys,
    )
    (synth_time,) = errors_on(model)
    assert "inference_response_keys has unknown key" in synth_time
    capsys.readouterr()  # what synthesis printed so far

    code, out, err = run_cli(capsys, str(FIXTURES / "describe_auto_ml_job_hpo_classification.json"), "--keys", keys)
    assert (code, out) == (2, "")
    # jsii forwards the Node process's stderr (the synthesis above may warn of its empty stack) whenever
    # it arrives, so it can land in this capture too: plan's own output is its one error line.
    assert [line for line in err.splitlines() if line.startswith("error:")] == [f"error: {synth_time}"]


def test_job_not_completed_fails_like_a_deployment(tmp_path, capsys) -> None:
    job = load_fixture("describe_auto_ml_job_hpo_classification.json")
    job.update(AutoMLJobStatus="InProgress", AutoMLJobSecondaryStatus="TrainingModels")
    saved = tmp_path / "describe.json"
    saved.write_text(json.dumps(job))
    code, _, err = run_cli(capsys, str(saved), "--keys", "probability")
    assert code == 1
    assert "churn-hpo-2026-11" in err and "InProgress" in err and "TrainingModels" in err


def test_artifact_location_is_checked(capsys) -> None:
    code, _, err = run_cli(
        capsys,
        str(FIXTURES / "describe_auto_ml_job_hpo_classification.json"),
        "--automl-output-s3-uri",
        "s3://another-bucket/autopilot/",
    )
    assert code == 1
    assert "s3://another-bucket/autopilot/" in err and "model.tar.gz" in err


def test_v2_image_job_gpu_container_set(capsys) -> None:
    code, out, _ = run_cli(
        capsys, str(FIXTURES / "describe_auto_ml_job_v2_image_classification.json"), "--processing-unit", "GPU"
    )
    assert code == 0
    assert "pytorch-inference:2.1.0-gpu-py310" in out and "cpu-py310" not in out
    assert "Problem type:  ImageClassification" in out
    assert "Media types:   not known for this problem type" in out


def test_named_candidate_from_a_saved_listing(capsys) -> None:
    page = load_fixture("list_candidates_for_auto_ml_job_page2.json")
    name = page["Candidates"][0]["CandidateName"]
    code, out, err = run_cli(
        capsys,
        str(FIXTURES / "describe_auto_ml_job_hpo_classification.json"),
        "--candidate",
        name,
        "--candidates",
        str(FIXTURES / "list_candidates_for_auto_ml_job_page2.json"),
        "--keys",
        "labels",
    )
    assert code == 0, err
    assert f"Candidate:     {name} (named" in out


def test_named_candidate_needs_a_listing(capsys) -> None:
    code, _, err = run_cli(
        capsys, str(FIXTURES / "describe_auto_ml_job_hpo_classification.json"), "--candidate", "some-candidate"
    )
    assert code == 2 and "--candidates FILE" in err


@pytest.mark.parametrize("content", ["not json", "[1, 2]"])
def test_unreadable_files_are_reported(tmp_path, capsys, content: str) -> None:
    saved = tmp_path / "describe.json"
    saved.write_text(content)
    code, _, err = run_cli(capsys, str(saved))
    assert code == 2 and str(saved) in err


def test_missing_file_is_reported(capsys) -> None:
    code, _, err = run_cli(capsys, "does-not-exist.json")
    assert code == 2 and "does-not-exist.json: no such file" in err


def test_live_job_through_boto3(monkeypatch, capsys) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("sagemaker", region_name="us-east-1")
    job = load_fixture("describe_auto_ml_job_hpo_classification.json")
    with Stubber(client) as stubber:
        stubber.add_response("describe_auto_ml_job", job, {"AutoMLJobName": "churn-hpo-2026-11"})
        args = cli.build_parser()[0].parse_args(["plan", "--job", "churn-hpo-2026-11", "--keys", "labels"])
        text = plan.run(args, client_factory=lambda region: client)
        stubber.assert_no_pending_responses()
    assert "churn-hpo-2026-11sNxh-009-5b1d6ed4 (best" in text
    assert "~ SAGEMAKER_INFERENCE_OUTPUT: predicted_label -> labels" in text


def test_live_named_candidate_through_boto3(monkeypatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("sagemaker", region_name="us-east-1")
    job = load_fixture("describe_auto_ml_job_hpo_classification.json")
    page = load_fixture("list_candidates_for_auto_ml_job_page2.json")
    name = page["Candidates"][0]["CandidateName"]
    with Stubber(client) as stubber:
        stubber.add_response("describe_auto_ml_job", job, {"AutoMLJobName": "churn-hpo-2026-11"})
        stubber.add_response(
            "list_candidates_for_auto_ml_job",
            page,
            {"AutoMLJobName": "churn-hpo-2026-11", "CandidateNameEquals": name},
        )
        args = cli.build_parser()[0].parse_args(["plan", "--job", "churn-hpo-2026-11", "--candidate", name])
        text = plan.run(args, client_factory=lambda region: client)
        stubber.assert_no_pending_responses()
    assert f"Candidate:     {name} (named" in text
