"""Lambda invocations spent waiting for a transform job: deploy-time vs scheduled.

The deploy-time ``AutopilotBatchTransform`` waits on a CloudFormation wait condition that the
job's own end event signals (one handler invocation per job, none while it runs; at most 12
hours: :mod:`.bench_wait`). The scheduled
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
# The deploy-time wait: nothing runs while the job runs; the job's end event invokes the handler once.
DEPLOY_TIME_INVOCATIONS_PER_HOUR = 0
DEPLOY_TIME_INVOCATIONS_PER_JOB = 1


@dataclass(frozen=True)
class WaitCost:
    """Lambda invocations per hour a job is waited for, by each way of waiting."""

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

    return WaitCost(
        deploy_time_per_hour=DEPLOY_TIME_INVOCATIONS_PER_HOUR,
        scheduled_lambda_tasks=lambda_tasks,
        scheduled_lambda_functions=functions(scheduled) - functions(alone),
        scheduled_transitions_per_run=_transitions(definition),
    )


def wait_cost_section(cost: WaitCost) -> Section:
    return Section(
        title="Lambda invocations per hour of a waited transform job",
        explanation="Deploy-time waiting is a wait condition signalled by the job's end event (see the waiting "
        "section above); the scheduled transform waits in Step Functions' createTransformJob.sync integration "
        "(counted from its synthesized definition).",
        headers=["way of waiting", "Lambda invocations per hour", "longest wait", "other cost per run"],
        rows=[
            ["AutopilotBatchTransform (wait condition + job event)",
             f"{cost.deploy_time_per_hour:g}", "12 h (a wait condition's limit)",
             f"1 on_event + 1 framework call; {DEPLOY_TIME_INVOCATIONS_PER_JOB} handler invocation at the job's end"],
            ["AutopilotScheduledTransform (.sync)", str(cost.scheduled_per_hour), "`timeout` (24 h default; up to a year)",
             f"{cost.scheduled_transitions_per_run} state transitions, independent of the job's length"],
        ],
        notes=[
            f"Scheduled: {cost.scheduled_lambda_tasks} Lambda tasks in the state machine and "
            f"{cost.scheduled_lambda_functions} Lambda functions added by the construct.",
            "Deploy-time: no invocation while the job runs (before this change the provider framework polled every "
            "minute: 120 invocations per waited hour, for at most 55 minutes).",
        ],
    )
