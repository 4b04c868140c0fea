"""The custom-resource handler's permissions: least privilege, one policy per stack, scoped by ownership.

The handler's statements are grouped per stack rather than per resource (an IAM role's inline
policies are limited to 10,240 characters in total), and rendered lazily so that the last
construct added to the stack is still covered. The statement ids (``*_SID``) are the keys of
the provider's cdk-nag acknowledgements (:mod:`autopilot_inference.provider.nag_acknowledgements`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import AspectPriority, Aws, Fn
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from .._lambda.autopilot_runtime.ownership import OWNER_TAG_KEY
from .._private.arns import s3_key_pattern, sagemaker_arn
from .._private.lazy import LazyStatements, lazy_list
from .._private.principals import SAGEMAKER_PRINCIPAL
from .._private.s3_uris import split_s3_uri
from .._private.scopes import stack_of
from .._private.synth_cache import stack_id
from .._private.tokens import is_token
from ..compliance.acknowledgements import at_synthesis

AUTOML_DESCRIBE_ACTIONS = (
    "sagemaker:DescribeAutoMLJob",
    "sagemaker:DescribeAutoMLJobV2",
)
# No resource-level permissions: IAM evaluates it against "*".
AUTOML_LIST_ACTIONS = ("sagemaker:ListCandidatesForAutoMLJob",)
AUTOML_READ_ACTIONS = AUTOML_DESCRIBE_ACTIONS + AUTOML_LIST_ACTIONS
"""What a job owner's role must allow the handler (``ListCandidatesForAutoMLJob`` on ``*``)."""
MODEL_CREATE_ACTIONS = ("sagemaker:CreateModel",)
MODEL_MANAGE_ACTIONS = ("sagemaker:DescribeModel", "sagemaker:DeleteModel", "sagemaker:ListTags")
TRANSFORM_JOB_CREATE_ACTIONS = ("sagemaker:CreateTransformJob",)
TRANSFORM_JOB_MANAGE_ACTIONS = ("sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob", "sagemaker:ListTags")
TAG_ACTIONS = ("sagemaker:AddTags", "sagemaker:DeleteTags")
LIST_ACTIONS = ("sagemaker:ListModels", "sagemaker:ListTransformJobs")
MODEL_PACKAGE_CREATE_ACTIONS = ("sagemaker:CreateModelPackage",)
MODEL_PACKAGE_READ_ACTIONS = ("sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages")
MODEL_PACKAGE_DELETE_ACTIONS = ("sagemaker:DeleteModelPackage",)
# What a consumer account needs of the registry (the group's resource policy): find, read and deploy versions.
MODEL_PACKAGE_GROUP_CONSUMER_ACTIONS = ("sagemaker:DescribeModelPackageGroup",)
MODEL_PACKAGE_CONSUMER_ACTIONS = ("sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:CreateModel")
# sagemaker:TaggingAction values of the requests that tag while creating.
TAGGING_ACTIONS = ("CreateModel", "CreateTransformJob")

# Statement ids of the handler's policy.
READ_AUTOML_JOBS_SID = "ReadAutoMLJobs"
LIST_AUTOML_JOB_CANDIDATES_SID = "ListAutoMLJobCandidates"
ASSUME_SOURCE_ROLES_SID = "AssumeAutoMLJobReaderRoles"
CREATE_OWNED_MODELS_SID = "CreateOwnedModels"
MANAGE_OWNED_MODELS_SID = "ManageOwnedModels"
CREATE_OWNED_TRANSFORM_JOBS_SID = "CreateOwnedTransformJobs"
MANAGE_OWNED_TRANSFORM_JOBS_SID = "ManageOwnedTransformJobs"
PASS_EXECUTION_ROLES_SID = "PassExecutionRoles"
DESCRIBE_JOB_KEYS_SID = "DescribeJobKeys"
GRANT_JOB_KEYS_SID = "GrantJobKeysToSageMaker"
FIND_MODELS_AND_TRANSFORM_JOBS_SID = "FindModelsAndTransformJobs"
DESCRIBE_OWN_STACK_SID = "DescribeOwnStack"
READ_OWN_WAIT_HANDLES_SID = "ReadOwnWaitConditionHandles"
TAG_OWNED_AT_CREATION_SID = "TagOwnedResourcesAtCreation"
RETAG_OWNED_SID = "RetagOwnedResources"
REGISTER_OWNED_MODEL_PACKAGES_SID = "RegisterOwnedModelPackages"
TAG_OWNED_MODEL_PACKAGES_AT_CREATION_SID = "TagOwnedModelPackagesAtCreation"
RETAG_OWNED_MODEL_PACKAGES_SID = "RetagOwnedModelPackages"
DELETE_OWNED_MODEL_PACKAGES_SID = "DeleteOwnedModelPackages"
READ_MODEL_PACKAGES_SID = "ReadModelPackages"
# Statement ids of a model package group's resource policy (model_package_group_policy).
CONSUMERS_DESCRIBE_GROUP_SID = "ConsumersDescribeGroup"
CONSUMERS_DEPLOY_VERSIONS_SID = "ConsumersDeployVersions"

# Above this many distinct AutoML jobs the (read-only) statement uses automl-job/*.
MAX_AUTOML_JOB_RESOURCES = 20


def model_package_versions_arn(group_arn: str) -> str:
    """``.../model-package/<group>/*``: every version of the group ``group_arn`` (a token is split in the template)."""
    marker = ":model-package-group/"
    if marker not in group_arn:  # a token standing for the whole ARN (an attribute): split in the template
        return Fn.join(
            "", [Fn.select(0, Fn.split(marker, group_arn)), ":model-package/", Fn.select(1, Fn.split(marker, group_arn)), "/*"]
        )
    head, _, name = group_arn.partition(marker)
    return f"{head}:model-package/{name}/*"


def model_package_group_policy(group_arn: str, consumer_accounts: Sequence[str]) -> dict[str, Any]:
    """The resource policy of a model package group that lets each of ``consumer_accounts`` find and deploy its
    versions, and nothing else: ``DescribeModelPackageGroup`` on the group; ``DescribeModelPackage``,
    ``ListModelPackages`` and ``CreateModel`` on its versions. Each account still grants its own roles."""
    principals = {"AWS": [f"arn:{Aws.PARTITION}:iam::{account}:root" for account in consumer_accounts]}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": CONSUMERS_DESCRIBE_GROUP_SID,
                "Effect": "Allow",
                "Principal": principals,
                "Action": list(MODEL_PACKAGE_GROUP_CONSUMER_ACTIONS),
                "Resource": group_arn,
            },
            {
                "Sid": CONSUMERS_DEPLOY_VERSIONS_SID,
                "Effect": "Allow",
                "Principal": principals,
                "Action": list(MODEL_PACKAGE_CONSUMER_ACTIONS),
                "Resource": model_package_versions_arn(group_arn),
            },
        ],
    }


def registry_artifact_policy(
    consumer_role_arns: Sequence[str], automl_output_s3_uri: str, kms_key_arn: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """What the registry account's owner adds so the consumers' execution roles can read the registered artifacts:
    ``{"BucketPolicy": [...], "KeyPolicy": [...]}`` statements (``s3:GetObject`` under the job's output, and
    ``kms:Decrypt`` through S3 when the artifacts are encrypted with ``kms_key_arn``)."""
    bucket, key = split_s3_uri(automl_output_s3_uri)
    principals = {"AWS": list(consumer_role_arns)}
    result: dict[str, list[dict[str, Any]]] = {
        "BucketPolicy": [
            {
                "Sid": "ConsumersReadRegisteredArtifacts",
                "Effect": "Allow",
                "Principal": principals,
                "Action": ["s3:GetObject"],
                "Resource": f"arn:aws:s3:::{bucket}/{s3_key_pattern(key, folder=True)}",
            }
        ],
        "KeyPolicy": [],
    }
    if kms_key_arn is not None:
        result["KeyPolicy"].append(
            {
                "Sid": "ConsumersDecryptRegisteredArtifacts",
                "Effect": "Allow",
                "Principal": principals,
                "Action": ["kms:Decrypt"],
                "Resource": "*",
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{kms_key_arn.split(':')[3]}.amazonaws.com"}},
            }
        )
    return result


class HandlerPermissions:
    """Grouped, deduplicated statements of the handler's policy, scoped by ownership.

    The handler tags every model and transform job it creates with ``autopilot-inference:owner``
    = the provider stack's id (see ``autopilot_runtime.ownership``). It may create them only with
    that tag (``aws:RequestTag``) and describe, delete, stop and re-tag only those carrying it
    (``aws:ResourceTag``), whatever their names. Creation is also bound to what the stack's
    templates declare, where that holds for every model and job of the stack: the subnets and
    security groups of its VPC models, network isolation when all its models use it, its jobs'
    instance types and KMS keys. List calls (no resource-level permissions) are on ``*``.
    Resources of each statement are rendered at synthesis, so the last construct is covered.
    """

    def __init__(self, scope: Construct, policy: iam.Policy, role: iam.IRole) -> None:
        self._scope = scope
        self._stack = stack_of(scope)
        self._policy = policy
        self._role: iam.IRole | None = role
        """Attached on the first statement: IAM rejects an empty policy, and CDK one that is attached."""
        self._automl_jobs: list[str] = []
        self._automl_any = False
        self._source_roles: list[str] = []
        self._pass_roles: list[str] = []
        self._grant_keys: list[str] = []
        self._statements = LazyStatements(policy)
        self._models: list[ModelBinding] = []
        self._jobs: list[TransformBinding] = []
        self._registered_groups: list[str] = []
        self._approval_statuses: list[str] = []
        self._deleted_groups: list[str] = []
        self._deployed_groups: list[str] = []
        at_synthesis(policy, self._add_create_statements, priority=AspectPriority.MUTATING)

    # -- registration -------------------------------------------------------------------------

    def allow_read_automl_job(self, job_name: str, *, candidate_named: bool = False) -> None:
        """``Describe*`` on the job (``automl-job/*`` when its name is a token); with ``candidate_named``
        also ``ListCandidatesForAutoMLJob``, which has no resource-level permissions (``*``)."""
        if is_token(job_name):
            self._automl_any = True
        elif job_name.lower() not in self._automl_jobs:
            self._automl_jobs.append(job_name.lower())
        self._ensure(READ_AUTOML_JOBS_SID, AUTOML_DESCRIBE_ACTIONS, self._automl_resources)
        if candidate_named:
            self._ensure(LIST_AUTOML_JOB_CANDIDATES_SID, AUTOML_LIST_ACTIONS, ["*"])

    def allow_assume_source_role(self, role_arn: str) -> None:
        """``sts:AssumeRole`` on a role that reads a job in another account."""
        if role_arn not in self._source_roles:
            self._source_roles.append(role_arn)
        self._ensure(ASSUME_SOURCE_ROLES_SID, ("sts:AssumeRole",), lambda: list(self._source_roles))

    def allow_manage_models(self, binding: ModelBinding) -> None:
        """Create models tagged as the stack's, and describe, delete and re-tag those so tagged.

        ``binding``: what the model's template declares (VPC, network isolation).
        """
        self._models.append(binding)
        self._ensure(MANAGE_OWNED_MODELS_SID, MODEL_MANAGE_ACTIONS, [self._arn("model")], self._owned())
        self._ensure_common()

    def allow_manage_transform_jobs(self, binding: TransformBinding) -> None:
        """Start transform jobs tagged as the stack's, and describe, stop and re-tag those so tagged.

        ``binding``: the job's instance type and keys.
        """
        self._jobs.append(binding)
        self._ensure(
            MANAGE_OWNED_TRANSFORM_JOBS_SID, TRANSFORM_JOB_MANAGE_ACTIONS, [self._arn("transform-job")], self._owned()
        )
        self._ensure_common()

    def allow_register_model_packages(self, group_name: str, approval_status: str, *, delete_versions: bool) -> None:
        """Register versions of ``group_name`` tagged as the stack's, with ``approval_status`` only; re-tag those; read
        the group's versions (a rollback finds the one it registered); with ``delete_versions``, delete owned ones."""
        for items, value in ((self._registered_groups, group_name), (self._approval_statuses, approval_status)):
            if value not in items:
                items.append(value)
        if delete_versions and group_name not in self._deleted_groups:
            self._deleted_groups.append(group_name)
        self._ensure(
            REGISTER_OWNED_MODEL_PACKAGES_SID,
            MODEL_PACKAGE_CREATE_ACTIONS,
            self._registration_resources,
            {
                "StringEquals": {
                    f"aws:RequestTag/{OWNER_TAG_KEY}": stack_id(),
                    f"sagemaker:CustomerMetadataProperties/{OWNER_TAG_KEY}": stack_id(),
                    "sagemaker:ModelApprovalStatus": lazy_list(lambda: list(self._approval_statuses)),
                }
            },
        )
        self._ensure(
            TAG_OWNED_MODEL_PACKAGES_AT_CREATION_SID,
            ("sagemaker:AddTags",),
            self._registered_versions,
            {"StringEquals": {f"aws:RequestTag/{OWNER_TAG_KEY}": stack_id(), "sagemaker:TaggingAction": "CreateModelPackage"}},
        )
        self._ensure(
            RETAG_OWNED_MODEL_PACKAGES_SID,
            TAG_ACTIONS,
            self._registered_versions,
            # The group's versions: IAM documents no aws:ResourceTag for tagging them, and parliament no metadata key.
            {"ForAllValues:StringNotEquals": {"aws:TagKeys": [OWNER_TAG_KEY]}},
        )
        self._ensure(READ_MODEL_PACKAGES_SID, MODEL_PACKAGE_READ_ACTIONS, self._read_versions)
        self._ensure(DESCRIBE_OWN_STACK_SID, ("cloudformation:DescribeStacks",), [stack_id()])
        if delete_versions:
            self._ensure(
                DELETE_OWNED_MODEL_PACKAGES_SID,
                MODEL_PACKAGE_DELETE_ACTIONS,
                # Only groups whose registrations ask for it; the references document no ownership condition here.
                lambda: [self._arn(f"model-package/{group}") for group in self._deleted_groups],
            )

    def allow_deploy_model_packages(self, group_arn: str) -> None:
        """Read the versions of the group ``group_arn`` (any account) to pick and check the one to deploy.

        ``CreateModel`` itself is the model's (``allow_manage_models``): the IAM references give it only the
        ``model`` resource type; the registry's group policy allows it on the versions to the consumer account.
        """
        if group_arn not in self._deployed_groups:
            self._deployed_groups.append(group_arn)
        self._ensure(READ_MODEL_PACKAGES_SID, MODEL_PACKAGE_READ_ACTIONS, self._read_versions)

    def _registered_versions(self) -> list[str]:
        return [self._arn(f"model-package/{group}") for group in self._registered_groups]

    def _registration_resources(self) -> list[str]:
        groups = [sagemaker_arn(self._stack, "model-package-group", group) for group in self._registered_groups]
        return [*self._registered_versions(), *groups]

    def _read_versions(self) -> list[str]:
        resources = self._registered_versions()
        for group in self._deployed_groups:
            arn = model_package_versions_arn(group)
            if arn not in resources:
                resources.append(arn)
        return resources

    def allow_signal_waits(self) -> None:
        """Read the pre-signed URLs of the stack's own wait condition handles (their physical ids), to signal them."""
        self._ensure(READ_OWN_WAIT_HANDLES_SID, ("cloudformation:DescribeStackResource",), [stack_id()])

    def allow_pass_role(self, role_arn: str) -> None:
        """``iam:PassRole`` on the role ``role_arn``, to SageMaker only."""
        if role_arn not in self._pass_roles:
            self._pass_roles.append(role_arn)
        self._ensure(
            PASS_EXECUTION_ROLES_SID,
            ("iam:PassRole",),
            lambda: list(self._pass_roles),
            conditions={"StringEquals": {"iam:PassedToService": SAGEMAKER_PRINCIPAL}},
        )

    def allow_create_grant(self, key: kms.IKey) -> None:
        """``kms:CreateGrant`` (for AWS resources only) and ``kms:DescribeKey`` on a key a job's volumes use."""
        if key.key_arn not in self._grant_keys:
            self._grant_keys.append(key.key_arn)
        self._ensure(DESCRIBE_JOB_KEYS_SID, ("kms:DescribeKey",), lambda: list(self._grant_keys))
        self._ensure(
            GRANT_JOB_KEYS_SID,
            ("kms:CreateGrant",),
            lambda: list(self._grant_keys),
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        )

    # -- rendering ----------------------------------------------------------------------------

    def _ensure(
        self,
        sid: str,
        actions: Sequence[str],
        resources: Callable[[], list[str]] | Sequence[str],
        conditions: dict[str, Any] | None = None,
    ) -> None:
        if self._role is not None:
            self._policy.attach_to_role(self._role)
            self._role = None
        self._statements.ensure(sid, actions, resources, conditions)

    def _arn(self, resource: str) -> str:
        return sagemaker_arn(self._stack, resource, "*")

    def _owned(self) -> dict[str, Any]:
        return {"StringEquals": {f"aws:ResourceTag/{OWNER_TAG_KEY}": stack_id()}}

    def _ensure_common(self) -> None:
        resources = lambda: [  # noqa: E731 - rendered at synthesis
            *([self._arn("model")] if self._models else []),
            *([self._arn("transform-job")] if self._jobs else []),
        ]
        # Existence checks: a Describe or Delete of a resource that is gone is denied (no tag to match).
        self._ensure(FIND_MODELS_AND_TRANSFORM_JOBS_SID, LIST_ACTIONS, ["*"])
        # Whether its own stack is rolling back (the event carries no such flag).
        self._ensure(DESCRIBE_OWN_STACK_SID, ("cloudformation:DescribeStacks",), [stack_id()])
        # Tagging as part of CreateModel / CreateTransformJob: only with the owner tag.
        self._ensure(
            TAG_OWNED_AT_CREATION_SID,
            ("sagemaker:AddTags",),
            resources,
            {
                "StringEquals": {
                    f"aws:RequestTag/{OWNER_TAG_KEY}": stack_id(),
                    "sagemaker:TaggingAction": list(TAGGING_ACTIONS),
                }
            },
        )
        # Tag syncing on the stack's own resources, never of the owner tag itself.
        self._ensure(
            RETAG_OWNED_SID,
            TAG_ACTIONS,
            resources,
            {**self._owned(), "ForAllValues:StringNotEquals": {"aws:TagKeys": [OWNER_TAG_KEY]}},
        )

    def _add_create_statements(self) -> None:
        """At synthesis, once every model and job is known: Create* bound to what they declare."""
        requested = {f"aws:RequestTag/{OWNER_TAG_KEY}": stack_id()}
        if self._models:
            self._policy.add_statements(
                iam.PolicyStatement(
                    sid=CREATE_OWNED_MODELS_SID,
                    actions=list(MODEL_CREATE_ACTIONS),
                    resources=[self._arn("model")],
                    conditions=merge_conditions({"StringEquals": requested}, ModelBinding.conditions(self._models)),
                )
            )
        if self._jobs:
            self._policy.add_statements(
                iam.PolicyStatement(
                    sid=CREATE_OWNED_TRANSFORM_JOBS_SID,
                    actions=list(TRANSFORM_JOB_CREATE_ACTIONS),
                    resources=[self._arn("transform-job")],
                    conditions=merge_conditions({"StringEquals": requested}, TransformBinding.conditions(self._jobs)),
                )
            )

    def _automl_resources(self) -> list[str]:
        if self._automl_any or len(self._automl_jobs) > MAX_AUTOML_JOB_RESOURCES:
            return [sagemaker_arn(self._stack, "automl-job", "*")]
        return [sagemaker_arn(self._stack, "automl-job", name) for name in self._automl_jobs]


def merge_conditions(*parts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Conditions joined operator by operator."""
    merged: dict[str, dict[str, Any]] = {}
    for part in parts:
        for operator, entries in part.items():
            merged.setdefault(operator, {}).update(entries)
    return merged


def _union(lists: Iterable[list[str] | None]) -> list[str] | None:
    """The distinct items of ``lists`` in order; ``None`` when any is unknown (a token)."""
    result: list[str] = []
    for items in lists:
        if items is None:
            return None
        for item in items:
            if item not in result:
                result.append(item)
    return result


def literal_list(values: Any) -> list[str] | None:
    """``values`` as a list of strings (each may be a token), or ``None`` when the list itself is a token."""
    if values is None:
        return []
    if is_token(values):
        return None
    return [str(value) for value in values]


@dataclass(frozen=True)
class ModelBinding:
    """What one model's template declares that ``CreateModel``'s condition keys can check."""

    subnets: list[str] | None = field(default_factory=list)
    security_groups: list[str] | None = field(default_factory=list)
    network_isolation: bool = False

    @staticmethod
    def conditions(models: Sequence[ModelBinding]) -> dict[str, dict[str, Any]]:
        """Conditions true for every model of the stack (``ForAllValues`` holds for a model without a VPC)."""
        conditions: dict[str, dict[str, Any]] = {}
        for key, values in (
            ("sagemaker:VpcSubnets", _union(model.subnets for model in models)),
            ("sagemaker:VpcSecurityGroupIds", _union(model.security_groups for model in models)),
        ):
            if values:
                conditions.setdefault("ForAllValues:StringEquals", {})[key] = values
        if models and all(model.network_isolation for model in models):
            conditions["Bool"] = {"sagemaker:NetworkIsolation": "true"}
        return conditions


@dataclass(frozen=True)
class TransformBinding:
    """What one transform job's template declares that ``CreateTransformJob``'s condition keys can check."""

    instance_type: str | None = None
    volume_kms_key: str | None = None
    output_kms_key: str | None = None

    @staticmethod
    def conditions(jobs: Sequence[TransformBinding]) -> dict[str, dict[str, Any]]:
        """Conditions true for every job of the stack; a job without a key passes ``...IfExists``."""
        conditions: dict[str, dict[str, Any]] = {}
        types = [job.instance_type for job in jobs]
        if types and all(value is not None and not is_token(value) for value in types):
            conditions["ForAllValues:StringEquals"] = {"sagemaker:InstanceTypes": sorted(set(types))}
        for key, values in (
            ("sagemaker:VolumeKmsKey", _union([job.volume_kms_key] if job.volume_kms_key else [] for job in jobs)),
            ("sagemaker:OutputKmsKey", _union([job.output_kms_key] if job.output_kms_key else [] for job in jobs)),
        ):
            if values:
                conditions.setdefault("StringEqualsIfExists", {})[key] = values
        return conditions


__all__ = [
    "AUTOML_READ_ACTIONS",
    "HandlerPermissions",
    "ModelBinding",
    "TransformBinding",
    "literal_list",
    "merge_conditions",
    "model_package_group_policy",
    "model_package_versions_arn",
    "registry_artifact_policy",
]
