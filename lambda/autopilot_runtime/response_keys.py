"""Response-key engine: chooses what an Autopilot classification model returns.

Autopilot's inference containers declare the keys they can emit in
``SAGEMAKER_INFERENCE_SUPPORTED``. Selecting keys writes ``SAGEMAKER_INFERENCE_OUTPUT``
into every container that declares support, and ``SAGEMAKER_INFERENCE_INPUT`` (the
previous container's output) into each one that follows another such container.

The result matches the SageMaker Python SDK 2.x ``inference_response_keys`` behaviour
for every input it accepts, without its defects: inputs are never mutated, a key list
may be one comma-separated string, spaces are trimmed and duplicates dropped.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NewType, Union

SUPPORTED_VARIABLE = "SAGEMAKER_INFERENCE_SUPPORTED"
INPUT_VARIABLE = "SAGEMAKER_INFERENCE_INPUT"
OUTPUT_VARIABLE = "SAGEMAKER_INFERENCE_OUTPUT"


class InferenceResponseKey(str, enum.Enum):
    """The four keys an Autopilot classification model can return."""

    PREDICTED_LABEL = "predicted_label"
    """The label with the highest probability."""
    PROBABILITY = "probability"
    """Binary: the probability of the true class; multiclass: of the predicted label."""
    PROBABILITIES = "probabilities"
    """The probabilities of all classes."""
    LABELS = "labels"
    """All labels, in the order of ``probabilities``."""

    def __str__(self) -> str:
        return self.value


KNOWN_KEYS: tuple[str, ...] = tuple(key.value for key in InferenceResponseKey)

ContainerDefinition = dict[str, Any]
ResponseKeys = Union[str, Iterable[str], None]
"""Keys as a user gives them: a list (items may hold comma-separated keys), one comma-separated string, or none."""

NormalizedKeys = NewType("NormalizedKeys", tuple[str, ...])
"""Keys in their one canonical form: in order, trimmed, without empty items or duplicates. Only
:func:`normalize_inference_response_keys` makes them (once per side: the construct, whose template value is this
form, and the handler, parsing that value); everything downstream takes them as they are."""

NO_KEYS = NormalizedKeys(())
"""No keys: the containers keep their default output."""


class InferenceResponseKeyError(ValueError):
    """Requested response keys that the model cannot return."""


def normalize_inference_response_keys(
    keys: ResponseKeys, prop: str | None = None, *, keep: Callable[[str], bool] | None = None
) -> NormalizedKeys:
    """Return the requested keys in order, trimmed and without duplicates: the one normalization of
    response keys, run once per side (the constructs at synth time, ``plan``'s ``--keys``, the handler's parsing).

    ``keys`` is a list of keys, one comma-separated string, or ``None``; list items
    may themselves hold comma-separated keys. Items for which ``keep`` is true (CDK tokens at
    synth time: the handler splits them) are kept as they are. ``prop`` names the construct prop
    in errors (the handler's errors name no prop).
    """
    if keys is None:
        return NO_KEYS
    items = [keys] if isinstance(keys, str) else list(keys)
    normalized: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InferenceResponseKeyError(
                f"{prop} must hold strings or InferenceResponseKey members; got {item!r} of type {type(item).__name__}."
                if prop
                else f"Inference response keys must be strings; got {item!r} of type {type(item).__name__}."
            )
        parts = [item] if keep is not None and keep(item) else str.__str__(item).split(",")
        for part in parts:
            key = part.strip()
            if key and key not in normalized:
                normalized.append(key)
    return NormalizedKeys(tuple(normalized))


def requested_inference_response_keys(
    keys: ResponseKeys, prop: str = "inference_response_keys", *, keep: Callable[[str], bool] | None = None
) -> NormalizedKeys:
    """The keys a user asks for, as the constructs check them at synth time and ``plan`` before it reads a job:
    normalized, and each one of the four (:func:`check_known_inference_response_keys`); errors name ``prop``."""
    normalized = normalize_inference_response_keys(keys, prop, keep=keep)
    check_known_inference_response_keys(normalized, prop, keep=keep)
    return normalized


def check_known_inference_response_keys(
    keys: Sequence[str], prop: str = "inference_response_keys", *, keep: Callable[[str], bool] | None = None
) -> None:
    """Refuse a key that is not one of the four (:data:`KNOWN_KEYS`), naming ``prop``: a typo is caught before any
    container is read (synth time, ``plan``). Keys for which ``keep`` is true (tokens) are not checked."""
    for key in keys:
        if key not in KNOWN_KEYS and not (keep is not None and keep(key)):
            raise InferenceResponseKeyError(
                f"{prop} has unknown key {key!r}; Autopilot models can only return "
                f"{', '.join(KNOWN_KEYS)}. Use InferenceResponseKey members or these names."
            )


def supported_inference_keys(container: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The keys a container declares in ``SAGEMAKER_INFERENCE_SUPPORTED``.

    ``None`` when the container does not declare the variable at all.
    """
    declared = (container.get("Environment") or {}).get(SUPPORTED_VARIABLE)
    if declared is None:
        return None
    return tuple(key.strip() for key in str(declared).split(","))


def describe_container(containers: Sequence[Mapping[str, Any]], index: int) -> str:
    """A short human name for one container of a candidate: position and image."""
    image = containers[index].get("Image", "unknown image")
    return f"container {index + 1} of {len(containers)} ({image})"


def check_inference_response_keys(containers: Sequence[Mapping[str, Any]], keys: NormalizedKeys) -> None:
    """Refuse ``keys`` the model cannot return: as in the SDK, its last container decides. No keys: nothing to check."""
    if not keys:
        return
    if not containers:
        raise InferenceResponseKeyError(
            f"Cannot select inference response keys {', '.join(keys)}: the candidate has no inference containers."
        )
    last = len(containers) - 1
    supported = supported_inference_keys(containers[last])
    if supported is None:
        raise InferenceResponseKeyError(
            f"This model does not support selecting inference response keys: its last "
            f"{describe_container(containers, last)} has no {SUPPORTED_VARIABLE} variable, so it "
            f"only returns its default output (regression models and models trained without "
            f"response-key support behave this way). Remove inference_response_keys "
            f"(requested: {', '.join(keys)})."
        )
    unsupported = [key for key in keys if key not in supported]
    if unsupported:
        offered = ", ".join(key for key in supported if key) or "none"
        raise InferenceResponseKeyError(
            f"Unsupported inference response keys: {', '.join(unsupported)}. The last "
            f"{describe_container(containers, last)} supports: {offered}. Request only supported keys."
        )


def apply_inference_response_keys(
    containers: Sequence[Mapping[str, Any]], keys: ResponseKeys
) -> list[ContainerDefinition]:
    """Return new container definitions configured to return ``keys`` as a user gives them (a list, or one
    comma-separated string): :func:`normalize_inference_response_keys`, then :func:`apply_normalized_keys`.

    Raises:
        InferenceResponseKeyError: a key is not supported by the last container, or the
            model supports no key selection at all.
    """
    return apply_normalized_keys(containers, normalize_inference_response_keys(keys))


def apply_normalized_keys(containers: Sequence[Mapping[str, Any]], keys: NormalizedKeys) -> list[ContainerDefinition]:
    """Return new container definitions configured to return ``keys`` (already normalized: the handler's parsed
    property, ``plan``'s checked ``--keys``).

    Containers are walked in order. One that declares ``SAGEMAKER_INFERENCE_SUPPORTED``
    gets ``SAGEMAKER_INFERENCE_OUTPUT`` = the requested keys it supports, in the order
    requested, joined by ``,``; and ``SAGEMAKER_INFERENCE_INPUT`` = the output of the
    container before it when that one also declared support. A container without the
    variable is left as it is and breaks the chain. No keys: the containers are
    returned unchanged (as copies).

    Raises:
        InferenceResponseKeyError: as :func:`check_inference_response_keys`.
    """
    result = [copy.deepcopy(dict(container)) for container in containers]
    check_inference_response_keys(result, keys)
    if not keys:
        return result
    previous_output: str | None = None
    for container in result:
        supported = supported_inference_keys(container)
        if supported is None:
            previous_output = None
            continue
        output = ",".join(key for key in keys if key in supported) or None
        environment = container["Environment"]
        if previous_output:
            environment[INPUT_VARIABLE] = previous_output
        if output:
            environment[OUTPUT_VARIABLE] = output
        previous_output = output
    return result
