"""``ServerlessConfig``: a serverless production variant for single-container candidates.

SageMaker serverless inference runs no inference pipelines (multi-container models), no VPC,
no network isolation, no data capture and a single variant. The limits below are those of
botocore's ``ProductionVariantServerlessConfig`` shape (memory in 1 GB steps, per its
documentation).
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_sagemaker as sagemaker

from .._private.tokens import is_token
from ..checks import prop_types, validation
from ..checks.problems import Finding, error, findings

MEMORY_SIZES_IN_MB = (1024, 2048, 3072, 4096, 5120, 6144)
MIN_CONCURRENCY = 1
MAX_CONCURRENCY = 200


@dataclass(frozen=True)
class ServerlessConfig:
    """A serverless variant instead of instances.

    Args:
        memory_size_in_mb: memory of each worker: 1024, 2048, 3072, 4096, 5120 or 6144.
        max_concurrency: concurrent invocations at most, 1-200.
        provisioned_concurrency: invocations kept warm, 1-200 and at most ``max_concurrency``.
            Default: none (workers start on demand).
    """

    memory_size_in_mb: int
    max_concurrency: int
    provisioned_concurrency: int | None = None

    def check(self, prop: str = "serverless") -> list[Finding]:
        """Every value SageMaker refuses, each naming ``prop.<field>``."""
        found: list[Finding | None] = []
        memory = self.memory_size_in_mb
        if not is_token(memory) and memory not in MEMORY_SIZES_IN_MB:
            found.append(
                error(
                    "serverless",
                    f"{prop}.memory_size_in_mb must be one of {', '.join(map(str, MEMORY_SIZES_IN_MB))} "
                    f"(1 GB steps); got {memory!r}.",
                )
            )
        maximum_problem = validation.integer(
            self.max_concurrency, f"{prop}.max_concurrency", minimum=MIN_CONCURRENCY, maximum=MAX_CONCURRENCY
        )
        provisioned_problem = validation.integer(
            self.provisioned_concurrency,
            f"{prop}.provisioned_concurrency",
            minimum=MIN_CONCURRENCY,
            maximum=MAX_CONCURRENCY,
        )
        found += [maximum_problem, provisioned_problem]
        provisioned, maximum = self.provisioned_concurrency, self.max_concurrency
        if (
            maximum_problem is None
            and provisioned_problem is None
            and provisioned is not None
            and not is_token(provisioned)
            and not is_token(maximum)
            and provisioned > maximum
        ):
            found.append(
                error(
                    "serverless",
                    f"{prop}.provisioned_concurrency ({provisioned}) must be at most {prop}.max_concurrency ({maximum}).",
                )
            )
        return findings(found)

    def render(self) -> sagemaker.CfnEndpointConfig.ServerlessConfigProperty:
        """The variant's ``ServerlessConfig``."""
        return sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
            memory_size_in_mb=self.memory_size_in_mb,
            max_concurrency=self.max_concurrency,
            provisioned_concurrency=self.provisioned_concurrency,
        )


prop_types.hint(ServerlessConfig, fix="Use ServerlessConfig(memory_size_in_mb=..., max_concurrency=...).")
