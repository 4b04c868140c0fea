"""The state machine role's policy of an :class:`AutopilotScheduledTransform`, and its cdk-nag acknowledgements.

The statements and the acknowledgements share their statement ids (``*_SID``): a statement
renamed here is no longer explained, and its wildcard becomes a finding again. Anything else
stays a finding.
"""

from __future__ import annotations

import re

from aws_cdk import Aws
from aws_cdk import aws_iam as iam

from .._lambda.autopilot_runtime.ownership import OWNER_TAG_KEY
from .._private.synth_cache import stack_id
from ..compliance.acknowledgements import (
    ARN_PART,
    ARN_START,
    NAME_PREFIX,
    Wildcard,
    acknowledge,
    at_synthesis,
    explained_wildcards,
)

# What the .sync integration needs (Step Functions developer guide, "IAM policies for
# SageMaker AI": CreateTransformJob .sync; the same as aws-cdk-lib's task grants): the job
# actions, and the managed EventBridge rule Step Functions uses to hear of the job's end.
TRANSFORM_JOB_ACTIONS = (
    "sagemaker:CreateTransformJob",
    "sagemaker:DescribeTransformJob",
    "sagemaker:StopTransformJob",
    "sagemaker:ListTags",
)
MANAGED_RULE_ACTIONS = ("events:PutTargets", "events:PutRule", "events:DescribeRule")
MANAGED_RULE_NAME = "StepFunctionsGetEventsForSageMakerTransformJobsRule"
# CloudWatch Logs delivery and X-Ray: these actions support no resource-level permissions.
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
XRAY_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)

# Tagging as part of CreateTransformJob (the jobs carry the construct's tags and the owner tag): only
# with the owner tag, only on create, as the deploy-time jobs' policy (provider_permissions) allows it.
TAGGING_ACTION = "CreateTransformJob"

MANAGE_SCHEDULED_TRANSFORM_JOBS_SID = "ManageScheduledTransformJobs"
TAG_SCHEDULED_JOBS_AT_CREATION_SID = "TagScheduledJobsAtCreation"
HEAR_OF_TRANSFORM_JOB_ENDS_SID = "HearOfTransformJobEnds"
DELIVER_EXECUTION_LOGS_SID = "DeliverExecutionLogs"
TRACE_EXECUTIONS_SID = "TraceExecutions"


def state_machine_statements(job_name_prefix: str) -> list[iam.PolicyStatement]:
    """The state machine role's own statements: its jobs (``<prefix>-*``), the managed rule, logs, X-Ray."""
    job_arn = f"arn:{Aws.PARTITION}:sagemaker:{Aws.REGION}:{Aws.ACCOUNT_ID}:transform-job/{job_name_prefix}-*"
    rule_arn = f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:rule/{MANAGED_RULE_NAME}"
    tag_at_creation = iam.PolicyStatement(
        sid=TAG_SCHEDULED_JOBS_AT_CREATION_SID,
        actions=["sagemaker:AddTags"],
        resources=[job_arn],
        conditions={
            "StringEquals": {
                f"aws:RequestTag/{OWNER_TAG_KEY}": stack_id(),
                "sagemaker:TaggingAction": [TAGGING_ACTION],
            }
        },
    )
    return [
        iam.PolicyStatement(sid=sid, actions=list(actions), resources=resources)
        for sid, actions, resources in (
            (MANAGE_SCHEDULED_TRANSFORM_JOBS_SID, TRANSFORM_JOB_ACTIONS, [job_arn]),
            (HEAR_OF_TRANSFORM_JOB_ENDS_SID, MANAGED_RULE_ACTIONS, [rule_arn]),
            (DELIVER_EXECUTION_LOGS_SID, LOG_DELIVERY_ACTIONS, ["*"]),
            (TRACE_EXECUTIONS_SID, XRAY_ACTIONS, ["*"]),
        )
    ] + [tag_at_creation]


# --- cdk-nag acknowledgements -----------------------------------------------------------------

_JOBS = re.compile(rf"{ARN_START}sagemaker:{ARN_PART}:{ARN_PART}:transform-job/{NAME_PREFIX}\*$")


def classify(wildcard: Wildcard) -> str | None:
    """The reason for a wildcard of the state machine role's policy that has the expected shape."""
    if wildcard.kind == "Resource":
        if wildcard.sid == MANAGE_SCHEDULED_TRANSFORM_JOBS_SID and wildcard.actions <= set(TRANSFORM_JOB_ACTIONS):
            match = _JOBS.match(wildcard.value)
            if match:
                return (
                    f"Each run names its job '{match.group(1)}<YYYYMMDD>t<HHMM>-<run id>' inside the state "
                    "machine, so the names are unknown at synthesis; 'transform-job/<prefix>-*' limits create, "
                    "describe, stop and list-tags to this schedule's own jobs."
                )
        if wildcard.sid == TAG_SCHEDULED_JOBS_AT_CREATION_SID and wildcard.actions <= {"sagemaker:AddTags"}:
            match = _JOBS.match(wildcard.value)
            if match:
                return (
                    f"Tags on this schedule's jobs ('{match.group(1)}*', named per run), only as part of "
                    f"CreateTransformJob (sagemaker:TaggingAction) and only with the '{OWNER_TAG_KEY}' tag of this stack."
                )
        if wildcard.value == "*" and wildcard.sid == DELIVER_EXECUTION_LOGS_SID:
            return (
                "CloudWatch Logs delivery of the state machine's execution log: logs:*LogDelivery, "
                "PutResourcePolicy, DescribeResourcePolicies and DescribeLogGroups support no resource-level "
                "permissions (Step Functions developer guide, logging IAM policy)."
            )
        if wildcard.value == "*" and wildcard.sid == TRACE_EXECUTIONS_SID:
            return (
                "X-Ray tracing of the state machine: xray:PutTraceSegments, PutTelemetryRecords, "
                "GetSamplingRules and GetSamplingTargets support no resource-level permissions."
            )
    if wildcard.kind == "Action" and wildcard.value == "kms:GenerateDataKey*":
        return (
            "sns.Topic.grant_publish on the encrypted notification topic: kms:GenerateDataKey* on that "
            "topic's key only, which SNS needs to encrypt each published message."
        )
    return None


def acknowledge_state_machine_findings(role: iam.Role) -> None:
    """Acknowledge, at synthesis, the findings of the state machine ``role``'s policy."""

    def run() -> None:
        policy = role.node.try_find_child("DefaultPolicy")
        node = policy.node.default_child if policy is not None else None
        if isinstance(node, iam.CfnPolicy):
            acknowledge(node, explained_wildcards(node, classify))

    at_synthesis(role, run)


__all__ = [
    "TRANSFORM_JOB_ACTIONS",
    "acknowledge_state_machine_findings",
    "classify",
    "state_machine_statements",
]
