"""``plan``: what a deployment will do to a job's containers, worked out offline.

Reads a saved ``DescribeAutoMLJob`` / ``DescribeAutoMLJobV2`` response (what
``aws sagemaker describe-auto-ml-job --auto-ml-job-name X`` prints), or the live job
through boto3, and runs the same candidate checks and response-key engine as the
deploy-time handler. Errors are the deploy-time errors, raised before any deployment.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .._lambda.autopilot_runtime import candidates, contract
from .._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from .._lambda.autopilot_runtime.media_types import model_media_types
from .._lambda.autopilot_runtime.response_keys import (
    NO_KEYS,
    InferenceResponseKeyError,
    NormalizedKeys,
    requested_inference_response_keys,
)
from .describe import keys_text, schedule_header

LIVE_EXTRA_INSTALL = 'pip install "autopilot-inference[live]"'
"""How to install what ``--job`` needs (boto3)."""

SAVE_JOB_HINT = "aws sagemaker describe-auto-ml-job --auto-ml-job-name NAME > job.json"


class PlanUsageError(Exception):
    """The command cannot run as invoked (arguments, files, boto3, credentials); exit status 2."""

_ROLE_BY_TRANSFORM_MODE = {
    "feature-transform": "feature transform",
    "inverse-label-transform": "inverse label transform",
}


@dataclass(frozen=True)
class EnvironmentChange:
    """One environment variable the deployment sets or changes."""

    name: str
    before: str | None
    after: str


@dataclass(frozen=True)
class ContainerPlan:
    """One inference container: its role in the pipeline, image and changes."""

    position: int
    role: str
    image: str
    model_data_url: str | None
    changes: tuple[EnvironmentChange, ...]


@dataclass(frozen=True)
class Plan:
    """What deploying a candidate with the given keys will create."""

    job_name: str
    job_status: str
    candidate_name: str
    candidate_source: str
    problem_type: str | None
    mode: str | None
    layout: str
    objective: str | None
    response_keys: NormalizedKeys
    containers: tuple[ContainerPlan, ...]
    warnings: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    """Media types the model reads (a transform's ``content_type``); empty: not known, not checked."""
    answers: tuple[str, ...] = ()
    """Media types the model answers (a transform's ``accept``); empty: not known, not checked."""


def container_role(container: Mapping[str, Any], position: int, count: int) -> str:
    """Name a container's part in an Autopilot inference pipeline."""
    transform_mode = (container.get("Environment") or {}).get("AUTOML_TRANSFORM_MODE")
    if transform_mode in _ROLE_BY_TRANSFORM_MODE:
        return _ROLE_BY_TRANSFORM_MODE[transform_mode]
    return "model" if count == 1 else "algorithm"


def recognise_layout(
    mode: str | None, problem_type: str | None, container_count: int, container_set: str | None = None
) -> str:
    """Describe the pipeline the way the Autopilot documentation does.

    ``container_set`` names the ``InferenceContainerDefinitions`` set (``CPU``/``GPU``) of an
    image or text (V2) job's candidate; those jobs have no ensembling or HPO pipeline.
    """
    if container_set is not None:
        plural = "container" if container_count == 1 else "containers"
        return f"{problem_type or 'V2 job'}, {container_set} container set: {container_count} {plural}"
    classification = bool(problem_type and "Classification" in problem_type)
    if mode == "ENSEMBLING" or (mode is None and container_count == 1):
        return f"ensembling: one container ({container_count} here)" if container_count != 1 else "ensembling: one container"
    if mode in ("HYPERPARAMETER_TUNING", None) and container_count in (2, 3):
        kind = "classification" if classification or container_count == 3 else "regression"
        return f"HPO {kind}: {container_count} containers"
    return f"{container_count} container(s)"


def environment_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[EnvironmentChange, ...]:
    """The container's environment variables that differ, in name order."""
    old = before.get("Environment") or {}
    new = after.get("Environment") or {}
    return tuple(
        EnvironmentChange(name, old.get(name), new[name])
        for name in sorted(new)
        if old.get(name) != new[name]
    )


def build_plan(
    job: Mapping[str, Any],
    keys: NormalizedKeys = NO_KEYS,
    *,
    candidate: Mapping[str, Any] | None = None,
    processing_unit: str = contract.DEFAULT_PROCESSING_UNIT,
    artifact_s3_uri: str | None = None,
    serverless: bool = False,
) -> Plan:
    """Resolve the candidate and apply the keys exactly as a deployment would.

    ``keys`` as :func:`requested_inference_response_keys` returns them: :func:`run` checks ``--keys`` as the
    constructs check ``inference_response_keys`` at synth time, with the same messages, before any job is read.
    ``serverless``: the model is served by a serverless endpoint, which needs one container.
    """
    unit = str(processing_unit).upper()
    resolved = candidates.resolve_candidate(job, candidate, processing_unit=unit, artifact_s3_uri=artifact_s3_uri)
    if serverless:  # serve (issue 13): the handler's SingleContainerRequired check
        candidates.check_single_container(resolved)
    configured = candidates.apply_keys(resolved, keys)
    count = len(resolved.containers)
    chosen = candidate if candidate is not None else job.get("BestCandidate") or {}
    container_set = None if chosen.get("InferenceContainers") else unit
    warnings: tuple[str, ...] = ()
    if container_set is None and unit != contract.DEFAULT_PROCESSING_UNIT:
        warnings = (
            f"--processing-unit {unit} has no effect: candidate {resolved.candidate_name} has one container set "
            "(InferenceContainers), which the deployment uses on any instance type. Only image and text "
            "classification (V2) jobs have CPU and GPU sets.",
        )
    media = model_media_types(resolved.problem_type, resolved.containers)
    objective = None
    if resolved.objective_metric_name:
        objective = f"{resolved.objective_metric_name} = {resolved.objective_metric_value}"
    return Plan(
        job_name=resolved.job_name,
        job_status=str(job.get("AutoMLJobStatus", "")),
        candidate_name=resolved.candidate_name,
        candidate_source="named" if candidate is not None else "best",
        problem_type=resolved.problem_type,
        mode=resolved.mode,
        layout=recognise_layout(resolved.mode, resolved.problem_type, count, container_set),
        objective=objective,
        response_keys=configured.keys,
        containers=tuple(
            ContainerPlan(
                position=index + 1,
                role=container_role(before, index, count),
                image=str(before.get("Image", "")),
                model_data_url=before.get("ModelDataUrl"),
                changes=environment_changes(before, after),
            )
            for index, (before, after) in enumerate(zip(resolved.containers, configured.containers, strict=True))
        ),
        warnings=warnings,
        reads=media.inputs,
        answers=media.answers,
    )


def media_types_line(plan: Plan) -> str:
    """What the candidate reads and answers, as the transform handler checks ``content_type``/``accept``."""
    if not plan.reads and not plan.answers:
        return "not known for this problem type (content_type and accept are not checked at deploy time)"
    return f"reads {', '.join(plan.reads) or 'any'}; answers {', '.join(plan.answers) or 'any'}"


def render_plan(plan: Plan) -> str:
    """The plan as text for a terminal or a pull-request comment."""
    lines = [
        f"AutoML job:    {plan.job_name} ({plan.job_status})",
        f"Problem type:  {plan.problem_type or 'not reported by the job'}",
        f"Mode:          {plan.mode or 'not reported by the job'} ({plan.layout})",
        f"Candidate:     {plan.candidate_name} ({plan.candidate_source}"
        + (f"; {plan.objective})" if plan.objective else ")"),
        f"Response keys: {keys_text(plan.response_keys, none='none (containers keep their defaults)')}",
        f"Media types:   {media_types_line(plan)}",
        "",
    ]
    count = len(plan.containers)
    for container in plan.containers:
        lines.append(f"Container {container.position}/{count} - {container.role}")
        lines.append(f"  image: {container.image}")
        if container.model_data_url:
            lines.append(f"  model data: {container.model_data_url}")
        if not container.changes:
            lines.append("  environment: unchanged")
        for change in container.changes:
            if change.before is None:
                lines.append(f"  + {change.name}={change.after}")
            else:
                lines.append(f"  ~ {change.name}: {change.before} -> {change.after}")
    return "\n".join(lines)


def plan_to_json(plan: Plan) -> str:
    """The plan as JSON, for tools that read it."""

    def encode(value: Any) -> Any:
        if hasattr(value, "__dataclass_fields__"):
            return {name: encode(getattr(value, name)) for name in value.__dataclass_fields__}
        if isinstance(value, tuple):
            return [encode(item) for item in value]
        return value

    return json.dumps(encode(plan), indent=2, sort_keys=True)


def _read_json(path: str, what: str = f"a saved describe-auto-ml-job response ({SAVE_JOB_HINT})") -> dict[str, Any]:
    """A JSON object from ``path``; every problem is a :class:`PlanUsageError` saying what file to give."""
    file = Path(path)
    if file.is_dir():
        raise PlanUsageError(f"{path} is a directory: give the file of {what}.")
    try:
        data = json.loads(file.read_text())
    except FileNotFoundError:
        raise PlanUsageError(f"{path}: no such file. Give the file of {what}.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PlanUsageError(f"{path}: cannot read it ({error}). Give the file of {what}.") from None
    except json.JSONDecodeError as error:
        raise PlanUsageError(f"{path} is not JSON ({error}). Give the file of {what}.") from None
    if not isinstance(data, dict):
        raise PlanUsageError(f"{path} does not hold a JSON object. Give the file of {what}.")
    return data


def _check_job_document(job: Mapping[str, Any], path: str) -> None:
    """Refuse a JSON object that is not a DescribeAutoMLJob(V2) response (``{}``, another API's output)."""
    if not job.get("AutoMLJobName") and not job.get("AutoMLJobStatus"):
        raise PlanUsageError(
            f"{path} is not a describe-auto-ml-job response: it has neither AutoMLJobName nor AutoMLJobStatus. "
            f"Save one with `{SAVE_JOB_HINT}` (or describe-auto-ml-job-v2)."
        )


def _live_clients() -> Any:
    """The handler's clients module, which needs boto3 (the ``live`` extra)."""
    try:
        import boto3  # noqa: F401 - only to tell whether it is installed

        from .._lambda.autopilot_runtime import clients
    except ImportError:
        raise PlanUsageError(
            f"--job reads the job live through boto3, which is not installed: {LIVE_EXTRA_INSTALL}. "
            f"Or plan from a saved file: {SAVE_JOB_HINT}."
        ) from None
    return clients


def _read_live(args: argparse.Namespace, client_factory: Callable[[str | None], Any]) -> tuple[dict[str, Any], Any]:
    """``--job``: the job (and named candidate) through boto3, its setup problems as one-line errors."""
    clients = _live_clients()
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        ProfileNotFound,
    )

    from .._lambda.autopilot_runtime.service_errors import error_code, error_message

    try:
        client = client_factory(args.region)
        job = clients.describe_job(client, args.job)
        candidate = clients.list_candidate(client, args.job, args.candidate) if args.candidate else None
    except NoRegionError:
        raise PlanUsageError(
            "--job needs an AWS region: pass --region REGION, or set AWS_REGION (or a region in your AWS profile)."
        ) from None
    except (NoCredentialsError, PartialCredentialsError) as error:
        raise PlanUsageError(
            f"--job needs AWS credentials ({error}): configure them (aws configure, AWS_PROFILE or the "
            f"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables), or plan from a saved file: {SAVE_JOB_HINT}."
        ) from None
    except ProfileNotFound as error:
        raise PlanUsageError(f"--job: {error}. Set AWS_PROFILE to a profile in your AWS config, or unset it.") from None
    except ClientError as error:
        raise AutopilotDeploymentError(
            f"reading AutoML job {args.job}: {error_code(error)}: {error_message(error)}"
        ) from None
    except BotoCoreError as error:
        raise AutopilotDeploymentError(f"reading AutoML job {args.job}: {error}") from None
    return job, candidate


def _default_client_factory(region: str | None) -> Any:
    from .._lambda.autopilot_runtime.clients import sagemaker_client

    return sagemaker_client(region_name=region)


def load_job_and_candidate(
    args: argparse.Namespace, client_factory: Callable[[str | None], Any] = _default_client_factory
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The job description and, when one is named, the candidate: from files or live."""
    if args.job and args.describe_file:
        raise PlanUsageError(
            f"give either a saved response file ({args.describe_file}) or --job {args.job}, not both."
        )
    if args.job:
        if args.candidates_file:
            raise PlanUsageError("--candidates FILE is for saved files; with --job the candidate is read live.")
        return _read_live(args, client_factory)
    if not args.describe_file:
        raise PlanUsageError(f"give a saved describe-auto-ml-job response file ({SAVE_JOB_HINT}), or --job NAME.")
    job = _read_json(args.describe_file)
    _check_job_document(job, args.describe_file)
    candidate = None
    if args.candidates_file and not args.candidate:
        raise PlanUsageError("--candidates FILE needs --candidate NAME: the candidate to plan from that listing.")
    if args.candidate:
        if not args.candidates_file:
            raise PlanUsageError(
                "--candidate needs --candidates FILE: the output of "
                "`aws sagemaker list-candidates-for-auto-ml-job --auto-ml-job-name JOB "
                "--candidate-name-equals NAME` (or use --job to read it live)."
            )
        job_name = str(job.get("AutoMLJobName", args.describe_file))
        listing = _read_json(args.candidates_file, "a saved list-candidates-for-auto-ml-job response")
        candidate = dict(candidates.find_candidate([listing], args.candidate, job_name))
    return job, candidate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``plan`` subcommand's arguments."""
    parser.add_argument("describe_file", nargs="?", help="saved DescribeAutoMLJob or DescribeAutoMLJobV2 response (JSON)")
    parser.add_argument("--keys", default=None, help="inference response keys, comma-separated (default: none)")
    parser.add_argument("--candidate", help="a named candidate instead of the best one")
    parser.add_argument("--candidates", dest="candidates_file", help="saved ListCandidatesForAutoMLJob response holding --candidate")
    parser.add_argument(
        "--processing-unit", type=str.upper, choices=list(contract.PROCESSING_UNITS), default=contract.DEFAULT_PROCESSING_UNIT,
        help="container set of image/text V2 jobs, any case (default CPU)",
    )
    parser.add_argument("--automl-output-s3-uri", dest="artifact_s3_uri", help="check every ModelDataUrl lies under this S3 URI")
    parser.add_argument("--job", help="read this AutoML job live through boto3 instead of a file")
    parser.add_argument("--region", help="AWS region for --job (default: the boto3 default)")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.add_argument(
        "--serverless", action="store_true", help="the model is served by a serverless endpoint (one container only)"
    )
    registry = parser.add_argument_group("model registry", "what AutopilotModelPackage registers; what a package model deploys")
    registry.add_argument(
        "--register", metavar="GROUP", help="also show the CreateModelPackage request of a registration into GROUP"
    )
    registry.add_argument(
        "--model-package-group", metavar="ARN",
        help="show the version AutopilotModel.from_model_package would deploy from this group now (live, boto3)",
    )
    schedule = parser.add_argument_group(
        "scheduled scoring", "preview an AutopilotScheduledTransform's runs (with or without a job to plan)"
    )
    schedule.add_argument("--schedule", help="schedule expression: cron(0 2 * * ? *), rate(1 day) or at(...)")
    schedule.add_argument("--time-zone", help="IANA time zone of the schedule (default UTC)")
    schedule.add_argument("--input-s3-uri", help="input location template, e.g. s3://bucket/incoming/{date}/")
    schedule.add_argument("--output-s3-uri", help="output location template, e.g. s3://bucket/scored/{date}/")
    schedule.add_argument(
        "--job-name-prefix", default="scoring", help="start of the runs' job names (default: scoring)"
    )
    schedule.add_argument("--runs", type=int, default=3, help="how many next run times to show (default 3)")


def schedule_preview(args: argparse.Namespace, now: datetime | None = None) -> str:
    """The ``--schedule`` part of a plan: next run times and what the next run reads and writes.

    The same checks as ``AutopilotScheduledTransform`` at synth time, so the same messages; every
    problem (one a line) in one :class:`PlanUsageError`.
    """
    from ..transform import run_locations as locations
    from ..transform import schedules

    if (args.input_s3_uri is None) != (args.output_s3_uri is None):
        raise PlanUsageError("--input-s3-uri and --output-s3-uri go together: give both location templates, or neither.")
    if not 1 <= args.runs <= 100:
        raise PlanUsageError(f"--runs must be between 1 and 100; got {args.runs}.")
    problems = []  # every problem, as the construct reports them all
    for template, prop in ((args.input_s3_uri, "input_s3_uri"), (args.output_s3_uri, "output_s3_uri")):
        if template is not None:  # the construct's own checks of its location templates
            try:
                locations.checked(template, prop, job_name_prefix=args.job_name_prefix)
            except locations.LocationTemplateError as error:
                problems.append(str(error))
    for check, value in ((schedules.check_expression, args.schedule), (schedules.check_time_zone, args.time_zone)):
        try:
            check(value)
        except schedules.ScheduleError as error:
            problems.append(str(error))
    if problems:
        raise PlanUsageError("\n".join(problems))
    try:
        lines = schedules.describe_runs(
            args.schedule,
            args.time_zone,
            now=now or datetime.now(timezone.utc),
            count=args.runs,
            job_name_prefix=args.job_name_prefix,
            input_s3_uri=args.input_s3_uri,
            output_s3_uri=args.output_s3_uri,
        )
    except (schedules.ScheduleError, locations.LocationTemplateError) as error:
        raise PlanUsageError(str(error)) from None
    header = f"Schedule {schedule_header(args.schedule, args.time_zone)}"
    return "\n".join([header, *(f"  {line}" for line in lines)])


def _needs_botocore(option: str) -> None:
    """``option`` runs the handler's registry code, which imports botocore (the ``live`` extra)."""
    try:
        import botocore  # noqa: F401 - only to tell whether it is installed
    except ImportError:
        raise PlanUsageError(f"{option} needs boto3, which is not installed: {LIVE_EXTRA_INSTALL}.") from None


def registration_request(
    job: Mapping[str, Any], candidate: Mapping[str, Any] | None, keys: NormalizedKeys, group: str, processing_unit: str,
    artifact_s3_uri: str | None = None,
) -> dict[str, Any]:
    """The ``CreateModelPackage`` request a registration would send (the deploy-time parts shown as placeholders):
    the same containers, environments and metadata, computed by the handler's own functions."""
    _needs_botocore("--register")
    import botocore.session

    from .._lambda.autopilot_runtime.model_package_resource import Registration, create_model_package_request
    from .._lambda.autopilot_runtime.properties import ModelPackageProperties

    chosen = candidate if candidate is not None else candidates.best_candidate(job)
    resolved = candidates.resolve_candidate(job, chosen, processing_unit=processing_unit, artifact_s3_uri=artifact_s3_uri)
    properties = ModelPackageProperties(
        automl_job_name=resolved.job_name, model_package_group_name=group, processing_unit=processing_unit,
        inference_response_keys=keys,
    )
    shape: Any = botocore.session.get_session().get_service_model("sagemaker").shape_for("ModelPackageContainerDefinition")
    request = create_model_package_request(
        Registration(candidates.apply_keys(resolved, keys), chosen), properties,
        fingerprint="<at deploy time>", client_token="<at deploy time>", container_members=list(shape.members),
    )
    request.pop("ClientToken", None)
    request.pop(contract.TAGS, None)
    return request


def package_version_preview(group_arn: str, region: str | None, client_factory: Callable[[str | None], Any]) -> str:
    """Which version ``from_model_package(model_package_group_arn=...)`` would deploy now (the handler's own choice)."""
    _needs_botocore("--model-package-group")
    from botocore.exceptions import BotoCoreError, ClientError

    from .._lambda.autopilot_runtime.package_model_resource import resolve_version
    from .._lambda.autopilot_runtime.properties import PackageModelProperties, PropertyError
    from .._lambda.autopilot_runtime.service_errors import error_code, error_message

    try:
        properties = PackageModelProperties.parse(
            {contract.MODEL_PACKAGE_GROUP_ARN: group_arn, contract.EXECUTION_ROLE_ARN: "-", contract.MODEL_NAME_PREFIX: "-"}
        )
    except PropertyError as error:
        raise PlanUsageError(f"--model-package-group: {error}") from None
    try:
        described = resolve_version(properties, client_factory(region))
    except ClientError as error:
        raise AutopilotDeploymentError(f"reading model package group {group_arn}: {error_code(error)}: {error_message(error)}") from None
    except BotoCoreError as error:
        raise AutopilotDeploymentError(f"reading model package group {group_arn}: {error}") from None
    metadata = described.get("CustomerMetadataProperties") or {}
    facts = ", ".join(f"{key.rpartition(':')[2]} {value}" for key, value in sorted(metadata.items()))
    return (
        f"Model package group {group_arn}: a model created or replaced now deploys version "
        f"{described.get('ModelPackageVersion')} ({described.get('ModelPackageArn')}), Approved"
        + (f"; {facts}" if facts else "")
    )


def run(args: argparse.Namespace, client_factory: Callable[[str | None], Any] = _default_client_factory) -> str:
    """Build and render the plan; raises AutopilotDeploymentError as a deployment would."""
    group_arn = getattr(args, "model_package_group", None)
    if group_arn and not args.describe_file and not args.job:
        return package_version_preview(group_arn, args.region, client_factory)
    preview = schedule_preview(args) if getattr(args, "schedule", None) else None
    if preview is not None and not args.describe_file and not args.job:
        return preview
    try:  # a typo in --keys gets the synth-time message, before any file or job is read
        keys = requested_inference_response_keys(args.keys)
    except InferenceResponseKeyError as error:
        raise PlanUsageError(str(error)) from None
    job, candidate = load_job_and_candidate(args, client_factory)
    plan = build_plan(
        job,
        keys,
        candidate=candidate,
        processing_unit=args.processing_unit,
        artifact_s3_uri=args.artifact_s3_uri,
        serverless=getattr(args, "serverless", False),
    )
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    group = getattr(args, "register", None)
    if group:
        request = registration_request(job, candidate, plan.response_keys, group, args.processing_unit, args.artifact_s3_uri)
        rendered = json.dumps(request, indent=2, default=str)
        if args.json:
            return json.dumps({**json.loads(plan_to_json(plan)), "registration": request}, indent=2, default=str)
        text = f"{render_plan(plan)}\n\nRegistration into model package group {group} (CreateModelPackage):\n{rendered}"
        return text if preview is None else f"{text}\n\n{preview}"
    if args.json:
        document = json.loads(plan_to_json(plan))
        if preview is not None:
            document["schedule"] = preview.splitlines()
        return json.dumps(document, indent=2)
    return render_plan(plan) if preview is None else f"{render_plan(plan)}\n\n{preview}"


__all__: Sequence[str] = ("Plan", "PlanUsageError", "build_plan", "render_plan", "run", "add_arguments")
