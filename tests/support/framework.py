"""The aws-cdk-lib provider framework's contract (``custom-resources/lib/provider-framework``).

A faithful copy of what ``framework.ts`` / ``cfn-response.ts`` / the waiter state machine do
with the user function, written from the facts the project keeps about it:

- ``onEvent`` answers a ``Delete`` of the ``CREATE_FAILED`` marker itself, without the handler;
- the handler gets the event (``invokeUserFunction`` puts the real ``ResponseURL`` back into
  the payload); an error (or a killed invocation) fails the resource, a failed ``Create``
  with the ``CREATE_FAILED`` marker as physical id; the reason is the JavaScript error's
  ``stack``: ``Error: <errorMessage>\n\nLogs: /aws/lambda/<function>\n`` and its frames;
- the answer is merged into the event (answer keys prevail, the physical id defaulting
  to the request id on Create) and started as the waiter's input, which
  ``StartExecution`` refuses above 256 KiB (after the handler acted);
- ``isComplete`` is called at once and then every ``query_interval`` for
  ``total_timeout / query_interval`` attempts, with the merged event;
  ``IsComplete: false`` retries, ``Data`` then is an error, an exception fails the resource
  at once with the merged event's physical id; ``Data`` of the final answer is merged into
  ``on_event``'s; running out of attempts fails with "Operation timed out";
- the response to CloudFormation is refused above 4096 bytes ("Response object is too long").
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock
from .fake_aws import FakeAws, LambdaKilled

CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
MAX_WAITER_INPUT_BYTES = 256 * 1024
MAX_RESPONSE_BYTES = 4096
HANDLER_FUNCTION = "ChurnStack-AutopilotInferenceProviderHandler-AbC123dEf456"
# V8 keeps 10 frames; these are as long as the framework's real ones.
JS_STACK = "".join(
    f"\n    at {name} (/var/task/framework.js:{line}:{column})"
    for name, line, column in [
        ("invokeUserFunction", 121, 17), ("process.processTicksAndRejections", 95, 5), ("async onEvent", 37, 25),
        ("async Runtime.handler", 63, 7), ("async Runtime.handleOnceNonStreaming", 1173, 29),
    ]
    * 2
)


@dataclass
class Response:
    """What the framework sent to the ``ResponseURL``."""

    status: str
    physical_id: str
    reason: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    body_bytes: int = 0


class FakeContext:
    """The Lambda context's ``get_remaining_time_in_millis``, on the fake clock."""

    def __init__(self, clock: Clock, timeout_seconds: float) -> None:
        self._clock = clock
        self._deadline = clock.now.timestamp() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - self._clock.now.timestamp()) * 1000)


class ProviderFramework:
    """``__call__(event)`` plays one CloudFormation request through on_event and the waiter."""

    def __init__(
        self,
        aws: FakeAws,
        *,
        query_interval: int = 60,
        total_timeout: int = 3600,
        handler_timeout: int = 300,
    ) -> None:
        self.aws = aws
        self.clock = aws.clock
        self.query_interval = query_interval
        self.total_timeout = total_timeout
        self.handler_timeout = handler_timeout
        self.invocations: list[tuple[str, str]] = []
        """``(phase, RequestType)`` of each handler invocation."""
        self.lost_answers = 0
        """The next ``lost_answers`` on_event answers are lost in transit: the Lambda invoke is retried."""

    def _invoke(self, event: dict[str, Any], phase: str) -> dict[str, Any]:
        from autopilot_inference._lambda.autopilot_runtime.handler import handle

        self.invocations.append((phase, str(event.get("RequestType"))))
        payload = copy.deepcopy(event)
        context = FakeContext(self.clock, self.handler_timeout)
        try:
            result = handle(payload, context, clients=self.aws.clients(), now=self.clock.now)
        except LambdaKilled:
            raise _Failed(f"Task timed out after {self.handler_timeout:.2f} seconds") from None
        except Exception as error:  # the Lambda runtime reports str(error) as errorMessage
            raise _Failed(f"Error: {error}\n\nLogs: /aws/lambda/{HANDLER_FUNCTION}\n{JS_STACK}") from error
        return json.loads(json.dumps(result))

    def __call__(self, request: dict[str, Any]) -> Response:
        if request["RequestType"] == "Delete" and request.get("PhysicalResourceId") == CREATE_FAILED_MARKER:
            return self._respond("SUCCESS", request)
        try:
            answer = self._invoke(request, "onEvent")
            while self.lost_answers:
                self.lost_answers -= 1
                answer = self._invoke(request, "onEvent")
            physical_id = answer.get("PhysicalResourceId") or (
                request["RequestId"] if request["RequestType"] == "Create" else request["PhysicalResourceId"]
            )
            if request["RequestType"] == "Delete" and physical_id != request["PhysicalResourceId"]:
                raise _Failed("DELETE: cannot change the physical resource ID")
            waiter_input = {**request, **answer, "PhysicalResourceId": physical_id}
            size = len(json.dumps(waiter_input).encode("utf-8"))
            if size > MAX_WAITER_INPUT_BYTES:
                raise _Failed(
                    "1 validation error detected: Value at 'input' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {MAX_WAITER_INPUT_BYTES} ({size})"
                )
        except _Failed as failure:
            return self._fail(request, str(failure))
        return self._wait(waiter_input)

    def _wait(self, event: dict[str, Any]) -> Response:
        attempts = self.total_timeout // self.query_interval
        for attempt in range(attempts + 1):
            if attempt:
                self.clock.advance(self.query_interval)
            try:
                result = self._invoke(event, "isComplete")
            except _Failed as failure:
                return self._fail(event, str(failure))
            if result.get("IsComplete"):
                final = {**event, **result, "Data": {**(event.get("Data") or {}), **(result.get("Data") or {})}}
                return self._respond("SUCCESS", final)
            if result.get("Data"):
                return self._fail(event, '"Data" is not allowed if "IsComplete" is "False"')
        return self._fail(event, f"Operation timed out: {json.dumps(event)[:200]}")

    def _fail(self, event: dict[str, Any], reason: str) -> Response:
        event = dict(event)
        if not event.get("PhysicalResourceId") and event["RequestType"] == "Create":
            event["PhysicalResourceId"] = CREATE_FAILED_MARKER
        return self._respond("FAILED", event, reason)

    def _respond(self, status: str, event: dict[str, Any], reason: str = "") -> Response:
        body = {
            "Status": status,
            "Reason": reason or status,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "PhysicalResourceId": event.get("PhysicalResourceId") or "AWSCDK::CustomResourceProviderFramework::MISSING_PHYSICAL_ID",
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": event.get("Data") or {},
        }
        size = len(json.dumps(body).encode("utf-8"))
        if size > MAX_RESPONSE_BYTES:
            # CloudFormation refuses the response and shows only this.
            return Response("FAILED", body["PhysicalResourceId"], "Response object is too long.", {}, size)
        return Response(status, body["PhysicalResourceId"], body["Reason"], dict(body["Data"]), size)


class _Failed(Exception):
    pass
