"""The wait condition that waits for a deploy-time transform job, and the logical ids that make it new.

CloudFormation never updates an ``AWS::CloudFormation::WaitCondition`` (nor its handle): only a
condition under a new logical id waits again, with a new handle. A job runs again whenever its
configuration changes, which includes its model's name, known only at deploy time (``Fn::GetAtt``)
but a function of the model's own properties. So the condition and its handle are named, at
synthesis, after a hash of what makes the job run again as the template shows it: the job's
properties (tags and wait properties aside), its model's properties (tags and ``DataVersion`` aside)
and the wait's timeout (:func:`~autopilot_runtime.naming.wait_condition_key`). A change the template does not show (a replaced role, a parameter, an
imported value) is caught at deploy time: the handler refuses to start a job its unchanged wait
condition could not wait for.

Order: handle -> ``Custom::AutopilotTransformJob`` (starts the job, tags it with the handle's logical
id) -> wait condition (its timeout counts from the job's start). The handle's pre-signed URL is
never a property of anything: the handler reads it from CloudFormation only to signal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

import jsii
from aws_cdk import (
    CfnResource,
    CfnWaitCondition,
    CfnWaitConditionHandle,
    CustomResource,
    IStringProducer,
    Lazy,
    Stack,
    Token,
)
from constructs import Construct

from ._lambda.autopilot_runtime import contract
from ._lambda.autopilot_runtime.naming import wait_condition_key

# The job's own wait properties (its WaitHandle is this construct's handle) are no part of the key.
_JOB_KEPT = (contract.SERVICE_TOKEN, contract.TAGS, *contract.TRANSFORM_WAIT_PROPERTIES)


@jsii.implements(IStringProducer)
class _Producer:
    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self, context: Any) -> str:  # noqa: ARG002 - jsii interface
        return self._produce()


class JobWait(Construct):
    """The handle and wait condition of one waited job, named after :func:`wait_key` at synthesis."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        resource: CustomResource,
        job_properties: Mapping[str, Any],
        model_properties: Callable[[], Mapping[str, Any]],
        timeout_seconds: Any,
    ) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        job_resource = cast(CfnResource, resource.node.default_child)
        self.handle = CfnWaitConditionHandle(self, "Handle")
        timeout = Token.as_string(timeout_seconds) if Token.is_unresolved(timeout_seconds) else str(timeout_seconds)
        self.condition = CfnWaitCondition(self, "Condition", handle=self.handle.ref, timeout=timeout, count=1)

        base = stack.get_logical_id(job_resource)
        computed: list[str] = []

        def key() -> str:
            # Rendered once, at synthesis: the model may still change after this construct (an endpoint).
            if not computed:
                job = {name: value for name, value in job_properties.items() if name not in _JOB_KEPT}
                model = dict(model_properties())
                key = wait_condition_key(stack.resolve(job), stack.resolve(model), stack.resolve(timeout_seconds))
                computed.append(f"{stack.resolve(base)}|{key}")
            return computed[0]

        self.handle.override_logical_id(Lazy.uncached_string(_Producer(lambda: "Handle".join(key().split("|")))))
        self.condition.override_logical_id(Lazy.uncached_string(_Producer(lambda: "Wait".join(key().split("|")))))
        # The job starts after the handle exists (the handler tags it with the handle's logical id); the
        # condition is created once the job started, so its Timeout counts from there.
        job_resource.node.add_dependency(self.handle)
        self.condition.node.add_dependency(job_resource)

    @property
    def handle_logical_id(self) -> str:
        """The handle's logical id (a token rendered at synthesis): the job resource's ``WaitHandle``."""
        return self.handle.logical_id
