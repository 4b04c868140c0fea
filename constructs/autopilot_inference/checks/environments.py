"""Whether a consumer may use a model of another stack: a SageMaker model exists in one account and region."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Annotations, Stack, Token
from constructs import IConstruct

from .._private.scopes import stack_of
from .problems import Problems

AGNOSTIC_WARNING_ID = "autopilot-inference:environment-unknown"


@dataclass(frozen=True)
class StackEnvironment:
    """A stack's account and region, ``None`` where unknown at synth time (an environment-agnostic stack)."""

    stack_path: str
    account: str | None
    region: str | None

    @classmethod
    def of(cls, stack: Stack) -> StackEnvironment:
        return cls(
            stack.node.path,
            None if Token.is_unresolved(stack.account) else stack.account,
            None if Token.is_unresolved(stack.region) else stack.region,
        )

    def __str__(self) -> str:
        return f"account {self.account or '(unknown)'}, region {self.region or '(unknown)'} (stack {self.stack_path})"


def mismatch(model: StackEnvironment, consumer: StackEnvironment) -> bool:
    """Whether both environments are known at synth time and differ in account or region."""
    known = None not in (model.account, model.region, consumer.account, consumer.region)
    return known and (model.account, model.region) != (consumer.account, consumer.region)


def partly_unknown(model: StackEnvironment, consumer: StackEnvironment) -> bool:
    """Whether one side's environment is known and the other's is not: they may differ."""
    sides = [model.account is None or model.region is None, consumer.account is None or consumer.region is None]
    return sides[0] != sides[1]


def check_same_environment(problems: Problems, consumer: IConstruct, model: IConstruct, what: str) -> None:
    """Refuse (an error on ``consumer``) a ``model`` of another account or region; warn when that cannot be told.

    ``what`` names the consumer for the message (e.g. ``AutopilotBatchTransform``).
    """
    model_stack, consumer_stack = stack_of(model), stack_of(consumer)
    if model_stack is consumer_stack:
        return
    model_env, consumer_env = StackEnvironment.of(model_stack), StackEnvironment.of(consumer_stack)
    if mismatch(model_env, consumer_env):
        problems.add(
            f"This {what} is in {consumer_env}, but its model {model.node.path} is in {model_env}. A SageMaker "
            "model exists in one account and region only. Create an AutopilotModel in this stack's environment "
            "instead (with source_role_arn to read the AutoML job in its own account), or register the candidate "
            "with AutopilotModelPackage and deploy it here with AutopilotModel.from_model_package."
        )
    elif partly_unknown(model_env, consumer_env):
        Annotations.of(consumer).add_warning_v2(
            AGNOSTIC_WARNING_ID,
            f"This {what} is in {consumer_env}, its model {model.node.path} in {model_env}: one of them is "
            "environment-agnostic, so it cannot be checked that both are in the same account and region. A "
            "SageMaker model can only be used in its own account and region: give both stacks an env.",
        )


__all__ = ["AGNOSTIC_WARNING_ID", "StackEnvironment", "check_same_environment", "mismatch", "partly_unknown"]
