"""The SageMaker Python SDK 2.x response-key algorithm, as the oracle for property tests.

Transcribed from ``sagemaker/automl/automl.py`` of sagemaker 2.257.7 (Apache-2.0):
``AutoML._get_supported_inference_keys``, ``_check_inference_keys`` and
``validate_and_update_inference_response``. Kept behaviour-for-behaviour, including
mutating the containers it is given; callers pass a deep copy.
"""

from __future__ import annotations

from typing import Any


def _get_supported_inference_keys(container: dict[str, Any], default: list[str] | None = None) -> list[str]:
    try:
        return [x.strip() for x in container["Environment"]["SAGEMAKER_INFERENCE_SUPPORTED"].split(",")]
    except KeyError:
        if default is None:
            raise
    return default


def _check_inference_keys(inference_response_keys: list[str], containers: list[dict[str, Any]]) -> None:
    if not inference_response_keys:
        return
    try:
        supported_inference_keys = _get_supported_inference_keys(container=containers[-1])
    except KeyError:
        raise ValueError("The inference model does not support selection of inference content beyond it's default content.")  # noqa: B904 - transcribed as the SDK has it
    bad_keys = [key for key in inference_response_keys if key not in supported_inference_keys]
    if bad_keys:
        raise ValueError(f"Requested inference output keys [{', '.join(bad_keys)}] are unsupported.")


def validate_and_update_inference_response(
    inference_containers: list[dict[str, Any]], inference_response_keys: list[str]
) -> None:
    if not inference_response_keys:
        return
    _check_inference_keys(inference_response_keys, inference_containers)
    previous_container_output = None
    for container in inference_containers:
        supported_inference_keys_container = _get_supported_inference_keys(container, default=[])
        if not supported_inference_keys_container:
            previous_container_output = None
            continue
        current_container_output = None
        for key in inference_response_keys:
            if key in supported_inference_keys_container:
                current_container_output = current_container_output + "," + key if current_container_output else key
        if previous_container_output:
            container["Environment"].update({"SAGEMAKER_INFERENCE_INPUT": previous_container_output})
        if current_container_output:
            container["Environment"].update({"SAGEMAKER_INFERENCE_OUTPUT": current_container_output})
        previous_container_output = current_container_output
