"""``plan`` and ``summary`` for the model registry: what a registration would create, which version a package
model deploys, and what a synthesized assembly registers and deploys."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from botocore.stub import Stubber
from botocore.validate import ParamValidator
from support.paths import REPO_ROOT
from support.stacks import checked_synth

from autopilot_inference import AutopilotModel, AutopilotModelPackage
from autopilot_inference._lambda.autopilot_runtime import response_keys
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from autopilot_inference._lambda.autopilot_runtime.response_keys import apply_inference_response_keys
from autopilot_inference.tools import cli, plan
from autopilot_inference.tools.summary import summarize

JOB_FILE = REPO_ROOT / "tests" / "fixtures" / "describe_auto_ml_job_hpo_classification.json"
GROUP_ARN = "arn:aws:sagemaker:eu-west-1:111122223333:model-package-group/churn-models"
VERSION_ARN = "arn:aws:sagemaker:eu-west-1:111122223333:model-package/churn-models/4"
CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


def test_plan_shows_the_registration_request_with_the_keyed_containers(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["plan", str(JOB_FILE), "--keys", "predicted_label,probability", "--register", "churn-models", "--json"])
    document = json.loads(capsys.readouterr().out)

    assert code == 0
    request = document["registration"]
    job = json.loads(JOB_FILE.read_text())
    expected = apply_inference_response_keys(job["BestCandidate"]["InferenceContainers"], ("predicted_label", "probability"))
    assert request["InferenceSpecification"]["Containers"] == expected  # Environment included
    assert request["ModelPackageGroupName"] == "churn-models" and request["ModelApprovalStatus"] == "PendingManualApproval"
    assert request["CustomerMetadataProperties"]["autopilot-inference:inference-response-keys"] == "predicted_label probability"
    # A request botocore would send (the placeholders are strings where strings go).
    shape = botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateModelPackage").input_shape
    report = ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()


def test_plan_normalizes_the_keys_once_for_the_plan_and_the_registration(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--keys`` is checked and normalized where it is read; the plan and the registration request use that."""
    normalized: list[object] = []
    original = response_keys.normalize_inference_response_keys

    def counting(*args: Any, **kwargs: Any) -> Any:
        normalized.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(response_keys, "normalize_inference_response_keys", counting)
    keys = " predicted_label, probability,predicted_label"
    code = cli.main(["plan", str(JOB_FILE), "--keys", keys, "--register", "churn-models", "--json"])
    document = json.loads(capsys.readouterr().out)

    assert code == 0
    assert normalized == [keys]
    assert document["response_keys"] == ["predicted_label", "probability"]
    metadata = document["registration"]["CustomerMetadataProperties"]
    assert metadata["autopilot-inference:inference-response-keys"] == "predicted_label probability"


def stubbed_registry(monkeypatch: pytest.MonkeyPatch) -> tuple[object, Stubber]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("sagemaker", region_name="eu-west-1")
    return client, Stubber(client)


def test_plan_shows_the_version_a_group_would_deploy_now(monkeypatch: pytest.MonkeyPatch) -> None:
    client, stubber = stubbed_registry(monkeypatch)
    summary = {"ModelPackageArn": VERSION_ARN, "CreationTime": CREATED, "ModelPackageStatus": "Completed", "ModelApprovalStatus": "Approved"}
    stubber.add_response(
        "list_model_packages", {"ModelPackageSummaryList": [summary]},
        {"ModelPackageGroupName": GROUP_ARN, "ModelApprovalStatus": "Approved", "SortBy": "CreationTime", "SortOrder": "Descending", "MaxResults": 1},
    )
    stubber.add_response("describe_model_package", {
        "ModelPackageName": "churn-models", "ModelPackageVersion": 4, "ModelPackageArn": VERSION_ARN, "CreationTime": CREATED,
        "ModelPackageStatus": "Completed", "ModelPackageStatusDetails": {"ValidationStatuses": []}, "ModelApprovalStatus": "Approved",
        "CustomerMetadataProperties": {"autopilot-inference:candidate": "churn-hpo-2026-11sNxh-009-5b1d6ed4"},
    }, {"ModelPackageName": VERSION_ARN})
    args = cli.build_parser()[0].parse_args(["plan", "--model-package-group", GROUP_ARN, "--region", "eu-west-1"])

    with stubber:
        text = plan.run(args, client_factory=lambda region: client)

    assert text == (
        f"Model package group {GROUP_ARN}: a model created or replaced now deploys version 4 ({VERSION_ARN}), Approved; "
        "candidate churn-hpo-2026-11sNxh-009-5b1d6ed4"
    )


def test_plan_of_a_group_without_an_approved_version_fails_as_the_deployment_would(monkeypatch: pytest.MonkeyPatch) -> None:
    client, stubber = stubbed_registry(monkeypatch)
    stubber.add_response("list_model_packages", {"ModelPackageSummaryList": []})
    stubber.add_response("list_model_packages", {"ModelPackageSummaryList": [
        {"ModelPackageArn": VERSION_ARN, "ModelPackageVersion": 4, "CreationTime": CREATED, "ModelPackageStatus": "Completed",
         "ModelApprovalStatus": "Rejected"}]})
    args = cli.build_parser()[0].parse_args(["plan", "--model-package-group", GROUP_ARN])

    with stubber, pytest.raises(AutopilotDeploymentError, match=f"version 4 \\({VERSION_ARN}\\), is Rejected"):
        plan.run(args, client_factory=lambda region: client)


def test_summary_shows_registrations_and_package_models(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path), context={"aws:cdk:enable-path-metadata": True})
    dev = Stack(app, "Dev", env=Environment(account="111122223333", region="eu-west-1"))
    package = AutopilotModelPackage(
        dev, "Registration", automl_job_name="churn-hpo-2026-11", model_package_group_name="churn-models",
        inference_response_keys=["predicted_label"], automl_output_s3_uri="s3://dev-artifacts/automl/",
    )
    AutopilotModel.from_model_package(dev, "Staging", model_package_arn=package.model_package_arn, automl_output_s3_uri="s3://dev-artifacts/automl/")
    prod = Stack(app, "Prod", env=Environment(account="444455556666", region="eu-west-1"))
    role = iam.Role.from_role_arn(prod, "Role", "arn:aws:iam::444455556666:role/ProdModelRole", mutable=False)
    AutopilotModel.from_model_package(prod, "Churn", model_package_group_arn=GROUP_ARN, role=role)
    AutopilotModel.from_model_package(prod, "Pinned", model_package_arn=VERSION_ARN, role=role)
    checked_synth(app)

    lines = summarize(tmp_path).splitlines()

    assert (
        "  model package Registration in group churn-models: AutoML job churn-hpo-2026-11, candidate best, "
        "response keys predicted_label, new versions PendingManualApproval, versions kept"
    ) in lines
    assert (
        "  model Staging from the model registry: the version Registration registers in this deployment "
        "(deployed only if Approved), name prefix dev-staging"
    ) in lines
    assert (
        f"  model Churn from the model registry: the newest Approved version of {GROUP_ARN} when the model is created or "
        "replaced, name prefix prod-churn"
    ) in lines
    assert f"  model Pinned from the model registry: version {VERSION_ARN} (pinned; deployed only if Approved), name prefix prod-pinned" in lines
