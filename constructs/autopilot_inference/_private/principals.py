"""Service principals named by more than one room's statements."""

from __future__ import annotations

SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"
"""SageMaker: assumes the model's execution role, and the service a role is passed to (``iam:PassedToService``)."""
