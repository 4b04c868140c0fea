"""Every request the handler sends, replayed against the handler policy synthesized for a matching stack.

The stacks below declare what the handler tests send (job, candidate, execution role, keys, tags,
a cross-account reader, a model used from another stack). Their templates' custom-resource
properties become the CloudFormation events; each Stubber'd call is first authorized by
``support.iam_replay`` against the stack's handler policy (resolved for this account, region
and stack id) with the IAM evaluator, for the name as sent and lowercased. A denied request
reaches the handler as AccessDeniedException, as on a real account.
"""

from __future__ import annotations

import copy
import logging
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from support.handler import (  # noqa: F401  (fixtures)
    ACCOUNT,
    REGION,
    ROLE_ARN,
    STACK_ID,
    StubbedAws,
    aws,
    cfn_event,
    fake_aws_environment,
    response,
)
from support.iam_eval import ALLOW
from support.iam_replay import PolicyReplay, handler_statements, properties_of
from support.stacks import checked_synth

from autopilot_inference import AutopilotBatchTransform, AutopilotModel, source_role_policy
from autopilot_inference._lambda.autopilot_runtime import contract, naming
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from autopilot_inference._lambda.autopilot_runtime.model_resource import model_configuration
from autopilot_inference._lambda.autopilot_runtime.ownership import OWNER_ENV_VAR, OWNER_TAG_KEY

JOB = "churn-hpo-2026-11"
NAMED = "churn-hpo-2026-11sNxh-004-1a2b3c4d"
ARTIFACTS = "s3://example-ml-artifacts-111122223333/autopilot/"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SOURCE_ROLE = "arn:aws:iam::444455556666:role/AutopilotJobReader"
SCORING_STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/ScoringStack/7d2a0e40-9a1e-11f0-8de9-0a1b2c3d4e5f"
OTHER_STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/SomeoneElse/00000000-0000-0000-0000-000000000000"
CREATED = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def stacks() -> SimpleNamespace:
    app = App()
    env = Environment(account=ACCOUNT, region=REGION)
    churn = Stack(app, "ChurnStack", env=env)
    role = iam.Role.from_role_arn(churn, "ModelRole", ROLE_ARN, mutable=False)
    key = kms.Key.from_key_arn(churn, "Key", KMS_KEY)
    named = AutopilotModel(
        churn, "ChurnModel", automl_job_name=JOB, candidate_name=NAMED, automl_output_s3_uri=ARTIFACTS, role=role,
        inference_response_keys=["predicted_label", "probability"],
    )
    best = AutopilotModel(churn, "BestModel", automl_job_name=JOB, automl_output_s3_uri=ARTIFACTS, role=role)
    remote = AutopilotModel(
        churn, "RemoteModel", automl_job_name=JOB, automl_output_s3_uri=ARTIFACTS, role=role, source_role_arn=SOURCE_ROLE
    )
    scoring = AutopilotBatchTransform(
        churn, "Scoring", model=best, input_s3_uri="s3://example-ml-data-111122223333/churn/",
        output_s3_uri="s3://example-ml-artifacts-111122223333/churn/predictions/", output_kms_key=key,
        volume_kms_key=key, instance_count=2, environment={"API_TOKEN": "not-for-logs"},
    )
    Tags.of(churn).add("team", "ml")
    other = Stack(app, "ScoringStack", env=env)
    nightly = AutopilotBatchTransform(
        other, "Nightly", model=best, input_s3_uri="s3://example-ml-data-111122223333/churn/",
        output_s3_uri="s3://example-ml-artifacts-111122223333/churn/nightly/",
    )
    assembly = checked_synth(app)
    templates = {name: assembly.get_stack_by_name(name).template for name in ("ChurnStack", "ScoringStack")}
    return SimpleNamespace(
        app=app, churn=churn, other=other, named=named, best=best, remote=remote, scoring=scoring, nightly=nightly,
        templates=templates,
    )


def replay_for(aws: StubbedAws, stacks: SimpleNamespace, stack: Stack, stack_id: str, monkeypatch: pytest.MonkeyPatch) -> PolicyReplay:
    """Authorize every call of ``aws`` against ``stack``'s handler policy, owned by ``stack_id``."""
    monkeypatch.setenv(OWNER_ENV_VAR, stack_id)
    replay = PolicyReplay(region=REGION, account=ACCOUNT)
    replay.statements["handler"] = handler_statements(stacks.templates[stack.stack_name], stack_id)
    job_arn = f"arn:aws:sagemaker:{REGION}:444455556666:automl-job/{JOB}"
    replay.statements["source-role"] = source_role_policy([job_arn])["Statement"]
    replay.attach(aws.sagemaker, "handler")
    replay.attach(aws.sts, "handler")
    replay.attach(aws.cloudformation, "handler")
    replay.attach(aws.reader, "source-role", account="444455556666")
    return replay


def model_name(properties: dict[str, Any], logical_id: str, stack_id: str = STACK_ID) -> str:
    return naming.model_name(properties["ModelNamePrefix"], stack_id, logical_id, model_configuration(properties))


def model_event(request_type: str, properties: dict[str, Any], logical_id: str, **extra: Any) -> dict[str, Any]:
    return cfn_event(request_type, contract.MODEL_RESOURCE_TYPE, properties, logical_id=logical_id, **extra)


def assert_all_allowed(replay: PolicyReplay, *operations: str) -> None:
    assert not replay.denied, [(d.operation, d.request) for d in replay.denied]
    seen = {decision.operation for decision in replay.decisions}
    assert set(operations) <= seen, seen


def owned(stack_id: str = STACK_ID) -> dict[str, str]:
    return {"team": "ml", OWNER_TAG_KEY: stack_id}


# --- models -----------------------------------------------------------------------------------


def test_create_named_candidate_is_authorized(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_for(aws, stacks, stacks.churn, STACK_ID, monkeypatch)
    properties = properties_of(stacks.templates, stacks.churn, stacks.named, STACK_ID)
    name = model_name(properties, "ChurnModel")
    aws.sagemaker_stub.add_response("describe_auto_ml_job", response("describe_auto_ml_job_hpo_classification.json"))
    aws.sagemaker_stub.add_response("list_candidates_for_auto_ml_job", response("list_candidates_for_auto_ml_job_page2.json"))
    aws.sagemaker_stub.add_response("create_model", {"ModelArn": replay.arn("model", name)})

    result = aws.handle(model_event("Create", properties, "ChurnModel"))

    assert result["PhysicalResourceId"] == name == name.lower()
    assert_all_allowed(replay, "DescribeAutoMLJob", "ListCandidatesForAutoMLJob", "CreateModel")
    actions = {decision.request.action for decision in replay.decisions if decision.operation == "CreateModel"}
    assert actions == {"sagemaker:CreateModel", "sagemaker:AddTags", "iam:PassRole"}
    # The model carries the owner tag next to the user's.
    assert owned().items() <= replay.tags[replay.arn("model", name).lower()].items()


def test_a_user_tag_cannot_replace_the_owner_tag(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_for(aws, stacks, stacks.churn, STACK_ID, monkeypatch)
    properties = properties_of(
        stacks.templates, stacks.churn, stacks.best, STACK_ID, Tags=[{"Key": OWNER_TAG_KEY, "Value": OTHER_STACK_ID}]
    )
    name = model_name(properties, "BestModel")
    aws.sagemaker_stub.add_response("describe_auto_ml_job", response("describe_auto_ml_job_hpo_classification.json"))
    aws.sagemaker_stub.add_response("create_model", {"ModelArn": replay.arn("model", name)})

    aws.handle(model_event("Create", properties, "BestModel"))

    assert_all_allowed(replay, "CreateModel")
    assert replay.tags[replay.arn("model", name).lower()][OWNER_TAG_KEY] == STACK_ID
    assert "team" not in replay.tags[replay.arn("model", name).lower()]


def test_create_without_the_owner_tag_is_denied(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_for(aws, stacks, stacks.churn, STACK_ID, monkeypatch)
    monkeypatch.delenv(OWNER_ENV_VAR)  # a handler not told its owner: the policy refuses what it creates
    properties = properties_of(stacks.templates, stacks.churn, stacks.best, STACK_ID)
    aws.sagemaker_stub.add_response("describe_auto_ml_job", response("describe_auto_ml_job_hpo_classification.json"))

    with pytest.raises(AutopilotDeploymentError, match="AccessDeniedException"):
        aws.handle(model_event("Create", properties, "BestModel"))

    assert {decision.request.action for decision in replay.denied} == {"sagemaker:CreateModel", "sagemaker:AddTags"}


def test_tag_changes_on_an_owned_model_are_authorized(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_for(aws, stacks, stacks.churn, STACK_ID, monkeypatch)
    properties = properties_of(stacks.templates, stacks.churn, stacks.best, STACK_ID)
    old = {**properties, "Tags": [{"Key": "team", "Value": "ml"}, {"Key": "cost", "Value": "1"}]}
    new = {**properties, "Tags": [{"Key": "team", "Value": "ds"}]}
    name = model_name(properties, "BestModel")
    replay.exists("model", name, {**owned(), "cost": "1"})
    aws.sagemaker_stub.add_response(
        "describe_model",
        {"ModelName": name, "ModelArn": replay.arn("model", name), "CreationTime": CREATED, "ExecutionRoleArn": ROLE_ARN},
    )
    aws.sagemaker_stub.add_response("list_tags", {"Tags": []}, {"ResourceArn": replay.arn("model", name)})
    aws.sagemaker_stub.add_response("describe_auto_ml_job", response("describe_auto_ml_job_hpo_classification.json"))
    aws.sagemaker_stub.add_response("delete_tags", {}, {"ResourceArn": replay.arn("model", name), "TagKeys": ["cost"]})
    aws.sagemaker_stub.add_response(
        "add_tags", {"Tags": []}, {"ResourceArn": replay.arn("model", name), "Tags": [{"Key": "team", "Value": "ds"}]}
    )

    aws.handle(model_event("Update", new, "BestModel", old_properties=old, physical_id=name))

    assert_all_allowed(replay, "DescribeModel", "ListTags", "DeleteTags", "AddTags")
    assert replay.tags[replay.arn("model", name).lower()] == {"team": "ds", OWNER_TAG_KEY: STACK_ID}


def test_delete_of_an_owned_model_is_authorized(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_for(aws, stacks, stacks.churn, STACK_ID, monkeypatch)
    name = model_name(properties_of(stacks.templates, stacks.churn, stacks.best, STACK_ID), "BestModel")
    replay.exists("model", name, owned())
    aws.sagemaker_stub.add_response("delete_model", {}, {"ModelName": name})

    aws.handle(model_event("Delete", {}, "BestModel", physical_id=name))

    assert_all_allowed(replay, "DeleteModel")


def test_delete_of_a_model_already_gone_succeeds_although_iam_denies_it(aws: StubbedAws, stacks, monkeypatch) -> None:
    # The trap: a model that no longer exists has no owner tag, so DeleteModel is denied.
    replay = replay_for(aws, stacks, stacks.churn, STACK_ID, monkeypatch)
    name = model_name(properties_of(stacks.templates, stacks.churn, stacks.best, STACK_ID), "BestModel")
    aws.sagemaker_stub.add_response("list_models", {"Models": []}, {"NameContains": name})

    result = aws.handle(model_event("Delete", {}, "BestModel", physical_id=name))

    assert result["PhysicalResourceId"] == name
    assert {decision.operation for decision in replay.denied} == {"DeleteModel"}
    assert aws.calls == ["ListModels"]  # the denied DeleteModel never reached the service


def test_a_vanished_model_is_created_again(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_for(aws, stacks, stacks.churn, STACK_ID, monkeypatch)
    properties = properties_of(stacks.templates, stacks.churn, stacks.best, STACK_ID)
    name = model_name(properties, "BestModel")
    aws.sagemaker_stub.add_response("list_models", {"Models": []}, {"NameContains": name})
    aws.sagemaker_stub.add_response("describe_auto_ml_job", response("describe_auto_ml_job_hpo_classification.json"))
    aws.sagemaker_stub.add_response("create_model", {"ModelArn": replay.arn("model", name)})

    result = aws.handle(model_event("Update", properties, "BestModel", old_properties=properties, physical_id=name))

    assert result["PhysicalResourceId"] == name
    assert {decision.operation for decision in replay.denied} == {"DescribeModel"}
    assert owned().items() <= replay.tags[replay.arn("model", name).lower()].items()


def test_another_stacks_model_is_never_deleted(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_for(aws, stacks, stacks.churn, STACK_ID, monkeypatch)
    name = model_name(properties_of(stacks.templates, stacks.churn, stacks.best, STACK_ID), "BestModel")
    replay.exists("model", name, owned(OTHER_STACK_ID))
    aws.sagemaker_stub.add_response(
        "list_models",
        {"Models": [{"ModelName": name, "ModelArn": replay.arn("model", name), "CreationTime": CREATED}]},
        {"NameContains": name},
    )

    with pytest.raises(AutopilotDeploymentError, match="AccessDeniedException"):
        aws.handle(model_event("Delete", {}, "BestModel", physical_id=name))
    assert replay.tags[replay.arn("model", name).lower()] == owned(OTHER_STACK_ID)


def test_cross_account_job_is_read_through_the_source_role(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_for(aws, stacks, stacks.churn, STACK_ID, monkeypatch)
    properties = properties_of(stacks.templates, stacks.churn, stacks.remote, STACK_ID, CandidateName=NAMED)
    name = model_name(properties, "RemoteModel")
    aws.sts_stub.add_response(
        "assume_role",
        {"Credentials": {"AccessKeyId": "ASIAEXAMPLEASSUMED01", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": CREATED}},
    )
    aws.reader_stub.add_response("describe_auto_ml_job", response("describe_auto_ml_job_hpo_classification.json"))
    aws.reader_stub.add_response("list_candidates_for_auto_ml_job", response("list_candidates_for_auto_ml_job_page2.json"))
    aws.sagemaker_stub.add_response("create_model", {"ModelArn": replay.arn("model", name)})

    aws.handle(model_event("Create", properties, "RemoteModel"))

    assert_all_allowed(replay, "AssumeRole", "DescribeAutoMLJob", "ListCandidatesForAutoMLJob", "CreateModel")
    by_principal = {(d.principal, d.operation) for d in replay.decisions}
    assert ("source-role", "ListCandidatesForAutoMLJob") in by_principal  # the README's advice, replayed
    assert ("handler", "AssumeRole") in by_principal


# --- transform jobs ---------------------------------------------------------------------------


def transform_properties(stacks, stack, construct, stack_id, model: str) -> dict[str, Any]:
    # The model's Data (GetAtt, unknown offline) as a tabular model answers it.
    return properties_of(
        stacks.templates,
        stack,
        construct,
        stack_id,
        ModelName=model,
        ModelInputContentTypes="text/csv",
        ModelAcceptTypes="text/csv,application/json,application/jsonlines",
    )


def job_name(properties: dict[str, Any], logical_id: str, request_id: str, stack_id: str = STACK_ID) -> str:
    from autopilot_inference._lambda.autopilot_runtime.transform_resource import job_configuration

    return naming.transform_job_name(
        properties["TransformJobNamePrefix"], stack_id, logical_id, job_configuration(properties), request_id
    )


def describe_job(replay: PolicyReplay, name: str, status: str) -> dict[str, Any]:
    job = response("describe_transform_job_completed.json")
    job.update(TransformJobName=name, TransformJobArn=replay.arn("transform-job", name), TransformJobStatus=status)
    return job


def test_transform_job_start_and_wait_are_authorized(aws: StubbedAws, stacks, monkeypatch, caplog) -> None:
    replay = replay_for(aws, stacks, stacks.churn, STACK_ID, monkeypatch)
    model = model_name(properties_of(stacks.templates, stacks.churn, stacks.best, STACK_ID), "BestModel")
    properties = transform_properties(stacks, stacks.churn, stacks.scoring, STACK_ID, model)
    event = cfn_event("Create", contract.TRANSFORM_JOB_RESOURCE_TYPE, properties, logical_id="Scoring")
    name = job_name(properties, "Scoring", event["RequestId"])
    arn = replay.arn("transform-job", name)
    handle = properties[contract.WAIT_HANDLE]
    aws.sagemaker_stub.add_response("create_transform_job", {"TransformJobArn": arn})
    # The job's end event: its tags name the stack and the handle, CloudFormation the handle's URL.
    aws.sagemaker_stub.add_response(
        "list_tags",
        {"Tags": [{"Key": OWNER_TAG_KEY, "Value": STACK_ID}, {"Key": contract.WAIT_HANDLE_TAG_KEY, "Value": handle}]},
        {"ResourceArn": arn},
    )
    aws.cloudformation_stub.add_response(
        "describe_stack_resource",
        {"StackResourceDetail": {"LogicalResourceId": handle, "PhysicalResourceId": "https://signed.example/h",
                                 "ResourceType": "AWS::CloudFormation::WaitConditionHandle",
                                 "LastUpdatedTimestamp": CREATED, "ResourceStatus": "CREATE_COMPLETE"}},
        {"StackName": STACK_ID, "LogicalResourceId": handle},
    )
    job_event = {
        "source": "aws.sagemaker", "detail-type": "SageMaker Transform Job State Change",
        "detail": {"TransformJobName": name, "TransformJobArn": arn, "TransformJobStatus": "Completed",
                   "CreationTime": int(CREATED.timestamp() * 1000) + 1000},
    }

    with caplog.at_level(logging.INFO):
        aws.handle(event)
        done = aws.handle(job_event)

    assert done["Signalled"] is True and [body["Status"] for _, body in aws.puts] == ["SUCCESS"]
    assert "https://signed.example/h" not in caplog.text
    # The handler logs names and ids, never property values such as the job's environment.
    assert properties["Environment"] == {"API_TOKEN": "not-for-logs"}
    assert "not-for-logs" not in caplog.text and "API_TOKEN" not in caplog.text
    assert name in caplog.text and "Scoring" in caplog.text
    assert_all_allowed(replay, "CreateTransformJob", "ListTags", "DescribeStackResource")
    create = next(d.request for d in replay.decisions if d.request.action == "sagemaker:CreateTransformJob")
    assert create.value("sagemaker:VolumeKmsKey") == KMS_KEY and create.value("sagemaker:InstanceTypes") == ["ml.m5.xlarge"]


def test_a_job_on_an_undeclared_instance_type_is_denied(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_for(aws, stacks, stacks.churn, STACK_ID, monkeypatch)
    properties = transform_properties(stacks, stacks.churn, stacks.scoring, STACK_ID, "some-model")
    properties["TransformResources"] = {**properties["TransformResources"], "InstanceType": "ml.p4d.24xlarge"}

    with pytest.raises(AutopilotDeploymentError, match="AccessDeniedException"):
        aws.handle(cfn_event("Create", contract.TRANSFORM_JOB_RESOURCE_TYPE, properties, logical_id="Scoring"))
    assert {d.request.action for d in replay.denied} == {"sagemaker:CreateTransformJob"}


def test_delete_stops_an_owned_running_job_and_ignores_a_job_gone(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_for(aws, stacks, stacks.churn, STACK_ID, monkeypatch)
    running, gone = "churnstack-scoring-0123456789", "churnstack-scoring-9876543210"
    replay.exists("transform-job", running, owned())
    aws.sagemaker_stub.add_response("describe_transform_job", describe_job(replay, running, "InProgress"))
    aws.sagemaker_stub.add_response("stop_transform_job", {}, {"TransformJobName": running})
    aws.sagemaker_stub.add_response("list_transform_jobs", {"TransformJobSummaries": []}, {"NameContains": gone})

    aws.handle(cfn_event("Delete", contract.TRANSFORM_JOB_RESOURCE_TYPE, {}, logical_id="Scoring", physical_id=running))
    aws.handle(cfn_event("Delete", contract.TRANSFORM_JOB_RESOURCE_TYPE, {}, logical_id="Scoring", physical_id=gone))

    assert {d.operation for d in replay.decisions if d.decision == ALLOW} >= {"DescribeTransformJob", "StopTransformJob"}
    assert {(d.operation, d.request.resource.rsplit("/", 1)[1]) for d in replay.denied} == {("DescribeTransformJob", gone)}


def test_a_transform_in_another_stack_is_authorized_by_that_stacks_provider(aws: StubbedAws, stacks, monkeypatch) -> None:
    replay = replay_for(aws, stacks, stacks.other, SCORING_STACK_ID, monkeypatch)
    model = model_name(properties_of(stacks.templates, stacks.churn, stacks.best, STACK_ID), "BestModel")
    properties = transform_properties(stacks, stacks.other, stacks.nightly, SCORING_STACK_ID, model)
    event = copy.deepcopy(cfn_event("Create", contract.TRANSFORM_JOB_RESOURCE_TYPE, properties, logical_id="Nightly"))
    event["StackId"] = SCORING_STACK_ID
    name = job_name(properties, "Nightly", event["RequestId"], SCORING_STACK_ID)
    aws.sagemaker_stub.add_response("create_transform_job", {"TransformJobArn": replay.arn("transform-job", name)})

    aws.handle(event)

    assert_all_allowed(replay, "ListTransformJobs", "CreateTransformJob")
    # The model stack's policy would not have covered it (its owner tag is the model stack's).
    churn = PolicyReplay(region=REGION, account=ACCOUNT, tags=replay.tags)
    churn.statements["handler"] = handler_statements(stacks.templates["ChurnStack"], STACK_ID)
    assert not churn.authorize("handler", "sagemaker", "DescribeTransformJob", {"TransformJobName": name})
