"""``AutopilotScheduledTransform``: an :class:`AutopilotModel` scoring new data on a schedule.

An EventBridge Scheduler schedule starts a Step Functions state machine whose
``createTransformJob.sync`` task (aws-cdk-lib's ``SageMakerCreateTransformJob``) creates the
job and waits for it natively: no Lambda function, no one-hour limit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from functools import cached_property
from typing import Any, Union, Unpack, cast

import jsii
from aws_cdk import (
    Aws,
    Duration,
    IStableAnyProducer,
    ITaggable,
    Lazy,
    RemovalPolicy,
    TagManager,
    TagType,
    TimeZone,
    Token,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from .._lambda.autopilot_runtime import contract
from .._lambda.autopilot_runtime.ownership import OWNER_TAG_KEY, with_owner
from .._private.scopes import child_path, default_prefix
from .._private.signatures import public_construct, refuse_missing_props, refuse_unknown_props
from .._private.synth_cache import stack_id
from .._private.tokens import is_token
from ..checks import prop_types, validation, value_checks
from ..checks.environments import check_same_environment
from ..checks.problems import Finding, Problems, error, failed, warning
from ..compliance.acknowledgements import at_synthesis
from ..model.base import AutopilotModelBase
from ..model.model import AutopilotModel
from . import run_locations as locations
from . import schedules
from .options import TransformOptions, TransformOptionsProps, transform_options
from .scheduled_permissions import acknowledge_state_machine_findings, state_machine_statements

ScheduleInput = Union[scheduler.ScheduleExpression, str]
prop_types.hint(
    ScheduleInput,
    "a schedule expression string or an aws_scheduler.ScheduleExpression",
    "Use e.g. 'cron(0 2 * * ? *)' or 'rate(1 day)'.",
)

DEFAULT_TIMEOUT = Duration.hours(24)
MAX_TIMEOUT = Duration.days(365)  # a standard state machine execution runs up to one year

# The state machine's input and where it keeps the run's facts.
SCHEDULED_TIME_FIELD = "scheduledTime"
RUN_PATH = "$.run"
JOB_NAME_PATH = "$.run.jobName"
INPUT_PATH = "$.run.input"
OUTPUT_PATH = "$.run.output"
ERROR_PATH = "$.error"
FAILURE_PATH = "$.failure"
EXISTING_JOB_PATH = "$.existingJob"
SUMMARY_METADATA_KEY = "autopilot-inference:scheduled-transform"

# The errors the state machine fails with (a Fail state may not use the service's ``States.`` names):
# the original error and cause are in the failure's cause, ``<error>: <cause>``.
ERROR_PREFIX = "AutopilotScoring"
JOB_FAILED_ERROR = f"{ERROR_PREFIX}.JobFailed"
JOB_STOPPED_ERROR = f"{ERROR_PREFIX}.JobStopped"
TIMED_OUT_ERROR = f"{ERROR_PREFIX}.TimedOut"
NOT_STARTED_ERROR = f"{ERROR_PREFIX}.JobNotStarted"
"""CreateTransformJob was refused (after the retries): no job of that name exists."""
RUN_FAILED_ERROR = f"{ERROR_PREFIX}.RunFailed"
"""Anything else (the job exists but neither failed nor stopped, e.g. the wait for it failed)."""
ALREADY_STARTED_STATUS = "ALREADY_STARTED"

# What a duplicate CreateTransformJob (the name is taken) may arrive as through the .sync integration:
# the service's ResourceInUse, or the generic exception with the message (the name is unverified, see
# docs/design.md). Neither is trusted alone: a DescribeTransformJob of the run's name decides.
DUPLICATE_ERRORS = ("SageMaker.ResourceInUseException", "SageMaker.AmazonSageMakerException")
DESCRIBE_TRANSFORM_JOB_RESOURCE = "arn:aws:states:::aws-sdk:sagemaker:describeTransformJob"

# What Step Functions' SageMaker integration raises when CreateTransformJob itself is refused
# for a passing reason (rate or instance limits): the service's exception class names behind
# the "SageMaker." prefix, as in the Step Functions developer guide's SageMaker examples
# (connect-sagemaker: Retry on SageMaker.AmazonSageMakerException and
# SageMaker.ResourceLimitExceededException). They occur before a job exists, so a retry with
# the same name is safe; a job that ran and failed is never retried (its name is taken).
RETRY_ERRORS = (
    "SageMaker.AmazonSageMakerException",
    "SageMaker.ResourceLimitExceededException",
    "ThrottlingException",
)
RETRY_INTERVAL = Duration.seconds(60)
RETRY_MAX_ATTEMPTS = 6
RETRY_BACKOFF_RATE = 2.0
RETRY_MAX_DELAY = Duration.minutes(30)
EXECUTION_TIMEOUT_MARGIN = Duration.hours(3)

@jsii.implements(IStableAnyProducer)
class _Produce:
    """A value computed at synthesis (after the tag aspects), for ``Lazy.any``."""

    def __init__(self, produce: Callable[[], Any]) -> None:
        self._produce = produce

    def produce(self) -> Any:
        return self._produce()


def _DescribeJob(scope: Construct, id: str, *, result_selector: Mapping[str, Any]) -> tasks.CallAwsService:  # noqa: N802
    """An ``aws-sdk`` ``DescribeTransformJob`` of the run's job name, into ``$.existingJob``.

    The state machine role's own statement allows it on the schedule's jobs (the task's grants are
    dropped: the role is used ``without_policy_updates``).
    """
    return tasks.CallAwsService(
        scope,
        id,
        service="sagemaker",
        action="describeTransformJob",
        parameters={"TransformJobName": sfn.JsonPath.string_at(JOB_NAME_PATH)},
        iam_resources=["*"],
        result_selector=dict(result_selector),
        result_path=EXISTING_JOB_PATH,
    )


class _TransformTask(tasks.SageMakerCreateTransformJob):
    """aws-cdk-lib's ``createTransformJob.sync`` task sending the library's own request.

    The task's props have no ``DataProcessing`` and fill ``ModelClientConfig`` with CDK's
    defaults; the state's ``Parameters`` are replaced by the request that
    :class:`~autopilot_inference.transform.options.TransformOptions` builds, the one
    ``AutopilotBatchTransform`` sends, with the per-run fields read from the state input.
    """

    def __init__(self, scope: Construct, id: str, *, parameters: Mapping[str, Any], **props: Any) -> None:
        super().__init__(scope, id, **props)
        self._autopilot_request = dict(parameters)

    def to_state_json(self, top_level_query_language: sfn.QueryLanguage | None = None) -> Any:
        state = dict(super().to_state_json(top_level_query_language))
        state["Parameters"] = self._autopilot_request
        return state


def request_parameters(options: TransformOptions, model_name: str) -> dict[str, Any]:
    """The ``createTransformJob.sync`` task's ``Parameters``: name and locations from the run."""
    fields = options.request()
    source = fields["TransformInput"]["DataSource"]["S3DataSource"]
    del source["S3Uri"]
    source["S3Uri.$"] = INPUT_PATH
    del fields["TransformOutput"]["S3OutputPath"]
    fields["TransformOutput"] = {"S3OutputPath.$": OUTPUT_PATH, **fields["TransformOutput"]}
    return {"ModelName": model_name, "TransformJobName.$": JOB_NAME_PATH, **fields}


def job_tags(user_tags: Mapping[str, str], owner: str) -> list[dict[str, str]]:
    """Every run's job tags: the construct's (``Tags.of(scope)``), then the owner tag the deploy-time jobs carry."""
    return [{contract.TAG_KEY: key, contract.TAG_VALUE: value} for key, value in with_owner(user_tags, owner).items()]


def tag_problems(user_tags: Mapping[str, str]) -> list[str]:
    """Why ``user_tags`` (and the owner tag) cannot go into CreateTransformJob's ``Tags``."""
    problems = []
    if len(user_tags) + 1 > contract.MAX_TAGS:
        problems.append(
            f"the construct has {len(user_tags)} tags (Tags.of(...)); a transform job takes at most "
            f"{contract.MAX_TAGS}, one of which is the owner tag '{OWNER_TAG_KEY}'. Remove tags, or exclude this "
            "construct (Tags.of(scope).add(key, value, exclude_resource_types=[...]))."
        )
    for key, value in user_tags.items():
        if len(key) > contract.MAX_TAG_KEY_LENGTH or len(value) > contract.MAX_TAG_VALUE_LENGTH:
            problems.append(
                f"the tag {key[:40]!r}... is too long for a transform job: keys take at most "
                f"{contract.MAX_TAG_KEY_LENGTH} characters, values {contract.MAX_TAG_VALUE_LENGTH}."
            )
    return problems


def _literal_prefix(template: str) -> str:
    """The part of a location template before its first placeholder (a token bucket is not a placeholder)."""
    return template[: len(locations.without_tokens(template).split("{", 1)[0])]


def _folder_prefix(template: str) -> str:
    """The deepest whole folder before the first placeholder (``s3://b/scored/`` of ``s3://b/scored/{date}/``)."""
    literal = _literal_prefix(template)
    if literal == template:
        return template
    bucket_end = len("s3://") + len(literal[len("s3://") :].split("/", 1)[0]) + 1
    cut = literal.rfind("/")
    return literal[: cut + 1] if cut >= bucket_end - 1 else literal[:bucket_end]


@public_construct
@jsii.implements(iam.IGrantable, ITaggable)
class AutopilotScheduledTransform(Construct):
    """Batch transform jobs of an :class:`AutopilotModel`, started on a schedule.

    EventBridge Scheduler starts a Step Functions state machine at every scheduled time; the
    state machine names the run's job from the scheduled time, renders its input and output
    locations, ends successfully without starting anything when that job already exists (a
    second delivery), runs the job with the ``createTransformJob.sync`` integration (which waits
    as long as the job runs) and fails with ``AutopilotScoring.*`` errors, after notifying, when
    the job fails, is stopped or times out. Every job carries the construct's tags
    (``Tags.of(...)``) and the owner tag.
    Each run uses the model's current name, so a redeployed model (a new candidate, new
    response keys) is used from the next run on.

    The model's execution role is granted read on the input and write on the output
    locations (up to their first placeholder) and use of the KMS keys, when it is mutable.

    Args:
        scope: the parent construct.
        id: the construct id.
        model: the model that transforms the data.
        schedule: when runs start: a ``ScheduleExpression`` (``ScheduleExpression.cron(...)``,
            ``.rate(...)``, ``.at(...)``, ``.expression(...)``) or a string
            ``cron(minutes hours day-of-month month day-of-week year)``, ``rate(value unit)``
            or ``at(yyyy-mm-ddThh:mm:ss)``, e.g. ``cron(0 2 * * ? *)``.
        input_s3_uri: ``s3://bucket/prefix`` each run reads; may hold placeholders of the run's
            scheduled time (UTC) or job name: ``{date}``, ``{time}``, ``{datetime}``, ``{year}``,
            ``{month}``, ``{day}``, ``{hour}``, ``{minute}``, ``{job_name}``.
        output_s3_uri: ``s3://bucket/prefix`` each run writes to; placeholders as for
            ``input_s3_uri``, e.g. ``s3://bucket/scored/{date}/``.
        time_zone: IANA time zone of a string ``schedule``'s cron or at expression
            (a ``ScheduleExpression`` carries its own). Default: UTC.
        flexible_time_window: let Scheduler start a run up to this long after its time
            (1-1440 minutes). Default: off (on time).
        start: no run before this time. Default: from the deployment on.
        end: no run after this time. Default: no end.
        enabled: whether the schedule starts runs. Default: ``True``.
        description: the schedule's description. Default: none.
        job_name_prefix: start of the job names, ``<prefix>-<YYYYMMDD>t<HHMM>-<run id>`` (a
            scheduled run's id is ``s<SS>``, so a second execution for the same scheduled time
            finds its job and starts nothing; a run by hand's is random): lowercase letters,
            digits and single hyphens, at most 40 characters, one prefix per schedule in the app.
            Default: derived from the stack name and the construct path, lowercased.
        timeout: how long a run may take before it is reported as timed out.
            Default: 24 hours.
        notification_topic: SNS topic told of every failed, timed-out or stopped run (job
            name, error and cause). Default: none, unless ``create_notification_topic``.
        create_notification_topic: create an encrypted topic for the notifications
            (subscribe to ``notification_topic``). Default: ``False``.
        notify_on_success: also tell the topic of each successful run. Default: ``False``.
        failure_alarm: a CloudWatch alarm on failed and timed-out executions (notifying the
            topic, if any). Default: ``False``.
        instance_type, ... environment: the transform options
            (:class:`~autopilot_inference.transform.options.TransformOptionsProps`, below), as for
            :class:`~autopilot_inference.transform.batch.AutopilotBatchTransform`.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        model: AutopilotModel,
        schedule: ScheduleInput,
        time_zone: str | None = None,
        flexible_time_window: Duration | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        enabled: bool = True,
        description: str | None = None,
        job_name_prefix: str | None = None,
        timeout: Duration = DEFAULT_TIMEOUT,
        notification_topic: sns.ITopic | None = None,
        create_notification_topic: bool = False,
        notify_on_success: bool = False,
        failure_alarm: bool = False,
        **options: Unpack[TransformOptionsProps],
    ) -> None:
        refuse_unknown_props(options, TransformOptionsProps, "AutopilotScheduledTransform")
        refuse_missing_props(options, TransformOptionsProps, "AutopilotScheduledTransform")
        super().__init__(scope, id)
        # Every problem of every prop is reported on this construct (an error annotation), in one pass:
        # a refused value stands in as None (or the default prefix) for the checks that use it.
        problems = Problems(self)
        given = {**locals(), **options}
        # A prop of the wrong type stands in with its default, so that every other prop is still checked.
        values, _ = prop_types.checked_types(problems, AutopilotScheduledTransform.__init__, given)
        if values is None:
            return
        time_zone, flexible_time_window = values["time_zone"], values["flexible_time_window"]
        start, end, enabled, description = values["start"], values["end"], values["enabled"], values["description"]
        job_name_prefix, timeout, notification_topic = values["job_name_prefix"], values["timeout"], values["notification_topic"]
        create_notification_topic, notify_on_success = values["create_notification_topic"], values["notify_on_success"]
        failure_alarm = values["failure_alarm"]
        options = cast(TransformOptionsProps, {name: values[name] for name in options})
        input_s3_uri, output_s3_uri = options["input_s3_uri"], options["output_s3_uri"]
        expression, zone, found = _schedule(schedule, time_zone)
        problems.report(found)
        window_limit = schedules.MAX_FLEXIBLE_WINDOW_MINUTES * 60
        window_seconds = None
        if problems.check(validation.duration_seconds, flexible_time_window, "flexible_time_window", minimum=60, maximum=window_limit):
            window_seconds = validation.seconds(flexible_time_window)
            if window_seconds is not None and not is_token(window_seconds) and window_seconds % 60:
                problems.add(f"flexible_time_window must be whole minutes; got {window_seconds} seconds.")
        problems.report(_start_and_end(start, end))
        if expression is not None and not is_token(expression):
            # An end that is not a timezone-aware datetime is reported above, and not compared.
            aware_end = end if isinstance(end, datetime) and end.tzinfo is not None else None
            problems.add_all(schedules.past_problems(expression, zone, aware_end, now=datetime.now(timezone.utc)))
        if notification_topic is not None and create_notification_topic:
            problems.add("Pass notification_topic or create_notification_topic=True, not both.")
        if notify_on_success and notification_topic is None and not create_notification_topic:
            problems.add("notify_on_success needs a topic: pass notification_topic or create_notification_topic=True.")
        timeout_limit = int(MAX_TIMEOUT.to_seconds() - EXECUTION_TIMEOUT_MARGIN.to_seconds())
        timeout_seconds = (
            validation.seconds(timeout)
            if problems.check(validation.duration_seconds, timeout, "timeout", minimum=60, maximum=timeout_limit)
            else None
        )
        prefix, prefix_problem = _job_name_prefix(scope, id, job_name_prefix)
        problems.report(prefix_problem)
        input_pieces, input_problem = _location(input_s3_uri, "input_s3_uri", prefix)
        output_pieces, output_problem = _location(output_s3_uri, "output_s3_uri", prefix)
        problems.report([input_problem, output_problem])
        checked = transform_options(options, validate_uris=False, problems=problems)
        path = child_path(scope, id)
        problems.report(
            [
                value_checks.scheduled_job_name_prefix(scope, path, prefix) if prefix_problem is None else None,
                value_checks.output_location(input_s3_uri, output_s3_uri),
                value_checks.shared_output(scope, path, output_s3_uri, _output_key(output_s3_uri, prefix)),
                _dst_gap(expression, zone, start) if expression is not None and _aware(start) else None,
            ],
        )
        if not failed(model):
            check_same_environment(problems, self, model, "AutopilotScheduledTransform")
        if problems or failed(model):
            return
        assert expression is not None and input_pieces is not None and output_pieces is not None
        assert timeout_seconds is not None

        self.model = model
        """The model as declared (:attr:`deployed_model` is the one each run names)."""
        # A model of another stack is deployed again in this one (see AutopilotModel.in_stack).
        deployed = self.deployed_model = model.in_stack(self)
        """The model each run uses (by its current name): ``model``, or this stack's copy of a model of another stack."""
        self.job_name_prefix = prefix
        """The start of every run's job name."""
        self.schedule_expression = expression
        """The schedule expression, e.g. ``cron(0 2 * * ? *)``."""
        self.time_zone = zone
        """The schedule's time zone (``None``: UTC)."""
        self.input_template = input_s3_uri
        self.output_template = output_s3_uri
        self._tags = TagManager(TagType.KEY_VALUE, contract.TRANSFORM_JOB_RESOURCE_TYPE)
        at_synthesis(self, self._check_tags)

        self.notification_topic: sns.ITopic | None = notification_topic
        """The topic told of failed (and, with ``notify_on_success``, successful) runs."""
        if create_notification_topic:
            key = kms.Key(
                self,
                "TopicKey",
                enable_key_rotation=True,
                description="Encrypts the scheduled batch transform notifications",
                removal_policy=RemovalPolicy.DESTROY,
            )
            self.notification_topic = sns.Topic(self, "Topic", master_key=key, enforce_ssl=True)
            if failure_alarm:
                key.grant(iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*")

        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description="Runs the scheduled batch transform jobs of one AutopilotScheduledTransform",
        )
        """The state machine's role; its policy is written here, not by the tasks' own grants."""
        self.log_group = logs.LogGroup(self, "Logs", retention=logs.RetentionDays.THREE_MONTHS)
        """The state machine's execution log (all events, without execution data)."""

        definition = self._definition(checked, deployed, input_pieces, output_pieces, timeout_seconds, notify_on_success)
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            role=self.role.without_policy_updates(),
            comment=f"Scheduled batch transform of {prefix}: one job per run",
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            tracing_enabled=True,
            # A backstop after the task's own timeout and its retries (ExecutionsTimedOut).
            timeout=Duration.seconds(timeout_seconds + int(EXECUTION_TIMEOUT_MARGIN.to_seconds())),
        )
        """The state machine; start a run by hand with ``{"scheduledTime": "2026-12-01T02:00:00Z"}``."""
        self._allow_state_machine(prefix, notify=self.notification_topic is not None)

        # A role of its own (aws-cdk-lib's default is one role per stack, shared by every schedule's
        # target), so this schedule may start this state machine only.
        self.scheduler_role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
            description="Lets EventBridge Scheduler start one scheduled batch transform state machine",
        )
        """The role Scheduler starts the state machine with (``states:StartExecution`` on it only)."""
        target = scheduler_targets.StepFunctionsStartExecution(
            self.state_machine,
            role=self.scheduler_role,
            input=scheduler.ScheduleTargetInput.from_object(
                {SCHEDULED_TIME_FIELD: scheduler.ContextAttribute.scheduled_time}
            ),
            retry_attempts=3,
            max_event_age=Duration.hours(1),
        )
        self.schedule = scheduler.Schedule(
            self,
            "Schedule",
            schedule=scheduler.ScheduleExpression.expression(
                expression, TimeZone.of(zone) if zone is not None else None
            )
            if not isinstance(schedule, scheduler.ScheduleExpression)
            else schedule,
            target=target,
            time_window=scheduler.TimeWindow.flexible(Duration.minutes(window_seconds // 60))
            if window_seconds is not None
            else scheduler.TimeWindow.off(),
            start=start,
            end=end,
            enabled=enabled,
            description=description,
        )
        """The EventBridge Scheduler schedule that starts the runs."""
        # What each run reads and writes, for `summary` (the state machine holds it as intrinsics).
        schedule_resource = self.schedule.node.default_child
        schedule_resource.add_metadata(  # type: ignore[union-attr]
            SUMMARY_METADATA_KEY,
            {
                "JobNamePrefix": prefix,
                "InputS3Uri": input_s3_uri,
                "OutputS3Uri": output_s3_uri,
                "InstanceType": checked.options["instance_type"],
                "InstanceCount": checked.options["instance_count"],
                "ModelName": deployed.model_name,
            },
        )

        self.alarm: cloudwatch.Alarm | None = None
        """The alarm on failed and timed-out executions (with ``failure_alarm``)."""
        if failure_alarm:
            self.alarm = cloudwatch.Alarm(
                self,
                "FailureAlarm",
                metric=cloudwatch.MathExpression(
                    expression="failed + timedOut",
                    using_metrics={
                        "failed": self.state_machine.metric_failed(statistic="Sum"),
                        "timedOut": self.state_machine.metric_timed_out(statistic="Sum"),
                    },
                    period=Duration.minutes(5),
                    label="Failed and timed-out runs",
                ),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=f"A scheduled batch transform run of {prefix} failed or timed out",
            )
            if self.notification_topic is not None:
                self.alarm.add_alarm_action(cloudwatch_actions.SnsAction(self.notification_topic))

        # The model's execution role reads and writes the run locations, up to their first placeholder.
        deployed.allow_read_transform_input(_literal_prefix(input_s3_uri))
        deployed.allow_write_results(_folder_prefix(output_s3_uri))
        for options_key in checked.keys():
            deployed.allow_key_use(options_key, encrypt=True)

        acknowledge_state_machine_findings(self.role)

    # --- the state machine -------------------------------------------------------------------

    def _definition(
        self,
        options: TransformOptions,
        model: AutopilotModelBase,
        input_pieces: list[locations.Piece],
        output_pieces: list[locations.Piece],
        timeout_seconds: int,
        notify_on_success: bool,
    ) -> sfn.IChainable:
        time = f"$.{SCHEDULED_TIME_FIELD}"
        # A scheduled run: its time and an id that is a function of it (a second execution for the
        # same time names the same job). A run by hand: the start time and a fresh id.
        scheduled = sfn.Pass(
            self,
            "Scheduled time",
            parameters={
                "time.$": time,
                "fields.$": locations.split_time_intrinsic(time),
                "id.$": locations.scheduled_run_id_intrinsic(time),
            },
            result_path=RUN_PATH,
        )
        started = sfn.Pass(
            self,
            "Start time",
            parameters={
                "time.$": "$$.Execution.StartTime",
                "fields.$": locations.split_time_intrinsic("$$.Execution.StartTime"),
                "id.$": locations.RUN_ID_INTRINSIC,
            },
            result_path=RUN_PATH,
        )
        fields, run_id = f"{RUN_PATH}.fields", f"{RUN_PATH}.id"
        name_and_locations = sfn.Pass(
            self,
            "Job name and locations",
            parameters={
                "time.$": f"{RUN_PATH}.time",
                "id.$": run_id,
                "jobName.$": locations.intrinsic(
                    locations.job_name_pieces(self.job_name_prefix), fields_path=fields, run_id_path=run_id
                ),
                "input.$": locations.intrinsic(input_pieces, fields_path=fields, run_id_path=run_id),
                "output.$": locations.intrinsic(output_pieces, fields_path=fields, run_id_path=run_id),
            },
            result_path=RUN_PATH,
        )
        parameters = request_parameters(options, model.model_name)
        # A token string (an object would not survive jsii's JSON), resolved after every tag aspect has run.
        parameters[contract.TAGS] = Token.as_string(Lazy.any(_Produce(lambda: job_tags(self._user_tags(), stack_id()))))
        transform = _TransformTask(
            self,
            "Transform",
            parameters=parameters,
            model_name=model.model_name,
            transform_job_name=sfn.JsonPath.string_at(JOB_NAME_PATH),
            integration_pattern=sfn.IntegrationPattern.RUN_JOB,
            role=model.role,  # keeps the task from creating a role of its own; transform jobs pass none
            transform_input=tasks.TransformInput(
                transform_data_source=tasks.TransformDataSource(
                    s3_data_source=tasks.TransformS3DataSource(s3_uri=sfn.JsonPath.string_at(INPUT_PATH))
                )
            ),
            transform_output=tasks.TransformOutput(s3_output_path=sfn.JsonPath.string_at(OUTPUT_PATH)),
            task_timeout=sfn.Timeout.duration(Duration.seconds(timeout_seconds)),
            result_selector={
                "TransformJobName.$": "$.TransformJobName",
                "TransformJobArn.$": "$.TransformJobArn",
                "TransformJobStatus.$": "$.TransformJobStatus",
                "S3OutputPath.$": "$.TransformOutput.S3OutputPath",
            },
            result_path="$.job",
        )
        transform.add_retry(
            errors=list(RETRY_ERRORS),
            interval=RETRY_INTERVAL,
            max_attempts=RETRY_MAX_ATTEMPTS,
            backoff_rate=RETRY_BACKOFF_RATE,
            max_delay=RETRY_MAX_DELAY,
            jitter_strategy=sfn.JitterType.FULL,
        )

        # --- a job of this name already exists: an earlier execution for the same scheduled time -----
        already_started = sfn.Pass(
            self,
            "Already started",
            parameters={
                "status": ALREADY_STARTED_STATUS,
                "message": "An earlier execution already started this scheduled time's job; nothing was started.",
                "transformJobName.$": JOB_NAME_PATH,
                "transformJobStatus.$": f"{EXISTING_JOB_PATH}.TransformJobStatus",
                "scheduledTime.$": f"{RUN_PATH}.time",
            },
        ).next(sfn.Succeed(self, "Run already started"))
        existing_selector = {"TransformJobStatus.$": "$.TransformJobStatus", "TransformJobArn.$": "$.TransformJobArn"}
        look_first = _DescribeJob(self, "Job already there?", result_selector=existing_selector)
        look_first.add_catch(transform, errors=["States.ALL"], result_path=f"{EXISTING_JOB_PATH}Lookup")
        look_first.next(already_started)
        look_after = _DescribeJob(self, "Taken by another execution?", result_selector=existing_selector)
        look_after.next(already_started)

        # --- a failure: one of the library's own error names, the original error and cause in the cause ----
        failed = sfn.Fail(self, "Run failed", error_path=f"{FAILURE_PATH}.error", cause_path=f"{FAILURE_PATH}.cause")
        report: sfn.IChainable = failed
        if self.notification_topic is not None:
            notify_failure = tasks.SnsPublish(
                self,
                "Notify failure",
                topic=self.notification_topic,
                subject=sfn.JsonPath.format("Scheduled batch transform failed: {}", sfn.JsonPath.string_at(JOB_NAME_PATH)),
                message=sfn.TaskInput.from_object(
                    {
                        "status": "FAILED",
                        "transformJobName": sfn.JsonPath.string_at(JOB_NAME_PATH),
                        "input": sfn.JsonPath.string_at(INPUT_PATH),
                        "output": sfn.JsonPath.string_at(OUTPUT_PATH),
                        "error": sfn.JsonPath.string_at(f"{FAILURE_PATH}.error"),
                        "cause": sfn.JsonPath.string_at(f"{FAILURE_PATH}.cause"),
                        "execution": sfn.JsonPath.execution_id,
                    }
                ),
                result_path=sfn.JsonPath.DISCARD,
            )
            notify_failure.add_catch(failed, result_path="$.notificationError")
            report = notify_failure.next(failed)

        def failure(name: str, error: str) -> sfn.IChainable:
            return sfn.Pass(
                self,
                name,
                parameters={
                    "error": error,
                    "cause.$": f"States.Format('{{}}: {{}}', {ERROR_PATH}.Error, {ERROR_PATH}.Cause)",
                },
                result_path=FAILURE_PATH,
            ).next(report)

        status = f"{EXISTING_JOB_PATH}.TransformJobStatus"
        job_status = _DescribeJob(self, "Job status", result_selector=existing_selector)
        job_status.add_catch(failure("Not started", NOT_STARTED_ERROR), errors=["States.ALL"], result_path=f"{EXISTING_JOB_PATH}Lookup")
        job_status.next(
            sfn.Choice(self, "Why it failed")
            .when(sfn.Condition.string_equals(status, "Stopped"), failure("Stopped", JOB_STOPPED_ERROR))
            .when(sfn.Condition.string_equals(status, "Failed"), failure("Failed", JOB_FAILED_ERROR))
            .otherwise(failure("Other failure", RUN_FAILED_ERROR))
        )
        classify = (
            sfn.Choice(self, "Which failure")
            .when(sfn.Condition.string_equals(f"{ERROR_PATH}.Error", "States.Timeout"), failure("Timed out", TIMED_OUT_ERROR))
            .otherwise(job_status)
        )
        # A Catch's output may lack Cause, or hold null (States.Timeout): an empty one keeps the Formats valid.
        no_cause = sfn.Pass(self, "No cause", result=sfn.Result.from_string(""), result_path=f"{ERROR_PATH}.Cause")
        no_cause.next(classify)
        cause = f"{ERROR_PATH}.Cause"
        on_error = (
            sfn.Choice(self, "Cause given?")
            .when(sfn.Condition.and_(sfn.Condition.is_present(cause), sfn.Condition.is_string(cause)), classify)
            .otherwise(no_cause)
        )
        look_after.add_catch(on_error, errors=["States.ALL"], result_path=f"{EXISTING_JOB_PATH}Lookup")
        transform.add_catch(look_after, errors=list(DUPLICATE_ERRORS), result_path=ERROR_PATH)
        transform.add_catch(on_error, errors=["States.ALL"], result_path=ERROR_PATH)

        succeeded = sfn.Succeed(self, "Run succeeded")
        after: sfn.IChainable = succeeded
        if notify_on_success and self.notification_topic is not None:
            notify_success = tasks.SnsPublish(
                self,
                "Notify success",
                topic=self.notification_topic,
                subject=sfn.JsonPath.format(
                    "Scheduled batch transform succeeded: {}", sfn.JsonPath.string_at(JOB_NAME_PATH)
                ),
                message=sfn.TaskInput.from_object(
                    {
                        "status": "SUCCEEDED",
                        "transformJobName": sfn.JsonPath.string_at(JOB_NAME_PATH),
                        "input": sfn.JsonPath.string_at(INPUT_PATH),
                        "output": sfn.JsonPath.string_at(OUTPUT_PATH),
                        "execution": sfn.JsonPath.execution_id,
                    }
                ),
                result_path=sfn.JsonPath.DISCARD,
            )
            # The job completed: a notification that cannot be sent does not make the run a failure.
            notify_success.add_catch(succeeded, result_path="$.notificationError")
            after = notify_success.next(succeeded)
        transform.next(after)

        choose = sfn.Choice(self, "Run time").when(sfn.Condition.is_present(time), scheduled).otherwise(started)
        scheduled.next(name_and_locations)
        started.next(name_and_locations)
        name_and_locations.next(look_first)
        return choose

    def _user_tags(self) -> dict[str, str]:
        """The construct's tags at synthesis (after every ``Tags.of(...)`` aspect), without the owner tag."""
        rendered = self._tags.render_tags() or []
        return {item[contract.TAG_KEY]: item[contract.TAG_VALUE] for item in rendered if item[contract.TAG_KEY] != OWNER_TAG_KEY}

    def _check_tags(self) -> None:
        problems = Problems(self)
        for problem in tag_problems(self._user_tags()):
            problems.add(problem)

    @property
    def tags(self) -> TagManager:
        """The tags every run's transform job carries (with the owner tag); ``Tags.of(scope).add(...)`` reaches them."""
        return self._tags

    def _allow_state_machine(self, prefix: str, *, notify: bool) -> None:
        """The state machine role's whole policy: its jobs, the managed rule, logs, X-Ray, the topic."""
        for statement in state_machine_statements(prefix):
            self.role.add_to_principal_policy(statement)
        if notify and self.notification_topic is not None:
            self.notification_topic.grant_publish(self.role)

    # --- attributes and grants -----------------------------------------------------------------

    @cached_property
    def state_machine_arn(self) -> str:
        return self.state_machine.state_machine_arn

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The state machine's role."""
        return self.role

    def grant_start(self, principal: iam.IGrantable) -> iam.Grant:
        """Let ``principal`` start runs by hand (``states:StartExecution`` on this state machine)."""
        return self.state_machine.grant_start_execution(principal)


def _aware(value: Any) -> bool:
    """Whether ``value`` is ``None`` or a timezone-aware datetime (what ``start`` and ``end`` must be)."""
    return value is None or isinstance(value, datetime) and value.tzinfo is not None


def _start_and_end(start: Any, end: Any) -> list[Finding]:
    """``start`` before ``end``, each a timezone-aware datetime: every problem."""
    found = []
    if (
        isinstance(start, datetime)
        and isinstance(end, datetime)
        and (start.tzinfo is None) == (end.tzinfo is None)  # naive and aware datetimes do not compare
        and not start < end
    ):
        found.append(error("startEnd", f"start ({start}) must be before end ({end})."))
    for value, prop in ((start, "start"), (end, "end")):
        if not _aware(value):
            found.append(
                error(
                    "startEnd",
                    f"{prop} must be a timezone-aware datetime, e.g. datetime(2027, 1, 1, tzinfo=timezone.utc); "
                    f"got {value!r}.",
                )
            )
    return found


def _schedule(schedule: Any, time_zone: str | None) -> tuple[str | None, str | None, list[Finding]]:
    """The expression and time zone of ``schedule`` (``None`` when refused), and every problem, naming ``schedule`` or ``time_zone``."""
    found = []
    zone: str | None = None
    expression: str | None
    if isinstance(schedule, scheduler.ScheduleExpression):
        if time_zone is not None:
            found.append(
                error(
                    "schedule",
                    "time_zone is for a string schedule; a ScheduleExpression carries its own time zone "
                    "(ScheduleExpression.cron(..., time_zone=aws_cdk.TimeZone.EUROPE_BERLIN)).",
                )
            )
        expression = schedule.expression_string
        zone = schedule.time_zone.timezone_name if schedule.time_zone is not None else None
    else:
        expression = schedule
        try:
            zone = schedules.check_time_zone(time_zone)
        except schedules.ScheduleError as problem:
            found.append(error("schedule", str(problem)))
    if not is_token(expression):
        try:
            schedules.check_expression(expression)
        except schedules.ScheduleError as problem:
            found.append(error("schedule", str(problem)))
            expression = None
    if found:
        return None, None, found
    return expression, zone, found


def _job_name_prefix(scope: Construct, id: str, given: str | None) -> tuple[str, Finding | None]:
    """The runs' job name prefix, and its problem (then the default prefix stands in)."""
    limit = locations.MAX_JOB_NAME_PREFIX_LENGTH
    default = default_prefix(scope, id).lower()[:limit].rstrip("-")
    if given is None:
        return default, None
    problem = validation.name_prefix(given, "job_name_prefix", limit)
    if problem is None and is_token(given):
        problem = error(
            "jobNamePrefix",
            "job_name_prefix must be known at synthesis (it scopes the state machine's permissions); got a token.",
        )
    if problem is None and (given != given.lower() or len(given) > limit):
        problem = error(
            "jobNamePrefix",
            f"job_name_prefix must be at most {limit} lowercase letters, digits and single hyphens: job names "
            f"are '<prefix>-<YYYYMMDD>t<HHMM>-<run id>' (63 characters at most) and SageMaker ARNs are "
            f"lowercase; got {given!r} ({len(given)} characters).",
        )
    return (default, problem) if problem is not None else (given, None)


LONGEST_BUCKET_NAME = "b" * 63
"""Stands in for a bucket given as a token when a location template is checked (the longest name)."""


def _location(template: Any, prop: str, prefix: str) -> tuple[list[locations.Piece] | None, Finding | None]:
    """``template`` as pieces (``None`` when refused), and its problem naming ``prop`` (unknown placeholders, bucket, length).

    The bucket may be a token (``f"s3://{bucket.bucket_name}/in/{{date}}/"``), checked as a bucket
    name of the longest length; the rest must be literal.
    """
    if is_token(template):
        bucket_token, checked = _token_bucket(template, prop)
        if checked is None:
            return None, error(
                "location",
                f"{prop} must be known at synthesis, except its bucket (the state machine renders it per run); got a "
                "token elsewhere. Build it from a bucket (which may be a token) and literal text with placeholders, "
                "e.g. f's3://{bucket.bucket_name}/incoming/{{date}}/'.",
            )
        pieces, problem = _location(checked, prop, prefix)
        if pieces is None:
            return None, problem
        return [
            piece.replace(f"s3://{LONGEST_BUCKET_NAME}/", f"s3://{bucket_token}/", 1)
            if index == 0 and isinstance(piece, str)
            else piece
            for index, piece in enumerate(pieces)
        ], None
    try:
        return locations.checked(template, prop, job_name_prefix=prefix), None  # the checks plan makes too
    except locations.LocationTemplateError as problem:
        return None, error("location", str(problem))


def _token_bucket(template: str, prop: str) -> tuple[str, str | None]:
    """``(bucket token, template with the longest bucket name instead)`` of a template whose bucket only is a token.

    The template is ``None`` when more than the bucket is a token.
    """
    bucket, _, rest = template[len("s3://") :].partition("/") if template.startswith("s3://") else ("", "", "")
    if not (locations.TOKEN_MARKER.fullmatch(bucket) and not is_token(rest)):
        return bucket, None
    return bucket, f"s3://{LONGEST_BUCKET_NAME}/{rest}"


def _output_key(template: str, prefix: str) -> str:
    """What two scheduled transforms' outputs are compared by: ``{job_name}`` differs with the prefix."""
    return template.replace("{" + locations.JOB_NAME_PLACEHOLDER + "}", f"{prefix}-{{job name}}")


def _dst_gap(expression: str, zone: str | None, start: datetime | None) -> Finding | None:
    """Warn about a cron schedule whose local time falls in a daylight-saving gap (Scheduler skips that run)."""
    if is_token(expression):
        return None
    now = datetime.now(timezone.utc)
    effects = schedules.dst_effects(expression, zone, after=max(now, start) if start else now)
    skipped = [effect for effect in effects if effect.kind == schedules.SKIPPED]
    if not skipped:
        return None
    return warning(
        "scheduleDstGap",
        f"schedule {expression!r} in {zone}: {skipped[0].describe()}; EventBridge Scheduler skips that run, so "
        "that day is not scored. Pick a local time outside the daylight-saving change (e.g. 03:00 or later, or "
        "before 01:00), or a UTC schedule.",
    )
