"""Signals to the wait condition that waits for a transform job, and the job events that send them.

A waited ``Custom::AutopilotTransformJob`` has an ``AWS::CloudFormation::WaitCondition`` beside it
(created after the job started; its handle's logical id is the resource's ``WaitHandle`` property and
the job's ``autopilot-inference:wait-handle`` tag). When the job ends, SageMaker's
``SageMaker Transform Job State Change`` event reaches the handler through the stack's EventBridge
rule, and :func:`on_job_event` signals the handle: ``SUCCESS`` when the job completed, ``FAILURE``
with the job's reason when it failed or was stopped. Nothing polls while the job runs.

The handle's URL is pre-signed: it is read from CloudFormation (``DescribeStackResource``: the
handle's physical id) only to send the signal, and never logged or returned.

IAM actions: ``sagemaker:ListTags`` and ``DescribeTransformJob`` on the stack's own jobs,
``cloudformation:DescribeStackResource`` on the stack.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import contract
from .clients import Clients
from .errors import AutopilotDeploymentError
from .ownership import OWNER_TAG_KEY, current_owner
from .service_errors import describe_error, error_code

logger = logging.getLogger(__name__)

SUCCESS = "SUCCESS"
FAILURE = "FAILURE"
# A wait condition's reason is shown in the stack's events: the job's FailureReason (at most 1024
# characters) with the job's name and what to do fits in this.
MAX_SIGNAL_REASON_CHARACTERS = 1500


def signal_body(status: str, reason: str, unique_id: str, data: str) -> bytes:
    """The JSON a wait condition handle takes: ``Status``, ``Reason``, ``UniqueId``, ``Data``."""
    if status not in (SUCCESS, FAILURE):
        raise ValueError(f"A wait condition signal's Status is SUCCESS or FAILURE, not {status!r}")
    text = reason if len(reason) <= MAX_SIGNAL_REASON_CHARACTERS else reason[: MAX_SIGNAL_REASON_CHARACTERS - 3] + "..."
    return json.dumps({"Status": status, "Reason": text, "UniqueId": unique_id, "Data": data}).encode("utf-8")


def job_outcome(name: str, status: str, failure_reason: str | None) -> tuple[str, str]:
    """``(signal status, reason)`` for a job that ended with ``status``."""
    if status == "Completed":
        return SUCCESS, f"Transform job {name} completed."
    verb = "failed" if status == "Failed" else "was stopped"
    reason = failure_reason or "no failure reason reported"
    return FAILURE, (
        f"Transform job {name} {verb}: {reason}. Fix the cause and deploy again: the next deployment starts a new job."
    )


def handle_url(clients: Clients, stack_id: str, handle_id: str, *, job_created: datetime | None = None) -> str | None:
    """The pre-signed URL of the handle ``handle_id`` of the stack ``stack_id``; ``None`` when it is gone, or
    when it was made after ``job_created`` (a handle made again under its logical id waits for a later job:
    the handle always exists before its job starts)."""
    try:
        answer = clients.cloudformation().describe_stack_resource(StackName=stack_id, LogicalResourceId=handle_id)
    except ClientError as error:
        if error_code(error) == "ValidationError":  # "Resource ... does not exist for stack ..."
            return None
        raise
    detail = answer.get("StackResourceDetail") or {}
    if str(detail.get("ResourceStatus", "")).startswith("DELETE"):
        return None
    made = _utc(detail.get("LastUpdatedTimestamp"))
    if job_created is not None and made is not None and made > job_created:
        logger.info("Wait condition handle %s was made after the job started: it waits for another job", handle_id)
        return None
    url = str(detail.get("PhysicalResourceId") or "")
    return url or None


def signal(
    clients: Clients,
    stack_id: str,
    handle_id: str,
    status: str,
    reason: str,
    job_name: str,
    data: str,
    *,
    job_created: datetime | None = None,
) -> bool:
    """Signal the handle ``handle_id``; ``False`` when the stack no longer has it (or it waits for a job started
    after ``job_created``). The URL is never logged."""
    url = handle_url(clients, stack_id, handle_id, job_created=job_created)
    if url is None:
        logger.info("Wait condition handle %s is gone: transform job %s signals nothing", handle_id, job_name)
        return False
    clients.put(url, signal_body(status, reason, job_name, data))
    logger.info("Signalled %s to wait condition handle %s for transform job %s", status, handle_id, job_name)
    return True


def _utc(value: Any) -> datetime | None:
    """A time from an API answer (``datetime``) or an event (epoch milliseconds or ISO 8601)."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def is_job_event(event: Mapping[str, Any]) -> bool:
    """Whether ``event`` is SageMaker's transform job state-change event (from the stack's rule)."""
    return event.get("source") == contract.SAGEMAKER_EVENT_SOURCE and event.get("detail-type") == contract.TRANSFORM_JOB_STATE_CHANGE


def _job_arn(event: Mapping[str, Any], detail: Mapping[str, Any], name: str) -> str:
    arn = detail.get(contract.ATTR_TRANSFORM_JOB_ARN) or next(iter(event.get("resources") or []), None)
    if arn:
        return str(arn)
    return f"arn:aws:sagemaker:{event.get('region', '')}:{event.get('account', '')}:transform-job/{name.lower()}"


def _tags(client: Any, arn: str) -> dict[str, str] | None:
    """The job's tags; ``None`` when the handler may not read them (not a job of this stack) or it is gone."""
    try:
        answer = client.list_tags(ResourceArn=arn)
    except ClientError as error:
        if error_code(error) in ("AccessDeniedException", "AccessDenied", "ValidationException", "ResourceNotFound"):
            logger.info("Transform job %s: tags not readable (%s): not a job of this stack", arn, error_code(error))
            return None
        raise
    return {str(tag[contract.TAG_KEY]): str(tag[contract.TAG_VALUE]) for tag in answer.get(contract.TAGS, [])}


def on_job_event(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Signal the wait condition of the job whose state-change ``event`` this is, when the job ended."""
    detail = event.get("detail") or {}
    name = str(detail.get(contract.ATTR_TRANSFORM_JOB_NAME, ""))
    status = str(detail.get("TransformJobStatus", ""))
    if status not in contract.TRANSFORM_JOB_END_STATUSES or not name:
        return {contract.ATTR_TRANSFORM_JOB_NAME: name, "Signalled": False, "Why": f"status {status or 'unknown'}"}
    try:
        client = clients.sagemaker()
        arn = _job_arn(event, detail, name)
        tags = _tags(client, arn)
        owner = current_owner()
        if tags is None or (owner is not None and tags.get(OWNER_TAG_KEY) != owner):
            return {contract.ATTR_TRANSFORM_JOB_NAME: name, "Signalled": False, "Why": "not a job of this stack"}
        handle_id = tags.get(contract.WAIT_HANDLE_TAG_KEY)
        if not handle_id:
            return {contract.ATTR_TRANSFORM_JOB_NAME: name, "Signalled": False, "Why": "nothing waits for it"}
        reason = detail.get("FailureReason")
        created = _utc(detail.get("CreationTime"))
        if created is None or (status != "Completed" and not reason):
            job = client.describe_transform_job(TransformJobName=name)
            reason, created = reason or job.get("FailureReason"), created or _utc(job.get("CreationTime"))
        signal_status, text = job_outcome(name, status, str(reason) if reason else None)
        stack = tags.get(OWNER_TAG_KEY) or owner or ""
        sent = signal(clients, stack, handle_id, signal_status, text, name, arn, job_created=created)
    except (ClientError, BotoCoreError) as error:
        # Raised: Lambda's asynchronous retries deliver the event again.
        raise AutopilotDeploymentError(f"Transform job {name}: cannot signal its wait condition: {describe_error(error)}") from error
    return {contract.ATTR_TRANSFORM_JOB_NAME: name, "Signalled": sent, "Status": signal_status}
