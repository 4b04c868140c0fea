"""The Lambda entry point of both custom resources and of the job events: ``autopilot_runtime.handler.handle``.

One function serves the provider's ``on_event`` (CloudFormation's requests, through the provider
framework) and the stack's EventBridge rule (``SageMaker Transform Job State Change`` events, which
signal the wait condition of a waited job: :mod:`.wait_signals`). Nothing polls: the provider has no
``is_complete``. Clients are made per invocation, on first use (``clients`` is the seam tests use to
pass Stubber'd clients).

Every failure leaves as an :class:`AutopilotDeploymentError` whose message names the
resource (type and logical id, besides the job or model its text names) and the API call,
trimmed in the middle to fit CloudFormation's 4096-byte response with the cause kept.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from . import contract, model_package_resource, model_resource, package_model_resource, transform_resource, wait_signals
from .clients import Clients
from .errors import AutopilotDeploymentError
from .events import log_summary
from .invocation import invocation
from .service_errors import describe_error

logger = logging.getLogger(__name__)
logger.setLevel(logging.INFO)


def _resource_type(event: Mapping[str, Any]) -> str:
    resource_type = str(event.get("ResourceType", ""))
    if resource_type not in contract.RESOURCE_TYPES:
        raise AutopilotDeploymentError(
            f"Unsupported resource type {resource_type!r} (logical id {event.get('LogicalResourceId', '')}): "
            f"this handler serves {', '.join(contract.RESOURCE_TYPES)}. Point only those resources at its service token."
        )
    return resource_type


def on_event(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Create, Update or Delete; the answer always carries the physical id and ``Data``."""
    resource_type = _resource_type(event)
    if resource_type == contract.MODEL_RESOURCE_TYPE:
        return model_resource.on_event(event, clients)
    if resource_type == contract.MODEL_PACKAGE_RESOURCE_TYPE:
        return model_package_resource.on_event(event, clients)
    if resource_type == contract.PACKAGE_MODEL_RESOURCE_TYPE:
        return package_model_resource.on_event(event, clients)
    return transform_resource.on_event(event, clients)


def trim(text: str, max_bytes: int = contract.MAX_REASON_BYTES) -> str:
    """``text`` cut in the middle to at most ``max_bytes`` of JSON-encoded UTF-8; the start and the end stay."""

    def size(value: str) -> int:
        return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))

    if size(text) <= max_bytes:
        return text
    marker = " [...] "
    keep = max_bytes // 2
    while keep > 0:
        cut = len(text) - 2 * keep
        candidate = f"{text[:keep]}{marker}({cut} characters cut){marker}{text[-keep:]}"
        if size(candidate) <= max_bytes:
            return candidate
        keep = int(keep * 0.9) - 1
    return text[: max_bytes // 8]


def failure_reason(event: Mapping[str, Any], error: BaseException) -> str:
    """The reason CloudFormation shows: the error's text naming the resource, at most ``MAX_REASON_BYTES``."""
    text = str(error) if isinstance(error, AutopilotDeploymentError) else describe_error(error)
    if not isinstance(error, AutopilotDeploymentError):
        text = f"unexpected {type(error).__name__}: {text}"
    logical_id = str(event.get("LogicalResourceId", ""))
    resource = f"{event.get('ResourceType', 'custom resource')} {logical_id}"
    if logical_id not in text:
        text = f"{text} [{resource}]"
    return trim(text)


def handle(
    event: Mapping[str, Any],
    context: Any = None,
    *,
    clients: Clients | None = None,
) -> dict[str, Any]:
    """Lambda entry point: a transform job's state-change event signals its wait condition; else ``on_event``."""
    clients = clients or Clients()
    if wait_signals.is_job_event(event):
        detail = event.get("detail") or {}
        logger.info("Job event: %s %s", detail.get(contract.ATTR_TRANSFORM_JOB_NAME), detail.get("TransformJobStatus"))
        with invocation(context):
            result = wait_signals.on_job_event(event, clients)
        logger.info("Result: %s", json.dumps(result, default=str))
        return result
    logger.info("Event: %s", json.dumps(log_summary(event), default=str))  # names and ids only (iam)
    with invocation(context):
        try:
            result = on_event(event, clients)
        except Exception as error:
            reason = failure_reason(event, error)
            logger.error("Failed: %s", reason, exc_info=True)
            raise AutopilotDeploymentError(reason) from error
    logger.info("Result: %s", json.dumps(result, default=str))
    return result
