"""Least-privilege IAM for the handler and the models' execution roles.

Every ARN is built from the stack's partition, region and account (as ``Stack.format_arn``
does) or ``Aws.PARTITION``: an environment-agnostic stack's template holds no account id or
region. The handler's statements are grouped per stack rather than per resource (an IAM role's inline
policies are limited to 10,240 characters in total), and rendered lazily so that the last
construct added to the stack is still covered.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from aws_cdk import Annotations, ArnFormat, AspectPriority, Aws, Fn, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

from . import validation
from ._lambda.autopilot_runtime.ownership import OWNER_TAG_KEY
from ._lazy import lazy_list
from ._paths import stack_of, stack_singleton
from .compliance import acknowledge_execution_role_findings, at_synthesis

SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"
EXECUTION_POLICY_NAME = "AutopilotModelExecution"

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
# sagemaker:TaggingAction values of the requests that tag while creating.
TAGGING_ACTIONS = ("CreateModel", "CreateTransformJob")
ECR_PULL_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
LOG_ACTIONS = (
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:DescribeLogStreams",
    "logs:PutLogEvents",
)
ENI_DESCRIBE_ACTIONS = (
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)
ENI_MANAGE_ACTIONS = (
    "ec2:CreateNetworkInterface",  # first: see network_statements
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)
S3_READ_ACTIONS = ("s3:GetObject",)
S3_WRITE_ACTIONS = ("s3:PutObject", "s3:AbortMultipartUpload")
KMS_DECRYPT_ACTIONS = ("kms:Decrypt", "kms:DescribeKey")
KMS_ENCRYPT_DECRYPT_ACTIONS = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)

# Above this many distinct AutoML jobs the (read-only) statement uses automl-job/*.
MAX_AUTOML_JOB_RESOURCES = 20
# Above this many distinct name patterns a statement falls back to their common start.
MAX_PREFIX_RESOURCES = 10


def source_role_policy(job_arns: Sequence[str]) -> dict[str, Any]:
    """The identity policy a ``source_role_arn`` in the job's account needs: read the jobs, list candidates.

    ``ListCandidatesForAutoMLJob`` has no resource-level permissions: it must be allowed on ``*``.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadAutoMLJobs", "Effect": "Allow", "Action": list(AUTOML_DESCRIBE_ACTIONS), "Resource": list(job_arns)},
            {"Sid": "ListAutoMLJobCandidates", "Effect": "Allow", "Action": list(AUTOML_LIST_ACTIONS), "Resource": "*"},
        ],
    }


@functools.cache
def _stack_id() -> str:
    """``Aws.STACK_ID``: one token, the same in every stack, read from jsii once per process."""
    return str(Aws.STACK_ID)


def minimal_prefixes(prefixes: Iterable[str], limit: int = MAX_PREFIX_RESOURCES) -> list[str]:
    """The fewest name patterns covering ``prefixes``: drop any that another one already starts.

    More than ``limit`` patterns collapse into their longest common start (possibly ``""``,
    i.e. every name), keeping the policy small.
    """
    kept: list[str] = []
    # Sorted, the strings that start with a given prefix follow it without a gap.
    for prefix in sorted(set(prefixes)):
        if not kept or not prefix.startswith(kept[-1]):
            kept.append(prefix)
    if len(kept) > limit:
        return [os.path.commonprefix(kept)]
    return kept


def add_prefix(prefixes: list[str], prefix: str, limit: int = MAX_PREFIX_RESOURCES) -> bool:
    """Add ``prefix`` to ``prefixes`` once; whether that makes :func:`minimal_prefixes` start collapsing them."""
    if prefix in prefixes:
        return False
    prefixes.append(prefix)
    return len(minimal_prefixes(prefixes, limit=len(prefixes) + 1)) == limit + 1


# ---------------------------------------------------------------------------------------------
# ARNs
# ---------------------------------------------------------------------------------------------


# A stack's partition, region and account never change: read once per stack, as statements
# are rendered at synthesis (possibly several times) with an ARN per job name or prefix.
_ARN_SCOPES: WeakKeyDictionary[Stack, str] = WeakKeyDictionary()


def sagemaker_arn(stack: Stack, resource: str, name_pattern: str) -> str:
    """``arn:<partition>:sagemaker:<region>:<account>:<resource>/<name_pattern>``, as ``stack.format_arn`` builds it."""
    scope = _ARN_SCOPES.get(stack)
    if scope is None:
        scope = _ARN_SCOPES[stack] = f"arn:{stack.partition}:sagemaker:{stack.region}:{stack.account}"
    return f"{scope}:{resource}/{name_pattern}"


def _s3_key_pattern(key: str, *, folder: bool) -> str:
    """``key/*`` for a folder (results, artifacts); ``key*`` for an API key prefix (inputs, manifests)."""
    if folder:
        key = key.rstrip("/")
        return f"{key}/*" if key else "*"
    return f"{key}*"


def s3_object_arn(uri: str, *, folder: bool = True) -> str:
    """Objects under an ``s3://bucket/prefix`` URI: ``arn:<partition>:s3:::bucket/prefix/*``.

    ``folder=False`` matches keys that merely start with the prefix, as ``S3Prefix`` input
    does (``s3://bucket/data/input.csv`` names one file) and as a manifest file's URI needs.
    """
    if validation.is_token(uri):
        # s3://bucket/key -> bucket/key; CloudFormation has no replace, but split works.
        return Fn.join("", ["arn:", Aws.PARTITION, ":s3:::", Fn.select(1, Fn.split("s3://", uri)), "*"])
    bucket, key = validation.split_s3_uri(uri)
    return f"arn:{Aws.PARTITION}:s3:::{bucket}/{_s3_key_pattern(key, folder=folder)}"


def s3_bucket_arn(uri: str) -> str:
    """The bucket of an ``s3://`` URI."""
    if validation.is_token(uri):
        return Fn.join("", ["arn:", Aws.PARTITION, ":s3:::", Fn.select(2, Fn.split("/", uri))])
    bucket, _ = validation.split_s3_uri(uri)
    return f"arn:{Aws.PARTITION}:s3:::{bucket}"


def s3_list_conditions(uri: str, *, folder: bool = True) -> dict[str, Any] | None:
    """The ``s3:prefix`` condition limiting ``s3:ListBucket`` to the URI's key prefix."""
    _, key = validation.split_s3_uri(uri)
    if folder:
        key = key.rstrip("/")
        return {"StringLike": {"s3:prefix": [key, f"{key}/*"]}} if key else None
    return {"StringLike": {"s3:prefix": [f"{key}*"]}} if key else None


def s3_statements(
    uri: str, actions: Sequence[str], *, list_bucket: bool, folder: bool = True
) -> list[iam.PolicyStatement]:
    """``actions`` on the objects under ``uri``, and (``list_bucket``) listing that prefix."""
    statements = [iam.PolicyStatement(actions=list(actions), resources=[s3_object_arn(uri, folder=folder)])]
    if list_bucket and not validation.is_token(uri):
        statements.append(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[s3_bucket_arn(uri)],
                conditions=s3_list_conditions(uri, folder=folder),
            )
        )
    return statements


def kms_statement(key: kms.IKey, actions: Sequence[str]) -> iam.PolicyStatement:
    """``actions`` on ``key`` (the key's policy must let IAM policies of the account grant it)."""
    return iam.PolicyStatement(actions=list(actions), resources=[key.key_arn])


# ---------------------------------------------------------------------------------------------
# Lazily rendered, grouped statements
# ---------------------------------------------------------------------------------------------


class LazyStatements:
    """One statement per purpose (``sid``) whose resources are rendered at synthesis.

    Constructs register what they need while the app is built; each statement renders the
    state at synthesis, so the last construct added is covered and nothing is duplicated.
    """

    def __init__(self, target: iam.Policy | iam.PolicyDocument) -> None:
        self._target = target
        self._sids: set[str] = set()

    def ensure(
        self,
        sid: str,
        actions: Sequence[str],
        resources: Callable[[], list[str]] | Sequence[str],
        conditions: dict[str, Any] | None = None,
    ) -> None:
        """Add the statement ``sid`` once; later calls change nothing.

        ``resources`` is a fixed list, or a function called at synthesis.
        """
        if sid in self._sids:
            return
        self._sids.add(sid)
        rendered = lazy_list(resources) if callable(resources) else list(resources)
        self._target.add_statements(
            iam.PolicyStatement(sid=sid, actions=list(actions), resources=rendered, conditions=conditions)
        )


# ---------------------------------------------------------------------------------------------
# The handler's permissions, one set per stack
# ---------------------------------------------------------------------------------------------


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
        at_synthesis(policy, self._add_create_statements, priority=AspectPriority.MUTATING)

    # -- registration -------------------------------------------------------------------------

    def allow_read_automl_job(self, job_name: str, *, candidate_named: bool = False) -> None:
        """``Describe*`` on the job (``automl-job/*`` when its name is a token); with ``candidate_named``
        also ``ListCandidatesForAutoMLJob``, which has no resource-level permissions (``*``)."""
        if validation.is_token(job_name):
            self._automl_any = True
        elif job_name.lower() not in self._automl_jobs:
            self._automl_jobs.append(job_name.lower())
        self._ensure("ReadAutoMLJobs", AUTOML_DESCRIBE_ACTIONS, self._automl_resources)
        if candidate_named:
            self._ensure("ListAutoMLJobCandidates", AUTOML_LIST_ACTIONS, ["*"])

    def allow_assume_source_role(self, role_arn: str) -> None:
        """``sts:AssumeRole`` on a role that reads a job in another account."""
        if role_arn not in self._source_roles:
            self._source_roles.append(role_arn)
        self._ensure("AssumeAutoMLJobReaderRoles", ("sts:AssumeRole",), lambda: list(self._source_roles))

    def allow_manage_models(
        self, prefix: str | None = None, *, construct: IConstruct, binding: ModelBinding | None = None
    ) -> None:
        """Create models tagged as the stack's, and describe, delete and re-tag those so tagged.

        ``prefix`` is accepted for compatibility and not used: names no longer scope the policy.
        ``binding``: what the model's template declares (VPC, network isolation).
        """
        self._models.append(binding or ModelBinding())
        self._ensure("ManageOwnedModels", MODEL_MANAGE_ACTIONS, [self._arn("model")], self._owned())
        self._ensure_common()

    def allow_manage_transform_jobs(
        self, prefix: str | None = None, *, construct: IConstruct, binding: TransformBinding | None = None
    ) -> None:
        """Start transform jobs tagged as the stack's, and describe, stop and re-tag those so tagged.

        ``prefix`` is accepted for compatibility and not used. ``binding``: the job's instance type and keys.
        """
        self._jobs.append(binding or TransformBinding())
        self._ensure("ManageOwnedTransformJobs", TRANSFORM_JOB_MANAGE_ACTIONS, [self._arn("transform-job")], self._owned())
        self._ensure_common()

    def allow_pass_role(self, role_arn: str) -> None:
        """``iam:PassRole`` on the role ``role_arn``, to SageMaker only."""
        if role_arn not in self._pass_roles:
            self._pass_roles.append(role_arn)
        self._ensure(
            "PassExecutionRoles",
            ("iam:PassRole",),
            lambda: list(self._pass_roles),
            conditions={"StringEquals": {"iam:PassedToService": SAGEMAKER_PRINCIPAL}},
        )

    def allow_create_grant(self, key: kms.IKey) -> None:
        """``kms:CreateGrant`` (for AWS resources only) and ``kms:DescribeKey`` on a key a job's volumes use."""
        if key.key_arn not in self._grant_keys:
            self._grant_keys.append(key.key_arn)
        self._ensure("DescribeJobKeys", ("kms:DescribeKey",), lambda: list(self._grant_keys))
        self._ensure(
            "GrantJobKeysToSageMaker",
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
        return {"StringEquals": {f"aws:ResourceTag/{OWNER_TAG_KEY}": _stack_id()}}

    def _ensure_common(self) -> None:
        resources = lambda: [  # noqa: E731 - rendered at synthesis
            *([self._arn("model")] if self._models else []),
            *([self._arn("transform-job")] if self._jobs else []),
        ]
        # Existence checks: a Describe or Delete of a resource that is gone is denied (no tag to match).
        self._ensure("FindModelsAndTransformJobs", LIST_ACTIONS, ["*"])
        # Whether its own stack is rolling back (the event carries no such flag).
        self._ensure("DescribeOwnStack", ("cloudformation:DescribeStacks",), [_stack_id()])
        # Tagging as part of CreateModel / CreateTransformJob: only with the owner tag.
        self._ensure(
            "TagOwnedResourcesAtCreation",
            ("sagemaker:AddTags",),
            resources,
            {
                "StringEquals": {
                    f"aws:RequestTag/{OWNER_TAG_KEY}": _stack_id(),
                    "sagemaker:TaggingAction": list(TAGGING_ACTIONS),
                }
            },
        )
        # Tag syncing on the stack's own resources, never of the owner tag itself.
        self._ensure(
            "RetagOwnedResources",
            TAG_ACTIONS,
            resources,
            {**self._owned(), "ForAllValues:StringNotEquals": {"aws:TagKeys": [OWNER_TAG_KEY]}},
        )

    def _add_create_statements(self) -> None:
        """At synthesis, once every model and job is known: Create* bound to what they declare."""
        requested = {f"aws:RequestTag/{OWNER_TAG_KEY}": _stack_id()}
        if self._models:
            self._policy.add_statements(
                iam.PolicyStatement(
                    sid="CreateOwnedModels",
                    actions=list(MODEL_CREATE_ACTIONS),
                    resources=[self._arn("model")],
                    conditions=merge_conditions({"StringEquals": requested}, ModelBinding.conditions(self._models)),
                )
            )
        if self._jobs:
            self._policy.add_statements(
                iam.PolicyStatement(
                    sid="CreateOwnedTransformJobs",
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
    if validation.is_token(values):
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
        if types and all(value is not None and not validation.is_token(value) for value in types):
            conditions["ForAllValues:StringEquals"] = {"sagemaker:InstanceTypes": sorted(set(types))}
        for key, values in (
            ("sagemaker:VolumeKmsKey", _union([job.volume_kms_key] if job.volume_kms_key else [] for job in jobs)),
            ("sagemaker:OutputKmsKey", _union([job.output_kms_key] if job.output_kms_key else [] for job in jobs)),
        ):
            if values:
                conditions.setdefault("StringEqualsIfExists", {})[key] = values
        return conditions


# ---------------------------------------------------------------------------------------------
# The stack's default execution role
# ---------------------------------------------------------------------------------------------


class S3Locations:
    """S3 locations of one purpose, rendered as few ARNs.

    Per bucket, only the key prefixes not covered by another are kept; beyond
    ``MAX_PREFIX_RESOURCES`` of them they collapse into their common start (with a
    warning), so a stack of a hundred transform jobs still fits IAM's policy size limits.
    Locations given as tokens are kept as they are.
    """

    def __init__(self, scope: Construct, purpose: str) -> None:
        self._scope = scope
        self._purpose = purpose
        self._prefixes: dict[str, list[str]] = {}
        self._token_arns: list[str] = []

    def add(self, uri: str, *, folder: bool) -> str | None:
        """Register ``uri`` (``folder``: the objects below it; else keys starting with it); returns its bucket."""
        if validation.is_token(uri):
            arn = s3_object_arn(uri, folder=folder)
            if arn not in self._token_arns:
                self._token_arns.append(arn)
            return None
        bucket, key = validation.split_s3_uri(uri)
        prefix = _s3_key_pattern(key, folder=folder).removesuffix("*")
        prefixes = self._prefixes.setdefault(bucket, [])
        if add_prefix(prefixes, prefix):
            Annotations.of(self._scope).add_warning_v2(
                "autopilot-inference:many-s3-locations",
                f"More than {MAX_PREFIX_RESOURCES} {self._purpose} locations in s3://{bucket}: the default "
                "execution role's access now covers every key starting with their common start. Give them "
                "a common prefix, or pass a role of your own.",
            )
        return bucket

    def key_patterns(self, bucket: str) -> list[str]:
        """``<prefix>*`` for each kept prefix of ``bucket`` (values of an ``s3:prefix`` condition)."""
        return [f"{prefix}*" for prefix in minimal_prefixes(self._prefixes.get(bucket, []))]

    def object_arns(self) -> list[str]:
        """``arn:<partition>:s3:::<bucket>/<prefix>*`` for every kept prefix, then the token locations."""
        partition = Aws.PARTITION
        arns = [
            f"arn:{partition}:s3:::{bucket}/{pattern}"
            for bucket in self._prefixes
            for pattern in self.key_patterns(bucket)
        ]
        return arns + self._token_arns


EXECUTION_ROLE_ID = "AutopilotInferenceExecutionRole"


def source_account_condition() -> dict[str, Any]:
    """Trust condition of an execution role: SageMaker may assume it only for this account."""
    return {"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}


class DefaultExecutionRole(Construct):
    """The SageMaker execution role shared by a stack's models that were given no role.

    It can pull images from the region's registries, write ``/aws/sagemaker/*`` logs and
    metrics, and reach exactly the S3 locations and KMS keys its models and transform jobs
    registered (artifacts under each ``automl_output_s3_uri``, each job's input and output),
    plus network interfaces when a model runs in a VPC. Its statements live in one inline
    policy of the role: one IAM resource per stack, however many models use it.
    """

    @classmethod
    def of(cls, scope: IConstruct) -> DefaultExecutionRole:
        """The default execution role of ``scope``'s stack, created on first use."""
        return stack_singleton(scope, EXECUTION_ROLE_ID, cls)

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        document = iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(sid="PullImagesAuth", actions=["ecr:GetAuthorizationToken"], resources=["*"]),
                iam.PolicyStatement(
                    sid="PullImages",
                    actions=list(ECR_PULL_ACTIONS),
                    resources=[stack.format_arn(service="ecr", account="*", resource="repository", resource_name="*")],
                ),
                iam.PolicyStatement(
                    sid="WriteLogs",
                    actions=list(LOG_ACTIONS),
                    resources=[
                        stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="/aws/sagemaker/*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    ],
                ),
                iam.PolicyStatement(
                    sid="PutMetrics",
                    actions=["cloudwatch:PutMetricData"],
                    resources=["*"],
                    conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
                ),
            ]
        )
        self._statements = LazyStatements(document)
        self._artifacts = S3Locations(self, "model artifact")
        self._inputs = S3Locations(self, "transform input")
        self._results = S3Locations(self, "result")
        self._keys: dict[str, list[str]] = {}
        self._list_sids: dict[str, str] = {}
        self._vpc_arns: list[str] = []
        self.role = iam.Role(
            self,
            "Role",
            # Only SageMaker acting for this account may assume it (confused deputy).
            assumed_by=iam.ServicePrincipal(SAGEMAKER_PRINCIPAL, conditions=source_account_condition()),
            description="SageMaker execution role of the stack's Autopilot models",
            inline_policies={EXECUTION_POLICY_NAME: document},
        )
        """The ``iam.Role``."""
        self.role_arn = self.role.role_arn
        """The role's ARN (a token), read once for all the stack's models."""
        self._dependents: list[IConstruct] = []
        at_synthesis(self, self._wait_for_attached_policies)
        acknowledge_execution_role_findings(self)

    def add_dependent(self, dependent: IConstruct) -> None:
        """Make ``dependent`` (which refers to the role's ARN) also wait for policies attached to the role."""
        self._dependents.append(dependent)

    def _wait_for_attached_policies(self) -> None:
        # The role's own statements are inline, so a reference to its ARN waits for them;
        # grants to the role (``bucket.grant_read(model)``) go to a DefaultPolicy beside it.
        if not self._dependents:
            return
        attached = self.role.node.try_find_child("DefaultPolicy")
        if attached is None:
            return
        for dependent in self._dependents:
            dependent.node.add_dependency(attached)

    def allow_read_artifacts(self, uri: str) -> None:
        """Read the model artifacts under ``uri`` (``GetObject``: a model's data is one object)."""
        self._artifacts.add(uri, folder=True)
        self._statements.ensure("ReadModelArtifacts", S3_READ_ACTIONS, self._artifacts.object_arns)

    def allow_read_input(self, uri: str, *, list_bucket: bool = True) -> None:
        """Read a transform job's input: read (and, ``list_bucket``, list) the objects whose keys start with ``uri``.

        A manifest input is one object SageMaker reads: no listing (``list_bucket=False``).
        """
        bucket = self._inputs.add(uri, folder=False)
        self._statements.ensure("ReadTransformInputs", S3_READ_ACTIONS, self._inputs.object_arns)
        if bucket is None or not list_bucket:
            return
        if bucket in self._list_sids:
            return
        sid = self._list_sids[bucket] = f"ListTransformInputs{len(self._list_sids) + 1}"
        self._statements.ensure(
            sid,
            ("s3:ListBucket",),
            [f"arn:{Aws.PARTITION}:s3:::{bucket}"],
            conditions={"StringLike": {"s3:prefix": lazy_list(lambda: self._inputs.key_patterns(bucket))}},
        )

    def allow_write(self, uri: str) -> None:
        """Write results under ``uri`` (transform output, endpoint data capture)."""
        self._results.add(uri, folder=True)
        self._statements.ensure("WriteResults", S3_WRITE_ACTIONS, self._results.object_arns)

    def allow_key(self, key: kms.IKey, actions: Sequence[str]) -> None:
        """Use ``key`` for ``actions`` (decrypt only, or encrypt and decrypt)."""
        sid = "DecryptWithKeys" if tuple(actions) == KMS_DECRYPT_ACTIONS else "EncryptWithKeys"
        arns = self._keys.setdefault(sid, [])
        if key.key_arn not in arns:
            arns.append(key.key_arn)
        self._statements.ensure(sid, actions, lambda: list(arns))

    def allow_network_interfaces(self, vpc_arn: str) -> None:
        """Manage the network interfaces of models that run in the VPC ``vpc_arn`` (see :func:`network_statements`)."""
        if vpc_arn not in self._vpc_arns:
            self._vpc_arns.append(vpc_arn)
        for statement in network_statements(Stack.of(self), lambda: list(self._vpc_arns)):
            self._statements.ensure(
                statement.sid or "", statement.actions, statement.resources, statement.conditions or None
            )


def vpc_arn(stack: Stack, vpc_id: str) -> str:
    """``arn:<partition>:ec2:<region>:<account>:vpc/<id>``: the value of the ``ec2:Vpc`` condition key."""
    return stack.format_arn(service="ec2", resource="vpc", resource_name=vpc_id)


def network_statements(stack: Stack, vpc_arns: Callable[[], list[str]] | list[str]) -> list[iam.PolicyStatement]:
    """What SageMaker needs for the network interfaces of a model in one of ``vpc_arns``.

    The reference supports ``ec2:Vpc`` on the subnet and security groups a new interface uses, and
    on the interface for the other actions; the new interface itself carries no such key (hence
    ``ArnEqualsIfExists`` when creating: the interface passes, its subnet and groups must be in a VPC).
    """
    arns = lazy_list(vpc_arns) if callable(vpc_arns) else list(vpc_arns)

    def arn(resource: str) -> str:
        return stack.format_arn(service="ec2", resource=resource, resource_name="*")

    return [
        iam.PolicyStatement(sid="DescribeNetwork", actions=list(ENI_DESCRIBE_ACTIONS), resources=["*"]),
        iam.PolicyStatement(
            sid="CreateNetworkInterfacesInModelVpcs",
            actions=["ec2:CreateNetworkInterface"],
            resources=[arn("network-interface"), arn("subnet"), arn("security-group")],
            conditions={"ArnEqualsIfExists": {"ec2:Vpc": arns}},
        ),
        iam.PolicyStatement(
            sid="ManageNetworkInterfacesInModelVpcs",
            actions=list(ENI_MANAGE_ACTIONS[1:]),
            resources=[arn("network-interface")],
            conditions={"ArnEquals": {"ec2:Vpc": arns}},
        ),
    ]


__all__ = [
    "DefaultExecutionRole",
    "LazyStatements",
    "S3Locations",
    "HandlerPermissions",
    "kms_statement",
    "minimal_prefixes",
    "network_statements",
    "vpc_arn",
    "s3_bucket_arn",
    "s3_object_arn",
    "s3_statements",
    "source_role_policy",
]
