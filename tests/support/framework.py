"""The aws-cdk-lib provider framework's contract (``custom-resources/lib/provider-framework``).

A faithful copy of what ``framework.ts`` / ``cfn-response.ts`` do with the user function when the
provider has no ``isComplete`` (the library's provider since waited jobs are waited for by wait
conditions), written from the facts the project keeps about it:

- ``onEvent`` answers a ``Delete`` of the ``CREATE_FAILED`` marker itself, without the handler;
- the handler gets the event (``invokeUserFunction`` puts the real ``ResponseURL`` back into
  the payload); an error (or a killed invocation) fails the resource, a failed ``Create``
  with the ``CREATE_FAILED`` marker as physical id; the reason is the JavaScript error's
  ``stack``: ``Error: <errorMessage>\n\nLogs: /aws/lambda/<function>\n`` and its frames;
- the answer is merged into the event (answer keys prevail, the physical id defaulting
  to the request id on Create) and sent to CloudFormation at once (no waiter);
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
    """``__call__(event)`` plays one CloudFormation request through on_event."""

    def __init__(self, aws: FakeAws, *, handler_timeout: int = 300) -> None:
        self.aws = aws
        self.clock = aws.clock
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
            result = handle(payload, context, clients=self.aws.clients())
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
        except _Failed as failure:
            return self._fail(request, str(failure))
        return self._respond("SUCCESS", {**request, **answer, "PhysicalResourceId": physical_id})

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
