"""The handler's fault handling, piece by piece: retry budget, deadline, reasons, names, properties."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from botocore.retries.standard import ExponentialBackoff
from support.handler import STACK_ID, StubbedAws, aws, cfn_event, fake_aws_environment  # noqa: F401
from support.stacks import checked_template

from autopilot_inference._lambda.autopilot_runtime import contract, naming
from autopilot_inference._lambda.autopilot_runtime.clients import client_config
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from autopilot_inference._lambda.autopilot_runtime.handler import trim
from autopilot_inference._lambda.autopilot_runtime.properties import (
    ModelProperties,
    PropertyError,
    TransformJobProperties,
)
from autopilot_inference._lambda.autopilot_runtime.service_errors import describe_error, is_transient

MODEL_PROPS: dict[str, Any] = {
    "AutoMLJobName": "churn-hpo-2026-11",
    "ExecutionRoleArn": "arn:aws:iam::111122223333:role/ModelRole",
    "ModelNamePrefix": "ChurnStack-ChurnModel",
    "InferenceResponseKey": ["predicted_label"],  # misspelt: InferenceResponseKeys
}


# --- point 4: the retry budget fits the function's timeout ----------------------------


def test_client_config_takes_its_timeouts_and_attempts_from_the_contract() -> None:
    config = client_config()
    assert config.connect_timeout == contract.CONNECT_TIMEOUT_SECONDS
    assert config.read_timeout == contract.READ_TIMEOUT_SECONDS
    assert config.retries == {"mode": "standard", "max_attempts": contract.MAX_ATTEMPTS}


def test_the_backoff_bound_covers_botocores_standard_mode() -> None:
    # botocore's own cap between attempts, plus what a retry-after header may add.
    assert contract.MAX_BACKOFF_SECONDS >= ExponentialBackoff._MAX_BACKOFF + ExponentialBackoff._RETRY_AFTER_MAX_ADDITIONAL


def test_a_call_with_every_retry_fits_one_invocation_with_room_to_report() -> None:
    budget = contract.call_budget_seconds()
    assert budget == contract.MAX_ATTEMPTS * 25 + (contract.MAX_ATTEMPTS - 1) * 25
    assert contract.minimum_remaining_seconds() + contract.REPORT_RESERVE_SECONDS <= contract.HANDLER_TIMEOUT_SECONDS
    # botocore's defaults (60 s read timeout) would not: three attempts alone outlast the budget.
    assert 3 * 60 > budget


def test_the_function_timeout_the_construct_sets_is_the_contracts() -> None:
    from aws_cdk import App, Stack
    from aws_cdk.assertions import Match

    from autopilot_inference.provider.asset import HANDLER
    from autopilot_inference.provider.provider import AutopilotInferenceProvider

    stack = Stack(App(), "ContractStack")
    AutopilotInferenceProvider.of(stack)
    functions = checked_template(stack).find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": HANDLER, "Timeout": Match.any_value()}}
    )
    assert [f["Properties"]["Timeout"] for f in functions.values()] == [contract.HANDLER_TIMEOUT_SECONDS]


class Context:
    def __init__(self, remaining_seconds: float) -> None:
        self.remaining = remaining_seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self.remaining * 1000)


def test_no_call_starts_when_the_invocation_could_end_during_its_retries(aws: StubbedAws) -> None:
    from autopilot_inference._lambda.autopilot_runtime.handler import handle

    properties = {key: value for key, value in MODEL_PROPS.items() if key != "InferenceResponseKey"}
    event = cfn_event("Create", contract.MODEL_RESOURCE_TYPE, properties)
    with pytest.raises(AutopilotDeploymentError) as raised:
        handle(event, Context(contract.minimum_remaining_seconds() - 1), clients=aws.clients())

    message = str(raised.value)
    assert message.startswith("AutoML job churn-hpo-2026-11: DescribeAutoMLJob not called")
    assert "ChurnModel" in message
    # No response was stubbed: a request reaching the Stubber would have failed with UnStubbedResponseError.
    assert "Unexpected API Call" not in message and "stub" not in message.lower()


def test_a_call_starts_with_enough_time_left(aws: StubbedAws) -> None:
    from autopilot_inference._lambda.autopilot_runtime.handler import handle

    event = cfn_event("Delete", contract.MODEL_RESOURCE_TYPE, {}, physical_id="ChurnStack-ChurnModel-8e1d4c2a9f")
    aws.sagemaker_stub.add_response("delete_model", {}, {"ModelName": "ChurnStack-ChurnModel-8e1d4c2a9f"})

    handle(event, Context(contract.minimum_remaining_seconds() + 1), clients=aws.clients())

    assert aws.calls == ["DeleteModel"]


# --- point 3: what counts as transient -------------------------------------------------


def client_error(code: str, status: int = 400) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "DescribeTransformJob")


@pytest.mark.parametrize(
    "error",
    [
        client_error("ThrottlingException"),
        client_error("ServiceUnavailable", 503),
        client_error("SomethingNew", 500),
        client_error("TooManyRequestsException", 429),
        ConnectionClosedError(endpoint_url="https://x"),
        EndpointConnectionError(endpoint_url="https://x"),
        ReadTimeoutError(endpoint_url="https://x"),
    ],
)
def test_transient_errors(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error", [client_error("AccessDeniedException"), client_error("ValidationException"), client_error("ResourceLimitExceeded")]
)
def test_errors_that_are_not_transient(error: Exception) -> None:
    assert not is_transient(error)


# --- point 5: reasons fit and name the call ---------------------------------------------


def test_trim_keeps_start_and_end_within_the_limit() -> None:
    text = "Transform job X: " + "é\"" * 5000 + " the cause."
    trimmed = trim(text)
    assert len(json.dumps(trimmed, ensure_ascii=False).encode("utf-8")) <= contract.MAX_REASON_BYTES
    assert trimmed.startswith("Transform job X: ") and trimmed.endswith(" the cause.")
    assert "characters cut" in trimmed
    assert trim("short") == "short"


def test_the_reason_budget_leaves_room_for_the_rest_of_the_response() -> None:
    from support.framework import HANDLER_FUNCTION, JS_STACK

    # The framework's additions: "Error: ", the log group line, 10 stack frames (JSON-escaped).
    additions = len(json.dumps(f"Error: \n\nLogs: /aws/lambda/{HANDLER_FUNCTION + 'x' * 8}\n{JS_STACK}"))
    assert additions <= contract.FRAMEWORK_REASON_OVERHEAD_BYTES
    # ids (StackId ~ 130 with a long stack name, RequestId 36, physical id <= 63 or the 55-byte
    # marker, logical id <= 255), the keys, and Data (~ 450 for a model with long names).
    rest = 130 + 36 + 63 + 255 + 150 + 450
    assert contract.MAX_REASON_BYTES + contract.FRAMEWORK_REASON_OVERHEAD_BYTES + rest <= contract.RESPONSE_LIMIT_BYTES


def test_describe_error_names_the_call_of_a_service_error() -> None:
    assert "DescribeTransformJob operation" in describe_error(client_error("ThrottlingException"))


# --- transform job names -----------------------------------------------------------------


def test_transform_job_names_are_valid_and_group_by_resource_and_configuration() -> None:
    names = naming.transform_job_names("ChurnStack-Scoring", STACK_ID, "Scoring", {"a": 1})
    other_config = naming.transform_job_names("ChurnStack-Scoring", STACK_ID, "Scoring", {"a": 2})
    other_resource = naming.transform_job_names("ChurnStack-Scoring", STACK_ID, "Other", {"a": 1})
    job = names.job("request-1")
    assert contract.TRANSFORM_JOB_NAME_PATTERN.match(job) and naming.is_generated_name(job)
    assert job.startswith(names.of_configuration) and job.startswith(names.of_resource)
    assert names.job("request-1") == job != names.job("request-2")
    assert names.is_of_configuration(job) and other_config.is_of_resource(job)
    assert not other_config.is_of_configuration(job) and not other_resource.is_of_resource(job)
    assert not names.is_of_resource("ChurnStack-Scoring-3f9c2a7b1d")  # a name from before: not of this scheme


def test_the_longest_prefix_still_gives_a_valid_name() -> None:
    names = naming.transform_job_names("P" * 300, STACK_ID, "Scoring", {})
    job = names.job("r")
    assert len(job) == contract.MAX_NAME_LENGTH and contract.TRANSFORM_JOB_NAME_PATTERN.match(job)
    assert len(names.of_resource) <= 63  # ListTransformJobs' NameContains limit


def test_a_stack_made_again_under_its_name_finds_its_jobs() -> None:
    again = STACK_ID.replace("5b9f3c10", "77777777")
    first = naming.transform_job_names("ChurnStack-Scoring", STACK_ID, "Scoring", {})
    assert naming.transform_job_names("ChurnStack-Scoring", again, "Scoring", {}) == first


# --- point 7: unknown properties ---------------------------------------------------------


def test_a_misspelt_model_property_is_refused_naming_it_and_the_known_ones() -> None:
    with pytest.raises(PropertyError) as raised:
        ModelProperties.parse(MODEL_PROPS)
    message = str(raised.value)
    assert "InferenceResponseKey (did you mean InferenceResponseKeys?)" in message
    assert "Its properties are: AutoMLJobName, CandidateName, InferenceResponseKeys" in message


def test_a_misspelt_property_fails_the_deployment_before_any_call(aws: StubbedAws) -> None:
    from autopilot_inference._lambda.autopilot_runtime.handler import handle

    with pytest.raises(AutopilotDeploymentError) as raised:
        handle(cfn_event("Create", contract.MODEL_RESOURCE_TYPE, MODEL_PROPS), clients=aws.clients())

    assert "InferenceResponseKey (did you mean InferenceResponseKeys?)" in str(raised.value)
    assert aws.calls == []


def test_an_unknown_transform_property_is_refused() -> None:
    properties = {
        "ModelName": "m", "TransformJobNamePrefix": "p", "TransformInput": {}, "TransformOutput": {},
        "TransformResources": {}, "WaitTimeout": "60",
    }
    with pytest.raises(PropertyError, match=r"has no property WaitTimeout \(did you mean WaitTimeoutSeconds\?\)"):
        TransformJobProperties.parse(properties)


@pytest.mark.parametrize("resource_type", [contract.MODEL_RESOURCE_TYPE, contract.TRANSFORM_JOB_RESOURCE_TYPE])
def test_a_delete_never_refuses_properties(aws: StubbedAws, resource_type: str) -> None:
    from autopilot_inference._lambda.autopilot_runtime.handler import handle

    event = cfn_event("Delete", resource_type, {"SomethingOld": "1"}, physical_id="AWSCDK::CustomResourceProviderFramework::CREATE_FAILED")
    assert handle(event, clients=aws.clients())["PhysicalResourceId"].endswith("CREATE_FAILED")
