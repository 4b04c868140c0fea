"""``AutopilotModelBase``: what the constructs that use a model need of it.

:class:`~autopilot_inference.model.AutopilotModel` is the one implementation. The serving
side (:mod:`autopilot_inference.endpoint`) and the prop type checks
(:mod:`autopilot_inference.prop_types`) depend on this base instead, so that the model can
create its endpoints (``add_endpoint``) without the modules importing each other.
"""

from __future__ import annotations

from abc import abstractmethod

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct


class AutopilotModelBase(Construct):
    """A SageMaker model of an Autopilot candidate, as endpoints and checks see it."""

    @property
    @abstractmethod
    def model_name(self) -> str:
        """The model's name (a token)."""

    @property
    @abstractmethod
    def role(self) -> iam.IRole:
        """The execution role SageMaker runs the model with."""

    @property
    @abstractmethod
    def in_vpc(self) -> bool:
        """Whether the containers run in a VPC."""

    @property
    @abstractmethod
    def network_isolation(self) -> bool:
        """Whether the containers run without network access."""

    @abstractmethod
    def require_single_container(self) -> None:
        """Make the deployment refuse a candidate of more than one container."""

    @abstractmethod
    def allow_write_results(self, uri: str, *, dependent: IConstruct | None = None) -> None:
        """Let the execution role write objects under ``uri``; ``dependent`` waits for that permission."""

    @abstractmethod
    def allow_key_use(self, key: kms.IKey, *, encrypt: bool, dependent: IConstruct | None = None) -> None:
        """Let the execution role decrypt (and, with ``encrypt``, encrypt) with ``key``."""


__all__ = ["AutopilotModelBase"]
