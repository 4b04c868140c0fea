"""cdk-nag acknowledgements of the custom-resource provider's inherent findings.

Keyed by the statement ids of :mod:`autopilot_inference.provider.permissions`: a statement
renamed there is no longer explained here, and its wildcard becomes a finding again.
"""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

from .._lambda.autopilot_runtime.ownership import OWNER_TAG_KEY
from ..compliance.acknowledgements import (
    ARN_PART,
    ARN_START,
    Classifier,
    Wildcard,
    acknowledge,
    at_synthesis,
    explained_wildcards,
)
from . import permissions as hp

_SAGEMAKER = {
    kind: re.compile(rf"{ARN_START}sagemaker:{ARN_PART}:{ARN_PART}:{kind}/\*$")
    for kind in ("automl-job", "model", "transform-job")
}
# The versions of one model package group (the group's name is literal or a template value).
_MODEL_PACKAGE_VERSIONS = re.compile(rf"{ARN_START}sagemaker:{ARN_PART}:{ARN_PART}:model-package/[^*]+/\*$")
_MODEL_PACKAGE_SIDS = {
    hp.REGISTER_OWNED_MODEL_PACKAGES_SID,
    hp.TAG_OWNED_MODEL_PACKAGES_AT_CREATION_SID,
    hp.RETAG_OWNED_MODEL_PACKAGES_SID,
    hp.DELETE_OWNED_MODEL_PACKAGES_SID,
    hp.READ_MODEL_PACKAGES_SID,
}
_MODEL_PACKAGE_ACTIONS = set(
    hp.MODEL_PACKAGE_CREATE_ACTIONS + hp.MODEL_PACKAGE_READ_ACTIONS + hp.MODEL_PACKAGE_DELETE_ACTIONS + hp.TAG_ACTIONS
)
# What each owned statement of a resource kind may hold: its Sids and actions.
_OWNED = {
    "model": (
        {hp.CREATE_OWNED_MODELS_SID, hp.MANAGE_OWNED_MODELS_SID, hp.TAG_OWNED_AT_CREATION_SID, hp.RETAG_OWNED_SID},
        set(hp.MODEL_CREATE_ACTIONS + hp.MODEL_MANAGE_ACTIONS + hp.TAG_ACTIONS),
    ),
    "transform-job": (
        {
            hp.CREATE_OWNED_TRANSFORM_JOBS_SID,
            hp.MANAGE_OWNED_TRANSFORM_JOBS_SID,
            hp.TAG_OWNED_AT_CREATION_SID,
            hp.RETAG_OWNED_SID,
        },
        set(hp.TRANSFORM_JOB_CREATE_ACTIONS + hp.TRANSFORM_JOB_MANAGE_ACTIONS + hp.TAG_ACTIONS),
    ),
}


def _owned_by_stack(statement: dict[str, Any]) -> str | None:
    """``aws:RequestTag`` / ``aws:ResourceTag``: which owner-tag condition (= the stack id) the statement has."""
    equals = (statement.get("Condition") or {}).get("StringEquals") or {}
    for key in ("aws:ResourceTag", "aws:RequestTag"):
        if equals.get(f"{key}/{OWNER_TAG_KEY}") == {"Ref": "AWS::StackId"}:
            return key
    return None


def provider_classifier(function_arns: set[str]) -> Classifier:
    """The reason for each wildcard of the handler's policy (and the framework's) that has the expected shape."""

    def classify(wildcard: Wildcard) -> str | None:
        if wildcard.kind != "Resource":
            return None
        value = wildcard.value
        if wildcard.sid == hp.READ_AUTOML_JOBS_SID and wildcard.actions <= set(hp.AUTOML_DESCRIBE_ACTIONS):
            if _SAGEMAKER["automl-job"].match(value):
                return (
                    "Read-only (DescribeAutoMLJob, DescribeAutoMLJobV2) on the AutoML jobs of this account and "
                    "region: used when an automl_job_name is a token, so the job is unknown at synthesis, or when "
                    f"the stack reads more than {hp.MAX_AUTOML_JOB_RESOURCES} jobs."
                )
        if value == "*" and (
            (wildcard.sid == hp.LIST_AUTOML_JOB_CANDIDATES_SID and wildcard.actions <= set(hp.AUTOML_LIST_ACTIONS))
            or (wildcard.sid == hp.FIND_MODELS_AND_TRANSFORM_JOBS_SID and wildcard.actions <= set(hp.LIST_ACTIONS))
        ):
            return (
                f"{', '.join(sorted(wildcard.actions))}: List calls without resource-level permissions (the IAM "
                "authorization reference evaluates them against '*'); read-only, used to find a named candidate "
                "and to tell a model or job that is gone from one the handler may not touch."
            )
        if wildcard.sid in _MODEL_PACKAGE_SIDS and wildcard.actions <= _MODEL_PACKAGE_ACTIONS and _MODEL_PACKAGE_VERSIONS.match(value):
            return (
                "The versions of one model package group: SageMaker numbers a version when it is registered, so "
                "'model-package/<group>/*' is the narrowest ARN known at synthesis; registration also requires the "
                f"'{OWNER_TAG_KEY}' tag and metadata of this stack and the approval status the template declares."
            )
        owned = _owned_by_stack(wildcard.statement)
        for kind, (sids, actions) in _OWNED.items():
            if owned and wildcard.sid in sids and wildcard.actions <= actions and _SAGEMAKER[kind].match(value):
                return (
                    f"The handler names the SageMaker {kind}s it creates at deploy time (a hash of the stack, the "
                    f"resource and its configuration), so their ARNs cannot be known at synthesis; '{kind}/*' is "
                    f"scoped by ownership instead: the statement's {owned} condition on the "
                    f"'{OWNER_TAG_KEY}' tag, whose value is this stack's id, limits it to the {kind}s this stack's "
                    "handler created (and creates them only with that tag)."
                )
        if wildcard.actions == {"lambda:InvokeFunction"} and value in function_arns:
            return (
                f"Added by the custom-resource Provider framework's grantInvoke: '{value}' are the versions and "
                "aliases of a function of this provider only (the framework invokes its own handler functions); "
                "the Provider construct offers no way to narrow it."
            )
        return None

    return classify


def acknowledge_provider_findings(provider: IConstruct, handler_policy: iam.Policy) -> None:
    """Acknowledge, at synthesis, the inherent findings of ``provider`` and its framework.

    Call at the end of ``AutopilotInferenceProvider.__init__``; ``handler_policy`` anchors the aspect.
    """
    at_synthesis(handler_policy, lambda: _acknowledge_provider(provider))


def _acknowledge_provider(provider: IConstruct) -> None:
    # Few jsii round trips: one walk of the provider, one resolve of everything it needs.
    resources = [node for node in provider.node.find_all() if isinstance(node, CfnResource)]
    functions = [node.logical_id for node in resources if isinstance(node, lambda_.CfnFunction)]
    policies = [node for node in resources if isinstance(node, iam.CfnPolicy)]  # its roles have no inline policy
    # Each document is wrapped so that a policy with no statements (omitted from the
    # template, resolved to nothing) keeps its place in the list.
    function_ids, wrapped = Stack.of(provider).resolve(
        [functions, [{"Document": node.policy_document} for node in policies]]
    )
    classify = provider_classifier({f"<{logical_id}.Arn>:*" for logical_id in function_ids})
    for node, item in zip(policies, wrapped, strict=True):
        if "Document" in item:
            acknowledge(node, explained_wildcards(node, classify, item["Document"]))


__all__ = ["acknowledge_provider_findings", "provider_classifier"]
