"""cdk-nag acknowledgements of :class:`AutopilotScheduledTransform`'s inherent findings.

Each reason names the statement it explains; anything else stays a finding.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aws_cdk import aws_iam as iam

from .compliance import _ARN, _NAME_PREFIX, _PART, Classifier, Wildcard, acknowledge, at_synthesis, explained_wildcards

if TYPE_CHECKING:
    from .scheduled_transform import AutopilotScheduledTransform

_JOBS = re.compile(rf"{_ARN}sagemaker:{_PART}:{_PART}:transform-job/{_NAME_PREFIX}\*$")


def _classifier() -> Classifier:
    from . import scheduled_transform as st

    def classify(wildcard: Wildcard) -> str | None:
        if wildcard.kind == "Resource":
            if wildcard.sid == "ManageScheduledTransformJobs" and wildcard.actions <= set(st.TRANSFORM_JOB_ACTIONS):
                match = _JOBS.match(wildcard.value)
                if match:
                    return (
                        f"Each run names its job '{match.group(1)}<YYYYMMDD>t<HHMM>-<run id>' inside the state "
                        "machine, so the names are unknown at synthesis; 'transform-job/<prefix>-*' limits create, "
                        "describe, stop and list-tags to this schedule's own jobs."
                    )
            if wildcard.value == "*" and wildcard.sid == "DeliverExecutionLogs":
                return (
                    "CloudWatch Logs delivery of the state machine's execution log: logs:*LogDelivery, "
                    "PutResourcePolicy, DescribeResourcePolicies and DescribeLogGroups support no resource-level "
                    "permissions (Step Functions developer guide, logging IAM policy)."
                )
            if wildcard.value == "*" and wildcard.sid == "TraceExecutions":
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

    return classify


def acknowledge_scheduled_transform_findings(construct: AutopilotScheduledTransform) -> None:
    """Acknowledge, at synthesis, the findings of ``construct``'s state machine role policy."""

    def run() -> None:
        policy = construct.role.node.try_find_child("DefaultPolicy")
        node = policy.node.default_child if policy is not None else None
        if isinstance(node, iam.CfnPolicy):
            acknowledge(node, explained_wildcards(node, _classifier()))

    at_synthesis(construct.role, run)
