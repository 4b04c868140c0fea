"""Custom::AutopilotTransformJob through ``handle()``: start, wait, update, delete and failures."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.handler import StubbedAws, aws, fake_aws_environment  # noqa: F401  (fixtures)
from support.transform_events import (
    EXPECTED_REQUEST_FIELDS,
    MODEL,
    PREFIX,
    PROPS,
    REQUEST_ID,
    create_event,
    delete_event,
    described,
    job_arn,
    name_for,
    props,
    stub_create,
    stub_list,
    update_event,
)

from autopilot_inference._lambda.autopilot_runtime import contract
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from autopilot_inference._lambda.autopilot_runtime.events import CREATE_FAILED_PHYSICAL_ID


def started(aws: StubbedAws, properties: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Create event and its on_event result, with the job started."""
    event = create_event(properties)
    stub_create(aws, name_for(properties or props()))
    return event, aws.handle(event)


# --- Create and waiting ---------------------------------------------------------------


def test_create_with_every_option_sends_typed_values(aws: StubbedAws) -> None:
    name = name_for(props())
    stub_create(aws, name)

    result = aws.handle(create_event())

    assert aws.calls == ["ListTransformJobs", "CreateTransformJob"]
    assert result == {"PhysicalResourceId": name, "Data": {"TransformJobName": name, "TransformJobArn": job_arn(name)}}
    assert name.startswith(f"{PREFIX.lower()}-") and contract.TRANSFORM_JOB_NAME_PATTERN.match(name)


def test_create_with_only_the_required_properties(aws: StubbedAws) -> None:
    minimal = {
        key: PROPS[key]
        for key in ("ModelName", "TransformJobNamePrefix", "TransformInput", "TransformOutput", "TransformResources")
    }
    minimal["TransformOutput"] = {**minimal["TransformOutput"], "KmsKeyId": ""}  # empty optional values are dropped
    name = name_for(minimal)
    stub_create(
        aws,
        name,
        {
            "ModelName": MODEL,
            "TransformInput": PROPS["TransformInput"],
            "TransformOutput": {
                "S3OutputPath": "s3://example-ml-artifacts-111122223333/churn/predictions/",
                "Accept": "text/csv",
                "AssembleWith": "Line",
            },
            "TransformResources": EXPECTED_REQUEST_FIELDS["TransformResources"],
        },
    )

    result = aws.handle(create_event(minimal))

    assert result["PhysicalResourceId"] == name


def test_a_waited_job_is_tagged_with_its_wait_handle(aws: StubbedAws) -> None:
    properties = props(WaitForCompletion=None, WaitHandle="ScoringWaitHandle")  # waiting is the default
    tags = [*EXPECTED_REQUEST_FIELDS["Tags"], {"Key": contract.WAIT_HANDLE_TAG_KEY, "Value": "ScoringWaitHandle"}]
    stub_create(aws, name_for(properties), {**EXPECTED_REQUEST_FIELDS, "Tags": tags})

    aws.handle(create_event(properties))

    assert aws.calls == ["ListTransformJobs", "CreateTransformJob"]


def test_without_waiting_the_job_just_starts(aws: StubbedAws) -> None:
    properties = props(WaitForCompletion="false", WaitHandle="ScoringWaitHandle")
    started(aws, properties)  # no wait-handle tag: the job's events signal nothing

    assert aws.calls == ["ListTransformJobs", "CreateTransformJob"]


def test_duplicate_create_delivery_adopts_the_job_it_started(aws: StubbedAws) -> None:
    name = name_for(props())
    stub_create(aws, name)
    stub_list(aws, name, jobs=[name])  # the job the first delivery started is kept
    aws.sagemaker_stub.add_client_error(
        "create_transform_job",
        "ResourceInUse",
        "Job name must be unique within an AWS account and region, and a job with this name already exists "
        f"({job_arn(name)})",
        400,
        expected_params={"TransformJobName": name, **EXPECTED_REQUEST_FIELDS},
    )
    aws.sagemaker_stub.add_response("describe_transform_job", described(name, "InProgress"), {"TransformJobName": name})

    first = aws.handle(create_event())
    second = aws.handle(create_event())

    assert second == first
    assert aws.calls == [
        "ListTransformJobs", "CreateTransformJob", "ListTransformJobs", "CreateTransformJob", "DescribeTransformJob"
    ]


def test_each_request_gets_its_own_job_name() -> None:
    assert name_for(props(), "request-1") != name_for(props(), "request-2")


# --- Update ---------------------------------------------------------------------------


def test_update_of_tags_and_wait_properties_keeps_the_job(aws: StubbedAws) -> None:
    old = props(Tags=[{"Key": "team", "Value": "ml"}, {"Key": "stage", "Value": "beta"}])
    new = props(
        Tags=[{"Key": "team", "Value": "ml"}, {"Key": "owner", "Value": "alice"}],
        WaitForCompletion="false",
        WaitTimeoutSeconds="1800",
    )
    name = name_for(old)
    aws.sagemaker_stub.add_response("describe_transform_job", described(name), {"TransformJobName": name})
    aws.sagemaker_stub.add_response("delete_tags", {}, {"ResourceArn": job_arn(name), "TagKeys": ["stage"]})
    aws.sagemaker_stub.add_response(
        "add_tags", {"Tags": []}, {"ResourceArn": job_arn(name), "Tags": [{"Key": "owner", "Value": "alice"}]}
    )
    event = update_event(new, old, name, "update-request-1")

    result = aws.handle(event)

    assert result == {"PhysicalResourceId": name, "Data": {"TransformJobName": name, "TransformJobArn": job_arn(name)}}
    assert aws.calls == ["DescribeTransformJob", "DeleteTags", "AddTags"]


def test_update_of_the_job_configuration_starts_a_new_job(aws: StubbedAws) -> None:
    old = props()
    new = props(TransformResources={"InstanceType": "ml.m5.2xlarge", "InstanceCount": "1"})
    old_name = name_for(old)
    new_name = name_for(new, "update-request-2")
    assert new_name != old_name
    fields = {**EXPECTED_REQUEST_FIELDS, "TransformResources": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": 1}}
    aws.stack_status("UPDATE_IN_PROGRESS")
    stub_create(aws, new_name, fields, sweep=False)

    result = aws.handle(update_event(new, old, old_name, "update-request-2"))

    assert aws.calls == ["CreateTransformJob"]  # the old job is left to CloudFormation's Delete
    assert result["PhysicalResourceId"] == new_name


# --- Delete ---------------------------------------------------------------------------


def test_delete_stops_a_job_in_progress(aws: StubbedAws) -> None:
    name = name_for(props())
    aws.sagemaker_stub.add_response("describe_transform_job", described(name, "InProgress"), {"TransformJobName": name})
    aws.sagemaker_stub.add_response("stop_transform_job", {}, {"TransformJobName": name})
    event = delete_event(name)

    result = aws.handle(event)

    assert result == {"PhysicalResourceId": name, "Data": {}}
    assert aws.calls == ["DescribeTransformJob", "StopTransformJob"]


@pytest.mark.parametrize("status", ["Completed", "Failed", "Stopped", "Stopping"])
def test_delete_of_a_finished_job_makes_no_stop_call(aws: StubbedAws, status: str) -> None:
    name = name_for(props())
    aws.sagemaker_stub.add_response("describe_transform_job", described(name, status), {"TransformJobName": name})

    result = aws.handle(delete_event(name))

    assert result["PhysicalResourceId"] == name
    assert aws.calls == ["DescribeTransformJob"]


def test_delete_of_a_missing_job_succeeds(aws: StubbedAws) -> None:
    name = name_for(props())
    aws.sagemaker_stub.add_client_error(
        "describe_transform_job", "ResourceNotFound", "Could not find requested job with name " + name, 400,
        expected_params={"TransformJobName": name},
    )

    assert aws.handle(delete_event(name))["PhysicalResourceId"] == name
    assert aws.calls == ["DescribeTransformJob"]


def test_delete_when_the_job_finishes_before_the_stop(aws: StubbedAws) -> None:
    name = name_for(props())
    aws.sagemaker_stub.add_response("describe_transform_job", described(name, "InProgress"), {"TransformJobName": name})
    aws.sagemaker_stub.add_client_error(
        "stop_transform_job", "ValidationException", "The job is not in progress.", 400,
        expected_params={"TransformJobName": name},
    )
    aws.sagemaker_stub.add_response("describe_transform_job", described(name), {"TransformJobName": name})

    assert aws.handle(delete_event(name))["PhysicalResourceId"] == name
    assert aws.calls == ["DescribeTransformJob", "StopTransformJob", "DescribeTransformJob"]


@pytest.mark.parametrize("physical_id", [CREATE_FAILED_PHYSICAL_ID, REQUEST_ID, ""])
def test_delete_after_failed_create_makes_no_call(aws: StubbedAws, physical_id: str) -> None:
    assert aws.handle(delete_event(physical_id)) == {"PhysicalResourceId": physical_id, "Data": {}}
    assert aws.calls == []


# --- Failures -------------------------------------------------------------------------


def test_missing_required_property(aws: StubbedAws) -> None:
    with pytest.raises(AutopilotDeploymentError) as raised:
        aws.handle(create_event(props(TransformOutput=None)))

    assert str(raised.value) == f"Transform job {PREFIX}: Property TransformOutput is required."
    assert aws.calls == []


def test_property_that_is_not_a_number(aws: StubbedAws) -> None:
    properties = props(TransformResources={"InstanceType": "ml.m5.xlarge", "InstanceCount": "two"})

    with pytest.raises(AutopilotDeploymentError) as raised:
        aws.handle(create_event(properties))

    message = str(raised.value)
    assert "TransformResources.InstanceCount must be a whole number" in message and "'two'" in message
    assert aws.calls == []


def test_create_error_names_the_job(aws: StubbedAws) -> None:
    name = name_for(props())
    aws.sagemaker_stub.add_client_error(
        "create_transform_job", "ValidationException", f"Could not find model \"{MODEL}\".", 400
    )

    with pytest.raises(AutopilotDeploymentError) as raised:
        aws.handle(create_event())

    assert str(raised.value).startswith(f"Transform job {name}: ")
    assert MODEL in str(raised.value)


def test_transform_data_stays_small_with_the_longest_names(aws: StubbedAws) -> None:
    properties = props(TransformJobNamePrefix="T" * 300)
    name = name_for(properties)
    assert len(name) == contract.MAX_NAME_LENGTH
    long_arn = f"arn:aws-iso-b:sagemaker:us-isob-east-1:111122223333:transform-job/{name.lower()}"
    aws.sagemaker_stub.add_response("create_transform_job", {"TransformJobArn": long_arn})

    result = aws.handle(create_event(properties))

    assert result["Data"] == {"TransformJobName": name, "TransformJobArn": long_arn}
    assert len(json.dumps(result).encode("utf-8")) < 1024  # CloudFormation's limit is 4096 bytes
