"""Synth-time validation: every refused prop names itself and says what to do; tokens pass."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import CfnParameter, Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from support.annotations import assert_refused
from support.stacks import INPUT_URI, JOB, OUTPUT_URI, RESULT_URI, custom_resource, new_stack, template_json

from autopilot_inference import AutopilotBatchTransform, AutopilotModel
from autopilot_inference._lambda.autopilot_runtime import naming
from autopilot_inference.checks import validation

MODEL_BASE: dict[str, Any] = {"automl_job_name": JOB, "automl_output_s3_uri": OUTPUT_URI}


def build_model(**overrides: Any) -> AutopilotModel:
    stack = new_stack("ValidationStack")
    kwargs = {**MODEL_BASE, **overrides}
    if kwargs.pop("with_vpc", False):
        kwargs["vpc"] = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
    return AutopilotModel(stack, "Model", **kwargs)


def build_transform(**overrides: Any) -> AutopilotBatchTransform:
    stack = new_stack("ValidationStack")
    model = AutopilotModel(stack, "Model", **MODEL_BASE)
    kwargs = {"model": model, "input_s3_uri": INPUT_URI, "output_s3_uri": RESULT_URI, **overrides}
    return AutopilotBatchTransform(stack, "Transform", **kwargs)


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"automl_job_name": ""}, r"automl_job_name must be the name of an existing AutoML job"),
        ({"automl_job_name": "bad_name"}, "automl_job_name"),
        ({"automl_job_name": "-starts-with-hyphen"}, "automl_job_name"),
        ({"automl_job_name": "j" * 33}, "automl_job_name.*1-32"),
        ({"automl_job_name": None}, "automl_job_name"),
        ({"inference_response_keys": ["predicted_label", "score"]}, r"inference_response_keys has unknown key 'score'"),
        (
            {"inference_response_keys": "predicted_label,Probability"},
            r"inference_response_keys has unknown key 'Probability'",
        ),
        ({"inference_response_keys": ["predicted_label", 3]}, r"inference_response_keys\[1\] must be a str or an InferenceResponseKey; got int 3"),
        ({"inference_response_keys": 3}, "inference_response_keys must be a list of InferenceResponseKey members or strings"),
        ({"candidate_name": ""}, "candidate_name must be a candidate name.*Omit it"),
        ({"candidate_name": "c" * 65}, "candidate_name.*1-64"),
        ({"automl_output_s3_uri": "https://bucket/out"}, "automl_output_s3_uri must be an S3 URI"),
        ({"automl_output_s3_uri": "s3://Bad_Bucket/out"}, "automl_output_s3_uri names an invalid S3 bucket"),
        ({"automl_output_s3_uri": "s3://ab/out"}, "automl_output_s3_uri names an invalid S3 bucket"),
        ({"automl_output_s3_uri": "s3://192.168.10.12/out"}, "automl_output_s3_uri names an invalid S3 bucket"),
        ({"automl_output_s3_uri": "s3://my..bucket/out"}, "automl_output_s3_uri names an invalid S3 bucket"),
        ({"model_name_prefix": "bad--prefix"}, "model_name_prefix must be 1-52 letters"),
        ({"model_name_prefix": "-leading"}, "model_name_prefix"),
        ({"model_name_prefix": "has space"}, "model_name_prefix"),
        ({"model_name_prefix": "p" * (naming.MAX_PREFIX_LENGTH + 1)}, "model_name_prefix"),
        ({"model_name_prefix": ""}, "model_name_prefix"),
        ({"processing_unit": "TPU"}, "processing_unit must be CPU or GPU"),
        ({"network_isolation": "yes"}, "network_isolation must be True or False"),
        ({"source_role_arn": "AutopilotReader"}, "source_role_arn must be an IAM role ARN"),
        ({"security_groups": [object()]}, r"security_groups\[0\] must be an ec2.ISecurityGroup"),
        ({"vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)}, "vpc_subnets needs vpc"),
        ({"allow_all_outbound": False}, "allow_all_outbound needs vpc"),
        ({"with_vpc": True, "security_groups": []}, "security_groups must not be empty"),
        ({"with_vpc": True, "vpc_subnets": ec2.SubnetSelection(subnets=[])}, "vpc_subnets selects 0 subnets"),
        (
            {"automl_output_s3_uri": None},
            "automl_output_s3_uri is required when no role is given.*OutputDataConfig.S3OutputPath.*or pass a role",
        ),
    ],
)
def test_model_props_refused(overrides: dict[str, Any], match: str) -> None:
    assert_refused(build_model(**overrides), match)


def test_security_group_props_with_vpc_refused() -> None:
    stack = new_stack("ValidationStack")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
    groups = [ec2.SecurityGroup(stack, f"Group{i}", vpc=vpc) for i in range(6)]
    too_many = AutopilotModel(stack, "TooMany", **MODEL_BASE, vpc=vpc, security_groups=groups)
    both = AutopilotModel(stack, "Both", **MODEL_BASE, vpc=vpc, security_groups=groups[:1], allow_all_outbound=False)
    assert_refused(too_many, "security_groups holds 6 groups.*at most 5")
    assert_refused(both, "allow_all_outbound only applies.*supplied security_groups")


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"model": "my-model"}, "model must be an AutopilotModel"),
        ({"input_s3_uri": "bucket/input"}, "input_s3_uri must be an S3 URI"),
        ({"output_s3_uri": "s3://UPPER/out"}, "output_s3_uri names an invalid S3 bucket"),
        ({"instance_type": "m5.xlarge"}, r"instance_type must name a SageMaker ML instance type, which starts with 'ml.': use 'ml.m5.xlarge'"),
        ({"instance_type": "ML.M5.XLARGE"}, r"instance_type must be a SageMaker ML instance type such as ml.m5.xlarge"),
        ({"instance_type": "ml.m5"}, "instance_type"),
        ({"instance_count": 0}, "instance_count must be at least 1; got 0"),
        ({"instance_count": True}, "instance_count must be a whole number"),
        ({"instance_count": 1.5}, "instance_count must be a whole number"),
        ({"content_type": ""}, "content_type must be a string of 1-256"),
        ({"accept": "a" * 257}, "accept must be a string of 1-256"),
        ({"split_type": "Lines"}, "split_type must be one of None, Line, RecordIO, TFRecord"),
        ({"assemble_with": "Record"}, "assemble_with must be one of None, Line"),
        (
            {"input_data_type": "S3Object"},
            "input_data_type must be one of S3Prefix, ManifestFile, AugmentedManifestFile",
        ),
        ({"input_data_type": None}, "input_data_type must be a str; got None. Leave it out for its default."),
        ({"compression_type": "gzip"}, "compression_type must be one of None, Gzip"),
        ({"batch_strategy": "Multi"}, "batch_strategy must be one of MultiRecord, SingleRecord"),
        ({"join_source": "Output"}, "join_source must be one of Input, None"),
        ({"wait_for_completion": "yes"}, "wait_for_completion must be True or False"),
        (
            {"wait_timeout": Duration.seconds(43201)},
            "wait_timeout must be between 1 and 43200 seconds.*wait condition waits at most 12 hours.*wait_for_completion=False",
        ),
        ({"wait_timeout": Duration.hours(13)}, "wait_timeout.*wait_for_completion=False"),
        ({"wait_timeout": Duration.seconds(0)}, "wait_timeout must be between 1 and 43200"),
        ({"wait_timeout": Duration.millis(1500)}, "wait_timeout must be a whole number of seconds"),
        ({"wait_timeout": 600}, r"wait_timeout must be an aws_cdk.Duration"),
        ({"max_payload_in_mb": 101}, "max_payload_in_mb must be between 0 and 100"),
        ({"max_payload_in_mb": -1}, "max_payload_in_mb must be between 0 and 100"),
        ({"max_concurrent_transforms": -1}, "max_concurrent_transforms must be at least 0"),
        (
            {"max_payload_in_mb": 20, "max_concurrent_transforms": 6},
            "max_payload_in_mb x max_concurrent_transforms.*100 MB",
        ),
        ({"invocations_timeout": Duration.seconds(0)}, "invocations_timeout must be between 1 and 3600 seconds"),
        ({"invocations_timeout": Duration.seconds(3601)}, "invocations_timeout must be between 1 and 3600 seconds"),
        ({"invocations_max_retries": 4}, "invocations_max_retries must be between 0 and 3"),
        ({"invocations_max_retries": -1}, "invocations_max_retries must be between 0 and 3"),
        ({"input_filter": "$" + "a" * 63}, "input_filter must be a string of 1-63"),
        ({"output_filter": ""}, "output_filter must be a string of 1-63"),
        ({"environment": {f"VAR_{i}": "x" for i in range(17)}}, "environment has 17 entries.*at most 16"),
        ({"environment": {"1BAD": "x"}}, "environment has an invalid variable name '1BAD'"),
        ({"environment": {"GOOD": 5}}, r"environment\['GOOD'\] must be a string.*str\(\)"),
        ({"environment": {"GOOD": "x" * 10241}}, r"environment\['GOOD'\] is longer than 10240"),
        ({"environment": ["A=1"]}, "environment must be a dict"),
        ({"job_name_prefix": "bad_prefix"}, "job_name_prefix must be 1-52 letters"),
        ({"job_name_prefix": "j" * 53}, "job_name_prefix"),
    ],
)
def test_transform_props_refused(overrides: dict[str, Any], match: str) -> None:
    assert_refused(build_transform(**overrides), match)


def test_wait_timeout_limit_ignored_when_not_waiting_and_boundaries_accepted() -> None:
    job = build_transform(wait_for_completion=False, wait_timeout=Duration.hours(15))
    assert job.transform_job_name
    edge = build_transform(
        wait_timeout=Duration.hours(12),
        max_payload_in_mb=100,
        max_concurrent_transforms=1,
        invocations_timeout=Duration.hours(1),
        invocations_max_retries=0,
        environment={f"V{i}": "x" for i in range(16)},
        job_name_prefix="p" * naming.MAX_PREFIX_LENGTH,
    )
    assert edge.job_name_prefix == "p" * 52


def test_tokens_pass_validation_unchanged() -> None:
    stack = new_stack("TokenValidationStack")
    text = {
        name: CfnParameter(stack, name).value_as_string
        for name in (
            "Job",
            "Candidate",
            "Uri",
            "Prefix",
            "Unit",
            "SourceRole",
            "Keys",
            "InstanceType",
            "ContentType",
            "SplitType",
            "Accept",
            "AssembleWith",
            "DataType",
            "Compression",
            "Strategy",
            "Join",
            "Filter",
            "EnvValue",
        )
    }
    number = {
        name: CfnParameter(stack, name, type="Number").value_as_number
        for name in (
            "Count",
            "Payload",
            "Concurrent",
            "Retries",
            "Wait",
            "InvocationTimeout",
        )
    }
    model = AutopilotModel(
        stack,
        "Model",
        automl_job_name=text["Job"],
        candidate_name=text["Candidate"],
        automl_output_s3_uri=text["Uri"],
        model_name_prefix=text["Prefix"],
        processing_unit=text["Unit"],
        source_role_arn=text["SourceRole"],
        inference_response_keys=text["Keys"],
    )
    job = AutopilotBatchTransform(
        stack,
        "Transform",
        model=model,
        input_s3_uri=text["Uri"],
        output_s3_uri=text["Uri"],
        instance_type=text["InstanceType"],
        instance_count=number["Count"],
        content_type=text["ContentType"],
        split_type=text["SplitType"],
        accept=text["Accept"],
        assemble_with=text["AssembleWith"],
        input_data_type=text["DataType"],
        compression_type=text["Compression"],
        batch_strategy=text["Strategy"],
        join_source=text["Join"],
        input_filter=text["Filter"],
        max_payload_in_mb=number["Payload"],
        max_concurrent_transforms=number["Concurrent"],
        invocations_max_retries=number["Retries"],
        wait_timeout=Duration.seconds(number["Wait"]),
        invocations_timeout=Duration.seconds(number["InvocationTimeout"]),
        environment={"VALUE": text["EnvValue"]},
        job_name_prefix=text["Prefix"],
    )
    list_keys = AutopilotModel(
        stack,
        "ListKeys",
        automl_job_name=JOB,
        automl_output_s3_uri=OUTPUT_URI,
        inference_response_keys=CfnParameter(stack, "KeyList", type="CommaDelimitedList").value_as_list,
    )
    template = template_json(stack)
    model_props = custom_resource(template, stack, model)["Properties"]
    assert model_props["AutoMLJobName"] == {"Ref": "Job"}
    assert model_props["CandidateName"] == {"Ref": "Candidate"}
    assert model_props["ArtifactS3Uri"] == {"Ref": "Uri"}
    assert model_props["ModelNamePrefix"] == {"Ref": "Prefix"}
    assert model_props["ProcessingUnit"] == {"Ref": "Unit"}
    assert model_props["SourceRoleArn"] == {"Ref": "SourceRole"}
    assert model_props["InferenceResponseKeys"] == [{"Ref": "Keys"}]
    assert custom_resource(template, stack, list_keys)["Properties"]["InferenceResponseKeys"] == {"Ref": "KeyList"}
    job_props = custom_resource(template, stack, job)["Properties"]
    assert job_props["TransformInput"] == {
        "DataSource": {"S3DataSource": {"S3DataType": {"Ref": "DataType"}, "S3Uri": {"Ref": "Uri"}}},
        "ContentType": {"Ref": "ContentType"},
        "SplitType": {"Ref": "SplitType"},
        "CompressionType": {"Ref": "Compression"},
    }
    assert job_props["TransformResources"] == {
        "InstanceType": {"Ref": "InstanceType"},
        "InstanceCount": {"Ref": "Count"},
    }
    assert job_props["MaxPayloadInMB"] == {"Ref": "Payload"}
    assert job_props["MaxConcurrentTransforms"] == {"Ref": "Concurrent"}
    assert job_props["ModelClientConfig"] == {
        "InvocationsTimeoutInSeconds": {"Ref": "InvocationTimeout"},
        "InvocationsMaxRetries": {"Ref": "Retries"},
    }
    assert job_props["WaitTimeoutSeconds"] == {"Ref": "Wait"}
    assert job_props["Environment"] == {"VALUE": {"Ref": "EnvValue"}}
    assert job_props["TransformJobNamePrefix"] == {"Ref": "Prefix"}


def test_token_duration_in_other_unit_is_refused() -> None:
    stack = new_stack("TokenDurationStack")
    minutes = CfnParameter(stack, "Minutes", type="Number").value_as_number
    model = AutopilotModel(stack, "Model", **MODEL_BASE)
    transform = AutopilotBatchTransform(
        stack,
        "Transform",
        model=model,
        input_s3_uri=INPUT_URI,
        output_s3_uri=RESULT_URI,
        wait_timeout=Duration.minutes(minutes),
    )
    assert_refused(transform, "wait_timeout comes from a token.*Duration.seconds")


def test_given_role_makes_automl_output_uri_optional() -> None:
    stack = new_stack("RoleStack")
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::111122223333:role/Given")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, role=role)
    assert model.role is role


# -- the pure helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uri", ["s3://bucket", "s3://bucket/", "s3://my.bucket-1/a/b/c.csv", "s3://" + "b" * 63 + "/x"]
)
def test_s3_uri_accepts(uri: str) -> None:
    assert validation.s3_uri(uri, "uri") is None


@pytest.mark.parametrize(
    "uri", ["s3:/bucket/x", "S3://bucket/x", "s3://" + "b" * 64 + "/x", "s3://bucket-/x", "s3://a.-b/x", 5]
)
def test_s3_uri_refuses(uri: Any) -> None:
    found = validation.s3_uri(uri, "uri")  # a check returns its finding, it does not raise
    assert found is not None and found.is_error and found.message.startswith("uri ")


@pytest.mark.parametrize(
    "instance_type",
    ["ml.m5.xlarge", "ml.g4dn.12xlarge", "ml.p4d.24xlarge", "ml.inf2.xlarge", "ml.trn1n.32xlarge", "ml.c7i.large"],
)
def test_instance_types_accepted(instance_type: str) -> None:
    assert validation.instance_type(instance_type) is None


@pytest.mark.parametrize("keys", [None, [], ""])
def test_no_keys_is_an_empty_list(keys: Any) -> None:
    assert validation.inference_response_keys(keys) == ([], None)


def test_processing_unit_is_upper_cased() -> None:
    assert validation.processing_unit("gpu") is None
    assert validation.processing_unit_value("gpu") == "GPU"
    assert validation.processing_unit_value("CPU") == "CPU"


def test_job_name_limits() -> None:
    assert validation.automl_job_name("a" * 32) is None
    assert validation.automl_job_name("a-b--c") is None
    found = validation.automl_job_name("a-")
    assert found is not None and "automl_job_name" in found.message


def test_split_s3_uri() -> None:
    from autopilot_inference._private.s3_uris import split_s3_uri

    assert split_s3_uri("s3://bucket/a/b") == ("bucket", "a/b")
    assert split_s3_uri("s3://bucket") == ("bucket", "")
