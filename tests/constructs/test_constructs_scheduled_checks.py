"""AutopilotScheduledTransform at synthesis: schedules that would never run, locations and tags SageMaker
refuses, outputs written twice, daylight-saving gaps, and the state machine role's tagging permission.

References: EventBridge Scheduler's daylight-saving rules (its user guide, time zones); SageMaker's limits
as botocore's model states them (``contract``, checked in ``tests/package/test_contract.py``); the IAM
reference (every template goes through ``support.stacks``); the deploy-time jobs' own tagging statement.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from aws_cdk import Tags
from support.annotations import assert_refused, errors_on, warnings_on
from support.scheduled import model_in, scheduled
from support.stacks import BUCKET, by_sid, handler_policy, new_stack, render, resources, template_json

from autopilot_inference import AutopilotBatchTransform


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"schedule": "at(2020-01-01T00:00:00)"}, r"schedule 'at\(2020-01-01T00:00:00\)' \(UTC\) is in the past"),
        ({"end": datetime(2021, 1, 1, tzinfo=timezone.utc)}, r"end \(2021-01-01T00:00:00\+00:00\) is in the past"),
    ],
)
def test_a_schedule_that_would_never_run_is_refused(kwargs: dict[str, Any], message: str) -> None:
    assert_refused(scheduled(new_stack(), **kwargs), message)


def test_a_future_one_time_schedule_is_accepted() -> None:
    assert not errors_on(scheduled(new_stack(), schedule="at(2099-01-01T00:00:00)"))


def test_input_equal_to_output_is_warned() -> None:
    template = f"s3://{BUCKET}/data/{{date}}/"
    (warning,) = warnings_on(scheduled(new_stack(), input_s3_uri=template, output_s3_uri=template))
    assert "is the input location" in warning and "autopilot-inference:outputLocation" in warning


def test_two_schedules_writing_one_output_are_warned() -> None:
    stack = new_stack()
    first = scheduled(stack, output_s3_uri=f"s3://{BUCKET}/scored/{{date}}/")
    second = scheduled(stack, first.model, id="Again", output_s3_uri=f"s3://{BUCKET}/scored/{{date}}/")
    (warning,) = warnings_on(second)
    assert "is also the output of TestStack/Nightly" in warning and "sharedOutput" in warning
    # With {job_name} in the location each schedule writes under its own job names: no warning.
    third = scheduled(stack, first.model, id="Third", output_s3_uri=f"s3://{BUCKET}/jobs/{{job_name}}/")
    fourth = scheduled(stack, first.model, id="Fourth", output_s3_uri=f"s3://{BUCKET}/jobs/{{job_name}}/")
    assert warnings_on(third) == warnings_on(fourth) == []


def test_a_schedule_writing_a_batch_transforms_output_is_warned() -> None:
    stack = new_stack()
    model = model_in(stack)
    AutopilotBatchTransform(stack, "Once", model=model, input_s3_uri=f"s3://{BUCKET}/in/", output_s3_uri=f"s3://{BUCKET}/out/")
    (warning,) = warnings_on(scheduled(stack, model, output_s3_uri=f"s3://{BUCKET}/out/"))
    assert "is also the output of TestStack/Once" in warning


def test_two_schedules_with_one_job_name_prefix_are_refused() -> None:
    stack = new_stack()
    first = scheduled(stack, job_name_prefix="nightly")
    second = scheduled(stack, first.model, id="Again", job_name_prefix="nightly", output_s3_uri=f"s3://{BUCKET}/b/")
    assert_refused(second, r"job_name_prefix 'nightly' is already the prefix of TestStack/Nightly")


def test_a_local_time_in_a_daylight_saving_gap_is_warned() -> None:
    (warning,) = warnings_on(scheduled(new_stack(), time_zone="America/New_York"))
    assert "02:00 skipped (clocks go forward" in warning and "scheduleDstGap" in warning
    assert warnings_on(scheduled(new_stack(), time_zone="America/New_York", schedule="cron(0 3 * * ? *)")) == []
    assert warnings_on(scheduled(new_stack(), schedule="cron(0 2 * * ? *)")) == []  # UTC has no gaps


def test_more_tags_than_a_transform_job_takes_are_refused() -> None:
    stack = new_stack()
    construct = scheduled(stack)
    for index in range(50):  # with the owner tag: 51
        Tags.of(construct).add(f"key{index}", "value")
    assert_refused(construct, r"the construct has 50 tags .* at most 50, one of which is the owner tag")


def test_jobs_may_be_tagged_on_create_only_with_the_owner_tag() -> None:
    """The statement the deploy-time jobs' policy has (TagOwnedAtCreation), on this schedule's jobs."""
    stack = new_stack("ScoringStack")
    construct = scheduled(stack)
    template = template_json(stack)
    role_id = stack.resolve(construct.role.node.default_child.logical_id)
    (policy,) = [p for p in resources(template, "AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]]
    (statement,) = [s for s in render(policy["Properties"]["PolicyDocument"]["Statement"]) if s.get("Sid") == "TagScheduledJobsAtCreation"]
    assert statement["Action"] == "sagemaker:AddTags"
    assert statement["Resource"].endswith(f":transform-job/{construct.job_name_prefix}-*")
    assert statement["Condition"] == {
        "StringEquals": {"aws:RequestTag/autopilot-inference:owner": "${AWS::StackId}", "sagemaker:TaggingAction": ["CreateTransformJob"]}
    }
    # The same condition keys and values as the handler's statement for the deploy-time jobs.
    owned = by_sid(handler_policy(template), "TagOwnedResourcesAtCreation")
    assert owned["Action"] == "sagemaker:AddTags"
    rendered = render(owned["Condition"])["StringEquals"]
    assert set(rendered) == set(statement["Condition"]["StringEquals"])
    assert rendered["aws:RequestTag/autopilot-inference:owner"] == "${AWS::StackId}"
    assert "CreateTransformJob" in rendered["sagemaker:TaggingAction"]


def test_a_tag_value_longer_than_a_transform_job_takes_is_refused() -> None:
    construct = scheduled(new_stack())
    Tags.of(construct).add("team", "t" * 257)
    assert_refused(construct, r"the tag 'team'... is too long for a transform job: .* values 256")


def test_a_bad_minute_is_not_told_the_question_mark_rule_and_two_stars_are() -> None:
    """The '?' hint only where the day fields break the rule: cron(61 2 * * ? *) has a bad minute, nothing else."""
    from autopilot_inference.transform.schedules import ScheduleError, check_expression

    with pytest.raises(ScheduleError) as bad_minute:
        check_expression("cron(61 2 * * ? *)")
    assert "Invalid minute value '61'" in str(bad_minute.value) and "must be '?'" not in str(bad_minute.value)
    with pytest.raises(ScheduleError) as two_stars:
        check_expression("cron(0 2 * * * *)")
    assert "one of day-of-month and day-of-week must be '?'" in str(two_stars.value)


def test_a_scheduled_job_name_prefix_is_told_its_own_limit() -> None:
    """A scheduled run's job name leaves 40 characters to the prefix, not the 52 of a deploy-time job's."""
    stack = new_stack("Prefixes")
    construct = scheduled(stack, job_name_prefix="Nightly_Scoring")
    (message,) = errors_on(construct)
    assert message.startswith("job_name_prefix must be 1-40 letters, digits and single hyphens")
