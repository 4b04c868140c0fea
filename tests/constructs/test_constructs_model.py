"""AutopilotModel: every prop and default as rendered into Custom::AutopilotModel."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from aws_cdk import Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template
from support.stacks import (
    JOB,
    MODEL,
    OUTPUT_URI,
    allows,
    as_list,
    by_sid,
    custom_resource,
    custom_resource_id,
    inline_policy,
    logical_id,
    new_stack,
    props,
    render,
    resources,
    template_json,
    waits_for,
)

from autopilot_inference import AutopilotModel, AutopilotValidationError, InferenceResponseKey

SOURCE_ROLE = "arn:aws:iam::444455556666:role/AutopilotJobReader"


@pytest.fixture(scope="module")
def built() -> SimpleNamespace:
    """One stack holding a model per combination of props; synthesized once."""
    stack = new_stack("ModelStack")
    key = kms.Key(stack, "ArtifactKey")
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
    )
    group = ec2.SecurityGroup(stack, "GivenGroup", vpc=vpc)
    user_role = iam.Role(stack, "UserRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())

    default = AutopilotModel(stack, "Default", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    full = AutopilotModel(
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
        kms_key=key,
    )
    comma = AutopilotModel(
        stack,
        "Comma",
        automl_job_name=JOB,
        automl_output_s3_uri=OUTPUT_URI,
        inference_response_keys=" predicted_label, probability ,predicted_label",
        processing_unit="CPU",
    )
    in_vpc = AutopilotModel(
        stack,
        "InVpc",
        automl_job_name=JOB,
        automl_output_s3_uri=OUTPUT_URI,
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        allow_all_outbound=False,
    )
    given_groups = AutopilotModel(
        stack, "GivenGroups", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI, vpc=vpc, security_groups=[group]
    )
    with_role = AutopilotModel(stack, "WithRole", automl_job_name=JOB, role=user_role)
    with_role.add_to_role_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::extra/*"]))
    default.add_to_role_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::added/*"]))
    default.grant(reader, "sagemaker:DescribeModel")
    Tags.of(full).add("team", "ml")
    Tags.of(full).add("cost-center", "42")
    return SimpleNamespace(
        stack=stack,
        template=template_json(stack),
        default=default,
        full=full,
        comma=comma,
        in_vpc=in_vpc,
        given_groups=given_groups,
        with_role=with_role,
        user_role=user_role,
        reader=reader,
        group=group,
        vpc=vpc,
        key=key,
    )


def test_defaults_render_only_required_properties(built: SimpleNamespace) -> None:
    properties = props(built, built.default)
    assert properties.pop("ServiceToken") == {
        "Fn::GetAtt": [
            logical_id(built.stack, built.default.provider.provider.node.find_child("framework-onEvent")),
            "Arn",
        ]
    }
    role_id = logical_id(built.stack, built.default.role)
    assert properties == {
        "AutoMLJobName": JOB,
        "ExecutionRoleArn": {"Fn::GetAtt": [role_id, "Arn"]},
        "ModelNamePrefix": "modelstack-default",
        "ArtifactS3Uri": OUTPUT_URI,
        "DataVersion": "2",  # the Data the attributes read; a new version refreshes Data, never a new model
    }


def test_every_prop_is_rendered(built: SimpleNamespace) -> None:
    properties = props(built, built.full)
    assert properties["AutoMLJobName"] == "Other-Job-2"
    assert properties["InferenceResponseKeys"] == ["predicted_label", "probability", "labels", "probabilities"]
    assert properties["CandidateName"] == "Candidate_With.Odd-Chars"
    assert properties["ArtifactS3Uri"] == "s3://artifacts-bucket/"
    assert properties["ModelNamePrefix"] == "churn-model"  # given as Churn-Model: every name is lowercase
    assert properties["ProcessingUnit"] == "GPU"
    assert properties["EnableNetworkIsolation"] == "true"
    assert properties["SourceRoleArn"] == SOURCE_ROLE
    assert "VpcConfig" not in properties


def test_comma_string_keys_are_trimmed_and_deduplicated_and_cpu_is_omitted(built: SimpleNamespace) -> None:
    properties = props(built, built.comma)
    assert properties["InferenceResponseKeys"] == ["predicted_label", "probability"]
    assert "ProcessingUnit" not in properties
    assert "EnableNetworkIsolation" not in properties


def test_resource_type_and_deletion_policy(built: SimpleNamespace) -> None:
    resource = custom_resource(built.template, built.stack, built.default)
    assert resource["Type"] == MODEL
    assert resource["DeletionPolicy"] == "Delete"
    assert len(resources(built.template, MODEL)) == 6


def test_attributes_are_custom_resource_attributes(built: SimpleNamespace) -> None:
    model_id = logical_id(built.stack, built.default.resource.node.default_child)
    for attribute, name in [
        ("model_name", "ModelName"),
        ("model_arn", "ModelArn"),
        ("candidate_name", "CandidateName"),
        ("objective_metric_name", "ObjectiveMetricName"),
        ("objective_metric_value", "ObjectiveMetricValue"),
        ("problem_type", "ProblemType"),
        ("applied_inference_response_keys", "InferenceResponseKeys"),
    ]:
        assert built.stack.resolve(getattr(built.default, attribute)) == {"Fn::GetAtt": [model_id, name]}
    assert built.default.automl_job_name == JOB
    assert built.default.model_name_prefix == "modelstack-default"


def test_tags_reach_the_custom_resource_as_key_value_list(built: SimpleNamespace) -> None:
    assert props(built, built.full)["Tags"] == [
        {"Key": "cost-center", "Value": "42"},
        {"Key": "team", "Value": "ml"},
    ]
    assert "Tags" not in props(built, built.default)
    assert built.full.tags.tag_values() == {"team": "ml", "cost-center": "42"}


def test_default_execution_role(built: SimpleNamespace) -> None:
    role = built.template["Resources"][logical_id(built.stack, built.default.role)]
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
    assert built.default.has_default_role
    assert not built.with_role.has_default_role
    # One role per stack, shared by every model given no role.
    assert built.default.role is built.full.role
    assert built.default.role.node.path == "ModelStack/AutopilotInferenceExecutionRole/Role"


def test_given_role_is_used_as_is(built: SimpleNamespace) -> None:
    properties = props(built, built.with_role)
    assert properties["ExecutionRoleArn"] == {"Fn::GetAtt": [logical_id(built.stack, built.user_role), "Arn"]}
    assert "ArtifactS3Uri" not in properties
    assert built.with_role.role is built.user_role
    user_role = built.template["Resources"][logical_id(built.stack, built.user_role)]
    assert "Policies" not in user_role["Properties"]


def test_add_to_role_policy_goes_to_the_roles_default_policy(built: SimpleNamespace) -> None:
    template = Template.from_json(built.template)
    for role, resource in ((built.default.role, "arn:aws:s3:::added/*"), (built.user_role, "arn:aws:s3:::extra/*")):
        template.has_resource_properties(
            "AWS::IAM::Policy",
            {
                "PolicyDocument": {
                    "Statement": Match.array_with([{"Action": "s3:GetObject", "Effect": "Allow", "Resource": resource}])
                },
                "Roles": [{"Ref": logical_id(built.stack, role)}],
            },
        )


def test_model_waits_for_handler_policy_and_role_with_its_policies(built: SimpleNamespace) -> None:
    handler_policy = logical_id(built.stack, built.default.provider.handler_policy)
    for model in (built.default, built.with_role):
        model_id = custom_resource_id(built.stack, model)
        assert waits_for(built.template, model_id, handler_policy)
        assert waits_for(built.template, model_id, logical_id(built.stack, model.role))
    # Grants in this stack gave the default role a DefaultPolicy: the only DependsOn it needs.
    default_role_policy = logical_id(built.stack, built.default.role.node.find_child("DefaultPolicy"))
    assert custom_resource(built.template, built.stack, built.default)["DependsOn"] == [default_role_policy]
    with_role_depends = custom_resource(built.template, built.stack, built.with_role)["DependsOn"]
    user_default_policy = logical_id(built.stack, built.user_role.node.find_child("DefaultPolicy"))
    assert {logical_id(built.stack, built.user_role), user_default_policy} <= set(with_role_depends)


def test_kms_key_grants_decrypt_to_the_execution_role(built: SimpleNamespace) -> None:
    document = inline_policy(built.template, logical_id(built.stack, built.full.role))
    key_arn = "${" + logical_id(built.stack, built.key) + ".Arn}"
    assert allows(document, "kms:Decrypt", key_arn) and allows(document, "kms:DescribeKey", key_arn)
    assert not allows(document, "kms:Encrypt", key_arn)


def test_grant_gives_actions_on_the_model_arn(built: SimpleNamespace) -> None:
    model_id = logical_id(built.stack, built.default.resource.node.default_child)
    Template.from_json(built.template).has_resource_properties(
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
            "Roles": [{"Ref": logical_id(built.stack, built.reader)}],
        },
    )


def test_vpc_creates_security_group_and_selects_subnets(built: SimpleNamespace) -> None:
    properties = props(built, built.in_vpc)
    group = built.in_vpc.node.find_child("SecurityGroup")
    subnets = built.stack.resolve([subnet.subnet_id for subnet in built.stack.node.find_child("Vpc").isolated_subnets])
    assert len(subnets) == 2
    assert properties["VpcConfig"] == {
        "SecurityGroupIds": [{"Fn::GetAtt": [logical_id(built.stack, group), "GroupId"]}],
        "Subnets": subnets,
    }
    security_group = built.template["Resources"][logical_id(built.stack, group)]
    assert security_group["Properties"]["SecurityGroupEgress"][0]["Description"] == "Disallow all traffic"
    assert built.stack.resolve(built.in_vpc.connections.security_groups[0].security_group_id) == {
        "Fn::GetAtt": [logical_id(built.stack, group), "GroupId"]
    }


def test_vpc_with_given_security_groups_defaults_to_private_subnets(built: SimpleNamespace) -> None:
    properties = props(built, built.given_groups)
    assert properties["VpcConfig"]["SecurityGroupIds"] == [
        {"Fn::GetAtt": [logical_id(built.stack, built.group), "GroupId"]}
    ]
    isolated = built.stack.resolve([s.subnet_id for s in built.stack.node.find_child("Vpc").isolated_subnets])
    assert properties["VpcConfig"]["Subnets"] == isolated
    assert built.given_groups.node.try_find_child("SecurityGroup") is None
    (connected,) = built.given_groups.connections.security_groups
    assert connected.node.path == built.group.node.path


def test_vpc_adds_network_interface_permissions_to_default_role(built: SimpleNamespace) -> None:
    document = inline_policy(built.template, logical_id(built.stack, built.in_vpc.role))
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
    vpc_arn = "arn:aws:ec2:ap-southeast-2:111122223333:vpc/${" + logical_id(built.stack, built.vpc) + "}"
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


def test_connections_without_vpc_fail(built: SimpleNamespace) -> None:
    with pytest.raises(AutopilotValidationError, match="pass vpc"):
        _ = built.default.connections


def test_grant_principal_is_the_execution_role(built: SimpleNamespace) -> None:
    assert built.stack.resolve(built.default.grant_principal.role_arn) == built.stack.resolve(
        built.default.role.role_arn
    )


def test_bucket_grant_through_model_reaches_execution_role() -> None:
    from aws_cdk import aws_s3 as s3

    stack = new_stack("GrantStack")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    bucket = s3.Bucket(stack, "Data")
    bucket.grant_read(model)
    template = template_json(stack)
    policies = resources(template, "AWS::IAM::Policy")
    default_policy_id = logical_id(stack, model.role.node.find_child("DefaultPolicy"))
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
