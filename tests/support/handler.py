"""Test support for the custom-resource handler: Stubber'd clients and CloudFormation events.

Every AWS call goes through a real boto3 client whose Stubber checks the request against
botocore's model and the expected parameters; nothing reaches AWS.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from autopilot_inference._lambda.autopilot_runtime.clients import Clients
from autopilot_inference._lambda.autopilot_runtime.handler import handle
from benchmarks.bench_events import (  # noqa: F401 - re-exported to the handler tests
    ACCOUNT,
    REGION,
    REQUEST_ID,
    RESPONSE_URL,
    SERVICE_TOKEN,
    STACK_ID,
    cfn_event,
    parse_times,
)
from support.paths import load_fixture

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ChurnStack-ModelRole-1A2B3C4D"
ASSUMED_CREDENTIALS = {
    "AccessKeyId": "ASIAEXAMPLEASSUMED01",
    "SecretAccessKey": "assumed-secret",
    "SessionToken": "assumed-session-token",
}


def response(name: str) -> dict[str, Any]:
    """A saved API response, as botocore would return it."""
    return parse_times(load_fixture(name))


class StubbedAws:
    """Stubber'd SageMaker and STS clients behind a :class:`Clients` factory.

    ``sagemaker`` has the handler's own credentials; ``reader`` is the SageMaker client
    built from assumed-role credentials. ``calls`` / ``reader_calls`` / ``sts_calls``
    record the operations each client was asked to run, in order.
    """

    def __init__(self) -> None:
        self.sagemaker = boto3.client("sagemaker", region_name=REGION)
        self.sts = boto3.client("sts", region_name=REGION)
        self.reader = boto3.client(
            "sagemaker",
            region_name=REGION,
            aws_access_key_id=ASSUMED_CREDENTIALS["AccessKeyId"],
            aws_secret_access_key=ASSUMED_CREDENTIALS["SecretAccessKey"],
            aws_session_token=ASSUMED_CREDENTIALS["SessionToken"],
        )
        self.cloudformation = boto3.client("cloudformation", region_name=REGION)
        self.sagemaker_stub = Stubber(self.sagemaker)
        self.sts_stub = Stubber(self.sts)
        self.cloudformation_stub = Stubber(self.cloudformation)
        self.reader_stub = Stubber(self.reader)
        self.calls: list[str] = []
        self.reader_calls: list[str] = []
        self.sts_calls: list[str] = []
        self.reader_credentials: list[dict[str, str]] = []
        self.puts: list[tuple[str, dict[str, Any]]] = []
        """Wait condition signals sent: ``(pre-signed URL, signal JSON)``."""
        for client, record in ((self.sagemaker, self.calls), (self.reader, self.reader_calls), (self.sts, self.sts_calls)):
            client.meta.events.register(
                "provide-client-params.*.*", lambda model, record=record, **_: record.append(model.name)
            )

    def factory(self, service_name: str, credentials: Any = None) -> Any:
        if service_name == "sts":
            return self.sts
        if service_name == "cloudformation":
            return self.cloudformation
        if credentials:
            self.reader_credentials.append(dict(credentials))
            return self.reader
        return self.sagemaker

    def clients(self) -> Clients:
        return Clients(self.factory, put=lambda url, body: self.puts.append((url, json.loads(body))))

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        """``handle()`` with these clients; the result must survive JSON, as the framework needs."""
        result = handle(copy.deepcopy(event), None, clients=self.clients())
        json.dumps(result)
        return result

    def activate(self) -> None:
        for stub in self._stubs():
            stub.activate()

    def assert_done(self) -> None:
        """Every stubbed response was used."""
        for stub in self._stubs():
            stub.assert_no_pending_responses()

    def deactivate(self) -> None:
        for stub in self._stubs():
            stub.deactivate()

    def _stubs(self) -> tuple[Stubber, ...]:
        return (self.sagemaker_stub, self.sts_stub, self.reader_stub, self.cloudformation_stub)

    def stack_status(self, status: str) -> None:
        """``DescribeStacks`` of the test stack answers ``status``."""
        self.cloudformation_stub.add_response(
            "describe_stacks",
            {"Stacks": [{"StackName": "ChurnStack", "StackId": STACK_ID, "CreationTime": datetime(2026, 11, 1), "StackStatus": status}]},
            {"StackName": STACK_ID},
        )


@pytest.fixture(autouse=True)
def fake_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Fake credentials and a fixed region: no test can reach AWS or read a developer's profile."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws(fake_aws_environment: None) -> Iterator[StubbedAws]:
    """Stubber'd clients; at the end every stubbed response must have been used."""
    stubbed = StubbedAws()
    stubbed.activate()
    yield stubbed
    try:
        stubbed.assert_done()
    finally:
        stubbed.deactivate()


def with_changes(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of ``base`` with ``changes``; a value of ``None`` removes the property."""
    result = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result
