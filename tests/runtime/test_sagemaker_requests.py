"""Request building: CloudFormation's strings typed by botocore's input shapes, checked by botocore's validator."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.validate import validate_parameters

from autopilot_inference._lambda.autopilot_runtime.properties import (
    ModelProperties,
    PropertyError,
    TransformJobProperties,
)
from autopilot_inference._lambda.autopilot_runtime.sagemaker_requests import (
    coerce,
    create_model_request,
    create_transform_job_request,
)

SERVICE = botocore.session.get_session().get_service_model("sagemaker")


def shape(operation: str) -> Any:
    return SERVICE.operation_model(operation).input_shape


TRANSFORM = shape("CreateTransformJob")
ROLE = "arn:aws:iam::111122223333:role/ModelRole"


def transform_properties(**extra: Any) -> dict[str, Any]:
    return {
        "ModelName": "m-0123456789",
        "TransformJobNamePrefix": "scoring",
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in/"}}},
        "TransformOutput": {"S3OutputPath": "s3://b/out/"},
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": "1"},
        **extra,
    }


def test_transform_request_with_every_option_is_typed() -> None:
    raw = transform_properties(
        TransformInput={
            "DataSource": {"S3DataSource": {"S3DataType": "AugmentedManifestFile", "S3Uri": "s3://b/in.manifest"}},
            "ContentType": "application/jsonlines",
            "CompressionType": "Gzip",
            "SplitType": "Line",
        },
        TransformOutput={"S3OutputPath": "s3://b/out/", "Accept": "application/jsonlines", "AssembleWith": "Line", "KmsKeyId": "alias/out"},
        TransformResources={"InstanceType": "ml.c5.2xlarge", "InstanceCount": "3", "VolumeKmsKeyId": "alias/volume"},
        BatchStrategy="SingleRecord",
        MaxPayloadInMB="0",
        MaxConcurrentTransforms="8",
        ModelClientConfig={"InvocationsTimeoutInSeconds": "3600", "InvocationsMaxRetries": "0"},
        DataProcessing={"InputFilter": "$.features", "OutputFilter": "$['id','SageMakerOutput']", "JoinSource": "Input"},
        Environment={"THREADS": "4", "MODE": "fast"},
        Tags=[{"Key": "team", "Value": "ml"}],
        WaitForCompletion="false",
        WaitTimeoutSeconds="600",
    )
    request = create_transform_job_request("scoring-0123456789", TransformJobProperties.parse(raw), TRANSFORM)

    assert request == {
        "TransformJobName": "scoring-0123456789",
        "ModelName": "m-0123456789",
        "TransformInput": raw["TransformInput"],
        "TransformOutput": raw["TransformOutput"],
        "TransformResources": {"InstanceType": "ml.c5.2xlarge", "InstanceCount": 3, "VolumeKmsKeyId": "alias/volume"},
        "BatchStrategy": "SingleRecord",
        "MaxPayloadInMB": 0,
        "MaxConcurrentTransforms": 8,
        "ModelClientConfig": {"InvocationsTimeoutInSeconds": 3600, "InvocationsMaxRetries": 0},
        "DataProcessing": raw["DataProcessing"],
        "Environment": {"THREADS": "4", "MODE": "fast"},  # a map of strings stays strings
        "Tags": [{"Key": "team", "Value": "ml"}],
    }
    validate_parameters(request, TRANSFORM)  # raises on any type botocore would refuse


def test_wait_properties_and_the_prefix_never_reach_the_request() -> None:
    request = create_transform_job_request(
        "j-0123456789",
        TransformJobProperties.parse(transform_properties(WaitForCompletion="true", WaitTimeoutSeconds="60")),
        TRANSFORM,
    )
    assert set(request) == {"TransformJobName", "ModelName", "TransformInput", "TransformOutput", "TransformResources"}
    validate_parameters(request, TRANSFORM)


def test_empty_optional_values_are_dropped_and_required_ones_kept() -> None:
    value = {"S3OutputPath": "", "Accept": "", "KmsKeyId": None, "AssembleWith": "Line"}
    assert coerce(value, TRANSFORM.members["TransformOutput"], "TransformOutput") == {
        "S3OutputPath": "",  # required: left for the API to refuse with its own message
        "AssembleWith": "Line",
    }


def test_booleans_from_strings() -> None:
    model_shape = shape("CreateModel")
    for text, expected in (("true", True), ("false", False), ("True", True), (True, True)):
        assert coerce({"ModelName": "m", "EnableNetworkIsolation": text}, model_shape, "CreateModel") == {
            "ModelName": "m",
            "EnableNetworkIsolation": expected,
        }
    with pytest.raises(PropertyError, match="EnableNetworkIsolation must be true or false"):
        coerce({"EnableNetworkIsolation": "maybe"}, model_shape, "CreateModel")


def test_floats_in_lists_of_structures() -> None:
    variants = shape("CreateEndpointConfig").members["ProductionVariants"]
    value = [{"VariantName": "a", "ModelName": "m", "InitialVariantWeight": "0.25", "InitialInstanceCount": "2"}]
    assert coerce(value, variants, "ProductionVariants") == [
        {"VariantName": "a", "ModelName": "m", "InitialVariantWeight": 0.25, "InitialInstanceCount": 2}
    ]


def test_numbers_given_for_strings_become_strings() -> None:
    environment = TRANSFORM.members["Environment"]
    assert coerce({"N": 4, "F": True}, environment, "Environment") == {"N": "4", "F": "true"}


def test_unknown_members_are_left_for_botocore_to_report() -> None:
    result = coerce({"InstanceType": "ml.m5.large", "InstanceCount": "1", "Typo": "1"}, TRANSFORM.members["TransformResources"], "TransformResources")
    assert result["Typo"] == "1" and result["InstanceCount"] == 1


@pytest.mark.parametrize(
    ("value", "member", "message"),
    [
        ({"InstanceType": "ml.m5.large", "InstanceCount": "two"}, "TransformResources", "TransformResources.InstanceCount must be a whole number"),
        ({"InstanceType": "ml.m5.large", "InstanceCount": "1.5"}, "TransformResources", "TransformResources.InstanceCount must be a whole number"),
        ({"InstanceType": "ml.m5.large", "InstanceCount": True}, "TransformResources", "TransformResources.InstanceCount must be a whole number"),
        ("ml.m5.large", "TransformResources", "TransformResources must be an object"),
        ("A=1", "Environment", "Environment must be an object"),
        ({"InvocationsTimeoutInSeconds": "ten"}, "ModelClientConfig", "ModelClientConfig.InvocationsTimeoutInSeconds"),
    ],
)
def test_values_of_the_wrong_type_name_the_property(value: Any, member: str, message: str) -> None:
    with pytest.raises(PropertyError, match=message.replace(".", r"\.")):
        coerce(value, TRANSFORM.members[member], member)


def test_lists_must_be_lists() -> None:
    vpc_config = shape("CreateModel").members["VpcConfig"]
    with pytest.raises(PropertyError, match=r"VpcConfig\.Subnets must be a list"):
        coerce({"SecurityGroupIds": ["sg-1"], "Subnets": "subnet-1"}, vpc_config, "VpcConfig")


def test_create_model_request_with_every_option() -> None:
    properties = ModelProperties.parse(
        {
            "AutoMLJobName": "job",
            "ExecutionRoleArn": ROLE,
            "ModelNamePrefix": "p",
            "VpcConfig": {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-01", "subnet-02"]},
            "EnableNetworkIsolation": "true",
            "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}],
        }
    )
    containers = [{"Image": "img", "ModelDataUrl": "s3://b/m.tar.gz", "Environment": {"A": "1"}}]
    request = create_model_request("p-0123456789", containers, properties)
    assert request == {
        "ModelName": "p-0123456789",
        "Containers": containers,
        "ExecutionRoleArn": ROLE,
        "EnableNetworkIsolation": True,
        "VpcConfig": {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-01", "subnet-02"]},
        "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": ""}],
    }
    assert request["Containers"][0] is not containers[0]
    validate_parameters(request, shape("CreateModel"))


def test_create_model_request_minimal() -> None:
    properties = ModelProperties.parse({"AutoMLJobName": "job", "ExecutionRoleArn": ROLE, "ModelNamePrefix": "p"})
    request = create_model_request("p-0123456789", [{"Image": "img"}], properties)
    assert request == {
        "ModelName": "p-0123456789",
        "Containers": [{"Image": "img"}],
        "ExecutionRoleArn": ROLE,
        "EnableNetworkIsolation": False,
    }
    validate_parameters(request, shape("CreateModel"))
