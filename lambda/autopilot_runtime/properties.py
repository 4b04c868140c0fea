"""The custom resources' property contract, shared by the constructs and the handler.

CloudFormation delivers every scalar property as a string (``true``, ``3600``); the
parsers here turn them back into typed values. Transform properties mirror the
``CreateTransformJob`` request shapes so a reviewer reads the API's own names.
Handlers must keep accepting every property format they ever created resources with:
add properties, never rename or remove them.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from . import contract
from .media_types import parse_list
from .response_keys import NO_KEYS, NormalizedKeys, normalize_inference_response_keys

__all__ = [
    "ModelPackageProperties",
    "ModelProperties",
    "PackageModelProperties",
    "PropertyError",
    "TransformJobProperties",
    "check_known",
    "configuration",
    "configuration_changes",
    "job_configuration",
    "model_configuration",
    "parse_bool",
    "parse_int",
    "parse_response_keys",
    "parse_tags",
]


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
        if not isinstance(tag, Mapping) or contract.TAG_KEY not in tag:
            raise PropertyError(f"Property Tags must be a list of {{Key, Value}} objects; got {tag!r}.")
        tags[str(tag[contract.TAG_KEY])] = str(tag.get(contract.TAG_VALUE, ""))
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
    listed = ", ".join(name for name in known if name != contract.SERVICE_TOKEN)
    raise PropertyError(
        f"{resource_type} has no propert{'y' if len(unknown) == 1 else 'ies'} {', '.join(hints)}. "
        f"Its properties are: {listed}. Fix the template (the constructs only send known properties)."
    )


def configuration(properties: Mapping[str, Any], *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The properties that define the resource: all but the service token, tags and ``exclude``."""
    ignored = {contract.SERVICE_TOKEN, contract.TAGS, *exclude}
    return {name: value for name, value in properties.items() if name not in ignored}


def model_configuration(raw: Mapping[str, Any]) -> dict[str, Any]:
    """What defines a model: every property but the service token, tags and the in-place ones (``DataVersion``)."""
    return configuration(raw, exclude=contract.MODEL_IN_PLACE_PROPERTIES)


def job_configuration(raw: Mapping[str, Any]) -> dict[str, Any]:
    """What defines a transform job: every property but the service token, tags, the wait properties and the
    model's media types (facts of the model, which ``ModelName`` already stands for)."""
    return configuration(raw, exclude=contract.TRANSFORM_WAIT_PROPERTIES + contract.TRANSFORM_MODEL_FACT_PROPERTIES)


def configuration_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], defining: Callable[[Mapping[str, Any]], Mapping[str, Any]]
) -> tuple[str, ...]:
    """The names of the ``defining`` properties (a configuration) whose values differ between ``old`` and ``new``,
    sorted: a resource whose configuration changes is replaced (``lifecycle.replaces``; ``diff`` says why)."""
    before, after = defining(old), defining(new)
    return tuple(sorted(name for name in {*before, *after} if before.get(name) != after.get(name)))


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
    """Properties of the model resource (``contract.MODEL_RESOURCE_TYPE``)."""

    automl_job_name: str
    execution_role_arn: str
    model_name_prefix: str
    candidate_name: str | None = None
    inference_response_keys: NormalizedKeys = NO_KEYS
    """Normalized once, when parsed (:func:`parse_response_keys`)."""
    vpc_config: dict[str, list[str]] | None = None
    enable_network_isolation: bool = False
    artifact_s3_uri: str | None = None
    processing_unit: str = contract.DEFAULT_PROCESSING_UNIT
    source_role_arn: str | None = None
    single_container_required: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, properties: Mapping[str, Any]) -> ModelProperties:
        check_known(properties, contract.MODEL_PROPERTIES, contract.MODEL_RESOURCE_TYPE)
        return cls(
            automl_job_name=_required(properties, contract.AUTOML_JOB_NAME),
            execution_role_arn=_required(properties, contract.EXECUTION_ROLE_ARN),
            model_name_prefix=_required(properties, contract.MODEL_NAME_PREFIX),
            candidate_name=_optional(properties, contract.CANDIDATE_NAME),
            inference_response_keys=parse_response_keys(properties),
            vpc_config=_vpc(properties.get(contract.VPC_CONFIG) or None),
            enable_network_isolation=parse_bool(
                properties.get(contract.ENABLE_NETWORK_ISOLATION), contract.ENABLE_NETWORK_ISOLATION
            ),
            artifact_s3_uri=_optional(properties, contract.ARTIFACT_S3_URI),
            processing_unit=_processing_unit(properties),
            source_role_arn=_optional(properties, contract.SOURCE_ROLE_ARN),
            single_container_required=parse_bool(
                properties.get(contract.SINGLE_CONTAINER_REQUIRED), contract.SINGLE_CONTAINER_REQUIRED
            ),
            tags=parse_tags(properties.get(contract.TAGS)),
        )


def parse_response_keys(properties: Mapping[str, Any]) -> NormalizedKeys:
    """``InferenceResponseKeys`` as the handler's one normalization reads it, in every format a template has held:
    absent or empty, a list of keys (the constructs' normalized list; an item a token resolved may hold several
    comma-separated keys), or one comma-separated string."""
    keys = properties.get(contract.INFERENCE_RESPONSE_KEYS) or ()
    if isinstance(keys, str):
        keys = (keys,)
    return normalize_inference_response_keys(tuple(str(key) for key in keys))


def _processing_unit(properties: Mapping[str, Any]) -> str:
    unit = (_optional(properties, contract.PROCESSING_UNIT) or contract.DEFAULT_PROCESSING_UNIT).upper()
    if unit not in contract.PROCESSING_UNITS:
        raise PropertyError(f"Property {contract.PROCESSING_UNIT} must be {' or '.join(contract.PROCESSING_UNITS)}; got {unit!r}.")
    return unit


def _strings(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    return tuple(str(item) for item in ([value] if isinstance(value, str) else value))


@dataclass(frozen=True)
class ModelPackageProperties:
    """Properties of the registration resource (``contract.MODEL_PACKAGE_RESOURCE_TYPE``)."""

    automl_job_name: str
    model_package_group_name: str
    candidate_name: str | None = None
    inference_response_keys: NormalizedKeys = NO_KEYS
    description: str | None = None
    approval_status: str = contract.DEFAULT_APPROVAL_STATUS
    transform_instance_types: tuple[str, ...] = ()
    realtime_instance_types: tuple[str, ...] = ()
    artifact_s3_uri: str | None = None
    processing_unit: str = contract.DEFAULT_PROCESSING_UNIT
    source_role_arn: str | None = None
    delete_versions_on_removal: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, properties: Mapping[str, Any]) -> ModelPackageProperties:
        check_known(properties, contract.MODEL_PACKAGE_PROPERTIES, contract.MODEL_PACKAGE_RESOURCE_TYPE)
        status = _optional(properties, contract.MODEL_APPROVAL_STATUS) or contract.DEFAULT_APPROVAL_STATUS
        if status not in contract.APPROVAL_STATUSES:
            raise PropertyError(
                f"Property {contract.MODEL_APPROVAL_STATUS} must be one of {', '.join(contract.APPROVAL_STATUSES)}; got {status!r}."
            )
        return cls(
            automl_job_name=_required(properties, contract.AUTOML_JOB_NAME),
            model_package_group_name=_required(properties, contract.MODEL_PACKAGE_GROUP_NAME),
            candidate_name=_optional(properties, contract.CANDIDATE_NAME),
            inference_response_keys=parse_response_keys(properties),
            description=_optional(properties, contract.MODEL_PACKAGE_DESCRIPTION),
            approval_status=status,
            transform_instance_types=_strings(properties.get(contract.SUPPORTED_TRANSFORM_INSTANCE_TYPES)),
            realtime_instance_types=_strings(properties.get(contract.SUPPORTED_REALTIME_INFERENCE_INSTANCE_TYPES)),
            artifact_s3_uri=_optional(properties, contract.ARTIFACT_S3_URI),
            processing_unit=_processing_unit(properties),
            source_role_arn=_optional(properties, contract.SOURCE_ROLE_ARN),
            delete_versions_on_removal=parse_bool(
                properties.get(contract.DELETE_VERSIONS_ON_REMOVAL), contract.DELETE_VERSIONS_ON_REMOVAL
            ),
            tags=parse_tags(properties.get(contract.TAGS)),
        )


@dataclass(frozen=True)
class PackageModelProperties:
    """Properties of a model of a registered version (``contract.PACKAGE_MODEL_RESOURCE_TYPE``)."""

    execution_role_arn: str
    model_name_prefix: str
    model_package_group_arn: str | None = None
    model_package_arn: str | None = None
    vpc_config: dict[str, list[str]] | None = None
    enable_network_isolation: bool = False
    single_container_required: bool = False
    tags: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, properties: Mapping[str, Any]) -> PackageModelProperties:
        check_known(properties, contract.PACKAGE_MODEL_PROPERTIES, contract.PACKAGE_MODEL_RESOURCE_TYPE)
        group = _optional(properties, contract.MODEL_PACKAGE_GROUP_ARN)
        version = _optional(properties, contract.MODEL_PACKAGE_ARN)
        if (group is None) == (version is None):
            raise PropertyError(
                f"Exactly one of the properties {contract.MODEL_PACKAGE_GROUP_ARN} and {contract.MODEL_PACKAGE_ARN} is required."
            )
        if version is not None and not contract.MODEL_PACKAGE_VERSION_ARN_PATTERN.match(version):
            raise PropertyError(
                f"Property {contract.MODEL_PACKAGE_ARN} must be a version ARN "
                f"(arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>); got {version!r}."
            )
        if group is not None and not contract.MODEL_PACKAGE_GROUP_ARN_PATTERN.match(group):
            raise PropertyError(
                f"Property {contract.MODEL_PACKAGE_GROUP_ARN} must be a group ARN "
                f"(arn:aws:sagemaker:<region>:<account>:model-package-group/<group>); got {group!r}."
            )
        return cls(
            execution_role_arn=_required(properties, contract.EXECUTION_ROLE_ARN),
            model_name_prefix=_required(properties, contract.MODEL_NAME_PREFIX),
            model_package_group_arn=group,
            model_package_arn=version,
            vpc_config=_vpc(properties.get(contract.VPC_CONFIG) or None),
            enable_network_isolation=parse_bool(
                properties.get(contract.ENABLE_NETWORK_ISOLATION), contract.ENABLE_NETWORK_ISOLATION
            ),
            single_container_required=parse_bool(
                properties.get(contract.SINGLE_CONTAINER_REQUIRED), contract.SINGLE_CONTAINER_REQUIRED
            ),
            tags=parse_tags(properties.get(contract.TAGS)),
        )


def _vpc(vpc: Any) -> dict[str, list[str]] | None:
    if vpc is None:
        return None
    return {
        contract.SECURITY_GROUP_IDS: [str(group) for group in vpc.get(contract.SECURITY_GROUP_IDS, [])],
        contract.SUBNETS: [str(subnet) for subnet in vpc.get(contract.SUBNETS, [])],
    }


@dataclass(frozen=True)
class TransformJobProperties:
    """Properties of the transform job resource (``contract.TRANSFORM_JOB_RESOURCE_TYPE``)."""

    transform_job_name_prefix: str
    request: dict[str, Any]
    """The CreateTransformJob request fields, still as CloudFormation delivered them."""
    wait_for_completion: bool = True
    wait_timeout_seconds: int = contract.DEFAULT_WAIT_TIMEOUT_SECONDS
    model_input_content_types: tuple[str, ...] = ()
    """What the model reads (normalized media types); empty: not known, no check."""
    model_accept_types: tuple[str, ...] = ()
    """What the model answers; empty: not known, no check."""
    tags: dict[str, str] = field(default_factory=dict)
    wait_handle: str | None = None
    """The logical id of the wait condition handle that waits for the job (``None``: nothing waits)."""

    @property
    def waits(self) -> bool:
        """Whether a wait condition waits for the job this resource starts."""
        return self.wait_for_completion and self.wait_handle is not None

    @classmethod
    def parse(cls, properties: Mapping[str, Any]) -> TransformJobProperties:
        check_known(properties, contract.TRANSFORM_JOB_PROPERTIES, contract.TRANSFORM_JOB_RESOURCE_TYPE)
        request = {name: properties[name] for name in contract.TRANSFORM_REQUEST_PROPERTIES if properties.get(name) not in (None, "", {})}
        for name in contract.TRANSFORM_REQUIRED_PROPERTIES:
            if name not in request:
                raise PropertyError(f"Property {name} is required.")
        timeout = parse_int(
            properties.get(contract.WAIT_TIMEOUT_SECONDS), contract.WAIT_TIMEOUT_SECONDS, contract.DEFAULT_WAIT_TIMEOUT_SECONDS
        )
        assert timeout is not None
        if timeout <= 0:
            raise PropertyError(f"Property {contract.WAIT_TIMEOUT_SECONDS} must be positive; got {timeout}.")
        return cls(
            transform_job_name_prefix=_required(properties, contract.TRANSFORM_JOB_NAME_PREFIX),
            request=request,
            wait_for_completion=parse_bool(properties.get(contract.WAIT_FOR_COMPLETION), contract.WAIT_FOR_COMPLETION, True),
            wait_timeout_seconds=timeout,
            model_input_content_types=parse_list(properties.get(contract.MODEL_INPUT_CONTENT_TYPES)),
            model_accept_types=parse_list(properties.get(contract.MODEL_ACCEPT_TYPES)),
            tags=parse_tags(properties.get(contract.TAGS)),
            wait_handle=str(properties.get(contract.WAIT_HANDLE) or "") or None,
        )
