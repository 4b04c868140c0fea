"""Lambda invocations spent waiting for a transform job: deploy-time vs scheduled.

The deploy-time ``AutopilotBatchTransform`` waits through the custom-resource provider
framework: every query interval the framework's isComplete function runs and calls the
handler's (two Lambda invocations per poll), for at most 55 minutes. The scheduled
transform waits inside Step Functions' ``createTransformJob.sync`` integration: the
figure counts the Lambda tasks and functions its synthesized state machine and
construct add (expected: none), and the state transitions of one run, which do not grow
with the job's length.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bench_report import Section

LAMBDA_TASK = ":states:::lambda:invoke"
SECONDS_PER_HOUR = 3600
LAMBDAS_PER_POLL = 2  # the framework's isComplete function, and the handler it invokes
MAX_DEPLOY_TIME_WAIT_MINUTES = 55


@dataclass(frozen=True)
class WaitCost:
    """Lambda invocations per hour a job is waited for, by each way of waiting."""

    query_interval_seconds: int
    deploy_time_per_hour: float
    scheduled_lambda_tasks: int
    scheduled_lambda_functions: int
    scheduled_transitions_per_run: int

    @property
    def scheduled_per_hour(self) -> int:
        return self.scheduled_lambda_tasks  # each Lambda task would run once per run, whatever its length


def _synth(build: Any) -> dict[str, Any]:
    from aws_cdk import App, Stack

    with tempfile.TemporaryDirectory(prefix="bench-schedule-") as outdir:
        app = App(outdir=outdir)
        stack = Stack(app, "BenchSchedule")
        build(stack)
        app.synth()
        return json.loads((Path(outdir) / "BenchSchedule.template.json").read_text())


def _definition(template: dict[str, Any]) -> dict[str, Any]:
    (machine,) = [
        resource for resource in template["Resources"].values()
        if resource["Type"] == "AWS::StepFunctions::StateMachine" and "createTransformJob" in json.dumps(resource)
    ]
    parts = machine["Properties"]["DefinitionString"]["Fn::Join"][1]
    return json.loads("".join(part if isinstance(part, str) else "aws" for part in parts))


def _transitions(definition: dict[str, Any]) -> int:
    """States entered by one successful run started by the schedule (the Choice takes its first branch)."""
    states, name, count = definition["States"], definition["StartAt"], 0
    while name:
        state = states[name]
        count += 1
        name = state["Choices"][0]["Next"] if state["Type"] == "Choice" else state.get("Next")
    return count


def wait_cost() -> WaitCost:
    from aws_cdk import Duration

    from autopilot_inference import AutopilotModel, AutopilotScheduledTransform
    from autopilot_inference.provider import QUERY_INTERVAL

    def model(stack: Any) -> Any:
        return AutopilotModel(stack, "Model", automl_job_name="bench-job", automl_output_s3_uri="s3://amzn-s3-demo-bucket/out/")

    def with_schedule(stack: Any) -> None:
        AutopilotScheduledTransform(
            stack, "Nightly", model=model(stack), schedule="cron(0 2 * * ? *)",
            input_s3_uri="s3://amzn-s3-demo-bucket/in/{date}/", output_s3_uri="s3://amzn-s3-demo-bucket/out/{date}/",
            timeout=Duration.hours(24),
        )

    alone = _synth(model)
    scheduled = _synth(with_schedule)
    definition = _definition(scheduled)
    lambda_tasks = sum(LAMBDA_TASK in str(state.get("Resource", "")) for state in definition["States"].values())

    def functions(template: dict[str, Any]) -> int:
        return sum(resource["Type"] == "AWS::Lambda::Function" for resource in template["Resources"].values())

    interval = int(QUERY_INTERVAL.to_seconds())
    return WaitCost(
        query_interval_seconds=interval,
        deploy_time_per_hour=LAMBDAS_PER_POLL * SECONDS_PER_HOUR / interval,
        scheduled_lambda_tasks=lambda_tasks,
        scheduled_lambda_functions=functions(scheduled) - functions(alone),
        scheduled_transitions_per_run=_transitions(definition),
    )


def wait_cost_section(cost: WaitCost) -> Section:
    return Section(
        title="Lambda invocations per hour of a waited transform job",
        explanation="Deploy-time waiting polls through the provider framework; the scheduled transform waits in "
        "Step Functions' createTransformJob.sync integration (counted from its synthesized definition).",
        headers=["way of waiting", "Lambda invocations per hour", "longest wait", "other cost per run"],
        rows=[
            [f"AutopilotBatchTransform (query interval {cost.query_interval_seconds} s)",
             f"{cost.deploy_time_per_hour:g}", f"{MAX_DEPLOY_TIME_WAIT_MINUTES} min", "1 on_event + 1 framework call"],
            ["AutopilotScheduledTransform (.sync)", str(cost.scheduled_per_hour), "`timeout` (24 h default; up to a year)",
             f"{cost.scheduled_transitions_per_run} state transitions, independent of the job's length"],
        ],
        notes=[
            f"Scheduled: {cost.scheduled_lambda_tasks} Lambda tasks in the state machine and "
            f"{cost.scheduled_lambda_functions} Lambda functions added by the construct.",
            f"Deploy-time: {LAMBDAS_PER_POLL} invocations per poll (the framework's isComplete and the handler) every "
            f"{cost.query_interval_seconds} s.",
        ],
    )
