"""AutopilotScheduledTransform: the state machine, the schedule, IAM, notifications, synth-time errors.

References: botocore's ``CreateTransformJob`` input shape (types, required members, ranges,
and the documented name pattern) for the task's request; ``aws_cdk.assertions`` for the
template; the Amazon States Language's definitions of ``States.Format``, ``States.StringSplit``,
``States.ArrayGetItem`` and ``States.UUID`` for the small interpreter that runs the emitted
Pass states offline; cdk-nag's AwsSolutions pack (``test_nag``'s checks).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from aws_cdk import Duration, Stack, TimeZone
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template
from support.annotations import assert_refused, errors_on
from support.paths import REPO_ROOT
from support.scheduled import INPUT_TEMPLATE, OUTPUT_TEMPLATE, model_in, scheduled
from support.stacks import (
    BUCKET,
    checked_synth,
    checked_template,
    custom_resource_id,
    new_stack,
    render,
    resources,
    template_json,
)

from autopilot_inference import AutopilotBatchTransform, AutopilotScheduledTransform
from autopilot_inference.transform import run_locations as locations
from autopilot_inference.transform import schedules

SHAPE = botocore.session.get_session().get_service_model("sagemaker").operation_model("CreateTransformJob").input_shape
NAME_PATTERN = re.compile(rf"^{SHAPE.members['TransformJobName'].metadata['pattern']}$")
STATE_MACHINE = "AWS::StepFunctions::StateMachine"
SCHEDULE = "AWS::Scheduler::Schedule"

EVERY_OPTION: dict[str, Any] = {
    "instance_type": "ml.c5.2xlarge",
    "instance_count": 2,
    "content_type": "text/csv",
    "split_type": "Line",
    "accept": "application/jsonlines",
    "assemble_with": "Line",
    "input_data_type": "S3Prefix",
    "compression_type": "Gzip",
    "batch_strategy": "MultiRecord",
    "max_payload_in_mb": 6,
    "max_concurrent_transforms": 4,
    "invocations_timeout": Duration.minutes(5),
    "invocations_max_retries": 2,
    "input_filter": "$[1:]",
    "output_filter": "$[0,-1]",
    "join_source": "Input",
    "environment": {"SAGEMAKER_MODEL_SERVER_TIMEOUT": "300"},
}


def definition(template: dict[str, Any]) -> dict[str, Any]:
    """The scheduled transform's state machine (not the provider framework's waiter)."""
    (machine,) = [m for m in resources(template, STATE_MACHINE).values() if "createTransformJob" in json.dumps(m)]
    return json.loads(render(machine["Properties"]["DefinitionString"]))


# --- a tiny interpreter of the intrinsic functions and paths the Pass states use ----------------


def _split_arguments(text: str) -> list[str]:
    """Top-level comma-separated arguments (quotes and parentheses respected)."""
    arguments, depth, quoted, current, index = [], 0, False, "", 0
    while index < len(text):
        char = text[index]
        if quoted and char == "\\":
            current += text[index : index + 2]
            index += 2
            continue
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            arguments.append(current.strip())
            current = ""
            index += 1
            continue
        current += char
        index += 1
    if current.strip():
        arguments.append(current.strip())
    return arguments


def _path(path: str, data: Any, context: dict[str, Any]) -> Any:
    root, rest = (context, path[2:]) if path.startswith("$$") else (data, path[1:])
    value = root
    for key in filter(None, rest.split(".")):
        value = value[key]
    return value


def evaluate(expression: str, data: Any, context: dict[str, Any]) -> Any:
    """An intrinsic function call, a quoted string or a path, as the States Language defines them."""
    expression = expression.strip()
    if expression.startswith("'"):
        assert expression.endswith("'"), expression
        return re.sub(r"\\(.)", r"\1", expression[1:-1])
    if expression.startswith("$"):
        return _path(expression, data, context)
    if re.fullmatch(r"-?\d+", expression):
        return int(expression)
    name, _, rest = expression.partition("(")
    assert rest.endswith(")"), expression
    arguments = [evaluate(argument, data, context) for argument in _split_arguments(rest[:-1])]
    if name == "States.Format":
        template, *values = arguments
        pieces = re.split(r"(?<!\\)\{\}", template)
        assert len(pieces) == len(values) + 1, (template, values)
        text = pieces[0]
        for value, piece in zip(values, pieces[1:], strict=True):
            text += str(value) + piece
        return re.sub(r"\\(.)", r"\1", text)
    if name == "States.StringSplit":
        value, delimiters = arguments
        return [part for part in re.split(f"[{re.escape(delimiters)}]", value) if part]
    if name == "States.ArrayGetItem":
        array, index = arguments
        assert isinstance(index, int), index
        return array[index]
    if name == "States.UUID":
        return context["uuid"]
    raise AssertionError(f"the interpreter does not know {name}")


def evaluate_parameters(parameters: dict[str, Any], data: Any, context: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in parameters.items():
        if key.endswith(".$"):
            result[key[:-2]] = evaluate(value, data, context)
        elif isinstance(value, dict):
            result[key] = evaluate_parameters(value, data, context)
        else:
            result[key] = value
    return result


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    keys = path[2:].split(".")
    target = data
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value
    return data


def run_until_task(machine: dict[str, Any], execution_input: dict[str, Any], context: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Run the Choice and Pass states from ``StartAt``; the first Task state's name and input."""
    states, name, data = machine["States"], machine["StartAt"], json.loads(json.dumps(execution_input))
    while True:
        state = states[name]
        if state["Type"] == "Task":
            return name, data
        if state["Type"] == "Choice":
            name = state["Default"]
            for choice in state["Choices"]:
                assert set(choice) == {"Variable", "IsPresent", "Next"}, choice
                try:
                    _path(choice["Variable"], data, context)
                    present = True
                except KeyError:
                    present = False
                if present == choice["IsPresent"]:
                    name = choice["Next"]
                    break
            continue
        assert state["Type"] == "Pass", state
        data = _set(data, state["ResultPath"], evaluate_parameters(state["Parameters"], data, context))
        name = state["Next"]


def context_of(uuid_value: str, start_time: str = "2026-12-03T07:08:09.123Z") -> dict[str, Any]:
    return {"Execution": {"StartTime": start_time, "Name": "manual-run", "Id": "arn:execution"}, "uuid": uuid_value}


# Each test builds the stack it checks; these helpers only spell out a case the test names.


def run_keys(stack: Stack) -> tuple[kms.Key, kms.Key]:
    """The output and volume keys of the every-option case."""
    return kms.Key(stack, "OutputKey", enable_key_rotation=True), kms.Key(stack, "VolumeKey", enable_key_rotation=True)


def nightly_with_every_option(stack: Stack, output_key: kms.IKey, volume_key: kms.IKey) -> AutopilotScheduledTransform:
    """The nightly schedule (support.scheduled's defaults, its own model) given every schedule, notification
    and transform option (EVERY_OPTION, ``output_key`` and ``volume_key``)."""
    return scheduled(
        stack,
        time_zone="Europe/Berlin",
        flexible_time_window=Duration.minutes(15),
        start=datetime(2027, 1, 1, tzinfo=timezone.utc),
        end=datetime(2090, 12, 31, tzinfo=timezone.utc),  # an end in the past is refused
        create_notification_topic=True,
        notify_on_success=True,
        failure_alarm=True,
        output_kms_key=output_key,
        volume_kms_key=volume_key,
        **EVERY_OPTION,
    )


# --- the transform task's request -----------------------------------------------------------------


def task_state(template: dict[str, Any]) -> dict[str, Any]:
    machine = definition(template)
    (task,) = [state for state in machine["States"].values() if state.get("Resource", "").endswith("createTransformJob.sync")]
    return task


def test_task_is_the_sync_integration_with_the_model_name_attribute() -> None:
    stack = new_stack("ScoringStack")
    construct = nightly_with_every_option(stack, *run_keys(stack))
    template = template_json(stack)
    task = task_state(template)
    assert task["Resource"] == "arn:aws:states:::sagemaker:createTransformJob.sync"
    model_id = custom_resource_id(stack, construct.model)
    assert task["Parameters"]["ModelName"] == "${" + model_id + ".ModelName}"
    assert task["Parameters"]["TransformJobName.$"] == "$.run.jobName"


def test_request_is_the_deploy_time_request() -> None:
    """Same options, same fields: the task sends what AutopilotBatchTransform's resource sends."""
    stack = new_stack("ScoringStack")
    output_key, volume_key = run_keys(stack)
    construct = nightly_with_every_option(stack, output_key, volume_key)
    deploy_time = AutopilotBatchTransform(
        stack,
        "DeployTime",
        model=construct.model,
        input_s3_uri=f"s3://{BUCKET}/incoming/2026-12-01/",
        output_s3_uri=f"s3://{BUCKET}/scored/2026-12-01/",
        output_kms_key=output_key,
        volume_kms_key=volume_key,
        **EVERY_OPTION,
    )
    template = template_json(stack)
    parameters = task_state(template)["Parameters"]
    deploy_id = custom_resource_id(stack, deploy_time)
    deploy = render(template["Resources"][deploy_id]["Properties"])
    for name in ("TransformResources", "BatchStrategy", "MaxPayloadInMB", "MaxConcurrentTransforms",
                 "ModelClientConfig", "DataProcessing", "Environment"):
        assert parameters[name] == deploy[name], name
    for name in ("TransformInput", "TransformOutput"):
        scheduled_part = json.loads(json.dumps(parameters[name]).replace('"S3Uri.$": "$.run.input"', '"S3Uri": "-"')
                                    .replace('"S3OutputPath.$": "$.run.output"', '"S3OutputPath": "-"'))
        deploy_part = json.loads(json.dumps(deploy[name]))
        deploy_part.get("DataSource", {}).get("S3DataSource", {})["S3Uri"] = "-"
        if "S3OutputPath" in deploy_part:
            deploy_part["S3OutputPath"] = "-"
        assert scheduled_part == deploy_part, name


def test_retries_on_creation_errors_only_with_backoff() -> None:
    stack = new_stack("ScoringStack")
    nightly_with_every_option(stack, *run_keys(stack))
    template = template_json(stack)
    (retry,) = task_state(template)["Retry"]
    assert set(retry["ErrorEquals"]) == {
        "SageMaker.AmazonSageMakerException", "SageMaker.ResourceLimitExceededException", "ThrottlingException",
    }
    assert "States.TaskFailed" not in retry["ErrorEquals"] and "States.ALL" not in retry["ErrorEquals"]
    assert retry["BackoffRate"] > 1 and retry["MaxAttempts"] >= 3 and retry["JitterStrategy"] == "FULL"


# --- names and locations, run offline -------------------------------------------------------------


@pytest.mark.parametrize(
    ("execution_input", "time_fields"),
    [
        ({"scheduledTime": "2026-12-01T02:00:00Z"}, ("2026", "12", "01", "02", "00", "00")),
        ({}, ("2026", "12", "03", "07", "08", "09")),  # started by hand: the execution's start time
    ],
)
def test_pass_states_render_name_and_locations(execution_input: dict[str, Any], time_fields: tuple[str, ...]) -> None:
    stack = new_stack("ScoringStack")
    construct = nightly_with_every_option(stack, *run_keys(stack))
    template = template_json(stack)
    run_uuid = str(uuid.uuid4())
    machine = definition(template)
    _, data = run_until_task(machine, execution_input, context_of(run_uuid))
    run = data["run"]
    year, month, day, hour, minute, second = time_fields
    # A scheduled run's id is a function of its time; a run by hand's the first group of a fresh UUID.
    run_id = f"s{second}" if execution_input else run_uuid.split("-")[0]
    prefix = construct.job_name_prefix
    assert run["jobName"] == f"{prefix}-{year}{month}{day}t{hour}{minute}-{run_id}"
    assert NAME_PATTERN.match(run["jobName"]) and run["jobName"] == run["jobName"].lower()
    assert run["input"] == f"s3://{BUCKET}/incoming/{year}-{month}-{day}/"
    assert run["output"] == f"s3://{BUCKET}/scored/year={year}/month={month}/day={day}/{run['jobName']}/"
    # The pure Python mirror (used by summary and the docs) computes the same.
    time = execution_input.get("scheduledTime", context_of(run_uuid)["Execution"]["StartTime"])
    assert locations.render(locations.parse(OUTPUT_TEMPLATE, "o", job_name_prefix=prefix), time, run_id) == run["output"]


@pytest.mark.parametrize("character", ["'", "\\", "}"])
def test_quotes_backslashes_and_braces_in_literal_text_are_refused(character: str) -> None:
    construct = scheduled(new_stack(), output_s3_uri=f"s3://{BUCKET}/it{character}s/{{date}}/")
    assert_refused(construct, r"output_s3_uri has .* quotes and backslashes cannot be passed through|brace outside")


def test_a_location_longer_than_sagemaker_takes_is_refused_at_its_longest_rendering() -> None:
    # 1,000 literal characters + {job_name} (at most 63) pass 1,024 only when rendered; the check renders the longest.
    long_key = "k" * (1024 - len(f"s3://{BUCKET}/") - 20)
    assert_refused(
        scheduled(new_stack(), output_s3_uri=f"s3://{BUCKET}/{long_key}/{{job_name}}/"),
        r"output_s3_uri .* renders up to 10\d\d characters .* at most 1024",
    )
    # The same key without the placeholder fits.
    assert not errors_on(scheduled(new_stack(), output_s3_uri=f"s3://{BUCKET}/{long_key}/{{date}}/"))


def test_longest_job_name_fits() -> None:
    prefix = "a" * locations.MAX_JOB_NAME_PREFIX_LENGTH
    name = locations.sample(locations.job_name_pieces(prefix), run_id="f" * locations.RUN_ID_LENGTH)
    assert len(name) == SHAPE.members["TransformJobName"].metadata["max"] and NAME_PATTERN.match(name)


# --- the schedule ---------------------------------------------------------------------------------


def test_schedule_properties() -> None:
    stack = new_stack("ScoringStack")
    construct = nightly_with_every_option(stack, *run_keys(stack))
    template = template_json(stack)
    machine_id = stack.resolve(construct.state_machine.node.default_child.logical_id)
    Template.from_json(template).has_resource_properties(
        SCHEDULE,
        {
            "ScheduleExpression": "cron(0 2 * * ? *)",
            "ScheduleExpressionTimezone": "Europe/Berlin",
            "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
            "StartDate": Match.string_like_regexp("^2027-01-01T00:00:00"),
            "EndDate": Match.string_like_regexp("^2090-12-31T00:00:00"),
            "State": "ENABLED",
            "Target": {
                "Arn": {"Ref": machine_id},
                "Input": json.dumps({"scheduledTime": "<aws.scheduler.scheduled-time>"}, separators=(",", ":")),
                "RetryPolicy": Match.any_value(),
                "RoleArn": Match.any_value(),
            },
        },
    )


def test_schedule_expression_object_and_disabled() -> None:
    stack = new_stack()
    construct = scheduled(
        stack,
        schedule=scheduler.ScheduleExpression.cron(minute="30", hour="1", time_zone=TimeZone.AMERICA_NEW_YORK),
        enabled=False,
    )
    assert construct.time_zone == "America/New_York"
    checked_template(stack).has_resource_properties(
        SCHEDULE,
        {"ScheduleExpression": "cron(30 1 * * ? *)", "ScheduleExpressionTimezone": "America/New_York",
         "State": "DISABLED", "FlexibleTimeWindow": {"Mode": "OFF"}},
    )


def test_scheduler_role_may_only_start_this_state_machine() -> None:
    stack = new_stack("ScoringStack")
    construct = nightly_with_every_option(stack, *run_keys(stack))
    template = template_json(stack)
    schedule = next(iter(resources(template, SCHEDULE).values()))
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    policies = [p for p in resources(template, "AWS::IAM::Policy").values()
                if {"Ref": role_id} in p["Properties"]["Roles"]]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    machine_id = stack.resolve(construct.state_machine.node.default_child.logical_id)
    assert statements == [{"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": machine_id}}]
    role = template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert role == [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"},
                     "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]


def test_two_schedules_in_a_stack_have_separate_scheduler_roles() -> None:
    stack = new_stack()
    first = scheduled(stack)
    scheduled(stack, first.model, id="Hourly", schedule="rate(1 hour)")
    template = template_json(stack)
    roles = {s["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0] for s in resources(template, SCHEDULE).values()}
    assert len(roles) == 2


# --- IAM ------------------------------------------------------------------------------------------


def role_statements(template: dict[str, Any], stack: Stack, construct: AutopilotScheduledTransform) -> list[dict[str, Any]]:
    """The statements of the state machine role's one policy, rendered."""
    role_id = stack.resolve(construct.role.node.default_child.logical_id)
    policies = [p for p in resources(template, "AWS::IAM::Policy").values()
                if {"Ref": role_id} in p["Properties"]["Roles"]]
    assert len(policies) == 1
    return render(policies[0]["Properties"]["PolicyDocument"]["Statement"])


def test_state_machine_role_is_least_privilege() -> None:
    stack = new_stack("ScoringStack")
    construct = nightly_with_every_option(stack, *run_keys(stack))
    template = template_json(stack)
    statements = {s.get("Sid", s["Action"] if isinstance(s["Action"], str) else s["Action"][0]): s for s in role_statements(template, stack, construct)}
    prefix = construct.job_name_prefix
    assert prefix == prefix.lower() and prefix.startswith("scoringstack-nightly")
    jobs = statements["ManageScheduledTransformJobs"]
    assert jobs["Resource"] == f"arn:aws:sagemaker:ap-southeast-2:111122223333:transform-job/{prefix}-*"
    assert set(jobs["Action"]) == {"sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob",
                                   "sagemaker:StopTransformJob", "sagemaker:ListTags"}
    rule = statements["HearOfTransformJobEnds"]
    assert rule["Resource"].endswith(":rule/StepFunctionsGetEventsForSageMakerTransformJobsRule")
    every_action = {a for s in role_statements(template, stack, construct) for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert not any(action.startswith(("iam:", "s3:")) for action in every_action), every_action
    assert "sns:Publish" in every_action
    # aws-cdk-lib's task would have created a role with AmazonSageMakerFullAccess; there is none.
    assert "AmazonSageMakerFullAccess" not in json.dumps(template)


def test_execution_role_gets_the_run_locations_up_to_the_first_placeholder() -> None:
    stack = new_stack("ScoringStack")
    nightly_with_every_option(stack, *run_keys(stack))
    template = template_json(stack)
    text = json.dumps(render(template))
    assert f"arn:aws:s3:::{BUCKET}/incoming/*" in text
    assert f"arn:aws:s3:::{BUCKET}/scored/*" in text


def test_grant_start() -> None:
    stack = new_stack()
    construct = scheduled(stack)
    user = iam.Role(stack, "Pipeline", assumed_by=iam.AccountRootPrincipal())
    construct.grant_start(user)
    template = checked_template(stack)
    machine_id = stack.resolve(construct.state_machine.node.default_child.logical_id)
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {"PolicyDocument": {"Statement": [{"Action": "states:StartExecution", "Effect": "Allow", "Resource": {"Ref": machine_id}}]},
         "Roles": [{"Ref": stack.resolve(user.node.default_child.logical_id)}]},
    )


# --- notifications ---------------------------------------------------------------------------------


def test_failures_are_published_then_fail_with_the_library_error_names() -> None:
    stack = new_stack("ScoringStack")
    nightly_with_every_option(stack, *run_keys(stack))
    template = template_json(stack)
    machine = definition(template)
    task = task_state(template)
    duplicate, other = task["Catch"]
    assert set(duplicate["ErrorEquals"]) == {"SageMaker.ResourceInUseException", "SageMaker.AmazonSageMakerException"}
    assert machine["States"][duplicate["Next"]]["Resource"].endswith(":states:::aws-sdk:sagemaker:describeTransformJob")
    assert other["ErrorEquals"] == ["States.ALL"] and other["ResultPath"] == "$.error"
    (notify,) = [state for state in machine["States"].values() if state.get("Resource", "").endswith("sns:publish")
                 and state["Parameters"]["Message"].get("status") == "FAILED"]
    assert notify["Parameters"]["Message"]["error.$"] == "$.failure.error"
    failed = machine["States"][notify["Next"]]
    assert failed == {"Type": "Fail", "ErrorPath": "$.failure.error", "CausePath": "$.failure.cause"}
    assert notify["Catch"][0]["Next"] == notify["Next"]  # a failed publish still fails the run
    errors = {state["Parameters"]["error"] for state in machine["States"].values()
              if state["Type"] == "Pass" and state.get("ResultPath") == "$.failure"}
    assert errors == {"AutopilotScoring.JobFailed", "AutopilotScoring.JobStopped", "AutopilotScoring.TimedOut",
                      "AutopilotScoring.JobNotStarted", "AutopilotScoring.RunFailed"}
    success = machine["States"][task["Next"]]
    assert success["Parameters"]["Message"]["status"] == "SUCCEEDED"
    assert success["Catch"][0]["Next"] == success["Next"] and machine["States"][success["Next"]]["Type"] == "Succeed"


def test_created_topic_is_encrypted_and_alarm_watches_failed_and_timed_out() -> None:
    stack = new_stack("ScoringStack")
    construct = nightly_with_every_option(stack, *run_keys(stack))
    template = template_json(stack)
    Template.from_json(template).has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    alarm = next(iter(resources(template, "AWS::CloudWatch::Alarm").values()))["Properties"]
    metric_names = {m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m}
    assert metric_names == {"ExecutionsFailed", "ExecutionsTimedOut"}
    assert alarm["AlarmActions"] == [{"Ref": stack.resolve(construct.notification_topic.node.default_child.logical_id)}]


def test_without_a_topic_a_failure_goes_straight_to_fail() -> None:
    stack = new_stack()
    scheduled(stack)
    template = template_json(stack)
    machine = definition(template)
    failure_passes = [state for state in machine["States"].values() if state.get("ResultPath") == "$.failure"]
    assert failure_passes and all(machine["States"][state["Next"]]["Type"] == "Fail" for state in failure_passes)
    assert not resources(template, "AWS::SNS::Topic")


def test_given_topic_is_used() -> None:
    stack = new_stack()
    topic = sns.Topic(stack, "Ops", enforce_ssl=True)
    construct = scheduled(stack, notification_topic=topic)
    assert construct.notification_topic is topic
    assert len(resources(template_json(stack), "AWS::SNS::Topic")) == 1


def test_deploy_time_failure_topic_rule() -> None:
    stack = new_stack()
    topic = sns.Topic(stack, "Ops", enforce_ssl=True)
    transform = AutopilotBatchTransform(
        stack, "Batch", model=model_in(stack), input_s3_uri=f"s3://{BUCKET}/in/", output_s3_uri=f"s3://{BUCKET}/out/",
        wait_for_completion=False, failure_topic=topic,
    )
    job_id = custom_resource_id(stack, transform)
    checked_template(stack).has_resource_properties(
        "AWS::Events::Rule",
        {"EventPattern": {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Transform Job State Change"],
                          "detail": {"TransformJobName": [{"Fn::GetAtt": [job_id, "TransformJobName"]}],
                                     "TransformJobStatus": ["Failed", "Stopped"]}},
         "Targets": [Match.object_like({"Arn": {"Ref": stack.resolve(topic.node.default_child.logical_id)}})]},
    )


# --- synth-time errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"schedule": "cron(0 2 * * * *)"}, r"schedule .*day-of-week must be '\?'"),
        ({"schedule": "cron(0 2 * *)"}, r"schedule .*6 fields"),
        ({"schedule": "rate(2 day)"}, r"schedule .*plural"),
        ({"schedule": "every night"}, r"schedule must be cron"),
        ({"time_zone": "Mars/Olympus"}, r"time_zone must be an IANA"),
        ({"schedule": scheduler.ScheduleExpression.rate(Duration.days(1)), "time_zone": "UTC"}, r"time_zone is for a string"),
        ({"output_s3_uri": f"s3://{BUCKET}/scored/{{week}}/"}, r"output_s3_uri has the unknown placeholder \{week\}"),
        ({"input_s3_uri": f"s3://{BUCKET}/in/{{date/"}, r"input_s3_uri has a brace"),
        ({"output_s3_uri": "s3://{date}-bucket/x/"}, r"output_s3_uri: the bucket .* must be literal"),
        ({"output_s3_uri": "scored/{date}/"}, r"output_s3_uri must be an S3 URI"),
        ({"job_name_prefix": "Nightly"}, r"job_name_prefix must be at most 40 lowercase"),
        ({"job_name_prefix": "n" * 41}, r"job_name_prefix must be at most 40"),
        ({"start": datetime(2027, 2, 1, tzinfo=timezone.utc), "end": datetime(2027, 1, 1, tzinfo=timezone.utc)}, r"start .* must be before end"),
        ({"start": datetime(2027, 2, 1)}, r"start must be a timezone-aware datetime"),
        ({"notify_on_success": True}, r"notify_on_success needs a topic"),
        ({"flexible_time_window": Duration.minutes(2000)}, r"flexible_time_window must be between"),
        ({"flexible_time_window": Duration.seconds(90)}, r"flexible_time_window must be whole minutes"),
        ({"timeout": Duration.seconds(10)}, r"timeout must be between"),
        ({"max_payload_in_mb": 50, "max_concurrent_transforms": 4}, r"max_payload_in_mb x max_concurrent_transforms"),
        ({"split_type": "Lines"}, r"split_type"),
    ],
)
def test_synth_time_errors_name_the_prop(kwargs: dict[str, Any], message: str) -> None:
    assert_refused(scheduled(new_stack(), **kwargs), message)


@pytest.mark.parametrize(
    "bad",
    [{"instance_type": "m5.xlarge"}, {"instance_count": 0}, {"join_source": "Output"}, {"invocations_max_retries": 4},
     {"environment": {"1BAD": "x"}}, {"compression_type": "Zip"}, {"batch_strategy": "Multi"}],
)
def test_transform_options_are_refused_exactly_as_the_deploy_time_construct_does(bad: dict[str, Any]) -> None:
    deploy_time = AutopilotBatchTransform(
        new_stack(), "B", model=model_in(new_stack()), input_s3_uri=f"s3://{BUCKET}/in/",
        output_s3_uri=f"s3://{BUCKET}/out/", **bad
    )
    on_schedule = scheduled(new_stack(), **bad)
    assert errors_on(deploy_time)
    assert errors_on(on_schedule)[0] == errors_on(deploy_time)[0]


# --- cdk-nag ---------------------------------------------------------------------------------------


def test_cdk_nag_passes_with_scoped_acknowledgements(tmp_path: Path) -> None:
    from aws_cdk import App, Stack, Validations
    from cdk_nag import AwsSolutionsChecks
    from support.nag import assert_passes, synth_app

    app = App(outdir=str(tmp_path / "cdk.out"))
    stack = Stack(app, "NagScheduled")
    scheduled(stack, create_notification_topic=True, notify_on_success=True, failure_alarm=True)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    outcome = assert_passes(synth_app(app))
    mine = {ack.rule for ack in outcome.acknowledged if ack.acknowledged_at.startswith("NagScheduled/Nightly/")}
    assert any("transform-job/nagscheduled-nightly-*" in rule for rule in mine), mine


# --- summary ---------------------------------------------------------------------------------------


def test_summary_shows_schedule_next_runs_and_locations(tmp_path: Path) -> None:
    from aws_cdk import App, Stack

    from autopilot_inference.tools.summary import summarize

    app = App(outdir=str(tmp_path / "cdk.out"), context={"aws:cdk:enable-path-metadata": True})
    stack = Stack(app, "Scoring")
    construct = scheduled(stack, time_zone="America/New_York", flexible_time_window=Duration.minutes(30))
    scheduled(stack, construct.model, id="Hourly", schedule="rate(1 hour)", output_s3_uri=f"s3://{BUCKET}/hourly/{{datetime}}/")
    checked_synth(app)
    text = summarize(tmp_path / "cdk.out", now=datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc))
    lines = text.splitlines()
    (nightly,) = [line for line in lines if line.startswith("  schedule Nightly: ")]
    # 02:00 New York time (EST, UTC-5) after 07:00 New York time on 1 December.
    assert nightly == (
        "  schedule Nightly: cron(0 2 * * ? *), time zone America/New_York, enabled, flexible window 30 min; "
        "next runs 2026-12-02 02:00 EST, 2026-12-03 02:00 EST, 2026-12-04 02:00 EST"
    )
    index = lines.index(nightly)
    assert lines[index + 1] == (
        f"    each run: transform job {construct.job_name_prefix}-<YYYYMMDD>t<HHMM>-s<SS> (one per scheduled time), "
        "model Model, "
        f"ml.m5.xlarge x 1: reads {INPUT_TEMPLATE}, writes {OUTPUT_TEMPLATE}"
    )
    assert lines[index + 2] == (
        f"    next run (2026-12-02T07:00:00Z): job {construct.job_name_prefix}-20261202t0700-s00 "
        f"reads s3://{BUCKET}/incoming/2026-12-02/, writes "
        f"s3://{BUCKET}/scored/year=2026/month=12/day=02/{construct.job_name_prefix}-20261202t0700-s00/"
    )
    assert lines[index + 3] == (
        "    daylight saving (as Scheduler runs it): 2027-03-14 02:00 skipped (clocks go forward: the time does not exist)"
    )
    (hourly,) = [line for line in lines if line.startswith("  schedule Hourly: ")]
    assert hourly.startswith("  schedule Hourly: rate(1 hour), time zone Etc/UTC, enabled; next runs 2026-12-01 13:00 UTC")


# --- the example app's configuration -------------------------------------------------------------


def test_every_example_environment_has_a_nightly_schedule() -> None:
    from examples.app.config import default_config, load_config_file

    environments = load_config_file(REPO_ROOT / "examples" / "environments.yaml").environments
    assert {env.name: env.schedule.expression for env in environments if env.schedule} == {
        "dev": "cron(0 3 * * ? *)", "staging": "cron(0 3 * * ? *)", "prod": "cron(0 3 * * ? *)",
    }
    # No environment loses a night to a daylight-saving gap (Scheduler skips a time that does not exist).
    for env in environments:
        if env.schedule:
            effects = schedules.dst_effects(env.schedule.expression, env.schedule.time_zone, after=datetime.now(timezone.utc))
            assert all(effect.kind != schedules.SKIPPED for effect in effects), (env.name, effects)
    assert all("{date}" in env.schedule.output_s3_uri for env in environments if env.schedule)
    assert default_config().environments[0].schedule is not None


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ({"expression": "cron(0 2 * * * *)"}, r"field 'schedule.expression': the expression .*'\?'"),
        ({"time_zone": "Europe/Atlantis"}, r"field 'schedule.time_zone': the time zone must be an IANA"),
        ({"every": "night"}, r"schedule.every"),
        ({"output_s3_uri": "scored/"}, r"field 'schedule.output_s3_uri'"),
    ],
)
def test_config_errors_name_the_schedule_field(schedule: dict[str, Any], message: str) -> None:
    from examples.app.config import DEFAULT_CONFIG, ConfigError, parse_config

    data = json.loads(json.dumps(DEFAULT_CONFIG))
    data["environments"][0]["schedule"].update(schedule)
    with pytest.raises(ConfigError, match=message):
        parse_config(data, "test config")


# --- the README -----------------------------------------------------------------------------------


def test_readme_schedule_snippet_synthesizes_after_the_quickstart() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    quickstart = readme.split("<!-- quickstart", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    schedule = readme.split("## Scoring on a schedule", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(quickstart.replace("app.synth()", ""), "README quickstart", "exec"), namespace)  # noqa: S102 - our README
    exec(compile(schedule, "README schedule", "exec"), namespace)  # noqa: S102 - our README
    assembly = checked_synth(namespace["app"])
    template = assembly.get_stack_by_name("ChurnScoring").template
    assert len(resources(template, SCHEDULE)) == 1
    assert len(resources(template, "AWS::SNS::Subscription")) == 1


def test_every_action_of_the_state_machine_role_is_a_real_api_operation() -> None:
    """Each ``service:Operation`` names an operation of botocore's model of that service.

    Except CloudWatch Logs' permission-only vended-log delivery actions (no API of their own),
    which Step Functions' logging needs.
    """
    stack = new_stack("ScoringStack")
    construct = nightly_with_every_option(stack, *run_keys(stack))
    template = template_json(stack)
    permission_only = {"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                       "logs:DeleteLogDelivery", "logs:ListLogDeliveries"}
    session = botocore.session.get_session()
    services = {"sagemaker": "sagemaker", "events": "events", "logs": "logs", "xray": "xray", "sns": "sns", "kms": "kms"}
    for statement in role_statements(template, stack, construct):
        for action in [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]:
            if action in permission_only:
                continue
            prefix, operation = action.split(":")
            names = session.get_service_model(services[prefix]).operation_names
            pattern = re.compile("^" + re.escape(operation).replace(r"\*", ".*") + "$")
            assert any(pattern.match(name) for name in names), action


@pytest.mark.parametrize(
    ("template", "read", "write"),
    [
        (f"s3://{BUCKET}/scored/{{date}}/", f"s3://{BUCKET}/scored/", f"s3://{BUCKET}/scored/"),
        (f"s3://{BUCKET}/scored-{{date}}/", f"s3://{BUCKET}/scored-", f"s3://{BUCKET}/"),
        (f"s3://{BUCKET}/{{date}}/", f"s3://{BUCKET}/", f"s3://{BUCKET}/"),
        (f"s3://{BUCKET}/fixed/", f"s3://{BUCKET}/fixed/", f"s3://{BUCKET}/fixed/"),
    ],
)
def test_granted_prefixes_cover_every_rendered_location(template: str, read: str, write: str) -> None:
    from autopilot_inference.transform.scheduled import _folder_prefix, _literal_prefix

    assert (_literal_prefix(template), _folder_prefix(template)) == (read, write)
    rendered = locations.render(locations.parse(template, "t", job_name_prefix="p"), "2026-12-01T02:00:00Z", "abcd1234")
    assert rendered.startswith(read) and rendered.startswith(write)
