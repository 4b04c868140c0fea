"""AutopilotEndpoint and AutopilotModel.add_endpoint: native EndpointConfig + Endpoint."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template
from support.annotations import assert_refused
from support.stacks import (
    JOB,
    OUTPUT_URI,
    allows,
    custom_resource_id,
    inline_policy,
    logical_id,
    new_stack,
    resources,
    template_json,
)

from autopilot_inference import AutopilotEndpoint, AutopilotModel, EndpointDataCapture


@pytest.fixture(scope="module")
def built() -> SimpleNamespace:
    stack = new_stack("EndpointStack")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    volume_key = kms.Key(stack, "VolumeKey")
    capture_key = kms.Key(stack, "CaptureKey")
    default = model.add_endpoint("Endpoint")
    full = AutopilotEndpoint(
        stack,
        "Full",
        model=model,
        instance_type="ml.c5.xlarge",
        initial_instance_count=2,
        kms_key=volume_key,
        data_capture=EndpointDataCapture(
            destination_s3_uri="s3://capture-bucket/endpoint",
            sampling_percentage=25,
            capture_output=False,
            kms_key=capture_key,
        ),
        endpoint_name="churn-endpoint",
        variant_name="Primary",
    )
    invoker = iam.Role(stack, "Invoker", assumed_by=iam.AccountRootPrincipal())
    full.grant_invoke(invoker)
    return SimpleNamespace(
        stack=stack,
        template=template_json(stack),
        model=model,
        default=default,
        full=full,
        volume_key=volume_key,
        capture_key=capture_key,
        invoker=invoker,
    )


def test_add_endpoint_defaults(built: SimpleNamespace) -> None:
    assert isinstance(built.default, AutopilotEndpoint)
    assert built.default.node.scope is built.model
    config = built.template["Resources"][logical_id(built.stack, built.default.endpoint_config)]
    model_id = custom_resource_id(built.stack, built.model)
    assert config["Properties"] == {
        "ProductionVariants": [
            {
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1,
                "InstanceType": "ml.m5.large",
                "ModelName": {"Fn::GetAtt": [model_id, "ModelName"]},
                "VariantName": "AllTraffic",
            }
        ]
    }
    endpoint = built.template["Resources"][logical_id(built.stack, built.default.endpoint)]
    assert endpoint["Properties"] == {
        "EndpointConfigName": {
            "Fn::GetAtt": [logical_id(built.stack, built.default.endpoint_config), "EndpointConfigName"]
        }
    }


def test_every_prop(built: SimpleNamespace) -> None:
    config = built.template["Resources"][logical_id(built.stack, built.full.endpoint_config)]["Properties"]
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.c5.xlarge"
    assert config["ProductionVariants"][0]["InitialInstanceCount"] == 2
    assert config["ProductionVariants"][0]["VariantName"] == "Primary"
    assert config["KmsKeyId"] == {"Fn::GetAtt": [logical_id(built.stack, built.volume_key), "Arn"]}
    assert config["DataCaptureConfig"] == {
        "CaptureOptions": [{"CaptureMode": "Input"}],
        "DestinationS3Uri": "s3://capture-bucket/endpoint",
        "EnableCapture": True,
        "InitialSamplingPercentage": 25,
        "KmsKeyId": {"Fn::GetAtt": [logical_id(built.stack, built.capture_key), "Arn"]},
    }
    endpoint = built.template["Resources"][logical_id(built.stack, built.full.endpoint)]["Properties"]
    assert endpoint["EndpointName"] == "churn-endpoint"


def test_attributes(built: SimpleNamespace) -> None:
    endpoint_id = logical_id(built.stack, built.full.endpoint)
    assert built.stack.resolve(built.full.endpoint_name) == {"Fn::GetAtt": [endpoint_id, "EndpointName"]}
    assert built.stack.resolve(built.full.endpoint_arn) == {"Ref": endpoint_id}
    assert built.full.variant_name == "Primary"
    assert built.full.model is built.model


def test_data_capture_grants_write_to_model_role_and_endpoint_waits_for_it(built: SimpleNamespace) -> None:
    document = inline_policy(built.template, logical_id(built.stack, built.model.role))
    for action in ("s3:PutObject", "s3:AbortMultipartUpload"):
        assert allows(document, action, "arn:aws:s3:::capture-bucket/endpoint/*")
    key_arn = "${" + logical_id(built.stack, built.capture_key) + ".Arn}"
    for action in ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]:
        assert allows(document, action, key_arn)
    endpoint = built.template["Resources"][logical_id(built.stack, built.full.endpoint)]
    assert endpoint["DependsOn"] == [logical_id(built.stack, built.model.role)]
    assert "DependsOn" not in built.template["Resources"][logical_id(built.stack, built.default.endpoint)]


def test_grant_invoke(built: SimpleNamespace) -> None:
    Template.from_json(built.template).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sagemaker:InvokeEndpoint",
                        "Effect": "Allow",
                        "Resource": {"Ref": logical_id(built.stack, built.full.endpoint)},
                    }
                ]
            },
            "Roles": [{"Ref": logical_id(built.stack, built.invoker)}],
        },
    )
    assert len(resources(built.template, "AWS::SageMaker::Endpoint")) == 2
    assert len(resources(built.template, "AWS::SageMaker::EndpointConfig")) == 2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"instance_type": "m5.large"}, "instance_type"),
        ({"initial_instance_count": 0}, "initial_instance_count must be at least 1"),
        ({"endpoint_name": "bad_name"}, "endpoint_name"),
        ({"endpoint_name": "x" * 64}, "endpoint_name"),
        ({"variant_name": "has space"}, "variant_name"),
        ({"data_capture": EndpointDataCapture(destination_s3_uri="https://x")}, "data_capture.destination_s3_uri"),
        (
            {"data_capture": EndpointDataCapture(destination_s3_uri="s3://bucket-a/x", sampling_percentage=101)},
            "data_capture.sampling_percentage",
        ),
        (
            {
                "data_capture": EndpointDataCapture(
                    destination_s3_uri="s3://bucket-a/x", capture_input=False, capture_output=False
                )
            },
            "capture_input or capture_output",
        ),
        ({"data_capture": {"destination_s3_uri": "s3://bucket-a/x"}}, "data_capture must be an EndpointDataCapture"),
    ],
)
def test_invalid_endpoint_props_fail_naming_the_prop(kwargs: dict, match: str) -> None:
    stack = new_stack("BadEndpointStack")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    assert_refused(model.add_endpoint("Endpoint", **kwargs), match)


def test_endpoint_needs_an_autopilot_model() -> None:
    stack = new_stack("BadEndpointStack")
    endpoint = AutopilotEndpoint(stack, "Endpoint", model="my-model")  # type: ignore[arg-type]
    assert_refused(endpoint, "model must be an AutopilotModel")
