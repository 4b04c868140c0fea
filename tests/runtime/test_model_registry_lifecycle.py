"""The model registry through whole CloudFormation sequences: registering, approving, deploying approved versions.

The provider framework's contract (``support.framework``) runs the real handler against the in-memory
SageMaker of ``support.fake_aws`` (every request and answer validated against botocore's model), driven
by CloudFormation's create, update, rollback and delete sequences (``support.cloudformation``). A person's
approval is ``FakeAws.approve`` between two deployments.
"""

from __future__ import annotations

from typing import Any

from support.cloudformation import GetAtt
from support.handler import ROLE_ARN, fake_aws_environment  # noqa: F401  (fixture)
from support.lifecycle_world import JOB, MODEL_PROPS, World, reasons, world  # noqa: F401  (fixture)

from autopilot_inference._lambda.autopilot_runtime import contract
from autopilot_inference._lambda.autopilot_runtime.model_package_resource import METADATA_CANDIDATE, METADATA_KEYS

GROUP = "churn-models"
REGISTRY = "444455556666"
GROUP_ARN = f"arn:aws:sagemaker:us-east-1:{{account}}:model-package-group/{GROUP}"
PACKAGE_PROPS: dict[str, Any] = {
    "AutoMLJobName": JOB,
    "ModelPackageGroupName": GROUP,
    "InferenceResponseKeys": ["predicted_label", "probability"],
    "ModelApprovalStatus": "PendingManualApproval",
}
CONSUMER_PROPS: dict[str, Any] = {
    "ExecutionRoleArn": ROLE_ARN,
    "ModelNamePrefix": "ProdStack-ChurnModel",
}
SCORING_PROPS: dict[str, Any] = {
    "ModelName": GetAtt("ChurnModel", "ModelName"),
    "TransformJobNamePrefix": "ProdStack-Scoring",
    "TransformInput": {
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://example-ml-data-111122223333/churn/score/"}},
        "ContentType": "text/csv",
    },
    "TransformOutput": {"S3OutputPath": "s3://example-ml-artifacts-111122223333/churn/predictions/"},
    "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": "1"},
    "WaitForCompletion": "false",
    "ModelInputContentTypes": GetAtt("ChurnModel", "InputContentTypes"),
}


def registration(**changes: Any) -> dict[str, Any]:
    return {"Registration": (contract.MODEL_PACKAGE_RESOURCE_TYPE, {**PACKAGE_PROPS, **changes})}


def version(world: World) -> str:
    return str(world.stack.resources["Registration"].physical_id)


def consumer(source: dict[str, str], scoring: bool = True) -> dict[str, Any]:
    template: dict[str, Any] = {"ChurnModel": (contract.PACKAGE_MODEL_RESOURCE_TYPE, {**CONSUMER_PROPS, **source})}
    if scoring:
        template["Scoring"] = (contract.TRANSFORM_JOB_RESOURCE_TYPE, SCORING_PROPS)
    return template


def registered_elsewhere(world: World, approval: str, account: str = REGISTRY) -> str:
    """A version another stack registered (with this suite's handler, so with its metadata)."""
    return world.aws.register(
        GROUP,
        approval,
        account,
        InferenceSpecification={
            "Containers": [{"Image": "image", "ModelDataUrl": "s3://registry-artifacts/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv", "application/json"],
        },
        CustomerMetadataProperties={METADATA_CANDIDATE: "churn-hpo-2026-11sNxh-009-5b1d6ed4", METADATA_KEYS: "predicted_label"},
    )


# --- registering -----------------------------------------------------------------------------------


def test_create_registers_the_containers_the_model_would_have(world: World) -> None:
    template = {**registration(), "ChurnModel": (contract.MODEL_RESOURCE_TYPE, MODEL_PROPS)}

    assert world.stack.create(template) == "CREATE_COMPLETE"

    [arn] = world.aws.versions(GROUP)
    assert version(world) == arn
    package = world.aws.packages[arn]
    [model] = world.aws.models.values()
    assert package.request["InferenceSpecification"]["Containers"] == model.request["Containers"]  # Environment and keys kept
    assert package.approval == "PendingManualApproval"
    data = world.stack.resources["Registration"].data
    assert data == {"ModelPackageGroupName": GROUP, "ModelPackageArn": arn, "ModelPackageVersion": "1"}


def test_a_no_op_update_after_a_person_approved_keeps_the_approved_version(world: World) -> None:
    world.stack.create(registration())
    first = version(world)
    world.aws.approve(first)

    # Tags and the approval status prop change: neither registers anything nor touches the approval.
    status = world.stack.update(registration(Tags=[{"Key": "team", "Value": "ml"}], ModelApprovalStatus="Rejected"))

    assert status == "UPDATE_COMPLETE"
    assert world.aws.versions(GROUP) == [first] and version(world) == first
    assert world.aws.packages[first].approval == "Approved"
    assert world.aws.packages[first].tags["team"] == "ml"
    assert "CreateModelPackage" not in world.aws.calls[world.aws.calls.index("CreateModelPackage") + 1 :]


def test_a_keys_change_registers_a_new_version_and_keeps_the_old_one(world: World) -> None:
    world.stack.create(registration())
    first = version(world)
    world.aws.approve(first)

    assert world.stack.update(registration(InferenceResponseKeys=["predicted_label"])) == "UPDATE_COMPLETE"

    second = version(world)
    assert world.aws.versions(GROUP) == [first, second]
    assert world.aws.packages[first].approval == "Approved"  # the old version stays, as people left it
    assert world.aws.packages[second].approval == "PendingManualApproval"


def test_delete_keeps_the_versions(world: World) -> None:
    world.stack.create(registration())
    world.stack.update(registration(InferenceResponseKeys=["predicted_label"]))

    assert world.stack.delete() == "DELETE_COMPLETE"

    assert len(world.aws.versions(GROUP)) == 2


def test_delete_removes_the_version_when_asked(world: World) -> None:
    world.stack.create(registration(DeleteVersionsOnRemoval="true"))

    assert world.stack.delete() == "DELETE_COMPLETE"

    assert world.aws.versions(GROUP) == []


def test_rollback_of_a_keys_change_returns_to_the_version_registered_before(world: World) -> None:
    world.stack.create(registration())
    first = version(world)

    status = world.stack.update(registration(InferenceResponseKeys=["predicted_label"]), fail_after=True)

    assert status == "UPDATE_ROLLBACK_COMPLETE"
    assert version(world) == first
    # The failed update's version stays in the registry (history), unapproved; the rollback registered none.
    assert len(world.aws.versions(GROUP)) == 2
    assert world.aws.calls.count("CreateModelPackage") == 2


def test_rollback_of_a_tag_update_after_approval_registers_nothing_and_keeps_the_approval(world: World) -> None:
    world.stack.create(registration())
    first = version(world)
    world.aws.approve(first)

    status = world.stack.update(registration(Tags=[{"Key": "team", "Value": "ml"}]), fail_after=True)

    assert status == "UPDATE_ROLLBACK_COMPLETE"
    assert world.aws.versions(GROUP) == [first] and version(world) == first
    assert world.aws.packages[first].approval == "Approved"
    assert "team" not in world.aws.packages[first].tags  # the rollback took the tag off again


def test_rollback_of_a_failed_registration_creates_nothing(world: World) -> None:
    status = world.stack.create(registration(AutoMLJobName="no-such-job"))

    assert status == "ROLLBACK_COMPLETE"
    assert world.aws.packages == {}
    assert "no-such-job" in reasons(world)


# --- deploying approved versions ---------------------------------------------------------------------


def test_a_consumer_deploys_the_newest_approved_version_and_scores_with_it(world: World) -> None:
    older = registered_elsewhere(world, "Approved")
    newest_approved = registered_elsewhere(world, "Approved")
    registered_elsewhere(world, "PendingManualApproval")

    assert world.stack.create(consumer({"ModelPackageGroupArn": GROUP_ARN.format(account=REGISTRY)})) == "CREATE_COMPLETE"

    model = world.stack.resources["ChurnModel"]
    assert world.aws.models[str(model.physical_id)].request["Containers"] == [{"ModelPackageName": newest_approved}]
    assert model.data["ModelPackageArn"] == newest_approved != older
    assert model.data["ModelPackageVersion"] == "2" and model.data["InputContentTypes"] == "text/csv"
    assert model.data["InferenceResponseKeys"] == "predicted_label"
    assert world.aws.jobs  # the transform job runs the package model like any other


def test_a_consumer_with_no_approved_version_fails_clearly_and_creates_nothing(world: World) -> None:
    pending = registered_elsewhere(world, "PendingManualApproval")

    status = world.stack.create(consumer({"ModelPackageGroupArn": GROUP_ARN.format(account=REGISTRY)}))

    assert status == "ROLLBACK_COMPLETE"
    assert world.aws.models == {} and world.aws.jobs == {}
    reason = reasons(world)
    assert GROUP in reason and pending in reason and "PendingManualApproval" in reason and "version 1" in reason


def test_a_pinned_version_that_is_not_approved_fails_and_creates_nothing(world: World) -> None:
    rejected = registered_elsewhere(world, "Rejected")

    status = world.stack.create(consumer({"ModelPackageArn": rejected}))

    assert status == "ROLLBACK_COMPLETE"
    assert world.aws.models == {}
    assert f"version 1 ({rejected}) is Rejected" in reasons(world)


def test_a_consumer_in_another_account_deploys_the_registry_account_version(world: World) -> None:
    remote = registered_elsewhere(world, "Approved", account=REGISTRY)

    assert world.stack.create(consumer({"ModelPackageArn": remote}, scoring=False)) == "CREATE_COMPLETE"

    [model] = world.aws.models.values()
    assert model.request["Containers"] == [{"ModelPackageName": remote}]
    assert f":{REGISTRY}:" in remote and world.stack.resources["ChurnModel"].data["ModelArn"].split(":")[4] != REGISTRY


def test_a_tag_only_update_of_a_consumer_keeps_its_version_even_after_a_newer_approval(world: World) -> None:
    first = registered_elsewhere(world, "Approved")
    source = {"ModelPackageGroupArn": GROUP_ARN.format(account=REGISTRY)}
    world.stack.create(consumer(source, scoring=False))
    model = world.stack.resources["ChurnModel"].physical_id
    registered_elsewhere(world, "Approved")

    status = world.stack.update(consumer({**source, "Tags": [{"Key": "team", "Value": "ml"}]}, scoring=False))

    assert status == "UPDATE_COMPLETE"
    assert world.stack.resources["ChurnModel"].physical_id == model
    assert world.stack.resources["ChurnModel"].data["ModelPackageArn"] == first


def test_rollback_of_a_consumer_update_keeps_the_previous_model(world: World) -> None:
    first = registered_elsewhere(world, "Approved")
    second = registered_elsewhere(world, "Approved")
    world.stack.create(consumer({"ModelPackageArn": first}, scoring=False))
    model = world.stack.resources["ChurnModel"].physical_id

    status = world.stack.update(consumer({"ModelPackageArn": second}, scoring=False), fail_after=True)

    assert status == "UPDATE_ROLLBACK_COMPLETE"
    assert list(world.aws.models) == [model]
    assert world.stack.resources["ChurnModel"].data["ModelPackageArn"] == first


def test_a_pinned_update_to_an_unapproved_version_rolls_back_to_the_running_model(world: World) -> None:
    first = registered_elsewhere(world, "Approved")
    pending = registered_elsewhere(world, "PendingManualApproval")
    world.stack.create(consumer({"ModelPackageArn": first}, scoring=False))
    model = world.stack.resources["ChurnModel"].physical_id

    status = world.stack.update(consumer({"ModelPackageArn": pending}, scoring=False))

    assert status == "UPDATE_ROLLBACK_COMPLETE"
    assert list(world.aws.models) == [model]
    assert "PendingManualApproval" in reasons(world)
