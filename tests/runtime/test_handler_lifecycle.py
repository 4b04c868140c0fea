"""Whole CloudFormation sequences through the provider framework's contract.

A :class:`~support.cloudformation.Stack` sends create/update/rollback/delete requests
to a :class:`~support.framework.ProviderFramework`, which runs the real handler against
the in-memory SageMaker of :mod:`support.fake_aws` (requests and answers validated
against botocore's service model). Each scenario asserts the final stack status and what
SageMaker holds at the end: no job running that CloudFormation does not know, no extra
job started by a rollback.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from support.cloudformation import Stack
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

    status = world.stack.update(template(job={**BIGGER, "WaitForCompletion": wait}), fail_after=True)

    assert status == "UPDATE_ROLLBACK_COMPLETE"
    assert world.job() == previous
    assert world.stack.resources["Scoring"].data["TransformJobName"] == previous
    assert len(world.aws.jobs) == 2  # the failed update's job and the previous one: the rollback started none
    failed_update_job = next(name for name in world.aws.jobs if name != previous)
    assert world.aws.job_status(failed_update_job) in ("Completed", "Stopped")  # stopped when still running
    world.assert_no_unknown_job_running()
    calls = world.framework.invocations
    last_update = max(index for index, call in enumerate(calls) if call == ("onEvent", "Update"))
    assert calls[last_update + 1 :].count(("isComplete", "Update")) == 1  # answered at once: the rollback did not wait


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
    world.aws.kill_after("CreateTransformJob")

    assert world.stack.create(template()) == "ROLLBACK_COMPLETE"

    assert "Task timed out" in reasons(world)
    orphan = next(iter(world.aws.jobs))
    assert world.aws.job_status(orphan) == "InProgress"  # the framework answered the Delete itself
    # The stack is made again under the same name: its Create stops what the failed attempt left.
    again = Stack(world.framework, stack_id=world.stack.stack_id.replace("5b9f3c10", "77777777"))
    world.stack = again
    assert again.create(template()) == "CREATE_COMPLETE"
    assert world.aws.job_status(orphan) == "Stopped"
    world.assert_no_unknown_job_running()


def test_lambda_killed_after_update_started_the_job(world: World) -> None:
    world.stack.create(template(job={"WaitForCompletion": "false"}))
    world.aws.kill_after("CreateTransformJob")

    status = world.stack.update(template(job={**BIGGER, "WaitForCompletion": "false"}))

    assert status == "UPDATE_ROLLBACK_COMPLETE"
    assert len(world.aws.jobs) == 2
    world.assert_no_unknown_job_running()


def read_timeout() -> BaseException:
    return ReadTimeoutError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com/")


def test_update_whose_create_answer_was_lost_is_rolled_back_and_the_job_stopped(world: World) -> None:
    world.stack.create(template(job={"WaitForCompletion": "false"}))
    previous = world.job()
    world.aws.lose_answer("CreateTransformJob", read_timeout)

    status = world.stack.update(template(job={**BIGGER, "WaitForCompletion": "false"}))

    assert status == "UPDATE_ROLLBACK_COMPLETE" and world.job() == previous
    assert "CreateTransformJob failed: Read timeout" in reasons(world)
    assert len(world.aws.jobs) == 2
    world.assert_no_unknown_job_running()


def test_create_whose_create_answer_was_lost_leaves_a_job_the_next_create_stops(world: World) -> None:
    world.aws.lose_answer("CreateTransformJob", read_timeout)

    assert world.stack.create(template()) == "ROLLBACK_COMPLETE"
    orphan = next(iter(world.aws.jobs))
    world.stack = Stack(world.framework, stack_id=world.stack.stack_id.replace("5b9f3c10", "88888888"))
    assert world.stack.create(template()) == "CREATE_COMPLETE"

    assert world.aws.job_status(orphan) == "Stopped"
    world.assert_no_unknown_job_running()


def test_persistent_connection_errors_on_create_fail_the_stack_cleanly(world: World) -> None:
    closed = raising(lambda: ConnectionClosedError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com/"))
    world.aws.fail("CreateTransformJob", closed, times=None)

    assert world.stack.create(template()) == "ROLLBACK_COMPLETE"

    assert "CreateTransformJob failed: Connection was closed" in reasons(world) and "Scoring" in reasons(world)
    assert world.aws.jobs == {} and world.aws.models == {}


def test_create_failing_while_waiting_stops_the_job_through_the_following_delete(world: World) -> None:
    world.aws.fail("DescribeTransformJob", service_error("AccessDeniedException", "not authorized to DescribeTransformJob"))

    assert world.stack.create(template()) == "ROLLBACK_COMPLETE"

    assert world.aws.running_jobs() == []
    assert "AccessDeniedException" in reasons(world)


def test_lost_answers_are_delivered_again_and_adopt_what_the_first_delivery_made(world: World) -> None:
    world.framework.lost_answers = 2
    assert world.stack.create(template()) == "CREATE_COMPLETE"
    world.framework.lost_answers = 1
    assert world.stack.update(template(job=BIGGER)) == "UPDATE_COMPLETE"

    assert len(world.aws.models) == 1 and len(world.aws.jobs) == 2  # one per request, never one per delivery
    world.assert_no_unknown_job_running()


def test_an_event_over_the_waiter_input_limit_fails_before_acting(world: World) -> None:
    huge = {"Environment": {f"VALUE_{index}": "x" * 1000 for index in range(262)}}  # the event fits, not with the answer

    assert world.stack.create(template(job=huge)) == "ROLLBACK_COMPLETE"

    assert "nothing was created" in reasons(world) and "262144" in reasons(world)
    assert world.aws.jobs == {}
    assert "validation error detected" not in reasons(world)  # never the framework's refusal after acting


def test_an_update_with_large_old_and_new_properties_and_its_rollback_fit(world: World) -> None:
    large = {"Environment": {f"VALUE_{index}": "x" * 1000 for index in range(150)}}  # old + new > 256 KiB
    world.stack.create(template(job=large))
    previous = world.job()

    assert world.stack.update(template(job={**large, **BIGGER}), fail_after=True) == "UPDATE_ROLLBACK_COMPLETE"

    assert world.job() == previous and len(world.aws.jobs) == 2
    assert world.stack.failures() == []  # only the unrelated failure: every request fitted
    world.assert_no_unknown_job_running()


# --- point 3: transient errors while waiting are the next poll ----------------------


@pytest.mark.parametrize(
    "fault",
    [
        service_error("ThrottlingException", "Rate exceeded"),
        service_error("InternalFailure", "We encountered an internal error.", 500),
        raising(lambda: ConnectionClosedError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com/")),
        raising(lambda: ReadTimeoutError(endpoint_url="https://api.sagemaker.us-east-1.amazonaws.com/")),
    ],
    ids=["throttling", "5xx", "connection-closed", "read-timeout"],
)
def test_transient_errors_during_the_wait_are_the_next_poll(world: World, fault: Any) -> None:
    world.aws.fail("DescribeTransformJob", fault, times=3)

    assert world.stack.create(template()) == "CREATE_COMPLETE"
    assert world.aws.job_status(world.job()) == "Completed"


def test_persistent_throttling_fails_at_the_wait_timeout_and_stops_the_job(world: World) -> None:
    world.aws.job_duration = world.aws.job_duration * 100
    # Throttled at every poll of the 10-minute wait (t = 0, 1, ..., 11 min); the Delete that follows is answered.
    world.aws.fail("DescribeTransformJob", service_error("ThrottlingException", "Rate exceeded"), times=12)

    assert world.stack.create(template(job={"WaitTimeoutSeconds": "600"})) == "ROLLBACK_COMPLETE"

    message = reasons(world)
    assert "cannot read the job's status" in message and "ThrottlingException" in message
    assert "DescribeTransformJob" in message and "Scoring" in message
    assert world.aws.running_jobs() == []


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
