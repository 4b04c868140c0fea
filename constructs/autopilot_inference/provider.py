"""The stack's single custom-resource provider for Autopilot models and transform jobs."""

from __future__ import annotations

import re
from functools import cached_property

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from ._asset import HANDLER, handler_code
from ._lambda.autopilot_runtime import contract
from ._lambda.autopilot_runtime.ownership import OWNER_ENV_VAR
from ._role_names import role_arn, stack_role_name
from ._scopes import stack_of, stack_singleton
from ._signatures import public_construct
from .provider_compliance import acknowledge_provider_findings
from .provider_permissions import HandlerPermissions

PROVIDER_ID = "AutopilotInferenceProvider"
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
QUERY_INTERVAL = Duration.minutes(1)
TOTAL_TIMEOUT = Duration.hours(1)
# The handler's retry budget is computed against this timeout (see autopilot_runtime.contract).
HANDLER_TIMEOUT = Duration.seconds(contract.HANDLER_TIMEOUT_SECONDS)
HANDLER_MEMORY_MB = 256
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
HANDLER_ROLE_PURPOSE = "handler"


@public_construct
class AutopilotInferenceProvider(Construct):
    """One Lambda function serving ``Custom::AutopilotModel`` and ``Custom::AutopilotTransformJob``.

    :meth:`of` finds or creates the one of a stack, at stack scope under the id
    ``AutopilotInferenceProvider``; the constructs call it. To set its log groups' key or
    retention, create it first with :meth:`configure`. Its function is both the framework's
    ``on_event_handler`` and ``is_complete_handler`` (polled every minute for at most an
    hour). Constructs add least-privilege statements to its role through :attr:`permissions`
    (:class:`~autopilot_inference.provider_permissions.HandlerPermissions`); statements are
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
        self.handler_role_arn = role_arn(stack_of(self), self.handler_role_name)
        """The handler role's ARN, built from its name: what an AutoML job's account trusts (``source_role_trust_policy``)."""
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
        # The framework's own functions log only to their group: no AWS managed policy.
        # onEvent starts the waiter state machine, which calls isComplete/onTimeout: one
        # role each side, or their policies would depend on each other.
        self.framework_on_event_role = self._framework_role("FrameworkOnEventRole", "onEvent")
        self.framework_waiter_role = self._framework_role("FrameworkWaiterRole", "isComplete and onTimeout")
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.handler,
            is_complete_handler=self.handler,
            query_interval=QUERY_INTERVAL,
            total_timeout=TOTAL_TIMEOUT,
            log_group=self.framework_log_group,
            framework_on_event_role=self.framework_on_event_role,
            framework_complete_and_timeout_role=self.framework_waiter_role,
        )
        acknowledge_provider_findings(self, self.handler_policy)

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


def handler_role_name_of(stack: Stack) -> str:
    """The default name of ``stack``'s handler role: ``<stack name, at most 28>-<hash>-handler-<region>``.

    A pure function of the stack's name and region, so the account of a job read across
    accounts can write it into its trust policy before this stack is first deployed.
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
