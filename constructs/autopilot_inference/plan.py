"""``plan``: what a deployment will do to a job's containers, worked out offline.

Reads a saved ``DescribeAutoMLJob`` / ``DescribeAutoMLJobV2`` response (what
``aws sagemaker describe-auto-ml-job --auto-ml-job-name X`` prints), or the live job
through boto3, and runs the same candidate checks and response-key engine as the
deploy-time handler. Errors are the deploy-time errors, raised before any deployment.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._lambda.autopilot_runtime import candidates
from ._lambda.autopilot_runtime.errors import AutopilotDeploymentError

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
    response_keys: tuple[str, ...]
    containers: tuple[ContainerPlan, ...]


def container_role(container: Mapping[str, Any], position: int, count: int) -> str:
    """Name a container's part in an Autopilot inference pipeline."""
    transform_mode = (container.get("Environment") or {}).get("AUTOML_TRANSFORM_MODE")
    if transform_mode in _ROLE_BY_TRANSFORM_MODE:
        return _ROLE_BY_TRANSFORM_MODE[transform_mode]
    return "model" if count == 1 else "algorithm"


def recognise_layout(mode: str | None, problem_type: str | None, container_count: int) -> str:
    """Describe the pipeline the way the Autopilot documentation does."""
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
    keys: Any = None,
    *,
    candidate: Mapping[str, Any] | None = None,
    processing_unit: str = "CPU",
    artifact_s3_uri: str | None = None,
    serverless: bool = False,
) -> Plan:
    """Resolve the candidate and apply the keys exactly as a deployment would.

    ``serverless``: the model is served by a serverless endpoint, which needs one container.
    """
    resolved = candidates.resolve_candidate(
        job, candidate, processing_unit=processing_unit, artifact_s3_uri=artifact_s3_uri
    )
    if serverless:  # serve (issue 13): the handler's SingleContainerRequired check
        candidates.check_single_container(resolved)
    configured = candidates.apply_keys(resolved, keys)
    count = len(resolved.containers)
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
        layout=recognise_layout(resolved.mode, resolved.problem_type, count),
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
    )


def render_plan(plan: Plan) -> str:
    """The plan as text for a terminal or a pull-request comment."""
    lines = [
        f"AutoML job:    {plan.job_name} ({plan.job_status})",
        f"Problem type:  {plan.problem_type or 'not reported by the job'}",
        f"Mode:          {plan.mode or 'not reported by the job'} ({plan.layout})",
        f"Candidate:     {plan.candidate_name} ({plan.candidate_source}"
        + (f"; {plan.objective})" if plan.objective else ")"),
        f"Response keys: {','.join(plan.response_keys) if plan.response_keys else 'none (containers keep their defaults)'}",
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


def _read_json(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise AutopilotDeploymentError(f"{path}: no such file.") from None
    except json.JSONDecodeError as error:
        raise AutopilotDeploymentError(f"{path} is not JSON ({error}).") from None
    if not isinstance(data, dict):
        raise AutopilotDeploymentError(f"{path} does not hold a JSON object.")
    return data


def _default_client_factory(region: str | None) -> Any:
    from ._lambda.autopilot_runtime import aws

    return aws.sagemaker_client(region_name=region)


def load_job_and_candidate(
    args: argparse.Namespace, client_factory: Callable[[str | None], Any] = _default_client_factory
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The job description and, when one is named, the candidate: from files or live."""
    if args.job:
        from ._lambda.autopilot_runtime import aws

        client = client_factory(args.region)
        job = aws.describe_job(client, args.job)
        candidate = aws.list_candidate(client, args.job, args.candidate) if args.candidate else None
        return job, candidate
    if not args.describe_file:
        raise AutopilotDeploymentError("Give a saved describe-auto-ml-job response file, or --job NAME to read it live.")
    job = _read_json(args.describe_file)
    candidate = None
    if args.candidate:
        if not args.candidates_file:
            raise AutopilotDeploymentError(
                "--candidate needs --candidates FILE: the output of "
                "`aws sagemaker list-candidates-for-auto-ml-job --auto-ml-job-name JOB "
                "--candidate-name-equals NAME` (or use --job to read it live)."
            )
        job_name = str(job.get("AutoMLJobName", args.describe_file))
        candidate = dict(candidates.find_candidate([_read_json(args.candidates_file)], args.candidate, job_name))
    return job, candidate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``plan`` subcommand's arguments."""
    parser.add_argument("describe_file", nargs="?", help="saved DescribeAutoMLJob or DescribeAutoMLJobV2 response (JSON)")
    parser.add_argument("--keys", default=None, help="inference response keys, comma-separated (default: none)")
    parser.add_argument("--candidate", help="a named candidate instead of the best one")
    parser.add_argument("--candidates", dest="candidates_file", help="saved ListCandidatesForAutoMLJob response holding --candidate")
    parser.add_argument("--processing-unit", choices=["CPU", "GPU"], default="CPU", help="container set of image/text V2 jobs (default CPU)")
    parser.add_argument("--automl-output-s3-uri", dest="artifact_s3_uri", help="check every ModelDataUrl lies under this S3 URI")
    parser.add_argument("--job", help="read this AutoML job live through boto3 instead of a file")
    parser.add_argument("--region", help="AWS region for --job (default: the boto3 default)")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.add_argument(
        "--serverless", action="store_true", help="the model is served by a serverless endpoint (one container only)"
    )


def run(args: argparse.Namespace, client_factory: Callable[[str | None], Any] = _default_client_factory) -> str:
    """Build and render the plan; raises AutopilotDeploymentError as a deployment would."""
    job, candidate = load_job_and_candidate(args, client_factory)
    plan = build_plan(
        job,
        args.keys,
        candidate=candidate,
        processing_unit=args.processing_unit,
        artifact_s3_uri=args.artifact_s3_uri,
        serverless=getattr(args, "serverless", False),
    )
    return plan_to_json(plan) if args.json else render_plan(plan)


__all__: Sequence[str] = ("Plan", "build_plan", "render_plan", "run", "add_arguments")
