"""Names of the SageMaker resources: readable, valid for the API and unique.

A name is ``<prefix>-<hash>``, in lower case: SageMaker puts some names into ARNs lowercased
and authorizes others as sent, and a lowercase name is the same either way. The prefix is readable (derived at synth time from the
stack and construct path, or given by the user). The hash covers the stack, the
logical resource and the configuration, so two resources never share a name, a new
configuration gets a new name, and a repeated delivery of the same event reuses it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

MAX_NAME_LENGTH = 63
HASH_LENGTH = 10
MAX_PREFIX_LENGTH = MAX_NAME_LENGTH - HASH_LENGTH - 1
DEFAULT_PREFIX = "autopilot"

MODEL_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9]([\-a-zA-Z0-9]*[a-zA-Z0-9])?$")
TRANSFORM_JOB_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_NOT_ALLOWED = re.compile(r"[^a-zA-Z0-9]+")
_HASH_SUFFIX = re.compile(rf"-[0-9a-f]{{{HASH_LENGTH}}}$")


def readable_prefix(parts: Iterable[str], max_length: int = MAX_PREFIX_LENGTH) -> str:
    """Join ``parts`` into a lowercase name prefix of letters, digits and single hyphens."""
    joined = "-".join(_NOT_ALLOWED.sub("-", part) for part in parts).lower()
    cleaned = re.sub(r"-+", "-", joined).strip("-")
    return cleaned[:max_length].rstrip("-") or DEFAULT_PREFIX


def is_valid_prefix(prefix: str) -> bool:
    """Whether ``prefix`` can start a model or transform job name as it is."""
    return len(prefix) <= MAX_PREFIX_LENGTH and bool(MODEL_NAME_PATTERN.match(prefix)) and "--" not in prefix


def stable_hash(*parts: Any) -> str:
    """A short hex digest of JSON-serializable parts, independent of key order."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def _name(prefix: str, digest: str) -> str:
    return f"{readable_prefix([prefix])}-{digest}"


def model_name(prefix: str, stack_id: str, logical_id: str, configuration: Mapping[str, Any]) -> str:
    """The model's name: one per stack resource and configuration."""
    return _name(prefix, stable_hash("model", stack_id, logical_id, configuration))


def transform_job_name(
    prefix: str, stack_id: str, logical_id: str, configuration: Mapping[str, Any], request_id: str
) -> str:
    """The transform job's name: one per CloudFormation request, since job names are never reusable."""
    return _name(prefix, stable_hash("transform", stack_id, logical_id, configuration, request_id))


def is_generated_name(name: object) -> bool:
    """Whether ``name`` has the shape of a name made here: ``<prefix>-<hash>``, valid for the API.

    Handlers touch only such names: a Delete for any other physical id (the framework's
    ``CREATE_FAILED`` marker, a request id) has nothing to delete.
    """
    return (
        isinstance(name, str)
        and len(name) <= MAX_NAME_LENGTH
        and bool(MODEL_NAME_PATTERN.match(name))
        and bool(TRANSFORM_JOB_NAME_PATTERN.match(name))
        and bool(_HASH_SUFFIX.search(name))
    )
