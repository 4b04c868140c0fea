"""cdk-nag's AwsSolutions pack over the example app and over stacks using every construct option.

cdk-nag 3 is a CDK validation plugin: ``Validations.of(app).add_plugins(AwsSolutionsChecks(app))``.
At ``app.synth()`` an unacknowledged finding raises (``ValidationFailed``) and every finding is
written to ``<outdir>/validation-report.json``: open ones under ``violations``, acknowledged ones
under ``suppressedViolations`` with their reason and where they were acknowledged. These tests
read that report, so they fail on any new finding, and check each acknowledgement:

* the library's (``autopilot_inference/compliance/acknowledgements.py``) sit on the CloudFormation resource
  that holds the finding, never on a stack;
* every reason is specific (at least 40 characters, not boilerplate, not shared by two
  findings of a stack);
* none is stale: each recorded acknowledgement matches a finding of that resource.

What the library leaves to its users (a role they pass, token name prefixes that widen the
handler's permissions to every model) is acknowledged here the way a user would, and
:func:`test_unacknowledged_findings_fail_the_synthesis` shows such findings are reported.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from support.example_app import CloudAssemblyDir
from support.nag import (
    assert_passes,
    hide_cdk_nag,
    library_acknowledgements,
    nag_outcome,
    synth_app,
)

PROVIDER = "AutopilotInferenceProvider"
EXECUTION_ROLE = "AutopilotInferenceExecutionRole/Role/Resource"
INHERENT_EXAMPLE = {
    # Scoped by the owner tag (aws:RequestTag / aws:ResourceTag = the stack id), not by name.
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model/*]":
        {f"{PROVIDER}/HandlerPolicy/Resource"},
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:transform-job/*]":
        {f"{PROVIDER}/HandlerPolicy/Resource"},
    # List calls without resource-level permissions (handler), ECR token and metrics (execution role).
    "AwsSolutions-IAM5[Resource::*]": {EXECUTION_ROLE, f"{PROVIDER}/HandlerPolicy/Resource"},
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:*:repository/*]": {EXECUTION_ROLE},
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/*]":
        {EXECUTION_ROLE},
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::amzn-s3-demo-bucket/autopilot/customer-churn/*]": {EXECUTION_ROLE},
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::amzn-s3-demo-bucket/batch/input/*]": {EXECUTION_ROLE},
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::amzn-s3-demo-bucket/batch/output/*]": {EXECUTION_ROLE},
    # The framework's onEvent function invokes the handler (its versions and aliases too); no waiter any more.
    "AwsSolutions-IAM5[Resource::<AutopilotInferenceProviderHandlerE14793E5.Arn>:*]": {
        f"{PROVIDER}/FrameworkOnEventRole/DefaultPolicy/Resource",
    },
}
# The built-in config's nightly schedule (AutopilotScheduledTransform "Scoring", transform/scheduled_permissions.py).
SCHEDULED_ROLE_POLICY = "Scoring/Role/DefaultPolicy/Resource"
INHERENT_EXAMPLE["AwsSolutions-IAM5[Resource::*]"] = {EXECUTION_ROLE, SCHEDULED_ROLE_POLICY, f"{PROVIDER}/HandlerPolicy/Resource"}
INHERENT_EXAMPLE.update({
    "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]": {SCHEDULED_ROLE_POLICY},
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:transform-job/autopilotinference-example-scoring-*]":
        {SCHEDULED_ROLE_POLICY},
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::amzn-s3-demo-bucket/incoming/*]": {EXECUTION_ROLE},
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::amzn-s3-demo-bucket/scored/*]": {EXECUTION_ROLE},
})


def test_example_app_passes_with_only_the_inherent_findings_acknowledged(example_default: CloudAssemblyDir) -> None:
    outcome = assert_passes(example_default)
    # Exactly these, each on the resource that holds it: a new acknowledgement is a reviewed change.
    assert dict(library_acknowledgements(outcome)) == INHERENT_EXAMPLE


def test_environment_stacks_pass(example_environments: CloudAssemblyDir) -> None:
    outcome = assert_passes(example_environments)
    stacks = {ack.path.split("/", 1)[0] for ack in outcome.acknowledged}
    assert stacks == {"AutopilotInference-dev", "AutopilotInference-staging", "AutopilotInference-prod"}
    # Pinned stacks render account and region as literals: the acknowledgements follow them.
    assert any(
        "arn:aws:sagemaker:eu-west-1:333333333333:model/*" in ack.rule
        for ack in outcome.acknowledged
    )


# --- every construct option ---------------------------------------------------------------------

TOKEN_WIDENED = (
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:model/*]",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:transform-job/*]",
)


def build_option_stacks(outdir: Path, *, user_acknowledgements: bool) -> Any:
    """An app whose stacks use every construct option, cdk-nag added; not synthesized."""
    from aws_cdk import (
        Acknowledgment,
        App,
        CfnParameter,
        Duration,
        Stack,
        Tags,
        Validations,
    )
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_kms as kms
    from cdk_nag import AwsSolutionsChecks

    from autopilot_inference import (
        AutopilotBatchTransform,
        AutopilotModel,
        EndpointDataCapture,
    )

    app = App(outdir=str(outdir))

    # A model in a VPC (security group created), network isolation, GPU containers, a named
    # candidate, a KMS key for its artifacts; an endpoint with a volume key and data capture
    # encrypted with a key; a transform with output and volume keys and every tuning prop.
    vpc_stack = Stack(app, "NagVpcEndpoint")
    vpc = ec2.Vpc.from_vpc_attributes(
        vpc_stack, "Vpc", vpc_id="vpc-0123456789abcdef0", availability_zones=["eu-west-1a", "eu-west-1b"],
        private_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )
    key = kms.Key(vpc_stack, "Key", enable_key_rotation=True, description="Autopilot data")
    model = AutopilotModel(
        vpc_stack, "VpcModel", automl_job_name="churn-job", candidate_name="churn-job-003-4f2b9c1d",
        inference_response_keys=["predicted_label", "probability"], automl_output_s3_uri="s3://amzn-s3-demo-bucket/automl/",
        processing_unit="GPU", vpc=vpc, network_isolation=True, kms_key=key, model_name_prefix="churn-vpc",
    )
    model.add_endpoint(
        "Endpoint", instance_type="ml.m5.large", initial_instance_count=2, kms_key=key,
        endpoint_name="churn-endpoint", variant_name="Primary",
        data_capture=EndpointDataCapture(destination_s3_uri="s3://amzn-s3-demo-bucket/capture/", kms_key=key,
                                         sampling_percentage=20, capture_output=False),
    )
    AutopilotBatchTransform(
        vpc_stack, "Transform", model=model, input_s3_uri="s3://amzn-s3-demo-bucket/in/data.csv",
        output_s3_uri="s3://amzn-s3-demo-bucket/out/", output_kms_key=key, volume_kms_key=key,
        compression_type="Gzip", batch_strategy="MultiRecord", max_payload_in_mb=6, max_concurrent_transforms=2,
        invocations_timeout=Duration.minutes(10), invocations_max_retries=1, input_filter="$[1:]",
        join_source="Input", output_filter="$[0,-1]", environment={"LOG_LEVEL": "info"},
        job_name_prefix="churn-nightly", wait_timeout=Duration.minutes(30),
    )
    # Given security groups and subnets, no outbound rule of its own, a manifest as input.
    group = ec2.SecurityGroup.from_security_group_id(vpc_stack, "Group", "sg-0123456789abcdef0")
    grouped = AutopilotModel(
        vpc_stack, "GroupedModel", automl_job_name="churn-job", automl_output_s3_uri="s3://amzn-s3-demo-bucket/automl/",
        vpc=vpc, security_groups=[group], vpc_subnets=ec2.SubnetSelection(subnets=vpc.private_subnets[:1]),
    )
    AutopilotModel(
        vpc_stack, "ClosedModel", automl_job_name="churn-job", automl_output_s3_uri="s3://amzn-s3-demo-bucket/automl/",
        vpc=vpc, allow_all_outbound=False,
    )
    AutopilotBatchTransform(
        vpc_stack, "ManifestTransform", model=grouped, input_data_type="ManifestFile",
        input_s3_uri="s3://amzn-s3-demo-bucket/manifests/batch.manifest", output_s3_uri="s3://amzn-s3-demo-bucket/out/",
        split_type=None, assemble_with=None, accept="application/jsonlines", wait_for_completion=False,
    )
    Tags.of(vpc_stack).add("project", "customer-churn")

    # Roles the user passes: a mutable one (the constructs add S3 statements to its
    # DefaultPolicy: the user's resource, so the user's acknowledgement) and an imported one;
    # a job read in another account through a source role.
    roles_stack = Stack(app, "NagGivenRoles")
    role = iam.Role(roles_stack, "GivenRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    given = AutopilotModel(roles_stack, "GivenRoleModel", automl_job_name="churn-job", role=role)
    AutopilotBatchTransform(
        roles_stack, "GivenRoleTransform", model=given, input_s3_uri="s3://amzn-s3-demo-bucket-2/in/",
        output_s3_uri="s3://amzn-s3-demo-bucket-2/out/", wait_for_completion=False,
    )
    imported = iam.Role.from_role_arn(
        roles_stack, "Imported", "arn:aws:iam::111122223333:role/SageMakerExecution", mutable=False
    )
    AutopilotModel(roles_stack, "ImportedRoleModel", automl_job_name="other-job", role=imported)
    AutopilotModel(
        roles_stack, "CrossAccountModel", automl_job_name="shared-job",
        automl_output_s3_uri="s3://amzn-s3-demo-bucket-shared/automl/",
        source_role_arn="arn:aws:iam::444455556666:role/AutopilotJobReader",
    )

    # Every name and location as a token (CloudFormation parameters).
    token_stack = Stack(app, "NagTokens")

    def parameter(name: str) -> str:
        return CfnParameter(token_stack, name).value_as_string

    token_model = AutopilotModel(
        token_stack, "Model", automl_job_name=parameter("JobName"), automl_output_s3_uri=parameter("OutputUri"),
        model_name_prefix=parameter("ModelPrefix"), candidate_name=parameter("Candidate"),
    )
    AutopilotBatchTransform(
        token_stack, "Transform", model=token_model, input_s3_uri=parameter("InputUri"),
        output_s3_uri=parameter("ResultUri"), job_name_prefix=parameter("JobPrefix"),
    )

    if user_acknowledgements:
        # As a user would: the id printed by the failed synthesis, on the resource concerned.
        for location in ("amzn-s3-demo-bucket-2/in/*", "amzn-s3-demo-bucket-2/out/*"):
            Validations.of(role).acknowledge(
                Acknowledgment(
                    id=f"AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{location}]",
                    reason=f"Our SageMaker execution role reads batch input and writes results under s3://{location}.",
                )
            )

    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


@pytest.fixture(scope="module")
def option_stacks(tmp_path_factory: pytest.TempPathFactory) -> CloudAssemblyDir:
    return synth_app(build_option_stacks(tmp_path_factory.mktemp("nag-options") / "cdk.out", user_acknowledgements=True))


def test_stacks_with_every_option_pass(option_stacks: CloudAssemblyDir) -> None:
    outcome = assert_passes(option_stacks)
    acknowledged = library_acknowledgements(outcome)
    # The KMS wildcard actions of the encrypt statement, ENI management, the network
    # describe calls and token locations are acknowledged on the execution role only.
    assert acknowledged["AwsSolutions-IAM5[Action::kms:GenerateDataKey*]"] == {EXECUTION_ROLE}
    assert acknowledged["AwsSolutions-IAM5[Action::kms:ReEncrypt*]"] == {EXECUTION_ROLE}
    for resource in ("network-interface", "subnet", "security-group"):
        finding = f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:{resource}/*]"
        assert acknowledged[finding] == {EXECUTION_ROLE}
    read_only = "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:automl-job/*]"
    assert acknowledged[read_only] == {f"{PROVIDER}/HandlerPolicy/Resource"}
    # Token name prefixes no longer widen anything: ownership scopes the handler, acknowledged by the library.
    by_rule = defaultdict(set)
    for ack in outcome.acknowledged:
        by_rule[ack.rule].add(ack.acknowledged_at)
    for finding in TOKEN_WIDENED:
        assert "NagTokens/AutopilotInferenceProvider/HandlerPolicy/Resource" in by_rule[finding]
    # What sits on the user's role was the user's call.
    assert by_rule["AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::amzn-s3-demo-bucket-2/in/*]"] == {
        "NagGivenRoles/GivenRole"
    }


def test_unacknowledged_findings_fail_the_synthesis(tmp_path: Path) -> None:
    """The same kind of app without the user's acknowledgements, plus a plain bucket: all reported."""
    from aws_cdk import Stack
    from aws_cdk import aws_s3 as s3

    app = build_option_stacks(tmp_path / "cdk.out", user_acknowledgements=False)
    s3.Bucket(Stack(app, "NagBucket"), "PlainBucket")
    assembly = synth_app(app)
    outcome = nag_outcome(assembly)
    assert assembly.error is not None and "ValidationFailed" in assembly.error
    assert set(outcome.open) == {
        ("AwsSolutions-S1", "NagBucket/PlainBucket/Resource"),
        ("AwsSolutions-S10", "NagBucket/PlainBucket/Resource"),
        ("AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::amzn-s3-demo-bucket-2/in/*]",
         "NagGivenRoles/GivenRole/DefaultPolicy/Resource"),
        ("AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::amzn-s3-demo-bucket-2/out/*]",
         "NagGivenRoles/GivenRole/DefaultPolicy/Resource"),
    }


def test_nag_without_cdk_nag_installed_is_a_clear_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_cdk import App

    from examples.app.config import ConfigError, apply_nag_checks

    hide_cdk_nag(monkeypatch)
    with pytest.raises(ConfigError, match=r"context 'nag' asks for the cdk-nag checks: add_nag_checks needs cdk-nag 3\.x, which is not installed: pip install"):
        apply_nag_checks(App())


# --- the library acknowledges only the shapes it expects -----------------------------------------


def statement(sid: str | None, actions: list[str], resources: list[Any], **extra: Any) -> dict[str, Any]:
    document: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}
    if sid is not None:
        document["Sid"] = sid
    return document


def partition_arn(rest: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, rest]]}


def test_execution_role_acknowledgements_need_the_expected_shape() -> None:
    from autopilot_inference.compliance import acknowledgements as compliance
    from autopilot_inference.model import execution_permissions as permissions
    from autopilot_inference.model.execution_acknowledgements import execution_role_classifier

    classify = execution_role_classifier()
    ecr = partition_arn(":ecr:eu-west-1:*:repository/*")
    documents = [
        (permissions.EXECUTION_POLICY_NAME, {"Statement": [
            statement("PullImagesAuth", ["ecr:GetAuthorizationToken"], ["*"]),
            statement("PullImages", list(permissions.ECR_PULL_ACTIONS), [ecr]),
            statement("WriteResults", list(permissions.S3_WRITE_ACTIONS), [partition_arn(":s3:::amzn-s3-demo-bucket/out/*")]),
            # Not what the library writes: wildcard actions, an unknown statement sharing Resource::*.
            statement("PullImagesToo", ["ecr:*"], [ecr]),
            statement("Other", ["s3:GetObject"], ["*"]),
            statement("PutMetrics", ["cloudwatch:PutMetricData"], ["*"]),  # no namespace condition
        ]}),
        ("UserPolicy", {"Statement": [statement("WriteLogs", list(permissions.LOG_ACTIONS), [
            partition_arn(":logs:eu-west-1:111111111111:log-group:/aws/sagemaker/*")])]}),
    ]
    explained = compliance.explain(compliance.wildcards(documents), classify)
    assert set(explained) == {"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::amzn-s3-demo-bucket/out/*]"}


def test_provider_acknowledgements_need_the_owner_condition_or_read_only_access() -> None:
    from autopilot_inference.compliance import acknowledgements as compliance
    from autopilot_inference.provider import permissions
    from autopilot_inference.provider.nag_acknowledgements import provider_classifier

    classify = provider_classifier({"<HandlerE14793E5.Arn>:*"})
    sagemaker = ":sagemaker:eu-west-1:111111111111:"
    owned = {"StringEquals": {"aws:ResourceTag/autopilot-inference:owner": {"Ref": "AWS::StackId"}}}
    someone = {"StringEquals": {"aws:ResourceTag/autopilot-inference:owner": "someone-else"}}
    documents = [(None, {"Statement": [
        statement("ManageOwnedModels", list(permissions.MODEL_MANAGE_ACTIONS), [partition_arn(sagemaker + "model/*")], Condition=owned),
        # Not scoped by this stack's owner tag: not explained.
        statement("ManageJobs", list(permissions.TRANSFORM_JOB_MANAGE_ACTIONS), [partition_arn(sagemaker + "transform-job/*")]),
        statement("ManageJobs2", list(permissions.TRANSFORM_JOB_MANAGE_ACTIONS), [partition_arn(sagemaker + "transform-job/*")], Condition=someone),
        statement("ReadAutoMLJobs", list(permissions.AUTOML_DESCRIBE_ACTIONS), [partition_arn(sagemaker + "automl-job/*")]),
        statement("ListAutoMLJobCandidates", list(permissions.AUTOML_LIST_ACTIONS), ["*"]),
        statement(None, ["lambda:InvokeFunction"], [{"Fn::Join": ["", [{"Fn::GetAtt": ["HandlerE14793E5", "Arn"]}, ":*"]]}]),
        statement(None, ["lambda:InvokeFunction"], [{"Fn::Join": ["", [{"Fn::GetAtt": ["SomeoneElse", "Arn"]}, ":*"]]}]),
    ]})]
    explained = compliance.explain(compliance.wildcards(documents), classify)
    assert set(explained) == {
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:eu-west-1:111111111111:model/*]",
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:eu-west-1:111111111111:automl-job/*]",
        "AwsSolutions-IAM5[Resource::*]",
        "AwsSolutions-IAM5[Resource::<HandlerE14793E5.Arn>:*]",
    }
