"""S3 locations of one purpose, grouped per bucket into as few ARNs as IAM's size limits need."""

from __future__ import annotations

import os
from collections.abc import Iterable

from aws_cdk import Annotations, Aws
from constructs import Construct

from .._private.arns import s3_key_pattern, s3_object_arn
from .._private.s3_uris import split_s3_uri
from .._private.tokens import is_token

# Above this many distinct name patterns a statement falls back to their common start.
MAX_PREFIX_RESOURCES = 10


def minimal_prefixes(prefixes: Iterable[str], limit: int = MAX_PREFIX_RESOURCES) -> list[str]:
    """The fewest name patterns covering ``prefixes``: drop any that another one already starts.

    More than ``limit`` patterns collapse into their longest common start (possibly ``""``,
    i.e. every name), keeping the policy small.
    """
    kept: list[str] = []
    # Sorted, the strings that start with a given prefix follow it without a gap.
    for prefix in sorted(set(prefixes)):
        if not kept or not prefix.startswith(kept[-1]):
            kept.append(prefix)
    if len(kept) > limit:
        return [os.path.commonprefix(kept)]
    return kept


def add_prefix(prefixes: list[str], prefix: str, limit: int = MAX_PREFIX_RESOURCES) -> bool:
    """Add ``prefix`` to ``prefixes`` once; whether that makes :func:`minimal_prefixes` start collapsing them."""
    if prefix in prefixes:
        return False
    prefixes.append(prefix)
    return len(minimal_prefixes(prefixes, limit=len(prefixes) + 1)) == limit + 1


class S3Locations:
    """S3 locations of one purpose, rendered as few ARNs.

    Per bucket, only the key prefixes not covered by another are kept; beyond
    ``MAX_PREFIX_RESOURCES`` of them they collapse into their common start (with a
    warning), so a stack of a hundred transform jobs still fits IAM's policy size limits.
    Locations given as tokens are kept as they are.
    """

    def __init__(self, scope: Construct, purpose: str) -> None:
        self._scope = scope
        self._purpose = purpose
        self._prefixes: dict[str, list[str]] = {}
        self._token_arns: list[str] = []

    def add(self, uri: str, *, folder: bool) -> str | None:
        """Register ``uri`` (``folder``: the objects below it; else keys starting with it); returns its bucket."""
        if is_token(uri):
            arn = s3_object_arn(uri, folder=folder)
            if arn not in self._token_arns:
                self._token_arns.append(arn)
            return None
        bucket, key = split_s3_uri(uri)
        prefix = s3_key_pattern(key, folder=folder).removesuffix("*")
        prefixes = self._prefixes.setdefault(bucket, [])
        if add_prefix(prefixes, prefix):
            Annotations.of(self._scope).add_warning_v2(
                "autopilot-inference:many-s3-locations",
                f"More than {MAX_PREFIX_RESOURCES} {self._purpose} locations in s3://{bucket}: the default "
                "execution role's access now covers every key starting with their common start. Give them "
                "a common prefix, or pass a role of your own.",
            )
        return bucket

    def key_patterns(self, bucket: str) -> list[str]:
        """``<prefix>*`` for each kept prefix of ``bucket`` (values of an ``s3:prefix`` condition)."""
        return [f"{prefix}*" for prefix in minimal_prefixes(self._prefixes.get(bucket, []))]

    def object_arns(self) -> list[str]:
        """``arn:<partition>:s3:::<bucket>/<prefix>*`` for every kept prefix, then the token locations."""
        partition = Aws.PARTITION
        arns = [
            f"arn:{partition}:s3:::{bucket}/{pattern}"
            for bucket in self._prefixes
            for pattern in self.key_patterns(bucket)
        ]
        return arns + self._token_arns


__all__ = ["MAX_PREFIX_RESOURCES", "S3Locations", "add_prefix", "minimal_prefixes"]
