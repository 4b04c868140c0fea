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
    "AutopilotBatchTransform": ".transform.batch",
    "AutopilotEndpoint": ".serving.endpoint",
    "EndpointProps": ".serving.endpoint",
    "EndpointDataCapture": ".serving.data_capture",
    "ServerlessConfig": ".serving.serverless",
    "BlueGreenUpdate": ".serving.deployment",
    "RollingUpdate": ".serving.deployment",
    "TrafficRouting": ".serving.deployment",
    "CapacitySize": ".serving.deployment",
    "EndpointAlarms": ".serving.alarms",
    "ScalableInstanceCount": ".serving.scaling",
    "AutopilotModel": ".model.model",
    "PackageModelProps": ".model.model",
    "AutopilotModelPackage": ".registry.model_package",
    "model_package_group_policy": ".provider.permissions",
    "registry_artifact_policy": ".provider.permissions",
    "AutopilotInferenceProvider": ".provider.provider",
    "AutopilotScheduledTransform": ".transform.scheduled",
    "TransformOptionsProps": ".transform.options",
    "AutopilotValidationError": ".checks.problems",
    "add_nag_checks": ".compliance.nag",
    "raise_for_errors": ".checks.problems",
    "source_role_policy": ".model.cross_account",
    "source_role_trust_policy": ".model.cross_account",
}

if TYPE_CHECKING:
    from .checks.problems import AutopilotValidationError, raise_for_errors
    from .compliance.nag import add_nag_checks
    from .model.cross_account import source_role_policy, source_role_trust_policy
    from .model.model import AutopilotModel, PackageModelProps
    from .provider.permissions import model_package_group_policy, registry_artifact_policy
    from .provider.provider import AutopilotInferenceProvider
    from .registry.model_package import AutopilotModelPackage
    from .serving.alarms import EndpointAlarms
    from .serving.data_capture import EndpointDataCapture
    from .serving.deployment import BlueGreenUpdate, CapacitySize, RollingUpdate, TrafficRouting
    from .serving.endpoint import AutopilotEndpoint, EndpointProps
    from .serving.scaling import ScalableInstanceCount
    from .serving.serverless import ServerlessConfig
    from .transform.batch import AutopilotBatchTransform
    from .transform.options import TransformOptionsProps
    from .transform.scheduled import AutopilotScheduledTransform


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
    "PackageModelProps",
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
