"""Models used across stacks and accounts: the platform layout (model, scoring, serving stacks).

Checked against the synthesized templates (cfn-lint and the IAM reference run on each, in
``support.stacks``), CloudFormation's own facts (no ``Fn::ImportValue`` means no export that
could block a replacement), and an IAM evaluator for the cross-account reader role.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Stage
from aws_cdk import aws_iam as iam
from support.annotations import errors_of
from support.iam_eval import ALLOW, IMPLICIT_DENY, Request, evaluate
from support.iam_reference import PolicyStatement, check_statement, check_with_parliament
from support.stacks import INPUT_URI, JOB, OUTPUT_URI, RESULT_URI, checked_synth, resources

from autopilot_inference import (
    AutopilotBatchTransform,
    AutopilotEndpoint,
    AutopilotInferenceProvider,
    AutopilotModel,
    AutopilotScheduledTransform,
    AutopilotValidationError,
    source_role_policy,
    source_role_trust_policy,
)
from autopilot_inference._lambda.autopilot_runtime import contract
from examples.platform.stacks import ModelStack, ScoringStack, ServingStack, create_account_stacks

DEV = Environment(account="111111111111", region="eu-west-1")
OTHER_ACCOUNT = Environment(account="222222222222", region="eu-west-1")
OTHER_REGION = Environment(account="111111111111", region="us-east-1")
JOB_ARN = "arn:aws:sagemaker:eu-west-1:333333333333:automl-job/churn-hpo"


def platform(*, consumers: bool = True, keys: list[str] | None = None) -> tuple[App, Any]:
    app = App()
    if consumers:
        stacks = create_account_stacks(app, env=DEV)
        models = stacks[0]
    else:
        models = ModelStack(app, "ChurnModelStack", env=DEV, inference_response_keys=keys)
    return app, models


def test_the_three_stack_layout_synthesizes_without_exports_and_with_grants_in_the_consumer_stack() -> None:
    app, _ = platform()
    assembly = checked_synth(app)
    templates = {stack.stack_name: stack.template for stack in assembly.stacks}
    assert set(templates) == {"ChurnModelStack", "ChurnScoringStack", "ChurnServingStack"}
    for name, template in templates.items():
        text = json.dumps(template)
        assert "Fn::ImportValue" not in text and "Export" not in json.dumps(template.get("Outputs", {})), name
    # The model stack's default execution role, by the name it is created with.
    role_names = {
        role["Properties"]["RoleName"]
        for role in resources(templates["ChurnModelStack"], "AWS::IAM::Role").values()
        if "exec" in str(role["Properties"].get("RoleName"))
    }
    (role_name,) = role_names
    # Each consumer deploys its own copy of the model, with the model stack's job, keys and role.
    model_props = next(iter(resources(templates["ChurnModelStack"], contract.MODEL_RESOURCE_TYPE).values()))["Properties"]
    for consumer in ("ChurnScoringStack", "ChurnServingStack"):
        (copy,) = resources(templates[consumer], contract.MODEL_RESOURCE_TYPE).values()
        for name in (contract.AUTOML_JOB_NAME, contract.INFERENCE_RESPONSE_KEYS, contract.ARTIFACT_S3_URI, contract.MODEL_NAME_PREFIX):
            assert copy["Properties"][name] == model_props[name]
        assert copy["Properties"][contract.EXECUTION_ROLE_ARN] == {
            "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::111111111111:role/{role_name}"]]
        }
    # The scoring stack's grants to the model's role: a policy of its own, naming its bucket.
    scoring = templates["ChurnScoringStack"]
    grants = [p for p in resources(scoring, "AWS::IAM::Policy").values() if p["Properties"].get("Roles") == [role_name]]
    assert len(grants) == 1
    bucket_id = next(iter(resources(scoring, "AWS::S3::Bucket")))
    assert bucket_id in json.dumps(grants[0]["Properties"]["PolicyDocument"])
    assert "ScoringData" not in json.dumps(templates["ChurnModelStack"])


def test_the_model_stack_template_is_the_same_with_and_without_its_consumers() -> None:
    with_consumers = checked_synth(platform()[0]).get_stack_by_name("ChurnModelStack").template
    alone = checked_synth(platform(consumers=False)[0]).get_stack_by_name("ChurnModelStack").template
    assert json.dumps(with_consumers, sort_keys=True) == json.dumps(alone, sort_keys=True)


def test_consumers_deploy_after_the_model_stack() -> None:
    app, _ = platform()
    from pathlib import Path

    manifest = json.loads((Path(checked_synth(app).directory) / "manifest.json").read_text())
    dependencies = {name: set(artifact.get("dependencies", [])) for name, artifact in manifest["artifacts"].items()}
    assert "ChurnModelStack" in dependencies["ChurnScoringStack"]
    assert "ChurnModelStack" in dependencies["ChurnServingStack"]
    assert not {"ChurnScoringStack", "ChurnServingStack"} & dependencies["ChurnModelStack"]


def test_a_serverless_endpoint_in_another_stack_marks_its_copy_not_the_model_stacks_model() -> None:
    from autopilot_inference import ServerlessConfig

    app = App()
    models = ModelStack(app, "Models", env=DEV)
    serving = Stack(app, "Serving", env=DEV)
    endpoint = AutopilotEndpoint(serving, "Serverless", model=models.model, serverless=ServerlessConfig(memory_size_in_mb=2048, max_concurrency=5))
    assembly = checked_synth(app)
    (copy,) = resources(assembly.get_stack_by_name("Serving").template, contract.MODEL_RESOURCE_TYPE).values()
    (model,) = resources(assembly.get_stack_by_name("Models").template, contract.MODEL_RESOURCE_TYPE).values()
    assert copy["Properties"][contract.SINGLE_CONTAINER_REQUIRED] == "true"
    assert contract.SINGLE_CONTAINER_REQUIRED not in model["Properties"]
    assert endpoint.deployed_model is models.model.in_stack(serving)


def test_several_consumers_in_one_stack_share_one_copy_and_one_grants_policy() -> None:
    app = App()
    models = ModelStack(app, "Models", env=DEV)
    scoring = Stack(app, "Scoring", env=DEV)
    first = AutopilotBatchTransform(scoring, "First", model=models.model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    second = AutopilotBatchTransform(
        scoring, "Second", model=models.model, input_s3_uri=f"{INPUT_URI}-2", output_s3_uri=f"{RESULT_URI}-2"
    )
    template = checked_synth(app).get_stack_by_name("Scoring").template
    assert first.deployed_model is second.deployed_model
    assert len(resources(template, contract.MODEL_RESOURCE_TYPE)) == 1
    grants = [p for p in resources(template, "AWS::IAM::Policy").values() if "exec" in json.dumps(p["Properties"].get("Roles"))]
    assert len(grants) == 1


@pytest.mark.parametrize(
    ("consumer_env", "what"),
    [(OTHER_ACCOUNT, "account 222222222222, region eu-west-1"), (OTHER_REGION, "account 111111111111, region us-east-1")],
    ids=["another account", "another region"],
)
def test_a_model_of_another_account_or_region_is_refused_naming_both_environments(consumer_env: Environment, what: str) -> None:
    app = App()
    models = ModelStack(app, "Models", env=DEV)
    elsewhere = Stack(app, "Elsewhere", env=consumer_env)
    AutopilotBatchTransform(elsewhere, "Batch", model=models.model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    AutopilotScheduledTransform(
        elsewhere, "Nightly", model=models.model, schedule="cron(0 3 * * ? *)",
        input_s3_uri=f"{INPUT_URI}/{{date}}/", output_s3_uri=f"{RESULT_URI}/{{date}}/",
    )
    AutopilotEndpoint(elsewhere, "Endpoint", model=models.model)
    errors = errors_of(elsewhere)
    assert set(errors) == {"/Elsewhere/Batch", "/Elsewhere/Nightly", "/Elsewhere/Endpoint"}
    for path, messages in errors.items():
        (message,) = messages
        assert f"is in {what} (stack Elsewhere)" in message
        assert "its model Models/ChurnModel is in account 111111111111, region eu-west-1 (stack Models)" in message
        assert "source_role_arn" in message and "AutopilotModelPackage" in message, path
    # Nothing was built in the consumer from the foreign model, and the CLI would fail on the errors.
    assert elsewhere.node.try_find_child("AutopilotModelCopies") is None
    with pytest.raises(AutopilotValidationError, match="one account and region only"):
        models.model.in_stack(elsewhere)


def test_an_environment_agnostic_side_gets_a_warning_and_two_agnostic_stacks_nothing() -> None:
    from aws_cdk.assertions import Annotations, Match

    app = App()
    models = ModelStack(app, "Models", env=DEV)
    agnostic = Stack(app, "Agnostic")
    AutopilotBatchTransform(agnostic, "Batch", model=models.model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    warnings = Annotations.from_stack(agnostic).find_warning("*", Match.any_value())
    assert any("environment-agnostic" in str(w.entry.data) for w in warnings)
    assert errors_of(agnostic) == {}

    app = App()
    model_stack, consumer = Stack(app, "A"), Stack(app, "B")
    model = AutopilotModel(model_stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    AutopilotBatchTransform(consumer, "Batch", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    warnings = Annotations.from_stack(consumer).find_warning("*", Match.any_value())
    assert not any("environment-agnostic" in str(w.entry.data) for w in warnings)
    assert errors_of(consumer) == {}
    checked_synth(app)


# --- reading a job in another account ---------------------------------------------------


def test_the_handler_role_has_a_name_known_before_deployment() -> None:
    app = App()
    stack = Stack(app, "ChurnScoringStack", env=DEV)
    AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    provider = AutopilotInferenceProvider.of(stack)
    assert re.fullmatch(r"churnscoringstack-[0-9a-f]{6}-handler-eu-west-1", provider.handler_role_name or "")
    assert stack.resolve(provider.handler_role_arn) == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":iam::111111111111:role/{provider.handler_role_name}"]]
    }
    template = checked_synth(app).get_stack_by_name("ChurnScoringStack").template
    names = [role["Properties"].get("RoleName") for role in resources(template, "AWS::IAM::Role").values()]
    assert provider.handler_role_name in names
    # The same stack name in another region gets another role (IAM names are global to the account).
    other = Stack(App(), "ChurnScoringStack", env=OTHER_REGION)
    assert AutopilotInferenceProvider.of(other).handler_role_name.endswith("-handler-us-east-1")


def test_a_handler_role_name_can_be_given_and_is_checked() -> None:
    stack = Stack(App(), "Consumer", env=DEV)
    provider = AutopilotInferenceProvider.configure(stack, handler_role_name="churn-autopilot-reader")
    assert provider.handler_role_name == "churn-autopilot-reader"
    with pytest.raises(ValueError, match="not a valid IAM role name"):
        AutopilotInferenceProvider.configure(Stack(App(), "Other"), handler_role_name="no spaces allowed")


@pytest.mark.parametrize(
    ("given", "match"),
    [
        (JOB_ARN, "takes a list of ARNs, got one string"),
        (["churn-hpo"], "not one: 'churn-hpo'"),
        (["arn:aws:sagemaker:eu-west-1:333333333333:model/churn"], "not one"),
        ([], "non-empty list"),
    ],
)
def test_source_role_policy_refuses_what_is_not_a_list_of_automl_job_arns(given: Any, match: str) -> None:
    with pytest.raises(AutopilotValidationError, match=match):
        source_role_policy(given)


def test_source_role_trust_policy_refuses_strings_and_unresolved_arns() -> None:
    with pytest.raises(AutopilotValidationError, match="got one string"):
        source_role_trust_policy("arn:aws:iam::111111111111:role/reader")
    with pytest.raises(AutopilotValidationError, match="environment-agnostic"):
        source_role_trust_policy(["arn:aws:iam::111111111111:role/x-handler-${Token[AWS.Region.9]}"])


def _statements(document: dict[str, Any], name: str) -> list[PolicyStatement]:
    return [PolicyStatement(name, index, statement) for index, statement in enumerate(document["Statement"])]


def test_two_accounts_end_to_end_the_job_account_trusts_the_consumer_handler_before_it_exists() -> None:
    """The README's walkthrough: the job's account (333...) writes the reader role first, then the consumer (111...) deploys."""
    app = App()
    # Step 1, in the consumer's code: the handler role's ARN, known before any deployment.
    consumer = Stack(app, "ChurnModelStack", env=DEV)
    handler_arn = AutopilotInferenceProvider.configure(consumer, handler_role_name="churn-autopilot-handler").handler_role_arn
    literal_handler_arn = "arn:aws:iam::111111111111:role/churn-autopilot-handler"
    assert consumer.resolve(handler_arn) == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::111111111111:role/churn-autopilot-handler"]]
    }
    # Step 2, in the job's account: the reader role, trusting that ARN, allowed to read the job.
    job_account = Stack(app, "AutopilotJobsStack", env=Environment(account="333333333333", region="eu-west-1"))
    reader = iam.CfnRole(
        job_account,
        "Reader",
        role_name="churn-autopilot-job-reader",
        assume_role_policy_document=source_role_trust_policy([literal_handler_arn]),
        policies=[iam.CfnRole.PolicyProperty(policy_name="ReadAutoMLJobs", policy_document=source_role_policy([JOB_ARN]))],
    )
    reader_arn = "arn:aws:iam::333333333333:role/churn-autopilot-job-reader"
    # Step 3, in the consumer: the model reads the job through the reader role.
    AutopilotModel(consumer, "ChurnModel", automl_job_name="churn-hpo", automl_output_s3_uri=OUTPUT_URI, source_role_arn=reader_arn)
    assembly = checked_synth(app)  # cfn-lint and the IAM reference on both templates
    consumer_template = assembly.get_stack_by_name("ChurnModelStack").template
    jobs_template = assembly.get_stack_by_name("AutopilotJobsStack").template
    assert job_account.resolve(reader.logical_id) in jobs_template["Resources"]

    # The handler may assume the reader role ...
    handler_statements = [
        statement
        for policy in resources(consumer_template, "AWS::IAM::Policy").values()
        if "HandlerPolicy" in json.dumps(policy)
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert evaluate(handler_statements, Request("sts:AssumeRole", reader_arn)) == ALLOW
    # ... the reader role trusts the handler (and no other principal of its account) ...
    (trust,) = source_role_trust_policy([literal_handler_arn])["Statement"]
    assert trust["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    trust_rule = {key: value for key, value in trust.items() if key != "Principal"}
    trust_rule["Resource"] = reader_arn
    assert evaluate([trust_rule], Request("sts:AssumeRole", reader_arn, {"aws:PrincipalArn": literal_handler_arn})) == ALLOW
    other_role = "arn:aws:iam::111111111111:role/someone-else"
    assert evaluate([trust_rule], Request("sts:AssumeRole", reader_arn, {"aws:PrincipalArn": other_role})) == IMPLICIT_DENY
    # ... and may read the job, in its name's either letter case, and list its candidates.
    reader_statements = source_role_policy([JOB_ARN])["Statement"]
    for arn in (JOB_ARN, JOB_ARN.lower()):
        assert evaluate(reader_statements, Request("sagemaker:DescribeAutoMLJobV2", arn)) == ALLOW
    assert evaluate(reader_statements, Request("sagemaker:ListCandidatesForAutoMLJob", "*")) == ALLOW
    assert evaluate(reader_statements, Request("sagemaker:DescribeAutoMLJob", JOB_ARN.replace("churn-hpo", "other"))) == IMPLICIT_DENY
    # The reference agrees with the reader policy's actions, resources and conditions.
    for item in _statements(source_role_policy([JOB_ARN]), "reader"):
        assert check_statement(item) == [] and check_with_parliament(item) == []


def test_a_pipeline_stage_holds_the_three_stacks_per_account() -> None:
    from examples.platform.pipeline import ChurnStage

    app = App()
    dev = ChurnStage(app, "Dev", env=DEV)
    prod = ChurnStage(app, "Prod", env=OTHER_ACCOUNT)
    for stage in (dev, prod):
        assembly = checked_synth(stage)
        assert {stack.stack_name for stack in assembly.stacks} == {
            f"{stage.node.id}-ChurnModelStack", f"{stage.node.id}-ChurnScoringStack", f"{stage.node.id}-ChurnServingStack",
        }
        for stack in assembly.stacks:
            assert "Fn::ImportValue" not in json.dumps(stack.template)
    assert isinstance(dev.scoring_stack, ScoringStack) and isinstance(prod.serving_stack, ServingStack)
    assert Stage.of(dev.model_stack) is dev


def test_a_model_of_a_nested_stack_keeps_generated_role_names_and_its_consumers_synthesize() -> None:
    """A nested stack's name is a token: its roles keep CloudFormation's generated names."""
    from aws_cdk import NestedStack

    app = App()
    parent = Stack(app, "Parent", env=DEV)
    nested = NestedStack(parent, "Models")
    model = AutopilotModel(nested, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    scoring = Stack(app, "Scoring", env=DEV)
    job = AutopilotBatchTransform(scoring, "Batch", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    assert AutopilotInferenceProvider.of(nested).handler_role_name is None
    assert AutopilotInferenceProvider.of(nested).handler_role_arn is None
    assembly = checked_synth(app)
    (copy,) = resources(assembly.get_stack_by_name("Scoring").template, contract.MODEL_RESOURCE_TYPE).values()
    assert copy["Properties"][contract.AUTOML_JOB_NAME] == JOB
    assert job.deployed_model is not model
