"""Least-privilege IAM: the handler's grouped statements and the default execution role."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import CfnParameter
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Annotations, Match
from support.stacks import (
    ACCOUNT_PATTERN,
    BUCKET,
    INPUT_URI,
    JOB,
    OUTPUT_URI,
    REGION_PATTERN,
    RESULT_URI,
    all_strings,
    as_list,
    by_sid,
    checked_synth,
    custom_resource,
    custom_resource_id,
    deployed_policy_size,
    handler_policy,
    inline_policy,
    logical_id,
    new_stack,
    render,
    resources,
    role_policy_id,
    template_json,
    waits_for,
)

from autopilot_inference import AutopilotBatchTransform, AutopilotModel
from autopilot_inference.model.s3_locations import MAX_PREFIX_RESOURCES, minimal_prefixes

PREFIX = "arn:aws:sagemaker:ap-southeast-2:111122223333"
SOURCE_ROLE = "arn:aws:iam::444455556666:role/AutopilotJobReader"


@pytest.fixture(scope="module")
def mixed() -> SimpleNamespace:
    """Default and user prefixes, repeated jobs, a given role, a cross-account job."""
    stack = new_stack("IamStack")
    user_role = iam.Role(stack, "UserRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    models = [
        AutopilotModel(stack, "A", automl_job_name="Churn-Job", automl_output_s3_uri=OUTPUT_URI),
        AutopilotModel(
            stack, "B", automl_job_name="churn-job", automl_output_s3_uri=OUTPUT_URI, candidate_name="churn-job-004"
        ),
        AutopilotModel(
            stack, "C", automl_job_name="Other-Job", automl_output_s3_uri=OUTPUT_URI, model_name_prefix="Team-X"
        ),
        AutopilotModel(stack, "D", automl_job_name="Other-Job", role=user_role, model_name_prefix="team-x-special"),
        AutopilotModel(stack, "E", automl_job_name="Other-Job", role=user_role, model_name_prefix="IamStack-Custom"),
        AutopilotModel(
            stack, "Cross", automl_job_name="Remote-Job", automl_output_s3_uri=OUTPUT_URI, source_role_arn=SOURCE_ROLE
        ),
        AutopilotModel(
            stack, "Cross2", automl_job_name="Remote-Job", automl_output_s3_uri=OUTPUT_URI, source_role_arn=SOURCE_ROLE
        ),
    ]
    jobs = [
        AutopilotBatchTransform(stack, "T1", model=models[0], input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI),
        AutopilotBatchTransform(
            stack, "T2", model=models[2], input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI, job_name_prefix="Nightly"
        ),
        AutopilotBatchTransform(
            stack, "T3", model=models[3], input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI, job_name_prefix="NIGHTLY"
        ),
    ]
    template = template_json(stack)
    return SimpleNamespace(stack=stack, template=template, models=models, jobs=jobs, user_role=user_role)


def rendered_resources(statement: dict) -> list[str]:
    return sorted(as_list(render(statement["Resource"])))


OWNER = {"Ref": "AWS::StackId"}
OWNED = {"StringEquals": {"aws:ResourceTag/autopilot-inference:owner": OWNER}}


def test_handler_reads_each_automl_job_once_lowercased(mixed) -> None:
    statement = by_sid(handler_policy(mixed.template), "ReadAutoMLJobs")
    assert sorted(as_list(statement["Action"])) == ["sagemaker:DescribeAutoMLJob", "sagemaker:DescribeAutoMLJobV2"]
    # Remote-Job is read through the source role, not with the handler's own permissions.
    assert rendered_resources(statement) == [f"{PREFIX}:automl-job/churn-job", f"{PREFIX}:automl-job/other-job"]


def test_list_candidates_is_on_star_in_its_own_statement(mixed) -> None:
    # The authorization reference: ListCandidatesForAutoMLJob has no resource-level permissions.
    assert by_sid(handler_policy(mixed.template), "ListAutoMLJobCandidates") == {
        "Action": "sagemaker:ListCandidatesForAutoMLJob",
        "Effect": "Allow",
        "Resource": "*",
        "Sid": "ListAutoMLJobCandidates",
    }
    # ... granted only when a model names a candidate (the best one comes with DescribeAutoMLJob).
    stack = new_stack("BestOnlyStack")
    AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    sids = [statement.get("Sid") for statement in handler_policy(template_json(stack))["Statement"]]
    assert "ListAutoMLJobCandidates" not in sids


def test_handler_assumes_source_roles_once(mixed) -> None:
    statement = by_sid(handler_policy(mixed.template), "AssumeAutoMLJobReaderRoles")
    assert statement["Action"] == "sts:AssumeRole"
    assert as_list(statement["Resource"]) == [SOURCE_ROLE]


def test_handler_creates_models_only_with_the_owner_tag(mixed) -> None:
    document = handler_policy(mixed.template)
    assert by_sid(document, "CreateOwnedModels") == {
        "Action": "sagemaker:CreateModel",
        "Condition": {"StringEquals": {"aws:RequestTag/autopilot-inference:owner": OWNER}},
        "Effect": "Allow",
        "Resource": by_sid(document, "ManageOwnedModels")["Resource"],
        "Sid": "CreateOwnedModels",
    }
    assert render(by_sid(document, "CreateOwnedModels")["Resource"]) == f"{PREFIX}:model/*"


def test_handler_manages_only_models_and_jobs_it_owns(mixed) -> None:
    document = handler_policy(mixed.template)
    models = by_sid(document, "ManageOwnedModels")
    assert sorted(as_list(models["Action"])) == ["sagemaker:DeleteModel", "sagemaker:DescribeModel", "sagemaker:ListTags"]
    assert models["Condition"] == OWNED
    jobs = by_sid(document, "ManageOwnedTransformJobs")
    assert sorted(as_list(jobs["Action"])) == [
        "sagemaker:DescribeTransformJob",
        "sagemaker:ListTags",
        "sagemaker:StopTransformJob",
    ]
    assert render(jobs["Resource"]) == f"{PREFIX}:transform-job/*"
    assert jobs["Condition"] == OWNED
    create = by_sid(document, "CreateOwnedTransformJobs")
    assert create["Action"] == "sagemaker:CreateTransformJob"
    assert create["Condition"] == {
        "StringEquals": {"aws:RequestTag/autopilot-inference:owner": OWNER},
        # Bound to what the stack's jobs declare.
        "ForAllValues:StringEquals": {"sagemaker:InstanceTypes": ["ml.m5.xlarge"]},
    }


def test_tags_only_at_creation_with_the_owner_tag_or_on_owned_resources(mixed) -> None:
    document = handler_policy(mixed.template)
    arns = [f"{PREFIX}:model/*", f"{PREFIX}:transform-job/*"]
    at_creation = by_sid(document, "TagOwnedResourcesAtCreation")
    assert at_creation["Action"] == "sagemaker:AddTags"
    assert render(at_creation["Resource"]) == arns
    assert at_creation["Condition"] == {
        "StringEquals": {
            "aws:RequestTag/autopilot-inference:owner": OWNER,
            "sagemaker:TaggingAction": ["CreateModel", "CreateTransformJob"],
        }
    }
    retag = by_sid(document, "RetagOwnedResources")
    assert sorted(as_list(retag["Action"])) == ["sagemaker:AddTags", "sagemaker:DeleteTags"]
    assert render(retag["Resource"]) == arns
    # Never the owner tag itself: tag syncing cannot hand a resource to another stack or orphan it.
    assert retag["Condition"] == {
        **OWNED,
        "ForAllValues:StringNotEquals": {"aws:TagKeys": ["autopilot-inference:owner"]},
    }


def test_existence_checks_are_list_calls_on_star(mixed) -> None:
    assert by_sid(handler_policy(mixed.template), "FindModelsAndTransformJobs") == {
        "Action": ["sagemaker:ListModels", "sagemaker:ListTransformJobs"],
        "Effect": "Allow",
        "Resource": "*",
        "Sid": "FindModelsAndTransformJobs",
    }


def test_handler_function_carries_the_owner_stack_id(mixed) -> None:
    provider = mixed.models[0].provider
    function = mixed.template["Resources"][logical_id(mixed.stack, provider.handler)]
    assert function["Properties"]["Environment"]["Variables"] == {"AUTOPILOT_INFERENCE_OWNER": OWNER}


def test_handler_passes_only_execution_roles_and_only_to_sagemaker(mixed) -> None:
    statement = by_sid(handler_policy(mixed.template), "PassExecutionRoles")
    assert statement["Action"] == "iam:PassRole"
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    user_role_arn = {"Fn::GetAtt": [logical_id(mixed.stack, mixed.user_role), "Arn"]}
    default_role = next(model.role for model in mixed.models if model.has_default_role)
    default_role_arn = {"Fn::GetAtt": [logical_id(mixed.stack, default_role), "Arn"]}
    assert as_list(statement["Resource"]) == [default_role_arn, user_role_arn]


def test_handler_policy_has_exactly_the_expected_statements(mixed) -> None:
    sids = [statement.get("Sid") for statement in handler_policy(mixed.template)["Statement"]]
    assert sorted(sids) == sorted(
        [
            "PassExecutionRoles",
            "ReadAutoMLJobs",
            "ListAutoMLJobCandidates",
            "AssumeAutoMLJobReaderRoles",
            "FindModelsAndTransformJobs",
            "DescribeOwnStack",
            "CreateOwnedModels",
            "ManageOwnedModels",
            "CreateOwnedTransformJobs",
            "ManageOwnedTransformJobs",
            "TagOwnedResourcesAtCreation",
            "RetagOwnedResources",
            "ReadOwnWaitConditionHandles",
        ]
    )
    for statement in handler_policy(mixed.template)["Statement"]:
        assert statement["Effect"] == "Allow"
        # "*" only for the List calls, which have no resource-level permissions.
        if statement["Resource"] == "*":
            assert statement["Sid"] in ("ListAutoMLJobCandidates", "FindModelsAndTransformJobs")
        # Every Create/Describe/Delete/Stop/tag statement on model/* or transform-job/* is scoped by the owner tag.
        if any(action.startswith(("sagemaker:Create", "sagemaker:Delete", "sagemaker:Describe", "sagemaker:Stop", "sagemaker:AddTags")) for action in as_list(statement["Action"])) and statement["Sid"] != "ReadAutoMLJobs":
            assert "autopilot-inference:owner" in json.dumps(statement["Condition"])


def test_custom_resources_wait_for_the_handler_policy_through_the_provider(mixed) -> None:
    provider = mixed.models[0].provider
    policy_id = logical_id(mixed.stack, provider.handler_policy)
    # One DependsOn, on the handler function; every ServiceToken leads to that function.
    assert policy_id in as_list(mixed.template["Resources"][logical_id(mixed.stack, provider.handler)]["DependsOn"])
    for construct in [*mixed.models, *mixed.jobs]:
        resource = custom_resource(mixed.template, mixed.stack, construct)
        assert policy_id not in as_list(resource.get("DependsOn", []))
        assert waits_for(mixed.template, custom_resource_id(mixed.stack, construct), policy_id)


def test_custom_resources_wait_for_the_execution_role_policies(mixed) -> None:
    for construct in mixed.models:
        resource_id = custom_resource_id(mixed.stack, construct)
        assert waits_for(mixed.template, resource_id, logical_id(mixed.stack, construct.role))
        if construct.has_default_role:
            # The role's ARN is a property; its statements are inline: no DependsOn needed.
            assert "DependsOn" not in custom_resource(mixed.template, mixed.stack, construct)
        else:
            assert logical_id(mixed.stack, construct.role) in custom_resource(
                mixed.template, mixed.stack, construct
            )["DependsOn"]
    user_policy = role_policy_id(mixed.template, mixed.stack, mixed.user_role)
    # T3 grants the given role access to its data: the job waits for that policy.
    assert waits_for(mixed.template, custom_resource_id(mixed.stack, mixed.jobs[2]), user_policy)
    for job in mixed.jobs:
        assert waits_for(mixed.template, custom_resource_id(mixed.stack, job), logical_id(mixed.stack, job.model.role))


def test_default_execution_role_statements(mixed) -> None:
    document = inline_policy(mixed.template, logical_id(mixed.stack, mixed.models[0].role))
    assert by_sid(document, "PullImagesAuth") == {
        "Action": "ecr:GetAuthorizationToken",
        "Effect": "Allow",
        "Resource": "*",
        "Sid": "PullImagesAuth",
    }
    pull = by_sid(document, "PullImages")
    assert sorted(pull["Action"]) == [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
    ]
    assert render(pull["Resource"]) == "arn:aws:ecr:ap-southeast-2:*:repository/*"
    read = by_sid(document, "ReadModelArtifacts")
    assert read["Action"] == "s3:GetObject"
    assert render(read["Resource"]) == ["arn:aws:s3:::autopilot-bucket/autopilot/output/*"]
    # A model's data is one object: reading it needs no listing.
    assert not [s for s in document["Statement"] if "s3:ListBucket" in as_list(s["Action"]) and "Artifact" in s.get("Sid", "")]
    logs = by_sid(document, "WriteLogs")
    assert sorted(logs["Action"]) == [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
    ]
    assert render(logs["Resource"]) == "arn:aws:logs:ap-southeast-2:111122223333:log-group:/aws/sagemaker/*"
    metrics = by_sid(document, "PutMetrics")
    assert metrics["Action"] == "cloudwatch:PutMetricData"
    assert metrics["Condition"] == {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}


def test_given_role_receives_no_execution_statements(mixed) -> None:
    role = mixed.template["Resources"][logical_id(mixed.stack, mixed.user_role)]
    assert "Policies" not in role["Properties"]
    default_policy = mixed.template["Resources"][role_policy_id(mixed.template, mixed.stack, mixed.user_role)]
    actions = {
        action
        for statement in default_policy["Properties"]["PolicyDocument"]["Statement"]
        for action in as_list(statement["Action"])
    }
    # Only what T3 needs: its input and output.
    assert actions == {"s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:AbortMultipartUpload"}


def test_no_managed_policy_anywhere(mixed) -> None:
    # Not even the framework functions' AWSLambdaBasicExecutionRole: they log to their own group.
    for resource in resources(mixed.template, "AWS::IAM::Role").values():
        assert "ManagedPolicyArns" not in resource["Properties"]
    assert "FullAccess" not in json.dumps(mixed.template)
    assert ":iam::aws:policy/" not in json.dumps(mixed.template)
    assert resources(mixed.template, "AWS::IAM::ManagedPolicy") == {}


def test_template_is_environment_agnostic(mixed) -> None:
    text = json.dumps(mixed.template)
    strings = [value for value in all_strings(mixed.template) if SOURCE_ROLE not in value]
    assert not [value for value in strings if ACCOUNT_PATTERN.search(value)]
    assert not [value for value in strings if REGION_PATTERN.search(value)]
    assert '"Ref": "AWS::Partition"' in text
    assert '"Ref": "AWS::Region"' in text
    assert '"Ref": "AWS::AccountId"' in text


def test_hundred_models_and_jobs_keep_the_handler_policy_small() -> None:
    stack = new_stack("HundredPairsStack")
    for index in range(100):
        model = AutopilotModel(
            stack, f"Model{index}", automl_job_name=f"job-{index % 5}", automl_output_s3_uri=OUTPUT_URI
        )
        AutopilotBatchTransform(
            stack, f"Transform{index}", model=model, input_s3_uri=INPUT_URI, output_s3_uri=f"{RESULT_URI}/{index}"
        )
    template = template_json(stack)
    document = handler_policy(template)
    size = deployed_policy_size(document)
    assert size < 3200, size  # one statement more since waited jobs are signalled (DescribeStackResource)
    assert size < 10240
    # Plus the log-group statement of the DefaultPolicy: all the role's inline policies together.
    provider_role_policies = [
        value["Properties"]["PolicyDocument"]
        for key, value in resources(template, "AWS::IAM::Policy").items()
        if key.startswith("AutopilotInferenceProviderHandlerRole")
    ]
    assert size + sum(deployed_policy_size(doc) for doc in provider_role_policies) < 10240
    assert len(as_list(by_sid(document, "ReadAutoMLJobs")["Resource"])) == 5
    assert len(as_list(by_sid(document, "ManageOwnedModels")["Resource"])) == 1
    assert len(as_list(by_sid(document, "ManageOwnedTransformJobs")["Resource"])) == 1
    assert len(as_list(by_sid(document, "PassExecutionRoles")["Resource"])) == 1
    # Models share the stack's default execution role: per pair the two custom resources and the job's wait
    # condition and handle, nothing more; 12 shared (the provider without a waiter, the job-events rule).
    assert len(template["Resources"]) == 4 * 100 + 12
    # The shared execution role + the handler's and the framework onEvent function's (no waiter, no state machine).
    assert len(resources(template, "AWS::IAM::Role")) == 1 + 2
    for key, role in resources(template, "AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            assert deployed_policy_size(policy["PolicyDocument"]) < 10240, key
    # A hundred result folders in one bucket collapse into their common start, with a warning.
    execution = next(iter(execution_role_documents(template)))
    assert render(by_sid(execution, "WriteResults")["Resource"]) == [f"arn:aws:s3:::{BUCKET}/batch/results/*"]
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("More than 10 result locations"))
    assert len(warnings) == 1


def execution_role_documents(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline policy documents of the stack's default execution role."""
    return [
        policy["PolicyDocument"]
        for key, role in resources(template, "AWS::IAM::Role").items()
        if key.startswith("AutopilotInferenceExecutionRole")
        for policy in role["Properties"]["Policies"]
    ]


def test_many_distinct_jobs_collapse_and_prefixes_do_not_matter() -> None:
    stack = new_stack("ManyStack")
    for index in range(25):
        AutopilotModel(
            stack,
            f"Model{index}",
            automl_job_name=f"job-{index}",
            automl_output_s3_uri=OUTPUT_URI,
            model_name_prefix=f"team-{index:02d}",
        )
    template = template_json(stack)
    document = handler_policy(template)
    assert rendered_resources(by_sid(document, "ReadAutoMLJobs")) == [f"{PREFIX}:automl-job/*"]
    # Ownership, not names, scopes the models: any number of prefixes, one statement, no warning.
    assert rendered_resources(by_sid(document, "ManageOwnedModels")) == [f"{PREFIX}:model/*"]
    assert by_sid(document, "ManageOwnedModels")["Condition"] == OWNED
    assert not Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("model_name_prefix"))


def test_token_job_name_and_prefix_are_still_scoped_by_ownership() -> None:
    stack = new_stack("TokenStack")
    AutopilotModel(
        stack,
        "Model",
        automl_job_name=CfnParameter(stack, "Job").value_as_string,
        automl_output_s3_uri=OUTPUT_URI,
        model_name_prefix=CfnParameter(stack, "Prefix").value_as_string,
    )
    template = template_json(stack)
    document = handler_policy(template)
    assert rendered_resources(by_sid(document, "ReadAutoMLJobs")) == [f"{PREFIX}:automl-job/*"]
    assert by_sid(document, "ManageOwnedModels")["Condition"] == OWNED
    assert not Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("is a token"))


def test_creation_is_bound_to_what_the_stack_declares() -> None:
    from aws_cdk import aws_ec2 as ec2

    stack = new_stack("BoundStack")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    volume = kms.Key(stack, "Volume")
    isolated = [
        AutopilotModel(
            stack, f"M{index}", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI, vpc=vpc, network_isolation=True
        )
        for index in range(2)
    ]
    AutopilotBatchTransform(stack, "T1", model=isolated[0], input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    AutopilotBatchTransform(
        stack,
        "T2",
        model=isolated[1],
        input_s3_uri=INPUT_URI,
        output_s3_uri=RESULT_URI,
        instance_type="ml.c5.2xlarge",
        volume_kms_key=volume,
    )
    template = template_json(stack)
    document = handler_policy(template)
    models = render(by_sid(document, "CreateOwnedModels")["Condition"])
    subnets = sorted({s for m in isolated for s in render(custom_resource(template, stack, m)["Properties"]["VpcConfig"]["Subnets"])})
    groups = [render(custom_resource(template, stack, m)["Properties"]["VpcConfig"]["SecurityGroupIds"])[0] for m in isolated]
    assert sorted(models["ForAllValues:StringEquals"]["sagemaker:VpcSubnets"]) == subnets
    assert models["ForAllValues:StringEquals"]["sagemaker:VpcSecurityGroupIds"] == groups
    # Every model of the stack is isolated: so must be every model the handler creates.
    assert models["Bool"] == {"sagemaker:NetworkIsolation": "true"}
    jobs = by_sid(document, "CreateOwnedTransformJobs")["Condition"]
    assert jobs["ForAllValues:StringEquals"] == {"sagemaker:InstanceTypes": ["ml.c5.2xlarge", "ml.m5.xlarge"]}
    # A job without a volume key passes (IfExists); one with a key must use one the stack declares.
    assert jobs["StringEqualsIfExists"] == {"sagemaker:VolumeKmsKey": [{"Fn::GetAtt": [logical_id(stack, volume), "Arn"]}]}
    # One model without isolation lifts the isolation binding (it would refuse that model).
    mixed_stack = new_stack("MixedIsolationStack")
    AutopilotModel(mixed_stack, "Closed", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI, network_isolation=True)
    AutopilotModel(mixed_stack, "Open", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    assert "Bool" not in by_sid(handler_policy(template_json(mixed_stack)), "CreateOwnedModels")["Condition"]


def test_model_kms_key_and_vpc_statements_only_when_asked(mixed) -> None:
    stack = new_stack("KeyStack")
    key = kms.Key(stack, "Key")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI, kms_key=key)
    template = template_json(stack)
    document = inline_policy(template, logical_id(stack, model.role))
    kms_statements = [s for s in document["Statement"] if any(a.startswith("kms:") for a in as_list(s["Action"]))]
    assert kms_statements == [
        {
            "Action": ["kms:Decrypt", "kms:DescribeKey"],
            "Effect": "Allow",
            "Resource": [{"Fn::GetAtt": [logical_id(stack, key), "Arn"]}],
            "Sid": "DecryptWithKeys",
        }
    ]
    plain = inline_policy(mixed.template, logical_id(mixed.stack, mixed.models[0].role))
    assert not [s for s in plain["Statement"] if any(a.startswith(("kms:", "ec2:")) for a in as_list(s["Action"]))]


@pytest.mark.parametrize(
    ("prefixes", "expected"),
    [
        (["a-", "a-b-", "c-"], ["a-", "c-"]),
        (["x-", "x-", "X-".lower()], ["x-"]),
        ([f"team-{i:02d}-" for i in range(MAX_PREFIX_RESOURCES + 1)], ["team-"]),
        ([f"{c}-" for c in "abcdefghijklmnop"], [""]),
    ],
)
def test_minimal_prefixes(prefixes: list[str], expected: list[str]) -> None:
    assert minimal_prefixes(prefixes) == expected


# --- cross-stack models, given roles in a VPC, the provider's log groups -------------------------


@pytest.fixture(scope="module")
def cross_stack() -> SimpleNamespace:
    """A model in one stack, its transform job and endpoint in another (a platform team's split)."""
    from aws_cdk import App, Stack

    app = App()
    models = Stack(app, "ModelStack")
    scoring = Stack(app, "ScoringStack")
    model = AutopilotModel(models, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    job = AutopilotBatchTransform(scoring, "Nightly", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    assembly = checked_synth(app)
    return SimpleNamespace(
        models=models,
        scoring=scoring,
        model=model,
        job=job,
        model_template=assembly.get_stack_by_name("ModelStack").template,
        scoring_template=assembly.get_stack_by_name("ScoringStack").template,
    )


def test_a_transform_of_another_stacks_model_is_served_by_its_own_stacks_provider(cross_stack) -> None:
    resource = custom_resource(cross_stack.scoring_template, cross_stack.scoring, cross_stack.job)
    token = resource["Properties"]["ServiceToken"]
    # Its own provider (a GetAtt in this stack), not the model stack's imported service token.
    assert "Fn::GetAtt" in token and "Fn::ImportValue" not in json.dumps(token)
    assert cross_stack.job.provider is not cross_stack.model.provider
    # It names this stack's own copy of the model (no export of the model stack's model name) ...
    copy = cross_stack.job.deployed_model
    assert copy is not cross_stack.model
    assert resource["Properties"]["ModelName"] == {"Fn::GetAtt": [logical_id(cross_stack.scoring, copy.resource), "ModelName"]}
    assert "Fn::ImportValue" not in json.dumps(cross_stack.scoring_template)
    # ... which this stack's provider creates: its policy may start and create (tagged with its own stack id).
    scoring_policy = handler_policy(cross_stack.scoring_template)
    for sid in ("CreateOwnedTransformJobs", "CreateOwnedModels"):
        assert by_sid(scoring_policy, sid)["Condition"]["StringEquals"] == {"aws:RequestTag/autopilot-inference:owner": OWNER}
    sids = {statement["Sid"] for statement in scoring_policy["Statement"]}
    assert {"CreateOwnedModels", "ManageOwnedModels", "PassExecutionRoles", "ReadAutoMLJobs"} <= sids
    assert "CreateOwnedTransformJobs" not in {
        statement["Sid"] for statement in handler_policy(cross_stack.model_template)["Statement"]
    }


def test_a_given_mutable_role_of_a_vpc_model_gets_the_network_permissions() -> None:
    from aws_cdk import aws_ec2 as ec2

    stack = new_stack("GivenVpcRoleStack")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    imported = iam.Role.from_role_arn(stack, "Imported", "arn:aws:iam::111122223333:role/Given", mutable=False)
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, role=role, vpc=vpc)
    fixed = AutopilotModel(stack, "Fixed", automl_job_name=JOB, role=imported, vpc=vpc)
    template = template_json(stack)
    policy = template["Resources"][role_policy_id(template, stack, role)]
    document = policy["Properties"]["PolicyDocument"]
    vpc_arn = "arn:aws:ec2:ap-southeast-2:111122223333:vpc/${" + logical_id(stack, vpc) + "}"
    actions = {action for statement in document["Statement"] for action in as_list(statement["Action"])}
    assert actions >= {"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeVpcs"}
    assert {"ArnEquals": {"ec2:Vpc": [vpc_arn]}} in [render(s.get("Condition")) for s in document["Statement"]]
    # The model waits for those permissions.
    assert waits_for(template, custom_resource_id(stack, model), role_policy_id(template, stack, role))
    # An immutable role cannot receive them: a warning says what it must allow.
    Annotations.from_stack(stack).has_warning(
        f"/{fixed.node.path}", Match.string_like_regexp("immutable: it must already allow .*ec2:CreateNetworkInterface")
    )


def test_provider_log_groups_take_a_key_and_a_retention() -> None:
    from aws_cdk import aws_logs as logs

    from autopilot_inference import AutopilotInferenceProvider

    stack = new_stack("LogKeyStack")
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    provider = AutopilotInferenceProvider.configure(stack, log_encryption_key=key, log_retention=logs.RetentionDays.ONE_YEAR)
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    assert model.provider is provider
    template = template_json(stack)
    groups = resources(template, "AWS::Logs::LogGroup")
    assert len(groups) == 2
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == 365
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [logical_id(stack, key), "Arn"]}
    key_policy = template["Resources"][logical_id(stack, key)]["Properties"]["KeyPolicy"]["Statement"]
    logs_statement = [s for s in key_policy if s.get("Sid") == "AllowCloudWatchLogsOfThisRegion"]
    assert len(logs_statement) == 1
    assert "kms:EncryptionContext:aws:logs:arn" in logs_statement[0]["Condition"]["ArnLike"]
    with pytest.raises(ValueError, match="before creating any AutopilotModel"):
        AutopilotInferenceProvider.configure(stack)
    # Defaults unchanged: three months, CloudWatch Logs' own encryption.
    plain = template_json(mixed_defaults_stack())
    for group in resources(plain, "AWS::Logs::LogGroup").values():
        assert group["Properties"]["RetentionInDays"] == 90
        assert "KmsKeyId" not in group["Properties"]


def mixed_defaults_stack() -> Any:
    stack = new_stack("PlainLogStack")
    AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    return stack


def test_manifest_input_gets_no_list_bucket() -> None:
    stack = new_stack("ManifestStack")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    AutopilotBatchTransform(
        stack, "T", model=model, input_s3_uri=f"{INPUT_URI}/input.manifest", output_s3_uri=RESULT_URI,
        input_data_type="ManifestFile",
    )
    document = inline_policy(template_json(stack), logical_id(stack, model.role))
    assert not [s for s in document["Statement"] if "s3:ListBucket" in as_list(s["Action"])]
    assert render(by_sid(document, "ReadTransformInputs")["Resource"]) == [
        f"arn:aws:s3:::{BUCKET}/batch/input/input.manifest*"
    ]
