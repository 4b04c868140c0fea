"""AWS CDK constructs that deploy a finished SageMaker Autopilot job as inference infrastructure."""

from ._lambda.autopilot_runtime.response_keys import (
    InferenceResponseKey,
    InferenceResponseKeyError,
    apply_inference_response_keys,
)

__all__ = [
    "InferenceResponseKey",
    "InferenceResponseKeyError",
    "apply_inference_response_keys",
]
