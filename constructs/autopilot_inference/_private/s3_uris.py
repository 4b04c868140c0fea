"""The check of every S3 URI prop, without aws-cdk-lib: the constructs and ``plan`` share it."""

from __future__ import annotations

import re
from typing import Any

from .._lambda.autopilot_runtime import contract

_IP_ADDRESS_PATTERN = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
WILDCARDS = ("*", "?")
"""Characters IAM reads as wildcards in a resource ARN; SageMaker reads an S3 URI as a prefix, never a pattern."""


def s3_uri_problem(value: Any, prop: str) -> str | None:
    """What is wrong with ``value`` as an ``s3://bucket[/key]`` URI, or ``None``."""
    if not isinstance(value, str) or not value.startswith("s3://"):
        return f"{prop} must be an S3 URI of the form s3://bucket/prefix; got {value!r}."
    bucket, _, key = value[len("s3://") :].partition("/")
    if (
        not contract.BUCKET_PATTERN.match(bucket)
        or ".." in bucket
        or ".-" in bucket
        or "-." in bucket
        or _IP_ADDRESS_PATTERN.match(bucket)
    ):
        return (
            f"{prop} names an invalid S3 bucket {bucket!r}: bucket names have 3-63 lowercase letters, "
            f"digits, dots and hyphens, start and end with a letter or digit. Got {value!r}."
        )
    wildcard = next((char for char in value if char in WILDCARDS), None)
    if wildcard is not None:
        cut = min(value.index(char) for char in WILDCARDS if char in value)
        prefix = value[: value.rfind("/", 0, cut) + 1] if "/" in key else f"s3://{bucket}/"
        return (
            f"{prop} holds the wildcard {wildcard!r} ({value!r}): SageMaker reads an S3 URI as a key prefix "
            f"(every object under it), never as a pattern, and in the IAM policy {wildcard!r} would match "
            f"other objects too. Give the prefix ({prefix!r}), or a manifest file (input_data_type='ManifestFile') "
            "to pick objects."
        )
    return None


__all__ = ["WILDCARDS", "s3_uri_problem"]


def split_s3_uri(value: str) -> tuple[str, str]:
    """``(bucket, key)`` of a literal ``s3://bucket/key`` URI; the key may be empty."""
    rest = value[len("s3://") :]
    bucket, _, key = rest.partition("/")
    return bucket, key
