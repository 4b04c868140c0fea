"""Bad values that used to pass silently: each is now an error or a warning naming the prop.

References: botocore's SageMaker API model (instance type enums, the documented transform
instance maximum, the AutoMLJobName shape), the JSONPath operators of SageMaker's batch
transform guide, Autopilot's container content types (reference facts), and
``aws_cdk.assertions.Annotations`` for what ``cdk synth`` reports on the construct path.
"""

from __future__ import annotations

import re
from typing import Any

import botocore
import botocore.session
import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Annotations, Match
from support.annotations import errors_on
from support.stacks import BUCKET, INPUT_URI, JOB, OUTPUT_URI, RESULT_URI

from autopilot_inference import AutopilotBatchTransform, AutopilotModel
from autopilot_inference._lambda.autopilot_runtime import contract
from autopilot_inference.checks import value_checks
from autopilot_inference.checks.instance_types import (
    ENDPOINT_INSTANCE_TYPES_BY_FAMILY,
    SERVICE_SHAPES,
    TRANSFORM_INSTANCE_TYPES_BY_FAMILY,
)

SAGEMAKER = botocore.session.get_session().get_service_model("sagemaker")


def first_line(build: Any) -> str:
    """The first error ``cdk synth`` reports on the construct ``build()`` returns."""
    construct = build()
    errors = errors_on(construct)
    assert errors, f"no error on {construct.node.path}"
    return errors[0]


def model(stack: Stack, **overrides: Any) -> AutopilotModel:
    return AutopilotModel(stack, "Model", **{"automl_job_name": JOB, "automl_output_s3_uri": OUTPUT_URI, **overrides})


def transform(**overrides: Any) -> tuple[Stack, AutopilotBatchTransform]:
    stack = Stack(App(), "ValueStack")
    kwargs = {"model": model(stack), "input_s3_uri": INPUT_URI, "output_s3_uri": RESULT_URI, **overrides}
    return stack, AutopilotBatchTransform(stack, "Transform", **kwargs)


def acked(message: str, rule: str) -> str:
    """A warning as CDK prints it: the message and the id that acknowledges it."""
    return f"{message} [ack: autopilot-inference:{rule}]"


def warnings_of(stack: Stack) -> list[tuple[str, str]]:
    """(construct path, message) of every warning on the stack."""
    found = Annotations.from_stack(stack).find_warning("*", Match.any_value())
    return [(item.id, str(item.entry.data)) for item in found]


# --- the tables are botocore's -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "name"),
    [
        (TRANSFORM_INSTANCE_TYPES_BY_FAMILY, "TRANSFORM_INSTANCE_TYPES_BY_FAMILY"),
        (ENDPOINT_INSTANCE_TYPES_BY_FAMILY, "ENDPOINT_INSTANCE_TYPES_BY_FAMILY"),
    ],
)
def test_instance_type_tables_are_botocores_enums(table: dict[str, tuple[str, ...]], name: str) -> None:
    enum = SAGEMAKER.shape_for(SERVICE_SHAPES[name]).enum
    ours = [f"{family}.{size}" for family, sizes in table.items() for size in sizes]
    assert sorted(ours) == sorted(enum), (
        f"{name} differs from botocore {botocore.__version__}'s {SERVICE_SHAPES[name]}: regenerate "
        "constructs/autopilot_inference/checks/instance_types.py"
    )


def test_transform_instance_maximum_is_the_documented_one() -> None:
    shape = SAGEMAKER.shape_for("TransformResources").members["InstanceCount"]
    documented = re.search(r"the maximum is <code>(\d+)</code>", shape.documentation)
    assert documented and int(documented.group(1)) == contract.MAX_TRANSFORM_INSTANCE_COUNT


def test_automl_job_name_limit_is_botocores() -> None:
    shape = SAGEMAKER.shape_for("AutoMLJobName")
    assert shape.metadata["max"] == 32


# --- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["a" + "-b" * 16, "j-" * 16 + "j", "churn-" * 6 + "x"],  # 33, 33 and 37 characters, each within the pattern
)
def test_automl_job_name_over_32_characters_counting_hyphens(name: str) -> None:
    assert len(name) > 32
    assert first_line(lambda: model(Stack(App(), "S"), automl_job_name=name)) == (
        "automl_job_name must be the name of an existing AutoML job: 1-32 letters, digits and hyphens, starting "
        f"and ending with a letter or digit (^[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,31}}$); got {name!r} ({len(name)} characters)."
    )


def test_automl_job_name_of_32_characters_with_hyphens_is_accepted() -> None:
    model(Stack(App(), "S"), automl_job_name="a-b" * 10 + "cd")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"instance_type": "ml.banana.huge"},
            "instance_type 'ml.banana.huge' is not a SageMaker instance type for batch transform: the family "
            "'ml.banana' is unknown. Use one such as ml.m4.xlarge, ml.c4.xlarge, ml.p2.xlarge, ml.p3.2xlarge, "
            "ml.c5.xlarge, ml.m5.large (see the SageMaker pricing page for the full list).",
        ),
        (
            {"instance_type": "ml.banana.xlarge"},
            "instance_type 'ml.banana.xlarge' is not a SageMaker instance type for batch transform: the family "
            "'ml.banana' is unknown. Use one such as ml.m4.xlarge, ml.c4.xlarge, ml.p2.xlarge, ml.p3.2xlarge, "
            "ml.c5.xlarge, ml.m5.large (see the SageMaker pricing page for the full list).",
        ),
        (
            {"instance_count": 10**9},
            "instance_count must be between 1 and 100 (SageMaker's maximum for a transform job); got 1000000000. "
            "Split the input into several transforms for more.",
        ),
        (
            {"input_filter": "features"},
            "input_filter must be a JSONPath expression starting with $, e.g. '$[1:]' or \"$['id','features']\"; "
            "got 'features'. SageMaker supports $, .name, .*, ['name','name'], [index,index], [start:end], [*].",
        ),
        (
            {"output_filter": "$[0,"},
            "output_filter must be a JSONPath expression starting with $, e.g. '$[1:]' or \"$['id','features']\"; "
            "got '$[0,'. SageMaker supports $, .name, .*, ['name','name'], [index,index], [start:end], [*].",
        ),
    ],
)
def test_transform_values_refused(overrides: dict[str, Any], expected: str) -> None:
    assert first_line(lambda: transform(**overrides)[1]) == expected


def test_endpoint_instance_family_checked_against_endpoint_types() -> None:
    stack = Stack(App(), "S")
    built = model(stack)
    built.add_endpoint("Ok", instance_type="ml.t2.medium")  # an endpoint type that batch transform lacks
    assert first_line(lambda: built.add_endpoint("Bad", instance_type="ml.banana.huge")).startswith(
        "instance_type 'ml.banana.huge' is not a SageMaker instance type for real-time endpoints"
    )


def test_an_instance_type_without_ml_gets_one_error_with_the_fix() -> None:
    """``m5.xlarge`` (the EC2 name) used to get two errors, the second about an unknown family ``m5``."""
    stack = Stack(App(), "S")
    built = AutopilotBatchTransform(
        stack, "Transform", model=model(stack), input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI, instance_type="m5.xlarge"
    )
    endpoint = model(Stack(stack.node.root, "Serving")).add_endpoint("Endpoint", instance_type="m5.large")
    expected = "instance_type must name a SageMaker ML instance type, which starts with 'ml.': use 'ml.{}'; got '{}'."
    assert errors_on(built) == [expected.format("m5.xlarge", "m5.xlarge")]
    assert errors_on(endpoint) == [expected.format("m5.large", "m5.large")]
    # What SageMaker would refuse: its InstanceType enumerations hold the ml. names only.
    shape = SAGEMAKER.shape_for("TransformInstanceType")
    assert "ml.m5.xlarge" in shape.enum and "m5.xlarge" not in shape.enum


def test_wildcards_in_s3_uris_are_refused_with_the_prefix_to_use() -> None:
    """``s3://bkt/in/*.csv`` went verbatim into the request and the IAM policy, where ``*`` matches other objects."""
    stack = Stack(App(), "S")
    source = model(stack, automl_output_s3_uri=f"s3://{BUCKET}/automl/job-?/")
    built = AutopilotBatchTransform(
        stack, "Transform", model=model(Stack(stack.node.root, "Ok")), input_s3_uri=f"s3://{BUCKET}/in/*.csv",
        output_s3_uri=RESULT_URI,
    )
    (model_error,) = errors_on(source)
    assert model_error.startswith(
        f"automl_output_s3_uri holds the wildcard '?' ('s3://{BUCKET}/automl/job-?/'): SageMaker reads an S3 URI as a "
        f"key prefix (every object under it), never as a pattern, and in the IAM policy '?' would match other "
        f"objects too. Give the prefix ('s3://{BUCKET}/automl/')"
    )
    assert errors_on(built) == [
        f"input_s3_uri holds the wildcard '*' ('s3://{BUCKET}/in/*.csv'): SageMaker reads an S3 URI as a key prefix "
        "(every object under it), never as a pattern, and in the IAM policy '*' would match other objects too. Give "
        f"the prefix ('s3://{BUCKET}/in/'), or a manifest file (input_data_type='ManifestFile') to pick objects."
    ]


def test_two_endpoints_with_one_name_in_a_stack() -> None:
    stack = Stack(App(), "S")
    built = model(stack)
    built.add_endpoint("First", endpoint_name="churn")
    assert first_line(lambda: built.add_endpoint("Second", endpoint_name="churn")) == (
        "endpoint_name 'churn' is already the name of S/Model/First in this stack; endpoint names are unique per "
        "account and region. Give each endpoint its own name, or leave endpoint_name out to let CloudFormation name it."
    )
    built.add_endpoint("Third", endpoint_name="churn-2")
    other = Stack(stack.node.root, "Other")  # another stack may reuse it (another account or region)
    model(other).add_endpoint("First", endpoint_name="churn")


@pytest.mark.parametrize(
    "path",
    ["$", "$[1:]", "$[:5]", "$[2:5]", "$[0,-1]", "$[0,5:]", "$.features", "$.a.b", "$.*", "$[*]",
     "$['id','SageMakerOutput']", "$.SageMakerOutput['predicted_label','probability']", "$.field1.['child1','child2']",
     "$[\"id\"]"],
)
def test_documented_jsonpath_accepted(path: str) -> None:
    assert value_checks.jsonpath_filter(path, "input_filter") is None


@pytest.mark.parametrize(
    ("path", "severity"),
    [("$..price", "warning"), ("$.items[?(@.price > 1)]", "warning"), ("$ .a", "error"), ("$['a'", "error"),
     ("[0]", "error"), ("$]", "error")],
)
def test_undocumented_jsonpath_is_a_warning_or_an_error(path: str, severity: str) -> None:
    finding = value_checks.jsonpath_filter(path, "input_filter")
    assert finding is not None and finding.severity == severity


# --- warnings on the construct path -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected", "rule"),
    [
        (
            {"content_type": "application/json"},
            "content_type 'application/json' is not text/csv, the only input the containers of a tabular Autopilot "
            "model read (its inverse label transform accepts only CSV); the job fails unless the model is an image or "
            "text classification (V2) model that reads it. Use content_type='text/csv'.",
            "contentType",
        ),
        (
            {"accept": "application/x-parquet"},
            "accept 'application/x-parquet' is not an output type Autopilot models answer (text/csv, "
            "application/json, application/jsonlines); the job fails if the model's last container cannot produce it.",
            "accept",
        ),
        (
            {"output_s3_uri": INPUT_URI + "/"},
            f"output_s3_uri '{INPUT_URI}/' is the input location (input_s3_uri '{INPUT_URI}'): the next run reads the "
            "results as input. Write the results under a separate prefix.",
            "outputLocation",
        ),
        (
            {"output_s3_uri": INPUT_URI + "/results"},
            f"output_s3_uri '{INPUT_URI}/results' lies under the input location (input_s3_uri '{INPUT_URI}'): the next "
            "run reads the results as input. Write the results under a separate prefix.",
            "outputLocation",
        ),
        (
            {"wait_for_completion": False, "wait_timeout": Duration.minutes(20)},
            "wait_timeout has no effect with wait_for_completion=False: the deployment does not wait for the job. "
            "Remove wait_timeout, or set wait_for_completion=True.",
            "waitTimeout",
        ),
        (
            {"input_filter": "$..features"},
            "input_filter '$..features' uses JSONPath that SageMaker batch transform does not document; it supports "
            "$, .name, .*, ['name','name'], [index,index], [start:end], [*]. The job fails if SageMaker refuses it.",
            "jsonPath",
        ),
        (
            {"instance_type": "ml.t2.medium"},  # an endpoint type, not a transform type; or a family yet to come
            "instance_type 'ml.t2.medium' is not among the batch transform instance types SageMaker lists (no ml.t2 "
            "types); check the spelling, the deployment fails if SageMaker does not offer it.",
            "instanceType",
        ),
        (
            {"instance_type": "ml.m5.3xlarge"},
            "instance_type 'ml.m5.3xlarge' is not among the batch transform instance types SageMaker lists (the ml.m5 "
            "sizes are large, xlarge, 2xlarge, 4xlarge, 12xlarge, 24xlarge); check the spelling, the deployment fails "
            "if SageMaker does not offer it.",
            "instanceType",
        ),
    ],
)
def test_transform_warnings(overrides: dict[str, Any], expected: str, rule: str) -> None:
    stack, _ = transform(**overrides)
    assert warnings_of(stack) == [("/ValueStack/Transform", acked(expected, rule))]
    Annotations.from_stack(stack).has_warning("/ValueStack/Transform", Match.string_like_regexp(re.escape(expected[:40])))


def test_defaults_and_good_values_warn_nothing() -> None:
    stack, _ = transform(
        content_type="text/csv; charset=utf-8",
        accept="application/jsonlines",
        wait_for_completion=False,
        input_filter="$[1:]",
        output_filter="$['id','SageMakerOutput']",
        instance_count=100,
    )
    assert warnings_of(stack) == []


def test_two_jobs_writing_one_output_prefix() -> None:
    stack, first = transform()
    AutopilotBatchTransform(
        stack, "Second", model=first.model, input_s3_uri="s3://autopilot-bucket/other/input", output_s3_uri=RESULT_URI + "/"
    )
    assert warnings_of(stack) == [
        (
            "/ValueStack/Second",
            f"output_s3_uri '{RESULT_URI}/' is also the output of ValueStack/Transform: the two jobs overwrite each "
            "other's results. Give each job its own output prefix. [ack: autopilot-inference:sharedOutput]",
        )
    ]


def test_a_warning_can_be_acknowledged() -> None:
    stack, job = transform(content_type="application/json")
    from aws_cdk import Annotations as CdkAnnotations

    CdkAnnotations.of(job).acknowledge_warning("autopilot-inference:contentType", "image model reads JSON")
    assert warnings_of(stack) == []


def test_public_subnets_only_is_a_warning() -> None:
    stack = Stack(App(), "NetStack")
    vpc = ec2.Vpc(
        stack, "Vpc", max_azs=2, nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)],
    )
    model(stack, vpc=vpc)
    assert warnings_of(stack) == [
        (
            "/NetStack/Model",
            "vpc_subnets selects only public subnets: SageMaker gives the containers no public IP address, so they "
            "reach neither the internet nor AWS APIs from there. Select private subnets "
            "(ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)) with a NAT gateway or VPC "
            "endpoints for S3 and ECR. [ack: autopilot-inference:publicSubnets]",
        )
    ]


def test_private_subnets_warn_nothing() -> None:
    stack = Stack(App(), "NetStack")
    model(stack, vpc=ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1))
    assert warnings_of(stack) == []


def test_imported_subnet_without_zone_gets_a_message_not_a_jsii_trace() -> None:
    stack = Stack(App(), "NetStack")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
    selection = ec2.SubnetSelection(subnets=[ec2.Subnet.from_subnet_id(stack, "Subnet", "subnet-0abc")])
    line = first_line(lambda: model(stack, vpc=vpc, vpc_subnets=selection))
    assert line.startswith("vpc_subnets cannot be selected in vpc: ")
    assert "availability zone" in line


def test_the_example_app_raises_no_warnings(example_environments: Any) -> None:
    """The config-driven example passes wait_timeout only when it waits, and uses types SageMaker lists."""
    warnings = [(path, entry["data"]) for path, entry in example_environments.metadata() if entry["type"] == "aws:cdk:warning"]
    assert warnings == []


# --- mistakes that used to pass silently (issue 19) ----------------------------------------------

ALIAS_ARN = "arn:aws:kms:us-east-1:111122223333:alias/churn"
KEY_FIX = (
    'Pass the key itself: kms.Key.from_key_arn(self, "Key", "arn:aws:kms:<region>:<account>:key/<key id>"), '
    "or alias.alias_target_key for an alias made in this app."
)


def alias_refused(prop: str, alias: str) -> str:
    return (
        f"{prop} is a KMS alias ({alias}), not a key: the permissions granted on it would name the alias, and an "
        f"alias ARN in an IAM policy authorizes nothing. {KEY_FIX}"
    )


def test_an_alias_arn_authorizes_no_key_use_in_the_iam_reference() -> None:
    """Why an alias as a key is refused: kms:Decrypt on an alias ARN is of no resource type Decrypt accepts."""
    from support.iam_reference import PolicyStatement, check_statement

    statement = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": ALIAS_ARN}
    messages = [p.message for p in check_statement(PolicyStatement("Policy", 0, statement))]
    assert f"resource {ALIAS_ARN} is of no resource type that kms:Decrypt accept" in messages
    key = {**statement, "Resource": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
    assert check_statement(PolicyStatement("Policy", 0, key)) == []


def test_a_kms_alias_given_as_a_key_is_refused_naming_the_prop() -> None:
    from aws_cdk import aws_kms as kms

    from autopilot_inference import EndpointDataCapture

    stack = Stack(App(), "S", env={"region": "us-east-1", "account": "111122223333"})
    alias = kms.Alias(stack, "Alias", alias_name="alias/churn", target_key=kms.Key(stack, "Key"))
    built = model(stack, kms_key=alias)
    assert errors_on(built) == [alias_refused("kms_key", "the kms.Alias S/Alias")]
    other = model(Stack(stack.node.root, "T", env={"region": "us-east-1", "account": "111122223333"}))
    job = AutopilotBatchTransform(
        other, "Transform", model=other, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI,
        output_kms_key=kms.Key.from_key_arn(other, "ByAliasArn", ALIAS_ARN),
        volume_kms_key=kms.Alias.from_alias_name(other, "ByName", "alias/volumes"),
    )
    assert errors_on(job) == [alias_refused("output_kms_key", "alias/churn"), alias_refused("volume_kms_key", "alias/volumes")]
    # An endpoint's volume key may be an alias (SageMaker takes one; no grant names it); captured data's may not.
    endpoint = other.add_endpoint(
        "Endpoint", kms_key=kms.Alias.from_alias_name(other, "VolumeAlias", "alias/volumes"),
        data_capture=EndpointDataCapture(destination_s3_uri=f"s3://{BUCKET}/capture", kms_key=kms.Alias.from_alias_name(other, "Capture", "alias/capture")),
    )
    assert errors_on(endpoint) == [alias_refused("data_capture.kms_key", "alias/capture")]


def test_a_key_of_another_region_is_refused_when_both_regions_are_known() -> None:
    from aws_cdk import aws_kms as kms

    app = App()
    stack = Stack(app, "S", env={"region": "us-east-1", "account": "111122223333"})
    foreign = kms.Key.from_key_arn(stack, "Foreign", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    built = model(stack, kms_key=foreign)
    assert errors_on(built) == [
        "kms_key is a key of eu-west-1, and this stack deploys to us-east-1: SageMaker uses KMS keys of its own region "
        "only. Pass a key of us-east-1 (a multi-Region key's replica there has its own ARN)."
    ]
    # Same region, or a stack whose region is not known at synthesis: nothing to say.
    same_region = Stack(app, "Same", env={"region": "us-east-1", "account": "111122223333"})
    same = kms.Key.from_key_arn(same_region, "K", foreign.key_arn.replace("eu-west-1", "us-east-1"))
    assert errors_on(model(same_region, kms_key=same)) == []
    agnostic = Stack(app, "Agnostic")
    assert errors_on(model(agnostic, kms_key=kms.Key.from_key_arn(agnostic, "K", foreign.key_arn))) == []


def test_a_candidate_name_with_spaces_around_it_is_refused_with_the_trimmed_name() -> None:
    built = model(Stack(App(), "S"), candidate_name=" churn-job-003-abcd ")
    assert errors_on(built) == [
        "candidate_name ' churn-job-003-abcd ' has spaces around it; no candidate of the job is named so (the "
        "deployment would not find it). Use 'churn-job-003-abcd'."
    ]


@pytest.mark.parametrize("rate", [1, 1.0])
def test_an_error_rate_of_1_is_refused_as_100_percent(rate: float) -> None:
    from autopilot_inference import EndpointAlarms

    endpoint = model(Stack(App(), "S")).add_endpoint("Endpoint", endpoint_alarms=EndpointAlarms(max_5xx_error_rate=rate))
    assert errors_on(endpoint) == [
        f"endpoint_alarms.max_5xx_error_rate is a share of requests, so {rate!r} is 100 %: the alarm would fire only "
        "when more than every request fails, that is never. For 1 %, give 0.01."
    ]


def test_failure_topic_with_a_waited_job_is_a_warning() -> None:
    from aws_cdk import aws_sns as sns

    stack = Stack(App(), "S")
    built = model(stack)
    topic = sns.Topic(stack, "Topic")
    AutopilotBatchTransform(stack, "Waited", model=built, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI, failure_topic=topic)
    AutopilotBatchTransform(
        stack, "NotWaited", model=built, input_s3_uri=INPUT_URI, output_s3_uri=f"s3://{BUCKET}/other",
        failure_topic=topic, wait_for_completion=False,
    )
    found = [(path, message) for path, message in warnings_of(stack) if "failure_topic" in message]
    assert found == [
        (
            "/S/Waited",
            acked(
                "failure_topic is for jobs nobody waits for, and wait_for_completion is True (the default): the "
                "deployment itself fails and rolls back when the job fails. Set wait_for_completion=False to deploy "
                "without waiting and be told of failures, or remove failure_topic (or acknowledge this warning to be "
                "told as well).",
                "failureTopicWaited",
            ),
        )
    ]
