"""AWS CDK constructs that deploy a finished SageMaker Autopilot job as inference infrastructure.

The constructs import aws-cdk-lib, which starts jsii's Node process; they are loaded on
first use, so the response-key engine and the command line (``python -m
autopilot_inference plan``) start without it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._lambda.autopilot_runtime.response_keys import (
    InferenceResponseKey,
    InferenceResponseKeyError,
    apply_inference_response_keys,
)

_CONSTRUCT_MODULES = {
    "AutopilotBatchTransform": ".batch_transform",
    "AutopilotEndpoint": ".endpoint",
    "EndpointProps": ".endpoint",
    "EndpointDataCapture": ".data_capture",
    "ServerlessConfig": ".serverless",
    "BlueGreenUpdate": ".deployment",
    "RollingUpdate": ".deployment",
    "TrafficRouting": ".deployment",
    "CapacitySize": ".deployment",
    "EndpointAlarms": ".alarms",
    "ScalableInstanceCount": ".scaling",
    "AutopilotModel": ".model",
    "AutopilotModelPackage": ".model_package",
    "model_package_group_policy": ".provider_permissions",
    "registry_artifact_policy": ".provider_permissions",
    "AutopilotInferenceProvider": ".provider",
    "AutopilotScheduledTransform": ".scheduled_transform",
    "TransformOptionsProps": "._transform_options",
    "AutopilotValidationError": "._problems",
    "add_nag_checks": ".nag",
    "raise_for_errors": "._problems",
    "source_role_policy": ".cross_account",
    "source_role_trust_policy": ".cross_account",
}

if TYPE_CHECKING:
    from ._problems import AutopilotValidationError, raise_for_errors
    from ._transform_options import TransformOptionsProps
    from .alarms import EndpointAlarms
    from .batch_transform import AutopilotBatchTransform
    from .cross_account import source_role_policy, source_role_trust_policy
    from .data_capture import EndpointDataCapture
    from .deployment import BlueGreenUpdate, CapacitySize, RollingUpdate, TrafficRouting
    from .endpoint import AutopilotEndpoint, EndpointProps
    from .model import AutopilotModel
    from .model_package import AutopilotModelPackage
    from .nag import add_nag_checks
    from .provider import AutopilotInferenceProvider
    from .provider_permissions import model_package_group_policy, registry_artifact_policy
    from .scaling import ScalableInstanceCount
    from .scheduled_transform import AutopilotScheduledTransform
    from .serverless import ServerlessConfig


def __getattr__(name: str) -> Any:
    module = _CONSTRUCT_MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_CONSTRUCT_MODULES})


__all__ = [
    "AutopilotBatchTransform",
    "AutopilotEndpoint",
    "AutopilotInferenceProvider",
    "AutopilotModel",
    "AutopilotModelPackage",
    "AutopilotScheduledTransform",
    "AutopilotValidationError",
    "BlueGreenUpdate",
    "CapacitySize",
    "EndpointAlarms",
    "EndpointDataCapture",
    "EndpointProps",
    "InferenceResponseKey",
    "InferenceResponseKeyError",
    "RollingUpdate",
    "ScalableInstanceCount",
    "ServerlessConfig",
    "TrafficRouting",
    "TransformOptionsProps",
    "add_nag_checks",
    "apply_inference_response_keys",
    "model_package_group_policy",
    "raise_for_errors",
    "registry_artifact_policy",
    "source_role_policy",
    "source_role_trust_policy",
]
