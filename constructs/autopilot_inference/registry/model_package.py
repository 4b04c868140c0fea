"""``AutopilotModelPackage``: a finished Autopilot job's candidate registered in the SageMaker Model Registry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any, cast

import jsii
from aws_cdk import CustomResource, ITaggable, RemovalPolicy, TagManager, TagType
from aws_cdk import aws_events as events
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from .._lambda.autopilot_runtime import contract
from .._private.arns import sagemaker_arn
from .._private.package_refs import remember
from .._private.scopes import stack_of
from .._private.signatures import public_construct
from .._private.synth_cache import LazyTags
from .._private.tokens import is_token
from ..checks import prop_types, validation
from ..checks.instance_types import ENDPOINT_INSTANCE_TYPES_BY_FAMILY, TRANSFORM_INSTANCE_TYPES_BY_FAMILY
from ..checks.problems import Problems, Unbuilt
from ..model.model import ResponseKeysInput
from ..provider.permissions import model_package_group_policy
from ..provider.provider import AutopilotInferenceProvider

MODEL_PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change"
"""The EventBridge detail-type SageMaker sends when a version's approval status changes."""

MAX_DESCRIPTION_LENGTH = 1024
ACCOUNT_ID_LENGTH = 12


def _instance_types(by_family: Mapping[str, Sequence[str]]) -> frozenset[str]:
    return frozenset(f"{family}.{size}" for family, sizes in by_family.items() for size in sizes)


TRANSFORM_INSTANCE_TYPES = _instance_types(TRANSFORM_INSTANCE_TYPES_BY_FAMILY)
REALTIME_INSTANCE_TYPES = _instance_types(ENDPOINT_INSTANCE_TYPES_BY_FAMILY)


@public_construct
@jsii.implements(ITaggable)
class AutopilotModelPackage(Construct):
    """A finished Autopilot job's best (or a named) candidate, registered as a new version of a model package group.

    At deploy time the stack's custom-resource handler reads the job, picks the candidate, applies the
    inference response keys to its containers (the same checks and engine as ``AutopilotModel``, every
    container's ``Environment`` kept) and calls ``CreateModelPackage``. A new version is registered only
    when what is registered changes (job, candidate, keys, group, description, instance types); tags,
    ``approval_status`` and ``delete_versions_on_removal`` change in place. The approval status is set
    once, at registration: afterwards it belongs to people (Studio, ``UpdateModelPackage``).

    Args:
        scope: the parent construct.
        id: the construct id.
        automl_job_name: name of the finished AutoML job (V1 or V2) whose candidate to register.
        inference_response_keys: what the registered containers return (as for ``AutopilotModel``).
            Default: the containers' own defaults.
        candidate_name: register this candidate instead of the job's best one. Default: the best candidate.
        model_package_group: an existing group: its name, its ARN (this account and region), or a
            ``CfnModelPackageGroup``. Exactly one of ``model_package_group`` and ``model_package_group_name``.
        model_package_group_name: create the group (``CfnModelPackageGroup``) under this name. It is kept
            when the stack is deleted (its versions are history) unless ``delete_versions_on_removal``.
        consumer_accounts: account ids that may find and deploy the group's versions: the group's resource
            policy allows them ``DescribeModelPackageGroup`` on the group and ``DescribeModelPackage``,
            ``ListModelPackages``, ``CreateModel`` on its versions, nothing else. Needs a group this
            construct can write the policy of (``model_package_group_name`` or a ``CfnModelPackageGroup``).
            Default: none.
        approval_status: the status a new version is registered with: ``PendingManualApproval``,
            ``Approved`` or ``Rejected``. Default: ``PendingManualApproval``.
        description: the version's description (at most 1,024 characters). Default: none.
        automl_output_s3_uri: the job's ``OutputDataConfig.S3OutputPath``; every container's model data
            must lie under it (checked at deploy time). Default: no location check.
        processing_unit: ``CPU`` or ``GPU``: which container set of an image or text job to register.
            Default: ``CPU``.
        source_role_arn: a role in the job's account the handler assumes to read the job. Default: none.
        kms_key: the key that encrypts the job's artifacts, for :func:`registry_artifact_policy` and the
            consumers' roles; the registration itself reads no artifact. Default: none.
        transform_instance_types: the batch transform instance types the version lists as supported.
            Default: ``contract.DEFAULT_PACKAGE_INSTANCE_TYPES`` of the processing unit.
        realtime_instance_types: the real-time instance types it lists. Default: as above.
        delete_versions_on_removal: delete this resource's versions (``DeleteModelPackage``) when it is
            replaced or deleted, and the created group with the stack. Default: ``False`` (kept).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        automl_job_name: str,
        inference_response_keys: ResponseKeysInput = None,
        candidate_name: str | None = None,
        model_package_group: str | sagemaker.CfnModelPackageGroup | None = None,
        model_package_group_name: str | None = None,
        consumer_accounts: Sequence[str] = (),
        approval_status: str = contract.DEFAULT_APPROVAL_STATUS,
        description: str | None = None,
        automl_output_s3_uri: str | None = None,
        processing_unit: str = contract.DEFAULT_PROCESSING_UNIT,
        source_role_arn: str | None = None,
        kms_key: kms.IKey | None = None,
        transform_instance_types: Sequence[str] | None = None,
        realtime_instance_types: Sequence[str] | None = None,
        delete_versions_on_removal: bool = False,
    ) -> None:
        super().__init__(scope, id)
        problems = Problems(self)
        keys, unit = _check_props(problems, locals())
        self.kms_key = kms_key
        """The key that encrypts the job's artifacts, if given."""
        self.group: sagemaker.CfnModelPackageGroup | None = None
        """The group's resource, when this construct created it or was given it."""
        self.model_package_group_name: str = "unbuilt-ModelPackageGroupName"
        """The group's name."""
        self.model_package_group_arn: str = "unbuilt-ModelPackageGroupArn"
        """The group's ARN."""
        if problems:
            self.resource = cast(CustomResource, Unbuilt())
            return
        stack = stack_of(scope)
        self.automl_job_name = automl_job_name
        """The AutoML job the version comes from."""
        self.provider = AutopilotInferenceProvider.of(stack)
        """The stack's custom-resource provider."""
        name = self._use_group(model_package_group, model_package_group_name, delete_versions_on_removal)
        self.model_package_group_name = name
        own_arn = sagemaker_arn(stack, "model-package-group", name)
        self.model_package_group_arn = (
            model_package_group if isinstance(model_package_group, str) and model_package_group.startswith("arn:") else own_arn
        )
        if consumer_accounts and self.group is not None:
            # The group's own ARN, built from its name: its Arn attribute cannot appear in its own properties.
            self.group.model_package_group_policy = model_package_group_policy(own_arn, list(consumer_accounts))
        if source_role_arn is not None:
            self.provider.permissions.allow_assume_source_role(source_role_arn)
        else:
            self.provider.permissions.allow_read_automl_job(automl_job_name, candidate_named=candidate_name is not None)
        self.provider.permissions.allow_register_model_packages(name, approval_status, delete_versions=delete_versions_on_removal)
        self.consumer_accounts = tuple(consumer_accounts)
        """The accounts the group's policy lets find and deploy versions."""

        default_types = contract.DEFAULT_PACKAGE_INSTANCE_TYPES[unit if unit in contract.PROCESSING_UNITS else contract.CPU]
        properties: dict[str, Any] = {
            contract.AUTOML_JOB_NAME: automl_job_name,
            contract.MODEL_PACKAGE_GROUP_NAME: name,
            contract.MODEL_APPROVAL_STATUS: approval_status,
            contract.SUPPORTED_TRANSFORM_INSTANCE_TYPES: list(transform_instance_types or default_types),
            contract.SUPPORTED_REALTIME_INFERENCE_INSTANCE_TYPES: list(realtime_instance_types or default_types),
        }
        for prop, value in (
            (contract.CANDIDATE_NAME, candidate_name),
            (contract.INFERENCE_RESPONSE_KEYS, keys or None),
            (contract.MODEL_PACKAGE_DESCRIPTION, description),
            (contract.ARTIFACT_S3_URI, automl_output_s3_uri),
            (contract.SOURCE_ROLE_ARN, source_role_arn),
            (contract.PROCESSING_UNIT, None if unit == contract.DEFAULT_PROCESSING_UNIT else unit),
            (contract.DELETE_VERSIONS_ON_REMOVAL, "true" if delete_versions_on_removal else None),
        ):
            if value is not None:
                properties[prop] = value
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=contract.MODEL_PACKAGE_RESOURCE_TYPE,
            properties=properties,
        )
        """The ``Custom::AutopilotModelPackage`` resource."""
        if self.group is not None and stack_of(self.group) is stack:
            self.resource.node.add_dependency(self.group)
        self._tags = LazyTags(self.resource, contract.MODEL_PACKAGE_RESOURCE_TYPE)

    def _use_group(
        self, given: str | sagemaker.CfnModelPackageGroup | None, name: str | None, delete_versions: bool
    ) -> str:
        """The group's name; creates the group when ``name`` is given (kept on removal unless ``delete_versions``)."""
        if name is not None:
            self.group = sagemaker.CfnModelPackageGroup(self, "Group", model_package_group_name=name)
            self.group.apply_removal_policy(RemovalPolicy.DESTROY if delete_versions else RemovalPolicy.RETAIN)
            return name
        if isinstance(given, sagemaker.CfnModelPackageGroup):
            self.group = given
            return str(given.model_package_group_name)
        text = str(given)
        return text.rpartition("model-package-group/")[2] if text.startswith("arn:") else text

    @cached_property
    def model_package_arn(self) -> str:
        """The ARN of the version this deployment registered (``.../model-package/<group>/<version>``)."""
        arn = self.resource.get_att_string(contract.ATTR_MODEL_PACKAGE_ARN)
        remember(arn, self.model_package_group_arn)
        return arn

    @cached_property
    def model_package_version(self) -> str:
        """The version number this deployment registered, as a string."""
        return self.resource.get_att_string(contract.ATTR_MODEL_PACKAGE_VERSION)

    @property
    def tags(self) -> TagManager:
        """The version's tags; ``Tags.of(scope).add(...)`` reaches them."""
        if "_tags" not in self.__dict__:
            return TagManager(TagType.KEY_VALUE, contract.MODEL_PACKAGE_RESOURCE_TYPE)
        return self._tags.manager

    def on_approved(self, id: str, *targets: events.IRuleTarget) -> events.Rule:
        """An EventBridge rule that sends every approval of a version of the group to ``targets``
        (e.g. ``targets.CodePipeline(pipeline)`` to deploy it to production)."""
        return events.Rule(
            self,
            id,
            description=f"A version of model package group {self.model_package_group_name} was approved",
            event_pattern=events.EventPattern(
                source=["aws.sagemaker"],
                detail_type=[MODEL_PACKAGE_STATE_CHANGE],
                detail={"ModelPackageGroupName": [self.model_package_group_name], "ModelApprovalStatus": [contract.APPROVED]},
            ),
            targets=list(targets),
        )


def _check_props(problems: Problems, props: Mapping[str, Any]) -> tuple[list[str], str]:
    """Every problem of ``AutopilotModelPackage``'s props, reported in ``problems``; the keys and unit."""
    keys: list[str] = []
    unit = contract.DEFAULT_PROCESSING_UNIT
    # A prop of the wrong type stands in with its default, so that every other prop is still checked.
    values, mistyped = prop_types.checked_types(problems, AutopilotModelPackage.__init__, props)
    if values is None:
        return keys, unit
    problems.check(validation.automl_job_name, values["automl_job_name"])
    normalized, refused = validation.inference_response_keys(values["inference_response_keys"])
    if problems.report(refused):
        keys = normalized
    problems.check(validation.candidate_name, values["candidate_name"])
    if values["automl_output_s3_uri"] is not None:
        problems.check(validation.s3_uri, values["automl_output_s3_uri"], "automl_output_s3_uri")
    if problems.check(validation.processing_unit, values["processing_unit"]):
        unit = validation.processing_unit_value(values["processing_unit"])
    problems.check(validation.role_arn, values["source_role_arn"], "source_role_arn")
    problems.check(validation.one_of, values["approval_status"], "approval_status", contract.APPROVAL_STATUSES, optional=False)
    if values["description"] is not None:
        problems.check(validation.text, values["description"], "description", max_length=MAX_DESCRIPTION_LENGTH)
    if not mistyped & {"model_package_group", "model_package_group_name", "consumer_accounts"}:
        problems.add_all(_group_problems(values))
    for prop, allowed in (("transform_instance_types", TRANSFORM_INSTANCE_TYPES), ("realtime_instance_types", REALTIME_INSTANCE_TYPES)):
        unknown = [value for value in values[prop] or () if not is_token(value) and value not in allowed]
        if unknown:
            problems.add(f"{prop} has instance types SageMaker does not offer for this use: {', '.join(map(str, unknown))}.")
    return keys, unit


def _group_problems(props: Mapping[str, Any]) -> list[str]:
    """Exactly one group; a valid name; consumers only on a group whose policy this construct writes."""
    given, name, consumers = props["model_package_group"], props["model_package_group_name"], props["consumer_accounts"]
    if (given is None) == (name is None):
        return [
            "Pass exactly one of model_package_group (an existing group: name, ARN or CfnModelPackageGroup) and "
            "model_package_group_name (a group this construct creates)."
        ]
    problems: list[str] = []
    text = name if name is not None else given if isinstance(given, str) else None
    if isinstance(text, str) and not is_token(text):
        plain = text.rpartition("model-package-group/")[2] if text.startswith("arn:") else text
        if text.startswith("arn:") and not contract.MODEL_PACKAGE_GROUP_ARN_PATTERN.match(text):
            problems.append(f"model_package_group must be a group name or ARN; got {text!r}.")
        elif not contract.MODEL_PACKAGE_GROUP_NAME_PATTERN.match(plain):
            prop = "model_package_group_name" if name is not None else "model_package_group"
            problems.append(f"{prop} must be 1-63 letters, digits and hyphens, starting with a letter or digit; got {plain!r}.")
    bad = [
        account
        for account in consumers
        if not is_token(account)
        and not (isinstance(account, str) and account.isdigit() and len(account) == ACCOUNT_ID_LENGTH)
    ]
    if bad:
        problems.append(f"consumer_accounts must be 12-digit account ids; got {', '.join(map(repr, bad))}.")
    if consumers and isinstance(given, str):
        problems.append(
            "consumer_accounts sets the group's resource policy, which this construct writes only for a group it creates "
            "(model_package_group_name) or a CfnModelPackageGroup it is given. For an existing group, put the statements "
            "of autopilot_inference.model_package_group_policy(group_arn, accounts) on it yourself "
            "(aws sagemaker put-model-package-group-policy)."
        )
    return problems


__all__ = ["MODEL_PACKAGE_STATE_CHANGE", "AutopilotModelPackage"]
