"""``EndpointAlarms``: ready CloudWatch alarms on the fleet of the endpoint's current configuration.

Each alarm watches one of SageMaker's published variant metrics with the dimensions
``EndpointName``, ``VariantName`` and ``EndpointConfigName``: SageMaker publishes metrics with
the new configuration's name once the new fleet takes traffic, so during a blue/green or rolling
update the alarms watch the new fleet only, as in SageMaker's "Auto-Rollback Configuration and
Monitoring" examples. With ``blue_green`` or ``rolling_update`` they roll the deployment back.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from .._private.tokens import is_token
from ..checks import validation
from ..checks.problems import Finding, error, findings
from . import metrics

MICROSECONDS_PER_MILLISECOND = 1000


@dataclass(frozen=True)
class EndpointAlarms:
    """Alarms on the serving fleet's errors and latency; ``None`` leaves one out.

    Args:
        max_5xx_error_rate: alarm when the share of requests answered with a 5xx error
            (average of ``Invocation5XXErrors``) exceeds this, 0-1 (below 1: a share, not a
            percentage). Default: 0.01 (1 %).
        max_4xx_error_rate: the same for 4xx errors (``Invocation4XXErrors``). Default: no alarm.
        max_model_latency: alarm when the average ``ModelLatency`` exceeds this.
            Default: no alarm.
        period: the period each datapoint covers (a multiple of 60 s). Default: 1 minute.
        evaluation_periods: consecutive breaching periods that raise the alarm. Default: 3.
    """

    max_5xx_error_rate: float | None = 0.01
    max_4xx_error_rate: float | None = None
    max_model_latency: Duration | None = None
    period: Duration | None = None
    evaluation_periods: int = 3


def _rate(value: object, prop: str) -> Finding | None:
    if value is None or is_token(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        return _error(f"{prop} must be a share of requests between 0 and 1 (0.01 is 1 %); got {value!r}.")
    if value == 1:
        # The alarm is "average above the threshold": above 1 (every request failing) never happens.
        return _error(
            f"{prop} is a share of requests, so {value!r} is 100 %: the alarm would fire only when more than every "
            "request fails, that is never. For 1 %, give 0.01."
        )
    return None


def _error(message: str) -> Finding:
    return error("endpointAlarms", message)


def check(alarms: EndpointAlarms, prop: str = "endpoint_alarms") -> list[Finding]:
    """Every problem of ``alarms``'s values, each naming ``prop.<field>`` (the types are checked from the annotations)."""
    found = [
        _rate(alarms.max_5xx_error_rate, f"{prop}.max_5xx_error_rate"),
        _rate(alarms.max_4xx_error_rate, f"{prop}.max_4xx_error_rate"),
    ]
    found.append(validation.duration_seconds(alarms.period, f"{prop}.period", minimum=60, maximum=86400))
    found.append(validation.integer(alarms.evaluation_periods, f"{prop}.evaluation_periods", minimum=1))
    if (alarms.max_5xx_error_rate, alarms.max_4xx_error_rate, alarms.max_model_latency) == (None, None, None):
        found.append(
            _error(
                f"{prop} sets no alarm: give max_5xx_error_rate, max_4xx_error_rate or max_model_latency, "
                f"or remove {prop}."
            )
        )
    return findings(found)


def count(alarms: EndpointAlarms) -> int:
    """How many alarms ``alarms`` asks for."""
    return sum(
        value is not None for value in (alarms.max_5xx_error_rate, alarms.max_4xx_error_rate, alarms.max_model_latency)
    )


def create(
    scope: Construct,
    alarms: EndpointAlarms,
    *,
    endpoint_name: str,
    variant_name: str,
    endpoint_config_name: str,
) -> list[cloudwatch.Alarm]:
    """The alarms ``alarms`` asks for, as children of ``scope``."""
    period = alarms.period or Duration.minutes(1)
    wanted: list[tuple[str, str, float, str]] = []
    if alarms.max_5xx_error_rate is not None:
        wanted.append(
            ("Invocation5XXErrorsAlarm", metrics.INVOCATION_5XX_ERRORS, alarms.max_5xx_error_rate, "5xx error rate")
        )
    if alarms.max_4xx_error_rate is not None:
        wanted.append(
            ("Invocation4XXErrorsAlarm", metrics.INVOCATION_4XX_ERRORS, alarms.max_4xx_error_rate, "4xx error rate")
        )
    if alarms.max_model_latency is not None:
        threshold = alarms.max_model_latency.to_milliseconds() * MICROSECONDS_PER_MILLISECOND
        wanted.append(("ModelLatencyAlarm", metrics.MODEL_LATENCY, threshold, "model latency (microseconds)"))
    created = []
    for construct_id, metric_name, threshold, what in wanted:
        metric = metrics.variant_metric(
            metrics.INVOCATION_NAMESPACE,
            metric_name,
            endpoint_name=endpoint_name,
            variant_name=variant_name,
            endpoint_config_name=endpoint_config_name,
            statistic=metrics.AVERAGE,
            period=period,
        )
        created.append(
            cloudwatch.Alarm(
                scope,
                construct_id,
                metric=metric,
                threshold=threshold,
                evaluation_periods=alarms.evaluation_periods,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=f"Average {what} of the endpoint's current fleet is above {threshold}.",
            )
        )
    return created
