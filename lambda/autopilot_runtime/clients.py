"""The botocore clients of one invocation, and the reads of the AutoML job that take more than one call.

Clients retry in botocore's ``standard`` mode with connect/read timeouts and attempts
from :mod:`.contract`, so a call with every retry ends inside one invocation; each client
carries the hook of :mod:`.invocation` that names every call and checks the time left. A job
in another account is read with the credentials of ``SourceRoleArn`` (assumed through STS);
models and transform jobs are always created with the handler's own credentials.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Literal

from botocore.config import Config
from botocore.exceptions import ClientError

from . import contract
from .candidates import find_candidate
from .errors import AutopilotDeploymentError
from .invocation import watch
from .service_errors import error_code

USER_AGENT_EXTRA = "autopilot-inference/0.1.0"
# One invocation lasts at most contract.HANDLER_TIMEOUT_SECONDS: STS's shortest session (900 s) suffices.
ASSUMED_ROLE_SECONDS = 900
# STS's limit on RoleSessionName.
MAX_ROLE_SESSION_NAME_LENGTH = 64
_SESSION_NAME_NOT_ALLOWED = re.compile(r"[^\w+=,.@-]")

Credentials = Mapping[str, str]
ServiceName = Literal["cloudformation", "sagemaker", "sts"]
"""The services the handler calls."""
ClientFactory = Callable[[ServiceName, "Credentials | None"], Any]
"""``(service_name, credentials or None) -> client``."""
HttpPut = Callable[[str, bytes], None]
"""``(url, body)``: an HTTP PUT of ``body`` to a pre-signed URL (a wait condition handle's)."""
# Connect and read timeout of the PUT to a wait condition handle (an S3 pre-signed URL).
SIGNAL_TIMEOUT_SECONDS = 20


def http_put(url: str, body: bytes) -> None:
    """PUT ``body`` to the pre-signed ``url`` (no ``Content-Type``: the URL's signature covers none)."""
    import urllib.request

    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": ""})
    with urllib.request.urlopen(request, timeout=SIGNAL_TIMEOUT_SECONDS) as response:  # noqa: S310 - CloudFormation's https URL
        response.read()


def client_config() -> Config:
    """Timeouts, retries and user agent of every client the handler makes (see :mod:`.contract`)."""
    return Config(
        connect_timeout=contract.CONNECT_TIMEOUT_SECONDS,
        read_timeout=contract.READ_TIMEOUT_SECONDS,
        retries={"mode": "standard", "max_attempts": contract.MAX_ATTEMPTS},
        user_agent_extra=USER_AGENT_EXTRA,
    )


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


def role_session_name(job_name: str) -> str:
    """An STS role session name that says which job is read (2-64 allowed characters)."""
    name = _SESSION_NAME_NOT_ALLOWED.sub("-", f"autopilot-{job_name}")
    return name[:MAX_ROLE_SESSION_NAME_LENGTH]


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

    def __init__(self, factory: ClientFactory | None = None, *, put: HttpPut | None = None) -> None:
        self._factory: ClientFactory = factory or (lambda service, credentials: create_client(service, credentials))
        self.put: HttpPut = put or http_put
        """Sends a wait condition signal: an HTTP PUT to the handle's pre-signed URL."""
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
