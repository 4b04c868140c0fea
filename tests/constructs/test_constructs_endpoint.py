"""AutopilotEndpoint and AutopilotModel.add_endpoint: native EndpointConfig + Endpoint."""

from __future__ import annotations

import pytest
from aws_cdk import Stack
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

# Each test builds the stack it checks; these helpers only spell out a case the test names.


def new_model(stack: Stack) -> AutopilotModel:
    return AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)


def endpoint_keys(stack: Stack) -> tuple[kms.Key, kms.Key]:
    """The full endpoint's volume key and data capture key."""
    return kms.Key(stack, "VolumeKey"), kms.Key(stack, "CaptureKey")


def full_endpoint(stack: Stack, model: AutopilotModel, volume_key: kms.IKey, capture_key: kms.IKey) -> AutopilotEndpoint:
    """An endpoint given every prop (``volume_key`` for its volumes, ``capture_key`` for captured data)."""
    return AutopilotEndpoint(
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


def test_add_endpoint_defaults() -> None:
    stack = new_stack("EndpointStack")
    model = new_model(stack)
    default = model.add_endpoint("Endpoint")
    template = template_json(stack)
    assert isinstance(default, AutopilotEndpoint)
    assert default.node.scope is model
    config = template["Resources"][logical_id(stack, default.endpoint_config)]
    model_id = custom_resource_id(stack, model)
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
    endpoint = template["Resources"][logical_id(stack, default.endpoint)]
    assert endpoint["Properties"] == {
        "EndpointConfigName": {"Fn::GetAtt": [logical_id(stack, default.endpoint_config), "EndpointConfigName"]}
    }


def test_every_prop() -> None:
    stack = new_stack("EndpointStack")
    volume_key, capture_key = endpoint_keys(stack)
    full = full_endpoint(stack, new_model(stack), volume_key, capture_key)
    template = template_json(stack)
    config = template["Resources"][logical_id(stack, full.endpoint_config)]["Properties"]
    assert config["ProductionVariants"][0]["InstanceType"] == "ml.c5.xlarge"
    assert config["ProductionVariants"][0]["InitialInstanceCount"] == 2
    assert config["ProductionVariants"][0]["VariantName"] == "Primary"
    assert config["KmsKeyId"] == {"Fn::GetAtt": [logical_id(stack, volume_key), "Arn"]}
    assert config["DataCaptureConfig"] == {
        "CaptureOptions": [{"CaptureMode": "Input"}],
        "DestinationS3Uri": "s3://capture-bucket/endpoint",
        "EnableCapture": True,
        "InitialSamplingPercentage": 25,
        "KmsKeyId": {"Fn::GetAtt": [logical_id(stack, capture_key), "Arn"]},
    }
    endpoint = template["Resources"][logical_id(stack, full.endpoint)]["Properties"]
    assert endpoint["EndpointName"] == "churn-endpoint"


def test_attributes() -> None:
    stack = new_stack("EndpointStack")
    model = new_model(stack)
    full = full_endpoint(stack, model, *endpoint_keys(stack))
    endpoint_id = logical_id(stack, full.endpoint)
    assert stack.resolve(full.endpoint_name) == {"Fn::GetAtt": [endpoint_id, "EndpointName"]}
    assert stack.resolve(full.endpoint_arn) == {"Ref": endpoint_id}
    assert full.variant_name == "Primary"
    assert full.model is model


def test_data_capture_grants_write_to_model_role_and_endpoint_waits_for_it() -> None:
    stack = new_stack("EndpointStack")
    model = new_model(stack)
    volume_key, capture_key = endpoint_keys(stack)
    default = model.add_endpoint("Endpoint")  # no data capture
    full = full_endpoint(stack, model, volume_key, capture_key)
    template = template_json(stack)
    document = inline_policy(template, logical_id(stack, model.role))
    for action in ("s3:PutObject", "s3:AbortMultipartUpload"):
        assert allows(document, action, "arn:aws:s3:::capture-bucket/endpoint/*")
    key_arn = "${" + logical_id(stack, capture_key) + ".Arn}"
    for action in ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]:
        assert allows(document, action, key_arn)
    endpoint = template["Resources"][logical_id(stack, full.endpoint)]
    assert endpoint["DependsOn"] == [logical_id(stack, model.role)]
    assert "DependsOn" not in template["Resources"][logical_id(stack, default.endpoint)]


def test_grant_invoke() -> None:
    stack = new_stack("EndpointStack")
    full = full_endpoint(stack, new_model(stack), *endpoint_keys(stack))
    invoker = iam.Role(stack, "Invoker", assumed_by=iam.AccountRootPrincipal())
    full.grant_invoke(invoker)
    template = template_json(stack)
    Template.from_json(template).has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sagemaker:InvokeEndpoint",
                        "Effect": "Allow",
                        "Resource": {"Ref": logical_id(stack, full.endpoint)},
                    }
                ]
            },
            "Roles": [{"Ref": logical_id(stack, invoker)}],
        },
    )
    # The grant adds no endpoint: the stack's one endpoint and its one config.
    assert len(resources(template, "AWS::SageMaker::Endpoint")) == 1
    assert len(resources(template, "AWS::SageMaker::EndpointConfig")) == 1


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
