"""Which group a model package version token belongs to, so a policy can name the group and not the token.

``AutopilotModelPackage.model_package_arn`` is an attribute of its custom resource; a handler policy that
named it would wait for the registration, which waits for the policy (a cycle). The package records here
the group ARN its version tokens belong to, and ``from_model_package`` reads it back.
"""

from __future__ import annotations

_GROUP_OF_VERSION_TOKEN: dict[str, str] = {}


def remember(version_token: str, group_arn: str) -> None:
    """``version_token`` (a version ARN attribute) belongs to the group ``group_arn``."""
    _GROUP_OF_VERSION_TOKEN[version_token] = group_arn


def group_of(version_token: str) -> str | None:
    """The group ARN recorded for ``version_token``, if any."""
    return _GROUP_OF_VERSION_TOKEN.get(version_token)
