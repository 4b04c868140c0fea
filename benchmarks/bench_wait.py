"""Waiting for a deploy-time transform job: a wait condition signalled by the job's event, against the retired poller.

- **Invocations and API calls**: the real ``handle()`` with Stubber'd SageMaker and CloudFormation
  clients (requests validated against botocore's model): the Create that starts the job, then the
  job's ``SageMaker Transform Job State Change`` event when it ends. While the job runs nothing
  calls the handler: the stack's rule matches only the end statuses, and nothing else targets it,
  so the count per waited hour is structural (no event, no invocation) and the simulation checks
  it by delivering only the events a job of that length emits.
- **Time from the job's end to the deployment seeing it** (modelled, not measured on AWS): with
  events, EventBridge's delivery to the handler plus the handler's run plus CloudFormation reading
  the handle's signal; with the poller, the wait until the next poll: uniformly between 0 and the
  interval (mean interval/2, worst the interval).
- **Resources and functions per stack**: a stack of one model and one waited transform synthesized
  with this code; the "before" figures were measured once on the commit before the change (the
  poller's provider is gone, so it cannot be synthesized here) with the same builder (:func:`build`).
"""

from __future__ import annotations

import copy
import json
import math
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber

from autopilot_inference._lambda.autopilot_runtime import contract
from autopilot_inference._lambda.autopilot_runtime.clients import Clients
from autopilot_inference._lambda.autopilot_runtime.handler import handle
from autopilot_inference._lambda.autopilot_runtime.ownership import OWNER_ENV_VAR, OWNER_TAG_KEY

from .bench_common import fake_aws_environment
from .bench_events import REGION, STACK_ID, cfn_event
from .bench_handler import JOB_START, TRANSFORM_LOGICAL_ID, TRANSFORM_PROPERTIES, job_arn, transform_job_name
from .bench_report import Section

HANDLE_ID = f"{TRANSFORM_LOGICAL_ID}Handle0A1B2C3D"
HANDLE_URL = "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/handle?Signature=bench"
WAITED_PROPERTIES = {**TRANSFORM_PROPERTIES, contract.WAIT_HANDLE: HANDLE_ID,
                     contract.WAIT_TIMEOUT_SECONDS: str(contract.MAX_WAIT_SECONDS)}

# The retired poller (provider/provider.py before this change: QUERY_INTERVAL = 1 minute, TOTAL_TIMEOUT = 1 hour,
# wait_timeout at most 55 minutes); each poll ran the framework's isComplete function and the handler.
POLL_INTERVAL_SECONDS = 60
POLL_LAMBDAS = 2
POLL_MAX_MINUTES = 55
# Modelled delivery of a job's event to the handler (EventBridge to an asynchronous Lambda invocation),
# the handler's run (two reads and the PUT) and CloudFormation's read of the signal. Not measured here:
# a parameter of the model, stated next to the figures.
EVENT_DELIVERY_SECONDS = 1.0
HANDLER_RUN_SECONDS = 1.0

# Measured once with build() on the commit before this change (b5b4128), synthesized with aws-cdk-lib 2.275.
BEFORE_TYPES = {
    "AWS::IAM::Policy": 5, "AWS::IAM::Role": 5, "AWS::Lambda::Function": 4, "AWS::Logs::LogGroup": 2,
    "AWS::StepFunctions::StateMachine": 1, "Custom::AutopilotModel": 1, "Custom::AutopilotTransformJob": 1,
}


class WaitAws:
    """Stubber'd SageMaker and CloudFormation clients, counting consumed responses and signals."""

    def __init__(self) -> None:
        keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}
        self.sagemaker = boto3.client("sagemaker", region_name=REGION, **keys)
        self.cloudformation = boto3.client("cloudformation", region_name=REGION, **keys)
        self.stubs = [Stubber(self.sagemaker), Stubber(self.cloudformation)]
        self.calls: list[str] = []
        self.signals: list[dict[str, Any]] = []
        for client in (self.sagemaker, self.cloudformation):
            client.meta.events.register("after-call.*.*", lambda model, **_: self.calls.append(model.name))
        for stub in self.stubs:
            stub.activate()

    def respond(self, operation: str, response: dict[str, Any], *, cloudformation: bool = False) -> None:
        self.stubs[1 if cloudformation else 0].add_response(operation, response)

    def handle(self, event: dict[str, Any]) -> dict[str, Any]:
        clients = Clients(
            lambda service, credentials: self.cloudformation if service == "cloudformation" else self.sagemaker,
            put=lambda url, body: self.signals.append(json.loads(body)),
        )
        return handle(copy.deepcopy(event), None, clients=clients)

    def finish(self) -> None:
        for stub in self.stubs:
            stub.assert_no_pending_responses()
            stub.deactivate()


@dataclass
class EventWait:
    """One simulated deployment that waits for a job of ``job_minutes`` through its end event."""

    job_minutes: float
    outcome: str
    invocations_at_start: int
    invocations_while_running: int
    invocations_at_end: int
    calls_at_start: list[str] = field(default_factory=list)
    calls_at_end: list[str] = field(default_factory=list)
    signal: str = ""

    @property
    def seen_after_seconds(self) -> float:
        return EVENT_DELIVERY_SECONDS + HANDLER_RUN_SECONDS


def job_event(name: str, status: str, **detail: Any) -> dict[str, Any]:
    arn = job_arn(name)
    return {
        "version": "0", "id": "bench", "detail-type": contract.TRANSFORM_JOB_STATE_CHANGE,
        "source": contract.SAGEMAKER_EVENT_SOURCE, "account": STACK_ID.split(":")[4], "region": REGION,
        "time": JOB_START.isoformat(), "resources": [arn],
        "detail": {"TransformJobName": name, "TransformJobArn": arn, "TransformJobStatus": status,
                   "CreationTime": int(JOB_START.timestamp() * 1000), **detail},
    }


def events_of_a_job(job_minutes: float, outcome: str) -> list[tuple[float, str]]:
    """``(minute, status)`` of the state changes a job emits: its end only (SageMaker emits on a change of status)."""
    return [(job_minutes, outcome)]


def simulate_event_wait(job_minutes: float, outcome: str = "Completed") -> EventWait:
    """The Create that starts a waited job, the job's events as they come, and the signal its end sends."""
    with fake_aws_environment():
        import os

        os.environ[OWNER_ENV_VAR] = STACK_ID
        try:
            aws = WaitAws()
            name = transform_job_name(WAITED_PROPERTIES)
            create = cfn_event("Create", contract.TRANSFORM_JOB_RESOURCE_TYPE, WAITED_PROPERTIES, logical_id=TRANSFORM_LOGICAL_ID)
            aws.respond("list_transform_jobs", {"TransformJobSummaries": []})
            aws.respond("create_transform_job", {"TransformJobArn": job_arn(name)})
            aws.handle(create)
            at_start = list(aws.calls)
            running, ended = 0, 0
            for minute, status in events_of_a_job(job_minutes, outcome):
                if status not in contract.TRANSFORM_JOB_END_STATUSES:
                    continue  # the rule's pattern never matches it: no invocation
                if minute < job_minutes:
                    running += 1
                tags = [{"Key": OWNER_TAG_KEY, "Value": STACK_ID}, {"Key": contract.WAIT_HANDLE_TAG_KEY, "Value": HANDLE_ID}]
                aws.respond("list_tags", {"Tags": tags})
                aws.respond("describe_stack_resource", {"StackResourceDetail": {
                    "LogicalResourceId": HANDLE_ID, "PhysicalResourceId": HANDLE_URL, "ResourceStatus": "CREATE_COMPLETE",
                    "ResourceType": "AWS::CloudFormation::WaitConditionHandle",
                    "LastUpdatedTimestamp": JOB_START - timedelta(seconds=5)}}, cloudformation=True)
                extra = {"FailureReason": "ClientError: bad input"} if status != "Completed" else {}
                aws.handle(job_event(name, status, **extra))
                ended += 1
            aws.finish()
        finally:
            os.environ.pop(OWNER_ENV_VAR, None)
    return EventWait(job_minutes, outcome, 1, running, ended, at_start, aws.calls[len(at_start):],
                     aws.signals[-1]["Status"] if aws.signals else "")


def event_waits(job_minutes: tuple[float, ...] = (10, 60, 180, 720)) -> list[EventWait]:
    return [simulate_event_wait(minutes) for minutes in job_minutes] + [simulate_event_wait(30, "Failed")]


def poller_invocations(job_minutes: float) -> float | None:
    """Lambda invocations the retired poller spent on a job (``None``: it could not wait that long)."""
    if job_minutes > POLL_MAX_MINUTES:
        return None
    polls = 1 + math.ceil(job_minutes * 60 / POLL_INTERVAL_SECONDS)
    return 1 + POLL_LAMBDAS * polls


def wait_section(runs: list[EventWait]) -> Section:
    rows = []
    for run in runs:
        before = poller_invocations(run.job_minutes)
        rows.append([
            f"{run.job_minutes:g} min ({run.outcome})",
            str(run.invocations_at_start + run.invocations_while_running + run.invocations_at_end),
            str(run.invocations_while_running),
            ", ".join(run.calls_at_end) + f" + 1 signal ({run.signal})",
            f"{run.seen_after_seconds:g} s",
            "not possible (wait_timeout at most 55 min)" if before is None else f"{before:g}",
            "n/a" if before is None else f"{POLL_INTERVAL_SECONDS / 2:g} s mean, {POLL_INTERVAL_SECONDS} s worst",
        ])
    return Section(
        title="Waiting for a deploy-time transform job: events instead of polls",
        explanation="The real `handle()` with Stubber'd SageMaker and CloudFormation: the Create that starts the job, "
        "then the job's state-change events as a job of that length emits them (its end only). The poller column is "
        "the retired provider framework waiter (one isComplete round, two Lambda invocations, per minute; 55 minutes "
        "at most), computed from its settings.",
        headers=["job", "handler invocations (all)", "while the job runs", "API calls at the job's end",
                 "end seen after (modelled)", "poller: Lambda invocations", "poller: end seen after"],
        rows=rows,
        notes=[
            "Per waited hour: events 0 Lambda invocations and 0 API calls; the poller "
            f"{POLL_LAMBDAS * 3600 // POLL_INTERVAL_SECONDS} invocations and {3600 // POLL_INTERVAL_SECONDS} "
            "DescribeTransformJob calls (and at most 55 minutes).",
            f"Events: the job's end costs one invocation of the handler ({', '.join(runs[0].calls_at_end)}, plus "
            "DescribeTransformJob for a failure whose event carries no reason) and one HTTPS PUT of the signal.",
            f"End seen after (modelled): event delivery ({EVENT_DELIVERY_SECONDS:g} s assumed) + the handler's run "
            f"({HANDLER_RUN_SECONDS:g} s assumed); CloudFormation's own read of the handle is not documented and not "
            f"included. The poller: the next poll, uniform over the {POLL_INTERVAL_SECONDS} s interval.",
            "Limit: a wait condition waits at most 12 hours (43,200 s); the poller at most 55 minutes.",
        ],
    )


def build(stack: Any, waited_jobs: int = 1) -> None:
    """One model and ``waited_jobs`` waited transforms (the default wait)."""
    from autopilot_inference import AutopilotBatchTransform, AutopilotModel

    model = AutopilotModel(stack, "Model", automl_job_name="bench-job", automl_output_s3_uri="s3://amzn-s3-demo-bucket/out/")
    for index in range(waited_jobs):
        AutopilotBatchTransform(stack, f"Scoring{index}", model=model, input_s3_uri=f"s3://amzn-s3-demo-bucket/in/{index}/",
                                output_s3_uri=f"s3://amzn-s3-demo-bucket/scored/{index}/")


@dataclass(frozen=True)
class StackCounts:
    types: dict[str, int]
    per_extra_job: int

    @property
    def resources(self) -> int:
        return sum(self.types.values())

    def count(self, *kinds: str) -> int:
        return sum(self.types.get(kind, 0) for kind in kinds)


def stack_counts() -> StackCounts:
    """Resource types of a one-model, one-waited-job stack, and what each further waited job adds."""
    from aws_cdk import App, Stack

    def synth(jobs: int) -> Counter[str]:
        with tempfile.TemporaryDirectory(prefix="bench-wait-") as outdir:
            app = App(outdir=outdir)
            build(Stack(app, "BenchWait"), jobs)
            app.synth()
            resources = json.loads((Path(outdir) / "BenchWait.template.json").read_text())["Resources"]
        return Counter(resource["Type"] for resource in resources.values())

    one, two = synth(1), synth(2)
    return StackCounts(dict(sorted(one.items())), sum(two.values()) - sum(one.values()))


def stack_section(after: StackCounts) -> Section:
    before = StackCounts(BEFORE_TYPES, 1)
    kinds = sorted(set(before.types) | set(after.types))
    rows = [[kind, str(before.types.get(kind, 0)), str(after.types.get(kind, 0))] for kind in kinds]
    rows.append(["all resources", str(before.resources), str(after.resources)])
    rows.append(["Lambda functions", str(before.count("AWS::Lambda::Function")), str(after.count("AWS::Lambda::Function"))])
    rows.append(["each further waited job adds", str(before.per_extra_job), str(after.per_extra_job)])
    return Section(
        title="Resources per stack: one model and one waited transform job",
        explanation="Synthesized with this code (after); before: the same builder on the commit before the change "
        "(the poller's provider), measured once and kept as a constant (`BEFORE_TYPES`).",
        headers=["resource type", "before (poller)", "after (wait condition + event)"],
        rows=rows,
        notes=[
            "Gone: the framework's isComplete and onTimeout functions, the waiter state machine and their roles and "
            "policies. Added once per stack: the EventBridge rule and its permission to invoke the handler; per waited "
            "job: a wait condition and its handle (beside the job's custom resource).",
        ],
    )

