"""AWS clients and the few reads that need more than one call.

Clients retry in botocore's ``standard`` mode with connect/read timeouts and attempts
from :mod:`.contract`, so a call with every retry ends inside one invocation; before each
call a hook checks that enough of the invocation is left (else the handler fails, naming
the call, instead of Lambda's bare "Task timed out") and records the call, so any failure
can name it. A job in another account is read with the credentials of ``SourceRoleArn``
(assumed through STS); models and transform jobs are always created with the handler's own
credentials.

IAM actions this module calls beyond the resources' own: ``cloudformation:DescribeStacks``
on the handler's stack (:func:`stack_is_rolling_back`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from . import contract
from .candidates import find_candidate
from .errors import AutopilotDeploymentError
from .properties import PropertyError

USER_AGENT_EXTRA = "autopilot-inference/0.1.0"
MAX_ATTEMPTS = contract.MAX_ATTEMPTS
ROLLBACK_STATUS = "UPDATE_ROLLBACK_IN_PROGRESS"
# Error codes of a call worth trying again later (besides HTTP 5xx and 429).
TRANSIENT_ERROR_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "ServiceUnavailable",
    }
)
# One invocation lasts at most contract.HANDLER_TIMEOUT_SECONDS: STS's shortest session (900 s) suffices.
ASSUMED_ROLE_SECONDS = 900
_SESSION_NAME_NOT_ALLOWED = re.compile(r"[^\w+=,.@-]")

Credentials = Mapping[str, str]
ServiceName = Literal["cloudformation", "sagemaker", "sts"]
"""The services the handler calls."""
ClientFactory = Callable[[ServiceName, "Credentials | None"], Any]
"""``(service_name, credentials or None) -> client``."""


def client_config() -> Config:
    """Timeouts, retries and user agent of every client the handler makes (see :mod:`.contract`)."""
    return Config(
        connect_timeout=contract.CONNECT_TIMEOUT_SECONDS,
        read_timeout=contract.READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
        user_agent_extra=USER_AGENT_EXTRA,
    )


@dataclass
class Invocation:
    """The running invocation: its Lambda context (for the time left) and the last call made."""

    context: Any = None
    now: datetime | None = None
    last_call: str | None = None

    def remaining_seconds(self) -> float | None:
        getter = getattr(self.context, "get_remaining_time_in_millis", None)
        return None if getter is None else float(getter()) / 1000


_INVOCATION: ContextVar[Invocation | None] = ContextVar("autopilot_invocation", default=None)


@contextmanager
def invocation(context: Any = None, now: datetime | None = None) -> Iterator[Invocation]:
    """Make ``context`` the running invocation (started at ``now``) while the block runs."""
    current = Invocation(context, now)
    token = _INVOCATION.set(current)
    try:
        yield current
    finally:
        _INVOCATION.reset(token)


def current_time() -> datetime:
    """The running invocation's time (tests pass one), else the clock's."""
    current = _INVOCATION.get()
    return current.now if current and current.now else datetime.now(timezone.utc)


def last_call() -> str | None:
    """The API operation the running invocation called last."""
    current = _INVOCATION.get()
    return current.last_call if current else None


class OutOfTime(BotoCoreError):
    """A call refused because the invocation could end before its retries do."""

    fmt = (
        "{operation} not called: {remaining:.0f} s left in this invocation, and a call with its retries may take "
        "{budget} s. Earlier calls were slow (throttling or network trouble): deploy again once SageMaker answers "
        "normally."
    )


def _before_call(model: Any, **_: Any) -> None:
    """Record the call; refuse it when the invocation could end before its retries do."""
    current = _INVOCATION.get()
    if current is None:
        return
    current.last_call = str(model.name)
    remaining = current.remaining_seconds()
    if remaining is not None and remaining < contract.minimum_remaining_seconds():
        raise OutOfTime(operation=model.name, remaining=remaining, budget=contract.call_budget_seconds())


def watch(client: Any) -> Any:
    """``client`` with the hook that records each call and checks the time left (registered once)."""
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is not None:
        events.register("provide-client-params", _before_call, unique_id="autopilot-inference-before-call")
    return client


def create_client(service_name: ServiceName, credentials: Credentials | None = None, *, region_name: str | None = None) -> Any:
    """A boto3 client; with ``credentials`` (from STS ``AssumeRole``) instead of the default chain."""
    import boto3

    keys: dict[str, Any] = {}
    if credentials:
        keys = {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }
    return boto3.client(service_name, region_name=region_name, config=client_config(), **keys)


def sagemaker_client(region_name: str | None = None) -> Any:
    """A SageMaker client with the handler's retry and user agent settings."""
    return create_client("sagemaker", region_name=region_name)


def error_code(error: ClientError) -> str:
    """The service's error code, e.g. ``ValidationException``."""
    return str(error.response.get("Error", {}).get("Code", ""))


def error_message(error: ClientError) -> str:
    """The service's error message."""
    return str(error.response.get("Error", {}).get("Message", ""))


def is_transient(error: BaseException) -> bool:
    """Throttling, a 5xx or 429 answer, or a connection failure or timeout: worth trying again later."""
    if isinstance(error, ClientError):
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return error_code(error) in TRANSIENT_ERROR_CODES or status >= 500 or status == 429
    return isinstance(error, (BotoConnectionError, HTTPClientError))


def describe_error(error: BaseException) -> str:
    """The error's text, naming the API call when the text does not (connection and pagination errors)."""
    text = str(error) or type(error).__name__
    call = error.operation_name if isinstance(error, ClientError) else last_call()
    if call and call not in text:
        text = f"{call} failed: {text}"
    return text


def trim(text: str, max_bytes: int = contract.MAX_REASON_BYTES) -> str:
    """``text`` cut in the middle to at most ``max_bytes`` of JSON-encoded UTF-8; the start and the end stay."""

    def size(value: str) -> int:
        return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))

    if size(text) <= max_bytes:
        return text
    marker = " [...] "
    keep = max_bytes // 2
    while keep > 0:
        cut = len(text) - 2 * keep
        candidate = f"{text[:keep]}{marker}({cut} characters cut){marker}{text[-keep:]}"
        if size(candidate) <= max_bytes:
            return candidate
        keep = int(keep * 0.9) - 1
    return text[: max_bytes // 8]


def is_model_missing(error: ClientError) -> bool:
    """DescribeModel/DeleteModel on a model that does not exist (``ValidationException``)."""
    return "could not find model" in error_message(error).lower()


def is_model_existing(error: ClientError) -> bool:
    """CreateModel of a name already taken: ``Cannot create already existing model``."""
    message = error_message(error).lower()
    return "already existing" in message or "already exists" in message


def is_transform_job_missing(error: ClientError) -> bool:
    """A transform job call on a job that does not exist."""
    if error_code(error) == "ResourceNotFound":
        return True
    message = error_message(error).lower()
    return error_code(error) == "ValidationException" and ("could not find" in message or "not found" in message)


def is_transform_job_existing(error: ClientError) -> bool:
    """CreateTransformJob of a name already taken (``ResourceInUse`` or "already exists")."""
    return error_code(error) == "ResourceInUse" or "already exist" in error_message(error).lower()


def role_session_name(job_name: str) -> str:
    """An STS role session name that says which job is read (2-64 allowed characters)."""
    name = _SESSION_NAME_NOT_ALLOWED.sub("-", f"autopilot-{job_name}")
    return name[:64]


def assume_role(sts_client: Any, role_arn: str, job_name: str) -> dict[str, str]:
    """Credentials of ``role_arn`` for reading ``job_name``."""
    try:
        response = sts_client.assume_role(
            RoleArn=role_arn, RoleSessionName=role_session_name(job_name), DurationSeconds=ASSUMED_ROLE_SECONDS
        )
    except ClientError as error:
        raise AutopilotDeploymentError(
            f"AutoML job {job_name}: cannot assume SourceRoleArn {role_arn} to read the job: {error}. "
            "Check that the role exists and trusts the handler's role."
        ) from error
    return dict(response["Credentials"])


class Clients:
    """The clients of one invocation, created on first use.

    ``factory`` builds a client from a service name and optional credentials; tests
    pass one that returns Stubber-backed clients.
    """

    def __init__(self, factory: ClientFactory | None = None) -> None:
        self._factory: ClientFactory = factory or (lambda service, credentials: create_client(service, credentials))
        self._own: dict[str, Any] = {}
        self._readers: dict[str, Any] = {}

    def _client(self, service_name: ServiceName) -> Any:
        if service_name not in self._own:
            self._own[service_name] = watch(self._factory(service_name, None))
        return self._own[service_name]

    def cloudformation(self) -> Any:
        """CloudFormation with the handler's own credentials: the stack's status."""
        return self._client("cloudformation")

    def sagemaker(self) -> Any:
        """SageMaker with the handler's own credentials: creates, tags and deletes."""
        return self._client("sagemaker")

    def sts(self) -> Any:
        """STS with the handler's own credentials."""
        return self._client("sts")

    def job_reader(self, job_name: str, source_role_arn: str | None = None) -> Any:
        """SageMaker for reading the AutoML job: through ``source_role_arn`` when given."""
        if not source_role_arn:
            return self.sagemaker()
        if source_role_arn not in self._readers:
            credentials = assume_role(self.sts(), source_role_arn, job_name)
            self._readers[source_role_arn] = watch(self._factory("sagemaker", credentials))
        return self._readers[source_role_arn]


def _region(client: Any) -> str:
    return str(getattr(getattr(client, "meta", None), "region_name", None) or "unknown")


def describe_job(client: Any, name: str) -> dict[str, Any]:
    """``DescribeAutoMLJob``, or ``DescribeAutoMLJobV2`` when V1 refuses or does not find the job."""
    try:
        return dict(client.describe_auto_ml_job(AutoMLJobName=name))
    except ClientError as error:
        if error_code(error) not in ("ValidationException", "ResourceNotFound"):
            raise
    try:
        return dict(client.describe_auto_ml_job_v2(AutoMLJobName=name))
    except ClientError as error:
        if error_code(error) != "ResourceNotFound":
            raise
        raise AutopilotDeploymentError(
            f"AutoML job {name} not found in this account/region ({_region(client)}). Check the job name and "
            "the stack's region; for a job in another account, set source_role_arn (property SourceRoleArn) "
            "to a role in that account that may describe it."
        ) from error


def list_candidate(client: Any, job_name: str, candidate_name: str) -> dict[str, Any]:
    """The named candidate, through the ``ListCandidatesForAutoMLJob`` paginator."""
    pages = client.get_paginator("list_candidates_for_auto_ml_job").paginate(
        AutoMLJobName=job_name, CandidateNameEquals=candidate_name
    )
    return dict(find_candidate(pages, candidate_name, job_name))


def stack_is_rolling_back(clients: Clients, stack_id: str) -> bool:
    """Whether the stack is rolling back an update (``DescribeStacks``): the event itself carries no such flag."""
    try:
        stacks = clients.cloudformation().describe_stacks(StackName=stack_id).get("Stacks") or [{}]
    except (ClientError, BotoCoreError) as error:
        raise AutopilotDeploymentError(
            f"cannot tell whether stack {stack_id} is rolling back: {describe_error(error)}. The handler needs "
            "cloudformation:DescribeStacks on its stack."
        ) from error
    return str(stacks[0].get("StackStatus", "")) == ROLLBACK_STATUS


@contextmanager
def as_deployment_error(label: str) -> Iterator[None]:
    """AWS, connection, request and property errors raised inside become deployment errors prefixed with ``label``."""
    try:
        yield
    except (ClientError, BotoCoreError, PropertyError) as error:
        raise AutopilotDeploymentError(f"{label}: {describe_error(error)}") from error


LifecycleHandler = Callable[[Mapping[str, Any], "Clients"], dict[str, Any]]


def run_lifecycle(
    event: Mapping[str, Any], clients: Clients, handlers: Mapping[str, LifecycleHandler], label: str
) -> dict[str, Any]:
    """Run the handler of the event's ``RequestType`` (Create, Update, Delete), its failures named by ``label``."""
    request_type = str(event.get("RequestType", ""))
    if request_type not in handlers:
        raise AutopilotDeploymentError(f"{label}: unsupported RequestType {request_type!r}.")
    with as_deployment_error(label):
        return handlers[request_type](event, clients)
