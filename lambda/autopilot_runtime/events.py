"""The shape of the provider framework's events and of the handler's answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The physical id the framework reports for a failed Create; its Delete has nothing to do.
CREATE_FAILED_PHYSICAL_ID = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"

REDACTED = "(redacted)"


def redacted(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event without its pre-signed ``ResponseURL``, for logging."""
    copy = dict(event)
    if "ResponseURL" in copy:
        copy["ResponseURL"] = REDACTED
    return copy


# What the handler logs of an event: names and ids, never property values (a transform job's
# Environment may hold secrets) nor the pre-signed ResponseURL.
LOGGED_EVENT_KEYS = (
    "RequestType",
    "ResourceType",
    "LogicalResourceId",
    "PhysicalResourceId",
    "RequestId",
    "StackId",
)


def log_summary(event: Mapping[str, Any]) -> dict[str, Any]:
    """The names and ids of ``event``, for logging."""
    return {key: event[key] for key in LOGGED_EVENT_KEYS if key in event}


def new_properties(event: Mapping[str, Any]) -> dict[str, Any]:
    """``ResourceProperties`` of the event."""
    return dict(event.get("ResourceProperties") or {})


def old_properties(event: Mapping[str, Any]) -> dict[str, Any]:
    """``OldResourceProperties`` of an Update event (empty otherwise)."""
    return dict(event.get("OldResourceProperties") or {})


def on_event_result(physical_id: str, data: Mapping[str, str]) -> dict[str, Any]:
    """An on_event answer: the physical id and ``Data``, which the framework sends CloudFormation."""
    return {"PhysicalResourceId": physical_id, "Data": dict(data)}


def predicted_arn(event: Mapping[str, Any], resource: str, name: str) -> str:
    """The ARN SageMaker gives ``resource/name`` in the stack's partition, region and account."""
    parts = str(event.get("StackId", "")).split(":")
    partition, region, account = (parts[1], parts[3], parts[4]) if len(parts) > 5 else ("aws", "", "")
    return f"arn:{partition}:sagemaker:{region}:{account}:{resource}/{name.lower()}"
