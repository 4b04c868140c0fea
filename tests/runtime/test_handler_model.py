"""Custom::AutopilotModel through ``handle()``: the whole lifecycle and every failure.

Each AWS call is answered by a Stubber that checks the request parameters against
botocore's model and the expected values; ``aws.calls`` records what was called.
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import datetime
from typing import Any

import pytest
from botocore.stub import ANY
from support.handler import (  # noqa: F401  (fixtures)
    ASSUMED_CREDENTIALS,
    REGION,
    ROLE_ARN,
    StubbedAws,
    aws,
    fake_aws_environment,
    response,
)
from support.model_events import (
    BEST,
    BEST_FACTS,
    EXPECTED_CONTAINERS,
    JOB,
    LOGICAL_ID,
    PREFIX,
    create_event,
    delete_event,
    failure,
    job_response,
    model_arn,
    name_for,
    props,
    stub_create,
    stub_describe,
    update_event,
)

from autopilot_inference._lambda.autopilot_runtime import contract, naming
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from autopilot_inference._lambda.autopilot_runtime.events import CREATE_FAILED_PHYSICAL_ID

NAMED = "churn-hpo-2026-11sNxh-004-1a2b3c4d"
ARTIFACTS = "s3://example-ml-artifacts-111122223333/autopilot/"


def describe_model_response(name: str) -> dict[str, Any]:
    return {
        "ModelName": name,
        "ModelArn": model_arn(name),
        "CreationTime": response("describe_auto_ml_job_hpo_classification.json")["CreationTime"],
        "ExecutionRoleArn": ROLE_ARN,
    }


def best_data(name: str, **changes: str) -> dict[str, str]:
    data = {
        "ModelName": name,
        "ModelArn": model_arn(name),
        "CandidateName": BEST,
        "ObjectiveMetricName": "validation:f1",
        "ObjectiveMetricValue": "0.8771929740905762",
        "ProblemType": "BinaryClassification",
        "Mode": "HYPERPARAMETER_TUNING",
        "InferenceResponseKeys": "predicted_label,probability",
        "AutoMLJobName": JOB,
        # A tabular pipeline's inverse label transform reads only CSV and answers CSV, JSON or JSON Lines.
        "InputContentTypes": "text/csv",
        "AcceptTypes": "text/csv,application/json,application/jsonlines",
    }
    data.update(changes)
    return data


# --- Create ---------------------------------------------------------------------------


def test_create_best_candidate_v1_hpo_classification_with_keys(aws: StubbedAws, caplog: pytest.LogCaptureFixture) -> None:
    name = name_for(props())
    stub_describe(aws)
    stub_create(aws, name, EXPECTED_CONTAINERS)

    with caplog.at_level(logging.INFO):
        result = aws.handle(create_event())

    assert aws.calls == ["DescribeAutoMLJob", "CreateModel"]  # exactly two calls
    assert result == {"PhysicalResourceId": name, "Data": best_data(name)}
    assert name.startswith(f"{PREFIX.lower()}-") and naming.is_generated_name(name)
    # The event is logged by its names and ids: no pre-signed response URL, no property values.
    assert "secret-presigned-url" not in caplog.text
    assert LOGICAL_ID in caplog.text and ROLE_ARN not in caplog.text


def test_create_with_vpc_network_isolation_and_artifact_location(aws: StubbedAws) -> None:
    vpc = {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0aaa1111", "subnet-0bbb2222"]}
    properties = props(VpcConfig=vpc, EnableNetworkIsolation="true", ArtifactS3Uri=ARTIFACTS, InferenceResponseKeys=[])
    name = name_for(properties)
    stub_describe(aws)
    untouched = job_response()["BestCandidate"]["InferenceContainers"]
    stub_create(aws, name, untouched, EnableNetworkIsolation=True, VpcConfig=vpc)

    result = aws.handle(create_event(properties))

    assert result["Data"]["InferenceResponseKeys"] == ""
    assert result["PhysicalResourceId"] == name


def test_create_named_candidate_follows_list_pagination(aws: StubbedAws) -> None:
    properties = props(CandidateName=NAMED)
    name = name_for(properties)
    page1 = response("list_candidates_for_auto_ml_job_page1.json")
    page2 = response("list_candidates_for_auto_ml_job_page2.json")
    stub_describe(aws)
    aws.sagemaker_stub.add_response(
        "list_candidates_for_auto_ml_job", page1, {"AutoMLJobName": JOB, "CandidateNameEquals": NAMED}
    )
    aws.sagemaker_stub.add_response(
        "list_candidates_for_auto_ml_job",
        page2,
        {"AutoMLJobName": JOB, "CandidateNameEquals": NAMED, "NextToken": page1["NextToken"]},
    )
    expected = copy.deepcopy(EXPECTED_CONTAINERS)
    expected[1]["ModelDataUrl"] = page2["Candidates"][0]["InferenceContainers"][1]["ModelDataUrl"]
    stub_create(aws, name, expected, facts=ANY)

    result = aws.handle(create_event(properties))

    assert aws.calls == [
        "DescribeAutoMLJob",
        "ListCandidatesForAutoMLJob",
        "ListCandidatesForAutoMLJob",
        "CreateModel",
    ]
    assert result["Data"] == best_data(name, CandidateName=NAMED, ObjectiveMetricValue="0.8513513803482056")


def test_create_v2_tabular_job_falls_back_to_describe_v2(aws: StubbedAws) -> None:
    job_name = "fraud-v2-hpo"
    properties = props(AutoMLJobName=job_name)
    name = name_for(properties)
    v2 = response("describe_auto_ml_job_v2_tabular.json")
    aws.sagemaker_stub.add_client_error(
        "describe_auto_ml_job",
        service_error_code="ValidationException",
        service_message=f"AutoML job {job_name} was created with CreateAutoMLJobV2; use DescribeAutoMLJobV2.",
        http_status_code=400,
        expected_params={"AutoMLJobName": job_name},
    )
    aws.sagemaker_stub.add_response("describe_auto_ml_job_v2", v2, {"AutoMLJobName": job_name})
    containers = copy.deepcopy(v2["BestCandidate"]["InferenceContainers"])
    containers[1]["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] = "predicted_label,probability"
    containers[2]["Environment"]["SAGEMAKER_INFERENCE_INPUT"] = "predicted_label,probability"
    containers[2]["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] = "predicted_label,probability"
    stub_create(aws, name, containers, facts=ANY)

    result = aws.handle(create_event(properties))

    assert aws.calls == ["DescribeAutoMLJob", "DescribeAutoMLJobV2", "CreateModel"]
    assert result["Data"] == {
        "ModelName": name,
        "ModelArn": model_arn(name),
        "CandidateName": "fraud-v2-hpoK2sd-003-77ab01cd",
        "ObjectiveMetricName": "validation:f1",
        "ObjectiveMetricValue": "0.8771929740905762",
        "ProblemType": "BinaryClassification",
        "Mode": "HYPERPARAMETER_TUNING",
        "InferenceResponseKeys": "predicted_label,probability",
        "AutoMLJobName": job_name,
        "InputContentTypes": "text/csv",  # V2 tabular: the same pipelines as V1
        "AcceptTypes": "text/csv,application/json,application/jsonlines",
    }


@pytest.mark.parametrize("unit", ["CPU", "GPU"])
def test_create_v2_image_job_uses_the_processing_unit_container_set(aws: StubbedAws, unit: str) -> None:
    job_name = "defect-images-v2"
    properties = props(AutoMLJobName=job_name, InferenceResponseKeys=None, ProcessingUnit=unit)
    name = name_for(properties)
    v2 = response("describe_auto_ml_job_v2_image_classification.json")
    aws.sagemaker_stub.add_client_error(
        "describe_auto_ml_job", "ValidationException", "Job type is not supported by this API.", 400,
        expected_params={"AutoMLJobName": job_name},
    )
    aws.sagemaker_stub.add_response("describe_auto_ml_job_v2", v2, {"AutoMLJobName": job_name})
    stub_create(aws, name, v2["BestCandidate"]["InferenceContainerDefinitions"][unit], facts=ANY)

    result = aws.handle(create_event(properties))

    # The Stubber checked that CreateModel received exactly the requested set (CPU and GPU images differ).
    assert aws.calls == ["DescribeAutoMLJob", "DescribeAutoMLJobV2", "CreateModel"]
    chosen = v2["BestCandidate"]["InferenceContainerDefinitions"][unit][0]["Image"]
    assert chosen.endswith(f"2.1.0-{unit.lower()}-py310")
    assert result["Data"]["ProblemType"] == "ImageClassification"
    assert result["Data"]["Mode"] == ""
    assert result["Data"]["InferenceResponseKeys"] == ""
    # What an image model reads is not known here: no constraint on the transform's types.
    assert result["Data"]["InputContentTypes"] == "" and result["Data"]["AcceptTypes"] == ""


def test_create_reads_a_job_in_another_account_through_the_source_role(aws: StubbedAws) -> None:
    source_role = "arn:aws:iam::444455556666:role/AutopilotJobReader"
    properties = props(SourceRoleArn=source_role, CandidateName=NAMED)
    name = name_for(properties)
    credentials = {**ASSUMED_CREDENTIALS, "Expiration": response("describe_auto_ml_job_hpo_classification.json")["EndTime"]}
    aws.sts_stub.add_response(
        "assume_role",
        {"Credentials": credentials},
        {"RoleArn": source_role, "RoleSessionName": f"autopilot-{JOB}", "DurationSeconds": 900},
    )
    aws.reader_stub.add_response("describe_auto_ml_job", job_response(), {"AutoMLJobName": JOB})
    aws.reader_stub.add_response(
        "list_candidates_for_auto_ml_job",
        response("list_candidates_for_auto_ml_job_page2.json"),
        {"AutoMLJobName": JOB, "CandidateNameEquals": NAMED},
    )
    expected = copy.deepcopy(EXPECTED_CONTAINERS)
    expected[1]["ModelDataUrl"] = expected[1]["ModelDataUrl"].replace("009-5b1d6ed4", "004-1a2b3c4d")
    stub_create(aws, name, expected, facts=ANY)

    result = aws.handle(create_event(properties))

    assert aws.sts_calls == ["AssumeRole"]
    assert aws.reader_calls == ["DescribeAutoMLJob", "ListCandidatesForAutoMLJob"]
    assert aws.calls == ["CreateModel"]  # created with the handler's own credentials
    assert aws.reader_credentials[0]["AccessKeyId"] == ASSUMED_CREDENTIALS["AccessKeyId"]
    assert result["Data"]["CandidateName"] == NAMED


# --- Update ---------------------------------------------------------------------------


def stub_list_tags(aws: StubbedAws, name: str, tags: list[dict[str, str]] | None = None) -> None:
    """``ListTags`` of the model: the facts tag CreateModel set, then ``tags``."""
    facts = [{"Key": "autopilot-inference:facts", "Value": BEST_FACTS}]
    aws.sagemaker_stub.add_response(
        "list_tags", {"Tags": [*(tags or []), *facts]}, {"ResourceArn": model_arn(name)}
    )


def test_update_with_same_configuration_keeps_the_model_and_changes_tags_in_place(aws: StubbedAws) -> None:
    old = props(Tags=[{"Key": "team", "Value": "ml"}, {"Key": "cost-center", "Value": "42"}])
    new = props(Tags=[{"Key": "team", "Value": "platform"}, {"Key": "owner", "Value": "alice"}])
    name = name_for(old)
    assert name_for(new) == name  # tags are not configuration
    aws.sagemaker_stub.add_response("describe_model", describe_model_response(name), {"ModelName": name})
    stub_list_tags(aws, name, old["Tags"])
    aws.sagemaker_stub.add_response("delete_tags", {}, {"ResourceArn": model_arn(name), "TagKeys": ["cost-center"]})
    aws.sagemaker_stub.add_response(
        "add_tags",
        {"Tags": []},
        {"ResourceArn": model_arn(name), "Tags": [{"Key": "team", "Value": "platform"}, {"Key": "owner", "Value": "alice"}]},
    )

    result = aws.handle(update_event(new, old, name))

    # No AutoML call: the Stubber has no DescribeAutoMLJob answer, so the job may as well be unreadable.
    assert aws.calls == ["DescribeModel", "ListTags", "DeleteTags", "AddTags"]
    assert result == {"PhysicalResourceId": name, "Data": best_data(name)}


def test_update_without_changes_returns_the_same_data(aws: StubbedAws) -> None:
    name = name_for(props())
    aws.sagemaker_stub.add_response("describe_model", describe_model_response(name), {"ModelName": name})
    stub_list_tags(aws, name)

    result = aws.handle(update_event(props(), props(), name))

    assert aws.calls == ["DescribeModel", "ListTags"]
    assert result["PhysicalResourceId"] == name
    assert result["Data"] == best_data(name)


def test_tag_update_of_a_model_without_the_facts_tag_reads_the_job(aws: StubbedAws) -> None:
    """A model created before the facts tag existed: Data comes from the AutoML job as it used to."""
    name = name_for(props())
    aws.sagemaker_stub.add_response("describe_model", describe_model_response(name), {"ModelName": name})
    aws.sagemaker_stub.add_response("list_tags", {"Tags": [{"Key": "team", "Value": "ml"}]}, {"ResourceArn": model_arn(name)})
    stub_describe(aws)

    result = aws.handle(update_event(props(), props(), name))

    assert aws.calls == ["DescribeModel", "ListTags", "DescribeAutoMLJob"]
    assert result["Data"] == best_data(name)


def test_a_new_data_version_refreshes_data_in_place_from_an_old_facts_tag(aws: StubbedAws) -> None:
    """A model an older handler made (Data without the media types, facts tag of that time): the construct's
    new DataVersion is not configuration, so the model stays and Data gains InputContentTypes and AcceptTypes."""
    name = name_for(props())
    aws.sagemaker_stub.add_response("describe_model", describe_model_response(name), {"ModelName": name})
    stub_list_tags(aws, name)

    result = aws.handle(update_event(props(DataVersion="2"), props(), name))

    assert aws.calls == ["DescribeModel", "ListTags"]  # no new model, no AutoML read
    assert result["PhysicalResourceId"] == name
    assert result["Data"] == best_data(name)


def test_data_version_is_not_part_of_the_model_name(aws: StubbedAws) -> None:
    name = name_for(props())
    stub_describe(aws)
    stub_create(aws, name, EXPECTED_CONTAINERS)

    result = aws.handle(create_event(props(DataVersion="2")))

    assert result["PhysicalResourceId"] == name


def test_update_with_same_configuration_recreates_a_vanished_model_under_its_name(aws: StubbedAws) -> None:
    name = name_for(props())
    aws.sagemaker_stub.add_client_error(
        "describe_model", "ValidationException", f'Could not find model "{name}".', 400,
        expected_params={"ModelName": name},
    )
    stub_describe(aws)
    stub_create(aws, name, EXPECTED_CONTAINERS)

    result = aws.handle(update_event(props(), props(), name))

    assert aws.calls == ["DescribeModel", "DescribeAutoMLJob", "CreateModel"]
    assert result["PhysicalResourceId"] == name
    assert result["Data"] == best_data(name)


def test_update_with_new_configuration_creates_a_new_model(aws: StubbedAws) -> None:
    old = props()
    new = props(InferenceResponseKeys=["predicted_label", "probabilities", "labels"])
    old_name, new_name = name_for(old), name_for(new)
    assert new_name != old_name
    stub_describe(aws)
    expected = copy.deepcopy(EXPECTED_CONTAINERS)
    expected[1]["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] = "predicted_label,probabilities"
    expected[2]["Environment"]["SAGEMAKER_INFERENCE_INPUT"] = "predicted_label,probabilities"
    expected[2]["Environment"]["SAGEMAKER_INFERENCE_OUTPUT"] = "predicted_label,probabilities,labels"
    stub_create(aws, new_name, expected)

    result = aws.handle(update_event(new, old, old_name))

    assert aws.calls == ["DescribeAutoMLJob", "CreateModel"]  # the old model is left to CloudFormation's Delete
    assert result["PhysicalResourceId"] == new_name
    assert result["Data"]["InferenceResponseKeys"] == "predicted_label,probabilities,labels"


def test_rollback_update_adopts_the_old_model_that_still_exists(aws: StubbedAws) -> None:
    original = props()
    failed = props(InferenceResponseKeys=["probability"])
    original_name, failed_name = name_for(original), name_for(failed)
    stub_describe(aws)
    aws.sagemaker_stub.add_client_error(
        "create_model",
        "ValidationException",
        f'Cannot create already existing model "{model_arn(original_name)}".',
        400,
        expected_params={
            "ModelName": original_name,
            "Containers": EXPECTED_CONTAINERS,
            "ExecutionRoleArn": ROLE_ARN,
            "EnableNetworkIsolation": False,
            "Tags": [{"Key": "team", "Value": "ml"}, {"Key": "autopilot-inference:facts", "Value": BEST_FACTS}],
        },
    )
    aws.sagemaker_stub.add_response("describe_model", describe_model_response(original_name), {"ModelName": original_name})

    # Rollback: the old properties come back as the new ones, the physical id is the failed update's.
    result = aws.handle(update_event(original, failed, failed_name))

    assert aws.calls == ["DescribeAutoMLJob", "CreateModel", "DescribeModel"]
    assert result["PhysicalResourceId"] == original_name
    assert result["Data"] == best_data(original_name)


def test_duplicate_create_delivery_adopts_the_model_it_created(aws: StubbedAws) -> None:
    name = name_for(props())
    stub_describe(aws)
    stub_create(aws, name, EXPECTED_CONTAINERS)
    stub_describe(aws)
    aws.sagemaker_stub.add_client_error(
        "create_model", "ValidationException", f'Cannot create already existing model "{model_arn(name)}".', 400
    )
    aws.sagemaker_stub.add_response("describe_model", describe_model_response(name), {"ModelName": name})

    first = aws.handle(create_event())
    second = aws.handle(create_event())

    assert second == first
    assert aws.calls == ["DescribeAutoMLJob", "CreateModel", "DescribeAutoMLJob", "CreateModel", "DescribeModel"]


# --- Delete ---------------------------------------------------------------------------


def test_delete_deletes_the_model(aws: StubbedAws) -> None:
    name = name_for(props())
    aws.sagemaker_stub.add_response("delete_model", {}, {"ModelName": name})
    event = delete_event(name)

    result = aws.handle(event)

    assert result == {"PhysicalResourceId": name, "Data": {}}
    assert aws.calls == ["DeleteModel"]


def test_delete_of_an_already_deleted_model_succeeds(aws: StubbedAws) -> None:
    name = name_for(props())
    aws.sagemaker_stub.add_client_error(
        "delete_model", "ValidationException", f'Could not find model "{model_arn(name)}".', 400,
        expected_params={"ModelName": name},
    )

    result = aws.handle(delete_event(name))

    assert result["PhysicalResourceId"] == name
    assert aws.calls == ["DeleteModel"]


@pytest.mark.parametrize(
    "physical_id",
    [CREATE_FAILED_PHYSICAL_ID, "8c1f7e52-1b7d-4d8e-9a53-3f1b0e6c2d11", "", "hand-made-model"],
    ids=["create-failed-marker", "request-id", "empty", "not-generated"],
)
def test_delete_after_failed_create_or_of_a_foreign_id_makes_no_call(aws: StubbedAws, physical_id: str) -> None:
    result = aws.handle(delete_event(physical_id))

    assert result == {"PhysicalResourceId": physical_id, "Data": {}}
    assert aws.calls == []


def test_delete_failure_names_the_model(aws: StubbedAws) -> None:
    name = name_for(props())
    aws.sagemaker_stub.add_client_error(
        "delete_model", "AccessDeniedException", "User is not authorized to perform: sagemaker:DeleteModel", 400,
        expected_params={"ModelName": name},
    )
    # The model exists (it is not ours): the denial is a failure, not "already gone".
    aws.sagemaker_stub.add_response(
        "list_models",
        {"Models": [{"ModelName": name, "ModelArn": model_arn(name), "CreationTime": datetime(2026, 1, 1)}]},
        {"NameContains": name},
    )

    message = failure(aws, delete_event(name))

    assert f"Model {name}" in message and "sagemaker:DeleteModel" in message


# --- Failures: nothing is created -----------------------------------------------------


def test_job_not_found(aws: StubbedAws) -> None:
    for operation in ("describe_auto_ml_job", "describe_auto_ml_job_v2"):
        aws.sagemaker_stub.add_client_error(
            operation, "ResourceNotFound", f"Could not find AutoML job with name {JOB}.", 400,
            expected_params={"AutoMLJobName": JOB},
        )

    message = failure(aws, create_event())

    assert aws.calls == ["DescribeAutoMLJob", "DescribeAutoMLJobV2"]
    assert f"AutoML job {JOB} not found" in message
    assert REGION in message and "region" in message
    assert "SourceRoleArn" in message and "job name" in message


@pytest.mark.parametrize(
    ("status", "secondary", "reason", "advice"),
    [
        ("InProgress", "ModelTuning", None, "Wait for it to complete"),
        ("Stopping", "Stopping", None, "Wait for it to complete"),
        ("Failed", "Failed", "ClientError: The target column has only one value", "Choose a job that completed"),
        ("Stopped", "MaxAutoMLJobRuntimeReached", None, "Choose a job that completed"),
        ("Archived", "SomethingNew", None, "Choose a job that completed"),  # never assume the enum
    ],
)
def test_job_not_completed(aws: StubbedAws, status: str, secondary: str, reason: str | None, advice: str) -> None:
    stub_describe(aws, job_response(AutoMLJobStatus=status, AutoMLJobSecondaryStatus=secondary, FailureReason=reason))

    message = failure(aws, create_event())

    assert aws.calls == ["DescribeAutoMLJob"]
    assert message.startswith(f"AutoML job {JOB}")
    assert status in message and secondary in message and advice in message
    if reason:
        assert reason in message


def test_job_without_best_candidate(aws: StubbedAws) -> None:
    stub_describe(aws, job_response(BestCandidate=None, AutoMLJobSecondaryStatus="CandidateDefinitionsGenerated"))

    message = failure(aws, create_event())

    assert f"AutoML job {JOB} has no best candidate" in message
    assert "CandidateDefinitionsGenerated" in message and "trained no model" in message
    assert "Choose a job that trained" in message


def test_named_candidate_not_found(aws: StubbedAws) -> None:
    stub_describe(aws)
    aws.sagemaker_stub.add_response(
        "list_candidates_for_auto_ml_job", {"Candidates": []}, {"AutoMLJobName": JOB, "CandidateNameEquals": "nope-001"}
    )

    message = failure(aws, create_event(props(CandidateName="nope-001")))

    assert f"Candidate nope-001 not found in AutoML job {JOB}" in message
    assert "candidate_name" in message


def test_named_candidate_not_completed(aws: StubbedAws) -> None:
    page = response("list_candidates_for_auto_ml_job_page2.json")
    page["Candidates"][0].update(CandidateStatus="Failed", FailureReason="AlgorithmError: out of memory")
    stub_describe(aws)
    aws.sagemaker_stub.add_response(
        "list_candidates_for_auto_ml_job", page, {"AutoMLJobName": JOB, "CandidateNameEquals": NAMED}
    )

    message = failure(aws, create_event(props(CandidateName=NAMED)))

    assert f"AutoML job {JOB}: candidate {NAMED} is not Completed" in message
    assert "Failed" in message and "out of memory" in message and "choose another candidate_name" in message


@pytest.mark.parametrize(("only", "requested"), [("GPU", None), ("CPU", "GPU")])
def test_a_single_container_set_is_used_whatever_the_processing_unit(
    aws: StubbedAws, only: str, requested: str | None
) -> None:
    """The construct's docstring: processing_unit is ignored for jobs with a single set."""
    job_name = "defect-images-v2"
    job = response("describe_auto_ml_job_v2_image_classification.json")
    definitions = job["BestCandidate"]["InferenceContainerDefinitions"]
    for unit in [unit for unit in definitions if unit != only]:
        del definitions[unit]
    properties = props(AutoMLJobName=job_name, InferenceResponseKeys=None, ProcessingUnit=requested)
    aws.sagemaker_stub.add_client_error("describe_auto_ml_job", "ValidationException", "Use DescribeAutoMLJobV2.", 400)
    aws.sagemaker_stub.add_response("describe_auto_ml_job_v2", job, {"AutoMLJobName": job_name})
    stub_create(aws, name_for(properties), definitions[only], facts=ANY)

    aws.handle(create_event(properties))

    assert aws.calls == ["DescribeAutoMLJob", "DescribeAutoMLJobV2", "CreateModel"]


def test_candidate_without_any_containers(aws: StubbedAws) -> None:
    job = job_response()
    del job["BestCandidate"]["InferenceContainers"]
    stub_describe(aws, job)

    message = failure(aws, create_event())

    assert f"AutoML job {JOB}: candidate {BEST} has no inference containers" in message
    assert "Choose another candidate" in message


def test_keys_on_a_regression_model(aws: StubbedAws) -> None:
    job_name = "house-prices-hpo"
    stub_describe(aws, job_response("describe_auto_ml_job_hpo_regression.json"), name=job_name)

    message = failure(aws, create_event(props(AutoMLJobName=job_name)))

    assert f"AutoML job {job_name}, candidate house-prices-hpoT1bq-004-9e2f1a7c" in message
    assert "does not support selecting inference response keys" in message
    assert "Remove inference_response_keys" in message and "predicted_label, probability" in message


def test_unsupported_key(aws: StubbedAws) -> None:
    stub_describe(aws)

    message = failure(aws, create_event(props(InferenceResponseKeys=["predicted_label", "score"])))

    assert f"AutoML job {JOB}, candidate {BEST}" in message
    assert "Unsupported inference response keys: score" in message
    assert "predicted_label, probability, labels, probabilities" in message


def test_model_data_outside_the_artifact_location(aws: StubbedAws) -> None:
    allowed = "s3://example-ml-artifacts-111122223333/auto"  # a string prefix of autopilot/, not a path prefix
    stub_describe(aws)

    message = failure(aws, create_event(props(ArtifactS3Uri=allowed)))

    assert f"AutoML job {JOB}" in message
    assert EXPECTED_CONTAINERS[0]["ModelDataUrl"] in message and allowed in message
    assert "automl_output_s3_uri" in message


def test_source_role_that_cannot_be_assumed(aws: StubbedAws) -> None:
    source_role = "arn:aws:iam::444455556666:role/AutopilotJobReader"
    aws.sts_stub.add_client_error("assume_role", "AccessDenied", "not authorized to perform sts:AssumeRole", 403)

    message = failure(aws, create_event(props(SourceRoleArn=source_role)))

    assert f"AutoML job {JOB}" in message and source_role in message and "trusts" in message
    assert aws.reader_calls == []


def test_missing_property_is_reported_before_any_call(aws: StubbedAws) -> None:
    message = failure(aws, create_event(props(ExecutionRoleArn=None)))

    assert message == f"AutoML job {JOB}: Property ExecutionRoleArn is required. [Custom::AutopilotModel {LOGICAL_ID}]"
    assert aws.calls == []


def test_invalid_processing_unit(aws: StubbedAws) -> None:
    message = failure(aws, create_event(props(ProcessingUnit="TPU")))

    assert "ProcessingUnit must be CPU or GPU" in message
    assert aws.calls == []


def test_create_model_error_is_named_after_the_job(aws: StubbedAws) -> None:
    stub_describe(aws)
    aws.sagemaker_stub.add_client_error(
        "create_model", "ValidationException", "Could not access model data at s3://example-ml-artifacts-111122223333/...", 400
    )

    with pytest.raises(AutopilotDeploymentError) as raised:
        aws.handle(create_event())

    assert str(raised.value).startswith(f"AutoML job {JOB}: ")
    assert "Could not access model data" in str(raised.value)


def test_unknown_resource_type(aws: StubbedAws) -> None:
    event = create_event()
    event["ResourceType"] = "Custom::Something"

    message = failure(aws, event)

    assert "Unsupported resource type 'Custom::Something'" in message
    assert contract.MODEL_RESOURCE_TYPE in message and "Custom::AutopilotTransformJob" in message
    assert aws.calls == []


# --- Data size ------------------------------------------------------------------------


def test_data_stays_far_below_the_cloudformation_limit_with_worst_case_lengths(aws: StubbedAws) -> None:
    job_name = "j" * 32  # AutoMLJobName maximum
    candidate_name = "c" * 64  # CandidateName maximum
    job = job_response(AutoMLJobName=job_name)
    job["BestCandidate"]["CandidateName"] = candidate_name
    job["BestCandidate"]["FinalAutoMLJobObjectiveMetric"] = {"MetricName": "m" * 128, "Value": -1.7976931348623157e+308}
    job["ProblemType"] = job["ResolvedAttributes"]["ProblemType"] = "p" * 64
    job["AutoMLJobConfig"]["Mode"] = "HYPERPARAMETER_TUNING"
    properties = props(
        AutoMLJobName=job_name,
        ModelNamePrefix="P" * 200,
        InferenceResponseKeys=["predicted_label", "probability", "probabilities", "labels"],
    )
    job["BestCandidate"]["InferenceContainers"][1]["Environment"]["SAGEMAKER_INFERENCE_SUPPORTED"] = (
        "predicted_label,probability,probabilities,labels"
    )
    name = name_for(properties)
    assert len(name) == contract.MAX_NAME_LENGTH
    stub_describe(aws, job, name=job_name)
    long_arn = f"arn:aws-iso-b:sagemaker:us-isob-east-1:111122223333:model/{name.lower()}"
    aws.sagemaker_stub.add_response("create_model", {"ModelArn": long_arn})

    result = aws.handle(create_event(properties))

    data_size = len(json.dumps(result["Data"]).encode("utf-8"))
    assert data_size < 1024, data_size  # CloudFormation refuses a whole response above 4096 bytes
    assert len(json.dumps(result).encode("utf-8")) < 4096
    assert result["Data"]["InferenceResponseKeys"] == "predicted_label,probability,probabilities,labels"
    assert result["Data"]["ObjectiveMetricValue"] == "-1.7976931348623157e+308"
