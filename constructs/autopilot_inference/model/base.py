"""``AutopilotModelBase``: what the constructs that use a model need of it.

:class:`~autopilot_inference.model.model.AutopilotModel` is the model a user declares;
:class:`~autopilot_inference.model.consumer_copy.AutopilotModelCopy` is its deployment in a consumer's
stack of the same environment (see :meth:`AutopilotModelBase.in_stack`). The serving side
(:mod:`autopilot_inference.serving.endpoint`) depends on this base instead, so that the model can
create its endpoints (``add_endpoint``) without the modules importing each other.
"""

from __future__ import annotations

from abc import abstractmethod
from functools import cached_property
from typing import Any

from aws_cdk import CustomResource
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

from .._lambda.autopilot_runtime import contract
from ..checks import prop_types


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
    def grant_principal(self) -> iam.IPrincipal:
        """The execution role: grant it access to data, e.g. ``bucket.grant_read(model)`` (from the model's stack)."""
        return self.role.grant_principal

    @property
    @abstractmethod
    def in_vpc(self) -> bool:
        """Whether the containers run in a VPC."""

    @property
    @abstractmethod
    def network_isolation(self) -> bool:
        """Whether the containers run without network access."""

    @property
    @abstractmethod
    def input_content_types(self) -> str:
        """What the candidate reads, comma-joined media types (a token; empty: not known)."""

    @property
    @abstractmethod
    def accept_types(self) -> str:
        """What the candidate answers, comma-joined media types (a token; empty: not known)."""

    properties: dict[str, Any]
    """The model resource's properties as given (a waited job's wait condition hashes them)."""
    property_overrides: dict[str, Any]
    """Properties set after creation (``require_single_container``)."""

    @abstractmethod
    def in_stack(self, scope: IConstruct) -> AutopilotModelBase:
        """The model as ``scope``'s stack uses it: itself in its own stack, else that stack's copy of it."""

    @abstractmethod
    def require_single_container(self) -> None:
        """Make the deployment refuse a candidate of more than one container."""

    @abstractmethod
    def allow_read_transform_input(
        self, uri: str, *, dependent: IConstruct | None = None, list_bucket: bool = True
    ) -> None:
        """Let the execution role read (and, ``list_bucket``, list) the objects whose keys start with ``uri``."""

    @abstractmethod
    def allow_write_results(self, uri: str, *, dependent: IConstruct | None = None) -> None:
        """Let the execution role write objects under ``uri``; ``dependent`` waits for that permission."""

    @abstractmethod
    def allow_key_use(self, key: kms.IKey, *, encrypt: bool, dependent: IConstruct | None = None) -> None:
        """Let the execution role decrypt (and, with ``encrypt``, encrypt) with ``key``."""


class ModelResourceAttributes:
    """The attributes of a ``Custom::AutopilotModel`` resource (``resource``), read when first used."""

    resource: CustomResource

    @cached_property
    def model_name(self) -> str:
        """The model's name, e.g. ``mystack-model-1a2b3c4d5e``."""
        return self.resource.get_att_string(contract.ATTR_MODEL_NAME)

    @cached_property
    def model_arn(self) -> str:
        """The model's ARN."""
        return self.resource.get_att_string(contract.ATTR_MODEL_ARN)

    @cached_property
    def candidate_name(self) -> str:
        """The deployed candidate's name."""
        return self.resource.get_att_string(contract.ATTR_CANDIDATE_NAME)

    @cached_property
    def objective_metric_name(self) -> str:
        """The job's objective metric, e.g. ``validation:f1``."""
        return self.resource.get_att_string(contract.ATTR_OBJECTIVE_METRIC_NAME)

    @cached_property
    def objective_metric_value(self) -> str:
        """The candidate's value of the objective metric."""
        return self.resource.get_att_string(contract.ATTR_OBJECTIVE_METRIC_VALUE)

    @cached_property
    def problem_type(self) -> str:
        """``BinaryClassification``, ``MulticlassClassification``, ``Regression``, ..."""
        return self.resource.get_att_string(contract.ATTR_PROBLEM_TYPE)

    @cached_property
    def applied_inference_response_keys(self) -> str:
        """The response keys as applied, comma-joined (empty: the containers' defaults)."""
        return self.resource.get_att_string(contract.ATTR_INFERENCE_RESPONSE_KEYS)

    @cached_property
    def input_content_types(self) -> str:
        """What the candidate reads, comma-joined media types (``text/csv`` for tabular ones; empty: not known)."""
        return self.resource.get_att_string(contract.ATTR_INPUT_CONTENT_TYPES)

    @cached_property
    def accept_types(self) -> str:
        """What the candidate answers, comma-joined media types (empty: not known)."""
        return self.resource.get_att_string(contract.ATTR_ACCEPT_TYPES)


prop_types.hint(
    AutopilotModelBase,
    "an AutopilotModel",
    lambda value: "Pass the AutopilotModel construct itself (model=model), not its name." if isinstance(value, str) else None,
)

__all__ = ["AutopilotModelBase", "ModelResourceAttributes"]
