"""The cdk-nag findings this library acknowledges, each on the resource it concerns, with its reason.

Reviewers run cdk-nag's ``AwsSolutions`` pack over the app (``cdk synth -c nag=true``; see
:func:`autopilot_inference.add_nag_checks`). What it reports about the
constructs' own resources are wildcards the services leave no way around (names generated at
deploy time, AWS-owned image registries, actions without resource-level permissions) and
the custom-resource Provider framework's internals. Each is acknowledged here with
``Validations.of(resource).acknowledge(...)``:

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

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import Acknowledgment, AspectPriority, Aspects, CfnResource, IAspect, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import IConstruct

from ._lambda.autopilot_runtime.ownership import OWNER_TAG_KEY

if TYPE_CHECKING:
    from .permissions import DefaultExecutionRole
    from .provider import AutopilotInferenceProvider

NAG_PACK = "AwsSolutions"
"""cdk-nag's plugin name for the AwsSolutions pack: the namespace of its rule ids."""

WILDCARD_RULE = "AwsSolutions-IAM5"

# --- what cdk-nag reports -----------------------------------------------------------------


def flatten_reference(value: Any) -> str:
    """A policy ``Resource`` as cdk-nag 3 names it in a finding (its ``flattenCfnReference``).

    ``Fn::Join`` is joined, ``Ref`` becomes ``<Name>``, ``Fn::GetAtt`` ``<Resource.Attribute>``,
    ``${X}`` in strings ``<X>``; anything else is its compact JSON.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if value.get("Fn::Join"):
            delimiter: str
            items: list[Any]
            delimiter, items = value["Fn::Join"]
            return delimiter.join(flatten_reference(item) for item in items)
        if value.get("Fn::Sub"):
            return flatten_reference(value["Fn::Sub"])
        if value.get("Fn::GetAtt"):
            resource, attribute = value["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if value.get("Fn::ImportValue"):
            return flatten_reference(value["Fn::ImportValue"])
        if value.get("Ref"):
            return f"<{flatten_reference(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


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


# --- patterns -----------------------------------------------------------------------------

_PART = r"(?:<AWS::[A-Za-z]+>|[^:<>*]+)"  # a partition, region or account: literal or <AWS::Region>
_ARN = rf"^arn:{_PART}:"
_NAME_PREFIX = r"([a-z0-9](?:[a-z0-9-]*[a-z0-9])?-)"  # a literal, lower-cased '<prefix>-' (scheduled jobs)
_SAGEMAKER = {
    "automl-job": re.compile(rf"{_ARN}sagemaker:{_PART}:{_PART}:automl-job/\*$"),
    "model": re.compile(rf"{_ARN}sagemaker:{_PART}:{_PART}:model/\*$"),
    "transform-job": re.compile(rf"{_ARN}sagemaker:{_PART}:{_PART}:transform-job/\*$"),
}


def _owned_by_stack(statement: dict[str, Any]) -> str | None:
    """``aws:RequestTag`` / ``aws:ResourceTag``: which owner-tag condition (= the stack id) the statement has."""
    equals = (statement.get("Condition") or {}).get("StringEquals") or {}
    for key in ("aws:ResourceTag", "aws:RequestTag"):
        if equals.get(f"{key}/{OWNER_TAG_KEY}") == {"Ref": "AWS::StackId"}:
            return key
    return None
_ECR_REPOSITORIES = re.compile(rf"{_ARN}ecr:{_PART}:\*:repository/\*$")
_SAGEMAKER_LOG_GROUPS = re.compile(rf"{_ARN}logs:{_PART}:{_PART}:log-group:/aws/sagemaker/\*$")
_EC2_IN_ACCOUNT = re.compile(rf"{_ARN}ec2:{_PART}:{_PART}:(network-interface|subnet|security-group)/\*$")
_S3_LITERAL = re.compile(rf"{_ARN}s3:::([a-z0-9][a-z0-9.-]{{1,61}}[a-z0-9])/([^*]*)\*$")
_S3_TOKEN = re.compile(rf"{_ARN}s3:::\{{.*\}}\*$")  # s3://<token> -> arn:...:s3:::{"Fn::Select":...}*


# --- the custom-resource provider -----------------------------------------------------------


def _provider_classifier(function_arns: set[str]) -> Classifier:
    from . import permissions

    def classify(wildcard: Wildcard) -> str | None:
        if wildcard.kind != "Resource":
            return None
        value = wildcard.value
        if wildcard.sid == "ReadAutoMLJobs" and wildcard.actions <= set(permissions.AUTOML_DESCRIBE_ACTIONS):
            if _SAGEMAKER["automl-job"].match(value):
                return (
                    "Read-only (DescribeAutoMLJob, DescribeAutoMLJobV2) on the AutoML jobs of this account and "
                    "region: used when an automl_job_name is a token, so the job is unknown at synthesis, or when "
                    f"the stack reads more than {permissions.MAX_AUTOML_JOB_RESOURCES} jobs."
                )
        if value == "*" and (
            (wildcard.sid == "ListAutoMLJobCandidates" and wildcard.actions <= set(permissions.AUTOML_LIST_ACTIONS))
            or (wildcard.sid == "FindModelsAndTransformJobs" and wildcard.actions <= set(permissions.LIST_ACTIONS))
        ):
            return (
                f"{', '.join(sorted(wildcard.actions))}: List calls without resource-level permissions (the IAM "
                "authorization reference evaluates them against '*'); read-only, used to find a named candidate "
                "and to tell a model or job that is gone from one the handler may not touch."
            )
        owned = _owned_by_stack(wildcard.statement)
        for kind, actions in (
            ("model", set(permissions.MODEL_CREATE_ACTIONS + permissions.MODEL_MANAGE_ACTIONS + permissions.TAG_ACTIONS)),
            (
                "transform-job",
                set(
                    permissions.TRANSFORM_JOB_CREATE_ACTIONS
                    + permissions.TRANSFORM_JOB_MANAGE_ACTIONS
                    + permissions.TAG_ACTIONS
                ),
            ),
        ):
            if owned and wildcard.actions <= actions and _SAGEMAKER[kind].match(value):
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


def acknowledge_provider_findings(provider: AutopilotInferenceProvider) -> None:
    """Acknowledge, at synthesis, the inherent findings of ``provider`` and its framework.

    Call at the end of ``AutopilotInferenceProvider.__init__``.
    """
    at_synthesis(provider.handler_policy, lambda: _acknowledge_provider(provider))


STATE_MACHINE_REASONS = {
    "AwsSolutions-SF1": (
        "The custom-resource Provider framework's internal waiter only invokes the isComplete function once a "
        "minute; Step Functions keeps each execution's event history for 90 days and the framework and handler "
        "functions log every call to their own log groups, so CloudWatch Logs delivery of ALL events would "
        "duplicate that and need account-wide logs:*LogDelivery permissions."
    ),
    "AwsSolutions-SF2": (
        "X-Ray tracing of the custom-resource Provider framework's internal waiter (a wait-and-invoke loop of one "
        "Lambda function) would show nothing the function logs do not; cr.Provider has no tracing option and "
        "tracing would add xray:Put* permissions on '*' to the state machine role."
    ),
}


def _acknowledge_provider(provider: AutopilotInferenceProvider) -> None:
    # Few jsii round trips: one walk of the provider, one resolve of everything it needs.
    resources = [node for node in provider.node.find_all() if isinstance(node, CfnResource)]
    functions = [node.logical_id for node in resources if isinstance(node, lambda_.CfnFunction)]
    policies = [node for node in resources if isinstance(node, iam.CfnPolicy)]  # its roles have no inline policy
    # Each document is wrapped so that a policy with no statements (omitted from the
    # template, resolved to nothing) keeps its place in the list.
    function_ids, wrapped = Stack.of(provider).resolve(
        [functions, [{"Document": node.policy_document} for node in policies]]
    )
    classify = _provider_classifier({f"<{logical_id}.Arn>:*" for logical_id in function_ids})
    for node, item in zip(policies, wrapped, strict=True):
        if "Document" in item:
            acknowledge(node, explained_wildcards(node, classify, item["Document"]))
    for resource in resources:
        if isinstance(resource, sfn.CfnStateMachine):
            acknowledge(resource, STATE_MACHINE_REASONS)


# --- the default execution role -------------------------------------------------------------


def _s3_reason(sid: str, value: str) -> str | None:
    what = {
        "ReadModelArtifacts": (
            "GetObject on the model artifacts below an automl_output_s3_uri: the AutoML job chose their keys "
            "(one model.tar.gz per container and candidate), so only the job's output prefix is known"
        ),
        "ReadTransformInputs": (
            "GetObject on the transform input objects whose keys start with an input_s3_uri: an S3Prefix (or "
            "manifest) input names many objects by their common start"
        ),
        "WriteResults": (
            "PutObject on keys below an output_s3_uri or a data capture destination: SageMaker names the result "
            "objects after the input files and the captured data after endpoint, variant and time"
        ),
    }.get(sid)
    if what is None:
        return None
    literal = _S3_LITERAL.match(value)
    if literal:
        return f"{what}; the pattern spans s3://{literal.group(1)}/{literal.group(2)}... only."
    if _S3_TOKEN.match(value):
        return f"{what}; the location is a token given to the construct and the pattern spans the keys below it only."
    return None


_KMS_KEYS = (
    "only on the customer-managed keys passed for transform output, volumes or captured data (the statement "
    "lists their ARNs)"
)
_KMS_WILDCARD_ACTIONS = {
    "kms:GenerateDataKey*": (
        f"'kms:GenerateDataKey*' (GenerateDataKey and its WithoutPlaintext and Pair variants) {_KMS_KEYS}: "
        "SageMaker encrypts what it writes with data keys of those keys."
    ),
    "kms:ReEncrypt*": (
        f"'kms:ReEncrypt*' (ReEncryptFrom and ReEncryptTo) {_KMS_KEYS}: part of the encrypt-and-decrypt set "
        "CDK's key grants use (grantEncryptDecrypt); it re-encrypts under those keys only."
    ),
}


def _execution_role_classifier() -> Classifier:
    from . import permissions

    def classify(wildcard: Wildcard) -> str | None:
        if wildcard.policy_name != permissions.EXECUTION_POLICY_NAME:
            return None
        sid, actions, value = wildcard.sid, wildcard.actions, wildcard.value
        if wildcard.kind == "Action":
            if sid == "EncryptWithKeys" and value in _KMS_WILDCARD_ACTIONS:
                return _KMS_WILDCARD_ACTIONS[value]
            return None
        if value == "*":
            if sid == "PullImagesAuth" and actions == {"ecr:GetAuthorizationToken"}:
                return (
                    "ecr:GetAuthorizationToken has no resource-level permissions: SageMaker needs the "
                    "account-wide registry token to pull the Autopilot inference images."
                )
            condition = wildcard.statement.get("Condition", {}).get("StringLike", {})
            if (
                sid == "PutMetrics"
                and actions == {"cloudwatch:PutMetricData"}
                and condition.get("cloudwatch:namespace") == "/aws/sagemaker/*"
            ):
                return (
                    "cloudwatch:PutMetricData has no resource-level permissions; the cloudwatch:namespace "
                    "condition limits it to SageMaker's /aws/sagemaker/* metric namespaces."
                )
            if sid == "DescribeNetwork" and actions <= set(permissions.ENI_DESCRIBE_ACTIONS):
                return (
                    "The ec2:Describe* calls SageMaker makes for models in a VPC (subnets, security groups, "
                    "network interfaces, DHCP options) have no resource-level permissions."
                )
            return None
        if sid == "PullImages" and actions <= set(permissions.ECR_PULL_ACTIONS) and _ECR_REPOSITORIES.match(value):
            return (
                "Pull-only (BatchGetImage, GetDownloadUrlForLayer, BatchCheckLayerAvailability) on the region's "
                "repositories: the Autopilot inference images live in AWS-owned registries whose account differs "
                "per region and per container, and the candidate (so its images) is chosen at deploy time."
            )
        if sid == "WriteLogs" and actions <= set(permissions.LOG_ACTIONS) and _SAGEMAKER_LOG_GROUPS.match(value):
            return (
                "SageMaker creates and writes its own log groups under /aws/sagemaker/ (TransformJobs, "
                "Endpoints/<name>) with a stream per instance, named at run time; limited to this account and region."
            )
        network = _EC2_IN_ACCOUNT.match(value)
        if (
            network
            and sid in ("CreateNetworkInterfacesInModelVpcs", "ManageNetworkInterfacesInModelVpcs")
            and actions <= set(permissions.ENI_MANAGE_ACTIONS)
        ):
            return (
                f"'{network.group(1)}/*': SageMaker creates and deletes the network interfaces of models in a VPC at "
                "run time, in subnets and security groups chosen per model, so their ids are unknown at synthesis; "
                "limited to this account and region, and (ec2:Vpc) to the models' VPCs (a new interface carries no "
                "ec2:Vpc key: it is bound through its subnet and security groups)."
            )
        return _s3_reason(sid or "", value)

    return classify


def acknowledge_execution_role_findings(default_role: DefaultExecutionRole) -> None:
    """Acknowledge, at synthesis, the inherent wildcards of the stack's default execution role.

    Call at the end of ``DefaultExecutionRole.__init__``. Only the role's own inline policy
    is considered; statements users add to the role (a ``DefaultPolicy``) are theirs to review.
    """
    role = default_role.role

    def run() -> None:
        node = role.node.default_child
        if isinstance(node, iam.CfnRole):
            acknowledge(node, explained_wildcards(node, _execution_role_classifier()))

    at_synthesis(role, run)


# --- checkov ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckovAcknowledgement:
    """A checkov check that fails on resources of this library, on purpose: on which resources and why."""

    check_id: str
    resources: str
    """Regular expression of the ``<Type>.<logical id>`` checkov names (logical ids start with the construct id)."""
    reason: str


_PROVIDER_FUNCTIONS = r"AWS::Lambda::Function\.AutopilotInferenceProvider(Handler|framework(onEvent|isComplete|onTimeout))[0-9A-F]{8}"
CHECKOV_ACKNOWLEDGEMENTS: tuple[CheckovAcknowledgement, ...] = (
    CheckovAcknowledgement(
        "CKV_AWS_115",
        _PROVIDER_FUNCTIONS,
        "The custom-resource handler and the provider framework's functions run only during deployments, once "
        "per resource event and poll; reserved concurrency would take capacity from the account's pool for "
        "nothing.",
    ),
    CheckovAcknowledgement(
        "CKV_AWS_116",
        _PROVIDER_FUNCTIONS,
        "Invoked synchronously (by CloudFormation through the framework's onEvent function, and by its Step "
        "Functions waiter), which report every failure to CloudFormation; a dead-letter queue only receives "
        "failed asynchronous invocations.",
    ),
    CheckovAcknowledgement(
        "CKV_AWS_117",
        _PROVIDER_FUNCTIONS,
        "They call only AWS APIs (SageMaker, STS, Lambda, Step Functions) and reach no private resource; in a VPC "
        "they would need NAT or interface endpoints, for no isolation gain.",
    ),
    CheckovAcknowledgement(
        "CKV_AWS_173",
        _PROVIDER_FUNCTIONS,
        "Their environment holds no secret: the framework's functions the ARNs of the functions they call, the "
        "handler its stack's id (the owner tag's value); Lambda encrypts environments at rest with its own key.",
    ),
    CheckovAcknowledgement(
        "CKV_AWS_158",
        r"AWS::Logs::LogGroup\.AutopilotInferenceProvider(Handler|Framework)LogGroup[0-9A-F]{8}",
        "By default the provider's log groups use CloudWatch Logs' own encryption (they hold names and ids, no "
        "property values); pass log_encryption_key to AutopilotInferenceProvider.configure to use a KMS key.",
    ),
    CheckovAcknowledgement(
        "CKV_AWS_158",
        r"AWS::Logs::LogGroup\.[A-Za-z0-9]*Logs[0-9A-F]{8}",
        "The execution log group of an AutopilotScheduledTransform's state machine uses CloudWatch Logs' own "
        "encryption: it holds execution events (job names, states), no data; the construct has no key prop yet.",
    ),
)
"""Every checkov check failing on the library's resources, with its reason (``tests/review/test_checkov.py``)."""


def checkov_acknowledgement(check_id: str, resource: str) -> CheckovAcknowledgement | None:
    """The acknowledgement covering a failed check on ``resource`` (``<Type>.<logical id>``), if any."""
    for entry in CHECKOV_ACKNOWLEDGEMENTS:
        if entry.check_id == check_id and re.fullmatch(entry.resources, resource):
            return entry
    return None


__all__: Sequence[str] = [
    "CHECKOV_ACKNOWLEDGEMENTS",
    "CheckovAcknowledgement",
    "checkov_acknowledgement",
    "NAG_PACK",
    "STATE_MACHINE_REASONS",
    "Wildcard",
    "acknowledge",
    "acknowledge_execution_role_findings",
    "acknowledge_provider_findings",
    "at_synthesis",
    "explain",
    "explained_wildcards",
    "flatten_reference",
    "policy_documents",
    "wildcards",
]
