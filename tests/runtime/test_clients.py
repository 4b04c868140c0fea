"""Clients and the multi-call reads: retry settings, lazy creation, V1/V2 fallback, pagination."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from support.handler import REGION, StubbedAws, aws, cfn_event, fake_aws_environment, response  # noqa: F401

from autopilot_inference._lambda.autopilot_runtime import clients as clients_module
from autopilot_inference._lambda.autopilot_runtime import contract
from autopilot_inference._lambda.autopilot_runtime.clients import (
    USER_AGENT_EXTRA,
    Clients,
    client_config,
    describe_job,
    list_candidate,
    role_session_name,
    sagemaker_client,
)
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from autopilot_inference._lambda.autopilot_runtime.events import CREATE_FAILED_PHYSICAL_ID
from autopilot_inference._lambda.autopilot_runtime.handler import handle


def test_client_config_retries_and_user_agent() -> None:
    config = client_config()
    assert config.retries == {"mode": "standard", "max_attempts": contract.MAX_ATTEMPTS}
    assert config.user_agent_extra == USER_AGENT_EXTRA


def test_sagemaker_client_carries_the_config(fake_aws_environment: None) -> None:
    client = sagemaker_client(region_name="eu-west-1")
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.retries["mode"] == "standard"
    assert USER_AGENT_EXTRA in client.meta.config.user_agent_extra


def test_client_from_assumed_credentials(fake_aws_environment: None) -> None:
    client = clients_module.create_client(
        "sagemaker", {"AccessKeyId": "ASIAASSUMED", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "x"}
    )
    assert client._request_signer._credentials.access_key == "ASIAASSUMED"
    assert client.meta.region_name == REGION


@pytest.mark.parametrize(
    ("job_name", "expected"),
    [("churn-hpo-2026-11", "autopilot-churn-hpo-2026-11"), ("j" * 80, "autopilot-" + "j" * 54)],
)
def test_role_session_name(job_name: str, expected: str) -> None:
    assert role_session_name(job_name) == expected
    assert len(role_session_name(job_name)) <= 64


def test_clients_are_created_lazily_and_once() -> None:
    made: list[tuple[str, Any]] = []

    def factory(service: str, credentials: Any) -> object:
        made.append((service, credentials))
        return object()

    clients = Clients(factory)
    assert made == []
    assert clients.sagemaker() is clients.sagemaker()
    assert clients.job_reader("job") is clients.sagemaker()  # same account: no STS
    assert made == [("sagemaker", None)]


def test_handle_creates_no_client_when_there_is_nothing_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_clients(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("no client may be created")

    monkeypatch.setattr(boto3, "client", no_clients)
    event = cfn_event("Delete", contract.MODEL_RESOURCE_TYPE, {}, physical_id=CREATE_FAILED_PHYSICAL_ID)

    result = handle(event, None)

    assert result["PhysicalResourceId"] == CREATE_FAILED_PHYSICAL_ID


def test_describe_job_does_not_fall_back_on_other_errors(aws: StubbedAws) -> None:
    aws.sagemaker_stub.add_client_error("describe_auto_ml_job", "AccessDeniedException", "not authorized", 400)

    with pytest.raises(ClientError, match="AccessDeniedException"):
        describe_job(aws.sagemaker, "churn-hpo-2026-11")

    assert aws.calls == ["DescribeAutoMLJob"]


def test_describe_job_v2_errors_other_than_not_found_propagate(aws: StubbedAws) -> None:
    aws.sagemaker_stub.add_client_error("describe_auto_ml_job", "ResourceNotFound", "not found", 400)
    aws.sagemaker_stub.add_client_error("describe_auto_ml_job_v2", "ThrottlingException", "Rate exceeded", 400)

    with pytest.raises(ClientError, match="ThrottlingException"):
        describe_job(aws.sagemaker, "churn-hpo-2026-11")


def test_describe_job_v1(aws: StubbedAws) -> None:
    job = response("describe_auto_ml_job_ensembling.json")
    aws.sagemaker_stub.add_response("describe_auto_ml_job", job, {"AutoMLJobName": "iris-ensemble"})

    assert describe_job(aws.sagemaker, "iris-ensemble") == job


def test_describe_job_not_found_message(aws: StubbedAws) -> None:
    for operation in ("describe_auto_ml_job", "describe_auto_ml_job_v2"):
        aws.sagemaker_stub.add_client_error(operation, "ResourceNotFound", "Could not find job", 400)

    with pytest.raises(AutopilotDeploymentError) as raised:
        describe_job(aws.sagemaker, "missing-job")

    assert str(raised.value).startswith(f"AutoML job missing-job not found in this account/region ({REGION})")


def test_list_candidate_through_the_paginator(aws: StubbedAws) -> None:
    page1 = response("list_candidates_for_auto_ml_job_page1.json")
    page2 = response("list_candidates_for_auto_ml_job_page2.json")
    name = page2["Candidates"][0]["CandidateName"]
    aws.sagemaker_stub.add_response(
        "list_candidates_for_auto_ml_job", page1, {"AutoMLJobName": "churn-hpo-2026-11", "CandidateNameEquals": name}
    )
    aws.sagemaker_stub.add_response(
        "list_candidates_for_auto_ml_job",
        page2,
        {"AutoMLJobName": "churn-hpo-2026-11", "CandidateNameEquals": name, "NextToken": page1["NextToken"]},
    )

    assert list_candidate(aws.sagemaker, "churn-hpo-2026-11", name) == page2["Candidates"][0]
    assert aws.calls == ["ListCandidatesForAutoMLJob", "ListCandidatesForAutoMLJob"]
