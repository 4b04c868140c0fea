"""The registry handlers' requests replayed against the synthesized policies, in two accounts.

Dev (the registry's account) registers with ``AutopilotModelPackage``; Prod (another account) deploys with
``AutopilotModel.from_model_package``. Their templates' custom-resource properties become the events; each
Stubber'd call is authorized by ``support.iam_replay`` against the calling stack's handler policy and, for
the registry's versions, against the Dev group's resource policy (the statements naming the caller's account).
"""

from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from support.handler import (  # noqa: F401  (fixtures)
    ACCOUNT,
    REGION,
    StubbedAws,
    aws,
    cfn_event,
    fake_aws_environment,
    response,
)
from support.iam_reference import Resolver
from support.iam_replay import PolicyReplay, handler_statements, properties_of, stack_pseudo
from support.stacks import checked_synth, resources

from autopilot_inference import AutopilotModel, AutopilotModelPackage
from autopilot_inference._lambda.autopilot_runtime import contract, naming
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from autopilot_inference._lambda.autopilot_runtime.model_package_resource import fingerprint_of
from autopilot_inference._lambda.autopilot_runtime.ownership import OWNER_ENV_VAR, OWNER_TAG_KEY
from autopilot_inference._lambda.autopilot_runtime.package_model_resource import package_model_configuration

PROD_ACCOUNT = "444455556666"
STRANGER = "777788889999"
JOB = "churn-hpo-2026-11"
GROUP = "churn-models"
DEV_STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/DevStack/5b9f3c10-9a1e-11f0-8de9-0a1b2c3d4e5f"
PROD_STACK_ID = f"arn:aws:cloudformation:{REGION}:{PROD_ACCOUNT}:stack/ProdStack/6c0a4d21-9a1e-11f0-8de9-0a1b2c3d4e5f"
GROUP_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/{GROUP}"
VERSION_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}/1"
PROD_ROLE = f"arn:aws:iam::{PROD_ACCOUNT}:role/ProdChurnModelRole"
CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def stacks() -> SimpleNamespace:
    app = App()
    dev = Stack(app, "DevStack", env=Environment(account=ACCOUNT, region=REGION))
    package = AutopilotModelPackage(
        dev, "Registration", automl_job_name=JOB, model_package_group_name=GROUP,
        inference_response_keys=["predicted_label", "probability"], consumer_accounts=[PROD_ACCOUNT],
        automl_output_s3_uri="s3://example-ml-artifacts-111122223333/autopilot/",
    )
    prod = Stack(app, "ProdStack", env=Environment(account=PROD_ACCOUNT, region=REGION))
    role = iam.Role.from_role_arn(prod, "Role", PROD_ROLE, mutable=False)
    model = AutopilotModel.from_model_package(prod, "ChurnModel", model_package_group_arn=GROUP_ARN, role=role)
    assembly = checked_synth(app)
    templates = {name: assembly.get_stack_by_name(name).template for name in ("DevStack", "ProdStack")}
    return SimpleNamespace(dev=dev, prod=prod, package=package, model=model, templates=templates)


def group_policy(stacks: SimpleNamespace) -> list[dict[str, Any]]:
    template = stacks.templates["DevStack"]
    [group] = resources(template, "AWS::SageMaker::ModelPackageGroup").values()
    return Resolver(template, pseudo=stack_pseudo(DEV_STACK_ID)).resolve(group["Properties"]["ModelPackageGroupPolicy"])["Statement"]


def replay_as(aws: StubbedAws, stacks: SimpleNamespace, stack_id: str, account: str, monkeypatch: pytest.MonkeyPatch) -> PolicyReplay:
    """The handler of the stack ``stack_id`` calls with its synthesized policy; Dev's group policy guards Dev's versions."""
    monkeypatch.setenv(OWNER_ENV_VAR, stack_id)
    replay = PolicyReplay(region=REGION, account=account)
    name = stack_id.split("/")[1]
    replay.statements["handler"] = handler_statements(stacks.templates[name], stack_id)
    replay.resource_policies[ACCOUNT] = group_policy(stacks)
    for client in (aws.sagemaker, aws.cloudformation):
        replay.attach(client, "handler", account=account)
    return replay


def assert_all_allowed(replay: PolicyReplay, *operations: str) -> None:
    assert not replay.denied, [(d.principal, d.operation, d.request) for d in replay.denied]
    assert set(operations) <= {decision.operation for decision in replay.decisions}


def package_event(request_type: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    event = cfn_event(request_type, contract.MODEL_PACKAGE_RESOURCE_TYPE, properties, logical_id="Registration", **extra)
    event["StackId"] = DEV_STACK_ID
    return event


def model_event(request_type: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    event = cfn_event(request_type, contract.PACKAGE_MODEL_RESOURCE_TYPE, properties, logical_id="ChurnModel", **extra)
    event["StackId"] = PROD_STACK_ID
    return event


def described_version(approval: str) -> dict[str, Any]:
    return {
        "ModelPackageName": GROUP, "ModelPackageGroupName": GROUP, "ModelPackageVersion": 1, "ModelPackageArn": VERSION_ARN,
        "CreationTime": CREATED, "ModelPackageStatus": "Completed", "ModelPackageStatusDetails": {"ValidationStatuses": []},
        "ModelApprovalStatus": approval, "InferenceSpecification": {"Containers": [{"Image": "image"}]},
    }


# --- Dev: registering -----------------------------------------------------------------------------


def test_registration_is_authorized_with_the_owner_and_the_synthesized_status(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_as(aws, stacks, DEV_STACK_ID, ACCOUNT, monkeypatch)
    properties = properties_of(stacks.templates, stacks.dev, stacks.package, DEV_STACK_ID)
    aws.sagemaker_stub.add_response("describe_auto_ml_job", response("describe_auto_ml_job_hpo_classification.json"))
    aws.sagemaker_stub.add_response("create_model_package", {"ModelPackageArn": VERSION_ARN})

    aws.handle(package_event("Create", properties))

    assert_all_allowed(replay, "DescribeAutoMLJob", "CreateModelPackage")
    actions = {(d.request.action, d.request.resource.rpartition(":")[2]) for d in replay.decisions if d.operation == "CreateModelPackage"}
    assert actions == {
        ("sagemaker:CreateModelPackage", f"model-package-group/{GROUP}"),
        ("sagemaker:CreateModelPackage", f"model-package/{GROUP}/1"),
        ("sagemaker:AddTags", f"model-package/{GROUP}/1"),
    }


def test_a_registration_with_another_status_than_synthesized_is_denied(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_as(aws, stacks, DEV_STACK_ID, ACCOUNT, monkeypatch)
    properties = properties_of(stacks.templates, stacks.dev, stacks.package, DEV_STACK_ID, ModelApprovalStatus="Approved")
    aws.sagemaker_stub.add_response("describe_auto_ml_job", response("describe_auto_ml_job_hpo_classification.json"))

    with pytest.raises(AutopilotDeploymentError, match="AccessDeniedException"):
        aws.handle(package_event("Create", properties))

    assert {d.request.action for d in replay.denied} == {"sagemaker:CreateModelPackage"}


def test_a_tag_change_and_a_rollback_search_are_authorized(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_as(aws, stacks, DEV_STACK_ID, ACCOUNT, monkeypatch)
    properties = properties_of(stacks.templates, stacks.dev, stacks.package, DEV_STACK_ID)
    tagged = {**properties, "Tags": [{"Key": "team", "Value": "ml"}]}
    aws.sagemaker_stub.add_response("add_tags", {}, {"ResourceArn": VERSION_ARN, "Tags": [{"Key": "team", "Value": "ml"}]})
    aws.handle(package_event("Update", tagged, old_properties=properties, physical_id=VERSION_ARN))

    rollback = package_event("Update", properties, old_properties={**properties, "InferenceResponseKeys": ["predicted_label"]},
                             physical_id=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}/2")
    aws.cloudformation_stub.add_response("describe_stacks", {"Stacks": [
        {"StackName": "DevStack", "StackId": DEV_STACK_ID, "CreationTime": CREATED, "StackStatus": "UPDATE_ROLLBACK_IN_PROGRESS"}]})
    aws.sagemaker_stub.add_response("list_model_packages", {"ModelPackageSummaryList": [
        {"ModelPackageArn": VERSION_ARN, "CreationTime": CREATED, "ModelPackageStatus": "Completed"}]})
    aws.sagemaker_stub.add_response("describe_model_package", {
        **described_version("Approved"), "CustomerMetadataProperties": {"autopilot-inference:registration": fingerprint_of(rollback, properties)}})
    result = aws.handle(rollback)

    assert result["PhysicalResourceId"] == VERSION_ARN
    assert_all_allowed(replay, "AddTags", "DescribeStacks", "ListModelPackages", "DescribeModelPackage")


def test_the_owner_tag_of_a_version_cannot_be_changed(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_as(aws, stacks, DEV_STACK_ID, ACCOUNT, monkeypatch)
    properties = properties_of(stacks.templates, stacks.dev, stacks.package, DEV_STACK_ID)
    request = {"ResourceArn": VERSION_ARN, "Tags": [{"Key": OWNER_TAG_KEY, "Value": "someone"}]}

    assert not replay.authorize("handler", "sagemaker", "AddTags", request)
    assert properties[contract.MODEL_PACKAGE_GROUP_NAME] == GROUP


def test_a_stack_that_keeps_its_versions_may_not_delete_any(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_as(aws, stacks, DEV_STACK_ID, ACCOUNT, monkeypatch)

    assert not replay.authorize("handler", "sagemaker", "DeleteModelPackage", {"ModelPackageName": VERSION_ARN})
    assert replay.authorize("handler", "sagemaker", "DescribeModelPackage", {"ModelPackageName": VERSION_ARN})


# --- Prod: deploying from another account ------------------------------------------------------------


def test_prod_deploys_the_approved_dev_version_through_both_policies(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_as(aws, stacks, PROD_STACK_ID, PROD_ACCOUNT, monkeypatch)
    properties = properties_of(stacks.templates, stacks.prod, stacks.model, PROD_STACK_ID)
    name = naming.model_name(properties["ModelNamePrefix"], PROD_STACK_ID, "ChurnModel", package_model_configuration(properties))
    aws.sagemaker_stub.add_response("list_model_packages", {"ModelPackageSummaryList": [
        {"ModelPackageArn": VERSION_ARN, "CreationTime": CREATED, "ModelPackageStatus": "Completed", "ModelApprovalStatus": "Approved"}]})
    aws.sagemaker_stub.add_response("describe_model_package", described_version("Approved"))
    aws.sagemaker_stub.add_response("create_model", {"ModelArn": f"arn:aws:sagemaker:{REGION}:{PROD_ACCOUNT}:model/{name}"})

    aws.handle(model_event("Create", properties))

    assert_all_allowed(replay, "ListModelPackages", "DescribeModelPackage", "CreateModel")
    principals = {(d.principal, d.request.action) for d in replay.decisions}
    assert ("handler (group policy)", "sagemaker:CreateModel") in principals  # the registry's side of CreateModel
    assert ("handler", "iam:PassRole") in principals


def test_an_account_the_group_policy_does_not_name_is_denied(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_as(aws, stacks, PROD_STACK_ID, STRANGER, monkeypatch)
    replay.accounts["handler"] = STRANGER
    properties = properties_of(stacks.templates, stacks.prod, stacks.model, PROD_STACK_ID)

    with pytest.raises(AutopilotDeploymentError, match="AccessDeniedException"):
        aws.handle(model_event("Create", properties))

    assert {d.request.action for d in replay.denied} == {"sagemaker:ListModelPackages"}
    assert aws.calls == []
