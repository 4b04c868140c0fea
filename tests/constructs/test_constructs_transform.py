"""AutopilotBatchTransform: every prop and default as rendered into Custom::AutopilotTransformJob."""

from __future__ import annotations

import copy
import json
from typing import Any

from aws_cdk import Duration, Stack, Tags
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
    references,
    render,
    resources,
    role_policy_id,
    template_json,
    waits_for,
)

from autopilot_inference import AutopilotBatchTransform, AutopilotModel

# Each test builds the stack it checks; these helpers only spell out a case the test names.


def new_model(stack: Stack) -> AutopilotModel:
    """The model the transforms run (the stack's default execution role)."""
    return AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)


def default_transform(stack: Stack, model: AutopilotModel) -> AutopilotBatchTransform:
    """A transform given only the required props."""
    return AutopilotBatchTransform(stack, "Default", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)


def full_transform(
    stack: Stack, model: AutopilotModel, output_key: kms.IKey, volume_key: kms.IKey
) -> AutopilotBatchTransform:
    """A transform given every prop (``output_key`` and ``volume_key`` as its KMS keys)."""
    return AutopilotBatchTransform(
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


def job_keys(stack: Stack) -> tuple[kms.Key, kms.Key]:
    """The full transform's output and volume keys."""
    return kms.Key(stack, "OutputKey"), kms.Key(stack, "VolumeKey")


def no_wait_transform(stack: Stack, model: AutopilotModel) -> AutopilotBatchTransform:
    """A transform that does not wait, every optional prop unset or empty."""
    return AutopilotBatchTransform(
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


def mutable_role_job(stack: Stack) -> tuple[iam.Role, AutopilotModel, AutopilotBatchTransform]:
    """A transform of a model given a role of this stack (a mutable one): its role, model and job."""
    role = iam.Role(stack, "MutableRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    model = AutopilotModel(stack, "MutableRoleModel", automl_job_name=JOB, role=role)
    job = AutopilotBatchTransform(stack, "MutableRoleJob", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    return role, model, job


def immutable_role_job(stack: Stack) -> tuple[AutopilotModel, AutopilotBatchTransform]:
    """A transform of a model given an imported role marked immutable: its model and job."""
    role = iam.Role.from_role_arn(stack, "ImmutableRole", "arn:aws:iam::111122223333:role/Given", mutable=False)
    model = AutopilotModel(stack, "ImmutableRoleModel", automl_job_name=JOB, role=role)
    job = AutopilotBatchTransform(
        stack, "ImmutableRoleJob", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI
    )
    return model, job


def transform_properties(template: dict[str, Any], stack: Stack, job: Any) -> dict[str, Any]:
    """A copy of the properties of ``job``'s custom resource (a test may change it)."""
    return copy.deepcopy(custom_resource(template, stack, job)["Properties"])


def test_defaults() -> None:
    stack = new_stack("TransformStack")
    model = new_model(stack)
    default = default_transform(stack, model)
    Tags.of(stack).add("project", "churn")
    template = template_json(stack)
    properties = transform_properties(template, stack, default)
    properties.pop("ServiceToken")
    model_id = custom_resource_id(stack, model)
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
        # The logical id of the handle its wait condition waits on (never the handle's pre-signed URL).
        "WaitHandle": stack.resolve(default.wait.handle.logical_id),
        # What the candidate reads and answers, from the model's Data: the handler checks the two types above.
        "ModelInputContentTypes": {"Fn::GetAtt": [model_id, "InputContentTypes"]},
        "ModelAcceptTypes": {"Fn::GetAtt": [model_id, "AcceptTypes"]},
        "Tags": [{"Key": "project", "Value": "churn"}],
    }
    assert custom_resource(template, stack, default)["Type"] == TRANSFORM


def test_every_prop() -> None:
    stack = new_stack("TransformStack")
    model = new_model(stack)
    output_key, volume_key = job_keys(stack)
    full = full_transform(stack, model, output_key, volume_key)
    properties = transform_properties(template_json(stack), stack, full)
    output_key_arn = {"Fn::GetAtt": [logical_id(stack, output_key), "Arn"]}
    volume_key_arn = {"Fn::GetAtt": [logical_id(stack, volume_key), "Arn"]}
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
        "KmsKeyId": output_key_arn,
    }
    assert properties["TransformResources"] == {
        "InstanceType": "ml.c5.2xlarge",
        "InstanceCount": 3,
        "VolumeKmsKeyId": volume_key_arn,
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


def test_not_waiting_and_unset_optionals_are_omitted() -> None:
    stack = new_stack("TransformStack")
    no_wait = no_wait_transform(stack, new_model(stack))
    properties = transform_properties(template_json(stack), stack, no_wait)
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


def test_every_job_gets_its_own_models_media_types() -> None:
    """aws_cdk.assertions: each transform reads the media types of the model it runs, from that model's Data."""
    stack = new_stack("TransformStack")
    model = new_model(stack)
    full = full_transform(stack, model, *job_keys(stack))
    _, mutable_model, mutable_job = mutable_role_job(stack)
    template = checked_template(stack)
    for job, job_model in ((full, model), (mutable_job, mutable_model)):
        model_id = custom_resource_id(stack, job_model)
        job_id = custom_resource_id(stack, job)
        template.has_resource(
            TRANSFORM,
            {
                "Properties": Match.object_like(
                    {
                        "TransformJobNamePrefix": transform_properties(template.to_json(), stack, job)[
                            "TransformJobNamePrefix"
                        ],
                        "ModelInputContentTypes": {"Fn::GetAtt": [model_id, "InputContentTypes"]},
                        "ModelAcceptTypes": {"Fn::GetAtt": [model_id, "AcceptTypes"]},
                    }
                )
            },
        )
        assert job_id in template.find_resources(TRANSFORM)
    # The model's attributes are the same tokens the transform uses.
    assert stack.resolve(model.accept_types) == {"Fn::GetAtt": [custom_resource_id(stack, model), "AcceptTypes"]}


def test_attributes() -> None:
    stack = new_stack("TransformStack")
    model = new_model(stack)
    default = default_transform(stack, model)
    job_id = custom_resource_id(stack, default)
    assert stack.resolve(default.transform_job_name) == {"Fn::GetAtt": [job_id, "TransformJobName"]}
    assert stack.resolve(default.transform_job_arn) == {"Fn::GetAtt": [job_id, "TransformJobArn"]}
    assert default.job_name_prefix == "transformstack-default"
    assert default.model is model


def test_tags_of_stack_reach_models_and_jobs() -> None:
    stack = new_stack("TransformStack")
    model = new_model(stack)
    default = default_transform(stack, model)
    full = full_transform(stack, model, *job_keys(stack))
    _, _, mutable_job = mutable_role_job(stack)
    Tags.of(stack).add("project", "churn")
    template = template_json(stack)
    for construct in (model, default, full, mutable_job):
        assert custom_resource(template, stack, construct)["Properties"]["Tags"] == [
            {"Key": "project", "Value": "churn"}
        ]
    assert full.tags.tag_values() == {"project": "churn"}


def test_job_waits_for_handler_policy_and_model_role_through_its_model() -> None:
    stack = new_stack("TransformStack")
    model = new_model(stack)
    default = default_transform(stack, model)
    template = template_json(stack)
    job = custom_resource_id(stack, default)
    assert waits_for(template, job, logical_id(stack, model.provider.handler_policy))
    assert waits_for(template, job, logical_id(stack, model.role))
    # Its only DependsOn is its wait condition's handle (which the job's tag names): the model's name orders the rest.
    assert custom_resource(template, stack, default)["DependsOn"] == [stack.resolve(default.wait.handle.logical_id)]
    assert custom_resource_id(stack, model) in references(custom_resource(template, stack, default)["Properties"])


def test_default_role_gets_read_input_and_write_output_inline() -> None:
    stack = new_stack("TransformStack")
    model = new_model(stack)
    default_transform(stack, model)  # reads autopilot-bucket/batch/input, writes autopilot-bucket/batch/results
    full_transform(stack, model, *job_keys(stack))  # reads input-bucket/manifests/..., writes output-bucket/scored
    document = inline_policy(template_json(stack), logical_id(stack, model.role))
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


def test_kms_keys_granted_to_model_role_and_volume_key_grants_to_handler() -> None:
    stack = new_stack("TransformStack")
    model = new_model(stack)
    output_key, volume_key = job_keys(stack)
    full_transform(stack, model, output_key, volume_key)
    template = template_json(stack)
    document = inline_policy(template, logical_id(stack, model.role))
    actions = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    for action in actions:
        assert allows(document, action, "${" + logical_id(stack, output_key) + ".Arn}")
        # Volumes are encrypted through the handler's grant to SageMaker: the role gets nothing of that key.
        assert not allows(document, action, "${" + logical_id(stack, volume_key) + ".Arn}")
    handler = resources(template, "AWS::IAM::Policy")[logical_id(stack, model.provider.handler_policy)]
    statements = handler["Properties"]["PolicyDocument"]["Statement"]
    volume_arn = [{"Fn::GetAtt": [logical_id(stack, volume_key), "Arn"]}]
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


def test_mutable_given_role_gets_grants_in_its_default_policy() -> None:
    stack = new_stack("TransformStack")
    mutable_role, _, mutable_job = mutable_role_job(stack)
    template = template_json(stack)
    policy_id = role_policy_id(template, stack, mutable_role)
    policy = resources(template, "AWS::IAM::Policy")[policy_id]
    rendered = render(policy["Properties"]["PolicyDocument"]["Statement"])
    assert {
        "Action": "s3:GetObject",
        "Effect": "Allow",
        "Resource": "arn:aws:s3:::autopilot-bucket/batch/input*",
    } in rendered
    assert waits_for(template, custom_resource_id(stack, mutable_job), policy_id)


def test_immutable_given_role_is_left_alone() -> None:
    stack = new_stack("TransformStack")
    immutable_model, immutable_job = immutable_role_job(stack)
    template = template_json(stack)
    for policy in resources(template, "AWS::IAM::Policy").values():
        assert "Given" not in json.dumps(policy["Properties"].get("Roles", []))
    assert waits_for(
        template,
        custom_resource_id(stack, immutable_job),
        logical_id(stack, immutable_model.provider.handler_policy),
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


# --- the wait condition -------------------------------------------------------------------------------


def wait_resources(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {key: value for key, value in template["Resources"].items() if value["Type"] == kind}


def pair_template(name: str, **changes: Any) -> dict[str, Any]:
    """The template of one model + waited transform; ``changes``: ``model``/``transform`` props."""
    stack = new_stack(name)
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI, **changes.get("model", {}))
    AutopilotBatchTransform(stack, "Job", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI, **changes.get("transform", {}))
    return template_json(stack)


def wait_ids(template: dict[str, Any]) -> tuple[str, str]:
    (condition,) = wait_resources(template, "AWS::CloudFormation::WaitCondition")
    (handle,) = wait_resources(template, "AWS::CloudFormation::WaitConditionHandle")
    return condition, handle


def test_a_waited_job_has_a_wait_condition_after_it_and_its_handle_before_it() -> None:
    stack = new_stack("TransformStack")
    model = new_model(stack)
    job = AutopilotBatchTransform(
        stack, "Long", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI, wait_timeout=Duration.hours(12)
    )
    template = template_json(stack)
    resource_id = custom_resource_id(stack, job)
    (condition_id, condition), = wait_resources(template, "AWS::CloudFormation::WaitCondition").items()
    (handle_id,) = wait_resources(template, "AWS::CloudFormation::WaitConditionHandle")
    assert condition["Properties"] == {"Handle": {"Ref": handle_id}, "Timeout": "43200", "Count": 1}
    assert condition["DependsOn"] == [resource_id]  # created once the job started: the timeout counts from there
    assert template["Resources"][resource_id]["DependsOn"] == [handle_id]
    assert template["Resources"][resource_id]["Properties"]["WaitHandle"] == handle_id
    assert condition_id.startswith(f"{resource_id}Wait") and handle_id.startswith(f"{resource_id}Handle")
    # The handle's URL is no property, output or Data of anything: only the condition refers to it.
    assert json.dumps(template).count(json.dumps({"Ref": handle_id})) == 1


def test_a_job_not_waited_for_has_no_wait_condition() -> None:
    template = pair_template("NoWaitStack", transform={"wait_for_completion": False})
    assert wait_resources(template, "AWS::CloudFormation::WaitCondition") == {}
    assert wait_resources(template, "AWS::Events::Rule") == {}
    assert "WaitHandle" not in json.dumps(template)


def test_the_wait_condition_is_new_exactly_when_the_job_runs_again_or_the_timeout_changes() -> None:
    base = wait_ids(pair_template("WaitStack"))
    assert wait_ids(pair_template("WaitStack")) == base  # deterministic
    # CloudFormation never updates a wait condition: every change that must wait again gets new logical ids.
    for changes in (
        {"transform": {"instance_count": 2}},  # the job's configuration
        {"model": {"inference_response_keys": ["predicted_label"]}},  # the model's: a new model name at deploy time
        {"transform": {"wait_timeout": Duration.hours(3)}},  # the condition's own Timeout
    ):
        condition, handle = wait_ids(pair_template("WaitStack", **changes))
        assert condition != base[0] and handle != base[1], changes
    # Tags change neither the job nor the wait.
    stack = new_stack("WaitStack")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    AutopilotBatchTransform(stack, "Job", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    Tags.of(stack).add("team", "ml")
    assert wait_ids(template_json(stack)) == base


def test_a_model_made_single_container_later_changes_the_wait_condition() -> None:
    base = wait_ids(pair_template("SingleStack"))
    stack = new_stack("SingleStack")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    AutopilotBatchTransform(stack, "Job", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    model.require_single_container()  # after the transform: the key is computed at synthesis
    assert wait_ids(template_json(stack)) != base


def test_the_handler_may_read_its_own_wait_handles() -> None:
    stack = new_stack("TransformStack")
    model = new_model(stack)
    default_transform(stack, model)
    template = template_json(stack)
    statements = [
        statement
        for policy in wait_resources(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Sid") == "ReadOwnWaitConditionHandles"
    ]
    assert statements == [
        {"Sid": "ReadOwnWaitConditionHandles", "Action": "cloudformation:DescribeStackResource", "Effect": "Allow",
         "Resource": {"Ref": "AWS::StackId"}}
    ]


def rule_pattern(template: dict[str, Any]) -> dict[str, Any]:
    (rule,) = wait_resources(template, "AWS::Events::Rule").values()
    return dict(rule["Properties"]["EventPattern"])


def test_the_rule_matches_the_names_the_handler_makes_from_each_prefix() -> None:
    from autopilot_inference._lambda.autopilot_runtime.naming import transform_job_name

    stack = new_stack("RuleStack")
    model = new_model(stack)
    long_prefix = "Scoring-" + "x" * 44  # 52 characters: the handler cuts it to fit the name
    AutopilotBatchTransform(stack, "Long", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI, job_name_prefix=long_prefix)
    default_transform(stack, model)
    AutopilotBatchTransform(
        stack, "NotWaited", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI, wait_for_completion=False,
        job_name_prefix="not-waited",
    )
    matchers = rule_pattern(template_json(stack))["detail"]["TransformJobName"]
    starts = [matcher["prefix"] for matcher in matchers]
    name = transform_job_name(long_prefix.lower(), "arn:aws:cloudformation:us-east-1:111122223333:stack/RuleStack/x", "L", {}, "r")
    assert any(name.startswith(start) for start in starts)
    assert "transformstack-default-" not in starts and "rulestack-default-" in starts
    assert not any(start.startswith("not-waited") for start in starts)  # nothing waits for it


def test_a_prefix_known_only_at_deploy_time_matches_every_job_name() -> None:
    from aws_cdk import CfnParameter

    stack = new_stack("TokenRuleStack")
    model = new_model(stack)
    prefix = CfnParameter(stack, "Prefix", default="nightly").value_as_string
    AutopilotBatchTransform(stack, "Job", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI, job_name_prefix=prefix)
    detail = rule_pattern(template_json(stack))["detail"]
    assert "TransformJobName" not in detail and detail["TransformJobStatus"] == ["Completed", "Failed", "Stopped"]
