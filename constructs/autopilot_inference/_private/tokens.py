"""Whether a value is a CDK token (known only at deploy time), without a round trip to jsii where possible."""

from __future__ import annotations

from typing import Any

from aws_cdk import Token

# How CDK encodes string and list tokens; a string without them is a plain value.
_TOKEN_MARKER = "{Token["


def _plainly_not_token(value: Any) -> bool:
    """Values that need no round trip to jsii to know they are not tokens.

    Number tokens arrive as floats, so ints (and bools) are always plain; a string (or a
    list of strings) is a token only if it holds CDK's ``${Token[`` / ``#{Token[`` markers.
    """
    if value is None or isinstance(value, (bool, int)):
        return True
    if isinstance(value, str):
        return _TOKEN_MARKER not in value
    if isinstance(value, (list, tuple)):
        return all(isinstance(item, (str, bool, int)) and _plainly_not_token(item) for item in value)
    return False


def is_token(value: Any) -> bool:
    """Whether ``value`` (or, for a list, the list itself) is only known at deploy time."""
    if _plainly_not_token(value):
        return False
    try:
        return bool(Token.is_unresolved(value))
    except Exception:  # noqa: BLE001 - values jsii cannot pass are simply not tokens
        return False
