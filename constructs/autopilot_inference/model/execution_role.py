"""The SageMaker execution role a stack's models share when given none, and grants to it from other stacks.

- :class:`DefaultExecutionRole`: the role, with one inline policy of grouped statements.
- :class:`ConsumerExecutionGrants`: the same grouped statements in a policy of a consumer's
  stack, attached to a model's role of another stack, so that a pull request touching only
  the consumer's stack never changes the model stack's IAM.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Aws, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

from .._lambda.autopilot_runtime import naming
from .._private.ids import EXECUTION_ROLE_ID
from .._private.lazy import LazyStatements, lazy_list
from .._private.principals import SAGEMAKER_PRINCIPAL
from .._private.role_names import stack_role_name
from .._private.scopes import stack_of, stack_singleton
from ..compliance.acknowledgements import at_synthesis
from . import execution_permissions as ep
from .execution_acknowledgements import acknowledge_execution_role_findings
from .s3_locations import S3Locations

EXECUTION_ROLE_PURPOSE = "exec"
CONSUMER_GRANTS_ID = "AutopilotInferenceModelGrants"

def default_execution_role_name(stack: Stack) -> str | None:
    """The default execution role's name: known before the first deployment (see :mod:`.._private.role_names`)."""
    return stack_role_name(stack, EXECUTION_ROLE_PURPOSE)


class ExecutionGrants(Construct):
    """Grouped, deduplicated statements letting an execution role reach data: S3 locations, KMS keys, VPCs.

    Subclasses say where the statements live (:attr:`_statements`).
    """

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self._artifacts = S3Locations(self, "model artifact")
        self._inputs = S3Locations(self, "transform input")
        self._results = S3Locations(self, "result")
        self._keys: dict[str, list[str]] = {}
        self._list_sids: dict[str, str] = {}
        self._vpc_arns: list[str] = []
        self._dependents: list[IConstruct] = []

    @property
    def _statements(self) -> LazyStatements:
        raise NotImplementedError

    def add_dependent(self, dependent: IConstruct) -> None:
        """Make ``dependent`` wait for these grants."""
        self._dependents.append(dependent)

    def allow_read_artifacts(self, uri: str) -> None:
        """Read the model artifacts under ``uri`` (``GetObject``: a model's data is one object)."""
        self._artifacts.add(uri, folder=True)
        self._statements.ensure(ep.READ_MODEL_ARTIFACTS_SID, ep.S3_READ_ACTIONS, self._artifacts.object_arns)

    def allow_read_input(self, uri: str, *, list_bucket: bool = True) -> None:
        """Read a transform job's input: read (and, ``list_bucket``, list) the objects whose keys start with ``uri``.

        A manifest input is one object SageMaker reads: no listing (``list_bucket=False``).
        """
        bucket = self._inputs.add(uri, folder=False)
        self._statements.ensure(ep.READ_TRANSFORM_INPUTS_SID, ep.S3_READ_ACTIONS, self._inputs.object_arns)
        if bucket is None or not list_bucket:
            return
        if bucket in self._list_sids:
            return
        sid = self._list_sids[bucket] = f"{ep.LIST_TRANSFORM_INPUTS_SID}{len(self._list_sids) + 1}"
        self._statements.ensure(
            sid,
            ("s3:ListBucket",),
            [f"arn:{Aws.PARTITION}:s3:::{bucket}"],
            conditions={"StringLike": {"s3:prefix": lazy_list(lambda: self._inputs.key_patterns(bucket))}},
        )

    def allow_write(self, uri: str) -> None:
        """Write results under ``uri`` (transform output, endpoint data capture)."""
        self._results.add(uri, folder=True)
        self._statements.ensure(ep.WRITE_RESULTS_SID, ep.S3_WRITE_ACTIONS, self._results.object_arns)

    def allow_key(self, key: kms.IKey, actions: Sequence[str]) -> None:
        """Use ``key`` for ``actions`` (decrypt only, or encrypt and decrypt)."""
        sid = ep.kms_sid(actions)
        arns = self._keys.setdefault(sid, [])
        if key.key_arn not in arns:
            arns.append(key.key_arn)
        self._statements.ensure(sid, actions, lambda: list(arns))

    def allow_network_interfaces(self, vpc_arn: str) -> None:
        """Manage the network interfaces of models that run in the VPC ``vpc_arn`` (see :func:`~autopilot_inference.model.execution_permissions.network_statements`)."""
        if vpc_arn not in self._vpc_arns:
            self._vpc_arns.append(vpc_arn)
        for statement in ep.network_statements(Stack.of(self), lambda: list(self._vpc_arns)):
            self._statements.ensure(
                statement.sid or "", statement.actions, statement.resources, statement.conditions or None
            )


class DefaultExecutionRole(ExecutionGrants):
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
        document = iam.PolicyDocument(statements=ep.base_statements(Stack.of(self)))
        self._inline = LazyStatements(document)
        self.role_name = default_execution_role_name(Stack.of(self))
        """The role's name, known before deployment: consumers in other stacks attach their grants to it by name."""
        self.role = iam.Role(
            self,
            "Role",
            role_name=self.role_name,
            # Only SageMaker acting for this account may assume it (confused deputy).
            assumed_by=iam.ServicePrincipal(SAGEMAKER_PRINCIPAL, conditions=ep.source_account_condition()),
            description="SageMaker execution role of the stack's Autopilot models",
            inline_policies={ep.EXECUTION_POLICY_NAME: document},
        )
        """The ``iam.Role``."""
        self.role_arn = self.role.role_arn
        """The role's ARN (a token), read once for all the stack's models."""
        at_synthesis(self, self._wait_for_attached_policies)
        acknowledge_execution_role_findings(self.role)

    @property
    def _statements(self) -> LazyStatements:
        return self._inline

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


class ConsumerExecutionGrants(ExecutionGrants):
    """A consumer stack's grants to a model's execution role of another stack, in a policy of the consumer's stack.

    A transform, schedule or endpoint grants the model's role what it needs for its own data
    (S3, KMS) here, in its own stack: the model stack's template stays the same whoever uses
    its model, and no reference from the model stack to the consumer's resources (its buckets,
    keys) can make the two stacks depend on each other. One per consumer stack and role.
    """

    @classmethod
    def of(cls, scope: IConstruct, role: iam.IRole, key: str) -> ConsumerExecutionGrants:
        """The grants of ``scope``'s stack to ``role`` (``key`` names the role among the stack's, e.g. its path)."""
        stack = stack_of(scope)
        id = f"{CONSUMER_GRANTS_ID}{naming.stable_hash('consumer-grants', key)}"
        found = stack.node.try_find_child(id)
        if isinstance(found, cls):
            return found
        return cls(stack, id, role=role)

    def __init__(self, scope: Construct, id: str, *, role: iam.IRole) -> None:
        super().__init__(scope, id)
        self.role = role
        """The model's execution role, as this stack sees it."""
        self.policy = iam.Policy(self, "Policy", roles=[role])
        """The policy holding the grants, attached to :attr:`role` (rendered only with statements)."""
        self._attached = LazyStatements(self.policy)
        at_synthesis(self, self._wait_for_policy)
        acknowledge_execution_role_findings(self.policy)

    @property
    def _statements(self) -> LazyStatements:
        return self._attached

    def _wait_for_policy(self) -> None:
        if not self.policy.document.is_empty:
            for dependent in self._dependents:
                dependent.node.add_dependency(self.policy)


__all__ = [
    "CONSUMER_GRANTS_ID",
    "EXECUTION_ROLE_ID",
    "ConsumerExecutionGrants",
    "DefaultExecutionRole",
    "ExecutionGrants",
    "default_execution_role_name",
]
