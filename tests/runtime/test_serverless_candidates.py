"""A serverless endpoint needs a single-container candidate: refused at deploy time and in ``plan``.

The construct sets ``SingleContainerRequired`` on a model that a serverless endpoint serves
(see ``test_constructs_serving.py``); the handler checks the candidate's containers before
``CreateModel``. The Stubber checks every request against botocore's SageMaker model, and
``failure`` asserts that no ``CreateModel`` was sent.
"""

from __future__ import annotations

from typing import Any

from botocore.stub import ANY
from support.handler import StubbedAws, aws, cfn_event, fake_aws_environment, response  # noqa: F401
from support.model_events import LOGICAL_ID, failure, name_for, props, stub_create, stub_describe
from support.paths import FIXTURES

from autopilot_inference._lambda.autopilot_runtime import contract
from autopilot_inference._lambda.autopilot_runtime.properties import ModelProperties, PropertyError
from autopilot_inference.tools import cli


def create_event(properties: dict[str, Any]) -> dict[str, Any]:
    return cfn_event("Create", contract.MODEL_RESOURCE_TYPE, properties, logical_id=LOGICAL_ID)


def test_property_is_parsed_from_cloudformation_strings() -> None:
    base = {"AutoMLJobName": "j", "ExecutionRoleArn": "arn:aws:iam::111122223333:role/r", "ModelNamePrefix": "p"}
    assert ModelProperties.parse(base).single_container_required is False
    assert ModelProperties.parse({**base, contract.SINGLE_CONTAINER_REQUIRED: "true"}).single_container_required is True
    try:
        ModelProperties.parse({**base, contract.SINGLE_CONTAINER_REQUIRED: "maybe"})
    except PropertyError as error:
        assert contract.SINGLE_CONTAINER_REQUIRED in str(error)
    else:
        raise AssertionError("an unreadable SingleContainerRequired must be refused")


def test_multi_container_candidate_for_a_serverless_endpoint_is_refused_before_create_model(aws: StubbedAws) -> None:
    stub_describe(aws)  # HPO classification: three containers
    message = failure(aws, create_event(props(**{contract.SINGLE_CONTAINER_REQUIRED: "true"})))
    assert aws.calls == ["DescribeAutoMLJob"]
    assert "churn-hpo-2026-11" in message and "churn-hpo-2026-11sNxh-009-5b1d6ed4" in message
    assert "3 inference containers" in message and "serverless" in message
    assert "remove serverless" in message


def test_single_container_candidate_for_a_serverless_endpoint_is_created(aws: StubbedAws) -> None:
    job = response("describe_auto_ml_job_ensembling.json")
    properties = with_job(job, **{contract.SINGLE_CONTAINER_REQUIRED: "true"})
    stub_describe(aws, job, name=job["AutoMLJobName"])
    name = name_for(properties)
    [container] = job["BestCandidate"]["InferenceContainers"]
    stub_create(aws, name, [container], facts=ANY)
    result = aws.handle(create_event(properties))
    assert aws.calls == ["DescribeAutoMLJob", "CreateModel"]
    assert result["PhysicalResourceId"] == name


def with_job(job: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return props(AutoMLJobName=job["AutoMLJobName"], InferenceResponseKeys=None, **changes)


def test_plan_shows_the_same_refusal_offline(capsys) -> None:
    code = cli.main(["plan", str(FIXTURES / "describe_auto_ml_job_hpo_classification.json"), "--serverless"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert "3 inference containers" in captured.err and "serverless endpoint" in captured.err

    code = cli.main(["plan", str(FIXTURES / "describe_auto_ml_job_ensembling.json"), "--serverless"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "ensembling: one container" in captured.out
