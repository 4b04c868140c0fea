"""The registry handlers' requests, each checked by botocore's Stubber against the SageMaker model and the exact parameters.

``Custom::AutopilotModelPackage``: ``CreateModelPackage`` with the containers ``CreateModel`` would get
(the same key engine, ``Environment`` kept), media and instance types, the metadata naming job,
candidate and keys; ``ListModelPackages`` / ``DescribeModelPackage`` only on a rollback.
``Custom::AutopilotPackageModel``: ``ListModelPackages`` (Approved, newest first), ``DescribeModelPackage``,
``CreateModel`` naming the version.
"""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.stub import ANY
from support.handler import (  # noqa: F401  (fixtures)
    ROLE_ARN,
    STACK_ID,
    StubbedAws,
    aws,
    cfn_event,
    fake_aws_environment,
    response,
)

from autopilot_inference._lambda.autopilot_runtime import contract, naming
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from autopilot_inference._lambda.autopilot_runtime.model_package_resource import (
    METADATA_FINGERPRINT,
    fingerprint_of,
    package_configuration,
)
from autopilot_inference._lambda.autopilot_runtime.ownership import OWNER_ENV_VAR, OWNER_TAG_KEY
from autopilot_inference._lambda.autopilot_runtime.package_model_resource import package_model_configuration
from autopilot_inference._lambda.autopilot_runtime.response_keys import apply_inference_response_keys

JOB = "churn-hpo-2026-11"
BEST = "churn-hpo-2026-11sNxh-009-5b1d6ed4"
GROUP = "churn-models"
REGISTRY = "444455556666"
VERSION_ARN = f"arn:aws:sagemaker:us-east-1:{REGISTRY}:model-package/{GROUP}/3"
GROUP_ARN = f"arn:aws:sagemaker:us-east-1:{REGISTRY}:model-package-group/{GROUP}"
PROPS: dict[str, Any] = {
    "AutoMLJobName": JOB,
    "ModelPackageGroupName": GROUP,
    "InferenceResponseKeys": ["predicted_label", "probability"],
    "ModelApprovalStatus": "PendingManualApproval",
    "ModelPackageDescription": "churn, weekly",
}
MODEL_PROPS: dict[str, Any] = {"ExecutionRoleArn": ROLE_ARN, "ModelNamePrefix": "prodstack-churnmodel", "ModelPackageGroupArn": GROUP_ARN}
CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def owner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(OWNER_ENV_VAR, STACK_ID)


def event(request_type: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return cfn_event(request_type, contract.MODEL_PACKAGE_RESOURCE_TYPE, properties, logical_id="Registration", **extra)


def model_event(request_type: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return cfn_event(request_type, contract.PACKAGE_MODEL_RESOURCE_TYPE, properties, logical_id="ChurnModel", **extra)


def job_with_reports() -> dict[str, Any]:
    job = response("describe_auto_ml_job_hpo_classification.json")
    job["BestCandidate"]["CandidateProperties"] = {
        "CandidateArtifactLocations": {
            "Explainability": "s3://example-ml-artifacts-111122223333/autopilot/churn-hpo-2026-11/documentation/explainability/output",
            "ModelInsights": "s3://example-ml-artifacts-111122223333/autopilot/churn-hpo-2026-11/documentation/model_monitor/output",
        }
    }
    return job


def described_version(approval: str, arn: str = VERSION_ARN, **extra: Any) -> dict[str, Any]:
    return {
        "ModelPackageName": GROUP,
        "ModelPackageGroupName": GROUP,
        "ModelPackageVersion": int(arn.rpartition("/")[2]),
        "ModelPackageArn": arn,
        "CreationTime": CREATED,
        "InferenceSpecification": {
            "Containers": [{"Image": "image-1"}, {"Image": "image-2"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv", "application/json", "application/jsonlines"],
        },
        "ModelPackageStatus": "Completed",
        "ModelPackageStatusDetails": {"ValidationStatuses": []},
        "ModelApprovalStatus": approval,
        "CustomerMetadataProperties": {
            "autopilot-inference:automl-job": JOB,
            "autopilot-inference:candidate": BEST,
            "autopilot-inference:inference-response-keys": "predicted_label probability",
            "autopilot-inference:problem-type": "BinaryClassification",
        },
        **extra,
    }


def summary(version: int, approval: str) -> dict[str, Any]:
    return {
        "ModelPackageGroupName": GROUP,
        "ModelPackageVersion": version,
        "ModelPackageArn": f"arn:aws:sagemaker:us-east-1:{REGISTRY}:model-package/{GROUP}/{version}",
        "CreationTime": CREATED,
        "ModelPackageStatus": "Completed",
        "ModelApprovalStatus": approval,
    }


# --- Custom::AutopilotModelPackage ---------------------------------------------------------------


def test_create_registers_the_keyed_containers_with_their_facts(aws: StubbedAws) -> None:
    job = job_with_reports()
    create = event("Create", PROPS)
    expected_containers = apply_inference_response_keys(job["BestCandidate"]["InferenceContainers"], ("predicted_label", "probability"))
    fingerprint = fingerprint_of(create, create["ResourceProperties"])
    aws.sagemaker_stub.add_response("describe_auto_ml_job", job, {"AutoMLJobName": JOB})
    aws.sagemaker_stub.add_response(
        "create_model_package",
        {"ModelPackageArn": f"arn:aws:sagemaker:us-east-1:111122223333:model-package/{GROUP}/1"},
        {
            "ModelPackageGroupName": GROUP,
            "ModelPackageDescription": "churn, weekly",
            "InferenceSpecification": {
                "Containers": expected_containers,
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv", "application/json", "application/jsonlines"],
                "SupportedTransformInstanceTypes": list(contract.DEFAULT_PACKAGE_INSTANCE_TYPES["CPU"]),
                "SupportedRealtimeInferenceInstanceTypes": list(contract.DEFAULT_PACKAGE_INSTANCE_TYPES["CPU"]),
            },
            "ModelApprovalStatus": "PendingManualApproval",
            "CustomerMetadataProperties": {
                "autopilot-inference:automl-job": JOB,
                "autopilot-inference:candidate": BEST,
                "autopilot-inference:inference-response-keys": "predicted_label probability",
                "autopilot-inference:problem-type": "BinaryClassification",
                "autopilot-inference:mode": ANY,
                "autopilot-inference:objective-metric": "validation:f1",
                "autopilot-inference:objective-value": ANY,
                "autopilot-inference:explainability-s3-prefix": job["BestCandidate"]["CandidateProperties"]["CandidateArtifactLocations"]["Explainability"],
                "autopilot-inference:model-insights-s3-prefix": job["BestCandidate"]["CandidateProperties"]["CandidateArtifactLocations"]["ModelInsights"],
                METADATA_FINGERPRINT: fingerprint,
                OWNER_TAG_KEY: STACK_ID,  # the owner, as the policy's CreateModelPackage condition requires
            },
            "ClientToken": naming.stable_hash(fingerprint, create["RequestId"]),
            "Tags": [{"Key": OWNER_TAG_KEY, "Value": STACK_ID}],
        },
    )

    result = aws.handle(create)

    assert result["PhysicalResourceId"].endswith(f"model-package/{GROUP}/1")
    assert result["Data"]["ModelPackageVersion"] == "1" and result["Data"]["ModelPackageGroupName"] == GROUP
    # The keys reached the containers' Environment (the part AWS's own example drops).
    assert expected_containers[-1]["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] == "predicted_label,probability"


def test_a_candidate_the_keys_do_not_fit_registers_nothing(aws: StubbedAws) -> None:
    regression = response("describe_auto_ml_job_hpo_regression.json")
    aws.sagemaker_stub.add_response("describe_auto_ml_job", regression)

    with pytest.raises(AutopilotDeploymentError, match="probability"):
        aws.handle(event("Create", {**PROPS, "AutoMLJobName": regression["AutoMLJobName"]}))

    assert "CreateModelPackage" not in aws.calls


def test_an_update_of_tags_and_approval_status_calls_only_the_tagging(aws: StubbedAws) -> None:
    arn = f"arn:aws:sagemaker:us-east-1:111122223333:model-package/{GROUP}/4"
    new = {**PROPS, "ModelApprovalStatus": "Approved", "Tags": [{"Key": "team", "Value": "ml"}]}
    aws.sagemaker_stub.add_response("add_tags", {}, {"ResourceArn": arn, "Tags": [{"Key": "team", "Value": "ml"}]})

    result = aws.handle(event("Update", new, old_properties=PROPS, physical_id=arn))

    assert result["PhysicalResourceId"] == arn and aws.calls == ["AddTags"]
    assert package_configuration(new) == package_configuration(PROPS)


def test_a_rollback_finds_the_version_it_registered_before(aws: StubbedAws) -> None:
    failed = f"arn:aws:sagemaker:us-east-1:111122223333:model-package/{GROUP}/5"
    rollback = event("Update", PROPS, old_properties={**PROPS, "InferenceResponseKeys": ["predicted_label"]}, physical_id=failed)
    fingerprint = fingerprint_of(rollback, rollback["ResourceProperties"])
    aws.stack_status("UPDATE_ROLLBACK_IN_PROGRESS")
    aws.sagemaker_stub.add_response(
        "list_model_packages",
        {"ModelPackageSummaryList": [summary(5, "PendingManualApproval"), summary(4, "Approved")]},
        {"ModelPackageGroupName": GROUP, "SortBy": "CreationTime", "SortOrder": "Descending"},
    )
    aws.sagemaker_stub.add_response(
        "describe_model_package",
        described_version("PendingManualApproval", summary(5, "")["ModelPackageArn"], CustomerMetadataProperties={METADATA_FINGERPRINT: "other"}),
        {"ModelPackageName": summary(5, "")["ModelPackageArn"]},
    )
    aws.sagemaker_stub.add_response(
        "describe_model_package",
        described_version("Approved", summary(4, "")["ModelPackageArn"], CustomerMetadataProperties={METADATA_FINGERPRINT: fingerprint}),
        {"ModelPackageName": summary(4, "")["ModelPackageArn"]},
    )

    result = aws.handle(rollback)

    assert result["PhysicalResourceId"] == summary(4, "")["ModelPackageArn"]
    assert "CreateModelPackage" not in aws.calls


def test_delete_keeps_the_version_unless_asked(aws: StubbedAws) -> None:
    arn = f"arn:aws:sagemaker:us-east-1:111122223333:model-package/{GROUP}/4"
    aws.handle(event("Delete", PROPS, physical_id=arn))
    assert aws.calls == []

    aws.sagemaker_stub.add_response("delete_model_package", {}, {"ModelPackageName": arn})
    aws.handle(event("Delete", {**PROPS, "DeleteVersionsOnRemoval": "true"}, physical_id=arn))
    assert aws.calls == ["DeleteModelPackage"]


def test_an_unknown_approval_status_is_refused_before_any_call(aws: StubbedAws) -> None:
    with pytest.raises(AutopilotDeploymentError, match="ModelApprovalStatus must be one of"):
        aws.handle(event("Create", {**PROPS, "ModelApprovalStatus": "Approve"}))
    assert aws.calls == []


# --- Custom::AutopilotPackageModel -------------------------------------------------------------------


def name_of(properties: dict[str, Any]) -> str:
    return naming.model_name(properties["ModelNamePrefix"], STACK_ID, "ChurnModel", package_model_configuration(properties))


def test_a_group_deploys_its_newest_approved_version(aws: StubbedAws) -> None:
    name = name_of(MODEL_PROPS)
    aws.sagemaker_stub.add_response(
        "list_model_packages",
        {"ModelPackageSummaryList": [summary(3, "Approved")]},
        {"ModelPackageGroupName": GROUP_ARN, "ModelApprovalStatus": "Approved", "SortBy": "CreationTime", "SortOrder": "Descending", "MaxResults": 1},
    )
    aws.sagemaker_stub.add_response("describe_model_package", described_version("Approved"), {"ModelPackageName": VERSION_ARN})
    aws.sagemaker_stub.add_response(
        "create_model",
        {"ModelArn": f"arn:aws:sagemaker:us-east-1:111122223333:model/{name}"},
        {
            "ModelName": name,
            "Containers": [{"ModelPackageName": VERSION_ARN}],
            "ExecutionRoleArn": ROLE_ARN,
            "EnableNetworkIsolation": False,
            "Tags": [{"Key": OWNER_TAG_KEY, "Value": STACK_ID}],
        },
    )

    result = aws.handle(model_event("Create", MODEL_PROPS))

    data = result["Data"]
    assert result["PhysicalResourceId"] == name
    assert data["ModelPackageArn"] == VERSION_ARN and data["ModelPackageVersion"] == "3"
    assert data["InputContentTypes"] == "text/csv" and data["AcceptTypes"] == "text/csv,application/json,application/jsonlines"
    assert data["CandidateName"] == BEST and data["InferenceResponseKeys"] == "predicted_label,probability"
    assert set(contract.PACKAGE_MODEL_ATTRIBUTES) == set(data)


def test_a_group_without_an_approved_version_fails_naming_the_newest_and_its_status(aws: StubbedAws) -> None:
    base = {"ModelPackageGroupName": GROUP_ARN, "SortBy": "CreationTime", "SortOrder": "Descending", "MaxResults": 1}
    aws.sagemaker_stub.add_response("list_model_packages", {"ModelPackageSummaryList": []}, {**base, "ModelApprovalStatus": "Approved"})
    aws.sagemaker_stub.add_response("list_model_packages", {"ModelPackageSummaryList": [summary(3, "PendingManualApproval")]}, base)

    with pytest.raises(AutopilotDeploymentError) as raised:
        aws.handle(model_event("Create", MODEL_PROPS))

    message = str(raised.value)
    assert f"Model package group {GROUP}" in message and f"version 3 ({VERSION_ARN}), is PendingManualApproval" in message
    assert "nothing was created" in message and "CreateModel" not in aws.calls


def test_a_pinned_version_must_be_approved(aws: StubbedAws) -> None:
    pinned = {**MODEL_PROPS, "ModelPackageGroupArn": None, "ModelPackageArn": VERSION_ARN}
    pinned = {key: value for key, value in pinned.items() if value is not None}
    aws.sagemaker_stub.add_response("describe_model_package", described_version("Rejected"), {"ModelPackageName": VERSION_ARN})

    with pytest.raises(AutopilotDeploymentError, match=f"version 3 \\({VERSION_ARN}\\) is Rejected, not Approved"):
        aws.handle(model_event("Create", pinned))

    assert aws.calls == ["DescribeModelPackage"]


def test_a_serverless_model_refuses_a_version_of_several_containers(aws: StubbedAws) -> None:
    pinned = {"ExecutionRoleArn": ROLE_ARN, "ModelNamePrefix": "p", "ModelPackageArn": VERSION_ARN, "SingleContainerRequired": "true"}
    aws.sagemaker_stub.add_response("describe_model_package", described_version("Approved"))

    with pytest.raises(AutopilotDeploymentError, match="2 containers"):
        aws.handle(model_event("Create", pinned))


def test_both_or_neither_source_is_refused(aws: StubbedAws) -> None:
    both = {**MODEL_PROPS, "ModelPackageArn": VERSION_ARN}
    neither = {key: value for key, value in MODEL_PROPS.items() if key != "ModelPackageGroupArn"}
    for properties in (both, neither):
        with pytest.raises(AutopilotDeploymentError, match="Exactly one of the properties ModelPackageGroupArn and ModelPackageArn"):
            aws.handle(model_event("Create", copy.deepcopy(properties)))
    assert aws.calls == []


def test_a_tag_only_update_rebuilds_data_from_the_model_and_its_version(aws: StubbedAws) -> None:
    name = name_of(MODEL_PROPS)
    model_arn = f"arn:aws:sagemaker:us-east-1:111122223333:model/{name}"
    new = {**MODEL_PROPS, "Tags": [{"Key": "team", "Value": "ml"}]}
    aws.sagemaker_stub.add_response(
        "describe_model",
        {"ModelName": name, "ModelArn": model_arn, "CreationTime": CREATED, "Containers": [{"ModelPackageName": VERSION_ARN}]},
        {"ModelName": name},
    )
    aws.sagemaker_stub.add_response("describe_model_package", described_version("Approved"), {"ModelPackageName": VERSION_ARN})
    aws.sagemaker_stub.add_response("add_tags", {}, {"ResourceArn": model_arn, "Tags": [{"Key": "team", "Value": "ml"}]})

    result = aws.handle(model_event("Update", new, old_properties=MODEL_PROPS, physical_id=name))

    assert result["PhysicalResourceId"] == name and result["Data"]["ModelPackageArn"] == VERSION_ARN
    assert "ListModelPackages" not in aws.calls and "CreateModel" not in aws.calls
