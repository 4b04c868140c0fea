"""Command line: ``python -m autopilot_inference <subcommand> ...``.

Each subcommand lives in its own module with two functions, ``add_arguments(parser)`` and
``run(args) -> str`` (the text to print), and raises one of its declared error types for
problems the user can fix; those are printed as ``error: ...`` with exit status 1.
Adding a subcommand is one small function returning a :class:`Subcommand`, listed in
:data:`SUBCOMMANDS`. Modules are imported only when their subcommand is defined, so the
command line needs neither AWS credentials nor boto3 for ``summary``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], str]
    errors: tuple[type[BaseException], ...] = ()


def summary_command() -> Subcommand:
    from . import summary

    return Subcommand(
        name="summary",
        help="summarise what a synthesized cloud assembly (cdk.out) will deploy",
        add_arguments=summary.add_arguments,
        run=summary.run,
        errors=(summary.SummaryError,),
    )


def plan_command() -> Subcommand:
    from . import plan
    from ._lambda.autopilot_runtime.errors import AutopilotDeploymentError

    return Subcommand(
        name="plan",
        help="show, offline, what deploying an AutoML job's candidate with given response keys changes",
        add_arguments=plan.add_arguments,
        run=plan.run,
        errors=(AutopilotDeploymentError,),
    )


SUBCOMMANDS: tuple[Callable[[], Subcommand], ...] = (summary_command, plan_command)


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Subcommand]]:
    parser = argparse.ArgumentParser(
        prog="python -m autopilot_inference",
        description="Tools for the autopilot-inference CDK constructs.",
    )
    subparsers = parser.add_subparsers(dest="command", title="commands", required=True)
    commands: dict[str, Subcommand] = {}
    for define in SUBCOMMANDS:
        command = define()
        sub = subparsers.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(sub)
        commands[command.name] = command
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    parser, commands = build_parser()
    args = parser.parse_args(argv)
    command = commands[args.command]
    try:
        output = command.run(args)
    except command.errors as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if output:
        print(output)
    return 0


__all__ = ["SUBCOMMANDS", "Subcommand", "build_parser", "main", "plan_command", "summary_command"]
