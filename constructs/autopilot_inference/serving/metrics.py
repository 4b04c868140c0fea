"""CloudWatch metrics of a SageMaker endpoint variant: names, namespaces, dimensions, statistics.

The names are SageMaker's published metric names ("Metrics for monitoring Amazon SageMaker AI
with Amazon CloudWatch"): invocation metrics in ``AWS/SageMaker``, instance utilization in
``/aws/sagemaker/Endpoints``, both with the dimensions ``EndpointName`` and ``VariantName``.
A fleet that serves one endpoint configuration is told apart with ``EndpointConfigName``.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_cloudwatch as cloudwatch

INVOCATION_NAMESPACE = "AWS/SageMaker"
INSTANCE_NAMESPACE = "/aws/sagemaker/Endpoints"

ENDPOINT_NAME_DIMENSION = "EndpointName"
VARIANT_NAME_DIMENSION = "VariantName"
ENDPOINT_CONFIG_NAME_DIMENSION = "EndpointConfigName"

INVOCATIONS = "Invocations"
INVOCATIONS_PER_INSTANCE = "InvocationsPerInstance"
INVOCATION_4XX_ERRORS = "Invocation4XXErrors"
INVOCATION_5XX_ERRORS = "Invocation5XXErrors"
MODEL_LATENCY = "ModelLatency"  # microseconds
OVERHEAD_LATENCY = "OverheadLatency"  # microseconds
CPU_UTILIZATION = "CPUUtilization"
MEMORY_UTILIZATION = "MemoryUtilization"
DISK_UTILIZATION = "DiskUtilization"
GPU_UTILIZATION = "GPUUtilization"
GPU_MEMORY_UTILIZATION = "GPUMemoryUtilization"

SUM = "Sum"
AVERAGE = "Average"


def variant_metric(
    namespace: str,
    metric_name: str,
    *,
    endpoint_name: str,
    variant_name: str,
    endpoint_config_name: str | None = None,
    statistic: str = SUM,
    **options: Any,
) -> cloudwatch.Metric:
    """A metric of one endpoint variant (and, with ``endpoint_config_name``, of the fleet serving it).

    ``options`` are those of ``cloudwatch.MetricOptions`` (``period``, ``label``, ``statistic``...).
    """
    dimensions = {ENDPOINT_NAME_DIMENSION: endpoint_name, VARIANT_NAME_DIMENSION: variant_name}
    if endpoint_config_name is not None:
        dimensions[ENDPOINT_CONFIG_NAME_DIMENSION] = endpoint_config_name
    dimensions.update(options.pop("dimensions_map", None) or {})
    return cloudwatch.Metric(
        namespace=namespace,
        metric_name=metric_name,
        dimensions_map=dimensions,
        statistic=options.pop("statistic", statistic),
        **options,
    )
