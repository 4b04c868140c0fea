"""The stack's single custom-resource provider for Autopilot models and transform jobs."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

import jsii
from aws_cdk import Aws, Duration, IAnyProducer, Lazy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from .._lambda.autopilot_runtime import contract
from .._lambda.autopilot_runtime.naming import MAX_TRANSFORM_PREFIX_LENGTH, readable_prefix
from .._lambda.autopilot_runtime.ownership import OWNER_ENV_VAR
from .._private.ids import PROVIDER_ID
from .._private.role_names import role_arn, stack_role_name
from .._private.scopes import stack_of, stack_singleton
from .._private.signatures import public_construct
from .._private.tokens import is_token
from .asset import HANDLER, handler_code
from .nag_acknowledgements import acknowledge_provider_findings
from .permissions import HandlerPermissions

_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
# The handler's retry budget is computed against this timeout (see autopilot_runtime.contract).
HANDLER_TIMEOUT = Duration.seconds(contract.HANDLER_TIMEOUT_SECONDS)
HANDLER_MEMORY_MB = 256
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
HANDLER_ROLE_PURPOSE = "handler"


def job_name_start(job_name_prefix: str) -> str:
    """How the handler's job names start for ``job_name_prefix`` (lowercased, cut to fit 63 characters)."""
    return readable_prefix([job_name_prefix], MAX_TRANSFORM_PREFIX_LENGTH)


@jsii.implements(IAnyProducer)
class _AnyProducer:
    def __init__(self, produce: Any) -> None:
        self._produce = produce

    def produce(self, context: Any) -> Any:  # noqa: ARG002 - jsii interface
        return self._produce()


@public_construct
class AutopilotInferenceProvider(Construct):
    """One Lambda function serving ``Custom::AutopilotModel`` and ``Custom::AutopilotTransformJob``.

    :meth:`of` finds or creates the one of a stack, at stack scope under the id
    ``AutopilotInferenceProvider``; the constructs call it. To set its log groups' key or
    retention, create it first with :meth:`configure`. Its function is the framework's
    ``on_event_handler`` (no ``is_complete_handler``: nothing polls) and the target of the stack's
    rule on ``SageMaker Transform Job State Change`` events (:meth:`watch_transform_jobs`), which
    signals the wait conditions of waited jobs. Constructs add least-privilege statements to its role through :attr:`permissions`
    (:class:`~autopilot_inference.provider.permissions.HandlerPermissions`); statements are
    grouped per stack so the policy stays small. The function's
    environment carries the stack's id, the owner tag of everything it creates.

    The handler's role has a name known before the first deployment (:attr:`handler_role_name`,
    :attr:`handler_role_arn`), so that the account of an AutoML job read across accounts
    (``source_role_arn``) can trust it in advance: by default
    ``<stack name>-<hash>-handler-<region>`` (see :func:`handler_role_name_of`), or the name
    given to :meth:`configure`.

    Args:
        scope: the stack (use :meth:`configure`).
        id: ``AutopilotInferenceProvider``.
        log_encryption_key: KMS key that encrypts the handler's and the framework's log
            groups; a key of this app gets a key-policy statement letting CloudWatch Logs of
            this account and region use it. Default: CloudWatch Logs' own encryption.
        log_retention: how long the log groups keep events. Default: three months.
        handler_role_name: the name of the handler's role (at most 64 characters of
            letters, digits and ``+=,.@_-``; names are global to the account).
            Default: :func:`handler_role_name_of` the stack.
    """

    @classmethod
    def of(cls, scope: IConstruct) -> AutopilotInferenceProvider:
        """The provider of ``scope``'s stack, created on first use."""
        return stack_singleton(scope, PROVIDER_ID, cls)

    @classmethod
    def configure(
        cls,
        scope: IConstruct,
        *,
        log_encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = LOG_RETENTION,
        handler_role_name: str | None = None,
    ) -> AutopilotInferenceProvider:
        """Create the provider of ``scope``'s stack with these props, before any construct uses it."""
        stack = stack_of(scope)
        if stack.node.try_find_child(PROVIDER_ID) is not None:
            raise ValueError(
                f"The stack {stack.node.path} already has its {PROVIDER_ID}: call "
                "AutopilotInferenceProvider.configure(stack, ...) before creating any AutopilotModel in it."
            )
        if handler_role_name is not None and not _ROLE_NAME.match(handler_role_name):
            raise ValueError(
                f"handler_role_name {handler_role_name!r} is not a valid IAM role name: use 1-64 letters, digits "
                "and +=,.@_- characters."
            )
        cls(
            stack,
            PROVIDER_ID,
            log_encryption_key=log_encryption_key,
            log_retention=log_retention,
            handler_role_name=handler_role_name,
        )
        return stack_singleton(stack, PROVIDER_ID, cls)

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        log_encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = LOG_RETENTION,
        handler_role_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        if log_encryption_key is not None:
            allow_log_encryption(log_encryption_key)
        self.log_encryption_key = log_encryption_key
        self.log_retention = log_retention
        self.log_group = logs.LogGroup(
            self, "HandlerLogGroup", retention=log_retention, encryption_key=log_encryption_key
        )
        self.handler_role_name = handler_role_name or handler_role_name_of(stack_of(self))
        """The handler role's name, known before deployment (the default includes the region, or ``${AWS::Region}``)."""
        self.handler_role_arn = (
            role_arn(stack_of(self), self.handler_role_name) if self.handler_role_name is not None else None
        )
        """The handler role's ARN, built from its name: what an AutoML job's account trusts
        (``source_role_trust_policy``); ``None`` in a nested stack (use ``handler_role.role_arn``)."""
        self.handler_role = iam.Role(
            self,
            "HandlerRole",
            role_name=self.handler_role_name,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Autopilot inference custom-resource handler",
        )
        """The handler's role (reads the AutoML jobs, creates the models and transform jobs)."""
        self.log_group.grant_write(self.handler_role)
        self.handler_policy = iam.Policy(self, "HandlerPolicy")
        self.permissions = HandlerPermissions(self, self.handler_policy, self.handler_role)
        """The handler's statements: constructs register what their resources need (``allow_*``)."""
        self.handler = lambda_.Function(
            self,
            "Handler",
            description="Creates SageMaker models and transform jobs from finished Autopilot jobs",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler=HANDLER,
            code=handler_code(),
            timeout=HANDLER_TIMEOUT,
            memory_size=HANDLER_MEMORY_MB,
            role=self.handler_role,
            log_group=self.log_group,
            environment={OWNER_ENV_VAR: Aws.STACK_ID},
        )
        # Every custom resource's ServiceToken refers to the framework's onEvent function, which
        # refers to this function: through them, each resource waits for the handler's policy.
        self.handler.node.add_dependency(self.handler_policy)
        self.framework_log_group = logs.LogGroup(
            self, "FrameworkLogGroup", retention=log_retention, encryption_key=log_encryption_key
        )
        # The framework's onEvent function logs only to its group: no AWS managed policy. There is no
        # waiter (no isComplete): waited transform jobs are waited for by wait conditions, signalled
        # from the jobs' own state-change events.
        self.framework_on_event_role = self._framework_role("FrameworkOnEventRole", "onEvent")
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.handler,
            log_group=self.framework_log_group,
            framework_on_event_role=self.framework_on_event_role,
        )
        self.job_events_rule: events.Rule | None = None
        self._job_name_starts: list[str | None] = []
        """The rule sending waited jobs' end events to the handler (created by the first waited job)."""
        acknowledge_provider_findings(self, self.handler_policy)

    def watch_transform_jobs(self, job_name_prefix: str) -> events.Rule:
        """Send the end events of jobs named after ``job_name_prefix`` to the handler, which signals their wait conditions.

        One rule per stack, matching the job names' starts (as the handler makes them from the prefix:
        lowercased, cut to fit); a prefix known only at deploy time (a token) matches every job name.
        """
        self._job_name_starts.append(None if is_token(job_name_prefix) else f"{job_name_start(job_name_prefix)}-")
        if self.job_events_rule is None:
            self.permissions.allow_signal_waits()
            self.job_events_rule = events.Rule(
                self,
                "TransformJobEvents",
                description="Signals the wait conditions of this stack's waited batch transform jobs when they end",
                event_pattern=events.EventPattern(
                    source=[contract.SAGEMAKER_EVENT_SOURCE],
                    detail_type=[contract.TRANSFORM_JOB_STATE_CHANGE],
                    detail={
                        "TransformJobStatus": list(contract.TRANSFORM_JOB_END_STATUSES),
                        contract.ATTR_TRANSFORM_JOB_NAME: Lazy.uncached_any(_AnyProducer(self._name_matchers)),
                    },
                ),
                targets=[events_targets.LambdaFunction(self.handler, retry_attempts=185, max_event_age=Duration.hours(24))],
            )
        return self.job_events_rule

    def _name_matchers(self) -> list[dict[str, str]] | None:
        """The rule's job name matchers, rendered at synthesis (``None``: every name, for a token prefix)."""
        if None in self._job_name_starts:
            return None
        return [{"prefix": start} for start in sorted({start for start in self._job_name_starts if start})]

    def _framework_role(self, id: str, functions: str) -> iam.Role:
        role = iam.Role(
            self,
            id,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Autopilot inference custom-resource framework: {functions}",
        )
        self.framework_log_group.grant_write(role)
        return role

    @cached_property
    def service_token(self) -> str:
        """The ARN custom resources send their events to."""
        return self.provider.service_token


def handler_role_name_of(stack: Stack) -> str | None:
    """The default name of ``stack``'s handler role: ``<stack name, at most 28>-<hash>-handler-<region>``.

    A pure function of the stack's name and region, so the account of a job read across
    accounts can write it into its trust policy before this stack is first deployed. ``None`` for
    a nested stack, whose name is not known at synth time (CloudFormation generates the role's).
    """
    return stack_role_name(stack, HANDLER_ROLE_PURPOSE)


def allow_log_encryption(key: kms.IKey) -> None:
    """Let CloudWatch Logs of this account and region use ``key`` for log groups (no effect on an imported key)."""
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchLogsOfThisRegion",
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
                }
            },
        )
    )
