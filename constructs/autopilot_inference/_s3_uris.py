"""The check of every S3 URI prop, without aws-cdk-lib: the constructs and ``plan`` share it."""

from __future__ import annotations

import re
from typing import Any

from ._lambda.autopilot_runtime import contract

_IP_ADDRESS_PATTERN = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def s3_uri_problem(value: Any, prop: str) -> str | None:
    """What is wrong with ``value`` as an ``s3://bucket[/key]`` URI, or ``None``."""
    if not isinstance(value, str) or not value.startswith("s3://"):
        return f"{prop} must be an S3 URI of the form s3://bucket/prefix; got {value!r}."
    bucket = value[len("s3://") :].split("/", 1)[0]
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
    return None


__all__ = ["s3_uri_problem"]
