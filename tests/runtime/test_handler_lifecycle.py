"""Whole CloudFormation sequences through the provider framework's contract.

A :class:`~support.cloudformation.Stack` sends create/update/rollback/delete requests
to a :class:`~support.framework.ProviderFramework`, which runs the real handler against
the in-memory SageMaker of :mod:`support.fake_aws` (requests and answers validated
against botocore's service model). Each scenario asserts the final stack status and what
SageMaker holds at the end: no job running that CloudFormation does not know, no extra
job started by a rollback.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from support.cloudformation import HANDLE_SECRET, Stack
from support.fake_aws import raising, service_error
from support.handler import fake_aws_environment  # noqa: F401  (fixture)
from support.lifecycle_world import JOB, MODEL_PROPS, World, reasons, template, world  # noqa: F401  (fixture)

from autopilot_inference._lambda.autopilot_runtime import contract

# --- the plain sequences ------------------------------------------------------------


def test_create_waits_for_the_job_then_delete_removes_the_model(world: World) -> None:
    assert world.stack.create(template()) == "CREATE_COMPLETE"

    job = world.job()
    assert world.aws.job_status(job) == "Completed"
    assert list(world.aws.models) == [world.stack.resources["ChurnModel"].physical_id]
    assert world.stack.delete() == "DELETE_COMPLETE"
    assert world.aws.models == {}
    assert list(world.aws.jobs) == [job]


def test_update_of_the_job_configuration_runs_a_new_job(world: World) -> None:
    world.stack.create(template())
    first = world.job()

    assert world.stack.update(template(job={"TransformResources": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": "1"}})) == "UPDATE_COMPLETE"

    assert world.job() != first
    assert world.aws.jobs[world.job()].request["TransformResources"]["InstanceType"] == "ml.m5.2xlarge"
    assert len(world.aws.jobs) == 2


BIGGER = {"TransformResources": {"InstanceType": "ml.m5.2xlarge", "InstanceCount": "1"}}


# --- point 1: rollbacks restore, they never run a job -------------------------------


@pytest.mark.parametrize("wait", ["true", "false"])
def test_rollback_after_an_unrelated_failure_restores_the_previous_job(world: World, wait: str) -> None:
    world.stack.create(template(job={"WaitForCompletion": wait}))
    previous = world.job()
    waits_before = world.waits()

    status = world.stack.update(template(job={**BIGGER, "WaitForCompletion": wait}), fail_after=True)

    assert status == "UPDATE_ROLLBACK_COMPLETE"
    assert world.job() == previous
    assert world.stack.resources["Scoring"].data["TransformJobName"] == previous
    assert len(world.aws.jobs) == 2  # the failed update's job and the previous one: the rollback started none
    failed_update_job = next(name for name in world.aws.jobs if name != previous)
    assert world.aws.job_status(failed_update_job) in ("Completed", "Stopped")  # stopped when still running
    world.assert_no_unknown_job_running()
    rollback = world.stack.requests_while("UPDATE_ROLLBACK_IN_PROGRESS")
    # The rollback creates nothing (so waits for nothing): the job goes back, the update's wait condition goes.
    assert [kind for _, kind in rollback] == ["Update"] + (["Delete", "Delete"] if wait == "true" else [])
    assert world.waits() == waits_before


def test_rollback_of_model_and_job_keeps_the_previous_model_and_deletes_the_new_one(world: World) -> None:
    world.stack.create(template())
    model, job = world.stack.resources["ChurnModel"].physical_id, world.job()

    status = world.stack.update(template(model={"InferenceResponseKeys": ["predicted_label"]}), fail_after=True)

    assert status == "UPDATE_ROLLBACK_COMPLETE"
    assert list(world.aws.models) == [model]  # the new model was deleted in the clean-up
    assert world.job() == job and len(world.aws.jobs) == 2
    world.assert_no_unknown_job_running()


def test_rollback_when_the_failed_update_never_started_a_job(world: World) -> None:
    world.stack.create(template())
    previous = world.job()
    world.aws.fail("CreateTransformJob", service_error("ResourceLimitExceeded", "The account-level service limit 'ml.m5.2xlarge for transform job usage' is 0 Instances"))

    status = world.stack.update(template(job=BIGGER))

    assert status == "UPDATE_ROLLBACK_COMPLETE"
    assert list(world.aws.jobs) == [previous] and world.job() == previous
    assert "ResourceLimitExceeded" in reasons(world) and "CreateTransformJob" in reasons(world)


def test_rollback_after_the_new_job_failed(world: World) -> None:
    world.stack.create(template())
    previous = world.job()
    world.aws.job_outcome = "Failed"

    status = world.stack.update(template(job=BIGGER))

    assert status == "UPDATE_ROLLBACK_COMPLETE"
    assert world.job() == previous and len(world.aws.jobs) == 2
    assert "failed: ClientError: See job logs" in reasons(world)


def test_a_deliberate_deployment_back_to_the_old_configuration_runs_the_job_again(world: World) -> None:
    world.stack.create(template())
    first = world.job()
    world.stack.update(template(job=BIGGER))

    assert world.stack.update(template()) == "UPDATE_COMPLETE"

    assert world.job() not in (first,) and len(world.aws.jobs) == 3
    assert world.aws.job_status(world.job()) == "Completed"


def test_rollback_finds_the_newest_job_of_the_old_configuration(world: World) -> None:
    world.stack.create(template())
    world.stack.update(template(job=BIGGER))
    world.stack.update(template())  # the old configuration again: a second job of it
    newest = world.job()

    assert world.stack.update(template(job=BIGGER), fail_after=True) == "UPDATE_ROLLBACK_COMPLETE"

    assert world.job() == newest and len(world.aws.jobs) == 4


# --- point 2: nothing started stays running unknown to CloudFormation ----------------


def test_lambda_killed_after_create_started_the_job(world: World) -> None:
    # A crash that is not the function's timeout (which a create never risks: see below).
    world.aws.kill_after("CreateTransformJob")

    assert world.stack.create(template()) == "ROLLBACK_COMPLETE"

    assert "Task timed out" in reasons(world)
    orphan = next(iter(world.aws.jobs))
    assert world.aws.job_status(orphan) == "InProgress"  # the framework answered the Delete itself
    # The stack is made again under the same name: its Create stops what the failed attempt left, and the
    # orphan's Stopped event signals nothing of the new stack (its handle is the old stack's).
    again = world.use_stack(Stack(world.framework, stack_id=world.stack.stack_id.replace("5b9f3c10", "77777777")))
    assert again.create(template()) == "CREATE_COMPLETE"
    assert world.aws.job_status(orphan) == "Stopped"
    world.assert_no_unknown_job_running()


def slow_throttling(world: World, seconds: float) -> Any:
    """A throttled call that took ``seconds`` (every retry of it)."""

    def fault() -> tuple[str, str, int]:
        world.aws.clock.advance(seconds)
        return ("ThrottlingException", "Rate exceeded", 400)

    return fault


def test_a_create_never_starts_without_the_time_its_worst_case_needs(world: World) -> None:
    # Looking for jobs an earlier attempt left took 210 s (throttled, with its retries): too little of the invocation is left to start the
    # job and still find it if CreateTransformJob's answer were lost, so nothing starts (the function's timeout
    # can never fall between the job's start and its answer).
    world.aws.fail("ListTransformJobs", slow_throttling(world, 210))

    assert world.stack.create(template()) == "ROLLBACK_COMPLETE"

    assert "not started: 90 s left in this invocation" in reasons(world) and "may take 270 s" in reasons(world)
    assert "CreateTransformJob" not in world.aws.calls and world.aws.jobs == {}
    assert "Task timed out" not in reasons(world)


def read_timeout() -> BaseException:
    return ReadTimeoutError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com/")


def throttled_after_acting() -> BaseException:
    # The job was created, the answer lost (connection reset); the retries were throttled until they gave up.
    return ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "CreateTransformJob")


@pytest.mark.parametrize("lost", [read_timeout, throttled_after_acting], ids=["read-timeout", "throttled-retries"])
def test_create_whose_answer_was_lost_adopts_its_own_job(world: World, lost: Any) -> None:
    world.aws.lose_answer("CreateTransformJob", lost)

    assert world.stack.create(template()) == "CREATE_COMPLETE"

    assert list(world.aws.jobs) == [world.job()]  # found under its name and adopted: CloudFormation knows it
    assert world.aws.job_status(world.job()) == "Completed"  # and waited for
    world.assert_no_unknown_job_running()


def test_update_whose_answer_was_lost_adopts_its_own_job(world: World) -> None:
    world.stack.create(template(job={"WaitForCompletion": "false"}))
    previous = world.job()
    world.aws.lose_answer("CreateTransformJob", throttled_after_acting)

    assert world.stack.update(template(job={**BIGGER, "WaitForCompletion": "false"})) == "UPDATE_COMPLETE"

    assert world.job() != previous and len(world.aws.jobs) == 2
    world.assert_no_unknown_job_running()


def test_lambda_killed_after_update_started_the_job(world: World) -> None:
    world.stack.create(template(job={"WaitForCompletion": "false"}))
    world.aws.kill_after("CreateTransformJob")

    status = world.stack.update(template(job={**BIGGER, "WaitForCompletion": "false"}))

    assert status == "UPDATE_ROLLBACK_COMPLETE"
    assert len(world.aws.jobs) == 2
    world.assert_no_unknown_job_running()


def test_persistent_connection_errors_on_create_fail_the_stack_cleanly(world: World) -> None:
    closed = raising(lambda: ConnectionClosedError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com/"))
    world.aws.fail("CreateTransformJob", closed, times=None)

    assert world.stack.create(template()) == "ROLLBACK_COMPLETE"

    assert "CreateTransformJob failed: Connection was closed" in reasons(world) and "Scoring" in reasons(world)
    assert world.aws.jobs == {} and world.aws.models == {}


def test_lost_answers_are_delivered_again_and_adopt_what_the_first_delivery_made(world: World) -> None:
    world.framework.lost_answers = 2
    assert world.stack.create(template()) == "CREATE_COMPLETE"
    world.framework.lost_answers = 1
    assert world.stack.update(template(job=BIGGER)) == "UPDATE_COMPLETE"

    assert len(world.aws.models) == 1 and len(world.aws.jobs) == 2  # one per request, never one per delivery
    world.assert_no_unknown_job_running()


def test_an_update_with_large_old_and_new_properties_and_its_rollback_succeed(world: World) -> None:
    # Old + new > 256 KiB: the input limit of the retired waiter, which refused such an update after the handler acted.
    large = {"Environment": {f"VALUE_{index}": "x" * 1000 for index in range(150)}}
    world.stack.create(template(job=large))
    previous = world.job()

    assert world.stack.update(template(job={**large, **BIGGER}), fail_after=True) == "UPDATE_ROLLBACK_COMPLETE"

    assert world.job() == previous and len(world.aws.jobs) == 2
    assert world.stack.failures() == []  # only the unrelated failure
    world.assert_no_unknown_job_running()


# --- point 3: the wait: a wait condition signalled by the job's own event, nothing polls ----------------


def handler_invocations(world: World) -> int:
    return len(world.framework.invocations) + world.event_invocations


def test_a_three_hour_job_completes_with_no_invocation_while_it_runs(world: World) -> None:
    world.aws.job_duration = timedelta(hours=3)

    assert world.stack.create(template(job={"WaitTimeoutSeconds": str(4 * 3600)})) == "CREATE_COMPLETE"

    assert world.aws.job_status(world.job()) == "Completed"
    # Two requests (model, job) and the one job event: nothing in between, however long the job runs.
    assert world.framework.invocations == [("onEvent", "Create"), ("onEvent", "Create")] and world.event_invocations == 1
    assert world.stack.waited_seconds == [3 * 3600]  # the deployment learnt of the end at once (event delay 0)
    data = json.loads(world.stack.resources[world.waits()[0]].data["Data"])
    assert data == {world.job(): world.stack.resources["Scoring"].data["TransformJobArn"]}


def test_a_thirteen_hour_job_times_out_at_twelve_hours_and_is_stopped(world: World) -> None:
    world.aws.job_duration = timedelta(hours=13)

    status = world.stack.create(template(job={"WaitTimeoutSeconds": str(contract.MAX_WAIT_SECONDS)}))

    assert status == "ROLLBACK_COMPLETE"
    assert "WaitCondition timed out. Received 0 conditions when expecting 1" in reasons(world)
    assert world.stack.waited_seconds == [contract.MAX_WAIT_SECONDS]
    job = next(iter(world.aws.jobs))
    assert world.aws.job_status(job) == "Stopped"  # by the rollback's Delete of the job resource
    assert world.event_invocations == 0  # nothing ran during the twelve hours
    world.aws.deliver_events()  # the Stopped event, after the rollback: its handle is gone, nothing is signalled
    assert world.event_invocations == 1 and world.aws.signals == {}
    world.assert_no_unknown_job_running()


def test_a_failed_job_fails_the_deployment_with_its_reason(world: World) -> None:
    world.aws.job_outcome = "Failed"
    world.aws.job_failure_reason = "AlgorithmError: CSV row 17 has 9 columns, expected 8"

    assert world.stack.create(template()) == "ROLLBACK_COMPLETE"

    job = next(iter(world.aws.jobs))
    assert (
        f"WaitCondition received failed message: 'Transform job {job} failed: AlgorithmError: CSV row 17 has 9 columns, "
        "expected 8. Fix the cause and deploy again" in reasons(world)
    )
    assert world.stack.waited_seconds == [600]


def test_a_stopped_job_fails_the_deployment(world: World) -> None:
    world.aws.job_duration = timedelta(hours=2)

    def stop_by_hand() -> None:
        job = next(iter(world.aws.jobs))
        world.aws.sagemaker.stop_transform_job(TransformJobName=job)

    world.aws.at(timedelta(minutes=30), stop_by_hand)

    assert world.stack.create(template()) == "ROLLBACK_COMPLETE"
    assert "was stopped: no failure reason reported" in reasons(world)
    assert world.stack.waited_seconds == [1800]


def test_rollback_during_the_wait_stops_the_new_job_and_keeps_the_previous_one(world: World) -> None:
    world.stack.create(template())
    previous, waits_before = world.job(), world.waits()
    world.aws.job_duration = timedelta(hours=2)
    world.stack.fail_waits_after = 1800  # another resource fails half an hour into the wait

    assert world.stack.update(template(job=BIGGER)) == "UPDATE_ROLLBACK_COMPLETE"

    assert world.job() == previous and world.waits() == waits_before
    new_job = next(name for name in world.aws.jobs if name != previous)
    assert world.aws.job_status(new_job) == "Stopped"
    assert [kind for _, kind in world.stack.requests_while("UPDATE_ROLLBACK_IN_PROGRESS")] == ["Update", "Delete", "Delete"]
    world.assert_no_unknown_job_running()


def test_a_replaced_model_runs_the_job_again_with_a_new_wait_condition(world: World) -> None:
    world.stack.create(template())
    first, waits_before = world.job(), world.waits()

    # Only the model's props change: the job's ModelName comes from the model (GetAtt).
    assert world.stack.update(template(model={"InferenceResponseKeys": ["predicted_label"]})) == "UPDATE_COMPLETE"

    assert world.job() != first and len(world.aws.jobs) == 2
    assert world.waits() != waits_before and len(world.waits()) == 1
    assert world.aws.jobs[world.job()].request["ModelName"] == world.stack.resources["ChurnModel"].physical_id
    assert world.stack.waited_seconds == [600, 600]  # the new job was waited for


def test_a_model_changed_at_deploy_time_only_is_refused_before_any_job_starts(world: World) -> None:
    world.stack.create(template())
    first = world.job()

    # A replaced role: the model's properties change at deploy time, its template (and the wait key) do not.
    changed = template(model={"ExecutionRoleArn": "arn:aws:iam::111122223333:role/ReplacedRole"}, model_in_template=MODEL_PROPS)
    assert world.stack.update(changed) == "UPDATE_ROLLBACK_COMPLETE"

    assert "cannot wait again" in reasons(world) and "No job was started" in reasons(world)
    assert list(world.aws.jobs) == [first] and world.job() == first
    world.assert_no_unknown_job_running()


def test_a_new_wait_timeout_keeps_the_job_and_its_new_wait_condition_is_signalled_at_once(world: World) -> None:
    world.stack.create(template())
    first, waits_before = world.job(), world.waits()

    assert world.stack.update(template(job={"WaitTimeoutSeconds": "7200"})) == "UPDATE_COMPLETE"

    assert world.job() == first and list(world.aws.jobs) == [first]
    assert world.waits() != waits_before
    assert world.stack.waited_seconds == [600, 0]


def test_repeated_event_deliveries_signal_once_per_job(world: World) -> None:
    world.aws.event_copies = 2

    assert world.stack.create(template()) == "CREATE_COMPLETE"

    signals = next(iter(world.aws.signals.values()))
    assert len(signals) == 2 and {signal["UniqueId"] for signal in signals} == {world.job()}
    assert world.event_invocations == 2


@pytest.mark.parametrize(
    "fault",
    [
        service_error("ThrottlingException", "Rate exceeded"),
        service_error("InternalFailure", "We encountered an internal error.", 500),
        raising(lambda: ConnectionClosedError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com/")),
    ],
    ids=["throttling", "5xx", "connection-closed"],
)
def test_a_transient_error_of_the_signal_is_retried_by_lambda(world: World, fault: Any) -> None:
    world.aws.fail("ListTags", fault)

    assert world.stack.create(template()) == "CREATE_COMPLETE"

    assert world.aws.event_failures == 1 and world.event_invocations == 2
    assert world.stack.waited_seconds == [600 + 60]  # Lambda's first asynchronous retry, a minute later


def test_a_signal_that_never_gets_through_times_out_and_nothing_keeps_running(world: World) -> None:
    world.aws.fail("DescribeStackResource", service_error("AccessDenied", "not authorized to DescribeStackResource"), times=None)

    assert world.stack.create(template(job={"WaitTimeoutSeconds": "1800"})) == "ROLLBACK_COMPLETE"

    assert world.aws.event_failures == 3  # the delivery and Lambda's two retries
    assert "WaitCondition timed out" in reasons(world)
    world.assert_no_unknown_job_running()


def test_the_handle_url_is_never_logged_nor_in_an_answer(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    world.aws.job_outcome = "Failed"
    assert world.stack.create(template()) == "ROLLBACK_COMPLETE"
    world.aws.job_outcome = "Completed"
    assert world.stack.create(template()) == "CREATE_COMPLETE"

    assert len(world.aws.signals) == 1  # the first handle's signals went with it; the second's was signalled
    assert HANDLE_SECRET not in caplog.text
    assert all(HANDLE_SECRET not in reason for *_, reason in world.stack.log)
    assert all(HANDLE_SECRET not in json.dumps(resource.data) for resource in world.stack.resources.values())


# --- point 5: every failure names the resource and the call, and fits ----------------


def test_a_long_service_error_fits_the_response_and_keeps_the_cause(world: World) -> None:
    long_value = "s3://example-ml-data-111122223333/" + "very-long-prefix/" * 1200
    world.aws.fail("CreateTransformJob", service_error("ValidationException", f"Value '{long_value}' at 'transformInput' failed. Cause: bucket is in another region"))

    assert world.stack.create(template()) == "ROLLBACK_COMPLETE"

    message = reasons(world)
    assert "Response object is too long" not in message
    assert "CreateTransformJob" in message and "ValidationException" in message
    assert "Logs: /aws/lambda/ChurnStack-AutopilotInferenceProviderHandler-AbC123dEf456" in message
    assert "Cause: bucket is in another region" in message and "characters cut" in message


def test_a_connection_failure_names_the_call_and_the_resource(world: World) -> None:
    world.aws.fail("CreateModel", raising(lambda: ConnectionClosedError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com/")))

    assert world.stack.create(template()) == "ROLLBACK_COMPLETE"

    message = reasons(world)
    assert "CreateModel failed: Connection was closed" in message
    assert "ChurnModel" in message and JOB in message
    assert world.aws.models == {}


def test_an_endpoint_failure_on_delete_names_the_call(world: World) -> None:
    world.stack.create(template(job={"WaitForCompletion": "false"}))
    world.aws.fail("DescribeTransformJob", raising(lambda: EndpointConnectionError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com/")))

    assert world.stack.delete() == "DELETE_FAILED"

    message = reasons(world)
    assert "DescribeTransformJob failed: Could not connect" in message and "Scoring" in message


def test_a_pagination_error_names_the_call(world: World) -> None:
    world.aws.repeat_candidate_token = True

    assert world.stack.create(template(model={"CandidateName": "churn-hpo-2026-11sNxh-004-1a2b3c4d"})) == "ROLLBACK_COMPLETE"

    message = reasons(world)
    assert "ListCandidatesForAutoMLJob" in message and "same next token" in message.lower()
    assert "ChurnModel" in message


# --- point 6: tag-only and wait-only updates touch only tags ------------------------


@pytest.mark.parametrize(
    "denial",
    [
        service_error("AccessDeniedException", "User is not authorized to perform: sagemaker:DescribeAutoMLJob"),
        service_error("ValidationException", "Could not find AutoML job churn-hpo-2026-11"),
    ],
    ids=["access-denied", "job-deleted"],
)
def test_tag_and_wait_only_update_with_the_automl_job_unreadable(world: World, denial: Any) -> None:
    world.stack.create(template())
    model, job, data = world.stack.resources["ChurnModel"].physical_id, world.job(), world.stack.resources["ChurnModel"].data
    for operation in ("DescribeAutoMLJob", "DescribeAutoMLJobV2", "ListCandidatesForAutoMLJob"):
        world.aws.fail(operation, denial, times=None)
    world.aws.calls.clear()
    tags = [{"Key": "team", "Value": "platform"}]

    status = world.stack.update(template(model={"Tags": tags}, job={"Tags": tags, "WaitTimeoutSeconds": "1800"}))

    assert status == "UPDATE_COMPLETE"
    assert not [call for call in world.aws.calls if "AutoML" in call]
    assert world.stack.resources["ChurnModel"].physical_id == model and world.job() == job
    assert world.stack.resources["ChurnModel"].data == data  # every attribute still there for Fn::GetAtt
    assert world.aws.models[model].tags["team"] == "platform" and world.aws.jobs[job].tags["team"] == "platform"
    assert len(world.aws.jobs) == 1


# --- point 7: a misspelt property is refused ------------------------------------------


def test_a_misspelt_property_in_a_template_fails_the_deployment_before_acting(world: World) -> None:
    properties = {key: value for key, value in MODEL_PROPS.items() if key != "InferenceResponseKeys"}
    misspelt = {"ChurnModel": (contract.MODEL_RESOURCE_TYPE, {**properties, "InferenceResponseKey": ["predicted_label"]})}

    assert world.stack.create(misspelt) == "ROLLBACK_COMPLETE"

    assert "InferenceResponseKey (did you mean InferenceResponseKeys?)" in reasons(world)
    assert world.aws.models == {} and world.aws.calls == []
