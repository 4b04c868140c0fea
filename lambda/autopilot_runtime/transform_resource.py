"""``Custom::AutopilotTransformJob``: a batch transform job, optionally waited for.

Job names can never be reused, so each CloudFormation request that starts a job names it
from the request id; a repeated delivery of the same request adopts the job it already
started. Delete stops a job still running and never touches S3.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from . import naming
from .aws import Clients, as_deployment_error, is_transform_job_existing, is_transform_job_missing, run_lifecycle
from .errors import AutopilotDeploymentError
from .events import WAIT_KEY, new_properties, old_properties, on_event_result
from .existence import denied_because_gone
from .properties import (
    TAGS,
    TRANSFORM_JOB_RESOURCE_TYPE,
    TRANSFORM_WAIT_PROPERTIES,
    TransformJobProperties,
    configuration,
    parse_tags,
)
from .requests import create_transform_job_request, tag_changes, tag_list

logger = logging.getLogger(__name__)

RUNNING_STATUSES = ("InProgress", "Stopping")
FAILED_STATUSES = ("Failed", "Stopped")
MAX_WAIT_MINUTES = 55


def job_configuration(raw: Mapping[str, Any]) -> dict[str, Any]:
    """What defines the job: every property but the service token, tags and the wait properties."""
    return configuration(raw, exclude=TRANSFORM_WAIT_PROPERTIES)


def transform_data(job_name: str, job_arn: str) -> dict[str, str]:
    """The resource's ``Data``."""
    return {"TransformJobName": job_name, "TransformJobArn": job_arn}


def start(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Start a job named for this request; adopt it when this request already started it."""
    raw = new_properties(event)
    properties = TransformJobProperties.parse(raw)
    name = naming.transform_job_name(
        properties.transform_job_name_prefix,
        str(event["StackId"]),
        str(event["LogicalResourceId"]),
        job_configuration(raw),
        str(event["RequestId"]),
    )
    client = clients.sagemaker()
    shape = client.meta.service_model.operation_model("CreateTransformJob").input_shape
    request = create_transform_job_request(name, properties, shape)
    try:
        try:
            arn = str(client.create_transform_job(**request)["TransformJobArn"])
        except ClientError as error:
            if not is_transform_job_existing(error):
                raise
            logger.info("Transform job %s already exists: adopting it", name)
            arn = str(client.describe_transform_job(TransformJobName=name)["TransformJobArn"])
    except (ClientError, ParamValidationError) as error:
        raise AutopilotDeploymentError(f"Transform job {name}: {error}") from error
    return on_event_result(name, transform_data(name, arn), **{WAIT_KEY: properties.wait_for_completion})


def update(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Same job configuration: keep the job, apply tag changes, do not wait. Otherwise a new job."""
    raw, old = new_properties(event), old_properties(event)
    physical_id = str(event.get("PhysicalResourceId", ""))
    if job_configuration(raw) != job_configuration(old) or not naming.is_generated_name(physical_id):
        return start(event, clients)
    properties = TransformJobProperties.parse(raw)
    client = clients.sagemaker()
    arn = str(client.describe_transform_job(TransformJobName=physical_id)["TransformJobArn"])
    added, removed = tag_changes(parse_tags(old.get(TAGS)), properties.tags)
    if removed:
        client.delete_tags(ResourceArn=arn, TagKeys=removed)
    if added:
        client.add_tags(ResourceArn=arn, Tags=tag_list(added))
    return on_event_result(physical_id, transform_data(physical_id, arn), **{WAIT_KEY: False})


def _status(client: Any, job_name: str) -> str | None:
    """The job's status; ``None`` when the job does not exist."""
    try:
        return str(client.describe_transform_job(TransformJobName=job_name).get("TransformJobStatus", ""))
    except ClientError as error:
        # ownership (iam): a job that is gone has no owner tag, so Describe is denied, not "not found".
        if is_transform_job_missing(error) or denied_because_gone(error, client, job_name, kind="transform-job"):
            return None
        raise


def delete(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Stop the job if it is still ``InProgress``; finished or missing jobs need nothing."""
    physical_id = str(event.get("PhysicalResourceId", ""))
    if not naming.is_generated_name(physical_id):
        logger.info("Physical id %s names no transform job: nothing to stop", physical_id)
        return on_event_result(physical_id, {})
    client = clients.sagemaker()
    status = _status(client, physical_id)
    if status != "InProgress":
        logger.info("Transform job %s is %s: nothing to stop", physical_id, status or "gone")
        return on_event_result(physical_id, {})
    try:
        client.stop_transform_job(TransformJobName=physical_id)
    except ClientError as error:
        # The job may have finished between the two calls.
        if _status(client, physical_id) == "InProgress":
            raise
        logger.info("Transform job %s finished before it could be stopped: %s", physical_id, error)
    return on_event_result(physical_id, {})


def _duration(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def is_complete(event: Mapping[str, Any], clients: Clients, now: datetime) -> dict[str, Any]:
    """Whether the job this request started has finished; raise when it failed or ran too long."""
    properties = TransformJobProperties.parse(new_properties(event))
    wait = event.get(WAIT_KEY, properties.wait_for_completion)
    if not wait:
        return {"IsComplete": True}
    name = str(event["PhysicalResourceId"])
    job = clients.sagemaker().describe_transform_job(TransformJobName=name)
    status = str(job.get("TransformJobStatus", ""))
    if status == "Completed":
        return {"IsComplete": True, "Data": transform_data(name, str(job["TransformJobArn"]))}
    if status in FAILED_STATUSES:
        reason = job.get("FailureReason") or "no failure reason reported"
        raise AutopilotDeploymentError(
            f"Transform job {name} {'failed' if status == 'Failed' else 'was stopped'}: {reason}. "
            "Fix the cause and deploy again: the next deployment starts a new job."
        )
    created = job.get("CreationTime")
    if isinstance(created, datetime):
        if created.tzinfo is None:
            created = created.replace(tzinfo=timezone.utc)
        elapsed = (now - created).total_seconds()
        if elapsed > properties.wait_timeout_seconds:
            raise AutopilotDeploymentError(
                f"Transform job {name} is still {status or 'running'} after {_duration(elapsed)}, longer than "
                f"wait_timeout ({_duration(properties.wait_timeout_seconds)}, counted from the job's creation). "
                "The job keeps running; only the deployment stopped waiting for it (stop it with "
                f"`aws sagemaker stop-transform-job --transform-job-name {name}` if its output is not wanted). "
                f"Raise wait_timeout (at most {MAX_WAIT_MINUTES} minutes) or set wait_for_completion=False to "
                "deploy without waiting."
            )
    logger.info("Transform job %s is %s", name, status)
    return {"IsComplete": False}


def _label(event: Mapping[str, Any]) -> str:
    physical_id = event.get("PhysicalResourceId")
    if physical_id and naming.is_generated_name(physical_id):
        return f"Transform job {physical_id}"
    prefix = new_properties(event).get("TransformJobNamePrefix")
    if prefix:
        return f"Transform job {prefix}"
    return f"{TRANSFORM_JOB_RESOURCE_TYPE} {event.get('LogicalResourceId', '')}"


def on_event(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Create, Update or Delete the transform job; failures name the job and say what to do."""
    return run_lifecycle(event, clients, {"Create": start, "Update": update, "Delete": delete}, _label(event))


def check_complete(event: Mapping[str, Any], clients: Clients, now: datetime) -> dict[str, Any]:
    """:func:`is_complete` with failures named after the job."""
    with as_deployment_error(_label(event)):
        return is_complete(event, clients, now)
