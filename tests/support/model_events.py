"""The Custom::AutopilotModel handler tests' request: base properties, the containers it must create, events, stubs.

Shared by ``tests/runtime/test_handler_model.py``, ``test_model_checks_once.py`` and
``test_serverless_candidates.py``; each Stubber'd response is checked against botocore's model.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import ANY

from autopilot_inference._lambda.autopilot_runtime import contract, naming
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from autopilot_inference._lambda.autopilot_runtime.properties import configuration
from support.handler import REGION, ROLE_ARN, STACK_ID, StubbedAws, cfn_event, response, with_changes

JOB = "churn-hpo-2026-11"
BEST = "churn-hpo-2026-11sNxh-009-5b1d6ed4"
LOGICAL_ID = "ChurnModel"
PREFIX = "ChurnStack-ChurnModel"

PROPS: dict[str, Any] = {
    "AutoMLJobName": JOB,
    "ExecutionRoleArn": ROLE_ARN,
    "ModelNamePrefix": PREFIX,
    "InferenceResponseKeys": ["predicted_label", "probability"],
    "Tags": [{"Key": "team", "Value": "ml"}],
}

# The seed's HPO classification case with predicted_label,probability: the algorithm
# container outputs both keys, the inverse label transform takes them in and passes them on.
EXPECTED_CONTAINERS = [
    {
        "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-sklearn-automl:2.5-1-cpu-py3",
        "ModelDataUrl": "s3://example-ml-artifacts-111122223333/autopilot/churn-hpo-2026-11/data-processor-models/churn-hpo-2026-11-dpp0-1-7f1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/output/model.tar.gz",
        "Environment": {
            "AUTOML_SPARSE_ENCODE_RECORDIO_PROTOBUF": "1",
            "AUTOML_TRANSFORM_MODE": "feature-transform",
            "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/x-recordio-protobuf",
            "SAGEMAKER_PROGRAM": "sagemaker_serve",
            "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
        },
    },
    {
        "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.3-1-cpu-py3",
        "ModelDataUrl": "s3://example-ml-artifacts-111122223333/autopilot/churn-hpo-2026-11/tuning/churn-hpo-dpp0-xgb/churn-hpo-2026-11sNxh-009-5b1d6ed4/output/model.tar.gz",
        "Environment": {
            "MAX_CONTENT_LENGTH": "20971520",
            "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv",
            "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,probability",
            "SAGEMAKER_INFERENCE_SUPPORTED": "predicted_label,probability,probabilities",
        },
    },
    {
        "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-sklearn-automl:2.5-1-cpu-py3",
        "ModelDataUrl": "s3://example-ml-artifacts-111122223333/autopilot/churn-hpo-2026-11/data-processor-models/churn-hpo-2026-11-dpp0-1-7f1b2c3d4e5f4a6b8c9d0e1f2a3b4c5d/output/model.tar.gz",
        "Environment": {
            "AUTOML_TRANSFORM_MODE": "inverse-label-transform",
            "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv",
            "SAGEMAKER_INFERENCE_INPUT": "predicted_label,probability",
            "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,probability",
            "SAGEMAKER_INFERENCE_SUPPORTED": "predicted_label,probability,labels,probabilities",
            "SAGEMAKER_PROGRAM": "sagemaker_serve",
            "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
        },
    },
]



def props(**changes: Any) -> dict[str, Any]:
    """The base properties with ``changes``; a value of ``None`` removes the property."""
    return with_changes(PROPS, **changes)


def name_for(properties: dict[str, Any]) -> str:
    """The model name the handler must compute for ``properties`` (ServiceToken included, as delivered)."""
    delivered = {"ServiceToken": "ignored", **properties}
    return naming.model_name(properties["ModelNamePrefix"], STACK_ID, LOGICAL_ID, configuration(delivered))


def model_arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:111122223333:model/{name.lower()}"


def job_response(fixture: str = "describe_auto_ml_job_hpo_classification.json", **changes: Any) -> dict[str, Any]:
    job = response(fixture)
    for key, value in changes.items():
        if value is None:
            job.pop(key, None)
        else:
            job[key] = value
    return job


def stub_describe(aws: StubbedAws, job: dict[str, Any] | None = None, *, name: str = JOB) -> None:
    aws.sagemaker_stub.add_response(
        "describe_auto_ml_job", job if job is not None else job_response(), {"AutoMLJobName": name}
    )


# The facts tag of the HPO job's best candidate (tests/fixtures/describe_auto_ml_job_hpo_classification.json).
BEST_FACTS = (
    f"candidate={BEST} metric=validation:f1 value=0.8771929740905762 problem=BinaryClassification "
    "mode=HYPERPARAMETER_TUNING"
)


def stub_create(
    aws: StubbedAws, name: str, containers: list[dict[str, Any]], *, facts: Any = BEST_FACTS, **extra: Any
) -> None:
    """``CreateModel`` of ``name``: the resource's tag, then the facts tag (``ANY``: another job's facts)."""
    tags = ANY if facts is ANY else [{"Key": "team", "Value": "ml"}, {"Key": "autopilot-inference:facts", "Value": facts}]
    expected = {
        "ModelName": name,
        "Containers": containers,
        "ExecutionRoleArn": ROLE_ARN,
        "EnableNetworkIsolation": False,
        "Tags": tags,
        **extra,
    }
    aws.sagemaker_stub.add_response("create_model", {"ModelArn": model_arn(name)}, expected)


def create_event(properties: dict[str, Any] | None = None) -> dict[str, Any]:
    return cfn_event("Create", contract.MODEL_RESOURCE_TYPE, properties or props(), logical_id=LOGICAL_ID)


def update_event(new: dict[str, Any], old: dict[str, Any], physical_id: str) -> dict[str, Any]:
    return cfn_event(
        "Update", contract.MODEL_RESOURCE_TYPE, new, old_properties=old, physical_id=physical_id, logical_id=LOGICAL_ID
    )


def delete_event(physical_id: str) -> dict[str, Any]:
    return cfn_event("Delete", contract.MODEL_RESOURCE_TYPE, props(), physical_id=physical_id, logical_id=LOGICAL_ID)


def failure(aws: StubbedAws, event: dict[str, Any]) -> str:
    """The message of the AutopilotDeploymentError that ``event`` raises; nothing may have been created."""
    with pytest.raises(AutopilotDeploymentError) as raised:
        aws.handle(event)
    assert "CreateModel" not in aws.calls
    return str(raised.value)
