"""``AutopilotModelCopy``: a consumer stack's own deployment of an :class:`AutopilotModel` of another stack.

A SageMaker model is configuration only (no instances, no cost), and immutable: any change of
its props replaces it under a new name. A consumer in another stack that named the model
stack's model would have to read that name through a cross-stack reference, and either block
the model stack's next replacement (a strong export cannot change while imported) or point at a
deleted model until the consumer's own deployment (a weak reference). Instead, each consumer
stack deploys its own copy, from the same job, candidate, response keys, execution role and
network: the copy is replaced in the consumer's own deployment, together with what uses it, and
the old copy is deleted only after that deployment succeeded. The model stack's template does not
change when consumers come and go: its default execution role has a name known before
deployment, and the consumer's grants to that role live in a policy of the consumer's stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import jsii
from aws_cdk import CfnResource, CustomResource, ITaggable, Stack, TagManager
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

from .._lambda.autopilot_runtime import contract
from .._private.role_names import role_arn
from .._private.scopes import stack_of
from .._private.synth_cache import LazyTags
from ..provider.permissions import ModelBinding
from ..provider.provider import AutopilotInferenceProvider
from .base import AutopilotModelBase, ModelResourceAttributes
from .execution_permissions import KMS_DECRYPT_ACTIONS, KMS_ENCRYPT_DECRYPT_ACTIONS
from .execution_role import ConsumerExecutionGrants

COPIES_ID = "AutopilotModelCopies"


@dataclass(frozen=True)
class ModelRecipe:
    """What it takes to deploy an :class:`AutopilotModel` again in another stack of its environment."""

    source: AutopilotModelBase
    """The model declared by the user (in the model stack)."""
    properties: Mapping[str, Any]
    """Its ``Custom::AutopilotModel`` properties, the execution role's ARN among them."""
    automl_job_name: str | None
    """The AutoML job the handler reads (``None`` for a model of a registered version)."""
    candidate_named: bool
    source_role_arn: str | None
    binding: ModelBinding
    default_role_name: str | None
    """The name of the model stack's default execution role, when the model runs with it."""
    role: iam.IRole
    """The execution role (used as it is when it is not the default one)."""
    in_vpc: bool
    network_isolation: bool
    resource_type: str = contract.MODEL_RESOURCE_TYPE
    """``Custom::AutopilotModel``, or ``Custom::AutopilotPackageModel`` for a registered version."""
    model_package_group_arn: str | None = None
    """The group of the registered version a package model deploys."""


def copy_id(source_path: str) -> str:
    """The copy's construct id: the source model's path, readable in ``cdk diff`` (``/`` is not allowed in ids)."""
    return source_path.replace("/", "--")


@jsii.implements(ITaggable)
class AutopilotModelCopy(ModelResourceAttributes, AutopilotModelBase):
    """The deployment, in a consumer's stack, of an :class:`AutopilotModel` declared in another stack.

    Made by :meth:`AutopilotModel.in_stack` (the library's constructs call it for you), one per
    model and consumer stack, under ``<stack>/AutopilotModelCopies/<model path>``. It is served by
    the consumer stack's provider; tags of the consumer's stack reach it.
    """

    def __init__(self, scope: Construct, id: str, *, recipe: ModelRecipe) -> None:
        super().__init__(scope, id)
        self.recipe = recipe
        """What the copy is made of."""
        stack = stack_of(self)
        self.provider = AutopilotInferenceProvider.of(stack)
        """The consumer stack's provider."""
        self._role, self._role_arn = self._execution_role(stack, recipe)
        self._grants = ConsumerExecutionGrants.of(stack, self._role, key=self._grants_key(recipe))
        permissions = self.provider.permissions
        permissions.allow_pass_role(self._role_arn)
        if recipe.model_package_group_arn is not None:
            permissions.allow_deploy_model_packages(recipe.model_package_group_arn)
        elif recipe.source_role_arn is not None:
            permissions.allow_assume_source_role(recipe.source_role_arn)
        elif recipe.automl_job_name is not None:
            permissions.allow_read_automl_job(recipe.automl_job_name, candidate_named=recipe.candidate_named)
        permissions.allow_manage_models(recipe.binding)
        self.properties: dict[str, Any] = {**recipe.properties, contract.EXECUTION_ROLE_ARN: self._role_arn}
        """The copy's properties (a job's wait condition hashes them)."""
        self.property_overrides: dict[str, Any] = {}
        """Properties set later (``require_single_container``)."""
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=recipe.resource_type,
            properties=self.properties,
        )
        """The consumer stack's ``Custom::AutopilotModel`` (or ``Custom::AutopilotPackageModel``) resource."""
        self._tags = LazyTags(self.resource, recipe.resource_type)
        cast(CfnResource, self.resource.node.default_child).add_metadata(
            contract.MODEL_COPY_METADATA, recipe.source.node.path
        )
        self._grants.add_dependent(self.resource)
        source_stack = stack_of(recipe.source)
        # The role (and its own policies) exist before this stack's resources use them.
        stack.add_stack_dependency(source_stack, f"{self.node.path} deploys {recipe.source.node.path} with its execution role")

    @staticmethod
    def _execution_role(stack: Stack, recipe: ModelRecipe) -> tuple[iam.IRole, str]:
        """The role as this stack names it: the default role by its known name (no cross-stack reference)."""
        if recipe.default_role_name is None:
            return recipe.role, recipe.role.role_arn
        id = f"{COPIES_ID}ExecutionRole{_suffix(recipe)}"
        found = stack.node.try_find_child(id)
        role = cast(iam.IRole, found) if found is not None else iam.Role.from_role_name(stack, id, recipe.default_role_name)
        return role, role_arn(stack, recipe.default_role_name)

    @staticmethod
    def _grants_key(recipe: ModelRecipe) -> str:
        if recipe.default_role_name is not None:
            return f"default-role:{stack_of(recipe.source).node.path}"
        return f"role:{recipe.role.node.path}"

    # AutopilotModelBase

    @property
    def role(self) -> iam.IRole:
        """The execution role, as this stack names it."""
        return self._role

    @property
    def in_vpc(self) -> bool:
        return self.recipe.in_vpc

    @property
    def network_isolation(self) -> bool:
        return self.recipe.network_isolation

    @property
    def tags(self) -> TagManager:
        """The copy's tags: ``Tags.of(consumer stack)`` reaches them."""
        return self._tags.manager

    def in_stack(self, scope: IConstruct) -> AutopilotModelBase:
        return self.recipe.source.in_stack(scope)

    def require_single_container(self) -> None:
        """Make this copy's deployment refuse a candidate of more than one container (the source model is not changed)."""
        cast(CfnResource, self.resource.node.default_child).add_property_override(
            contract.SINGLE_CONTAINER_REQUIRED, "true"
        )
        self.property_overrides[contract.SINGLE_CONTAINER_REQUIRED] = "true"

    def allow_read_transform_input(
        self, uri: str, *, dependent: IConstruct | None = None, list_bucket: bool = True
    ) -> None:
        self._grants.allow_read_input(uri, list_bucket=list_bucket)
        self._wait(dependent)

    def allow_write_results(self, uri: str, *, dependent: IConstruct | None = None) -> None:
        self._grants.allow_write(uri)
        self._wait(dependent)

    def allow_key_use(self, key: kms.IKey, *, encrypt: bool, dependent: IConstruct | None = None) -> None:
        self._grants.allow_key(key, KMS_ENCRYPT_DECRYPT_ACTIONS if encrypt else KMS_DECRYPT_ACTIONS)
        self._wait(dependent)

    def _wait(self, dependent: IConstruct | None) -> None:
        if dependent is not None:
            self._grants.add_dependent(dependent)

    @property
    def connections(self) -> ec2.Connections:
        """The source model's security groups."""
        return self.recipe.source.connections  # type: ignore[attr-defined, no-any-return]


def _suffix(recipe: ModelRecipe) -> str:
    return stack_of(recipe.source).node.id


__all__ = ["COPIES_ID", "AutopilotModelCopy", "ModelRecipe", "copy_id"]
