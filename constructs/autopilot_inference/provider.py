"""The stack's single custom-resource provider for Autopilot models and transform jobs."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import jsii
from aws_cdk import Aws, Duration, IAnyProducer, Lazy
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from ._asset import HANDLER, handler_code
from ._lambda.autopilot_runtime import contract
from ._lambda.autopilot_runtime.naming import MAX_TRANSFORM_PREFIX_LENGTH, readable_prefix
from ._lambda.autopilot_runtime.ownership import OWNER_ENV_VAR
from ._scopes import stack_of, stack_singleton
from .provider_compliance import acknowledge_provider_findings
from .provider_permissions import HandlerPermissions
from .validation import is_token

PROVIDER_ID = "AutopilotInferenceProvider"
# The handler's retry budget is computed against this timeout (see autopilot_runtime.contract).
HANDLER_TIMEOUT = Duration.seconds(contract.HANDLER_TIMEOUT_SECONDS)
HANDLER_MEMORY_MB = 256
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS


def job_name_start(job_name_prefix: str) -> str:
    """How the handler's job names start for ``job_name_prefix`` (lowercased, cut to fit 63 characters)."""
    return readable_prefix([job_name_prefix], MAX_TRANSFORM_PREFIX_LENGTH)


@jsii.implements(IAnyProducer)
class _AnyProducer:
    def __init__(self, produce: Any) -> None:
        self._produce = produce

    def produce(self, context: Any) -> Any:  # noqa: ARG002 - jsii interface
        return self._produce()


class AutopilotInferenceProvider(Construct):
    """One Lambda function serving ``Custom::AutopilotModel`` and ``Custom::AutopilotTransformJob``.

    :meth:`of` finds or creates the one of a stack, at stack scope under the id
    ``AutopilotInferenceProvider``; the constructs call it. To set its log groups' key or
    retention, create it first with :meth:`configure`. Its function is the framework's
    ``on_event_handler`` (no ``is_complete_handler``: nothing polls) and the target of the stack's
    rule on ``SageMaker Transform Job State Change`` events (:meth:`watch_transform_jobs`), which
    signals the wait conditions of waited jobs. Constructs add least-privilege statements to its role through :attr:`permissions`
    (:class:`~autopilot_inference.provider_permissions.HandlerPermissions`); statements are
    grouped per stack so the policy stays small. The function's
    environment carries the stack's id, the owner tag of everything it creates.

    Args:
        scope: the stack (use :meth:`configure`).
        id: ``AutopilotInferenceProvider``.
        log_encryption_key: KMS key that encrypts the handler's and the framework's log
            groups; a key of this app gets a key-policy statement letting CloudWatch Logs of
            this account and region use it. Default: CloudWatch Logs' own encryption.
        log_retention: how long the log groups keep events. Default: three months.
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
    ) -> AutopilotInferenceProvider:
        """Create the provider of ``scope``'s stack with these props, before any construct uses it."""
        stack = stack_of(scope)
        if stack.node.try_find_child(PROVIDER_ID) is not None:
            raise ValueError(
                f"The stack {stack.node.path} already has its {PROVIDER_ID}: call "
                "AutopilotInferenceProvider.configure(stack, ...) before creating any AutopilotModel in it."
            )
        cls(stack, PROVIDER_ID, log_encryption_key=log_encryption_key, log_retention=log_retention)
        return stack_singleton(stack, PROVIDER_ID, cls)

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        log_encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = LOG_RETENTION,
    ) -> None:
        super().__init__(scope, id)
        if log_encryption_key is not None:
            allow_log_encryption(log_encryption_key)
        self.log_encryption_key = log_encryption_key
        self.log_retention = log_retention
        self.log_group = logs.LogGroup(
            self, "HandlerLogGroup", retention=log_retention, encryption_key=log_encryption_key
        )
        self.handler_role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Autopilot inference custom-resource handler",
        )
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
