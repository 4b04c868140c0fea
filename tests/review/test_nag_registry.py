"""cdk-nag's AwsSolutions pack over a registry account (``AutopilotModelPackage``) and a consumer account
(``AutopilotModel.from_model_package``): every finding is acknowledged by the library, on its resource,
with a specific reason, and nothing else is."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from support.nag import assert_passes, library_acknowledgements, synth_app

from autopilot_inference import AutopilotBatchTransform, AutopilotModel, AutopilotModelPackage

HANDLER_POLICY = "AutopilotInferenceProvider/HandlerPolicy/Resource"


def test_registry_and_consumer_stacks_pass(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path / "cdk.out"))
    dev = Stack(app, "NagRegistry", env=Environment(account="111122223333", region="eu-west-1"))
    AutopilotModelPackage(
        dev, "Registration", automl_job_name="churn-job", model_package_group_name="churn-models",
        consumer_accounts=["444455556666"], automl_output_s3_uri="s3://amzn-s3-demo-bucket/automl/",
        delete_versions_on_removal=True,
    )
    prod = Stack(app, "NagConsumer", env=Environment(account="444455556666", region="eu-west-1"))
    role = iam.Role.from_role_arn(prod, "Role", "arn:aws:iam::444455556666:role/ProdModelRole", mutable=False)
    model = AutopilotModel.from_model_package(
        prod, "Model", model_package_group_arn="arn:aws:sagemaker:eu-west-1:111122223333:model-package-group/churn-models",
        role=role,
    )
    AutopilotBatchTransform(prod, "Scoring", model=model, input_s3_uri="s3://amzn-s3-demo-bucket/in/",
                            output_s3_uri="s3://amzn-s3-demo-bucket/out/", wait_for_completion=False)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))

    outcome = assert_passes(synth_app(app))

    found = library_acknowledgements(outcome)
    versions = "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:eu-west-1:111122223333:model-package/churn-models/*]"
    assert found[versions] == {HANDLER_POLICY}
