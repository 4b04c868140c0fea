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

Several stacks of one account and region share a :class:`Region`: each stack's ``outputs``
(``{name: (value, export name or None)}``, values may hold markers) are evaluated when its
create or update completes; :class:`ImportValue` reads an export and records the importer,
:class:`StackOutput` (``Fn::GetStackOutput``) reads a plain output with no coupling. The
export rule is enforced: an update that would change or remove an export another stack
imports fails (``Export <name> cannot be updated as it is in use by <stack>``) and rolls back;
a stack whose exports are imported cannot be deleted. Resources of other types than
``Custom::*`` are held without requests (their physical id changes when their properties do),
so that what they name can be checked.
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


@dataclass(frozen=True)
class ImportValue:
    """``Fn::ImportValue``: an export of another stack of the region."""

    export_name: str


@dataclass(frozen=True)
class StackOutput:
    """``Fn::GetStackOutput``: a plain output of another stack, read when the request is sent."""

    stack_name: str
    output_name: str


@dataclass(frozen=True)
class Join:
    """``Fn::Join`` of parts that hold markers, joined when the request is sent."""

    separator: str
    parts: tuple[Any, ...]


Outputs = dict[str, tuple[Any, "str | None"]]
"""``{output name: (value, export name or None)}``."""


class Region:
    """The stacks of one account and region: their outputs and exports."""

    def __init__(self) -> None:
        self.stacks: dict[str, Stack] = {}

    def add(self, name: str, stack: Stack) -> Stack:
        self.stacks[name] = stack
        stack.name, stack.region = name, self
        return stack

    def exports(self) -> dict[str, tuple[str, Any]]:
        """``{export name: (stack name, value)}`` of every stack."""
        found: dict[str, tuple[str, Any]] = {}
        for name, stack in self.stacks.items():
            for value, export in stack.outputs.values():
                if export is not None:
                    found[export] = (name, value)
        return found

    def importers(self, export_name: str) -> list[str]:
        """The stacks whose current resources import ``export_name``."""
        return sorted(name for name, stack in self.stacks.items() if export_name in stack.imports)


@dataclass
class Resource:
    resource_type: str
    properties: dict[str, Any]
    physical_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    template_properties: Any = None
    """The properties as the template writes them (markers unresolved)."""


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
        self.name = stack_id
        self.region: Region | None = None
        self.outputs: dict[str, tuple[Any, str | None]] = {}
        """Evaluated outputs: ``{name: (value, export name or None)}``."""
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
        if isinstance(value, ImportValue):
            assert self.region is not None, "Fn::ImportValue needs a Region"
            exports = self.region.exports()
            if value.export_name not in exports:
                raise StackFailed(f"No export named {value.export_name} found")
            return exports[value.export_name][1]
        if isinstance(value, Join):
            return value.separator.join(str(self._resolve(part)) for part in value.parts)
        if isinstance(value, StackOutput):
            assert self.region is not None, "Fn::GetStackOutput needs a Region"
            return self.region.stacks[value.stack_name].outputs[value.output_name][0]
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
        elif not resource_type.startswith("Custom::"):
            # A resource CloudFormation manages itself: no request; new properties, new physical id.
            response = Response("SUCCESS", physical_id if request_type == "Delete" else f"{logical_id}-{uuid.uuid4().hex[:8]}")
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

    def _evaluate_outputs(self, outputs: Outputs | None) -> dict[str, tuple[Any, str | None]]:
        return {name: (self._resolve(value), export) for name, (value, export) in (outputs or {}).items()}

    def _export_conflicts(self, new_outputs: dict[str, tuple[Any, str | None]]) -> str | None:
        """CloudFormation's rule: an export another stack imports can be neither changed nor removed."""
        if self.region is None:
            return None
        new_exports = {export: value for value, export in new_outputs.values() if export is not None}
        for value, export in self.outputs.values():
            if export is None:
                continue
            users = [name for name in self.region.importers(export) if name != self.name]
            if users and (export not in new_exports or new_exports[export] != value):
                return f"Export {export} cannot be updated as it is in use by {', '.join(users)}"
        return None

    @property
    def imports(self) -> set[str]:
        """The exports the current resources import."""
        found: set[str] = set()
        for resource in self.resources.values():
            _collect_imports(resource.template_properties, found)
        return found

    def create(self, template: Template, outputs: Outputs | None = None) -> str:
        self.status = "CREATE_IN_PROGRESS"
        created: list[str] = []
        for logical_id, (resource_type, properties) in template.items():
            resolved = self._resolve(properties)
            response = self._send("Create", logical_id, resource_type, resolved)
            self.resources[logical_id] = Resource(resource_type, resolved, response.physical_id, response.data, properties)
            created.append(logical_id)
            if response.status != "SUCCESS":
                self.status = "ROLLBACK_IN_PROGRESS"
                ok = self._delete_all(reversed(created))
                self.status = "ROLLBACK_COMPLETE" if ok else "ROLLBACK_FAILED"
                return self.status
        self.outputs = self._evaluate_outputs(outputs)
        self.status = "CREATE_COMPLETE"
        return self.status

    def update(self, template: Template, *, fail_after: bool = False, outputs: Outputs | None = None) -> str:
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
                self.resources[logical_id] = Resource(resource_type, resolved, response.physical_id, response.data, properties)
                created.append(logical_id)
            elif resolved != current.properties:
                response = self._send(
                    "Update", logical_id, resource_type, resolved,
                    old_properties=current.properties, physical_id=current.physical_id,
                )
                updated.append(logical_id)
                if response.status != "SUCCESS":
                    # The rollback sends the failed properties as the old ones, and the old physical id.
                    self.resources[logical_id] = Resource(resource_type, resolved, current.physical_id, current.data, properties)
                else:
                    if response.physical_id != current.physical_id:
                        replaced.append((logical_id, copy.deepcopy(current)))
                    self.resources[logical_id] = Resource(
                        resource_type, resolved, response.physical_id, response.data, properties
                    )
            else:
                continue
            if response.status != "SUCCESS":
                failed = True
                break
        new_outputs = {} if failed else self._evaluate_outputs(outputs)
        conflict = None if failed else self._export_conflicts(new_outputs)
        if conflict is not None:
            self.log.append(("Outputs", "Update", "FAILED", conflict))
            failed = True
        if not failed and not fail_after:
            self.outputs = new_outputs
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
            self.resources[logical_id] = Resource(
                old.resource_type, old.properties, response.physical_id, response.data, old.template_properties
            )
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
        in_use = self._export_conflicts({})
        if in_use is not None:
            self.log.append(("Outputs", "Delete", "FAILED", in_use))
            return "DELETE_FAILED"
        self.status = "DELETE_IN_PROGRESS"
        ok = self._delete_all(reversed(list(self.resources)))
        self.status = "DELETE_COMPLETE" if ok else "DELETE_FAILED"
        if ok:
            self.outputs = {}
        return self.status

    def requests_while(self, status: str) -> list[tuple[str, str]]:
        """``(logical id, request type)`` of the requests sent while the stack was in ``status``."""
        return [(entry[0], entry[1]) for entry, seen in zip(self.log, self.log_stack_status, strict=True) if seen == status]

    def failures(self) -> list[tuple[str, str, str]]:
        """``(logical id, request type, reason)`` of every failed request."""
        return [(logical_id, kind, reason) for logical_id, kind, status, reason in self.log if status != "SUCCESS"]


def _collect_imports(value: Any, found: set[str]) -> None:
    if isinstance(value, ImportValue):
        found.add(value.export_name)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_imports(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_imports(item, found)
