"""Run a scheduled transform's synthesized state machine in moto's Step Functions execution mode.

moto 5 runs state machines with its port of LocalStack's ASL interpreter when mocked with
``mock_aws(config={"stepfunctions": {"execute_state_machine": True}})``: intrinsics, Choice,
Pass, Retry, Catch, Fail and the SNS and ``aws-sdk`` integrations (against moto's own
services). It has no optimised ``sagemaker:createTransformJob.sync`` integration (its factory
lists SageMaker as unsupported), so :class:`ScoringWorld` emulates that one resource, in the
least invasive way the interpreter allows:

* the interpreter builds each Task state with ``state_task_factory.state_task_service_for``;
  :meth:`ScoringWorld.running` replaces that one module attribute (for the test's duration) with
  a function that returns :class:`_EmulatedCreateTransformJobSync` for the ``sagemaker`` service and
  defers to moto's own factory for every other service;
* the emulation is a subclass of the interpreter's own ``StateTaskServiceCallback`` with a
  ``.sync`` resolver, as moto's Glue ``startJobRun.sync`` is: the create goes to moto's SageMaker
  (``CreateTransformJob``), the wait reads the job back (``DescribeTransformJob``);
* as on AWS, job names are unique: a create whose name exists is refused with ``ResourceInUse``
  (moto's own ``CreateTransformJob`` would overwrite the job), and the error a Catch sees is the
  one the test chooses among the names the integration may use (``SageMaker.ResourceInUseException``
  or the generic ``SageMaker.AmazonSageMakerException``);
* how a job ends is the world's :attr:`ScoringWorld.fate`: ``Completed`` (moto's own status),
  ``Failed`` or ``Stopped`` (set on moto's job, then the integration's ``States.TaskFailed`` with the
  job's description as the cause) or ``Timeout`` (the task's ``States.Timeout``, which carries no
  cause: what the interpreter raises when a task's ``TimeoutSeconds`` pass);
* the Retry waits are recorded instead of slept (the interpreter's ``retrier_decl.time``);
* ``$$.Execution.StartTime`` is ISO 8601 text, as Step Functions documents the context object
  (moto's execution worker puts a ``datetime`` there, which ``States.StringSplit`` refuses).

Every ``CreateTransformJob`` request is kept in :attr:`ScoringWorld.requests` for the test to
validate against botocore's input shape (moto's interpreter sends with validation off).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sagemaker.models import sagemaker_backends
from moto.sns.models import sns_backends
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
    StateTaskServiceCallback,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

REGION = "us-east-1"
ACCOUNT = DEFAULT_ACCOUNT_ID
EXECUTION_CONFIG = {"stepfunctions": {"execute_state_machine": True}}
DUPLICATE_ERROR_NAMES = ("SageMaker.ResourceInUseException", "SageMaker.AmazonSageMakerException")
"""What a create whose name is taken may arrive as through the .sync integration (unverified which)."""
# The error names Step Functions' SageMaker integration gives the service's refusals (developer guide,
# SageMaker examples: SageMaker.ResourceLimitExceededException, SageMaker.AmazonSageMakerException);
# a throttled call is named by its code.
_ERROR_NAMES = {
    "ResourceLimitExceeded": "SageMaker.ResourceLimitExceededException",
    "ThrottlingException": "ThrottlingException",
}


@dataclass
class ScoringWorld:
    """Moto's AWS plus the emulated ``createTransformJob.sync``, and what happened in it."""

    fate: str = "Completed"
    """How every created job ends: ``Completed``, ``Failed``, ``Stopped`` or ``Timeout``."""
    duplicate_error: str = DUPLICATE_ERROR_NAMES[0]
    """The error name a create with a taken name raises (one of :data:`DUPLICATE_ERROR_NAMES`)."""
    refusals: list[tuple[str, str]] = field(default_factory=list)
    """``(code, message)`` the next creates are refused with, in order (throttling, quotas)."""
    race: bool = False
    """Another execution creates the same job between this execution's check and its create."""
    requests: list[dict[str, Any]] = field(default_factory=list)
    """Every CreateTransformJob request the state machine sent (including refused ones)."""
    retry_waits: list[float] = field(default_factory=list)
    """The Retry intervals the interpreter would have slept."""

    # -- running -----------------------------------------------------------------------------------

    @contextmanager
    def running(self) -> Iterator[ScoringWorld]:
        """moto's AWS with state machines executed and the SageMaker ``.sync`` task emulated."""
        original = state_task_factory.state_task_service_for
        world = self

        def service_for(service_name: str) -> Any:
            if service_name == "sagemaker":
                return _EmulatedCreateTransformJobSync(world)
            return original(service_name)

        original_environment = ExecutionWorker._get_evaluation_environment

        def environment(worker: Any) -> Any:
            env = original_environment(worker)
            execution = env.states.context_object.context_object_data["Execution"]
            execution["StartTime"] = _iso(execution["StartTime"])
            return env

        with mock_aws(config=EXECUTION_CONFIG):  # type: ignore[arg-type]
            state_task_factory.state_task_service_for = service_for  # type: ignore[assignment]
            original_time = retrier_decl.time
            retrier_decl.time = SimpleNamespace(sleep=self.retry_waits.append)  # type: ignore[assignment]
            ExecutionWorker._get_evaluation_environment = environment  # type: ignore[method-assign]
            try:
                yield self
            finally:
                state_task_factory.state_task_service_for = original
                retrier_decl.time = original_time
                ExecutionWorker._get_evaluation_environment = original_environment  # type: ignore[method-assign]

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)

    def run(self, state_machine_arn: str, execution_input: dict[str, Any], name: str | None = None) -> dict[str, Any]:
        """Start an execution and wait for its end; its description (``status``, ``output``, ``error``, ``cause``)."""
        client = self.client("stepfunctions")
        started = client.start_execution(
            stateMachineArn=state_machine_arn, input=json.dumps(execution_input), name=name or str(uuid.uuid4())
        )
        for _ in range(2000):
            described: dict[str, Any] = client.describe_execution(executionArn=started["executionArn"])
            if described["status"] != "RUNNING":
                return described
            time.sleep(0.01)
        raise AssertionError(f"execution {started['executionArn']} still running")

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.client("stepfunctions").get_execution_history(executionArn=execution_arn)["events"]
        return events

    def notifications(self, topic_arn: str) -> list[dict[str, Any]]:
        """What moto's SNS published to ``topic_arn``: ``subject`` and the parsed ``message``."""
        topic = sns_backends[ACCOUNT][REGION].topics.get(topic_arn)
        sent = topic.sent_notifications if topic is not None else []
        return [{"subject": subject, "message": json.loads(message)} for _, message, subject, _, _ in sent]

    def jobs(self) -> dict[str, Any]:
        """moto's transform jobs by name."""
        return dict(sagemaker_backends[ACCOUNT][REGION].transform_jobs)

    # -- the emulated integration ----------------------------------------------------------------

    def create(self, client: Any, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(json.loads(json.dumps(request)))
        name = request["TransformJobName"]
        if self.race:
            self.race = False
            client.create_transform_job(**request)  # the other execution wins
        if self.refusals:
            code, message = self.refusals.pop(0)
            raise _client_error(code, message, "CreateTransformJob")
        if name in self.jobs():
            raise _client_error(
                "ResourceInUse",
                f"Job name must be unique within an AWS account and region, and a job with this name already "
                f"exists ({self.jobs()[name].arn})",
                "CreateTransformJob",
            )
        response: dict[str, Any] = client.create_transform_job(**request)
        response.pop("ResponseMetadata", None)
        return response

    def error_name(self, code: str) -> str:
        if code == "ResourceInUse":
            return self.duplicate_error
        return _ERROR_NAMES.get(code, "SageMaker.AmazonSageMakerException")

    def end(self, name: str) -> None:
        """Give the created job its fate (moto's jobs are Completed as soon as they exist)."""
        if self.fate in ("Failed", "Stopped"):
            job = sagemaker_backends[ACCOUNT][REGION].transform_jobs[name]
            job.transform_job_status = self.fate
            job.failure_reason = "ClientError: the container exited with code 1" if self.fate == "Failed" else ""


def _iso(value: Any) -> Any:
    """``$$.Execution.StartTime`` as Step Functions gives it, ISO 8601 text (moto's context holds a datetime)."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value


def _client_error(code: str, message: str, operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "r"}},
        operation,
    )


class _EmulatedCreateTransformJobSync(StateTaskServiceCallback):  # type: ignore[misc]
    """``arn:aws:states:::sagemaker:createTransformJob.sync`` against moto's SageMaker (see the module)."""

    def __init__(self, world: ScoringWorld) -> None:
        # WaitForTaskToken too: the interpreter's sync path expects the callback endpoint it sets up
        # only then (interrupt_all on it); only .sync is accepted (_validate_service_integration_is_supported).
        super().__init__(supported_integration_patterns={ResourceCondition.Sync, ResourceCondition.WaitForTaskToken})
        self._world = world

    def _validate_service_integration_is_supported(self) -> None:
        resource = f"{self.resource.api_action}.{self.resource.condition}"
        if resource != "createTransformJob.sync":
            raise ValueError(f"only sagemaker:createTransformJob.sync is emulated; got {self.resource.resource_arn}")

    def _client(self, resource_runtime_part: Any, state_credentials: Any) -> Any:
        return boto_client_for(service="sagemaker", region=resource_runtime_part.region, state_credentials=state_credentials)

    def _from_error(self, env: Any, ex: Exception) -> FailureEvent:
        if isinstance(ex, ClientError):
            name = self._world.error_name(ex.response["Error"]["Code"])
            return FailureEvent(
                env=env,
                error_name=CustomErrorName(name),
                event_type=HistoryEventType.TaskFailed,
                event_details=EventDetails(
                    taskFailedEventDetails=TaskFailedEventDetails(
                        error=name,
                        cause=ex.response["Error"]["Message"],
                        resource=self._get_sfn_resource(),
                        resourceType=self._get_sfn_resource_type(),
                    )
                ),
            )
        return super()._from_error(env=env, ex=ex)  # type: ignore[no-any-return]

    def _eval_service_task(self, env: Any, resource_runtime_part: Any, normalised_parameters: dict[str, Any], state_credentials: Any) -> None:
        client = self._client(resource_runtime_part, state_credentials)
        response = self._world.create(client, normalised_parameters)
        response["TransformJobName"] = normalised_parameters["TransformJobName"]
        env.stack.append(response)

    def _build_sync_resolver(self, env: Any, resource_runtime_part: Any, normalised_parameters: dict[str, Any], state_credentials: Any) -> Any:
        created = env.stack.pop()
        name = created["TransformJobName"]
        client = self._client(resource_runtime_part, state_credentials)
        self._world.end(name)

        def resolve() -> Any:
            if self._world.fate == "Timeout":
                raise FailureEventException(self._get_timed_out_failure_event(env))
            described = json.loads(json.dumps(client.describe_transform_job(TransformJobName=name), default=str))
            described.pop("ResponseMetadata", None)
            if described["TransformJobStatus"] == "Completed":
                return described
            raise FailureEventException(
                FailureEvent(
                    env=env,
                    error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                    event_type=HistoryEventType.TaskFailed,
                    event_details=EventDetails(
                        taskFailedEventDetails=TaskFailedEventDetails(
                            resource=self._get_sfn_resource(),
                            resourceType=self._get_sfn_resource_type(),
                            error=StatesErrorNameType.StatesTaskFailed.to_name(),
                            cause=json.dumps(described),
                        )
                    ),
                )
            )

        return resolve
