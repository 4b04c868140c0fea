"""Command line: ``python -m autopilot_inference <subcommand> ...``.

Each subcommand lives in its own module with two functions, ``add_arguments(parser)`` and
``run(args) -> str`` (the text to print), and raises one of its declared error types for
problems the user can fix; those are printed as ``error: ...`` (one line each problem), with exit status 2
for usage errors (arguments, files, setup: ``usage_errors``) and 1 for the others (``errors``,
e.g. a job that cannot be deployed). Argument errors argparse finds are one line too.
Adding a subcommand is one small function returning a :class:`Subcommand`, listed in
:data:`SUBCOMMANDS`. Modules are imported only when their subcommand is defined, so the
command line needs neither AWS credentials nor boto3 for ``summary`` and ``diff``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NoReturn


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], str]
    errors: tuple[type[BaseException], ...] = ()
    usage_errors: tuple[type[BaseException], ...] = ()
    failures: tuple[type[BaseException], ...] = ()
    """Outcomes that fail (exit status 1) after printing the output they carry (``.output``), e.g. ``diff --fail-on``."""

USAGE_EXIT_STATUS = 2
ERROR_EXIT_STATUS = 1


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse, with its errors as one ``error: ...`` line (exit status 2) that points to ``--help``."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_EXIT_STATUS, f"error: {message} (see {self.prog} --help)\n")


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
    from .._lambda.autopilot_runtime.errors import AutopilotDeploymentError
    from . import plan

    return Subcommand(
        name="plan",
        help="show, offline, what deploying an AutoML job's candidate with given response keys changes",
        add_arguments=plan.add_arguments,
        run=plan.run,
        errors=(AutopilotDeploymentError,),
        usage_errors=(plan.PlanUsageError,),
    )


def diff_command() -> Subcommand:
    from . import diff

    return Subcommand(
        name="diff",
        help="say what deploying one synthesized app (cdk.out or template) over another does with the library's resources",
        add_arguments=diff.add_arguments,
        run=diff.run,
        usage_errors=(diff.DiffUsageError,),
        failures=(diff.FailOnEffect,),
    )


SUBCOMMANDS: tuple[Callable[[], Subcommand], ...] = (summary_command, plan_command, diff_command)


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Subcommand]]:
    parser = OneLineErrorParser(
        prog="python -m autopilot_inference",
        description="Tools for the autopilot-inference CDK constructs.",
    )
    subparsers = parser.add_subparsers(dest="command", title="commands", required=True, parser_class=OneLineErrorParser)
    commands: dict[str, Subcommand] = {}
    for define in SUBCOMMANDS:
        command = define()
        sub = subparsers.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(sub)
        commands[command.name] = command
    subparsers.metavar = "{" + ",".join(commands) + "}"  # "arguments are required: {summary,plan}"
    return parser, commands


def main(argv: Sequence[str] | None = None) -> int:
    parser, commands = build_parser()
    args = parser.parse_args(argv)
    command = commands[args.command]
    status = 0
    try:
        output = command.run(args)
    except command.failures as failure:
        output, status = str(getattr(failure, "output", "")), ERROR_EXIT_STATUS
        print(f"error: {failure}", file=sys.stderr)
    except command.usage_errors as error:
        for line in str(error).splitlines():  # several problems: one line each
            print(f"error: {line}", file=sys.stderr)
        return USAGE_EXIT_STATUS
    except command.errors as error:
        print(f"error: {error}", file=sys.stderr)
        return ERROR_EXIT_STATUS
    if output:
        try:
            print(output)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader left (`... | head`): stop quietly, as the Python documentation advises,
            # pointing stdout at devnull so the flush at exit does not fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return ERROR_EXIT_STATUS
    return status


__all__ = [
    "ERROR_EXIT_STATUS",
    "SUBCOMMANDS",
    "USAGE_EXIT_STATUS",
    "OneLineErrorParser",
    "Subcommand",
    "build_parser",
    "diff_command",
    "main",
    "plan_command",
    "summary_command",
]
