"""AutopilotBatchTransform: every prop and default as rendered into Custom::AutopilotTransformJob."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from aws_cdk import Duration, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match
from support.stacks import (
    INPUT_URI,
    JOB,
    OUTPUT_URI,
    RESULT_URI,
    TRANSFORM,
    allows,
    checked_template,
    custom_resource,
    custom_resource_id,
    inline_policy,
    logical_id,
    new_stack,
    props,
    references,
    render,
    resources,
    role_policy_id,
    template_json,
    waits_for,
)

from autopilot_inference import AutopilotBatchTransform, AutopilotModel


@pytest.fixture(scope="module")
def built() -> SimpleNamespace:
    stack = new_stack("TransformStack")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    output_key = kms.Key(stack, "OutputKey")
    volume_key = kms.Key(stack, "VolumeKey")
    default = AutopilotBatchTransform(stack, "Default", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    full = AutopilotBatchTransform(
        stack,
        "Full",
        model=model,
        input_s3_uri="s3://input-bucket/manifests/input.manifest",
        output_s3_uri="s3://output-bucket/scored/",
        instance_type="ml.c5.2xlarge",
        instance_count=3,
        content_type="application/jsonlines",
        split_type="RecordIO",
        accept="application/json",
        assemble_with="None",
        wait_for_completion=True,
        wait_timeout=Duration.minutes(20),
        input_data_type="ManifestFile",
        compression_type="Gzip",
        output_kms_key=output_key,
        volume_kms_key=volume_key,
        batch_strategy="MultiRecord",
        max_payload_in_mb=10,
        max_concurrent_transforms=4,
        invocations_timeout=Duration.minutes(2),
        invocations_max_retries=2,
        input_filter="$[1:]",
        output_filter="$['id','SageMakerOutput']",
        join_source="Input",
        environment={"MODEL_SERVER_TIMEOUT": "120", "EXTRA_FLAG": "1"},
        job_name_prefix="Nightly-Scoring",
    )
    no_wait = AutopilotBatchTransform(
        stack,
        "NoWait",
        model=model,
        input_s3_uri=INPUT_URI,
        output_s3_uri=RESULT_URI,
        wait_for_completion=False,
        wait_timeout=Duration.hours(5),  # irrelevant when not waiting
        content_type=None,
        split_type=None,
        accept=None,
        assemble_with=None,
        environment={},
    )
    mutable_role = iam.Role(stack, "MutableRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    mutable_model = AutopilotModel(stack, "MutableRoleModel", automl_job_name=JOB, role=mutable_role)
    mutable_job = AutopilotBatchTransform(
        stack, "MutableRoleJob", model=mutable_model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI
    )
    immutable_role = iam.Role.from_role_arn(
        stack, "ImmutableRole", "arn:aws:iam::111122223333:role/Given", mutable=False
    )
    immutable_model = AutopilotModel(stack, "ImmutableRoleModel", automl_job_name=JOB, role=immutable_role)
    immutable_job = AutopilotBatchTransform(
        stack, "ImmutableRoleJob", model=immutable_model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI
    )
    Tags.of(stack).add("project", "churn")
    return SimpleNamespace(
        stack=stack,
        template=template_json(stack),
        model=model,
        default=default,
        full=full,
        no_wait=no_wait,
        output_key=output_key,
        volume_key=volume_key,
        mutable_role=mutable_role,
        mutable_model=mutable_model,
        mutable_job=mutable_job,
        immutable_job=immutable_job,
    )


def test_defaults(built: SimpleNamespace) -> None:
    properties = props(built, built.default)
    properties.pop("ServiceToken")
    model_id = custom_resource_id(built.stack, built.model)
    assert properties == {
        "ModelName": {"Fn::GetAtt": [model_id, "ModelName"]},
        "TransformJobNamePrefix": "transformstack-default",
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": INPUT_URI}},
            "ContentType": "text/csv",
            "SplitType": "Line",
        },
        "TransformOutput": {"S3OutputPath": RESULT_URI, "Accept": "text/csv", "AssembleWith": "Line"},
        "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
        "WaitForCompletion": "true",
        "WaitTimeoutSeconds": 3300,
        # What the candidate reads and answers, from the model's Data: the handler checks the two types above.
        "ModelInputContentTypes": {"Fn::GetAtt": [model_id, "InputContentTypes"]},
        "ModelAcceptTypes": {"Fn::GetAtt": [model_id, "AcceptTypes"]},
        "Tags": [{"Key": "project", "Value": "churn"}],
    }
    assert custom_resource(built.template, built.stack, built.default)["Type"] == TRANSFORM


def test_every_prop(built: SimpleNamespace) -> None:
    properties = props(built, built.full)
    output_key = {"Fn::GetAtt": [logical_id(built.stack, built.output_key), "Arn"]}
    volume_key = {"Fn::GetAtt": [logical_id(built.stack, built.volume_key), "Arn"]}
    assert properties["TransformJobNamePrefix"] == "nightly-scoring"  # given as Nightly-Scoring: lowercased
    assert properties["TransformInput"] == {
        "DataSource": {
            "S3DataSource": {"S3DataType": "ManifestFile", "S3Uri": "s3://input-bucket/manifests/input.manifest"}
        },
        "ContentType": "application/jsonlines",
        "SplitType": "RecordIO",
        "CompressionType": "Gzip",
    }
    assert properties["TransformOutput"] == {
        "S3OutputPath": "s3://output-bucket/scored/",
        "Accept": "application/json",
        "AssembleWith": "None",
        "KmsKeyId": output_key,
    }
    assert properties["TransformResources"] == {
        "InstanceType": "ml.c5.2xlarge",
        "InstanceCount": 3,
        "VolumeKmsKeyId": volume_key,
    }
    assert properties["BatchStrategy"] == "MultiRecord"
    assert properties["MaxPayloadInMB"] == 10
    assert properties["MaxConcurrentTransforms"] == 4
    assert properties["ModelClientConfig"] == {"InvocationsTimeoutInSeconds": 120, "InvocationsMaxRetries": 2}
    assert properties["DataProcessing"] == {
        "InputFilter": "$[1:]",
        "OutputFilter": "$['id','SageMakerOutput']",
        "JoinSource": "Input",
    }
    assert properties["Environment"] == {"MODEL_SERVER_TIMEOUT": "120", "EXTRA_FLAG": "1"}
    assert properties["WaitForCompletion"] == "true"
    assert properties["WaitTimeoutSeconds"] == 1200


def test_not_waiting_and_unset_optionals_are_omitted(built: SimpleNamespace) -> None:
    properties = props(built, built.no_wait)
    assert properties["WaitForCompletion"] == "false"
    assert "WaitTimeoutSeconds" not in properties
    assert properties["TransformInput"] == {
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": INPUT_URI}}
    }
    assert properties["TransformOutput"] == {"S3OutputPath": RESULT_URI}
    for name in (
        "Environment",
        "ModelClientConfig",
        "DataProcessing",
        "BatchStrategy",
        "MaxPayloadInMB",
        "MaxConcurrentTransforms",
    ):
        assert name not in properties


def test_every_job_gets_its_own_models_media_types(built: SimpleNamespace) -> None:
    """aws_cdk.assertions: each transform reads the media types of the model it runs, from that model's Data."""
    template = checked_template(built.stack)
    for job, model in ((built.full, built.model), (built.mutable_job, built.mutable_model)):
        model_id = custom_resource_id(built.stack, model)
        job_id = custom_resource_id(built.stack, job)
        template.has_resource(
            TRANSFORM,
            {
                "Properties": Match.object_like(
                    {
                        "TransformJobNamePrefix": props(built, job)["TransformJobNamePrefix"],
                        "ModelInputContentTypes": {"Fn::GetAtt": [model_id, "InputContentTypes"]},
                        "ModelAcceptTypes": {"Fn::GetAtt": [model_id, "AcceptTypes"]},
                    }
                )
            },
        )
        assert job_id in template.find_resources(TRANSFORM)
    # The model's attributes are the same tokens the transform uses.
    assert built.stack.resolve(built.model.accept_types) == {
        "Fn::GetAtt": [custom_resource_id(built.stack, built.model), "AcceptTypes"]
    }


def test_attributes(built: SimpleNamespace) -> None:
    job_id = custom_resource_id(built.stack, built.default)
    assert built.stack.resolve(built.default.transform_job_name) == {"Fn::GetAtt": [job_id, "TransformJobName"]}
    assert built.stack.resolve(built.default.transform_job_arn) == {"Fn::GetAtt": [job_id, "TransformJobArn"]}
    assert built.default.job_name_prefix == "transformstack-default"
    assert built.default.model is built.model


def test_tags_of_stack_reach_models_and_jobs(built: SimpleNamespace) -> None:
    for construct in (built.model, built.default, built.full, built.mutable_job):
        assert custom_resource(built.template, built.stack, construct)["Properties"]["Tags"] == [
            {"Key": "project", "Value": "churn"}
        ]
    assert built.full.tags.tag_values() == {"project": "churn"}


def test_job_waits_for_handler_policy_and_model_role_through_its_model(built: SimpleNamespace) -> None:
    job = custom_resource_id(built.stack, built.default)
    assert waits_for(built.template, job, logical_id(built.stack, built.model.provider.handler_policy))
    assert waits_for(built.template, job, logical_id(built.stack, built.model.role))
    # No DependsOn of its own: the model's name is the only ordering it needs.
    assert "DependsOn" not in custom_resource(built.template, built.stack, built.default)
    assert custom_resource_id(built.stack, built.model) in references(
        custom_resource(built.template, built.stack, built.default)["Properties"]
    )


def test_default_role_gets_read_input_and_write_output_inline(built: SimpleNamespace) -> None:
    document = inline_policy(built.template, logical_id(built.stack, built.model.role))
    assert allows(document, "s3:GetObject", "arn:aws:s3:::autopilot-bucket/batch/input*")
    assert allows(
        document,
        "s3:ListBucket",
        "arn:aws:s3:::autopilot-bucket",
        condition={"StringLike": {"s3:prefix": ["batch/input*"]}},
    )
    for action in ("s3:PutObject", "s3:AbortMultipartUpload"):
        assert allows(document, action, "arn:aws:s3:::autopilot-bucket/batch/results/*")
        assert allows(document, action, "arn:aws:s3:::output-bucket/scored/*")
    assert allows(document, "s3:GetObject", "arn:aws:s3:::input-bucket/manifests/input.manifest*")
    assert not allows(document, "s3:PutObject", "arn:aws:s3:::autopilot-bucket/batch/input*")


def test_kms_keys_granted_to_model_role_and_volume_key_grants_to_handler(built: SimpleNamespace) -> None:
    document = inline_policy(built.template, logical_id(built.stack, built.model.role))
    actions = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    for action in actions:
        assert allows(document, action, "${" + logical_id(built.stack, built.output_key) + ".Arn}")
        # Volumes are encrypted through the handler's grant to SageMaker: the role gets nothing of that key.
        assert not allows(document, action, "${" + logical_id(built.stack, built.volume_key) + ".Arn}")
    handler = resources(built.template, "AWS::IAM::Policy")[
        logical_id(built.stack, built.model.provider.handler_policy)
    ]
    statements = handler["Properties"]["PolicyDocument"]["Statement"]
    volume_arn = [{"Fn::GetAtt": [logical_id(built.stack, built.volume_key), "Arn"]}]
    assert {
        "Action": "kms:CreateGrant",
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        "Effect": "Allow",
        "Resource": volume_arn,
        "Sid": "GrantJobKeysToSageMaker",
    } in statements
    assert {
        "Action": "kms:DescribeKey",
        "Effect": "Allow",
        "Resource": volume_arn,
        "Sid": "DescribeJobKeys",
    } in statements


def test_mutable_given_role_gets_grants_in_its_default_policy(built: SimpleNamespace) -> None:
    policy_id = role_policy_id(built.template, built.stack, built.mutable_role)
    policy = resources(built.template, "AWS::IAM::Policy")[policy_id]
    rendered = render(policy["Properties"]["PolicyDocument"]["Statement"])
    assert {
        "Action": "s3:GetObject",
        "Effect": "Allow",
        "Resource": "arn:aws:s3:::autopilot-bucket/batch/input*",
    } in rendered
    assert waits_for(built.template, custom_resource_id(built.stack, built.mutable_job), policy_id)


def test_immutable_given_role_is_left_alone(built: SimpleNamespace) -> None:
    for policy in resources(built.template, "AWS::IAM::Policy").values():
        assert "Given" not in json.dumps(policy["Properties"].get("Roles", []))
    assert waits_for(
        built.template,
        custom_resource_id(built.stack, built.immutable_job),
        logical_id(built.stack, built.model.provider.handler_policy),
    )


def test_app_level_tags_reach_resources_by_type() -> None:
    from aws_cdk import App, Stack

    app = App()
    stack = Stack(app, "Scoring")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    job = AutopilotBatchTransform(stack, "Job", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    Tags.of(app).add("team", "ml")
    Tags.of(app).add("job-only", "yes", include_resource_types=["Custom::AutopilotTransformJob"])
    template = template_json(stack)
    assert custom_resource(template, stack, model)["Properties"]["Tags"] == [{"Key": "team", "Value": "ml"}]
    assert custom_resource(template, stack, job)["Properties"]["Tags"] == [
        {"Key": "job-only", "Value": "yes"},
        {"Key": "team", "Value": "ml"},
    ]
