"""A small CloudFormation: the request sequences of create, update (with rollback) and delete.

- **create**: ``Create`` each resource in template order; on a failure the stack rolls back
  (``ROLLBACK_IN_PROGRESS``): ``Delete`` of every resource created, with the physical id
  each reported (the framework's ``CREATE_FAILED`` marker for the failed one).
- **update**: ``UPDATE_IN_PROGRESS``; new resources get ``Create``, changed ones ``Update``
  (``OldResourceProperties`` = the previous ones). A new physical id is a replacement: the
  old one is deleted in the clean-up phase after the whole update succeeded.
  A failure anywhere (``fail_after`` plays one in an unrelated resource after every
  update went through) turns the stack to ``UPDATE_ROLLBACK_IN_PROGRESS``: every updated
  resource, the failed one too, gets an ``Update`` back to its old properties (old and
  new swapped, physical id = the one it now has), in reverse order; resources created by
  the update are deleted; then (``UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS``) the
  physical ids the rollback replaced are deleted. A failed rollback update leaves
  ``UPDATE_ROLLBACK_FAILED``.
- **delete**: ``Delete`` every resource in reverse order.

Properties may hold :class:`GetAtt` markers, resolved from the referenced resource's
``Data`` when the request is sent, and :class:`Ref` markers (the physical id).
``stack_status`` is what ``DescribeStacks`` answers.

Wait conditions are CloudFormation's own (never sent to the provider), as documented:

- ``AWS::CloudFormation::WaitConditionHandle``: its physical id (and ``Ref``) is a pre-signed URL;
  signals are HTTP PUTs of ``{"Status", "Reason", "UniqueId", "Data"}`` to it (kept by the fake AWS).
- ``AWS::CloudFormation::WaitCondition``: created, it waits on the shared clock (EventBridge
  delivering the fake SageMaker's job events as time passes) until ``Count`` distinct ``UniqueId``
  SUCCESS signals arrived (success; ``Data`` = ``{UniqueId: Data}``), a FAILURE signal arrived
  ("WaitCondition received failed message: '<Reason>' for uniqueId: <UniqueId>") or ``Timeout``
  seconds passed ("WaitCondition timed out. Received <n> conditions when expecting <Count>").
  Updates are not supported: a changed property fails the update. Deleted like any resource (a
  rollback deletes the one the update created); a deleted handle's signals are gone.
- A ``Delete`` of either never fails.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.bench_events import RESPONSE_URL, SERVICE_TOKEN, STACK_ID

from .framework import Response


@dataclass(frozen=True)
class GetAtt:
    logical_id: str
    attribute: str


@dataclass(frozen=True)
class Ref:
    logical_id: str


WAIT_CONDITION_HANDLE = "AWS::CloudFormation::WaitConditionHandle"
WAIT_CONDITION = "AWS::CloudFormation::WaitCondition"
NATIVE_TYPES = (WAIT_CONDITION_HANDLE, WAIT_CONDITION)
HANDLE_URL = (
    "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/arn%3Aaws%3Acloudformation%3Aus-east-1%3A"
    "111122223333%3Astack/ChurnStack/{stack}/{logical_id}?AWSAccessKeyId=AKIAEXAMPLE&Expires=1780000000"
    "&Signature=PRESIGNED-SECRET-{secret}"
)
HANDLE_SECRET = "PRESIGNED-SECRET"
"""Part of every handle URL: a test finds a leaked URL by it."""


@dataclass
class Resource:
    resource_type: str
    properties: dict[str, Any]
    physical_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


Template = dict[str, tuple[str, dict[str, Any]]]
"""``{logical id: (resource type, properties)}`` in dependency order."""


class StackFailed(Exception):
    pass


class Stack:
    """One stack; ``provider`` answers every custom resource request (a :class:`ProviderFramework`)."""

    def __init__(self, provider: Callable[[dict[str, Any]], Response], stack_id: str = STACK_ID, aws: Any = None) -> None:
        self.provider = provider
        self.aws = aws if aws is not None else getattr(provider, "aws", None)
        self.stack_id = stack_id
        self._created: dict[str, Any] = {}
        self.fail_waits_after: float | None = None
        """Another resource fails this many seconds into a wait: the wait condition is cancelled and the stack rolls back."""
        self.waited_seconds: list[float] = []
        """How long each wait condition waited (its creation to its end)."""
        self.status = "REVIEW_IN_PROGRESS"
        self.resources: dict[str, Resource] = {}
        self.log: list[tuple[str, str, str, str]] = []
        """``(logical id, request type, status, reason)`` of every request, in order."""
        self.log_stack_status: list[str] = []
        """The stack's status when each request of :attr:`log` was sent."""

    # --- requests ----------------------------------------------------------------------

    def _resolve(self, value: Any) -> Any:
        if isinstance(value, GetAtt):
            return self.resources[value.logical_id].data[value.attribute]
        if isinstance(value, Ref):
            return self.resources[value.logical_id].physical_id
        if isinstance(value, dict):
            return {key: self._resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._resolve(item) for item in value]
        return value

    def _send(
        self,
        request_type: str,
        logical_id: str,
        resource_type: str,
        properties: dict[str, Any],
        *,
        old_properties: dict[str, Any] | None = None,
        physical_id: str | None = None,
    ) -> Response:
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": SERVICE_TOKEN,
            "ResponseURL": RESPONSE_URL,
            "StackId": self.stack_id,
            "RequestId": str(uuid.uuid4()),
            "LogicalResourceId": logical_id,
            "ResourceType": resource_type,
            "ResourceProperties": {"ServiceToken": SERVICE_TOKEN, **copy.deepcopy(properties)},
        }
        if old_properties is not None:
            event["OldResourceProperties"] = {"ServiceToken": SERVICE_TOKEN, **copy.deepcopy(old_properties)}
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        if resource_type in NATIVE_TYPES:
            response = self._native(request_type, logical_id, resource_type, properties, old_properties, physical_id)
        else:
            response = self.provider(event)
        self.log.append((logical_id, request_type, response.status, response.reason))
        self.log_stack_status.append(self.status)
        return response

    # --- wait conditions (CloudFormation's own) ------------------------------------------------

    def _native(
        self,
        request_type: str,
        logical_id: str,
        resource_type: str,
        properties: dict[str, Any],
        old_properties: dict[str, Any] | None,
        physical_id: str | None,
    ) -> Response:
        if request_type == "Delete":
            if resource_type == WAIT_CONDITION_HANDLE and self.aws is not None and physical_id:
                self.aws.signals.pop(physical_id, None)
            return Response("SUCCESS", physical_id or logical_id)
        if request_type == "Update":
            if properties != old_properties:
                return Response("FAILED", physical_id or logical_id, f"Update of resource type {resource_type} is not supported")
            return Response("SUCCESS", physical_id or logical_id)
        if resource_type == WAIT_CONDITION_HANDLE:
            self._created[logical_id] = self.aws.clock.now
            return Response("SUCCESS", HANDLE_URL.format(stack=self.stack_id.rsplit("/", 1)[-1], logical_id=logical_id, secret=uuid.uuid4().hex))
        return self._wait(logical_id, properties)

    def _wait(self, logical_id: str, properties: dict[str, Any]) -> Response:
        """A wait condition's creation: until its signals, a FAILURE, or its timeout (the clock moves 1 s a step)."""
        aws = self.aws
        url = str(properties["Handle"])
        count = int(properties.get("Count", 1))
        timeout = int(properties["Timeout"])
        start = aws.clock.now
        physical_id = f"{self.stack_id}/{logical_id}"
        while True:
            aws.deliver_events()
            signals = aws.signals.get(url, [])
            failed = next((signal for signal in signals if signal["Status"] == "FAILURE"), None)
            waited = (aws.clock.now - start).total_seconds()
            if failed is not None:
                self.waited_seconds.append(waited)
                return Response(
                    "FAILED", physical_id,
                    f"WaitCondition received failed message: '{failed['Reason']}' for uniqueId: {failed['UniqueId']}",
                )
            succeeded = {signal["UniqueId"]: signal.get("Data", "") for signal in signals if signal["Status"] == "SUCCESS"}
            if len(succeeded) >= count:
                self.waited_seconds.append(waited)
                return Response("SUCCESS", physical_id, "", {"Data": json.dumps(succeeded)})
            if self.fail_waits_after is not None and waited >= self.fail_waits_after:
                self.waited_seconds.append(waited)
                return Response("FAILED", physical_id, "Resource creation cancelled")
            if waited >= timeout:
                self.waited_seconds.append(waited)
                return Response("FAILED", physical_id, f"WaitCondition timed out. Received {len(succeeded)} conditions when expecting {count}")
            aws.clock.advance(1)

    def stack_resource(self, stack_id: str, logical_id: str) -> dict[str, Any] | None:
        """What ``DescribeStackResource`` answers for ``logical_id`` of ``stack_id`` (``None``: no such stack or resource)."""
        resource = self.resources.get(logical_id)
        if stack_id != self.stack_id or resource is None or resource.physical_id is None:
            return None
        return {
            "PhysicalResourceId": resource.physical_id, "ResourceType": resource.resource_type,
            "ResourceStatus": "CREATE_COMPLETE", "LastUpdatedTimestamp": self._created.get(logical_id, self.aws.clock.now),
        }

    # --- operations --------------------------------------------------------------------

    def create(self, template: Template) -> str:
        self.status = "CREATE_IN_PROGRESS"
        created: list[str] = []
        for logical_id, (resource_type, properties) in template.items():
            resolved = self._resolve(properties)
            response = self._send("Create", logical_id, resource_type, resolved)
            self.resources[logical_id] = Resource(resource_type, resolved, response.physical_id, response.data)
            created.append(logical_id)
            if response.status != "SUCCESS":
                self.status = "ROLLBACK_IN_PROGRESS"
                ok = self._delete_all(reversed(created))
                self.status = "ROLLBACK_COMPLETE" if ok else "ROLLBACK_FAILED"
                return self.status
        self.status = "CREATE_COMPLETE"
        return self.status

    def update(self, template: Template, *, fail_after: bool = False) -> str:
        self.status = "UPDATE_IN_PROGRESS"
        before = {key: copy.deepcopy(resource) for key, resource in self.resources.items()}
        updated: list[str] = []
        created: list[str] = []
        replaced: list[tuple[str, Resource]] = []
        failed = False
        for logical_id, (resource_type, properties) in template.items():
            resolved = self._resolve(properties)
            current = self.resources.get(logical_id)
            if current is None:
                response = self._send("Create", logical_id, resource_type, resolved)
                self.resources[logical_id] = Resource(resource_type, resolved, response.physical_id, response.data)
                created.append(logical_id)
            elif resolved != current.properties:
                response = self._send(
                    "Update", logical_id, resource_type, resolved,
                    old_properties=current.properties, physical_id=current.physical_id,
                )
                updated.append(logical_id)
                if response.status != "SUCCESS":
                    # The rollback sends the failed properties as the old ones, and the old physical id.
                    self.resources[logical_id] = Resource(resource_type, resolved, current.physical_id, current.data)
                else:
                    if response.physical_id != current.physical_id:
                        replaced.append((logical_id, copy.deepcopy(current)))
                    self.resources[logical_id] = Resource(resource_type, resolved, response.physical_id, response.data)
            else:
                continue
            if response.status != "SUCCESS":
                failed = True
                break
        if not failed and not fail_after:
            self.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
            for logical_id, old in replaced:
                self._send("Delete", logical_id, old.resource_type, old.properties, physical_id=old.physical_id)
            for logical_id in [key for key in self.resources if key not in template]:
                old = self.resources.pop(logical_id)
                self._send("Delete", logical_id, old.resource_type, old.properties, physical_id=old.physical_id)
            self.status = "UPDATE_COMPLETE"
            return self.status
        return self._roll_back(before, updated, created)

    def _roll_back(self, before: dict[str, Resource], updated: list[str], created: list[str]) -> str:
        self.status = "UPDATE_ROLLBACK_IN_PROGRESS"
        clean_up: list[tuple[str, Resource]] = []
        for logical_id in reversed(updated):
            old, current = before[logical_id], self.resources[logical_id]
            response = self._send(
                "Update", logical_id, old.resource_type, old.properties,
                old_properties=current.properties, physical_id=current.physical_id,
            )
            if response.status != "SUCCESS":
                self.status = "UPDATE_ROLLBACK_FAILED"
                return self.status
            if response.physical_id != current.physical_id:
                clean_up.append((logical_id, copy.deepcopy(current)))
            self.resources[logical_id] = Resource(old.resource_type, old.properties, response.physical_id, response.data)
        for logical_id in reversed(created):
            resource = self.resources.pop(logical_id)
            self._send("Delete", logical_id, resource.resource_type, resource.properties, physical_id=resource.physical_id)
        self.status = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
        for logical_id, resource in clean_up:
            self._send("Delete", logical_id, resource.resource_type, resource.properties, physical_id=resource.physical_id)
        self.status = "UPDATE_ROLLBACK_COMPLETE"
        return self.status

    def _delete_all(self, logical_ids: Any) -> bool:
        ok = True
        for logical_id in list(logical_ids):
            resource = self.resources[logical_id]
            response = self._send(
                "Delete", logical_id, resource.resource_type, resource.properties, physical_id=resource.physical_id
            )
            if response.status == "SUCCESS":
                del self.resources[logical_id]
            else:
                ok = False
        return ok

    def delete(self) -> str:
        self.status = "DELETE_IN_PROGRESS"
        ok = self._delete_all(reversed(list(self.resources)))
        self.status = "DELETE_COMPLETE" if ok else "DELETE_FAILED"
        return self.status

    def requests_while(self, status: str) -> list[tuple[str, str]]:
        """``(logical id, request type)`` of the requests sent while the stack was in ``status``."""
        return [(entry[0], entry[1]) for entry, seen in zip(self.log, self.log_stack_status, strict=True) if seen == status]

    def failures(self) -> list[tuple[str, str, str]]:
        """``(logical id, request type, reason)`` of every failed request."""
        return [(logical_id, kind, reason) for logical_id, kind, status, reason in self.log if status != "SUCCESS"]
