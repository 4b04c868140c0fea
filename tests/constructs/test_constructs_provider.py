"""AutopilotInferenceProvider: one per stack, one Lambda function for both framework handlers."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from aws_cdk import App, NestedStack, Stack
from support.stacks import (
    INPUT_URI,
    JOB,
    OUTPUT_URI,
    RESULT_URI,
    checked_synth,
    checked_template,
    logical_id,
    new_stack,
    resources,
    role_policy_id,
    role_policy_ids,
    template_json,
)

from autopilot_inference import AutopilotBatchTransform, AutopilotInferenceProvider, AutopilotModel
from autopilot_inference import _lambda as lambda_package
from autopilot_inference.provider import asset

LAMBDA = "AWS::Lambda::Function"


def add_pairs(stack: Stack, count: int) -> list[AutopilotModel]:
    models = []
    for index in range(count):
        model = AutopilotModel(stack, f"Model{index}", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
        AutopilotBatchTransform(
            stack, f"Transform{index}", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI
        )
        models.append(model)
    return models


@pytest.fixture(scope="module")
def one_pair() -> SimpleNamespace:
    stack = new_stack("OnePairStack")
    (model,) = add_pairs(stack, 1)
    return SimpleNamespace(stack=stack, template=template_json(stack), model=model)


@pytest.fixture(scope="module")
def twenty_pairs() -> SimpleNamespace:
    stack = new_stack("TwentyPairsStack")
    models = add_pairs(stack, 20)
    return SimpleNamespace(stack=stack, template=template_json(stack), models=models)


def user_functions(template: dict) -> dict:
    return {
        key: value
        for key, value in resources(template, LAMBDA).items()
        if value["Properties"].get("Handler") == "autopilot_runtime.handler.handle"
    }


def test_function_count_does_not_grow_with_the_number_of_resources(one_pair, twenty_pairs) -> None:
    one = len(resources(one_pair.template, LAMBDA))
    twenty = len(resources(twenty_pairs.template, LAMBDA))
    assert one == twenty
    # The framework's onEvent and the one handler: no waiter (no isComplete, onTimeout, state machine).
    assert one == 2
    assert len(user_functions(one_pair.template)) == 1
    assert len(user_functions(twenty_pairs.template)) == 1
    assert resources(twenty_pairs.template, "AWS::StepFunctions::StateMachine") == {}
    # One rule for every waited job's end events; a wait condition and its handle per waited job.
    assert len(resources(twenty_pairs.template, "AWS::Events::Rule")) == 1
    assert len(resources(twenty_pairs.template, "AWS::CloudFormation::WaitCondition")) == 20
    assert len(resources(twenty_pairs.template, "AWS::CloudFormation::WaitConditionHandle")) == 20
    assert len(resources(twenty_pairs.template, "Custom::AutopilotModel")) == 20
    assert len(resources(twenty_pairs.template, "Custom::AutopilotTransformJob")) == 20


def test_provider_is_found_or_created_at_stack_scope(twenty_pairs) -> None:
    providers = {id(model.provider) for model in twenty_pairs.models}
    assert len(providers) == 1
    provider = twenty_pairs.models[0].provider
    assert provider.node.scope is twenty_pairs.stack
    assert provider.node.id == "AutopilotInferenceProvider"
    assert AutopilotInferenceProvider.of(twenty_pairs.models[3]) is provider
    service_tokens = {
        json.dumps(value["Properties"]["ServiceToken"])
        for kind in ("Custom::AutopilotModel", "Custom::AutopilotTransformJob")
        for value in resources(twenty_pairs.template, kind).values()
    }
    assert service_tokens == {json.dumps(twenty_pairs.stack.resolve(provider.service_token))}


def test_handler_function(one_pair) -> None:
    (function,) = user_functions(one_pair.template).values()
    properties = function["Properties"]
    provider = one_pair.model.provider
    assert properties["Runtime"] == "python3.14"
    assert properties["Handler"] == "autopilot_runtime.handler.handle"
    assert properties["Timeout"] == 300
    assert properties["MemorySize"] == 256
    assert properties["Role"] == {"Fn::GetAtt": [logical_id(one_pair.stack, provider.handler_role), "Arn"]}
    assert properties["LoggingConfig"]["LogGroup"] == {"Ref": logical_id(one_pair.stack, provider.log_group)}
    log_group = one_pair.template["Resources"][logical_id(one_pair.stack, provider.log_group)]
    assert log_group["Properties"]["RetentionInDays"] == 90
    framework_logs = one_pair.template["Resources"][logical_id(one_pair.stack, provider.framework_log_group)]
    assert framework_logs["Properties"]["RetentionInDays"] == 90


def test_the_function_is_the_on_event_handler_and_the_job_events_target(one_pair) -> None:
    (handler_id,) = user_functions(one_pair.template)
    arn = {"Fn::GetAtt": [handler_id, "Arn"]}
    framework = [
        value
        for value in resources(one_pair.template, LAMBDA).values()
        if value["Properties"].get("Handler", "").startswith("framework.")
    ]
    assert {value["Properties"]["Handler"] for value in framework} == {"framework.onEvent"}
    for value in framework:
        variables = value["Properties"]["Environment"]["Variables"]
        assert variables["USER_ON_EVENT_FUNCTION_ARN"] == arn
        assert "USER_IS_COMPLETE_FUNCTION_ARN" not in variables
    (rule,) = resources(one_pair.template, "AWS::Events::Rule").values()
    assert [target["Arn"] for target in rule["Properties"]["Targets"]] == [arn]
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.sagemaker"] and pattern["detail-type"] == ["SageMaker Transform Job State Change"]
    assert pattern["detail"]["TransformJobStatus"] == ["Completed", "Failed", "Stopped"]
    (permission,) = resources(one_pair.template, "AWS::Lambda::Permission").values()
    assert permission["Properties"]["Principal"] == "events.amazonaws.com"
    assert permission["Properties"]["FunctionName"] == arn


def test_framework_functions_log_to_their_group_without_managed_policies(one_pair) -> None:
    provider = one_pair.model.provider
    log_group_arn = {"Fn::GetAtt": [logical_id(one_pair.stack, provider.framework_log_group), "Arn"]}
    for role in (provider.framework_on_event_role,):
        properties = one_pair.template["Resources"][logical_id(one_pair.stack, role)]["Properties"]
        assert "ManagedPolicyArns" not in properties
        policy = one_pair.template["Resources"][role_policy_id(one_pair.template, one_pair.stack, role)]
        assert {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": log_group_arn,
        } in policy["Properties"]["PolicyDocument"]["Statement"]
    framework = [
        value
        for value in resources(one_pair.template, LAMBDA).values()
        if value["Properties"].get("Handler", "").startswith("framework.")
    ]
    assert {json.dumps(value["Properties"]["Role"]) for value in framework} == {
        json.dumps({"Fn::GetAtt": [logical_id(one_pair.stack, provider.framework_on_event_role), "Arn"]}),
    }
    for value in framework:
        assert value["Properties"]["LoggingConfig"]["LogGroup"] == {
            "Ref": logical_id(one_pair.stack, provider.framework_log_group)
        }


def test_handler_role_has_no_managed_policies_and_writes_only_its_log_group(one_pair) -> None:
    provider = one_pair.model.provider
    role = one_pair.template["Resources"][logical_id(one_pair.stack, provider.handler_role)]
    assert "ManagedPolicyArns" not in role["Properties"]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }
    # The role's policies: the HandlerPolicy (test_constructs_iam) and its default policy.
    (default_policy_id,) = role_policy_ids(one_pair.template, logical_id(one_pair.stack, provider.handler_role)) - {
        logical_id(one_pair.stack, provider.handler_policy)
    }
    default_policy = one_pair.template["Resources"][default_policy_id]
    assert default_policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logical_id(one_pair.stack, provider.log_group), "Arn"]},
        }
    ]


def test_asset_is_the_lambda_package_directory_without_caches(tmp_path: Path) -> None:
    assert Path(asset.asset_directory()) == Path(lambda_package.__file__).resolve().parent
    assert (Path(asset.asset_directory()) / "autopilot_runtime" / "properties.py").is_file()
    assert asset.ASSET_EXCLUDE == ["**/__pycache__", "**/*.pyc", "**/*.pyo"]
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "AssetStack")
    AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    assembly = checked_synth(app)
    template = json.loads(Path(assembly.directory, "AssetStack.template.json").read_text())
    (function,) = user_functions(template).values()
    asset_hash = function["Properties"]["Code"]["S3Key"].removesuffix(".zip")
    staged = Path(assembly.directory) / f"asset.{asset_hash}"
    files = {path.relative_to(staged).as_posix() for path in staged.rglob("*") if path.is_file()}
    assert "autopilot_runtime/properties.py" in files
    assert "autopilot_runtime/naming.py" in files
    assert not any("__pycache__" in name or name.endswith((".pyc", ".pyo")) for name in files)


def test_asset_hash_is_the_same_in_every_stack(one_pair, twenty_pairs) -> None:
    (one,) = user_functions(one_pair.template).values()
    (twenty,) = user_functions(twenty_pairs.template).values()
    assert one["Properties"]["Code"]["S3Key"] == twenty["Properties"]["Code"]["S3Key"]


def test_every_stack_gets_its_own_provider() -> None:
    app = App()
    first = Stack(app, "First")
    second = Stack(app, "Second")
    nested = NestedStack(first, "Nested")
    models = [
        AutopilotModel(scope, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
        for scope in (first, second, nested)
    ]
    paths = [model.provider.node.path for model in models]
    assert paths == [
        "First/AutopilotInferenceProvider",
        "Second/AutopilotInferenceProvider",
        "First/Nested/AutopilotInferenceProvider",
    ]
    # Names in a nested stack start with the (literal) name of the top-level stack.
    assert models[2].model_name_prefix == "first-nested-model"
    checked_template(nested).resource_count_is("Custom::AutopilotModel", 1)


def test_reserved_id_taken_by_another_construct_fails() -> None:
    from constructs import Construct

    stack = new_stack("ClashStack")
    Construct(stack, "AutopilotInferenceProvider")
    with pytest.raises(TypeError, match="AutopilotInferenceProvider"):
        AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)


def test_provider_alone_synthesizes_with_no_handler_policy() -> None:
    # The handler's policy is attached on its first statement: IAM refuses an empty policy,
    # and CDK refuses one that is attached to a role but has no statements.
    stack = new_stack("ProviderOnlyStack")
    provider = AutopilotInferenceProvider.of(stack)
    template = template_json(stack)
    policies = resources(template, "AWS::IAM::Policy")
    assert logical_id(stack, provider.handler_policy) not in policies
    assert len(user_functions(template)) == 1



def test_handler_policy_is_attached_to_the_handler_role(one_pair) -> None:
    provider = one_pair.model.provider
    policies = resources(one_pair.template, "AWS::IAM::Policy")
    attached = policies[logical_id(one_pair.stack, provider.handler_policy)]["Properties"]["Roles"]
    assert attached == [{"Ref": logical_id(one_pair.stack, provider.handler_role)}]
