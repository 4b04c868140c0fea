"""Least-privilege IAM for the handler and the models' execution roles.

Every ARN is built from the stack's partition, region and account (as ``Stack.format_arn``
does) or ``Aws.PARTITION``: an environment-agnostic stack's template holds no account id or
region. SageMaker puts names into ARNs in lower case, so name patterns are lowered. The
handler's statements are grouped per stack rather than per resource (an IAM role's inline
policies are limited to 10,240 characters in total), and rendered lazily so that the last
construct added to the stack is still covered.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from aws_cdk import Annotations, ArnFormat, Aws, Fn, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

from . import validation
from ._lazy import lazy_list
from ._paths import stack_of, stack_prefix, stack_singleton
from .compliance import acknowledge_execution_role_findings, at_synthesis

SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"
EXECUTION_POLICY_NAME = "AutopilotModelExecution"

AUTOML_READ_ACTIONS = (
    "sagemaker:DescribeAutoMLJob",
    "sagemaker:DescribeAutoMLJobV2",
    "sagemaker:ListCandidatesForAutoMLJob",
)
MODEL_ACTIONS = (
    "sagemaker:CreateModel",
    "sagemaker:DeleteModel",
    "sagemaker:DescribeModel",
    "sagemaker:AddTags",
    "sagemaker:DeleteTags",
)
TRANSFORM_JOB_ACTIONS = (
    "sagemaker:CreateTransformJob",
    "sagemaker:DescribeTransformJob",
    "sagemaker:StopTransformJob",
    "sagemaker:AddTags",
    "sagemaker:DeleteTags",
)
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
    "ec2:CreateNetworkInterface",
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
    """Grouped, deduplicated statements of the handler's policy.

    Constructs register what they need; the resources of each statement are rendered at
    synthesis. Default names all start with the stack prefix, so one pattern covers them.
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
        self._model_prefixes: list[str] = []
        self._transform_prefixes: list[str] = []
        self._pass_roles: list[str] = []
        self._grant_keys: list[str] = []
        self._statements = LazyStatements(policy)

    # -- registration -------------------------------------------------------------------------

    def allow_read_automl_job(self, job_name: str) -> None:
        """``Describe*``/``ListCandidates`` on the job (``automl-job/*`` when its name is a token)."""
        if validation.is_token(job_name):
            self._automl_any = True
        elif job_name.lower() not in self._automl_jobs:
            self._automl_jobs.append(job_name.lower())
        self._ensure("ReadAutoMLJobs", AUTOML_READ_ACTIONS, self._automl_resources)

    def allow_assume_source_role(self, role_arn: str) -> None:
        """``sts:AssumeRole`` on a role that reads a job in another account."""
        if role_arn not in self._source_roles:
            self._source_roles.append(role_arn)
        self._ensure("AssumeAutoMLJobReaderRoles", ("sts:AssumeRole",), lambda: list(self._source_roles))

    def allow_manage_models(self, prefix: str | None, *, construct: IConstruct) -> None:
        """Model actions on ``model/<prefix>-*``; ``None``: the stack's default prefix."""
        self._add_prefix(self._model_prefixes, prefix, construct=construct, prop="model_name_prefix")
        self._ensure("ManageModels", MODEL_ACTIONS, lambda: self._prefix_resources("model", self._model_prefixes))

    def allow_manage_transform_jobs(self, prefix: str | None, *, construct: IConstruct) -> None:
        """Transform job actions on ``transform-job/<prefix>-*``; ``None``: the stack's default prefix."""
        self._add_prefix(self._transform_prefixes, prefix, construct=construct, prop="job_name_prefix")
        self._ensure(
            "ManageTransformJobs",
            TRANSFORM_JOB_ACTIONS,
            lambda: self._prefix_resources("transform-job", self._transform_prefixes),
        )

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
        resources: Callable[[], list[str]],
        conditions: dict[str, Any] | None = None,
    ) -> None:
        if self._role is not None:
            self._policy.attach_to_role(self._role)
            self._role = None
        self._statements.ensure(sid, actions, resources, conditions)

    def _automl_resources(self) -> list[str]:
        if self._automl_any or len(self._automl_jobs) > MAX_AUTOML_JOB_RESOURCES:
            return [sagemaker_arn(self._stack, "automl-job", "*")]
        return [sagemaker_arn(self._stack, "automl-job", name) for name in self._automl_jobs]

    def _add_prefix(self, prefixes: list[str], prefix: str | None, *, construct: IConstruct, prop: str) -> None:
        if prefix is None:
            entry = stack_prefix(self._stack).lower() + "-"
        elif validation.is_token(prefix):
            entry = ""
            Annotations.of(construct).add_warning_v2(
                "autopilot-inference:token-prefix",
                f"{prop} is a token: the handler may manage every such SageMaker resource of the account. "
                f"Pass a literal {prop} to scope its permissions.",
            )
        else:
            entry = prefix.lower() + "-"
        if add_prefix(prefixes, entry):
            Annotations.of(self._scope).add_warning_v2(
                "autopilot-inference:many-prefixes",
                f"More than {MAX_PREFIX_RESOURCES} distinct {prop} values in this stack: the handler's "
                f"permissions now cover every name starting with their common start. Give them a common start.",
            )

    def _prefix_resources(self, resource: str, prefixes: list[str]) -> list[str]:
        return [sagemaker_arn(self._stack, resource, f"{entry}*") for entry in minimal_prefixes(prefixes)]


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
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal(SAGEMAKER_PRINCIPAL),
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

    def allow_read_input(self, uri: str) -> None:
        """Read a transform job's input: list and read the objects whose keys start with ``uri``."""
        bucket = self._inputs.add(uri, folder=False)
        self._statements.ensure("ReadTransformInputs", S3_READ_ACTIONS, self._inputs.object_arns)
        if bucket is None:
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

    def allow_network_interfaces(self) -> None:
        """Manage the network interfaces of models that run in a VPC."""
        self._statements.ensure("DescribeNetwork", ENI_DESCRIBE_ACTIONS, ["*"])
        self._statements.ensure(
            "ManageNetworkInterfaces", ENI_MANAGE_ACTIONS, [Stack.of(self).format_arn(service="ec2", resource="*")]
        )


__all__ = [
    "DefaultExecutionRole",
    "LazyStatements",
    "S3Locations",
    "HandlerPermissions",
    "kms_statement",
    "minimal_prefixes",
    "s3_bucket_arn",
    "s3_object_arn",
    "s3_statements",
]
