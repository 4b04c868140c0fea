"""Deployment guardrails of an endpoint update: blue/green traffic shifting or rolling updates,
with automatic rollback on CloudWatch alarms (``DeploymentConfig`` of ``AWS::SageMaker::Endpoint``).

The limits are those of botocore's ``DeploymentConfig`` shape and its documentation: wait
times 0-3600 s, the maximum execution timeout 600-28800 s and longer than the waits, a canary
at most 50 % of the variant's instances, a linear step 10-50 %, a rolling batch 5-50 %, 1-10
rollback alarms. SageMaker refuses rolling updates on serverless endpoints (deployment guardrails
"Exclusions"); sizes in instances mean nothing there either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_sagemaker as sagemaker

from .._private.tokens import is_token
from ..checks import prop_types, validation
from ..checks.problems import Finding, error, findings

INSTANCE_COUNT = "INSTANCE_COUNT"
CAPACITY_PERCENT = "CAPACITY_PERCENT"
ALL_AT_ONCE = "ALL_AT_ONCE"
CANARY = "CANARY"
LINEAR = "LINEAR"

# DeploymentConfig wait intervals (WaitIntervalInSeconds, TerminationWaitInSeconds): at most an hour.
MAX_WAIT_INTERVAL_SECONDS = 3600
MIN_EXECUTION_TIMEOUT_SECONDS = 600
MAX_EXECUTION_TIMEOUT_SECONDS = 28800
MAX_ROLLBACK_ALARMS = 10
# Share of the variant's capacity: (minimum, maximum) percent.
CANARY_PERCENT = (1, 50)
LINEAR_PERCENT = (10, 50)
ROLLING_PERCENT = (5, 50)
ROLLBACK_PERCENT = (1, 100)


@dataclass(frozen=True)
class CapacitySize:
    """A share of the variant's capacity: a number of instances or a percentage.

    Use :meth:`instances` or :meth:`percent`.
    """

    type: str
    value: int

    @staticmethod
    def instances(count: int) -> CapacitySize:
        """``count`` instances (``INSTANCE_COUNT``)."""
        return CapacitySize(INSTANCE_COUNT, count)

    @staticmethod
    def percent(value: int) -> CapacitySize:
        """``value`` percent of the variant's capacity (``CAPACITY_PERCENT``)."""
        return CapacitySize(CAPACITY_PERCENT, value)

    def render(self) -> sagemaker.CfnEndpoint.CapacitySizeProperty:
        return sagemaker.CfnEndpoint.CapacitySizeProperty(type=self.type, value=self.value)


@dataclass(frozen=True)
class TrafficRouting:
    """How a blue/green update shifts traffic to the new fleet.

    Use :meth:`all_at_once`, :meth:`canary` or :meth:`linear`.
    """

    type: str
    wait: Duration | None = None
    size: CapacitySize | None = None

    @staticmethod
    def all_at_once(*, wait: Duration | None = None) -> TrafficRouting:
        """All traffic at once, then ``wait`` (default 0 s) before the final baking period."""
        return TrafficRouting(ALL_AT_ONCE, wait)

    @staticmethod
    def canary(*, size: CapacitySize, wait: Duration) -> TrafficRouting:
        """``size`` of the traffic first (at most 50 % of the instances), the rest after ``wait``."""
        return TrafficRouting(CANARY, wait, size)

    @staticmethod
    def linear(*, step: CapacitySize, wait: Duration) -> TrafficRouting:
        """Traffic in steps of ``step`` (10-50 % of the instances), ``wait`` between steps."""
        return TrafficRouting(LINEAR, wait, step)


prop_types.hint(CapacitySize, fix="Use CapacitySize.instances(n) or CapacitySize.percent(p).")
prop_types.hint(TrafficRouting, fix="Use TrafficRouting.all_at_once(), .canary(...) or .linear(...).")


@dataclass(frozen=True)
class BlueGreenUpdate:
    """Blue/green update: a new fleet, traffic shifted to it, the old fleet kept until the end.

    Args:
        traffic_routing: how traffic moves (:class:`TrafficRouting`). Default: all at once.
        termination_wait: baking period after all traffic moved, before the old fleet is
            terminated (0-3600 s); rollback alarms are watched meanwhile. Default: 0 s.
        maximum_execution_timeout: the whole deployment's limit (600-28800 s), longer than
            the waits. Default: SageMaker's.
    """

    traffic_routing: TrafficRouting | None = None
    termination_wait: Duration | None = None
    maximum_execution_timeout: Duration | None = None


@dataclass(frozen=True)
class RollingUpdate:
    """Rolling update: the fleet replaced in batches (not for serverless endpoints).

    Args:
        maximum_batch_size: instances replaced per step, 5-50 % of the variant's instances.
        wait: time between steps (0-3600 s).
        maximum_execution_timeout: the whole deployment's limit (600-28800 s), longer than
            ``wait``. Default: SageMaker's.
        rollback_maximum_batch_size: batch size of a rollback. Default: the whole old fleet at once.
    """

    maximum_batch_size: CapacitySize
    wait: Duration
    maximum_execution_timeout: Duration | None = None
    rollback_maximum_batch_size: CapacitySize | None = None


def _error(message: str) -> Finding:
    return error("deploymentConfig", message)


def _seconds(value: Duration | None, prop: str, found: list[Finding], *, minimum: int, maximum: int) -> Any:
    """``value`` in seconds; a refused value is reported in ``found`` and stands in as ``None``."""
    problem = validation.duration_seconds(value, prop, minimum=minimum, maximum=maximum)
    if problem is not None:
        found.append(problem)
        return None
    return validation.seconds(value)


def check_size(
    size: Any,
    prop: str,
    *,
    percent: tuple[int, int],
    instance_count: Any,
    serverless: bool,
) -> list[Finding]:
    """A :class:`CapacitySize` within ``percent`` of the variant's capacity.

    ``instance_count``: the smallest number of instances the variant may have at deploy time
    (``None`` when unknown: a token, or serverless).
    """
    low, high = percent
    if size.type == CAPACITY_PERCENT:
        return findings(validation.integer(size.value, prop, minimum=low, maximum=high))
    if size.type != INSTANCE_COUNT:
        return [_error(f"{prop} has type {size.type!r}; use CapacitySize.instances(n) or CapacitySize.percent(p).")]
    if serverless:
        return [_error(f"{prop} counts instances, and a serverless endpoint has none: use CapacitySize.percent(p).")]
    problem = validation.integer(size.value, prop, minimum=1)
    if problem is not None:
        return [problem]
    if instance_count is None or is_token(instance_count) or is_token(size.value):
        return []
    if size.value * 100 > instance_count * high or size.value * 100 < instance_count * low:
        return [
            _error(
                f"{prop} is {size.value} instance(s); SageMaker needs {low}-{high} % of the variant's "
                f"{instance_count} instance(s). Use more instances, a smaller size, or CapacitySize.percent(p)."
            )
        ]
    return []


def check_alarms(count: int, *, guarded: bool) -> list[Finding]:
    """Rollback alarms need a deployment policy, and SageMaker takes at most 10."""
    found = []
    if count and not guarded:
        found.append(
            _error(
                "rollback_alarms and add_rollback_alarm roll a deployment back: set blue_green or rolling_update "
                "(endpoint_alarms without either are plain alarms)."
            )
        )
    if count > MAX_ROLLBACK_ALARMS:
        found.append(_error(f"{count} rollback alarms; SageMaker accepts at most {MAX_ROLLBACK_ALARMS} (rollback_alarms)."))
    return found


def render(
    *,
    blue_green: BlueGreenUpdate | None,
    rolling_update: RollingUpdate | None,
    instance_count: Any,
    serverless: bool,
    auto_rollback: Any = None,
) -> tuple[sagemaker.CfnEndpoint.DeploymentConfigProperty | None, list[Finding]]:
    """The endpoint's ``DeploymentConfig`` and every problem of it: what SageMaker refuses, naming the prop.

    ``auto_rollback``: the ``AutoRollbackConfiguration`` value (may be a lazy token). With
    problems, the configuration is ``None`` (the synthesis fails on them).
    """
    found: list[Finding] = []
    blue_green_policy = rolling_policy = None
    if blue_green is not None and rolling_update is not None:
        found.append(_error("blue_green and rolling_update exclude each other: an update is either blue/green or rolling."))
    if blue_green is not None:
        blue_green_policy = _blue_green(blue_green, instance_count, serverless, found)
    if rolling_update is not None:
        if serverless:
            found.append(
                _error(
                    "rolling_update is not available for serverless endpoints (SageMaker's deployment guardrails "
                    "exclusions): use blue_green, or serve on instances."
                )
            )
        rolling_policy = _rolling(rolling_update, instance_count, found)
    if found or (blue_green_policy is None and rolling_policy is None):
        return None, found
    return (
        sagemaker.CfnEndpoint.DeploymentConfigProperty(
            blue_green_update_policy=blue_green_policy,
            rolling_update_policy=rolling_policy,
            auto_rollback_configuration=auto_rollback,
        ),
        found,
    )


def check_sizes(
    *, blue_green: BlueGreenUpdate | None, rolling_update: RollingUpdate | None, instance_count: int
) -> list[Finding]:
    """Instance-count sizes checked again for a smaller fleet (autoscaling's ``min_capacity``)."""
    _, found = render(blue_green=blue_green, rolling_update=rolling_update, instance_count=instance_count, serverless=False)
    return found


def _check_timeout(timeout: Any, waits: Sequence[Any], prop: str) -> Finding | None:
    if timeout is None or is_token(timeout) or any(is_token(wait) for wait in waits):
        return None
    total = sum(wait or 0 for wait in waits)
    if timeout <= total:
        return _error(f"{prop} ({timeout} s) must be longer than the waits it covers ({total} s).")
    return None


def _blue_green(
    update: BlueGreenUpdate, instance_count: Any, serverless: bool, found: list[Finding]
) -> sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty | None:
    """The blue/green policy (``None`` with problems); every problem is added to ``found``."""
    known = len(found)
    routing = update.traffic_routing if update.traffic_routing is not None else TrafficRouting.all_at_once()
    if routing.type not in (ALL_AT_ONCE, CANARY, LINEAR):
        found.append(
            _error(
                "blue_green.traffic_routing must be TrafficRouting.all_at_once(), .canary(...) or .linear(...); "
                f"got {routing!r}."
            )
        )
        routing = TrafficRouting.all_at_once()  # a stand-in: the waits and timeout are still checked
    wait = _seconds(routing.wait, "blue_green.traffic_routing.wait", found, minimum=0, maximum=MAX_WAIT_INTERVAL_SECONDS)
    wait_ok = wait is not None or routing.wait is None
    canary_size = linear_step = None
    if routing.type == CANARY:
        found.extend(
            check_size(
                routing.size, "blue_green.traffic_routing.size", percent=CANARY_PERCENT,
                instance_count=instance_count, serverless=serverless,
            )
        )
        canary_size = routing.size
    elif routing.type == LINEAR:
        found.extend(
            check_size(
                routing.size, "blue_green.traffic_routing.step", percent=LINEAR_PERCENT,
                instance_count=instance_count, serverless=serverless,
            )
        )
        linear_step = routing.size
    termination = _seconds(update.termination_wait, "blue_green.termination_wait", found, minimum=0, maximum=MAX_WAIT_INTERVAL_SECONDS)
    termination_ok = termination is not None or update.termination_wait is None
    timeout = _seconds(
        update.maximum_execution_timeout,
        "blue_green.maximum_execution_timeout",
        found,
        minimum=MIN_EXECUTION_TIMEOUT_SECONDS,
        maximum=MAX_EXECUTION_TIMEOUT_SECONDS,
    )
    if wait_ok and termination_ok:  # compared with the waits only when these are valid
        found.extend(findings(_check_timeout(timeout, [wait, termination], "blue_green.maximum_execution_timeout")))
    if len(found) > known:
        return None
    return sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty(
        traffic_routing_configuration=sagemaker.CfnEndpoint.TrafficRoutingConfigProperty(
            type=routing.type,
            wait_interval_in_seconds=0 if wait is None else wait,
            canary_size=canary_size.render() if canary_size is not None else None,
            linear_step_size=linear_step.render() if linear_step is not None else None,
        ),
        termination_wait_in_seconds=termination,
        maximum_execution_timeout_in_seconds=timeout,
    )


def _rolling(
    update: RollingUpdate, instance_count: Any, found: list[Finding]
) -> sagemaker.CfnEndpoint.RollingUpdatePolicyProperty | None:
    """The rolling policy (``None`` with problems); every problem is added to ``found``."""
    known = len(found)
    found.extend(
        check_size(
            update.maximum_batch_size, "rolling_update.maximum_batch_size", percent=ROLLING_PERCENT,
            instance_count=instance_count, serverless=False,
        )
    )
    if update.wait is None:
        found.append(_error("rolling_update.wait is required: the time between steps, e.g. Duration.minutes(5)."))
    wait = _seconds(update.wait, "rolling_update.wait", found, minimum=0, maximum=MAX_WAIT_INTERVAL_SECONDS)
    timeout = _seconds(
        update.maximum_execution_timeout,
        "rolling_update.maximum_execution_timeout",
        found,
        minimum=MIN_EXECUTION_TIMEOUT_SECONDS,
        maximum=MAX_EXECUTION_TIMEOUT_SECONDS,
    )
    if wait is not None:  # compared with the wait only when it is valid
        found.extend(findings(_check_timeout(timeout, [wait], "rolling_update.maximum_execution_timeout")))
    rollback = update.rollback_maximum_batch_size
    if rollback is not None:
        # Any share of the old fleet, up to all of it at once (the default).
        found.extend(
            check_size(
                rollback, "rolling_update.rollback_maximum_batch_size", percent=ROLLBACK_PERCENT,
                instance_count=None, serverless=False,
            )
        )
    if len(found) > known:
        return None
    return sagemaker.CfnEndpoint.RollingUpdatePolicyProperty(
        maximum_batch_size=update.maximum_batch_size.render(),
        wait_interval_in_seconds=wait,
        maximum_execution_timeout_in_seconds=timeout,
        rollback_maximum_batch_size=rollback.render() if rollback is not None else None,
    )
