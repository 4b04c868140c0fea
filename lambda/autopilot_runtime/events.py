"""The shape of the provider framework's events and of the handler's answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Every on_event result carries this key; the framework merges the result into the event
# it passes to is_complete, so the key tells the shared function which call it serves.
PHASE_KEY = "AutopilotInferencePhase"
IS_COMPLETE_PHASE = "isComplete"
# Whether is_complete waits for a transform job this request started.
WAIT_KEY = "AutopilotInferenceWait"
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
    PHASE_KEY,
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


def on_event_result(physical_id: str, data: Mapping[str, str], **extra: Any) -> dict[str, Any]:
    """An on_event answer: the phase key, the physical id, ``Data`` and ``extra`` keys."""
    return {PHASE_KEY: IS_COMPLETE_PHASE, "PhysicalResourceId": physical_id, "Data": dict(data), **extra}
