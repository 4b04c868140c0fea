"""The shape of the provider framework's events and of the handler's answers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from . import contract
from .errors import AutopilotDeploymentError

# Every on_event result carries this key; the framework merges the result into the event
# it passes to is_complete, so the key tells the shared function which call it serves.
PHASE_KEY = "AutopilotInferencePhase"
IS_COMPLETE_PHASE = "isComplete"
# Whether is_complete waits for a transform job this request started.
WAIT_KEY = "AutopilotInferenceWait"
# When on_event started the job (ISO 8601): is_complete measures its patience with transient errors from it.
STARTED_KEY = "AutopilotInferenceStarted"
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


def for_waiter(event: Mapping[str, Any], answer: Mapping[str, Any]) -> dict[str, Any]:
    """``answer`` emptying the event's ``OldResourceProperties``: the framework merges the answer over the event
    (answer keys prevail) into its waiter input, and is_complete never reads the old properties, so an
    update's input holds one copy of the properties instead of two, and so does its rollback's."""
    result = dict(answer)
    if event.get("OldResourceProperties"):
        result["OldResourceProperties"] = {}
    return result


def waiter_input_bytes(event: Mapping[str, Any], answer: Mapping[str, Any]) -> int:
    """The size of the framework's waiter input: the event merged with the answer, the real ResponseURL counted."""
    merged = {**event, **for_waiter(event, answer)}
    url = str(merged.get("ResponseURL") or "")
    # The framework's sanitized copy shows "..." in place of the pre-signed URL: count a long one.
    reserve = contract.RESPONSE_URL_RESERVE_BYTES if url in ("", "...") else 0
    return len(json.dumps(merged, default=str).encode("utf-8")) + reserve


def ensure_fits(event: Mapping[str, Any], answer: Mapping[str, Any], label: str) -> None:
    """Fail, before anything is created, when the framework could not start its waiter with this answer."""
    size = waiter_input_bytes(event, answer)
    if size > contract.WAITER_INPUT_LIMIT_BYTES:
        raise AutopilotDeploymentError(
            f"{label}: nothing was created: the request with its answer would be about {size} bytes, more than the "
            f"{contract.WAITER_INPUT_LIMIT_BYTES} bytes the provider framework can pass to its waiter (an update "
            "counts the old and the new properties). Shorten the largest properties (Environment values, long "
            "lists) or split the resource."
        )


def predicted_arn(event: Mapping[str, Any], resource: str, name: str) -> str:
    """The ARN SageMaker gives ``resource/name`` in the stack's partition, region and account (to size answers)."""
    parts = str(event.get("StackId", "")).split(":")
    partition, region, account = (parts[1], parts[3], parts[4]) if len(parts) > 5 else ("aws", "", "")
    return f"arn:{partition}:sagemaker:{region}:{account}:{resource}/{name.lower()}"
