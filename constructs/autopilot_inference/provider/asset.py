"""The custom-resource handler's code asset.

The asset is the directory of the installed ``autopilot_inference._lambda`` package (``lambda/``
in a checkout): the same files either way, so the same asset hash on every machine.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from .. import _lambda

HANDLER = "autopilot_runtime.handler.handle"
ASSET_EXCLUDE = ["**/__pycache__", "**/*.pyc", "**/*.pyo"]


def asset_directory() -> str:
    """Where the handler's code lives: the directory of the ``autopilot_inference._lambda`` package."""
    return str(Path(_lambda.__file__).resolve().parent)


def handler_code() -> lambda_.Code:
    """``Code.from_asset`` of :func:`asset_directory` without bytecode caches."""
    return lambda_.Code.from_asset(asset_directory(), exclude=list(ASSET_EXCLUDE))
