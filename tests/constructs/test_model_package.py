"""``AutopilotModelPackage`` and ``AutopilotModel.from_model_package`` at synthesis.

Every template goes through ``support.stacks`` (cfn-lint, and the IAM reference on every statement, the
group's resource policy included). The handler's statements are read back by Sid; what they allow is
replayed against the handler's requests in ``tests/runtime/test_handler_iam_replay.py``.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from support.annotations import assert_refused, errors_on
from support.stacks import (
    by_sid,
    custom_resource,
    handler_policy,
    render,
    resources,
    template_json,
)

from autopilot_inference import (
    AutopilotBatchTransform,
    AutopilotModel,
    AutopilotModelPackage,
    model_package_group_policy,
    registry_artifact_policy,
)
from autopilot_inference._lambda.autopilot_runtime import contract
from autopilot_inference.provider.permissions import (
    CONSUMERS_DEPLOY_VERSIONS_SID,
    CONSUMERS_DESCRIBE_GROUP_SID,
    DELETE_OWNED_MODEL_PACKAGES_SID,
    READ_MODEL_PACKAGES_SID,
    REGISTER_OWNED_MODEL_PACKAGES_SID,
)

DEV = Environment(account="111122223333", region="eu-west-1")
PROD = Environment(account="444455556666", region="eu-west-1")
JOB = "churn-hpo-2026-11"
OUTPUT = "s3://dev-ml-artifacts/autopilot/output"
GROUP_ARN = "arn:aws:sagemaker:eu-west-1:111122223333:model-package-group/churn-models"
ROLE_ARN = "arn:aws:iam::444455556666:role/ProdChurnModelRole"


def dev_stack() -> Stack:
    return Stack(App(), "DevStack", env=DEV)


def registered(stack: Stack, **props: Any) -> AutopilotModelPackage:
    defaults: dict[str, Any] = {
        "automl_job_name": JOB,
        "model_package_group_name": "churn-models",
        "inference_response_keys": ["predicted_label", "probability"],
        "consumer_accounts": ["444455556666"],
        "automl_output_s3_uri": OUTPUT,
    }
    return AutopilotModelPackage(stack, "Registration", **{**defaults, **props})


def test_registration_creates_the_group_with_a_policy_for_the_consumers_only() -> None:
    stack = dev_stack()
    package = registered(stack)

    template = template_json(stack)

    [(group_id, group)] = resources(template, "AWS::SageMaker::ModelPackageGroup").items()
    assert group["DeletionPolicy"] == "Retain" and group["UpdateReplacePolicy"] == "Retain"  # versions are history
    policy = render(group["Properties"]["ModelPackageGroupPolicy"])
    describe, deploy = by_sid(policy, CONSUMERS_DESCRIBE_GROUP_SID), by_sid(policy, CONSUMERS_DEPLOY_VERSIONS_SID)
    assert describe["Action"] == ["sagemaker:DescribeModelPackageGroup"]
    assert describe["Resource"] == "arn:aws:sagemaker:eu-west-1:111122223333:model-package-group/churn-models"
    assert sorted(deploy["Action"]) == ["sagemaker:CreateModel", "sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"]
    assert deploy["Resource"] == "arn:aws:sagemaker:eu-west-1:111122223333:model-package/churn-models/*"
    assert {str(p) for p in describe["Principal"]["AWS"]} == {"arn:aws:iam::444455556666:root"}
    resource = custom_resource(template, stack, package)
    assert resource["Type"] == contract.MODEL_PACKAGE_RESOURCE_TYPE
    properties = resource["Properties"]
    assert properties[contract.MODEL_PACKAGE_GROUP_NAME] == "churn-models"
    assert properties[contract.INFERENCE_RESPONSE_KEYS] == ["predicted_label", "probability"]
    assert properties[contract.MODEL_APPROVAL_STATUS] == "PendingManualApproval"
    assert group_id in resource["DependsOn"]


def test_the_handler_may_register_only_owned_versions_with_the_given_status() -> None:
    stack = dev_stack()
    registered(stack)

    statement = by_sid(handler_policy(template_json(stack)), REGISTER_OWNED_MODEL_PACKAGES_SID)

    assert statement["Action"] == "sagemaker:CreateModelPackage"
    assert statement["Condition"]["StringEquals"]["sagemaker:ModelApprovalStatus"] == ["PendingManualApproval"]
    assert statement["Condition"]["StringEquals"]["aws:RequestTag/autopilot-inference:owner"] == {"Ref": "AWS::StackId"}


def test_versions_are_deleted_only_when_asked_and_only_in_that_group() -> None:
    stack = dev_stack()
    registered(stack, delete_versions_on_removal=True)

    template = template_json(stack)

    statement = by_sid(handler_policy(template), DELETE_OWNED_MODEL_PACKAGES_SID)
    assert render(statement["Resource"]) == ["arn:aws:sagemaker:eu-west-1:111122223333:model-package/churn-models/*"]
    [group] = resources(template, "AWS::SageMaker::ModelPackageGroup").values()
    assert group["DeletionPolicy"] == "Delete"
    kept = dev_stack()
    registered(kept)
    assert DELETE_OWNED_MODEL_PACKAGES_SID not in {s.get("Sid") for s in handler_policy(template_json(kept))["Statement"]}


def test_an_existing_group_cannot_take_consumer_accounts() -> None:
    stack = dev_stack()
    package = registered(stack, model_package_group_name=None, model_package_group="churn-models")

    assert_refused(package, "consumer_accounts sets the group's resource policy")


def test_a_given_cfn_group_gets_the_consumer_policy() -> None:
    stack = dev_stack()
    group = sagemaker.CfnModelPackageGroup(stack, "Group", model_package_group_name="churn-models")
    registered(stack, model_package_group_name=None, model_package_group=group)

    template = template_json(stack)

    assert "ModelPackageGroupPolicy" in resources(template, "AWS::SageMaker::ModelPackageGroup")[stack.get_logical_id(group)]["Properties"]


@pytest.mark.parametrize(
    ("props", "match"),
    [
        ({"model_package_group": "other"}, "exactly one of model_package_group"),
        ({"model_package_group_name": None}, "exactly one of model_package_group"),
        ({"approval_status": "Approve"}, "approval_status must be one of"),
        ({"consumer_accounts": ["4444"]}, "12-digit account ids"),
        ({"model_package_group_name": "churn_models"}, "model_package_group_name must be 1-63"),
        ({"transform_instance_types": ["ml.m5.huge"]}, "instance types SageMaker does not offer"),
        ({"inference_response_keys": ["probabilty"]}, "probabilty"),
    ],
)
def test_bad_props_are_reported_on_the_construct(props: dict[str, Any], match: str) -> None:
    stack = dev_stack()
    package = registered(stack, **props)

    assert_refused(package, match)
    assert package.node.try_find_child("Resource") is None and package.node.try_find_child("Group") is None  # nothing built


def test_on_approved_sends_approvals_of_the_group_to_the_target() -> None:
    stack = dev_stack()
    package = registered(stack)
    package.on_approved("DeployOnApproval", targets.SnsTopic(sns.Topic(stack, "Approvals")))

    [rule] = resources(template_json(stack), "AWS::Events::Rule").values()

    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Model Package State Change"],
        "detail": {"ModelPackageGroupName": ["churn-models"], "ModelApprovalStatus": ["Approved"]},
    }


# --- AutopilotModel.from_model_package ---------------------------------------------------------------


def prod_stack() -> Stack:
    return Stack(App(), "ProdStack", env=PROD)


def test_a_consumer_in_another_account_reads_and_deploys_only_the_groups_versions() -> None:
    stack = prod_stack()
    role = iam.Role.from_role_arn(stack, "Role", ROLE_ARN, mutable=False)
    model = AutopilotModel.from_model_package(stack, "ChurnModel", model_package_group_arn=GROUP_ARN, role=role)
    AutopilotBatchTransform(
        stack, "Scoring", model=model, input_s3_uri="s3://prod-data/churn/", output_s3_uri="s3://prod-data/predictions/"
    )
    model.add_endpoint("Endpoint")

    template = template_json(stack)

    resource = custom_resource(template, stack, model)
    assert resource["Type"] == contract.PACKAGE_MODEL_RESOURCE_TYPE
    assert resource["Properties"][contract.MODEL_PACKAGE_GROUP_ARN] == GROUP_ARN
    policy = handler_policy(template)
    versions = "arn:aws:sagemaker:eu-west-1:111122223333:model-package/churn-models/*"
    assert render(by_sid(policy, READ_MODEL_PACKAGES_SID)["Resource"]) == [versions]
    assert sorted(by_sid(policy, READ_MODEL_PACKAGES_SID)["Action"]) == ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"]
    # The transform job and the endpoint use the package model's name like any other model's.
    job = resources(template, contract.TRANSFORM_JOB_RESOURCE_TYPE)
    [job_props] = [value["Properties"] for value in job.values()]
    assert job_props[contract.MODEL_NAME] == {"Fn::GetAtt": [stack.get_logical_id(model.resource.node.default_child), "ModelName"]}
    [config] = resources(template, "AWS::SageMaker::EndpointConfig").values()
    assert config["Properties"]["ProductionVariants"][0]["ModelName"] == job_props[contract.MODEL_NAME]


def test_a_pinned_version_in_the_same_stack_names_its_group_in_the_policy() -> None:
    stack = dev_stack()
    package = registered(stack)
    model = AutopilotModel.from_model_package(
        stack, "StagingModel", model_package_arn=package.model_package_arn, automl_output_s3_uri=OUTPUT
    )

    template = template_json(stack)

    assert custom_resource(template, stack, model)["Properties"][contract.MODEL_PACKAGE_ARN] == {
        "Fn::GetAtt": [stack.get_logical_id(package.resource.node.default_child), contract.ATTR_MODEL_PACKAGE_ARN]
    }
    # The policy names the group (known at synthesis), not the version attribute: no cycle through the handler.
    assert render(by_sid(handler_policy(template), READ_MODEL_PACKAGES_SID)["Resource"]) == [
        "arn:aws:sagemaker:eu-west-1:111122223333:model-package/churn-models/*"
    ]


@pytest.mark.parametrize(
    ("props", "match"),
    [
        ({}, "exactly one of model_package_group_arn"),
        ({"model_package_group_arn": GROUP_ARN, "model_package_arn": f"{GROUP_ARN}/1"}, "exactly one of model_package_group_arn"),
        ({"model_package_arn": "churn-models/3"}, "model_package_arn must be an ARN"),
        ({"model_package_group_arn": GROUP_ARN, "role": None}, "automl_output_s3_uri is required when no role is given"),
    ],
)
def test_bad_package_model_props_are_reported(props: dict[str, Any], match: str) -> None:
    stack = prod_stack()
    role = iam.Role.from_role_arn(stack, "Role", ROLE_ARN, mutable=False)
    model = AutopilotModel.from_model_package(stack, "ChurnModel", **{"role": role, **props})

    assert_refused(model, match)


def test_helpers_write_what_the_registry_account_allows() -> None:
    group = model_package_group_policy(GROUP_ARN, ["444455556666", "777788889999"])
    artifacts = registry_artifact_policy([ROLE_ARN], OUTPUT, "arn:aws:kms:eu-west-1:111122223333:key/1234abcd")

    assert [statement["Sid"] for statement in group["Statement"]] == [CONSUMERS_DESCRIBE_GROUP_SID, CONSUMERS_DEPLOY_VERSIONS_SID]
    assert artifacts["BucketPolicy"][0]["Resource"] == "arn:aws:s3:::dev-ml-artifacts/autopilot/output/*"
    assert artifacts["BucketPolicy"][0]["Action"] == ["s3:GetObject"]
    assert artifacts["KeyPolicy"][0]["Condition"] == {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}}
    assert errors_on(Stack(App(), "Empty")) == []


def test_the_package_model_props_are_declared_once_and_shown_in_the_signature() -> None:
    """``from_model_package`` and the construct it makes share ``PackageModelProps`` (``help()`` shows its keys)."""
    import inspect

    from autopilot_inference import PackageModelProps

    shown = inspect.signature(AutopilotModel.from_model_package).parameters
    assert list(shown)[2:] == list(PackageModelProps.__annotations__)
    assert shown["network_isolation"].default is False and shown["role"].default is None
    with pytest.raises(TypeError, match="did you mean 'model_package_arn'"):
        AutopilotModel.from_model_package(Stack(App(), "S"), "M", model_package_ar="arn")  # type: ignore[call-arg]
