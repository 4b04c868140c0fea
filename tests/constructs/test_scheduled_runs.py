"""AutopilotScheduledTransform's state machine, executed: moto's ASL interpreter runs the synthesized definition.

References: moto's Step Functions execution mode (its port of LocalStack's ASL interpreter: Choice,
Pass, intrinsics, Retry, Catch, Fail, the SNS and ``aws-sdk`` integrations) against moto's SageMaker
and SNS; the ``createTransformJob.sync`` task emulated by ``support.scoring_world`` (job names unique
as on AWS); botocore's ``CreateTransformJob`` input shape for every request the runs sent.
"""

from __future__ import annotations

import json
import re
from typing import Any

import botocore.session
import pytest
from aws_cdk import Tags
from botocore.validate import ParamValidator
from support.scheduled import scheduled
from support.scoring_world import DUPLICATE_ERROR_NAMES, ScoringWorld
from support.stacks import new_stack, render, resources, template_json

from autopilot_inference import AutopilotScheduledTransform
from autopilot_inference.transform import scheduled as st

SHAPE = botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateTransformJob").input_shape
NAME_PATTERN = re.compile(rf"^{SHAPE.members['TransformJobName'].metadata['pattern']}$")
MODEL_NAME = "churn-model-1"
SCHEDULED = {"scheduledTime": "2027-03-15T06:00:00Z"}
OWNER_TAG = "autopilot-inference:owner"


def synthesized(**kwargs: Any) -> tuple[AutopilotScheduledTransform, dict[str, Any]]:
    """A nightly scheduled transform (tagged ``team=scoring``) and its state machine's definition, references open."""
    stack = new_stack("ScoringStack")
    construct = scheduled(stack, **kwargs)
    Tags.of(stack).add("team", "scoring")
    template = template_json(stack)
    (machine,) = [m for m in resources(template, "AWS::StepFunctions::StateMachine").values() if "createTransformJob" in json.dumps(m)]
    return construct, json.loads(render(machine["Properties"]["DefinitionString"]))


def deploy(world: ScoringWorld, definition: dict[str, Any], *, topic: bool) -> tuple[str, str | None]:
    """The definition as a moto state machine: the model's name and the topic's ARN filled in."""
    topic_arn = world.client("sns").create_topic(Name="scoring")["TopicArn"] if topic else None
    text = json.dumps(definition)
    text = re.sub(r"\$\{[A-Za-z0-9]+\.ModelName\}", MODEL_NAME, text)
    text = text.replace("${AWS::StackId}", "arn:aws:cloudformation:us-east-1:123456789012:stack/ScoringStack/1")
    if topic_arn:
        text = re.sub(r"\$\{NightlyTopic[A-Za-z0-9]+\}", topic_arn, text)
    assert "${" not in text, re.findall(r"\$\{[^}]+\}", text)
    arn = world.client("stepfunctions").create_state_machine(
        name="scoring", definition=text, roleArn="arn:aws:iam::123456789012:role/scoring"
    )["stateMachineArn"]
    return arn, topic_arn


def assert_requests_valid(world: ScoringWorld, prefix: str) -> None:
    assert world.requests
    for request in world.requests:
        report = ParamValidator().validate(request, SHAPE)
        assert not report.has_errors(), report.generate_report()
        assert NAME_PATTERN.match(request["TransformJobName"]) and request["TransformJobName"].startswith(prefix + "-")
        assert len(request["TransformJobName"]) <= SHAPE.members["TransformJobName"].metadata["max"]
        tags = {tag["Key"]: tag["Value"] for tag in request["Tags"]}
        assert tags["team"] == "scoring" and tags[OWNER_TAG].startswith("arn:aws:cloudformation:")
        assert request["ModelName"] == MODEL_NAME


def failure_of(execution: dict[str, Any]) -> tuple[str, str]:
    assert execution["status"] == "FAILED", execution
    return execution["error"], execution["cause"]


def test_a_completed_run_succeeds_and_notifies() -> None:
    construct, definition = synthesized(create_notification_topic=True, notify_on_success=True)
    with ScoringWorld().running() as world:
        arn, topic = deploy(world, definition, topic=True)
        execution = world.run(arn, SCHEDULED)
        assert execution["status"] == "SUCCEEDED", execution
        output = json.loads(execution["output"])
        name = f"{construct.job_name_prefix}-20270315t0600-s00"
        assert output["job"]["TransformJobName"] == name and output["job"]["TransformJobStatus"] == "Completed"
        assert list(world.jobs()) == [name]
        (note,) = world.notifications(topic or "")
        assert note["message"]["status"] == "SUCCEEDED" and note["message"]["transformJobName"] == name
        assert world.requests[0]["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == "s3://autopilot-bucket/incoming/2027-03-15/"
        assert_requests_valid(world, construct.job_name_prefix)


@pytest.mark.parametrize(
    ("fate", "error"),
    [("Failed", st.JOB_FAILED_ERROR), ("Stopped", st.JOB_STOPPED_ERROR), ("Timeout", st.TIMED_OUT_ERROR)],
)
def test_a_job_that_does_not_complete_fails_with_the_library_error_and_notifies(fate: str, error: str) -> None:
    construct, definition = synthesized(create_notification_topic=True)
    with ScoringWorld(fate=fate).running() as world:
        arn, topic = deploy(world, definition, topic=True)
        execution = world.run(arn, SCHEDULED)
        got, cause = failure_of(execution)
        assert got == error
        entered = [event["stateEnteredEventDetails"]["name"] for event in world.history(execution["executionArn"])
                   if "stateEnteredEventDetails" in event]
        assert "Transform" in entered and "Notify failure" in entered and "Run failed" == entered[-1]
        if fate == "Timeout":
            assert cause == "States.Timeout: "
        else:
            assert cause.startswith("States.TaskFailed: ")
        if fate != "Timeout":  # the job's description is the original cause
            assert f'"TransformJobStatus": "{fate}"' in cause
        (note,) = world.notifications(topic or "")
        assert note["message"]["status"] == "FAILED" and note["message"]["error"] == error
        assert note["message"]["cause"] == cause
        assert_requests_valid(world, construct.job_name_prefix)


@pytest.mark.parametrize(
    ("code", "retries"),
    [("ThrottlingException", 2), ("ResourceLimitExceeded", 3)],
)
def test_throttled_and_quota_limited_creates_are_retried_then_run(code: str, retries: int) -> None:
    construct, definition = synthesized()
    world = ScoringWorld(refusals=[(code, "Rate exceeded")] * retries)
    with world.running():
        arn, _ = deploy(world, definition, topic=False)
        execution = world.run(arn, SCHEDULED)
        assert execution["status"] == "SUCCEEDED", execution
        assert len(world.jobs()) == 1 and len(world.requests) == retries + 1
        # Every attempt used the same name; each wait (full jitter) is at most the interval times the rate^n.
        assert len({request["TransformJobName"] for request in world.requests}) == 1
        assert len(world.retry_waits) == retries
        interval = st.RETRY_INTERVAL.to_seconds()
        assert all(0 <= wait <= interval * st.RETRY_BACKOFF_RATE**attempt for attempt, wait in enumerate(world.retry_waits))
        assert_requests_valid(world, construct.job_name_prefix)


def test_a_create_refused_past_the_retries_fails_as_not_started() -> None:
    construct, definition = synthesized()
    world = ScoringWorld(refusals=[("ResourceLimitExceeded", "quota for ml.m5.xlarge reached")] * 10)
    with world.running():
        arn, _ = deploy(world, definition, topic=False)
        error, cause = failure_of(world.run(arn, SCHEDULED))
        assert error == st.NOT_STARTED_ERROR
        assert cause == "SageMaker.ResourceLimitExceededException: quota for ml.m5.xlarge reached"
        assert not world.jobs() and len(world.requests) == st.RETRY_MAX_ATTEMPTS + 1
        assert_requests_valid(world, construct.job_name_prefix)


def test_sns_unavailable_after_success_still_succeeds() -> None:
    construct, definition = synthesized(create_notification_topic=True, notify_on_success=True)
    with ScoringWorld().running() as world:
        arn, topic = deploy(world, definition, topic=True)
        world.client("sns").delete_topic(TopicArn=topic)
        execution = world.run(arn, SCHEDULED)
        assert execution["status"] == "SUCCEEDED", execution
        assert "notificationError" in json.loads(execution["output"])
        assert_requests_valid(world, construct.job_name_prefix)


def test_sns_unavailable_after_failure_still_fails_with_the_job_error() -> None:
    construct, definition = synthesized(create_notification_topic=True)
    with ScoringWorld(fate="Failed").running() as world:
        arn, topic = deploy(world, definition, topic=True)
        world.client("sns").delete_topic(TopicArn=topic)
        error, cause = failure_of(world.run(arn, SCHEDULED))
        assert error == st.JOB_FAILED_ERROR and cause.startswith("States.TaskFailed: ")
        assert_requests_valid(world, construct.job_name_prefix)


@pytest.mark.parametrize("race", [False, True], ids=["second-delivery-later", "concurrent-deliveries"])
@pytest.mark.parametrize("duplicate_error", DUPLICATE_ERROR_NAMES)
def test_two_executions_for_one_scheduled_time_run_one_job(race: bool, duplicate_error: str) -> None:
    construct, definition = synthesized(create_notification_topic=True, failure_alarm=True)
    with ScoringWorld(duplicate_error=duplicate_error).running() as world:
        arn, topic = deploy(world, definition, topic=True)
        if race:
            # The other execution creates the job between this one's look and its create: the create is refused.
            world.race = True
        else:
            first = world.run(arn, SCHEDULED)
            assert first["status"] == "SUCCEEDED", first
        second = world.run(arn, SCHEDULED)
        assert second["status"] == "SUCCEEDED", second
        output = json.loads(second["output"])
        assert output["status"] == st.ALREADY_STARTED_STATUS
        assert output["transformJobName"] == f"{construct.job_name_prefix}-20270315t0600-s00"
        assert len(world.jobs()) == 1
        # The later delivery found the job before creating; the concurrent one was refused and then found it
        # (the generic error name is first retried, as a passing refusal would be: same name, same answer).
        concurrent_creates = 1 + (st.RETRY_MAX_ATTEMPTS if duplicate_error in st.RETRY_ERRORS else 0)
        assert len(world.requests) == (concurrent_creates if race else 1)
        assert world.notifications(topic or "") == []
        assert_requests_valid(world, construct.job_name_prefix)


def test_runs_started_by_hand_are_unique() -> None:
    construct, definition = synthesized()
    with ScoringWorld().running() as world:
        arn, _ = deploy(world, definition, topic=False)
        runs = [world.run(arn, {}) for _ in range(2)]
        assert [run["status"] for run in runs] == ["SUCCEEDED", "SUCCEEDED"]
        names = list(world.jobs())
        assert len(names) == 2
        for name in names:
            assert re.fullmatch(rf"{construct.job_name_prefix}-\d{{8}}t\d{{4}}-[0-9a-f]{{8}}", name)
        assert_requests_valid(world, construct.job_name_prefix)


@pytest.mark.parametrize("caught", [{"Error": "States.Timeout"}, {"Error": "States.Timeout", "Cause": None}])
def test_a_caught_error_without_a_cause_still_fails_with_the_library_error(caught: dict[str, Any]) -> None:
    """The interpreter's Catch always binds a Cause (an empty one for a timeout); AWS may leave it out. The
    synthesized states from the Catch's target on run with a Catch output that has no (or a null) Cause."""
    _, definition = synthesized()
    transform = definition["States"]["Transform"]
    (catch_all,) = [catch for catch in transform["Catch"] if catch["ErrorEquals"] == ["States.ALL"]]
    from_catch = {**definition, "StartAt": catch_all["Next"]}
    with ScoringWorld().running() as world:
        arn, _ = deploy(world, from_catch, topic=False)
        execution = world.run(arn, {"error": caught, "run": {"jobName": "never-created"}})
        assert failure_of(execution) == (st.TIMED_OUT_ERROR, "States.Timeout: ")
        entered = [event["stateEnteredEventDetails"]["name"] for event in world.history(execution["executionArn"])
                   if "stateEnteredEventDetails" in event]
        assert entered[:2] == ["Cause given?", "No cause"]


def test_a_bucket_given_as_a_token_is_rendered_by_cloudformation_and_run() -> None:
    """``f"s3://{bucket.bucket_name}/..."``: the bucket resolves at deployment, the key per run."""
    from aws_cdk import aws_s3 as s3

    stack = new_stack("ScoringStack")
    bucket = s3.Bucket(stack, "ScoringData")
    construct = scheduled(
        stack,
        input_s3_uri=f"s3://{bucket.bucket_name}/incoming/{{date}}/",
        output_s3_uri=f"s3://{bucket.bucket_name}/scored/{{date}}/{{job_name}}/",
    )
    Tags.of(stack).add("team", "scoring")
    template = template_json(stack)
    (bucket_id,) = resources(template, "AWS::S3::Bucket")
    (machine,) = [m for m in resources(template, "AWS::StepFunctions::StateMachine").values() if "createTransformJob" in json.dumps(m)]
    text = render(machine["Properties"]["DefinitionString"]).replace("${" + bucket_id + "}", "scoring-data-111122223333")
    # The model's role may read and write exactly there (the bucket by reference, the keys up to the placeholders).
    grants = json.dumps([p for p in resources(template, "AWS::IAM::Policy").values()] + [
        r for r in resources(template, "AWS::IAM::Role").values() if "exec" in json.dumps(r.get("Properties", {}).get("RoleName"))
    ])
    assert bucket_id in grants and "/incoming/" in grants and "/scored/" in grants
    with ScoringWorld().running() as world:
        arn, _ = deploy(world, json.loads(text), topic=False)
        execution = world.run(arn, SCHEDULED)
        assert execution["status"] == "SUCCEEDED", execution
        (request,) = world.requests
        name = f"{construct.job_name_prefix}-20270315t0600-s00"
        assert request["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == "s3://scoring-data-111122223333/incoming/2027-03-15/"
        assert request["TransformOutput"]["S3OutputPath"] == f"s3://scoring-data-111122223333/scored/2027-03-15/{name}/"
        assert_requests_valid(world, construct.job_name_prefix)


def test_a_token_outside_the_bucket_is_refused_with_the_way_to_write_it() -> None:
    from aws_cdk import Aws
    from support.annotations import errors_on

    stack = new_stack("ScoringStack")
    construct = scheduled(stack, input_s3_uri=f"s3://autopilot-bucket/{Aws.ACCOUNT_ID}/{{date}}/")
    (message,) = errors_on(construct)
    assert "except its bucket" in message and "f's3://{bucket.bucket_name}/incoming/{{date}}/'" in message
