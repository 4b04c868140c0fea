"""Role names known before the first deployment: a pure function of the stack's name and region.

A role that another account must trust (the handler's, reading a job cross-account) or that
another stack attaches policies to (the default execution role, used by consumers in other
stacks) needs a name that can be written down before CloudFormation generates one. IAM names
are global to the account, so the name holds the region too: the same stack deployed in two
regions of one account gets two roles.
"""

from __future__ import annotations

from aws_cdk import Aws, Stack, Token

from .._lambda.autopilot_runtime import naming

MAX_ROLE_NAME_LENGTH = 64
MAX_REGION_LENGTH = 16
"""Region names are at most 14 characters today (``ap-southeast-5``); two spare."""
STACK_PART_LENGTH = 28
STACK_HASH_LENGTH = 6


def stack_role_name(stack: Stack, purpose: str) -> str | None:
    """``<stack name, at most 28>-<hash of the stack name>-<purpose>-<region>``: at most 64 characters.

    The region is the stack's own when it is known at synth time, else ``${AWS::Region}``;
    either way the same expression evaluated in another stack of the same environment gives
    the same name. ``purpose`` is a short word (``handler``, ``exec``). ``None`` when the stack's
    name is not known at synth time (a nested stack): CloudFormation then generates the name.
    """
    name = stack.stack_name
    if Token.is_unresolved(name):
        return None
    digest = naming.stable_hash("role", name)[:STACK_HASH_LENGTH]
    region = Aws.REGION if Token.is_unresolved(stack.region) else stack.region
    head = f"{naming.readable_prefix([name], STACK_PART_LENGTH)}-{digest}-{purpose}-"
    if len(head) + MAX_REGION_LENGTH > MAX_ROLE_NAME_LENGTH:
        raise ValueError(f"role purpose {purpose!r} is too long for a {MAX_ROLE_NAME_LENGTH}-character role name")
    return f"{head}{region}"


def role_arn(stack: Stack, role_name: str) -> str:
    """The ARN of the role ``role_name`` in ``stack``'s account (a literal when the account is known)."""
    return stack.format_arn(service="iam", region="", resource="role", resource_name=role_name)


__all__ = ["MAX_ROLE_NAME_LENGTH", "role_arn", "stack_role_name"]
