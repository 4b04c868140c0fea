"""The lifecycle both resource kinds share: replace or keep, tag syncing, rollback detection, named failures.

The AWS calls go through real boto3 clients whose Stubber checks every request against botocore's
model of the API and answers with responses valid for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from support.handler import ACCOUNT, REGION, STACK_ID, StubbedAws, aws, cfn_event, fake_aws_environment  # noqa: F401

from autopilot_inference._lambda.autopilot_runtime import contract, naming
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from autopilot_inference._lambda.autopilot_runtime.events import CREATE_FAILED_PHYSICAL_ID
from autopilot_inference._lambda.autopilot_runtime.existence import is_gone
from autopilot_inference._lambda.autopilot_runtime.lifecycle import (
    replaces,
    run_lifecycle,
    stack_is_rolling_back,
    sync_tags,
    tag_changes,
)
from autopilot_inference._lambda.autopilot_runtime.model_resource import FACTS_TAG_KEY, model_configuration
from autopilot_inference._lambda.autopilot_runtime.ownership import OWNER_TAG_KEY
from autopilot_inference._lambda.autopilot_runtime.sagemaker_requests import tag_list
from autopilot_inference._lambda.autopilot_runtime.transform_resource import job_configuration

MODEL_NAME = "churnstack-churnmodel-8e1d4c2a9f"
MODEL_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/{MODEL_NAME}"
JOB_NAME = "churnstack-scoring-1a2b3c4d5e6f7a8b-0c1d2e3f4a"
JOB_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:transform-job/{JOB_NAME}"
MODEL_PROPS: dict[str, Any] = {
    "AutoMLJobName": "churn-hpo-2026-11",
    "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ChurnStack-ModelRole-1A2B3C4D",
    "ModelNamePrefix": "ChurnStack-ChurnModel",
    "InferenceResponseKeys": ["predicted_label"],
    "DataVersion": "2",
}
TRANSFORM_PROPS: dict[str, Any] = {
    "TransformJobNamePrefix": "ChurnStack-Scoring",
    "ModelName": MODEL_NAME,
    "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://example-data/in/"}}},
    "TransformOutput": {"S3OutputPath": "s3://example-data/out/"},
    "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": "1"},
    "WaitForCompletion": "true",
    "WaitTimeoutSeconds": "3300",
}


def tags(**values: str) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in values.items()]


def update(resource_type: str, new: dict[str, Any], old: dict[str, Any], physical_id: str) -> dict[str, Any]:
    return cfn_event("Update", resource_type, new, old_properties=old, physical_id=physical_id)


def test_tag_changes() -> None:
    old = {"team": "ml", "stage": "beta", "owner": "bob"}
    new = {"team": "ml", "owner": "alice", "cost": "42"}
    assert tag_changes(old, new) == ({"owner": "alice", "cost": "42"}, ["stage"])
    assert tag_changes(new, new) == ({}, [])
    assert tag_list({"a": "1"}) == [{"Key": "a", "Value": "1"}]


def test_tag_changes_never_remove_a_kept_key() -> None:
    assert tag_changes({"team": "ml", FACTS_TAG_KEY: "x"}, {}, keep=(FACTS_TAG_KEY,)) == ({}, ["team"])


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (MODEL_PROPS, {**MODEL_PROPS, "Tags": tags(team="ml")}),  # tags are applied in place
        (MODEL_PROPS, {**MODEL_PROPS, "DataVersion": "3"}),  # a new Data version rebuilds Data in place
        ({**MODEL_PROPS, "ServiceToken": "old-token"}, MODEL_PROPS),  # the framework's token is not the model's
    ],
)
def test_an_update_of_tags_or_in_place_properties_keeps_the_model(old: dict[str, Any], new: dict[str, Any]) -> None:
    assert not replaces(update(contract.MODEL_RESOURCE_TYPE, new, old, MODEL_NAME), model_configuration)


@pytest.mark.parametrize(
    "change",
    [{"CandidateName": "churn-hpo-2026-11sNxh-004-1a2b3c4d"}, {"InferenceResponseKeys": ["probability"]}],
)
def test_an_update_of_what_defines_the_model_replaces_it(change: dict[str, Any]) -> None:
    assert replaces(update(contract.MODEL_RESOURCE_TYPE, {**MODEL_PROPS, **change}, MODEL_PROPS, MODEL_NAME), model_configuration)


@pytest.mark.parametrize(
    ("change", "replaced"),
    [
        ({"Tags": tags(team="ml")}, False),
        ({"WaitForCompletion": "false", "WaitTimeoutSeconds": "600"}, False),  # how to wait, not the job
        ({"ModelInputContentTypes": "text/csv"}, False),  # facts of the model that ModelName stands for
        ({"TransformResources": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": "1"}}, True),
        ({"ModelName": "churnstack-churnmodel-0f9e8d7c6b"}, True),
    ],
)
def test_an_update_starts_a_new_transform_job_only_when_the_job_changes(change: dict[str, Any], replaced: bool) -> None:
    event = update(contract.TRANSFORM_JOB_RESOURCE_TYPE, {**TRANSFORM_PROPS, **change}, TRANSFORM_PROPS, JOB_NAME)
    assert replaces(event, job_configuration) is replaced


@pytest.mark.parametrize("physical_id", [CREATE_FAILED_PHYSICAL_ID, "8c1f7e52-1b7d-4d8e-9a53-3f1b0e6c2d11", ""])
def test_an_update_of_a_physical_id_not_made_here_replaces_the_resource(physical_id: str) -> None:
    assert not naming.is_generated_name(physical_id)
    assert replaces(update(contract.MODEL_RESOURCE_TYPE, MODEL_PROPS, MODEL_PROPS, physical_id), model_configuration)


def test_sync_tags_deletes_then_adds_only_what_changed(aws: StubbedAws) -> None:
    aws.sagemaker_stub.add_response("delete_tags", {}, {"ResourceArn": JOB_ARN, "TagKeys": ["stage"]})
    aws.sagemaker_stub.add_response(
        "add_tags",
        {"Tags": tags(team="ds", cost="42")},
        {"ResourceArn": JOB_ARN, "Tags": tags(team="ds", cost="42")},
    )
    old = {**TRANSFORM_PROPS, "Tags": tags(team="ml", stage="beta", owner="bob")}
    new = {**TRANSFORM_PROPS, "Tags": tags(team="ds", owner="bob", cost="42")}

    sync_tags(aws.sagemaker, JOB_ARN, update(contract.TRANSFORM_JOB_RESOURCE_TYPE, new, old, JOB_NAME))

    assert aws.calls == ["DeleteTags", "AddTags"]


def test_sync_tags_calls_nothing_when_the_tags_are_the_same(aws: StubbedAws) -> None:
    same = {**MODEL_PROPS, "Tags": tags(team="ml")}
    sync_tags(aws.sagemaker, MODEL_ARN, update(contract.MODEL_RESOURCE_TYPE, same, {**same, "DataVersion": "1"}, MODEL_NAME))
    assert aws.calls == []


def test_sync_tags_never_touches_the_owner_tag_nor_removes_a_kept_tag(aws: StubbedAws) -> None:
    aws.sagemaker_stub.add_response("delete_tags", {}, {"ResourceArn": MODEL_ARN, "TagKeys": ["team"]})
    old = {**MODEL_PROPS, "Tags": [*tags(team="ml"), {"Key": FACTS_TAG_KEY, "Value": "x"}, {"Key": OWNER_TAG_KEY, "Value": STACK_ID}]}
    new = {**MODEL_PROPS, "Tags": [{"Key": OWNER_TAG_KEY, "Value": "someone-else"}]}

    sync_tags(aws.sagemaker, MODEL_ARN, update(contract.MODEL_RESOURCE_TYPE, new, old, MODEL_NAME), keep=(FACTS_TAG_KEY,))

    assert aws.calls == ["DeleteTags"]


def stack(status: str) -> dict[str, Any]:
    return {"Stacks": [{"StackName": "ChurnStack", "StackId": STACK_ID, "CreationTime": datetime(2026, 11, 1), "StackStatus": status}]}


@pytest.mark.parametrize(
    ("status", "rolling_back"),
    [("UPDATE_ROLLBACK_IN_PROGRESS", True), ("UPDATE_IN_PROGRESS", False), ("ROLLBACK_IN_PROGRESS", False)],
)
def test_stack_is_rolling_back_an_update(aws: StubbedAws, status: str, rolling_back: bool) -> None:
    aws.cloudformation_stub.add_response("describe_stacks", stack(status), {"StackName": STACK_ID})
    assert stack_is_rolling_back(aws.clients(), STACK_ID) is rolling_back


def test_stack_status_that_cannot_be_read_names_the_permission(aws: StubbedAws) -> None:
    aws.cloudformation_stub.add_client_error(
        "describe_stacks", "AccessDenied", "not authorized to perform: cloudformation:DescribeStacks", 403
    )
    with pytest.raises(AutopilotDeploymentError, match=r"rolling back: .*DescribeStacks.* needs cloudformation:DescribeStacks"):
        stack_is_rolling_back(aws.clients(), STACK_ID)


def test_run_lifecycle_names_the_resource_and_the_call_of_a_service_error(aws: StubbedAws) -> None:
    aws.sagemaker_stub.add_client_error("delete_model", "ThrottlingException", "Rate exceeded", 400)
    event = cfn_event("Delete", contract.MODEL_RESOURCE_TYPE, MODEL_PROPS, physical_id=MODEL_NAME)

    def delete(event: Any, clients: Any) -> dict[str, Any]:
        clients.sagemaker().delete_model(ModelName=MODEL_NAME)
        return {}

    with pytest.raises(AutopilotDeploymentError, match=rf"^Model {MODEL_NAME}: .*DeleteModel operation.*Rate exceeded"):
        run_lifecycle(event, aws.clients(), {"Delete": delete}, f"Model {MODEL_NAME}")


def test_run_lifecycle_refuses_an_unknown_request_type(aws: StubbedAws) -> None:
    event = cfn_event("Import", contract.MODEL_RESOURCE_TYPE, MODEL_PROPS)
    with pytest.raises(AutopilotDeploymentError, match="Model X: unsupported RequestType 'Import'"):
        run_lifecycle(event, aws.clients(), {}, "Model X")


def catch(call: Any) -> Any:
    try:
        call()
    except Exception as error:  # the ClientError botocore raised for the stubbed answer
        return error
    raise AssertionError("the stubbed call did not fail")


def test_a_model_not_found_is_gone_without_listing(aws: StubbedAws) -> None:
    aws.sagemaker_stub.add_client_error("describe_model", "ValidationException", f"Could not find model \"{MODEL_ARN}\".")
    error = catch(lambda: aws.sagemaker.describe_model(ModelName=MODEL_NAME))
    assert is_gone(error, aws.sagemaker, MODEL_NAME, kind="model")
    assert aws.calls == ["DescribeModel"]


@pytest.mark.parametrize(("listed", "gone"), [([], True), ([MODEL_NAME.upper()], False)])
def test_a_denied_model_is_gone_when_no_model_of_that_name_is_listed(aws: StubbedAws, listed: list[str], gone: bool) -> None:
    aws.sagemaker_stub.add_client_error("delete_model", "AccessDeniedException", "not authorized", 400)
    models = [{"ModelName": name, "ModelArn": f"{MODEL_ARN}x", "CreationTime": datetime(2026, 11, 1)} for name in listed]
    aws.sagemaker_stub.add_response("list_models", {"Models": models}, {"NameContains": MODEL_NAME})
    error = catch(lambda: aws.sagemaker.delete_model(ModelName=MODEL_NAME))
    assert is_gone(error, aws.sagemaker, MODEL_NAME, kind="model") is gone


def test_a_transform_job_not_found_is_gone_and_another_error_is_not(aws: StubbedAws) -> None:
    aws.sagemaker_stub.add_client_error("describe_transform_job", "ResourceNotFound", f"Could not find job {JOB_NAME}")
    aws.sagemaker_stub.add_client_error("describe_transform_job", "ThrottlingException", "Rate exceeded")
    not_found = catch(lambda: aws.sagemaker.describe_transform_job(TransformJobName=JOB_NAME))
    throttled = catch(lambda: aws.sagemaker.describe_transform_job(TransformJobName=JOB_NAME))
    assert is_gone(not_found, aws.sagemaker, JOB_NAME, kind="transform-job")
    assert not is_gone(throttled, aws.sagemaker, JOB_NAME, kind="transform-job")
