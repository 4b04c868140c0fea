"""The job events that signal a waited job's wait condition (``wait_signals``), through ``handle()``.

Every call goes through Stubber'd clients (requests checked against botocore's model and the expected
parameters); the signal is the JSON a wait condition handle takes.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from support.handler import STACK_ID, StubbedAws, aws, fake_aws_environment  # noqa: F401  (fixtures)

from autopilot_inference._lambda.autopilot_runtime import contract
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from autopilot_inference._lambda.autopilot_runtime.ownership import OWNER_ENV_VAR, OWNER_TAG_KEY
from autopilot_inference._lambda.autopilot_runtime.wait_signals import signal_body

NAME = "churnstack-scoring-7d36e9ea434e98-80934e0f3f"
ARN = f"arn:aws:sagemaker:us-east-1:111122223333:transform-job/{NAME}"
HANDLE = "ScoringHandleFC4B8B4B"
URL = "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/x?Signature=SECRET-SIGNATURE"
STARTED = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def owner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(OWNER_ENV_VAR, STACK_ID)


def job_event(status: str, **detail: Any) -> dict[str, Any]:
    return {
        "version": "0", "id": "e-1", "detail-type": "SageMaker Transform Job State Change", "source": "aws.sagemaker",
        "account": "111122223333", "region": "us-east-1", "time": "2026-11-20T12:00:00Z", "resources": [ARN],
        "detail": {"TransformJobName": NAME, "TransformJobArn": ARN, "TransformJobStatus": status,
                   "CreationTime": int(STARTED.timestamp() * 1000), **detail},
    }


def stub_tags(aws: StubbedAws, owner: str = STACK_ID, handle: str | None = HANDLE) -> None:
    tags = [{"Key": OWNER_TAG_KEY, "Value": owner}] + ([{"Key": contract.WAIT_HANDLE_TAG_KEY, "Value": handle}] if handle else [])
    aws.sagemaker_stub.add_response("list_tags", {"Tags": tags}, {"ResourceArn": ARN})


def stub_handle(aws: StubbedAws, made: datetime = STARTED - timedelta(seconds=5)) -> None:
    aws.cloudformation_stub.add_response(
        "describe_stack_resource",
        {"StackResourceDetail": {"LogicalResourceId": HANDLE, "PhysicalResourceId": URL, "LastUpdatedTimestamp": made,
                                 "ResourceType": "AWS::CloudFormation::WaitConditionHandle", "ResourceStatus": "CREATE_COMPLETE"}},
        {"StackName": STACK_ID, "LogicalResourceId": HANDLE},
    )


def test_a_completed_job_signals_success_to_its_handle(aws: StubbedAws, caplog: pytest.LogCaptureFixture) -> None:
    stub_tags(aws)
    stub_handle(aws)

    with caplog.at_level(logging.DEBUG):
        result = aws.handle(job_event("Completed"))

    assert result == {"TransformJobName": NAME, "Signalled": True, "Status": "SUCCESS"}
    assert aws.puts == [(URL, {"Status": "SUCCESS", "Reason": f"Transform job {NAME} completed.", "UniqueId": NAME, "Data": ARN})]
    assert "SECRET-SIGNATURE" not in caplog.text  # the pre-signed URL is never logged


def test_a_failed_job_signals_failure_with_its_reason_read_from_the_job(aws: StubbedAws) -> None:
    stub_tags(aws)
    aws.sagemaker_stub.add_response(
        "describe_transform_job",
        {"TransformJobName": NAME, "TransformJobArn": ARN, "TransformJobStatus": "Failed", "ModelName": "m",
         "FailureReason": "AlgorithmError: bad row", "CreationTime": STARTED,
         "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
         "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1}},
        {"TransformJobName": NAME},
    )
    stub_handle(aws)

    aws.handle(job_event("Failed"))

    body = aws.puts[0][1]
    assert body["Status"] == "FAILURE" and body["UniqueId"] == NAME
    assert body["Reason"].startswith(f"Transform job {NAME} failed: AlgorithmError: bad row. Fix the cause")


def test_a_stopped_job_signals_failure_with_the_reason_of_its_event(aws: StubbedAws) -> None:
    stub_tags(aws)
    stub_handle(aws)

    aws.handle(job_event("Stopped", FailureReason="Stopped by the user"))

    assert aws.puts[0][1]["Status"] == "FAILURE" and "was stopped: Stopped by the user" in aws.puts[0][1]["Reason"]
    assert aws.calls == ["ListTags"]


@pytest.mark.parametrize("status", ["InProgress", "Stopping"])
def test_a_job_still_running_signals_nothing(aws: StubbedAws, status: str) -> None:
    assert aws.handle(job_event(status))["Signalled"] is False
    assert aws.calls == [] and aws.puts == []


def test_a_job_of_another_stack_signals_nothing(aws: StubbedAws) -> None:
    stub_tags(aws, owner=STACK_ID.replace("5b9f3c10", "77777777"))

    assert aws.handle(job_event("Completed"))["Signalled"] is False
    assert aws.puts == []


def test_a_job_nothing_waits_for_signals_nothing(aws: StubbedAws) -> None:
    stub_tags(aws, handle=None)

    assert aws.handle(job_event("Completed"))["Why"] == "nothing waits for it"
    assert aws.puts == []


def test_a_job_whose_tags_are_denied_is_not_this_stacks(aws: StubbedAws) -> None:
    aws.sagemaker_stub.add_client_error("list_tags", "AccessDeniedException", "not authorized", expected_params={"ResourceArn": ARN})

    assert aws.handle(job_event("Completed"))["Signalled"] is False


def test_a_handle_gone_or_made_after_the_job_is_not_signalled(aws: StubbedAws) -> None:
    stub_tags(aws)
    aws.cloudformation_stub.add_client_error(
        "describe_stack_resource", "ValidationError", f"Resource {HANDLE} does not exist for stack ChurnStack",
        expected_params={"StackName": STACK_ID, "LogicalResourceId": HANDLE},
    )
    assert aws.handle(job_event("Stopped", FailureReason="x"))["Signalled"] is False

    # The handle was made again under its logical id after this (older) job started: it waits for another job.
    stub_tags(aws)
    stub_handle(aws, made=STARTED + timedelta(hours=1))
    assert aws.handle(job_event("Failed", FailureReason="x"))["Signalled"] is False
    assert aws.puts == []


def test_a_throttled_read_fails_the_invocation_so_lambda_retries_it(aws: StubbedAws) -> None:
    aws.sagemaker_stub.add_client_error("list_tags", "ThrottlingException", "Rate exceeded", expected_params={"ResourceArn": ARN})

    with pytest.raises(AutopilotDeploymentError, match=f"Transform job {NAME}: cannot signal its wait condition"):
        aws.handle(job_event("Completed"))


def test_the_signal_is_the_json_a_wait_condition_handle_takes() -> None:
    body = json.loads(signal_body("FAILURE", "x" * 5000, NAME, ARN))
    assert set(body) == {"Status", "Reason", "UniqueId", "Data"} and body["Status"] == "FAILURE"
    assert len(body["Reason"]) <= 1500 and body["Reason"].endswith("...")
    with pytest.raises(ValueError):
        signal_body("DONE", "", NAME, ARN)
