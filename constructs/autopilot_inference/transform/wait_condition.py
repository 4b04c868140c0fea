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
from typing import Any

import jsii
from aws_cdk import (
    CfnResource,
    CfnWaitCondition,
    CfnWaitConditionHandle,
    IStableStringProducer,
    Lazy,
    Stack,
    Token,
)
from constructs import Construct

from .._lambda.autopilot_runtime import contract
from .._lambda.autopilot_runtime.naming import wait_condition_key

# The job's own wait properties (its WaitHandle is this construct's handle) are no part of the key.
_JOB_KEPT = (contract.SERVICE_TOKEN, contract.TAGS, *contract.TRANSFORM_WAIT_PROPERTIES)


@jsii.implements(IStableStringProducer)
class _Producer:
    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self) -> str:
        return self._produce()


class JobWait(Construct):
    """The handle and wait condition of one waited job, named after ``naming.wait_condition_key`` at synthesis.

    Create it before the job's resource (whose ``WaitHandle`` property is :attr:`handle_logical_id`), then
    :meth:`follow` that resource. Few jsii round trips: the names are rendered once, in one ``resolve``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        job_properties: Mapping[str, Any],
        model_properties: Callable[[], Mapping[str, Any]],
        timeout_seconds: Any,
    ) -> None:
        super().__init__(scope, id)
        self._job_resource: CfnResource | None = None
        self.handle = CfnWaitConditionHandle(self, "Handle")
        timeout = str(timeout_seconds) if isinstance(timeout_seconds, int) else Token.as_string(timeout_seconds)
        self.condition = CfnWaitCondition(self, "Condition", handle=self.handle.ref, timeout=timeout, count=1)
        computed: list[tuple[str, str]] = []

        def names() -> tuple[str, str]:
            # Rendered once, at synthesis: the model may still change after this construct (an endpoint).
            if not computed:
                assert self._job_resource is not None, "JobWait.follow(job resource) was not called"
                job = {name: value for name, value in job_properties.items() if name not in _JOB_KEPT}
                base, job, model, timeout = Stack.of(self).resolve(
                    [self._job_resource.logical_id, job, dict(model_properties()), timeout_seconds]
                )
                key = wait_condition_key(job, model, timeout)
                computed.append((f"{base}Handle{key}", f"{base}Wait{key}"))
            return computed[0]

        self.handle.override_logical_id(Lazy.string(_Producer(lambda: names()[0])))
        self.condition.override_logical_id(Lazy.string(_Producer(lambda: names()[1])))
        self.handle_logical_id: str = self.handle.logical_id
        """The handle's logical id (a token rendered at synthesis): the job resource's ``WaitHandle``."""

    def follow(self, job_resource: CfnResource) -> None:
        """Order: the handle, then the job's resource (it tags the job with the handle's id), then the condition
        (its Timeout counts from the job's start)."""
        self._job_resource = job_resource
        job_resource.node.add_dependency(self.handle)
        self.condition.node.add_dependency(job_resource)
