"""How the library acknowledges cdk-nag findings, each on the resource it concerns, with its reason.

Reviewers run cdk-nag's ``AwsSolutions`` pack over the app (``cdk synth -c nag=true``; see
:func:`autopilot_inference.add_nag_checks`). What it reports about the
constructs' own resources are wildcards the services leave no way around (names generated at
deploy time, AWS-owned image registries, actions without resource-level permissions) and
the custom-resource Provider framework's internals. This module holds the machinery (what
cdk-nag reports, how a finding is explained and acknowledged); each construct's
acknowledgements live beside its statements, keyed by their statement ids:
``provider/nag_acknowledgements.py`` (the handler and the framework), ``model/execution_acknowledgements.py`` (the
default execution role) and ``transform/scheduled_permissions.py`` (a schedule's state machine). Each is
acknowledged with ``Validations.of(resource).acknowledge(...)``:

* only on the CloudFormation resource that holds it (a policy, a role, the state machine),
  never on a stack or the app;
* per finding (``AwsSolutions-IAM5[Resource::<the resource>]``), computed at synthesis from
  the policy as it is rendered, and only when every statement behind the finding has the
  expected shape: a new or broader wildcard is a new, unacknowledged finding;
* with a reason naming what the wildcard spans and why it cannot be narrower.

Left for the app's owner to decide, on purpose: wildcards in role ARNs a user passed, and
statements added to a role the user passed (``role=``).

The acknowledgements are construct metadata, recorded whether or not cdk-nag runs (they
cost a few milliseconds of synthesis per stack; this module never imports cdk-nag), so
``cdk.out/<stack>.metadata.json`` lists each with its reason. They carry cdk-nag's plugin
name (``AwsSolutions::<rule>``): when the checks run, CDK moves each acknowledged finding
with its reason into the ``suppressedViolations`` of ``cdk.out/validation-report.json``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Acknowledgment, AspectPriority, Aspects, CfnResource, IAspect, Stack, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from .._private.cfn_text import flatten_reference

NAG_PACK = "AwsSolutions"
"""cdk-nag's plugin name for the AwsSolutions pack: the namespace of its rule ids."""

WILDCARD_RULE = "AwsSolutions-IAM5"

# --- what cdk-nag reports -----------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True)
class Wildcard:
    """One wildcard cdk-nag's IAM5 reports: in a statement's ``Action`` or ``Resource``."""

    kind: str  # "Action" or "Resource"
    value: str  # the action, or the resource as cdk-nag flattens it
    statement: dict[str, Any]  # the resolved statement it is in
    policy_name: str | None  # the inline policy of a role; None for an AWS::IAM::Policy

    @property
    def finding(self) -> str:
        """The finding id, e.g. ``AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:...]``."""
        return f"{WILDCARD_RULE}[{self.kind}::{self.value}]"

    @property
    def sid(self) -> str | None:
        return self.statement.get("Sid")

    @property
    def actions(self) -> set[str]:
        return set(_as_list(self.statement.get("Action")))


def wildcards(documents: Iterable[tuple[str | None, dict[str, Any]]]) -> list[Wildcard]:
    """Every wildcard of the ``Allow`` statements of ``(policy name, resolved document)`` pairs."""
    found = []
    for policy_name, document in documents:
        for statement in _as_list(document.get("Statement")):
            if statement.get("Effect") != "Allow":
                continue
            for action in _as_list(statement.get("Action")):
                if isinstance(action, str) and "*" in action:
                    found.append(Wildcard("Action", action, statement, policy_name))
            for resource in _as_list(statement.get("Resource")):
                flat = flatten_reference(resource)
                if "*" in flat:
                    found.append(Wildcard("Resource", flat, statement, policy_name))
    return found


def policy_documents(node: CfnResource, resolved: Any = None) -> list[tuple[str | None, dict[str, Any]]]:
    """The resolved documents of an ``AWS::IAM::Policy``, or of an ``AWS::IAM::Role``'s inline policies.

    ``resolved``: the node's ``policy_document`` (policy) or ``policies`` (role) already resolved.
    """
    if resolved is None:
        value = node.policy_document if isinstance(node, iam.CfnPolicy) else getattr(node, "policies", None)
        resolved = Stack.of(node).resolve(value)
    if isinstance(node, iam.CfnPolicy):
        return [(None, resolved or {})]
    # A role's property as given (camelCase), as cdk-nag reads it.
    return [
        (policy.get("policyName"), policy.get("policyDocument") or {})
        for policy in _as_list(resolved)
        if isinstance(policy, dict)
    ]


Classifier = Callable[[Wildcard], "str | None"]


def acknowledge(scope: IConstruct, findings: dict[str, str]) -> None:
    """Acknowledge AwsSolutions ``findings`` (finding id -> reason) on ``scope`` and what lies below it."""
    if findings:
        Validations.of(scope).acknowledge(
            *[Acknowledgment(id=f"{NAG_PACK}::{finding}", reason=reason) for finding, reason in findings.items()]
        )


def explain(found: Iterable[Wildcard], classify: Classifier) -> dict[str, str]:
    """Finding -> reason of each finding whose every occurrence in ``found`` ``classify`` explains.

    One finding id can stand for several statements (``Resource::*`` of different actions):
    it is explained only when each of them is, and the reasons are joined.
    """
    reasons: dict[str, list[str]] = {}
    unexplained: set[str] = set()
    for wildcard in found:
        reason = classify(wildcard)
        if reason is None:
            unexplained.add(wildcard.finding)
        elif reason not in reasons.setdefault(wildcard.finding, []):
            reasons[wildcard.finding].append(reason)
    return {finding: " ".join(texts) for finding, texts in reasons.items() if finding not in unexplained}


def explained_wildcards(node: CfnResource, classify: Classifier, resolved: Any = None) -> dict[str, str]:
    """:func:`explain` for the IAM5 findings of ``node`` (``resolved`` as for :func:`policy_documents`)."""
    return explain(wildcards(policy_documents(node, resolved)), classify)


@jsii.implements(IAspect)
class _AtSynthesis:
    """Runs ``action`` once, on the first visit: during synthesis, when the policies are complete."""

    def __init__(self, action: Callable[[], None]) -> None:
        self._action: Callable[[], None] | None = action

    def visit(self, node: IConstruct) -> None:
        if self._action is not None:
            action, self._action = self._action, None
            action()


def at_synthesis(anchor: IConstruct, action: Callable[[], None], priority: float = AspectPriority.READONLY) -> None:
    """Call ``action`` once during synthesis, by default after every mutating aspect (tags...) has run.

    The aspect visits ``anchor`` and its children only: pick a construct with few. With
    ``priority=AspectPriority.MUTATING`` it runs before the read-only ones (acknowledgements).
    """
    Aspects.of(anchor).add(_AtSynthesis(action), priority=priority)


# --- patterns of ARNs as cdk-nag flattens them ------------------------------------------------

ARN_PART = r"(?:<AWS::[A-Za-z]+>|[^:<>*]+)"
"""A partition, region or account of a flattened ARN: literal or ``<AWS::Region>``."""
ARN_START = rf"^arn:{ARN_PART}:"
NAME_PREFIX = r"([a-z0-9](?:[a-z0-9-]*[a-z0-9])?-)"
"""A literal, lower-cased ``<prefix>-`` (the jobs of a schedule)."""


__all__: Sequence[str] = [
    "ARN_PART",
    "ARN_START",
    "NAG_PACK",
    "NAME_PREFIX",
    "Classifier",
    "Wildcard",
    "acknowledge",
    "at_synthesis",
    "explain",
    "explained_wildcards",
    "flatten_reference",
    "policy_documents",
    "wildcards",
]
