"""The custom resources' property contract, shared by the constructs and the handler.

CloudFormation delivers every scalar property as a string (``true``, ``3600``); the
parsers here turn them back into typed values. Transform properties mirror the
``CreateTransformJob`` request shapes so a reviewer reads the API's own names.
Handlers must keep accepting every property format they ever created resources with:
add properties, never rename or remove them.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .media_types import parse_list

MODEL_RESOURCE_TYPE = "Custom::AutopilotModel"
TRANSFORM_JOB_RESOURCE_TYPE = "Custom::AutopilotTransformJob"

# Set by the framework, not by us: never part of a resource's configuration.
SERVICE_TOKEN = "ServiceToken"
# Tags are applied in place; they never replace a model or start a new job.
TAGS = "Tags"

PROCESSING_UNITS = ("CPU", "GPU")

# Set on a model that a serverless endpoint serves: SageMaker serverless inference runs no
# inference pipelines, so the handler refuses a multi-container candidate before CreateModel.
SINGLE_CONTAINER_REQUIRED = "SingleContainerRequired"

# The version of the model's Data the constructs read (GetAtt). Not part of the configuration:
# raising it makes CloudFormation send an Update that rebuilds Data in place (new keys for a
# model made by an older handler), never a new model. 2: InputContentTypes and AcceptTypes.
MODEL_DATA_VERSION = "DataVersion"
MODEL_DATA_VERSION_VALUE = "2"
MODEL_IN_PLACE_PROPERTIES = (MODEL_DATA_VERSION,)

# Properties of Custom::AutopilotTransformJob that are passed to CreateTransformJob as they are.
TRANSFORM_REQUEST_PROPERTIES = (
    "ModelName",
    "TransformInput",
    "TransformOutput",
    "TransformResources",
    "BatchStrategy",
    "MaxPayloadInMB",
    "MaxConcurrentTransforms",
    "ModelClientConfig",
    "DataProcessing",
    "Environment",
)
# Properties that change how the handler waits, not the job itself.
TRANSFORM_WAIT_PROPERTIES = ("WaitForCompletion", "WaitTimeoutSeconds")
# What the model reads and answers (its Data InputContentTypes / AcceptTypes, comma-joined; empty:
# not known). Checked against TransformInput.ContentType / TransformOutput.Accept before the job
# starts; never sent to CreateTransformJob and not part of the job's configuration.
MODEL_INPUT_CONTENT_TYPES = "ModelInputContentTypes"
MODEL_ACCEPT_TYPES = "ModelAcceptTypes"
TRANSFORM_MODEL_FACT_PROPERTIES = (MODEL_INPUT_CONTENT_TYPES, MODEL_ACCEPT_TYPES)

# Every property each resource type has ever been created with: an unknown one is refused,
# naming it, so a misspelt property never deploys the defaults silently. Only ever add here.
MODEL_PROPERTIES = (
    SERVICE_TOKEN,
    "AutoMLJobName",
    "CandidateName",
    "InferenceResponseKeys",
    "ExecutionRoleArn",
    "ModelNamePrefix",
    "VpcConfig",
    "EnableNetworkIsolation",
    "ArtifactS3Uri",
    "ProcessingUnit",
    "SourceRoleArn",
    SINGLE_CONTAINER_REQUIRED,
    MODEL_DATA_VERSION,
    TAGS,
)
TRANSFORM_JOB_PROPERTIES = (
    SERVICE_TOKEN,
    "TransformJobNamePrefix",
    *TRANSFORM_REQUEST_PROPERTIES,
    *TRANSFORM_WAIT_PROPERTIES,
    *TRANSFORM_MODEL_FACT_PROPERTIES,
    TAGS,
)


class PropertyError(ValueError):
    """A resource property the handler cannot use."""


def parse_bool(value: Any, name: str, default: bool = False) -> bool:
    """Read a boolean property that CloudFormation may have turned into a string."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise PropertyError(f"Property {name} must be true or false; got {value!r}.")


def parse_int(value: Any, name: str, default: int | None = None) -> int | None:
    """Read an integer property that CloudFormation may have turned into a string."""
    if value is None or value == "":
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise PropertyError(f"Property {name} must be a whole number; got {value!r}.") from None


def parse_tags(value: Any) -> dict[str, str]:
    """Tags as a ``{key: value}`` map, from CloudFormation's ``[{Key, Value}]`` list."""
    if not value:
        return {}
    tags: dict[str, str] = {}
    for tag in value:
        if not isinstance(tag, Mapping) or "Key" not in tag:
            raise PropertyError(f"Property Tags must be a list of {{Key, Value}} objects; got {tag!r}.")
        tags[str(tag["Key"])] = str(tag.get("Value", ""))
    return tags


def check_known(properties: Mapping[str, Any], known: tuple[str, ...], resource_type: str) -> None:
    """Refuse a property ``resource_type`` does not have, naming it, a close known name, and the known ones."""
    unknown = sorted(name for name in properties if name not in known)
    if not unknown:
        return
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1)
        hints.append(f"{name} (did you mean {close[0]}?)" if close else name)
    listed = ", ".join(name for name in known if name != SERVICE_TOKEN)
    raise PropertyError(
        f"{resource_type} has no propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(hints)}. "
        f"Its properties are: {listed}. Fix the template (the constructs only send known properties)."
    )


def configuration(properties: Mapping[str, Any], *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The properties that define the resource: all but the service token, tags and ``exclude``."""
    ignored = {SERVICE_TOKEN, TAGS, *exclude}
    return {name: value for name, value in properties.items() if name not in ignored}


def _required(properties: Mapping[str, Any], name: str) -> str:
    value = properties.get(name)
    if value is None or str(value).strip() == "":
        raise PropertyError(f"Property {name} is required.")
    return str(value)


def _optional(properties: Mapping[str, Any], name: str) -> str | None:
    value = properties.get(name)
    return None if value is None or str(value).strip() == "" else str(value)


@dataclass(frozen=True)
class ModelProperties:
    """Properties of ``Custom::AutopilotModel``."""

    automl_job_name: str
    execution_role_arn: str
    model_name_prefix: str
    candidate_name: str | None = None
    inference_response_keys: tuple[str, ...] = ()
    vpc_config: dict[str, list[str]] | None = None
    enable_network_isolation: bool = False
    artifact_s3_uri: str | None = None
    processing_unit: str = "CPU"
    source_role_arn: str | None = None
    single_container_required: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, properties: Mapping[str, Any]) -> ModelProperties:
        check_known(properties, MODEL_PROPERTIES, MODEL_RESOURCE_TYPE)
        keys = properties.get("InferenceResponseKeys") or ()
        if isinstance(keys, str):
            keys = (keys,)
        processing_unit = (_optional(properties, "ProcessingUnit") or "CPU").upper()
        if processing_unit not in PROCESSING_UNITS:
            raise PropertyError(f"Property ProcessingUnit must be CPU or GPU; got {processing_unit!r}.")
        vpc = properties.get("VpcConfig") or None
        if vpc is not None:
            vpc = {
                "SecurityGroupIds": [str(group) for group in vpc.get("SecurityGroupIds", [])],
                "Subnets": [str(subnet) for subnet in vpc.get("Subnets", [])],
            }
        return cls(
            automl_job_name=_required(properties, "AutoMLJobName"),
            execution_role_arn=_required(properties, "ExecutionRoleArn"),
            model_name_prefix=_required(properties, "ModelNamePrefix"),
            candidate_name=_optional(properties, "CandidateName"),
            inference_response_keys=tuple(str(key) for key in keys),
            vpc_config=vpc,
            enable_network_isolation=parse_bool(properties.get("EnableNetworkIsolation"), "EnableNetworkIsolation"),
            artifact_s3_uri=_optional(properties, "ArtifactS3Uri"),
            processing_unit=processing_unit,
            source_role_arn=_optional(properties, "SourceRoleArn"),
            single_container_required=parse_bool(
                properties.get(SINGLE_CONTAINER_REQUIRED), SINGLE_CONTAINER_REQUIRED
            ),
            tags=parse_tags(properties.get(TAGS)),
        )


@dataclass(frozen=True)
class TransformJobProperties:
    """Properties of ``Custom::AutopilotTransformJob``."""

    transform_job_name_prefix: str
    request: dict[str, Any]
    """The CreateTransformJob request fields, still as CloudFormation delivered them."""
    wait_for_completion: bool = True
    wait_timeout_seconds: int = 3300
    model_input_content_types: tuple[str, ...] = ()
    """What the model reads (normalized media types); empty: not known, no check."""
    model_accept_types: tuple[str, ...] = ()
    """What the model answers; empty: not known, no check."""
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, properties: Mapping[str, Any]) -> TransformJobProperties:
        check_known(properties, TRANSFORM_JOB_PROPERTIES, TRANSFORM_JOB_RESOURCE_TYPE)
        request = {name: properties[name] for name in TRANSFORM_REQUEST_PROPERTIES if properties.get(name) not in (None, "", {})}
        for name in ("ModelName", "TransformInput", "TransformOutput", "TransformResources"):
            if name not in request:
                raise PropertyError(f"Property {name} is required.")
        timeout = parse_int(properties.get("WaitTimeoutSeconds"), "WaitTimeoutSeconds", 3300)
        assert timeout is not None
        if timeout <= 0:
            raise PropertyError(f"Property WaitTimeoutSeconds must be positive; got {timeout}.")
        return cls(
            transform_job_name_prefix=_required(properties, "TransformJobNamePrefix"),
            request=request,
            wait_for_completion=parse_bool(properties.get("WaitForCompletion"), "WaitForCompletion", True),
            wait_timeout_seconds=timeout,
            model_input_content_types=parse_list(properties.get(MODEL_INPUT_CONTENT_TYPES)),
            model_accept_types=parse_list(properties.get(MODEL_ACCEPT_TYPES)),
            tags=parse_tags(properties.get(TAGS)),
        )
