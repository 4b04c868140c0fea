"""``Custom::AutopilotTransformJob``: a batch transform job, optionally waited for.

Job names can never be reused, so each CloudFormation request that starts a job names it
``<prefix>-<resource><configuration>-<request>`` (:class:`~.naming.TransformJobNames`); a
repeated delivery of the same request adopts the job it already started.

- **Rollback** (an Update while the stack is ``UPDATE_ROLLBACK_IN_PROGRESS``): the newest job
  of the old configuration becomes the resource's state again; no job is started and
  nothing is waited for, so a rollback cannot fail because of a job. Every other job of the
  resource still running (the one the failed update started, known to CloudFormation or
  not) is stopped.
- **Create** first stops jobs of this resource still running from an earlier attempt the
  framework reported failed (its ``CREATE_FAILED`` marker hides them from the next Delete).
- Nothing is stopped or started when ``TransformInput.ContentType`` / ``TransformOutput.Accept``
  lies outside what the model reads / answers (``ModelInputContentTypes``/``ModelAcceptTypes``,
  the model's Data; absent or empty: not checked).
- **Waiting** is not done here: the resource answers once the job started. A waited job is tagged
  with its wait condition handle's logical id (``WaitHandle``), and the stack's wait condition waits
  for the signal :mod:`.wait_signals` sends when the job's state-change event arrives. An Update that
  keeps the job but comes with a new wait condition signals it at once (the job is kept, not waited
  for, as before); an Update that must start a new job but has no new wait condition (the job's model
  changed at deploy time only) is refused before anything starts.
- **No job left behind by a failed Create**: ``CreateTransformJob`` starts only with the time its
  worst case needs left in the invocation; when its answer is lost, the job is looked for under its
  name (``ListTransformJobs``) and adopted.
- **Delete** stops a job still running and never touches S3.

IAM actions: ``sagemaker:CreateTransformJob``, ``DescribeTransformJob``, ``StopTransformJob``,
``AddTags``/``DeleteTags`` on ``transform-job/<prefix>-*``; ``sagemaker:ListTransformJobs``
(no resource-level permissions: ``*``); ``cloudformation:DescribeStacks`` and
``DescribeStackResource`` on the stack.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import contract, events, naming
from .clients import Clients
from .errors import AutopilotDeploymentError
from .events import new_properties, old_properties, on_event_result
from .existence import is_gone, is_transform_job_existing
from .invocation import remaining_seconds
from .lifecycle import replaces, run_lifecycle, stack_is_rolling_back, sync_tags
from .media_types import is_allowed
from .properties import TransformJobProperties, job_configuration
from .sagemaker_requests import create_transform_job_request, tag_list
from .service_errors import describe_error
from .wait_signals import SUCCESS, signal

logger = logging.getLogger(__name__)

FAILED_STATUSES = ("Failed", "Stopped")
# ListTransformJobs pages read when looking for a resource's jobs, of its largest page size (MaxResults).
MAX_LIST_PAGES = 5
LIST_PAGE_SIZE = 100


def _refuse_media_type(prop: str, field: str, value: Any, allowed: tuple[str, ...], model: str, verb: str) -> None:
    if value is None or value == "" or is_allowed(str(value), allowed):
        return
    raise AutopilotDeploymentError(
        f"{prop} {str(value)!r} ({field}) is not a media type model {model} {verb}: this Autopilot candidate "
        f"{verb} only {', '.join(allowed)}. Set {prop} of the AutopilotBatchTransform to one of them and deploy "
        "again. No transform job was started."
    )


def check_media_types(properties: TransformJobProperties) -> None:
    """Refuse a ``ContentType`` the model does not read or an ``Accept`` it does not answer (when known)."""
    model = str(properties.request.get(contract.MODEL_NAME, ""))
    transform_input = properties.request.get(contract.TRANSFORM_INPUT) or {}
    transform_output = properties.request.get(contract.TRANSFORM_OUTPUT) or {}
    _refuse_media_type(
        "content_type",
        "TransformInput.ContentType",
        transform_input.get("ContentType"),
        properties.model_input_content_types,
        model,
        "reads",
    )
    _refuse_media_type(
        "accept", "TransformOutput.Accept", transform_output.get("Accept"), properties.model_accept_types, model, "answers"
    )


def transform_data(job_name: str, job_arn: str) -> dict[str, str]:
    """The resource's ``Data``."""
    return {contract.ATTR_TRANSFORM_JOB_NAME: job_name, contract.ATTR_TRANSFORM_JOB_ARN: job_arn}


def job_names(event: Mapping[str, Any], raw: Mapping[str, Any], properties: TransformJobProperties) -> naming.TransformJobNames:
    """The job names of this resource and configuration."""
    return naming.transform_job_names(
        properties.transform_job_name_prefix,
        str(event["StackId"]),
        str(event["LogicalResourceId"]),
        job_configuration(raw),
    )


def predicted_arn(event: Mapping[str, Any], name: str) -> str:
    """The ARN SageMaker gives the job (a job named before names carried their configuration, on rollback)."""
    return events.predicted_arn(event, "transform-job", name)


def jobs_of(client: Any, contains: str, pages: int = MAX_LIST_PAGES, **filters: Any) -> list[dict[str, Any]]:
    """Summaries of the jobs whose name contains ``contains``, newest first (at most ``pages`` full pages)."""
    found: list[dict[str, Any]] = []
    results = client.get_paginator("list_transform_jobs").paginate(
        NameContains=contains,
        SortBy="CreationTime",
        SortOrder="Descending",
        PaginationConfig={"MaxItems": LIST_PAGE_SIZE * pages, "PageSize": LIST_PAGE_SIZE},
        **filters,
    )
    for page in results:
        found.extend(page.get("TransformJobSummaries", []))
    return found


def stop_quietly(client: Any, name: str) -> bool:
    """Stop ``name`` if it still runs; ``False`` (logged) when that failed. Never raises a service error."""
    try:
        client.stop_transform_job(TransformJobName=name)
        logger.info("Stopped transform job %s", name)
        return True
    except (ClientError, BotoCoreError) as error:
        logger.warning("Could not stop transform job %s: %s", name, describe_error(error))
        return False


def stop_other_jobs(client: Any, names: naming.TransformJobNames, keep: str | None) -> list[str]:
    """Stop every running job of the resource but ``keep``; the names stopped. Best effort: failures are logged."""
    try:
        running = jobs_of(client, names.of_resource, StatusEquals="InProgress")
    except (ClientError, BotoCoreError) as error:
        logger.warning("Could not list the jobs of %s: %s", names.of_resource, describe_error(error))
        return []
    stopped = []
    for summary in running:
        name = str(summary.get("TransformJobName", ""))
        if names.is_of_resource(name) and name != keep and stop_quietly(client, name):
            stopped.append(name)
    return stopped


def find_job(client: Any, name: str) -> dict[str, Any] | None:
    """The summary of the job named exactly ``name`` (``ListTransformJobs``), or ``None``."""
    for summary in jobs_of(client, name, pages=1):
        if str(summary.get("TransformJobName", "")) == name:
            return summary
    return None


def ensure_time_to_create(name: str) -> None:
    """Refuse to start the job when the invocation could end before the job is started and known."""
    remaining = remaining_seconds()
    needed = contract.create_remaining_seconds()
    if remaining is not None and remaining < needed:
        raise AutopilotDeploymentError(
            f"Transform job {name}: not started: {remaining:.0f} s left in this invocation, and starting it safely "
            f"(CreateTransformJob with its retries, then finding the job under its name if the answer is lost) may "
            f"take {needed} s. Earlier calls were slow (throttling or network trouble): deploy again once SageMaker "
            "answers normally. No job was started."
        )


def _create(client: Any, request: Mapping[str, Any], name: str) -> str:
    """``CreateTransformJob``; adopt the job when this request already started it, also when the answer was lost."""
    try:
        try:
            return str(client.create_transform_job(**request)["TransformJobArn"])
        except ClientError as error:
            if not is_transform_job_existing(error):
                raise
            logger.info("Transform job %s already exists: adopting it", name)
            return str(client.describe_transform_job(TransformJobName=name)["TransformJobArn"])
    except (ClientError, BotoCoreError) as error:
        described = describe_error(error)  # before the next call: it names the call that failed
        # The job may have started though the answer was lost (a connection reset, retries throttled until
        # they gave up): its name is this request's own, so find it and adopt it rather than fail, which
        # would leave it running unknown to CloudFormation (a failed Create's Delete never reaches the handler).
        try:
            found = find_job(client, name)
        except (ClientError, BotoCoreError) as list_error:
            logger.warning("Could not look for transform job %s: %s", name, describe_error(list_error))
            found = None
        if found is not None:
            logger.info("Transform job %s was started though CreateTransformJob failed (%s): adopting it", name, described)
            return str(found.get("TransformJobArn", ""))
        raise AutopilotDeploymentError(f"Transform job {name}: {described}") from error


def start(event: Mapping[str, Any], clients: Clients, *, wait: bool | None = None) -> dict[str, Any]:
    """Start a job named for this request; adopt it when this request already started it.

    A waited job (``wait`` not ``False`` and a ``WaitHandle``) is tagged with its handle's logical id:
    the job's state-change event then signals that handle.
    """
    raw = new_properties(event)
    properties = TransformJobProperties.parse(raw)
    check_media_types(properties)  # before anything is stopped or started
    names = job_names(event, raw, properties)
    name = names.job(str(event["RequestId"]))
    client = clients.sagemaker()
    shape = client.meta.service_model.operation_model("CreateTransformJob").input_shape
    request = create_transform_job_request(name, properties, shape)
    waiting = properties.wait_for_completion if wait is None else wait
    if waiting and properties.wait_handle is not None:
        tags = [tag for tag in request.get(contract.TAGS, []) if tag[contract.TAG_KEY] != contract.WAIT_HANDLE_TAG_KEY]
        request[contract.TAGS] = tags + tag_list({contract.WAIT_HANDLE_TAG_KEY: properties.wait_handle})
    if event.get("RequestType") == "Create":
        # Jobs an earlier Create started before the framework reported it failed: no Delete reaches them.
        for orphan in stop_other_jobs(client, names, keep=name):
            logger.info("Stopped transform job %s left running by an earlier failed attempt", orphan)
    ensure_time_to_create(name)
    arn = _create(client, request, name)
    return on_event_result(name, transform_data(name, arn))


def restore(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """A rollback: the newest job of the old configuration is the state again; no job starts, nothing waits."""
    raw = new_properties(event)
    properties = TransformJobProperties.parse(raw)
    names = job_names(event, raw, properties)
    physical_id = str(event.get("PhysicalResourceId", ""))
    client = clients.sagemaker()
    previous: tuple[str, str] | None = None
    try:
        for summary in jobs_of(client, names.of_configuration, pages=1):  # the newest job is on the first page
            name = str(summary.get("TransformJobName", ""))
            if names.is_of_configuration(name):
                previous = (name, str(summary.get("TransformJobArn", "")))
                break
    except (ClientError, BotoCoreError) as error:
        logger.warning("Could not list the jobs of %s: %s", names.of_configuration, describe_error(error))
    if previous is None and naming.is_generated_name(physical_id) and not names.is_of_resource(physical_id):
        # A job named before job names carried their configuration; the failed update did not replace it.
        previous = (physical_id, predicted_arn(event, physical_id))
    stopped = stop_other_jobs(client, names, keep=previous[0] if previous else None)
    if stopped:
        logger.info("Rollback stopped transform jobs %s", ", ".join(stopped))
    if previous is not None:
        logger.info("Rollback: transform job %s is the resource's state again; nothing is started", previous[0])
        return on_event_result(previous[0], transform_data(*previous))
    logger.warning("Rollback found no job of the old configuration (%s*): starting one, not waiting", names.of_configuration)
    return start(event, clients, wait=False)


def new_wait_condition(event: Mapping[str, Any]) -> bool:
    """Whether an Update comes with a wait condition (handle) the previous properties did not have."""
    new = TransformJobProperties.parse(new_properties(event))
    old_handle = str(old_properties(event).get(contract.WAIT_HANDLE) or "") or None
    return new.waits and new.wait_handle != old_handle


def refuse_unwaited_new_job(event: Mapping[str, Any]) -> None:
    """Refuse an Update that must start a new job while its wait condition is the one that already waited.

    CloudFormation never updates a wait condition: only a new one (a new logical id, which the construct
    derives from the job's and its model's template) waits again. A job whose model changed at deploy time
    only (a replaced role, a parameter, an imported value) would run with nothing waiting for it.
    """
    new = TransformJobProperties.parse(new_properties(event))
    if not new.waits or new_wait_condition(event):
        return
    old_model = old_properties(event).get(contract.MODEL_NAME)
    new_model = new.request.get(contract.MODEL_NAME)
    change = f" (ModelName {old_model} -> {new_model})" if old_model != new_model else ""
    raise AutopilotDeploymentError(
        f"Transform job {new.transform_job_name_prefix}: the job must run again{change}, but the change is not in "
        f"the template, so its wait condition ({new.wait_handle}) is the one that already waited and cannot wait "
        "again (CloudFormation never updates a wait condition). No job was started. Change a prop of the "
        "AutopilotBatchTransform or of its model in the app (any prop that changes the job, or wait_timeout) so the "
        "job gets a new wait condition, or set wait_for_completion=False."
    )


def signal_kept_job(event: Mapping[str, Any], clients: Clients, name: str, arn: str) -> None:
    """A kept job is not waited for: a new wait condition that came with the Update is signalled at once."""
    if not new_wait_condition(event):
        return
    handle = TransformJobProperties.parse(new_properties(event)).wait_handle
    assert handle is not None
    signal(clients, str(event["StackId"]), handle, SUCCESS, f"Transform job {name} is kept: nothing to wait for.", name, arn)


def update(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Same job configuration: keep the job, apply tag changes, do not wait. A rollback restores; else a new job."""
    if replaces(event, job_configuration):
        if stack_is_rolling_back(clients, str(event["StackId"])):
            return restore(event, clients)
        refuse_unwaited_new_job(event)
        return start(event, clients)
    physical_id = str(event.get("PhysicalResourceId", ""))
    TransformJobProperties.parse(new_properties(event))  # refuse properties the handler cannot use
    client = clients.sagemaker()
    arn = str(client.describe_transform_job(TransformJobName=physical_id)["TransformJobArn"])
    sync_tags(client, arn, event, keep=(contract.WAIT_HANDLE_TAG_KEY,))
    signal_kept_job(event, clients, physical_id, arn)
    return on_event_result(physical_id, transform_data(physical_id, arn))


def _status(client: Any, job_name: str) -> str | None:
    """The job's status; ``None`` when the job does not exist."""
    try:
        return str(client.describe_transform_job(TransformJobName=job_name).get("TransformJobStatus", ""))
    except ClientError as error:
        if is_gone(error, client, job_name, kind="transform-job"):
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


def _label(event: Mapping[str, Any]) -> str:
    physical_id = event.get("PhysicalResourceId")
    if physical_id and naming.is_generated_name(physical_id):
        return f"Transform job {physical_id}"
    prefix = new_properties(event).get(contract.TRANSFORM_JOB_NAME_PREFIX)
    if prefix:
        return f"Transform job {prefix}"
    return f"{contract.TRANSFORM_JOB_RESOURCE_TYPE} {event.get('LogicalResourceId', '')}"


def on_event(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Create, Update or Delete the transform job; failures name the job and say what to do."""
    return run_lifecycle(event, clients, {"Create": start, "Update": update, "Delete": delete}, _label(event))

