"""Names of the SageMaker resources: readable, valid for the API and unique.

A model name is ``<prefix>-<hash>``, in lower case: SageMaker puts some names into ARNs lowercased
and authorizes others as sent, and a lowercase name is the same either way. The prefix is readable
(derived at synth time from the stack and construct path, or given by the user). The hash covers the stack, the
logical resource and the configuration, so two resources never share a name, a new
configuration gets a new name, and a repeated delivery of the same event reuses it.

A transform job name is ``<prefix>-<resource><configuration>-<request>`` (see
:class:`TransformJobNames`): job names can never be reused, so each request gets its own,
while ``ListTransformJobs(NameContains=...)`` finds every job of a resource, or of one
configuration of it, by name alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import contract

HASH_LENGTH = 10
MAX_PREFIX_LENGTH = contract.MAX_NAME_LENGTH - HASH_LENGTH - 1
DEFAULT_PREFIX = "autopilot"

_NOT_ALLOWED = re.compile(r"[^a-zA-Z0-9]+")
_HASH_SUFFIX = re.compile(rf"-[0-9a-f]{{{HASH_LENGTH}}}$")


def readable_prefix(parts: Iterable[str], max_length: int = MAX_PREFIX_LENGTH) -> str:
    """Join ``parts`` into a lowercase name prefix of letters, digits and single hyphens."""
    joined = "-".join(_NOT_ALLOWED.sub("-", part) for part in parts).lower()
    cleaned = re.sub(r"-+", "-", joined).strip("-")
    return cleaned[:max_length].rstrip("-") or DEFAULT_PREFIX


def is_valid_prefix(prefix: str) -> bool:
    """Whether ``prefix`` can start a model or transform job name as it is."""
    return len(prefix) <= MAX_PREFIX_LENGTH and bool(contract.MODEL_NAME_PATTERN.match(prefix)) and "--" not in prefix


def stable_hash(*parts: Any) -> str:
    """A short hex digest of JSON-serializable parts, independent of key order."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def _name(prefix: str, digest: str) -> str:
    return f"{readable_prefix([prefix])}-{digest}"


def model_name(prefix: str, stack_id: str, logical_id: str, configuration: Mapping[str, Any]) -> str:
    """The model's name: one per stack resource and configuration."""
    return _name(prefix, stable_hash("model", stack_id, logical_id, configuration))


RESOURCE_HASH_LENGTH = 6
CONFIGURATION_HASH_LENGTH = 8
REQUEST_HASH_LENGTH = HASH_LENGTH
MAX_TRANSFORM_PREFIX_LENGTH = contract.MAX_NAME_LENGTH - RESOURCE_HASH_LENGTH - CONFIGURATION_HASH_LENGTH - REQUEST_HASH_LENGTH - 2
_TRANSFORM_JOB_NAME = re.compile(
    rf"^(?P<prefix>.+)-(?P<resource>[0-9a-f]{{{RESOURCE_HASH_LENGTH}}})"
    rf"(?P<configuration>[0-9a-f]{{{CONFIGURATION_HASH_LENGTH}}})-[0-9a-f]{{{REQUEST_HASH_LENGTH}}}$",
    re.IGNORECASE,
)


def stack_name(stack_id: str) -> str:
    """The stack's name from its id (``arn:...:stack/<name>/<uuid>``): stable when a stack is made again."""
    parts = stack_id.split(":")[-1].split("/")
    return parts[1] if len(parts) >= 3 and parts[0] == "stack" else stack_id


@dataclass(frozen=True)
class TransformJobNames:
    """The names of one transform resource's jobs: ``<prefix>-<resource><configuration>-<request>``.

    ``resource`` hashes the stack name and logical id (so a stack made again under the same
    name finds the jobs an earlier, failed attempt left); ``configuration`` hashes the job's
    configuration as well; ``<request>`` the CloudFormation request id (a repeated delivery of
    a request computes the same name, another request a new one).
    """

    prefix: str
    resource: str
    configuration: str

    @property
    def of_resource(self) -> str:
        """What every job name of the resource contains (``ListTransformJobs`` ``NameContains``)."""
        return f"{self.prefix}-{self.resource}"

    @property
    def of_configuration(self) -> str:
        """What every job name of this configuration of the resource contains."""
        return f"{self.prefix}-{self.resource}{self.configuration}-"

    def job(self, request_id: str) -> str:
        """The job this request starts."""
        return f"{self.of_configuration}{stable_hash('transform-request', request_id)[:REQUEST_HASH_LENGTH]}"

    def _match(self, name: str) -> re.Match[str] | None:
        found = _TRANSFORM_JOB_NAME.match(name)
        if found and found["prefix"].lower() == self.prefix.lower() and found["resource"].lower() == self.resource:
            return found
        return None

    def is_of_resource(self, name: str) -> bool:
        """Whether ``name`` is a job of this resource (any configuration)."""
        return self._match(name) is not None

    def is_of_configuration(self, name: str) -> bool:
        """Whether ``name`` is a job of this resource and configuration."""
        found = self._match(name)
        return found is not None and found["configuration"].lower() == self.configuration


def transform_job_names(
    prefix: str, stack_id: str, logical_id: str, configuration: Mapping[str, Any]
) -> TransformJobNames:
    """The job names of a transform resource with this configuration."""
    stack = stack_name(stack_id)
    return TransformJobNames(
        readable_prefix([prefix], MAX_TRANSFORM_PREFIX_LENGTH),
        stable_hash("transform-resource", stack, logical_id)[:RESOURCE_HASH_LENGTH],
        stable_hash("transform", stack, logical_id, configuration)[:CONFIGURATION_HASH_LENGTH],
    )


def transform_job_name(
    prefix: str, stack_id: str, logical_id: str, configuration: Mapping[str, Any], request_id: str
) -> str:
    """The transform job's name: one per CloudFormation request, since job names are never reusable."""
    return transform_job_names(prefix, stack_id, logical_id, configuration).job(request_id)


def is_generated_name(name: object) -> bool:
    """Whether ``name`` has the shape of a name made here: ``<prefix>-<hash>``, valid for the API.

    Handlers touch only such names: a Delete for any other physical id (the framework's
    ``CREATE_FAILED`` marker, a request id) has nothing to delete.
    """
    return (
        isinstance(name, str)
        and len(name) <= contract.MAX_NAME_LENGTH
        and bool(contract.MODEL_NAME_PATTERN.match(name))
        and bool(contract.TRANSFORM_JOB_NAME_PATTERN.match(name))
        and bool(_HASH_SUFFIX.search(name))
    )


# --- Wait conditions ---------------------------------------------------------------------------------
# Properties of a model that never make a new model (nor a new job), and of a job resource that never
# start a new job: left out of the wait condition's key.
_MODEL_KEPT_PROPERTIES = (contract.SERVICE_TOKEN, contract.TAGS, *contract.MODEL_IN_PLACE_PROPERTIES)
_JOB_KEPT_PROPERTIES = (contract.SERVICE_TOKEN, contract.TAGS, *contract.TRANSFORM_WAIT_PROPERTIES)
WAIT_KEY_LENGTH = 8


def wait_condition_key(job: Mapping[str, Any], model: Mapping[str, Any], timeout_seconds: Any) -> str:
    """The part of a waited job's wait condition (and handle) logical ids that changes when a new one must wait.

    CloudFormation never updates a wait condition: only one under a new logical id waits again. The key
    hashes what makes the job run again as the template shows it (the job's properties, its model's
    properties: the model's name follows from them) and the wait's timeout, as rendered in the template.
    """
    parts = {
        "job": {key: value for key, value in job.items() if key not in _JOB_KEPT_PROPERTIES},
        "model": {key: value for key, value in model.items() if key not in _MODEL_KEPT_PROPERTIES},
        "timeout": timeout_seconds if isinstance(timeout_seconds, (dict, list)) else int(timeout_seconds),
    }
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:WAIT_KEY_LENGTH].upper()
