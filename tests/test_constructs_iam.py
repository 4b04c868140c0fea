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
from constructs_support import (
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
    custom_resource,
    custom_resource_id,
    deployed_policy_size,
    handler_policy,
    inline_policy,
    logical_id,
    new_stack,
    render,
    resources,
    template_json,
    waits_for,
)

from autopilot_inference import AutopilotBatchTransform, AutopilotModel
from autopilot_inference.permissions import MAX_PREFIX_RESOURCES, minimal_prefixes

PREFIX = "arn:aws:sagemaker:ap-southeast-2:111122223333"
SOURCE_ROLE = "arn:aws:iam::444455556666:role/AutopilotJobReader"


@pytest.fixture(scope="module")
def mixed() -> SimpleNamespace:
    """Default and user prefixes, repeated jobs, a given role, a cross-account job."""
    stack = new_stack("IamStack")
    user_role = iam.Role(stack, "UserRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    models = [
        AutopilotModel(stack, "A", automl_job_name="Churn-Job", automl_output_s3_uri=OUTPUT_URI),
        AutopilotModel(stack, "B", automl_job_name="churn-job", automl_output_s3_uri=OUTPUT_URI),
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


def test_handler_reads_each_automl_job_once_lowercased(mixed) -> None:
    statement = by_sid(handler_policy(mixed.template), "ReadAutoMLJobs")
    assert sorted(as_list(statement["Action"])) == [
        "sagemaker:DescribeAutoMLJob",
        "sagemaker:DescribeAutoMLJobV2",
        "sagemaker:ListCandidatesForAutoMLJob",
    ]
    # Remote-Job is read through the source role, not with the handler's own permissions.
    assert rendered_resources(statement) == [f"{PREFIX}:automl-job/churn-job", f"{PREFIX}:automl-job/other-job"]


def test_handler_assumes_source_roles_once(mixed) -> None:
    statement = by_sid(handler_policy(mixed.template), "AssumeAutoMLJobReaderRoles")
    assert statement["Action"] == "sts:AssumeRole"
    assert as_list(statement["Resource"]) == [SOURCE_ROLE]


def test_handler_manages_models_by_grouped_lowercase_prefixes(mixed) -> None:
    statement = by_sid(handler_policy(mixed.template), "ManageModels")
    assert sorted(as_list(statement["Action"])) == [
        "sagemaker:AddTags",
        "sagemaker:CreateModel",
        "sagemaker:DeleteModel",
        "sagemaker:DeleteTags",
        "sagemaker:DescribeModel",
    ]
    # One pattern for every default prefix (and IamStack-Custom, which it covers);
    # team-x-special is covered by team-x.
    assert rendered_resources(statement) == [f"{PREFIX}:model/iamstack-*", f"{PREFIX}:model/team-x-*"]


def test_handler_manages_transform_jobs_by_grouped_prefixes(mixed) -> None:
    statement = by_sid(handler_policy(mixed.template), "ManageTransformJobs")
    assert sorted(as_list(statement["Action"])) == [
        "sagemaker:AddTags",
        "sagemaker:CreateTransformJob",
        "sagemaker:DeleteTags",
        "sagemaker:DescribeTransformJob",
        "sagemaker:StopTransformJob",
    ]
    assert rendered_resources(statement) == [f"{PREFIX}:transform-job/iamstack-*", f"{PREFIX}:transform-job/nightly-*"]


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
        ["PassExecutionRoles", "ReadAutoMLJobs", "ManageModels", "AssumeAutoMLJobReaderRoles", "ManageTransformJobs"]
    )
    for statement in handler_policy(mixed.template)["Statement"]:
        assert statement["Effect"] == "Allow"
        assert "*" != statement["Resource"]


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
    user_policy = logical_id(mixed.stack, mixed.user_role.node.find_child("DefaultPolicy"))
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
    default_policy = mixed.template["Resources"][
        logical_id(mixed.stack, mixed.user_role.node.find_child("DefaultPolicy"))
    ]
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
    assert size < 3000, size
    assert size < 10240
    # Plus the log-group statement of the DefaultPolicy: all the role's inline policies together.
    provider_role_policies = [
        value["Properties"]["PolicyDocument"]
        for key, value in resources(template, "AWS::IAM::Policy").items()
        if key.startswith("AutopilotInferenceProviderHandlerRole")
    ]
    assert size + sum(deployed_policy_size(doc) for doc in provider_role_policies) < 10240
    assert len(as_list(by_sid(document, "ReadAutoMLJobs")["Resource"])) == 5
    assert len(as_list(by_sid(document, "ManageModels")["Resource"])) == 1
    assert len(as_list(by_sid(document, "ManageTransformJobs")["Resource"])) == 1
    assert len(as_list(by_sid(document, "PassExecutionRoles")["Resource"])) == 1
    # Models share the stack's default execution role: two resources per pair, nothing more.
    assert len(template["Resources"]) == 200 + 17
    # The shared execution role + handler, framework onEvent, framework waiter, state machine.
    assert len(resources(template, "AWS::IAM::Role")) == 1 + 4
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


def test_many_distinct_jobs_and_prefixes_collapse() -> None:
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
    assert rendered_resources(by_sid(document, "ManageModels")) == [f"{PREFIX}:model/team-*"]
    Annotations.from_stack(stack).has_warning(
        "/ManyStack/AutopilotInferenceProvider", Match.string_like_regexp("model_name_prefix values in this stack")
    )


def test_token_job_name_and_prefix_use_wildcards_with_a_warning() -> None:
    stack = new_stack("TokenStack")
    model = AutopilotModel(
        stack,
        "Model",
        automl_job_name=CfnParameter(stack, "Job").value_as_string,
        automl_output_s3_uri=OUTPUT_URI,
        model_name_prefix=CfnParameter(stack, "Prefix").value_as_string,
    )
    template = template_json(stack)
    document = handler_policy(template)
    assert rendered_resources(by_sid(document, "ReadAutoMLJobs")) == [f"{PREFIX}:automl-job/*"]
    assert rendered_resources(by_sid(document, "ManageModels")) == [f"{PREFIX}:model/*"]
    Annotations.from_stack(stack).has_warning(
        f"/{model.node.path}", Match.string_like_regexp("model_name_prefix is a token")
    )


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
