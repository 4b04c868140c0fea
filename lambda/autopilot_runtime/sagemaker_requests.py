"""The SageMaker requests (``CreateModel``, ``CreateTransformJob``) built from CloudFormation properties.

CloudFormation delivers every scalar as a string. :func:`coerce` walks botocore's input
shape of the operation and turns ``"2"`` into ``2`` where the API wants an integer,
``"true"`` into ``True`` where it wants a boolean, and so on, so the request the
handler sends is exactly what the API model describes. Pure functions: the shape is
passed in (``client.meta.service_model.operation_model(name).input_shape``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import contract
from .ownership import current_owner, with_owner
from .properties import ModelProperties, PropertyError, TransformJobProperties, parse_bool

_INTEGER_TYPES = ("integer", "long")
_FLOAT_TYPES = ("float", "double")


def _is_absent(value: Any) -> bool:
    return value is None or value == ""


def coerce(value: Any, shape: Any, path: str) -> Any:
    """``value`` converted to the type botocore's ``shape`` describes.

    Structures, lists and maps are walked recursively; optional structure members that
    are ``None`` or ``""`` are dropped. Members the shape does not know are kept as they
    are, for botocore's parameter validation to report. ``path`` names the value in errors.
    """
    type_name = shape.type_name
    if type_name == "structure":
        if not isinstance(value, Mapping):
            raise PropertyError(f"Property {path} must be an object; got {value!r}.")
        required = set(shape.required_members)
        result: dict[str, Any] = {}
        for name, item in value.items():
            if _is_absent(item) and name not in required:
                continue
            member = shape.members.get(name)
            result[name] = item if member is None else coerce(item, member, f"{path}.{name}")
        return result
    if type_name == "list":
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise PropertyError(f"Property {path} must be a list; got {value!r}.")
        return [coerce(item, shape.member, f"{path}[{index}]") for index, item in enumerate(value)]
    if type_name == "map":
        if not isinstance(value, Mapping):
            raise PropertyError(f"Property {path} must be an object; got {value!r}.")
        return {str(key): coerce(item, shape.value, f"{path}.{key}") for key, item in value.items()}
    if type_name in _INTEGER_TYPES:
        if isinstance(value, bool):
            raise PropertyError(f"Property {path} must be a whole number; got {value!r}.")
        try:
            return int(str(value).strip())
        except ValueError:
            raise PropertyError(f"Property {path} must be a whole number; got {value!r}.") from None
    if type_name in _FLOAT_TYPES:
        try:
            return float(str(value).strip())
        except ValueError:
            raise PropertyError(f"Property {path} must be a number; got {value!r}.") from None
    if type_name == "boolean":
        return parse_bool(value, path)
    if type_name == "string" and isinstance(value, bool):
        return "true" if value else "false"
    if type_name == "string" and isinstance(value, (int, float)):
        return str(value)
    return value


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """Tags in the API's ``[{Key, Value}]`` form."""
    return [{contract.TAG_KEY: key, contract.TAG_VALUE: value} for key, value in tags.items()]


def create_tags(tags: Mapping[str, str], owner: str | None = None) -> list[dict[str, str]]:
    """The ``Tags`` of a create request: the user's and the owner tag (``owner``, default: the function's environment)."""
    return tag_list(with_owner(tags, owner if owner is not None else current_owner()))


def create_model_request(
    model_name: str,
    containers: Sequence[Mapping[str, Any]],
    properties: ModelProperties,
    extra_tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``CreateModel`` keyword arguments; ``extra_tags`` (the handler's own) follow the resource's tags,
    then the owner tag (see :mod:`.ownership`)."""
    request: dict[str, Any] = {
        contract.MODEL_NAME: model_name,
        "Containers": [dict(container) for container in containers],
        contract.EXECUTION_ROLE_ARN: properties.execution_role_arn,
        contract.ENABLE_NETWORK_ISOLATION: properties.enable_network_isolation,
    }
    if properties.vpc_config:
        request[contract.VPC_CONFIG] = properties.vpc_config
    tags = create_tags({**properties.tags, **(extra_tags or {})})
    if tags:
        request[contract.TAGS] = tags
    return request


def create_transform_job_request(
    job_name: str, properties: TransformJobProperties, input_shape: Any
) -> dict[str, Any]:
    """``CreateTransformJob`` keyword arguments, typed by the operation's ``input_shape`` (tagged with the owner)."""
    request: dict[str, Any] = {"TransformJobName": job_name}
    for name in contract.TRANSFORM_REQUEST_PROPERTIES:
        value = properties.request.get(name)
        if _is_absent(value):
            continue
        request[name] = coerce(value, input_shape.members[name], name)
    tags = create_tags(properties.tags)
    if tags:
        request[contract.TAGS] = tags
    return request

