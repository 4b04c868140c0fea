"""An in-memory SageMaker (and CloudFormation ``DescribeStacks``) behind real boto3 clients.

Every request goes through botocore as in production: the client validates the
parameters against the service model (``ParamValidationError`` for a bad request), then a
``before-call`` hook answers from memory instead of sending it, the way ``Stubber`` does.
Every answer is validated against the operation's output shape too. The fake keeps the
models and transform jobs it was asked to create (status, tags, requests), and can inject
faults: service errors (throttling, 5xx, long messages), connection errors and timeouts,
repeated pagination tokens, and the Lambda being killed right after a call acted.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ParamValidationError
from botocore.validate import ParamValidator

from benchmarks.bench_events import ACCOUNT, REGION

from .clock import Clock


class LambdaKilled(BaseException):
    """The invocation was killed (Lambda's timeout): no ``except Exception`` in the handler sees it."""


Fault = Callable[[], Any]
"""Raises an exception, or returns ``(code, message, http_status)`` for a service error."""


def service_error(code: str, message: str = "", status: int = 400) -> Fault:
    """A fault answering the service error ``code``."""
    return lambda: (code, message or code, status)


def raising(factory: Callable[[], BaseException]) -> Fault:
    """A fault raising what ``factory`` makes (e.g. a botocore connection error)."""

    def fault() -> Any:
        raise factory()

    return fault


@dataclass
class TransformJob:
    request: dict[str, Any]
    created: Any
    status: str = "InProgress"
    failure_reason: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    stopped_by: str | None = None


@dataclass
class Model:
    request: dict[str, Any]
    created: Any
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class ModelPackage:
    request: dict[str, Any]
    created: Any
    arn: str
    version: int
    approval: str
    tags: dict[str, str] = field(default_factory=dict)


class ClientErrorAnswer(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


EVENT_RETRY_DELAYS = (60, 120)
"""Lambda's asynchronous invocation retries a failed function twice, about 1 and 2 minutes later."""


class FakeAws:
    """SageMaker and CloudFormation stand-ins; ``clients()`` hands them to the handler.

    Transform jobs finish ``job_duration`` after their creation with ``job_outcome``
    (``Completed`` or ``Failed``), measured on the shared :class:`Clock`; a stopped job is
    ``Stopped`` at its next read. ``stack_status`` answers ``DescribeStacks`` and
    ``stack_resource`` ``DescribeStackResource`` (the CloudFormation emulator sets both).

    EventBridge: when a job reaches an end status, :meth:`deliver_events` sends its
    ``SageMaker Transform Job State Change`` event to ``event_target`` (the stack's rule ->
    the handler), ``event_delay`` seconds after the change; a target that raises gets the
    event again after Lambda's asynchronous retry delays, then it is dropped. Wait condition
    signals (HTTP PUTs to a handle's pre-signed URL) are kept per URL in ``signals``.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.models: dict[str, Model] = {}
        self.jobs: dict[str, TransformJob] = {}
        self.automl_jobs: dict[str, dict[str, Any]] = {}
        self.packages: dict[str, ModelPackage] = {}
        """Model package versions by ARN (any account: a consumer's calls reach the registry's)."""
        self._client_tokens: dict[str, str] = {}
        self.candidates: dict[str, list[dict[str, Any]]] = {}
        self.job_duration = timedelta(minutes=10)
        self.job_outcome = "Completed"
        self.job_failure_reason = "ClientError: See job logs for more information"
        self.stack_status: Callable[[], str] = lambda: "CREATE_IN_PROGRESS"
        self.stack_resource: Callable[[str, str], dict[str, Any] | None] = lambda stack, logical_id: None
        """``(stack id, logical id) -> {"PhysicalResourceId", "ResourceStatus", "ResourceType", "LastUpdatedTimestamp"}``
        or ``None`` (no such stack or resource)."""
        self.event_target: Callable[[dict[str, Any]], Any] | None = None
        self.event_delay = 0.0
        self.event_copies = 1
        """EventBridge delivers at least once: each event this many times."""
        self.events_sent: list[dict[str, Any]] = []
        self.event_failures = 0
        self.signals: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._ended: dict[str, str] = {}
        self._queue: list[tuple[Any, int, dict[str, Any]]] = []
        self._scheduled: list[tuple[Any, Callable[[], Any]]] = []
        self.repeat_candidate_token = False
        """``ListCandidatesForAutoMLJob`` answers the same ``NextToken`` forever (botocore's PaginationError)."""
        self.calls: list[str] = []
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._persistent: dict[str, Fault] = {}
        self._kill_after: set[str] = set()
        self._lost_after: dict[str, Callable[[], BaseException]] = {}
        self._pending: dict[int, dict[str, Any]] = {}
        self.sagemaker = boto3.client("sagemaker", region_name=REGION)
        self.cloudformation = boto3.client("cloudformation", region_name=REGION)
        self.sts = boto3.client("sts", region_name=REGION)
        for client in (self.sagemaker, self.cloudformation, self.sts):
            client.meta.events.register("before-parameter-build", self._capture)
            client.meta.events.register("before-call", self._answer)

    # --- the handler's side -------------------------------------------------------------

    def factory(self, service_name: str, credentials: Any = None) -> Any:
        """A :class:`~autopilot_runtime.clients.ClientFactory`."""
        return {"sagemaker": self.sagemaker, "cloudformation": self.cloudformation, "sts": self.sts}[service_name]

    def clients(self) -> Any:
        from autopilot_inference._lambda.autopilot_runtime.clients import Clients

        return Clients(self.factory, put=self.put_signal)

    def put_signal(self, url: str, body: bytes) -> None:
        """An HTTP PUT to a wait condition handle's URL (S3 keeps one object per handle; CloudFormation reads the signals)."""
        self.signals[url].append(json.loads(body))

    # --- EventBridge -------------------------------------------------------------------

    def _job_event(self, name: str, status: str) -> dict[str, Any]:
        job = self.jobs[name]
        detail: dict[str, Any] = {
            "TransformJobName": name,
            "TransformJobArn": self._arn("transform-job", name),
            "TransformJobStatus": status,
            "ModelName": job.request["ModelName"],
            "CreationTime": int(job.created.timestamp() * 1000),
            "Tags": dict(job.tags),
        }
        if job.failure_reason:
            detail["FailureReason"] = job.failure_reason
        return {
            "version": "0", "id": f"event-{len(self.events_sent) + len(self._queue)}",
            "detail-type": "SageMaker Transform Job State Change", "source": "aws.sagemaker",
            "account": ACCOUNT, "time": self.clock.now.isoformat(), "region": REGION,
            "resources": [self._arn("transform-job", name)], "detail": detail,
        }

    def at(self, delay: timedelta, action: Callable[[], Any]) -> None:
        """Run ``action`` (e.g. someone stopping a job by hand) once the clock is ``delay`` past now."""
        self._scheduled.append((self.clock.now + delay, action))

    def deliver_events(self) -> None:
        """Send the end events of jobs that ended (due by now) to ``event_target``; retry a failed delivery."""
        for when, action in [item for item in self._scheduled if item[0] <= self.clock.now]:
            self._scheduled.remove((when, action))
            action()
        for name in list(self.jobs):
            status = self.job_status(name)
            if status in ("Completed", "Failed", "Stopped") and self._ended.get(name) != status:
                self._ended[name] = status
                self._queue.append((self.clock.now + timedelta(seconds=self.event_delay), 0, self._job_event(name, status)))
        due = [item for item in self._queue if item[0] <= self.clock.now]
        self._queue = [item for item in self._queue if item[0] > self.clock.now]
        for _, attempt, event in [item for item in due for _ in range(self.event_copies if item[1] == 0 else 1)]:
            if self.event_target is None:
                continue
            self.events_sent.append(event)
            try:
                self.event_target(copy.deepcopy(event))
            except Exception:  # the function failed: Lambda retries the asynchronous invocation
                self.event_failures += 1
                if attempt < len(EVENT_RETRY_DELAYS):
                    self._queue.append((self.clock.now + timedelta(seconds=EVENT_RETRY_DELAYS[attempt]), attempt + 1, event))

    # --- fault injection ---------------------------------------------------------------

    def fail(self, operation: str, fault: Fault, times: int | None = 1) -> None:
        """The next ``times`` calls of ``operation`` answer ``fault`` (``None``: every call from now on)."""
        if times is None:
            self._persistent[operation] = fault
        else:
            self._faults[operation].extend([fault] * times)

    def heal(self, operation: str) -> None:
        """Stop failing ``operation``."""
        self._persistent.pop(operation, None)
        self._faults.pop(operation, None)

    def lose_answer(self, operation: str, error: Callable[[], BaseException]) -> None:
        """The next ``operation`` acts, then its answer is lost: the caller sees ``error()`` (e.g. a read timeout)."""
        self._lost_after[operation] = error

    def kill_after(self, operation: str) -> None:
        """The invocation is killed right after the next successful ``operation`` acted."""
        self._kill_after.add(operation)

    # --- what SageMaker holds ----------------------------------------------------------

    def job_status(self, name: str) -> str:
        job = self.jobs[name]
        if job.status == "InProgress" and self.clock.now >= job.created + self.job_duration:
            job.status = self.job_outcome
            if self.job_outcome == "Failed":
                job.failure_reason = self.job_failure_reason
        elif job.status == "Stopping":
            job.status = "Stopped"
        return job.status

    def running_jobs(self) -> list[str]:
        """Jobs still ``InProgress`` (``Stopping`` jobs are on their way out)."""
        return sorted(name for name in self.jobs if self.job_status(name) == "InProgress")

    def approve(self, arn: str, status: str = "Approved") -> None:
        """A person sets a version's approval status (Studio, ``UpdateModelPackage``)."""
        self.packages[arn].approval = status

    def register(self, group: str, approval: str, account: str = ACCOUNT, **request: Any) -> str:
        """A version registered by someone else (another stack, another account); returns its ARN."""
        version = 1 + sum(1 for package in self.packages.values() if package.request["ModelPackageGroupName"] == group)
        arn = f"arn:aws:sagemaker:{REGION}:{account}:model-package/{group}/{version}"
        full = {"ModelPackageGroupName": group, "InferenceSpecification": {"Containers": [{"Image": "image"}]}, **request}
        self.packages[arn] = ModelPackage(full, self.clock.now, arn, version, approval)
        return arn

    def versions(self, group: str) -> list[str]:
        """The group's version ARNs, oldest first."""
        return [arn for arn, package in self.packages.items() if package.request["ModelPackageGroupName"] == group]

    def add_automl_job(self, job: dict[str, Any], candidates: list[dict[str, Any]] | None = None) -> None:
        self.automl_jobs[job["AutoMLJobName"]] = job
        self.candidates[job["AutoMLJobName"]] = candidates or []

    # --- botocore hooks ----------------------------------------------------------------

    def _capture(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self._pending[id(model)] = copy.deepcopy(params)

    def _answer(self, model: Any, **_: Any) -> Any:
        operation = model.name
        params = self._pending.pop(id(model), {})
        self.calls.append(operation)
        try:
            fault = self._faults[operation].popleft() if self._faults[operation] else self._persistent.get(operation)
            if fault is not None:
                code, message, status = fault()
                raise ClientErrorAnswer(code, message, status)
            answer = getattr(self, f"_op_{operation}")(params)
        except ClientErrorAnswer as error:
            parsed = {
                "Error": {"Code": error.code, "Message": error.message},
                "ResponseMetadata": {"HTTPStatusCode": error.status},
            }
            return AWSResponse("https://fake", error.status, {}, None), parsed
        report = ParamValidator().validate(answer, model.output_shape) if model.output_shape else None
        if report is not None and report.has_errors():
            raise ParamValidationError(report=report.generate_report())
        if operation in self._lost_after:
            raise self._lost_after.pop(operation)()
        if operation in self._kill_after:
            self._kill_after.discard(operation)
            raise LambdaKilled(f"killed after {operation}")
        return AWSResponse("https://fake", 200, {}, None), {**answer, "ResponseMetadata": {"HTTPStatusCode": 200}}

    # --- operations --------------------------------------------------------------------

    def _arn(self, kind: str, name: str) -> str:
        return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:{kind}/{name.lower()}"

    def _op_DescribeAutoMLJob(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["AutoMLJobName"]
        if name not in self.automl_jobs:
            raise ClientErrorAnswer("ResourceNotFound", f"Could not find AutoML job {name}")
        return copy.deepcopy(self.automl_jobs[name])

    def _op_DescribeAutoMLJobV2(self, params: dict[str, Any]) -> dict[str, Any]:
        raise ClientErrorAnswer("ResourceNotFound", f"Could not find AutoML job {params['AutoMLJobName']}")

    def _op_ListCandidatesForAutoMLJob(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.repeat_candidate_token:
            return {"Candidates": [], "NextToken": "page-2"}
        wanted = params.get("CandidateNameEquals")
        found = [c for c in self.candidates.get(params["AutoMLJobName"], []) if wanted in (None, c["CandidateName"])]
        return {"Candidates": copy.deepcopy(found)}

    def _op_CreateModel(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ModelName"]
        if name in self.models:
            raise ClientErrorAnswer("ValidationException", f"Cannot create already existing model \"{self._arn('model', name)}\".")
        self.models[name] = Model(params, self.clock.now, {t["Key"]: t["Value"] for t in params.get("Tags", [])})
        return {"ModelArn": self._arn("model", name)}

    def _model(self, name: str) -> Model:
        if name not in self.models:
            raise ClientErrorAnswer("ValidationException", f"Could not find model \"{self._arn('model', name)}\".")
        return self.models[name]

    def _op_DescribeModel(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ModelName"]
        model = self._model(name)
        answer = {"ModelName": name, "ModelArn": self._arn("model", name), "CreationTime": model.created}
        if model.request.get("Containers"):
            answer["Containers"] = copy.deepcopy(model.request["Containers"])
        return answer

    def _op_DeleteModel(self, params: dict[str, Any]) -> dict[str, Any]:
        self._model(params["ModelName"])
        del self.models[params["ModelName"]]
        return {}

    def _tagged(self, arn: str) -> dict[str, str]:
        if arn in self.packages:
            return self.packages[arn].tags
        kind, _, name = arn.rpartition(":")[2].partition("/")
        pool: dict[str, Any] = self.models if kind == "model" else self.jobs
        for key, item in pool.items():
            if key.lower() == name:
                return item.tags
        raise ClientErrorAnswer("ValidationException", f"Could not find resource {arn}")

    def _op_AddTags(self, params: dict[str, Any]) -> dict[str, Any]:
        tags = self._tagged(params["ResourceArn"])
        tags.update({t["Key"]: t["Value"] for t in params["Tags"]})
        return {"Tags": params["Tags"]}

    def _op_DeleteTags(self, params: dict[str, Any]) -> dict[str, Any]:
        tags = self._tagged(params["ResourceArn"])
        for key in params["TagKeys"]:
            tags.pop(key, None)
        return {}

    def _op_ListTags(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Tags": [{"Key": k, "Value": v} for k, v in self._tagged(params["ResourceArn"]).items()]}

    def _op_CreateModelPackage(self, params: dict[str, Any]) -> dict[str, Any]:
        token = params.get("ClientToken")
        if token in self._client_tokens:  # idempotent: the same token answers the same version
            return {"ModelPackageArn": self._client_tokens[token]}
        group = params["ModelPackageGroupName"]
        arn = self.register(group, params.get("ModelApprovalStatus", "PendingManualApproval"))
        self.packages[arn].request = copy.deepcopy(params)
        self.packages[arn].tags = {t["Key"]: t["Value"] for t in params.get("Tags", [])}
        if token:
            self._client_tokens[token] = arn
        return {"ModelPackageArn": arn}

    def _package(self, arn: str) -> ModelPackage:
        if arn not in self.packages:
            raise ClientErrorAnswer("ValidationException", f"ModelPackage {arn} does not exist.")
        return self.packages[arn]

    def _op_DescribeModelPackage(self, params: dict[str, Any]) -> dict[str, Any]:
        package = self._package(params["ModelPackageName"])
        request = package.request
        answer = {
            "ModelPackageName": request["ModelPackageGroupName"],
            "ModelPackageGroupName": request["ModelPackageGroupName"],
            "ModelPackageVersion": package.version,
            "ModelPackageArn": package.arn,
            "CreationTime": package.created,
            "InferenceSpecification": copy.deepcopy(request["InferenceSpecification"]),
            "ModelPackageStatus": "Completed",
            "ModelPackageStatusDetails": {"ValidationStatuses": []},
            "ModelApprovalStatus": package.approval,
        }
        if request.get("CustomerMetadataProperties"):
            answer["CustomerMetadataProperties"] = dict(request["CustomerMetadataProperties"])
        return answer

    def _op_ListModelPackages(self, params: dict[str, Any]) -> dict[str, Any]:
        group = params["ModelPackageGroupName"].rpartition("/")[2]
        found = [p for p in self.packages.values() if p.request["ModelPackageGroupName"] == group]
        if "ModelApprovalStatus" in params:
            found = [p for p in found if p.approval == params["ModelApprovalStatus"]]
        found.sort(key=lambda p: p.version, reverse=params.get("SortOrder", "Ascending") == "Descending")
        start = int(params.get("NextToken") or 0)
        size = int(params.get("MaxResults") or 10)
        answer: dict[str, Any] = {
            "ModelPackageSummaryList": [
                {"ModelPackageGroupName": group, "ModelPackageVersion": p.version, "ModelPackageArn": p.arn,
                 "CreationTime": p.created, "ModelPackageStatus": "Completed", "ModelApprovalStatus": p.approval}
                for p in found[start : start + size]
            ]
        }
        if start + size < len(found):
            answer["NextToken"] = str(start + size)
        return answer

    def _op_DeleteModelPackage(self, params: dict[str, Any]) -> dict[str, Any]:
        self._package(params["ModelPackageName"])
        del self.packages[params["ModelPackageName"]]
        return {}

    def _op_CreateTransformJob(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["TransformJobName"]
        if name in self.jobs:
            raise ClientErrorAnswer(
                "ResourceInUse", f"Job name must be unique within an AWS account and region, and a job with this name already exists ({self._arn('transform-job', name)})"
            )
        if params["ModelName"] not in self.models:
            raise ClientErrorAnswer("ValidationException", f"Could not find model \"{params['ModelName']}\".")
        self.jobs[name] = TransformJob(params, self.clock.now, tags={t["Key"]: t["Value"] for t in params.get("Tags", [])})
        return {"TransformJobArn": self._arn("transform-job", name)}

    def _job(self, name: str) -> TransformJob:
        if name not in self.jobs:
            raise ClientErrorAnswer("ValidationException", f"Could not find requested job with name {name}")
        return self.jobs[name]

    def _op_DescribeTransformJob(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["TransformJobName"]
        job = self._job(name)
        request = job.request
        answer: dict[str, Any] = {
            "TransformJobName": name,
            "TransformJobArn": self._arn("transform-job", name),
            "TransformJobStatus": self.job_status(name),
            "ModelName": request["ModelName"],
            "TransformInput": request["TransformInput"],
            "TransformResources": request["TransformResources"],
            "CreationTime": job.created,
        }
        if "TransformOutput" in request:
            answer["TransformOutput"] = request["TransformOutput"]
        if job.failure_reason:
            answer["FailureReason"] = job.failure_reason
        return answer

    def _op_StopTransformJob(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["TransformJobName"]
        if self.job_status(name) != "InProgress":
            raise ClientErrorAnswer("ValidationException", f"Transform job {name} is not in progress.")
        self.jobs[name].status = "Stopping"
        return {}

    def _op_ListTransformJobs(self, params: dict[str, Any]) -> dict[str, Any]:
        contains = params.get("NameContains", "").lower()
        names = [name for name in self.jobs if contains in name.lower()]
        if "StatusEquals" in params:
            names = [name for name in names if self.job_status(name) == params["StatusEquals"]]
        if params.get("SortBy") == "CreationTime":
            # Creation order breaks ties between jobs made at the same instant.
            order = list(self.jobs)
            names.sort(key=lambda name: (self.jobs[name].created, order.index(name)))
        else:
            names.sort()
        if params.get("SortOrder", "Descending") == "Descending":
            names.reverse()
        start = int(params.get("NextToken") or 0)
        size = int(params.get("MaxResults") or 10)
        page = names[start : start + size]
        answer: dict[str, Any] = {
            "TransformJobSummaries": [
                {
                    "TransformJobName": name,
                    "TransformJobArn": self._arn("transform-job", name),
                    "CreationTime": self.jobs[name].created,
                    "TransformJobStatus": self.job_status(name),
                }
                for name in page
            ]
        }
        if start + size < len(names):
            answer["NextToken"] = str(start + size)
        return answer

    def _op_DescribeStackResource(self, params: dict[str, Any]) -> dict[str, Any]:
        logical_id = params["LogicalResourceId"]
        found = self.stack_resource(params["StackName"], logical_id)
        if found is None:
            raise ClientErrorAnswer("ValidationError", f"Resource {logical_id} does not exist for stack {params['StackName']}")
        return {
            "StackResourceDetail": {
                "StackName": params["StackName"].split("/")[1], "StackId": params["StackName"],
                "LogicalResourceId": logical_id, "PhysicalResourceId": found["PhysicalResourceId"],
                "ResourceType": found["ResourceType"], "LastUpdatedTimestamp": found["LastUpdatedTimestamp"],
                "ResourceStatus": found["ResourceStatus"],
            }
        }

    def _op_DescribeStacks(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "Stacks": [
                {"StackName": params["StackName"].split("/")[1], "StackId": params["StackName"],
                 "CreationTime": self.clock.now, "StackStatus": self.stack_status()}
            ]
        }
