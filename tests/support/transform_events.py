"""The Custom::AutopilotTransformJob handler tests' request: base properties, the CreateTransformJob fields, events, stubs.

Shared by ``tests/runtime/test_handler_transform.py`` and ``test_handler_media_types.py``; each
Stubber'd request is checked against botocore's model.
"""

from __future__ import annotations

from typing import Any

from autopilot_inference._lambda.autopilot_runtime import contract, naming
from autopilot_inference._lambda.autopilot_runtime.properties import configuration
from support.handler import REGION, STACK_ID, StubbedAws, cfn_event, response, with_changes

LOGICAL_ID = "Scoring"
PREFIX = "ChurnStack-Scoring"
REQUEST_ID = "0f0c3a55-7d0e-4f5b-a1a4-6b0f6f2f9e01"
MODEL = "ChurnStack-ChurnModel-8e1d4c2a9f"
KMS_KEY = f"arn:aws:kms:{REGION}:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

PROPS: dict[str, Any] = {
    "ModelName": MODEL,
    "TransformJobNamePrefix": PREFIX,
    "TransformInput": {
        "DataSource": {
            "S3DataSource": {"S3DataType": "ManifestFile", "S3Uri": "s3://example-ml-data-111122223333/churn/score.manifest"}
        },
        "ContentType": "text/csv",
        "CompressionType": "Gzip",
        "SplitType": "Line",
    },
    "TransformOutput": {
        "S3OutputPath": "s3://example-ml-artifacts-111122223333/churn/predictions/",
        "Accept": "text/csv",
        "AssembleWith": "Line",
        "KmsKeyId": KMS_KEY,
    },
    "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": "2", "VolumeKmsKeyId": KMS_KEY},
    "BatchStrategy": "MultiRecord",
    "MaxPayloadInMB": "6",
    "MaxConcurrentTransforms": "4",
    "ModelClientConfig": {"InvocationsTimeoutInSeconds": "600", "InvocationsMaxRetries": "2"},
    "DataProcessing": {"InputFilter": "$[1:]", "OutputFilter": "$[0,-1]", "JoinSource": "Input"},
    "Environment": {"LOG_LEVEL": "info", "BATCH_SIZE": "100"},
    "WaitForCompletion": "true",
    "WaitTimeoutSeconds": "3300",
    "Tags": [{"Key": "team", "Value": "ml"}],
}

# What CreateTransformJob must receive for PROPS: numbers as numbers, strings untouched.
EXPECTED_REQUEST_FIELDS: dict[str, Any] = {
    "ModelName": MODEL,
    "TransformInput": PROPS["TransformInput"],
    "TransformOutput": PROPS["TransformOutput"],
    "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 2, "VolumeKmsKeyId": KMS_KEY},
    "BatchStrategy": "MultiRecord",
    "MaxPayloadInMB": 6,
    "MaxConcurrentTransforms": 4,
    "ModelClientConfig": {"InvocationsTimeoutInSeconds": 600, "InvocationsMaxRetries": 2},
    "DataProcessing": {"InputFilter": "$[1:]", "OutputFilter": "$[0,-1]", "JoinSource": "Input"},
    "Environment": {"LOG_LEVEL": "info", "BATCH_SIZE": "100"},
    "Tags": [{"Key": "team", "Value": "ml"}],
}


def props(**changes: Any) -> dict[str, Any]:
    """The base properties with ``changes``; a value of ``None`` removes the property."""
    return with_changes(PROPS, **changes)


def name_for(properties: dict[str, Any], request_id: str = REQUEST_ID) -> str:
    delivered = {"ServiceToken": "ignored", **properties}
    return naming.transform_job_name(
        properties["TransformJobNamePrefix"],
        STACK_ID,
        LOGICAL_ID,
        configuration(delivered, exclude=contract.TRANSFORM_WAIT_PROPERTIES),
        request_id,
    )


def job_arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:111122223333:transform-job/{name.lower()}"


def described(name: str, status: str = "Completed", **changes: Any) -> dict[str, Any]:
    job = response("describe_transform_job_failed.json" if status == "Failed" else "describe_transform_job_completed.json")
    job.update(TransformJobName=name, TransformJobArn=job_arn(name), TransformJobStatus=status, **changes)
    if status not in ("Completed", "Failed"):
        job.pop("TransformEndTime", None)
    return job


def create_event(properties: dict[str, Any] | None = None, request_id: str = REQUEST_ID) -> dict[str, Any]:
    return cfn_event(
        "Create", contract.TRANSFORM_JOB_RESOURCE_TYPE, properties or props(), logical_id=LOGICAL_ID, request_id=request_id
    )


def update_event(new: dict[str, Any], old: dict[str, Any], physical_id: str, request_id: str) -> dict[str, Any]:
    return cfn_event(
        "Update",
        contract.TRANSFORM_JOB_RESOURCE_TYPE,
        new,
        old_properties=old,
        physical_id=physical_id,
        logical_id=LOGICAL_ID,
        request_id=request_id,
    )


def delete_event(physical_id: str) -> dict[str, Any]:
    return cfn_event("Delete", contract.TRANSFORM_JOB_RESOURCE_TYPE, props(), physical_id=physical_id, logical_id=LOGICAL_ID)


def stub_list(aws: StubbedAws, name: str, status: str | None = "InProgress", jobs: list[str] | None = None) -> None:
    """``ListTransformJobs`` of the jobs of ``name``'s resource (``jobs``; none by default)."""
    contains = naming.transform_job_names(PREFIX, STACK_ID, LOGICAL_ID, {}).of_resource
    params: dict[str, Any] = {"NameContains": contains, "SortBy": "CreationTime", "SortOrder": "Descending", "MaxResults": 100}
    if status:
        params["StatusEquals"] = status
    summaries = [
        {"TransformJobName": job, "TransformJobArn": job_arn(job), "CreationTime": response("describe_transform_job_completed.json")["CreationTime"], "TransformJobStatus": status or "Completed"}
        for job in jobs or []
    ]
    aws.sagemaker_stub.add_response("list_transform_jobs", {"TransformJobSummaries": summaries}, params)


def stub_create(aws: StubbedAws, name: str, fields: dict[str, Any] | None = None, *, sweep: bool = True) -> None:
    """``CreateTransformJob`` of ``name``; on a Create (``sweep``) after listing the resource's running jobs."""
    if sweep:
        stub_list(aws, name)
    aws.sagemaker_stub.add_response(
        "create_transform_job",
        {"TransformJobArn": job_arn(name)},
        {"TransformJobName": name, **(fields or EXPECTED_REQUEST_FIELDS)},
    )
