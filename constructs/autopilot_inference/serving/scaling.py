"""``ScalableInstanceCount``: Application Auto Scaling of an endpoint variant's instance count.

The shape of ``aws-sagemaker-alpha``'s ``ScalableInstanceCount``: a
``BaseScalableAttribute`` in namespace ``sagemaker`` with resource id
``endpoint/<name>/variant/<variant>`` and dimension ``sagemaker:variant:DesiredInstanceCount``,
scaled by the service-linked role Application Auto Scaling creates for SageMaker endpoints.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from constructs import Construct

from .._private.signatures import public_construct
from ..checks.problems import Problems

SCALABLE_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
SERVICE_LINKED_ROLE = "role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com"
SERVICE_LINKED_ROLE_NAME = "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
SECONDS_PER_MINUTE = 60
# Burstable instances (ml.t2, ml.t3...) cannot be scaled automatically (SageMaker documentation).
BURSTABLE_PREFIX = "ml.t"


def resource_id(endpoint_name: str, variant_name: str) -> str:
    """The scalable target's resource id."""
    return f"endpoint/{endpoint_name}/variant/{variant_name}"


def scaling_role(scope: Construct) -> iam.IRole:
    """The service-linked role Application Auto Scaling uses for SageMaker endpoints."""
    arn = Stack.of(scope).format_arn(
        service="iam", region="", resource=SERVICE_LINKED_ROLE, resource_name=SERVICE_LINKED_ROLE_NAME
    )
    return iam.Role.from_role_arn(scope, "ScalingRole", arn)


@public_construct
class ScalableInstanceCount(appscaling.BaseScalableAttribute):
    """The instance count of an endpoint variant, scaled by Application Auto Scaling.

    Made by :meth:`AutopilotEndpoint.auto_scale_instance_count`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        endpoint_name: str,
        variant_name: str,
        min_capacity: int,
        max_capacity: int,
        role: iam.IRole,
    ) -> None:
        super().__init__(
            scope,
            id,
            service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            resource_id=resource_id(endpoint_name, variant_name),
            dimension=SCALABLE_DIMENSION,
            role=role,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
        )

    def scale_on_invocations(
        self,
        id: str,
        *,
        max_requests_per_second: float,
        safety_factor: float = 0.5,
        disable_scale_in: bool | None = None,
        policy_name: str | None = None,
        scale_in_cooldown: Duration | None = None,
        scale_out_cooldown: Duration | None = None,
    ) -> None:
        """Track ``SageMakerVariantInvocationsPerInstance`` (invocations per instance and minute).

        The target is ``safety_factor * max_requests_per_second * 60``, as in SageMaker's load
        testing guide: ``max_requests_per_second`` is what one instance sustains, and
        ``safety_factor`` (more than 0, at most 1) keeps a margin.
        """
        problems = Problems(self)
        if isinstance(max_requests_per_second, bool) or not isinstance(max_requests_per_second, (int, float)):
            problems.add(f"max_requests_per_second must be a number; got {max_requests_per_second!r}.")
        elif max_requests_per_second <= 0:
            problems.add(
                f"max_requests_per_second must be more than 0; got {max_requests_per_second}."
            )
        if isinstance(safety_factor, bool) or not isinstance(safety_factor, (int, float)) or not 0 < safety_factor <= 1:
            problems.add(f"safety_factor must be more than 0 and at most 1; got {safety_factor!r}.")
        if problems:
            return
        self._do_scale_to_track_metric(
            id,
            target_value=safety_factor * max_requests_per_second * SECONDS_PER_MINUTE,
            predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
            disable_scale_in=disable_scale_in,
            policy_name=policy_name,
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
        )

    def scale_on_schedule(
        self,
        id: str,
        *,
        schedule: appscaling.Schedule,
        min_capacity: int | None = None,
        max_capacity: int | None = None,
        start_time: Any = None,
        end_time: Any = None,
        time_zone: Any = None,
    ) -> None:
        """Change the capacity bounds on a schedule (``appscaling.Schedule.cron(...)``)."""
        if min_capacity is None and max_capacity is None:
            Problems(self).add(
                f"scale_on_schedule({id!r}) needs min_capacity or max_capacity: the bounds to set at that time."
            )
            return
        self._do_scale_on_schedule(
            id,
            schedule=schedule,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            start_time=start_time,
            end_time=end_time,
            time_zone=time_zone,
        )

    def scale_on_metric(
        self,
        id: str,
        *,
        metric: cloudwatch.IMetric,
        scaling_steps: Sequence[appscaling.ScalingInterval],
        adjustment_type: appscaling.AdjustmentType | None = None,
        cooldown: Duration | None = None,
        evaluation_periods: int | None = None,
        datapoints_to_alarm: int | None = None,
        metric_aggregation_type: appscaling.MetricAggregationType | None = None,
        min_adjustment_magnitude: int | None = None,
    ) -> None:
        """Step scaling on any metric, e.g. ``endpoint.metric_cpu_utilization()``."""
        self._do_scale_on_metric(
            id,
            metric=metric,
            scaling_steps=list(scaling_steps),
            adjustment_type=adjustment_type,
            cooldown=cooldown,
            evaluation_periods=evaluation_periods,
            datapoints_to_alarm=datapoints_to_alarm,
            metric_aggregation_type=metric_aggregation_type,
            min_adjustment_magnitude=min_adjustment_magnitude,
        )
