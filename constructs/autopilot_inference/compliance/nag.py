"""cdk-nag in your own app: ``add_nag_checks(app)``.

cdk-nag is not a dependency of this library; install it with
``pip install "autopilot-inference[nag]"`` (cdk-nag 3.x, which needs aws-cdk-lib 2.257 or later).
"""

from __future__ import annotations

from typing import Any

from constructs import IConstruct

NAG_EXTRA_INSTALL = 'pip install "autopilot-inference[nag]"'
"""How to install the cdk-nag version :func:`add_nag_checks` needs."""


class NagNotInstalledError(ImportError):
    """cdk-nag 3.x is missing (or a 2.x is installed)."""


def add_nag_checks(app: IConstruct, *, verbose: bool = False) -> Any:
    """Run cdk-nag's ``AwsSolutions`` checks over ``app`` when it synthesizes; returns the rule pack.

    This is the cdk-nag 3.x call, ``Validations.of(app).add_plugins(AwsSolutionsChecks(app))``.
    An unacknowledged finding fails ``cdk synth`` (and ``app.synth()``) with the construct path
    and the id to acknowledge it with (``Validations.of(construct).acknowledge(...)``); every
    finding is listed in ``cdk.out/validation-report.json``. The findings this library's own
    resources raise are already acknowledged, each with its reason, on the resource it concerns.

    Args:
        app: the ``App`` (or a ``Stage``) to check.
        verbose: cdk-nag's verbose messages (the rule's explanation with each finding).

    Raises:
        NagNotInstalledError: cdk-nag 3.x is not installed.
    """
    try:
        import cdk_nag
    except ImportError:
        raise NagNotInstalledError(f"add_nag_checks needs cdk-nag 3.x, which is not installed: {NAG_EXTRA_INSTALL}") from None
    if hasattr(cdk_nag.AwsSolutionsChecks, "visit"):  # 2.x rule packs are aspects, not validation plugins
        raise NagNotInstalledError(
            f"add_nag_checks needs cdk-nag 3.x; cdk-nag {getattr(cdk_nag, '__version__', '2.x')} is installed "
            f"(its checks are an aspect: Aspects.of(app).add(AwsSolutionsChecks())). {NAG_EXTRA_INSTALL}"
        )
    from aws_cdk import Validations

    checks = cdk_nag.AwsSolutionsChecks(app, verbose=verbose)
    Validations.of(app).add_plugins(checks)
    return checks


__all__ = ["NAG_EXTRA_INSTALL", "NagNotInstalledError", "add_nag_checks"]
