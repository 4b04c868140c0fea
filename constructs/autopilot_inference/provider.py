"""The stack's single custom-resource provider for Autopilot models and transform jobs."""

from __future__ import annotations

from functools import cached_property

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from ._asset import HANDLER, handler_code
from ._lambda.autopilot_runtime.contract import HANDLER_TIMEOUT_SECONDS
from ._paths import stack_singleton
from .compliance import acknowledge_provider_findings
from .permissions import HandlerPermissions

PROVIDER_ID = "AutopilotInferenceProvider"
QUERY_INTERVAL = Duration.minutes(1)
TOTAL_TIMEOUT = Duration.hours(1)
# The handler's retry budget is computed against this timeout (see autopilot_runtime.contract).
HANDLER_TIMEOUT = Duration.seconds(HANDLER_TIMEOUT_SECONDS)
HANDLER_MEMORY_MB = 256
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS


class AutopilotInferenceProvider(Construct):
    """One Lambda function serving ``Custom::AutopilotModel`` and ``Custom::AutopilotTransformJob``.

    Do not create it yourself: :meth:`of` finds or creates the one of a stack, at stack
    scope under the id ``AutopilotInferenceProvider``. Its function is both the framework's
    ``on_event_handler`` and ``is_complete_handler`` (polled every minute for at most an
    hour). Constructs add least-privilege statements to its role with the ``allow_*``
    methods; statements are grouped per stack so the policy stays small.
    """

    @classmethod
    def of(cls, scope: IConstruct) -> AutopilotInferenceProvider:
        """The provider of ``scope``'s stack, created on first use."""
        return stack_singleton(scope, PROVIDER_ID, cls)

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self.log_group = logs.LogGroup(self, "HandlerLogGroup", retention=LOG_RETENTION)
        self.handler_role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Autopilot inference custom-resource handler",
        )
        self.log_group.grant_write(self.handler_role)
        self.handler_policy = iam.Policy(self, "HandlerPolicy")
        self.permissions = HandlerPermissions(self, self.handler_policy, self.handler_role)
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
        )
        # Every custom resource's ServiceToken refers to the framework's onEvent function, which
        # refers to this function: through them, each resource waits for the handler's policy.
        self.handler.node.add_dependency(self.handler_policy)
        self.framework_log_group = logs.LogGroup(self, "FrameworkLogGroup", retention=LOG_RETENTION)
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
        acknowledge_provider_findings(self)

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

    def allow_read_automl_job(self, job_name: str) -> None:
        """Let the handler describe ``job_name`` and list its candidates."""
        self.permissions.allow_read_automl_job(job_name)

    def allow_assume_source_role(self, role_arn: str) -> None:
        """Let the handler assume ``role_arn`` to read a job in another account."""
        self.permissions.allow_assume_source_role(role_arn)

    def allow_manage_models(self, prefix: str | None, *, construct: IConstruct) -> None:
        """Let the handler create, tag and delete models named ``<prefix>-...`` (``None``: the stack's default)."""
        self.permissions.allow_manage_models(prefix, construct=construct)

    def allow_manage_transform_jobs(self, prefix: str | None, *, construct: IConstruct) -> None:
        """Let the handler start, follow and stop transform jobs named ``<prefix>-...``."""
        self.permissions.allow_manage_transform_jobs(prefix, construct=construct)

    def allow_create_grant(self, key: kms.IKey) -> None:
        """Let the handler describe ``key`` and create grants on it for AWS services (job volumes)."""
        self.permissions.allow_create_grant(key)

    def allow_pass_role(self, role_arn: str) -> None:
        """Let the handler pass the role ``role_arn`` to SageMaker only."""
        self.permissions.allow_pass_role(role_arn)
