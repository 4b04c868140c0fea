"""Synth-time checks of prop values that the API or the containers would refuse later, or silently misuse.

The same convention as :mod:`.validation` (see :mod:`.problems`): each check is a pure
function returning a :class:`Finding` (an error or a warning naming the prop and what to do)
or ``None``; the construct reports them (``Problems.report``: errors as error annotations,
warnings with ``Annotations.of(construct).add_warning_v2``), where ``cdk synth`` prints them with
the construct's path and ``aws_cdk.assertions.Annotations`` finds them. The checks here need
SageMaker's tables, or compare constructs (two jobs writing one output prefix, two endpoints
with one name): those keep what they have seen per app or per stack.

Values that are tokens (known only at deploy time) are not checked.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable, Mapping
from typing import Any
from weakref import WeakKeyDictionary

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from constructs import IConstruct

from .._lambda.autopilot_runtime import contract
from .._lambda.autopilot_runtime.media_types import AUTOPILOT_ACCEPT_TYPES, AUTOPILOT_INPUT_CONTENT_TYPES
from .._lambda.autopilot_runtime.media_types import media_type as _media_type
from .._private.synth_cache import app_root, sagemaker_enum, stack_of
from .._private.tokens import is_token
from .instance_types import ENDPOINT_INSTANCE_TYPES_BY_FAMILY, SERVICE_SHAPES, TRANSFORM_INSTANCE_TYPES_BY_FAMILY
from .problems import WARNING_PREFIX, Finding, error, warning

# --- instance types -------------------------------------------------------------------------

TRANSFORM = "transform"
ENDPOINT = "endpoint"
_TABLES = {TRANSFORM: TRANSFORM_INSTANCE_TYPES_BY_FAMILY, ENDPOINT: ENDPOINT_INSTANCE_TYPES_BY_FAMILY}
_SHAPES = {
    TRANSFORM: SERVICE_SHAPES["TRANSFORM_INSTANCE_TYPES_BY_FAMILY"],
    ENDPOINT: SERVICE_SHAPES["ENDPOINT_INSTANCE_TYPES_BY_FAMILY"],
}
_USES = {TRANSFORM: "batch transform", ENDPOINT: "real-time endpoints"}


def _installed_botocore_types(kind: str) -> frozenset[str]:
    """The instance types an installed botocore (newer than this table, maybe) lists; empty without botocore."""
    return sagemaker_enum(_SHAPES[kind])


# What an instance type looks like (ml.<family with a generation digit>.<size>), for types the
# table does not know: a new family is warned about, a word like ml.banana.huge is refused.
_PLAUSIBLE_FAMILY = re.compile(r"^ml\.[a-z]+[0-9][a-z0-9-]*$")
_PLAUSIBLE_SIZE = re.compile(r"^(nano|micro|small|medium|large|metal|[0-9]*xlarge)$")


def instance_type(value: Any, prop: str, kind: str) -> Finding | None:
    """An instance type SageMaker lists for ``kind`` (``transform`` or ``endpoint``).

    Not listed (by this table or an installed botocore): an error when it does not even look
    like one (``ml.banana.huge``), else a warning, since SageMaker adds families and sizes
    and the service has the last word.
    """
    if value is None or is_token(value) or not isinstance(value, str):
        return None
    if not contract.INSTANCE_TYPE_PATTERN.match(value):
        return None  # not ml.<family>.<size>: validation.instance_type reports it, with the fix
    table = _TABLES[kind]
    family, _, size = value.rpartition(".")
    if size in table.get(family, ()):
        return None
    if value in _installed_botocore_types(kind):
        return None
    if family not in table and not (_PLAUSIBLE_FAMILY.match(family) and _PLAUSIBLE_SIZE.match(size)):
        known = ", ".join(f"{name}.{table[name][0]}" for name in list(table)[:6])
        return error(
            "instanceType",
            f"{prop} {value!r} is not a SageMaker instance type for {_USES[kind]}: the family {family!r} is unknown. "
            f"Use one such as {known} (see the SageMaker pricing page for the full list).",
        )
    sizes = ", ".join(table.get(family, ()))
    return warning(
        "instanceType",
        f"{prop} {value!r} is not among the {_USES[kind]} instance types SageMaker lists"
        + (f" (the {family} sizes are {sizes})" if sizes else f" (no {family} types)")
        + "; check the spelling, the deployment fails if SageMaker does not offer it.",
    )


def transform_instance_count(value: Any, prop: str = "instance_count") -> Finding | None:
    """A transform job's instance count: at most 100 (at least 1 is checked with the type)."""
    if value is None or is_token(value) or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value > contract.MAX_TRANSFORM_INSTANCE_COUNT:
        return error(
            "instanceCount",
            f"{prop} must be between 1 and {contract.MAX_TRANSFORM_INSTANCE_COUNT} (SageMaker's maximum for a transform job); "
            f"got {value}. Split the input into several transforms for more.",
        )
    return None


# --- content types ------------------------------------------------------------------------------


def content_type(value: Any, prop: str = "content_type") -> Finding | None:
    """Warn when the input is not CSV: Autopilot's tabular pipelines read only ``text/csv``.

    A warning, not an error: which containers the model has is known only at deploy time
    (an image or text classification job's containers read other types).
    """
    if value is None or is_token(value) or not isinstance(value, str):
        return None
    if _media_type(value) in AUTOPILOT_INPUT_CONTENT_TYPES:
        return None
    return warning(
        "contentType",
        f"{prop} {value!r} is not text/csv, the only input the containers of a tabular Autopilot model read "
        "(its inverse label transform accepts only CSV); the job fails unless the model is an image or "
        "text classification (V2) model that reads it. Use content_type='text/csv'.",
    )


def accept(value: Any, prop: str = "accept") -> Finding | None:
    """Warn when the output type is not one an Autopilot pipeline answers."""
    if value is None or is_token(value) or not isinstance(value, str):
        return None
    if _media_type(value) in AUTOPILOT_ACCEPT_TYPES:
        return None
    return warning(
        "accept",
        f"{prop} {value!r} is not an output type Autopilot models answer ({', '.join(AUTOPILOT_ACCEPT_TYPES)}); "
        "the job fails if the model's last container cannot produce it.",
    )


# --- JSONPath filters -------------------------------------------------------------------------
#
# SageMaker batch transform accepts a subset of JSONPath in InputFilter/OutputFilter
# ("Supported JSONPath operators" in the batch transform data processing guide):
#   $                      the root
#   .name   .*             a child, every child
#   ['a'] / ['a','b']      children by name (quoted, no nesting inside the brackets)
#   [0] / [0,-1]           elements by index (negative counts from the end)
#   [1:] / [:5] / [2:5]    a slice; indexes and slices may be mixed: [0,5:]
#   [*]                    every element
# Anything else that still reads as JSONPath (.., filters ?(...), scripts (...)) is
# warned about; anything that does not (no leading $, unbalanced brackets) is an error.

_NAME = r"[A-Za-z0-9_\-]+"
_QUOTED = r"(?:'[^'\[\]]*'|\"[^\"\[\]]*\")"
_INDEX = r"-?\d+"
_SLICE = r"(?:-?\d+)?:(?:-?\d+)?"
_ITEM = rf"(?:{_SLICE}|{_INDEX})"
_BRACKET = rf"\[\s*(?:\*|{_QUOTED}(?:\s*,\s*{_QUOTED})*|{_ITEM}(?:\s*,\s*{_ITEM})*)\s*\]"
_SEGMENT = rf"(?:\.{_NAME}|\.\*|\.?{_BRACKET})"
SAGEMAKER_JSONPATH = re.compile(rf"^\$(?:{_SEGMENT})*$")
"""The JSONPath subset SageMaker batch transform documents."""
_JSONPATH_SHAPE = re.compile(r"^\$(?:\.\.?|\[|$)")

SUPPORTED_JSONPATH = "$, .name, .*, ['name','name'], [index,index], [start:end], [*]"


def _balanced(value: str) -> bool:
    depth = 0
    quote: str | None = None
    for char in value:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and quote is None


def jsonpath_filter(value: Any, prop: str) -> Finding | None:
    """An ``input_filter``/``output_filter``: JSONPath in the subset SageMaker supports."""
    if value is None or is_token(value) or not isinstance(value, str):
        return None
    if SAGEMAKER_JSONPATH.match(value):
        return None
    if not _JSONPATH_SHAPE.match(value) or not _balanced(value):
        return error(
            "jsonPath",
            f"{prop} must be a JSONPath expression starting with $, e.g. '$[1:]' or \"$['id','features']\"; "
            f"got {value!r}. SageMaker supports {SUPPORTED_JSONPATH}.",
        )
    return warning(
        "jsonPath",
        f"{prop} {value!r} uses JSONPath that SageMaker batch transform does not document; it supports "
        f"{SUPPORTED_JSONPATH}. The job fails if SageMaker refuses it.",
    )


# --- locations and names shared between constructs --------------------------------------------------


def _location(uri: str) -> str:
    return uri.rstrip("/")


def output_location(input_uri: Any, output_uri: Any) -> Finding | None:
    """Warn when a job writes where it reads: equal locations, or results under the input prefix."""
    if not isinstance(input_uri, str) or not isinstance(output_uri, str):
        return None
    if is_token(input_uri) or is_token(output_uri):
        return None
    source, target = _location(input_uri), _location(output_uri)
    if source == target:
        where = "is the input location"
    elif target.startswith(source + "/"):
        where = "lies under the input location"
    else:
        return None
    return warning(
        "outputLocation",
        f"output_s3_uri {output_uri!r} {where} (input_s3_uri {input_uri!r}): the next run reads the results "
        "as input. Write the results under a separate prefix.",
    )


_OUTPUTS: WeakKeyDictionary[IConstruct, dict[str, str]] = WeakKeyDictionary()
_JOB_NAME_PREFIXES: WeakKeyDictionary[IConstruct, dict[str, str]] = WeakKeyDictionary()
_ENDPOINT_NAMES: WeakKeyDictionary[Stack, dict[str, str]] = WeakKeyDictionary()


def _claimed_by(claims: WeakKeyDictionary[Any, dict[str, str]], owner: Any, key: str, path: str) -> str | None:
    """Claim ``key`` for the construct at ``path`` among ``owner``'s claims; the path of an earlier claimant, if any."""
    other = claims.setdefault(owner, {}).setdefault(key, path)
    return None if other == path else other


def shared_output(scope: IConstruct, path: str, output_uri: Any, key: str | None = None) -> Finding | None:
    """Warn when another transform job of the app already writes under ``output_uri`` (compared by ``key``, if given)."""
    if not isinstance(output_uri, str) or is_token(output_uri):
        return None
    other = _claimed_by(_OUTPUTS, app_root(scope), _location(key if key is not None else output_uri), path)
    if other is None:
        return None
    return warning(
        "sharedOutput",
        f"output_s3_uri {output_uri!r} is also the output of {other}: the two jobs overwrite each other's "
        "results. Give each job its own output prefix.",
    )


def scheduled_job_name_prefix(scope: IConstruct, path: str, prefix: str) -> Finding | None:
    """Refuse a second scheduled transform with the same job name prefix in the app.

    A scheduled run's job name is a function of the prefix and the scheduled time (so that a
    second execution for the same time finds the job already there): two schedules sharing a
    prefix would take each other's jobs for their own.
    """
    other = _claimed_by(_JOB_NAME_PREFIXES, app_root(scope), prefix, path)
    if other is None:
        return None
    return error(
        "jobNamePrefix",
        f"job_name_prefix {prefix!r} is already the prefix of {other}: a scheduled run's job is named from the "
        "prefix and the scheduled time, so two schedules with one prefix would take each other's runs as "
        "already started. Give each scheduled transform its own job_name_prefix.",
    )


def endpoint_name(scope: IConstruct, path: str, name: Any, prop: str = "endpoint_name") -> Finding | None:
    """Refuse a second endpoint with the same name in one stack (names are unique per account and region)."""
    if not isinstance(name, str) or is_token(name):
        return None
    other = _claimed_by(_ENDPOINT_NAMES, stack_of(scope), name, path)
    if other is None:
        return None
    return error(
        "endpointName",
        f"{prop} {name!r} is already the name of {other} in this stack; endpoint names are unique per account "
        "and region. Give each endpoint its own name, or leave endpoint_name out to let CloudFormation name it.",
    )


def wait_timeout_unused(wait_for_completion: Any, wait_timeout_given: bool) -> Finding | None:
    """Warn when ``wait_timeout`` is given but the deployment does not wait."""
    if wait_for_completion is False and wait_timeout_given:
        return warning(
            "waitTimeout",
            "wait_timeout has no effect with wait_for_completion=False: the deployment does not wait for the job. "
            "Remove wait_timeout, or set wait_for_completion=True.",
        )
    return None


def failure_topic_waited(wait_for_completion: Any, failure_topic: Any) -> Finding | None:
    """Warn when ``failure_topic`` is given for a job the deployment waits for (it is for jobs nobody waits for)."""
    if failure_topic is not None and wait_for_completion is True:
        return warning(
            "failureTopicWaited",
            "failure_topic is for jobs nobody waits for, and wait_for_completion is True (the default): the "
            "deployment itself fails and rolls back when the job fails. Set wait_for_completion=False to deploy "
            "without waiting and be told of failures, or remove failure_topic (or acknowledge this warning to be "
            "told as well).",
        )
    return None


# --- subnets --------------------------------------------------------------------------------------


def public_subnets_only(selected_ids: list[str], public_ids: Iterable[str]) -> Finding | None:
    """Warn when every selected subnet is a public one."""
    public = set(public_ids)
    if not selected_ids or is_token(selected_ids) or not all(item in public for item in selected_ids):
        return None
    return warning(
        "publicSubnets",
        "vpc_subnets selects only public subnets: SageMaker gives the containers no public IP address, so "
        "they reach neither the internet nor AWS APIs from there. Select private subnets "
        "(ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)) with a NAT gateway or "
        "VPC endpoints for S3 and ECR.",
    )


# The fields of a SubnetSelection struct are the keyword arguments of IVpc.select_subnets.
_SUBNET_SELECTION_FIELDS = tuple(inspect.signature(ec2.SubnetSelection.__init__).parameters)[1:]


def select_subnets(vpc: Any, vpc_subnets: Any) -> tuple[list[str] | None, list[Finding]]:
    """The subnet ids ``vpc_subnets`` selects in ``vpc`` (``None`` when it cannot select), and the findings.

    jsii's refusals become errors naming the prop; only public subnets, a warning.
    """
    selection: Mapping[str, Any] = (
        {name: getattr(vpc_subnets, name) for name in _SUBNET_SELECTION_FIELDS} if vpc_subnets is not None else {}
    )
    try:
        selected = vpc.select_subnets(**selection)
        subnet_ids: list[str] = selected.subnet_ids
    except RuntimeError as problem:  # jsii's error, e.g. an imported subnet without its availability zone
        return None, [error("vpcSubnets", f"vpc_subnets cannot be selected in vpc: {str(problem).splitlines()[0]}")]
    found: list[Finding] = []
    if not is_token(subnet_ids) and subnet_ids and selected.has_public:
        found = [
            item
            for item in [public_subnets_only(subnet_ids, (subnet.subnet_id for subnet in vpc.public_subnets))]
            if item is not None
        ]
    return subnet_ids, found


def subnets(vpc: Any, vpc_subnets: Any) -> tuple[list[str] | None, list[Finding]]:
    """The subnet ids ``vpc_subnets`` selects in ``vpc`` (``None`` when it cannot select), and every problem of
    them: not selectable, only public ones, not 1-16."""
    subnet_ids, found = select_subnets(vpc, vpc_subnets)
    if subnet_ids is not None and not is_token(subnet_ids) and not 1 <= len(subnet_ids) <= contract.MAX_SUBNETS:
        found.append(
            error(
                "vpcSubnets",
                f"vpc_subnets selects {len(subnet_ids)} subnets; SageMaker needs 1-{contract.MAX_SUBNETS}. "
                "Select other subnets of the VPC.",
            )
        )
    return subnet_ids, found


__all__ = [
    "WARNING_PREFIX",
    "AUTOPILOT_ACCEPT_TYPES",
    "AUTOPILOT_INPUT_CONTENT_TYPES",
    "SAGEMAKER_JSONPATH",
    "Finding",
    "accept",
    "content_type",
    "endpoint_name",
    "error",
    "instance_type",
    "jsonpath_filter",
    "output_location",
    "public_subnets_only",
    "scheduled_job_name_prefix",
    "select_subnets",
    "shared_output",
    "subnets",
    "transform_instance_count",
    "wait_timeout_unused",
    "warning",
]
