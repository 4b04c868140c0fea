"""Synth-time checks of single prop values (the convention: :mod:`.problems`).

Each check is pure and returns a :class:`Finding` (an error whose message names the prop and
says what to do) or ``None``; it never raises for a bad value. A value that is also converted
has its conversion beside its check (:func:`seconds`, :func:`processing_unit_value`,
:func:`environment_value`), to call once the check accepted it. Values that are still tokens at
synth time (``Token.is_unresolved``: CloudFormation parameters, references) pass unchecked; the
service checks them at deploy time. The checks that need SageMaker's tables or compare
constructs (warnings included) are in :mod:`.value_checks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any

from aws_cdk import Duration

from .._lambda.autopilot_runtime import contract, naming
from .._lambda.autopilot_runtime.response_keys import InferenceResponseKeyError, requested_inference_response_keys
from .._private.s3_uris import s3_uri_problem
from .._private.synth_cache import duration_facts
from .._private.tokens import is_token
from .problems import AutopilotValidationError as AutopilotValidationError  # public here as well
from .problems import Finding, error


def _fail(message: str, rule: str = "invalidProp") -> Finding:
    """The error finding of a refused value."""
    return error(rule, message)


def automl_job_name(value: Any, prop: str = "automl_job_name") -> Finding | None:
    """A job name as ``CreateAutoMLJob`` accepts it: 1-32 letters, digits and hyphens."""
    if is_token(value):
        return None
    if not isinstance(value, str) or len(value) > contract.MAX_AUTOML_JOB_NAME_LENGTH or not contract.AUTOML_JOB_NAME_PATTERN.match(value):
        return _fail(
            f"{prop} must be the name of an existing AutoML job: 1-{contract.MAX_AUTOML_JOB_NAME_LENGTH} letters, digits and hyphens, "
            f"starting and ending with a letter or digit ({contract.AUTOML_JOB_NAME_PATTERN.pattern}); got {value!r}"
            + (f" ({len(value)} characters)." if isinstance(value, str) else ".")
        )
    return None


def unordered_keys_message(value: Any, prop: str = "inference_response_keys") -> str | None:
    """Why a set or mapping (incl. a dict view) cannot hold response keys; ``None`` for any other value.

    A set iterates in a different order in every process (hash seed), and the order of the keys
    is the order of the model's CSV output columns.
    """
    if not isinstance(value, (AbstractSet, Mapping)):
        return None
    return (
        f"{prop} must be ordered (a list or tuple, or one comma-separated string): the order of the keys is the "
        f"order of the columns of the model's CSV output; got a {type(value).__name__}. "
        f"Pass e.g. [InferenceResponseKey.PREDICTED_LABEL, InferenceResponseKey.PROBABILITY]."
    )


def inference_response_keys(value: Any, prop: str = "inference_response_keys") -> tuple[Any, Finding | None]:
    """The requested keys as a list (trimmed, without duplicates, all among the four known keys) and
    the finding of a refused value (the keys are then ``None``): the construct's one normalisation.

    A list token, or a list holding tokens, passes through (a token item may hold several
    comma-separated keys; the handler splits them).
    """
    if value is None:
        return [], None
    if is_token(value):
        return (value if not isinstance(value, str) else [value]), None
    unordered = unordered_keys_message(value, prop)
    if unordered:
        return None, _fail(unordered)
    items: list[Any] = [value] if isinstance(value, str) or not isinstance(value, Iterable) else list(value)
    try:
        keys = requested_inference_response_keys(items, prop, keep=is_token)
    except InferenceResponseKeyError as error:
        return None, _fail(str(error))
    return list(keys), None


def s3_uri(value: Any, prop: str) -> Finding | None:
    """An ``s3://bucket[/key]`` URI with a valid bucket name and no wildcard (``_private.s3_uris``)."""
    if is_token(value):
        return None
    problem = s3_uri_problem(value, prop)
    return None if problem is None else _fail(problem)


def instance_type(value: Any, prop: str = "instance_type") -> Finding | None:
    """An ML instance type, ``ml.<family>.<size>``."""
    if is_token(value):
        return None
    if isinstance(value, str) and not value.startswith("ml.") and contract.INSTANCE_TYPE_PATTERN.match(f"ml.{value}"):
        return _fail(f"{prop} must name a SageMaker ML instance type, which starts with 'ml.': use 'ml.{value}'; got {value!r}.")
    if not isinstance(value, str) or not contract.INSTANCE_TYPE_PATTERN.match(value):
        return _fail(f"{prop} must be a SageMaker ML instance type such as ml.m5.xlarge (ml.<family>.<size>); got {value!r}.")
    return None


def integer(value: Any, prop: str, *, minimum: int | None = None, maximum: int | None = None) -> Finding | None:
    """A whole number (a whole float counts) within ``[minimum, maximum]`` (a token passes)."""
    if value is None or is_token(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or isinstance(value, float) and not value.is_integer():
        return _fail(f"{prop} must be a whole number; got {value!r}.")
    value = int(value)
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        if maximum is None:
            bounds = f"at least {minimum}"
        elif minimum is None:
            bounds = f"at most {maximum}"
        else:
            bounds = f"between {minimum} and {maximum}"
        return _fail(f"{prop} must be {bounds}; got {value}.")
    return None


def count(value: Any, prop: str) -> Finding | None:
    """An instance count: a whole number of at least 1."""
    return integer(value, prop, minimum=1)


def duration_seconds(value: Any, prop: str, *, minimum: int, maximum: int, hint: str = "") -> Finding | None:
    """A :class:`Duration` of whole seconds within ``[minimum, maximum]`` (a token passes); :func:`seconds` converts it."""
    if value is None:
        return None
    if not isinstance(value, Duration):
        return _fail(f"{prop} must be an aws_cdk.Duration, e.g. Duration.minutes(30); got {value!r}.")
    unresolved, whole = duration_facts(value)
    if whole is None:
        if unresolved:
            return _fail(f"{prop} comes from a token: give it with Duration.seconds(...) so it needs no conversion.")
        return _fail(f"{prop} must be a whole number of seconds; got {value.to_human_string()}.")
    if unresolved or is_token(whole):
        return None
    if whole < minimum or whole > maximum:
        return _fail(
            f"{prop} must be between {minimum} and {maximum} seconds; got {value.to_human_string()}."
            + (f" {hint}" if hint else "")
        )
    return None


def seconds(value: Any) -> Any:
    """A :class:`Duration` as whole seconds (a number token as it is); ``None`` for ``None`` or what cannot convert.

    The conversion of :func:`duration_seconds` (and :func:`wait_timeout`): ``None`` is also the
    safe stand-in of a value that check refused.
    """
    if not isinstance(value, Duration):
        return None
    unresolved, whole = duration_facts(value)
    if whole is None or unresolved or is_token(whole):
        return whole
    return int(whole)


WAIT_TIMEOUT_HINT = (
    "A CloudFormation wait condition waits at most 12 hours; for longer jobs set "
    "wait_for_completion=False and follow the job outside the deployment, or use AutopilotScheduledTransform."
)


def wait_timeout(value: Any, prop: str = "wait_timeout") -> Finding | None:
    """How long the deployment waits for a transform job: above 0, at most ``contract.MAX_WAIT_SECONDS`` (12 hours)."""
    return duration_seconds(value, prop, minimum=1, maximum=contract.MAX_WAIT_SECONDS, hint=WAIT_TIMEOUT_HINT)


def one_of(value: Any, prop: str, allowed: Sequence[str], *, optional: bool = True) -> Finding | None:
    """One of the API's allowed values (``None`` allowed when ``optional``)."""
    if value is None and optional:
        return None
    if is_token(value):
        return None
    if value not in allowed:
        return _fail(f"{prop} must be one of {', '.join(allowed)}; got {value!r}.")
    return None


def processing_unit(value: Any, prop: str = "processing_unit") -> Finding | None:
    """``CPU`` or ``GPU`` (any case); :func:`processing_unit_value` converts it."""
    if is_token(value):
        return None
    if not isinstance(value, str) or value.upper() not in contract.PROCESSING_UNITS:
        return _fail(
            f"{prop} must be {' or '.join(contract.PROCESSING_UNITS)} (the container set of an image or text classification job "
            f"to deploy); got {value!r}."
        )
    return None


def processing_unit_value(value: Any) -> Any:
    """An accepted ``processing_unit`` in upper case (a token as it is)."""
    return value if is_token(value) else str(value).upper()


def name_prefix(value: Any, prop: str, max_length: int = naming.MAX_PREFIX_LENGTH) -> Finding | None:
    """A user-given model or job name prefix, usable as it is (see ``naming.is_valid_prefix``); the message names ``max_length``."""
    if value is None or is_token(value):
        return None
    if not isinstance(value, str) or not naming.is_valid_prefix(value):
        return _fail(
            f"{prop} must be 1-{max_length} letters, digits and single hyphens, starting and "
            f"ending with a letter or digit (a unique suffix is appended); got {value!r}."
        )
    return None


def lowercase_prefix(value: Any) -> Any:
    """A valid name prefix in lower case (a token as it is: the handler lowercases every name it makes)."""
    return value if is_token(value) else str(value).lower()


def candidate_name(value: Any, prop: str = "candidate_name") -> Finding | None:
    """A candidate name as the API reports it: 1-64 characters, no spaces around it."""
    if value is None or is_token(value):
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= contract.MAX_CANDIDATE_NAME_LENGTH:
        return _fail(
            f"{prop} must be a candidate name of the AutoML job (1-{contract.MAX_CANDIDATE_NAME_LENGTH} characters); "
            f"got {value!r}. Omit it to deploy the best candidate."
        )
    if value != value.strip():
        return _fail(
            f"{prop} {value!r} has spaces around it; no candidate of the job is named so (the deployment would "
            f"not find it). Use {value.strip()!r}."
        )
    return None


def kms_key(key: Any, prop: str, *, region: str | None, granted: bool = True) -> Finding | None:
    """A KMS key the constructs can use: not an alias (when IAM grants name it), in ``region`` when both are known."""
    if key is None:
        return None
    arn = getattr(key, "key_arn", None)
    alias = getattr(key, "alias_name", None) or (
        arn.split(":alias/", 1)[1] if isinstance(arn, str) and ":alias/" in arn and not is_token(arn) else None
    )
    if granted and alias is not None:
        if is_token(alias):  # a kms.Alias of this app: its name is its resource's reference
            shown = f"the kms.Alias {key.node.path}" if hasattr(key, "node") else "a kms.Alias of this app"
        else:
            shown = str(alias) if str(alias).startswith("alias/") else f"alias/{alias}"
        return _fail(
            f"{prop} is a KMS alias ({shown}), not a key: the "
            "permissions granted on it would name the alias, and an alias ARN in an IAM policy authorizes nothing. "
            'Pass the key itself: kms.Key.from_key_arn(self, "Key", "arn:aws:kms:<region>:<account>:key/<key id>"), '
            "or alias.alias_target_key for an alias made in this app."
        )
    try:
        key_region = key.env.region
    except Exception:  # noqa: BLE001 - a key without a known environment is not checked
        return None
    if region and key_region and not is_token(region) and not is_token(key_region) and key_region != region:
        return _fail(
            f"{prop} is a key of {key_region}, and this stack deploys to {region}: SageMaker uses KMS keys of "
            f"its own region only. Pass a key of {region} (a multi-Region key's replica there has its own ARN)."
        )
    return None


def role_arn(value: Any, prop: str) -> Finding | None:
    """An IAM role ARN."""
    if value is None or is_token(value):
        return None
    if not isinstance(value, str) or not contract.IAM_ROLE_ARN_PATTERN.match(value):
        return _fail(f"{prop} must be an IAM role ARN such as arn:aws:iam::111122223333:role/AutopilotReader; got {value!r}.")
    return None


def network(
    *,
    vpc: Any,
    vpc_subnets: Any,
    security_groups: Sequence[Any] | None,
    allow_all_outbound: bool | None,
) -> list[Finding]:
    """Network props only make sense together with ``vpc``, as in ``aws-sagemaker-alpha``: every problem."""
    found: list[Finding] = []
    if vpc is None:
        if security_groups:
            found.append(_fail("security_groups needs vpc: pass the VPC the security groups belong to, or remove security_groups."))
        if vpc_subnets is not None:
            found.append(_fail("vpc_subnets needs vpc: pass the VPC to select subnets from, or remove vpc_subnets."))
        if allow_all_outbound is not None:
            found.append(_fail("allow_all_outbound needs vpc: it configures the security group created in the VPC."))
        return found
    if security_groups is not None:
        if len(security_groups) == 0:
            found.append(_fail("security_groups must not be empty: omit it to let the construct create a security group."))
        if len(security_groups) > contract.MAX_SECURITY_GROUPS:
            found.append(
                _fail(
                    f"security_groups holds {len(security_groups)} groups; SageMaker accepts at most {contract.MAX_SECURITY_GROUPS}."
                )
            )
        if allow_all_outbound is not None:
            found.append(
                _fail(
                    "allow_all_outbound only applies to the security group the construct creates; configure it "
                    "directly on the supplied security_groups instead."
                )
            )
    return found


def environment(value: Mapping[str, str] | None, prop: str = "environment") -> list[Finding]:
    """A transform job's environment: at most 16 entries with valid names and string values; every problem.

    :func:`environment_value` converts it.
    """
    if value is None or is_token(value):
        return []
    if not isinstance(value, Mapping):
        return [_fail(f"{prop} must be a dict of variable names to string values; got {value!r}.")]
    found: list[Finding] = []
    if len(value) > contract.MAX_TRANSFORM_ENVIRONMENT_ENTRIES:
        found.append(
            _fail(
                f"{prop} has {len(value)} entries; CreateTransformJob accepts at most "
                f"{contract.MAX_TRANSFORM_ENVIRONMENT_ENTRIES}. Remove some variables."
            )
        )
    for key, item in value.items():
        if not is_token(key) and (not isinstance(key, str) or not contract.ENVIRONMENT_KEY_PATTERN.match(key)):
            found.append(
                _fail(
                    f"{prop} has an invalid variable name {key!r}: use letters, digits and underscores, "
                    "not starting with a digit."
                )
            )
        if is_token(item):
            continue
        if not isinstance(item, str):
            found.append(_fail(f"{prop}[{key!r}] must be a string; got {item!r}. Convert numbers and booleans with str()."))
        elif len(item) > contract.MAX_TRANSFORM_ENVIRONMENT_VALUE_LENGTH:
            found.append(_fail(f"{prop}[{key!r}] is longer than {contract.MAX_TRANSFORM_ENVIRONMENT_VALUE_LENGTH} characters."))
    return found


def environment_value(value: Any) -> Any:
    """An accepted ``environment`` as a plain dict (``None`` and a token as they are)."""
    return value if value is None or is_token(value) else dict(value)


def text(value: Any, prop: str, *, max_length: int) -> Finding | None:
    """A short API string such as a MIME type or a JSONPath filter."""
    if value is None or is_token(value):
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= max_length:
        return _fail(f"{prop} must be a string of 1-{max_length} characters; got {value!r}.")
    return None


def endpoint_name(value: Any, prop: str) -> Finding | None:
    """An endpoint or variant name: 1-63 letters, digits and hyphens."""
    if value is None or is_token(value):
        return None
    if not isinstance(value, str) or not contract.ENDPOINT_NAME_PATTERN.match(value):
        return _fail(
            f"{prop} must be 1-{contract.MAX_NAME_LENGTH} letters, digits and hyphens, starting and ending with a "
            "letter or digit; "
            f"got {value!r}."
        )
    return None


def percentage(value: Any, prop: str) -> Finding | None:
    """A whole percentage, 0-100."""
    return integer(value, prop, minimum=0, maximum=100)
