"""AutopilotModel: every prop and default as rendered into Custom::AutopilotModel."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match
from support.stacks import (
    JOB,
    MODEL,
    OUTPUT_URI,
    allows,
    as_list,
    by_sid,
    checked_template,
    custom_resource,
    custom_resource_id,
    inline_policy,
    logical_id,
    new_stack,
    render,
    resources,
    role_policy_ids,
    template_json,
    waits_for,
)

from autopilot_inference import AutopilotModel, AutopilotValidationError, InferenceResponseKey
from autopilot_inference._lambda.autopilot_runtime import response_keys

SOURCE_ROLE = "arn:aws:iam::444455556666:role/AutopilotJobReader"

# Each test builds the stack it checks; these helpers only spell out a case the test names.


def default_model(stack: Stack, construct_id: str = "Default") -> AutopilotModel:
    """A model given only the required props."""
    return AutopilotModel(stack, construct_id, automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)


def full_model(stack: Stack, key: kms.IKey | None = None) -> AutopilotModel:
    """A model given every prop outside networking (and ``key`` as its KMS key)."""
    return AutopilotModel(
        stack,
        "Full",
        automl_job_name="Other-Job-2",
        inference_response_keys=[InferenceResponseKey.PREDICTED_LABEL, "probability", "labels, probabilities"],
        candidate_name="Candidate_With.Odd-Chars",
        automl_output_s3_uri="s3://artifacts-bucket/",
        model_name_prefix="Churn-Model",
        processing_unit="gpu",
        network_isolation=True,
        source_role_arn=SOURCE_ROLE,
        kms_key=key or kms.Key(stack, "ArtifactKey"),
    )


def sagemaker_role(stack: Stack) -> iam.Role:
    return iam.Role(stack, "UserRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))


def two_az_vpc(stack: Stack) -> ec2.Vpc:
    """Public and isolated subnets in two AZs, no NAT."""
    return ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
    )


def model_properties(template: dict[str, Any], stack: Stack, model: AutopilotModel) -> dict[str, Any]:
    return custom_resource(template, stack, model)["Properties"]


def test_defaults_render_only_required_properties() -> None:
    stack = new_stack("ModelStack")
    default = default_model(stack)
    properties = dict(model_properties(template_json(stack), stack, default))
    assert properties.pop("ServiceToken") == stack.resolve(default.provider.service_token)
    assert properties.pop("ServiceToken", None) is None
    role_id = logical_id(stack, default.role)
    assert properties == {
        "AutoMLJobName": JOB,
        "ExecutionRoleArn": {"Fn::GetAtt": [role_id, "Arn"]},
        "ModelNamePrefix": "modelstack-default",
        "ArtifactS3Uri": OUTPUT_URI,
        "DataVersion": "2",  # the Data the attributes read; a new version refreshes Data, never a new model
    }


def test_the_service_token_is_the_provider_frameworks_on_event_function() -> None:
    stack = new_stack("ModelStack")
    default = default_model(stack)
    template = template_json(stack)
    token = model_properties(template, stack, default)["ServiceToken"]
    (function_id, attribute) = token["Fn::GetAtt"]
    function = template["Resources"][function_id]
    assert attribute == "Arn" and function["Type"] == "AWS::Lambda::Function"
    # The framework's onEvent function (aws-cdk-lib's custom-resources Provider), not the handler itself.
    assert function["Properties"]["Handler"] == "framework.onEvent"


def test_every_prop_is_rendered() -> None:
    stack = new_stack("ModelStack")
    full = full_model(stack)
    properties = model_properties(template_json(stack), stack, full)
    assert properties["AutoMLJobName"] == "Other-Job-2"
    assert properties["InferenceResponseKeys"] == ["predicted_label", "probability", "labels", "probabilities"]
    assert properties["CandidateName"] == "Candidate_With.Odd-Chars"
    assert properties["ArtifactS3Uri"] == "s3://artifacts-bucket/"
    assert properties["ModelNamePrefix"] == "churn-model"  # given as Churn-Model: every name is lowercase
    assert properties["ProcessingUnit"] == "GPU"
    assert properties["EnableNetworkIsolation"] == "true"
    assert properties["SourceRoleArn"] == SOURCE_ROLE
    assert "VpcConfig" not in properties


def test_comma_string_keys_are_trimmed_and_deduplicated_and_cpu_is_omitted(monkeypatch: pytest.MonkeyPatch) -> None:
    normalized: list[Any] = []
    original = response_keys.normalize_inference_response_keys

    def counting(*args: Any, **kwargs: Any) -> Any:
        normalized.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(response_keys, "normalize_inference_response_keys", counting)
    stack = new_stack("ModelStack")
    comma = AutopilotModel(
        stack,
        "Comma",
        automl_job_name=JOB,
        automl_output_s3_uri=OUTPUT_URI,
        inference_response_keys=" predicted_label, probability ,predicted_label",
        processing_unit="CPU",
    )
    properties = model_properties(template_json(stack), stack, comma)
    assert properties["InferenceResponseKeys"] == ["predicted_label", "probability"]  # the canonical form
    assert len(normalized) == 1  # once on this side: the handler reads the template's value as it is written
    assert "ProcessingUnit" not in properties
    assert "EnableNetworkIsolation" not in properties


def test_resource_type_and_deletion_policy() -> None:
    stack = new_stack("ModelStack")
    models = [default_model(stack), default_model(stack, "Second")]
    template = template_json(stack)
    for model in models:
        resource = custom_resource(template, stack, model)
        assert resource["Type"] == MODEL
        assert resource["DeletionPolicy"] == "Delete"
    assert len(resources(template, MODEL)) == 2  # one per model


def test_attributes_are_custom_resource_attributes() -> None:
    stack = new_stack("ModelStack")
    default = default_model(stack)
    model_id = custom_resource_id(stack, default)
    for attribute, name in [
        ("model_name", "ModelName"),
        ("model_arn", "ModelArn"),
        ("candidate_name", "CandidateName"),
        ("objective_metric_name", "ObjectiveMetricName"),
        ("objective_metric_value", "ObjectiveMetricValue"),
        ("problem_type", "ProblemType"),
        ("applied_inference_response_keys", "InferenceResponseKeys"),
    ]:
        assert stack.resolve(getattr(default, attribute)) == {"Fn::GetAtt": [model_id, name]}
    assert default.automl_job_name == JOB
    assert default.model_name_prefix == "modelstack-default"
    assert model_id in template_json(stack)["Resources"]


def test_tags_reach_the_custom_resource_as_key_value_list() -> None:
    stack = new_stack("ModelStack")
    full, default = full_model(stack), default_model(stack)
    Tags.of(full).add("team", "ml")
    Tags.of(full).add("cost-center", "42")
    template = template_json(stack)
    assert model_properties(template, stack, full)["Tags"] == [
        {"Key": "cost-center", "Value": "42"},
        {"Key": "team", "Value": "ml"},
    ]
    assert "Tags" not in model_properties(template, stack, default)
    assert full.tags.tag_values() == {"team": "ml", "cost-center": "42"}


def test_default_execution_role() -> None:
    stack = new_stack("ModelStack")
    default, full = default_model(stack), full_model(stack)
    with_role = AutopilotModel(stack, "WithRole", automl_job_name=JOB, role=sagemaker_role(stack))
    template = template_json(stack)
    role = template["Resources"][logical_id(stack, default.role)]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            # Confused deputy: SageMaker may assume it only when acting for this account.
            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
        }
    ]
    assert "Path" not in role["Properties"]
    assert "ManagedPolicyArns" not in role["Properties"]
    assert default.has_default_role
    assert not with_role.has_default_role
    # One role per stack, shared by every model given no role.
    assert default.role is full.role
    assert default.role.node.path == "ModelStack/AutopilotInferenceExecutionRole/Role"


def test_given_role_is_used_as_is() -> None:
    stack = new_stack("ModelStack")
    user_role = sagemaker_role(stack)
    with_role = AutopilotModel(stack, "WithRole", automl_job_name=JOB, role=user_role)
    template = template_json(stack)
    properties = model_properties(template, stack, with_role)
    assert properties["ExecutionRoleArn"] == {"Fn::GetAtt": [logical_id(stack, user_role), "Arn"]}
    assert "ArtifactS3Uri" not in properties
    assert with_role.role is user_role
    assert "Policies" not in template["Resources"][logical_id(stack, user_role)]["Properties"]


def models_with_added_statements(stack: Stack) -> tuple[AutopilotModel, AutopilotModel, iam.Role]:
    """A default model and one with a given role (returned last), each with a statement added through
    ``add_to_role_policy``: ``added/*`` on the default role, ``extra/*`` on the given one."""
    default = default_model(stack)
    user_role = sagemaker_role(stack)
    with_role = AutopilotModel(stack, "WithRole", automl_job_name=JOB, role=user_role)
    with_role.add_to_role_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::extra/*"]))
    default.add_to_role_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::added/*"]))
    return default, with_role, user_role


def test_add_to_role_policy_goes_to_the_roles_default_policy() -> None:
    stack = new_stack("ModelStack")
    default, with_role, user_role = models_with_added_statements(stack)
    template = checked_template(stack)
    for role, resource in ((default.role, "arn:aws:s3:::added/*"), (user_role, "arn:aws:s3:::extra/*")):
        template.has_resource_properties(
            "AWS::IAM::Policy",
            {
                "PolicyDocument": {
                    "Statement": Match.array_with([{"Action": "s3:GetObject", "Effect": "Allow", "Resource": resource}])
                },
                "Roles": [{"Ref": logical_id(stack, role)}],
            },
        )


def test_model_waits_for_handler_policy_and_role_with_its_policies() -> None:
    stack = new_stack("ModelStack")
    default, with_role, user_role = models_with_added_statements(stack)
    default.grant(iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal()), "sagemaker:DescribeModel")
    template = template_json(stack)
    handler_policy = logical_id(stack, default.provider.handler_policy)
    for model in (default, with_role):
        model_id = custom_resource_id(stack, model)
        assert waits_for(template, model_id, handler_policy)
        assert waits_for(template, model_id, logical_id(stack, model.role))
    # Grants in this stack gave the default role a DefaultPolicy: the only DependsOn it needs.
    (default_role_policy,) = role_policy_ids(template, logical_id(stack, default.role))
    assert custom_resource(template, stack, default)["DependsOn"] == [default_role_policy]
    with_role_depends = custom_resource(template, stack, with_role)["DependsOn"]
    (user_default_policy,) = role_policy_ids(template, logical_id(stack, user_role))
    assert {logical_id(stack, user_role), user_default_policy} <= set(with_role_depends)


def test_kms_key_grants_decrypt_to_the_execution_role() -> None:
    stack = new_stack("ModelStack")
    key = kms.Key(stack, "ArtifactKey")
    full = full_model(stack, key)
    document = inline_policy(template_json(stack), logical_id(stack, full.role))
    key_arn = "${" + logical_id(stack, key) + ".Arn}"
    assert allows(document, "kms:Decrypt", key_arn) and allows(document, "kms:DescribeKey", key_arn)
    assert not allows(document, "kms:Encrypt", key_arn)


def test_grant_gives_actions_on_the_model_arn() -> None:
    stack = new_stack("ModelStack")
    default = default_model(stack)
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    default.grant(reader, "sagemaker:DescribeModel")
    model_id = custom_resource_id(stack, default)
    checked_template(stack).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sagemaker:DescribeModel",
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [model_id, "ModelArn"]},
                    }
                ]
            },
            "Roles": [{"Ref": logical_id(stack, reader)}],
        },
    )


def isolated_vpc_model(stack: Stack, vpc: ec2.Vpc) -> AutopilotModel:
    """A model in the VPC's isolated subnets, with its own security group and no outbound traffic."""
    return AutopilotModel(
        stack,
        "InVpc",
        automl_job_name=JOB,
        automl_output_s3_uri=OUTPUT_URI,
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        allow_all_outbound=False,
    )


def test_vpc_creates_security_group_and_selects_subnets() -> None:
    stack = new_stack("ModelStack")
    vpc = two_az_vpc(stack)
    in_vpc = isolated_vpc_model(stack, vpc)
    template = template_json(stack)
    properties = model_properties(template, stack, in_vpc)
    (group,) = in_vpc.connections.security_groups
    assert group.node.path.startswith(in_vpc.node.path + "/")  # the model's own group
    (group_id,) = resources(template, "AWS::EC2::SecurityGroup")
    assert group_id == logical_id(stack, group)
    subnets = stack.resolve([subnet.subnet_id for subnet in vpc.isolated_subnets])
    assert len(subnets) == 2
    assert properties["VpcConfig"] == {
        "SecurityGroupIds": [{"Fn::GetAtt": [group_id, "GroupId"]}],
        "Subnets": subnets,
    }
    security_group = template["Resources"][group_id]
    assert security_group["Properties"]["SecurityGroupEgress"][0]["Description"] == "Disallow all traffic"
    assert stack.resolve(group.security_group_id) == {"Fn::GetAtt": [group_id, "GroupId"]}


def test_vpc_with_given_security_groups_defaults_to_private_subnets() -> None:
    stack = new_stack("ModelStack")
    vpc = two_az_vpc(stack)
    group = ec2.SecurityGroup(stack, "GivenGroup", vpc=vpc)
    given_groups = AutopilotModel(
        stack, "GivenGroups", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI, vpc=vpc, security_groups=[group]
    )
    template = template_json(stack)
    properties = model_properties(template, stack, given_groups)
    assert properties["VpcConfig"]["SecurityGroupIds"] == [{"Fn::GetAtt": [logical_id(stack, group), "GroupId"]}]
    isolated = stack.resolve([s.subnet_id for s in vpc.isolated_subnets])
    assert properties["VpcConfig"]["Subnets"] == isolated
    # No group of its own: the given one is the stack's only security group.
    assert set(resources(template, "AWS::EC2::SecurityGroup")) == {logical_id(stack, group)}
    (connected,) = given_groups.connections.security_groups
    assert connected.node.path == group.node.path


def test_vpc_adds_network_interface_permissions_to_default_role() -> None:
    stack = new_stack("ModelStack")
    vpc = two_az_vpc(stack)
    in_vpc = isolated_vpc_model(stack, vpc)
    document = inline_policy(template_json(stack), logical_id(stack, in_vpc.role))
    describe = by_sid(document, "DescribeNetwork")
    assert describe["Resource"] == "*"
    assert set(as_list(describe["Action"])) == {
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
    }
    # Narrowed to the model's VPC (ec2:Vpc, where the authorization reference supports it).
    vpc_arn = "arn:aws:ec2:ap-southeast-2:111122223333:vpc/${" + logical_id(stack, vpc) + "}"
    create = by_sid(document, "CreateNetworkInterfacesInModelVpcs")
    assert create["Action"] == "ec2:CreateNetworkInterface"
    assert render(create["Resource"]) == [
        "arn:aws:ec2:ap-southeast-2:111122223333:network-interface/*",
        "arn:aws:ec2:ap-southeast-2:111122223333:subnet/*",
        "arn:aws:ec2:ap-southeast-2:111122223333:security-group/*",
    ]
    assert render(create["Condition"]) == {"ArnEqualsIfExists": {"ec2:Vpc": [vpc_arn]}}
    manage = by_sid(document, "ManageNetworkInterfacesInModelVpcs")
    assert sorted(manage["Action"]) == [
        "ec2:CreateNetworkInterfacePermission",
        "ec2:DeleteNetworkInterface",
        "ec2:DeleteNetworkInterfacePermission",
    ]
    assert render(manage["Resource"]) == "arn:aws:ec2:ap-southeast-2:111122223333:network-interface/*"
    assert render(manage["Condition"]) == {"ArnEquals": {"ec2:Vpc": [vpc_arn]}}
    # The role is shared: a stack without VPC models has no such statements (test_constructs_iam).


def test_connections_without_vpc_fail() -> None:
    default = default_model(new_stack("ModelStack"))
    with pytest.raises(AutopilotValidationError, match="pass vpc"):
        _ = default.connections


def test_grant_principal_is_the_execution_role() -> None:
    stack = new_stack("ModelStack")
    default = default_model(stack)
    assert stack.resolve(default.grant_principal.role_arn) == stack.resolve(default.role.role_arn)


def test_bucket_grant_through_model_reaches_execution_role() -> None:
    from aws_cdk import aws_s3 as s3

    stack = new_stack("GrantStack")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    bucket = s3.Bucket(stack, "Data")
    bucket.grant_read(model)
    template = template_json(stack)
    policies = resources(template, "AWS::IAM::Policy")
    (default_policy_id,) = role_policy_ids(template, logical_id(stack, model.role))
    assert default_policy_id in policies
    assert policies[default_policy_id]["Properties"]["Roles"] == [{"Ref": logical_id(stack, model.role)}]
    # The model waits for every policy attached to its role, including this later one.
    assert default_policy_id in custom_resource(template, stack, model)["DependsOn"]


def test_tags_set_on_the_construct_itself_reach_the_resource() -> None:
    stack = new_stack("DirectTagsStack")
    tagged = AutopilotModel(stack, "Tagged", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    untagged = AutopilotModel(stack, "Untagged", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    tagged.tags.set_tag("owner", "alice")
    Tags.of(stack).add("project", "churn")
    Tags.of(untagged).remove("project")
    template = template_json(stack)
    assert custom_resource(template, stack, tagged)["Properties"]["Tags"] == [
        {"Key": "owner", "Value": "alice"},
        {"Key": "project", "Value": "churn"},
    ]
    assert "Tags" not in custom_resource(template, stack, untagged)["Properties"]


def test_default_name_prefix_follows_the_construct_path_at_any_depth() -> None:
    from aws_cdk import App, NestedStack, Stage
    from constructs import Construct

    from autopilot_inference._lambda.autopilot_runtime import naming

    app = App()
    stage = Stage(app, "Prod")
    stack = Stack(stage, "Scoring", stack_name="churn-scoring")
    team = Construct(Construct(stack, "Team"), "Churn")
    nested = NestedStack(team, "Nested")
    for scope, stack_path in ((stack, "Prod/Scoring"), (team, "Prod/Scoring"), (nested, "Prod/Scoring")):
        model = AutopilotModel(scope, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
        ids = model.node.path.removeprefix(stack_path + "/").split("/")
        assert model.model_name_prefix == naming.readable_prefix(["churn-scoring", *ids])
    assert model.model_name_prefix == "churn-scoring-team-churn-nested-model"
