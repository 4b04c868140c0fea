"""ARNs of the resources the library's policies name.

Every ARN is built from the stack's partition, region and account (as ``Stack.format_arn``
does) or ``Aws.PARTITION``: an environment-agnostic stack's template holds no account id or
region.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Fn, Stack

from .s3_uris import split_s3_uri
from .synth_cache import sagemaker_arn_scope
from .tokens import is_token


def sagemaker_arn(stack: Stack, resource: str, name_pattern: str) -> str:
    """``arn:<partition>:sagemaker:<region>:<account>:<resource>/<name_pattern>``, as ``stack.format_arn`` builds it."""
    return f"{sagemaker_arn_scope(stack)}:{resource}/{name_pattern}"


def vpc_arn(stack: Stack, vpc_id: str) -> str:
    """``arn:<partition>:ec2:<region>:<account>:vpc/<id>``: the value of the ``ec2:Vpc`` condition key."""
    return stack.format_arn(service="ec2", resource="vpc", resource_name=vpc_id)


def s3_key_pattern(key: str, *, folder: bool) -> str:
    """``key/*`` for a folder (results, artifacts); ``key*`` for an API key prefix (inputs, manifests)."""
    if folder:
        key = key.rstrip("/")
        return f"{key}/*" if key else "*"
    return f"{key}*"


def s3_object_arn(uri: str, *, folder: bool = True) -> str:
    """Objects under an ``s3://bucket/prefix`` URI: ``arn:<partition>:s3:::bucket/prefix/*``.

    ``folder=False`` matches keys that merely start with the prefix, as ``S3Prefix`` input
    does (``s3://bucket/data/input.csv`` names one file) and as a manifest file's URI needs.
    """
    if is_token(uri):
        # s3://bucket/key -> bucket/key; CloudFormation has no replace, but split works.
        return Fn.join("", ["arn:", Aws.PARTITION, ":s3:::", Fn.select(1, Fn.split("s3://", uri)), "*"])
    bucket, key = split_s3_uri(uri)
    return f"arn:{Aws.PARTITION}:s3:::{bucket}/{s3_key_pattern(key, folder=folder)}"


def s3_bucket_arn(uri: str) -> str:
    """The bucket of an ``s3://`` URI."""
    if is_token(uri):
        return Fn.join("", ["arn:", Aws.PARTITION, ":s3:::", Fn.select(2, Fn.split("/", uri))])
    bucket, _ = split_s3_uri(uri)
    return f"arn:{Aws.PARTITION}:s3:::{bucket}"


def s3_list_conditions(uri: str, *, folder: bool = True) -> dict[str, Any] | None:
    """The ``s3:prefix`` condition limiting ``s3:ListBucket`` to the URI's key prefix."""
    _, key = split_s3_uri(uri)
    if folder:
        key = key.rstrip("/")
        return {"StringLike": {"s3:prefix": [key, f"{key}/*"]}} if key else None
    return {"StringLike": {"s3:prefix": [f"{key}*"]}} if key else None


__all__ = [
    "s3_bucket_arn",
    "s3_key_pattern",
    "s3_list_conditions",
    "s3_object_arn",
    "sagemaker_arn",
    "vpc_arn",
]
