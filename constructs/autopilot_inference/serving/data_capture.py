"""``EndpointDataCapture``: capture of an endpoint's requests and responses to S3."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_kms as kms

from ..checks import prop_types


@dataclass(frozen=True)
class EndpointDataCapture:
    """Capture of an endpoint's requests and responses to S3.

    Args:
        destination_s3_uri: ``s3://bucket/prefix`` the captured data is written to.
        sampling_percentage: share of requests captured, 0-100. Default: 100.
        capture_input: capture the requests. Default: ``True``.
        capture_output: capture the responses. Default: ``True``.
        kms_key: key that encrypts the captured data. Default: the bucket's default encryption.
    """

    destination_s3_uri: str
    sampling_percentage: int = 100
    capture_input: bool = True
    capture_output: bool = True
    kms_key: kms.IKey | None = None


prop_types.hint(EndpointDataCapture, fix='Use EndpointDataCapture(destination_s3_uri="s3://bucket/capture/").')

__all__ = ["EndpointDataCapture"]
