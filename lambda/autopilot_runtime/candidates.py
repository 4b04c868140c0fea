"""Which containers a finished AutoML job offers, and whether they can be deployed.

Pure functions over ``DescribeAutoMLJob`` / ``DescribeAutoMLJobV2`` and
``ListCandidatesForAutoMLJob`` responses: no AWS calls, so the offline ``plan`` command
and the deploy-time handler run exactly the same checks. Every failure raises
:class:`AutopilotDeploymentError` naming the job (and candidate) and saying what to do.
Response fields are read defensively: values outside the documented enums are kept as
they are, never rejected.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import contract
from .errors import AutopilotDeploymentError
from .response_keys import InferenceResponseKeyError, NormalizedKeys, apply_normalized_keys

COMPLETED = "Completed"
# Secondary status of a job that only generated candidate definitions and trained nothing.
DEFINITIONS_ONLY = "CandidateDefinitionsGenerated"


def _get(mapping: Any, *path: str) -> Any:
    """The value at ``path`` in nested mappings, or ``None``."""
    for key in path:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def job_name_of(job: Mapping[str, Any]) -> str:
    """The job's name as the response reports it."""
    return str(job.get("AutoMLJobName") or "(unnamed AutoML job)")


def job_problem_type(job: Mapping[str, Any]) -> str | None:
    """The problem type: tabular ``BinaryClassification`` etc., else the V2 problem type name.

    V1: ``ResolvedAttributes.ProblemType`` or ``ProblemType``. V2 tabular: the resolved or
    configured ``TabularJobConfig`` problem type. Other V2 jobs (image, text): the
    ``AutoMLProblemTypeConfigName``, e.g. ``ImageClassification``.
    """
    for path in (
        ("ResolvedAttributes", "ProblemType"),
        ("ProblemType",),
        ("ResolvedAttributes", "AutoMLProblemTypeResolvedAttributes", "TabularResolvedAttributes", "ProblemType"),
        ("AutoMLProblemTypeConfig", "TabularJobConfig", "ProblemType"),
        ("AutoMLProblemTypeConfigName",),
    ):
        value = _text(_get(job, *path))
        if value is not None:
            return value
    return None


def job_mode(job: Mapping[str, Any]) -> str | None:
    """The training mode (``ENSEMBLING``, ``HYPERPARAMETER_TUNING``, ``AUTO``), if the job reports one."""
    return _text(_get(job, "AutoMLJobConfig", "Mode")) or _text(
        _get(job, "AutoMLProblemTypeConfig", "TabularJobConfig", "Mode")
    )


def check_job_ready(job: Mapping[str, Any]) -> None:
    """Raise unless the job's ``AutoMLJobStatus`` is ``Completed``."""
    status = _text(job.get("AutoMLJobStatus"))
    if status == COMPLETED:
        return
    name = job_name_of(job)
    secondary = _text(job.get("AutoMLJobSecondaryStatus")) or "none"
    reason = _text(job.get("FailureReason"))
    detail = f"; failure reason: {reason}" if reason else ""
    if status in ("InProgress", "Stopping"):
        advice = "Wait for it to complete, then deploy again."
    else:
        advice = "Choose a job that completed (AutoMLJobStatus Completed)."
    raise AutopilotDeploymentError(
        f"AutoML job {name} is not Completed: its status is {status or 'unknown'} "
        f"(secondary status {secondary}){detail}. Only a completed job can be deployed. {advice}"
    )


def best_candidate(job: Mapping[str, Any]) -> Mapping[str, Any]:
    """The job's ``BestCandidate``; raise when the job has none."""
    candidate = job.get("BestCandidate")
    if isinstance(candidate, Mapping) and candidate:
        return candidate
    name = job_name_of(job)
    secondary = _text(job.get("AutoMLJobSecondaryStatus")) or "none"
    if secondary == DEFINITIONS_ONLY:
        why = (
            f"Its secondary status is {DEFINITIONS_ONLY}: it only generated candidate definitions "
            "and trained no model."
        )
    else:
        why = f"No candidate finished training (secondary status {secondary})."
    raise AutopilotDeploymentError(
        f"AutoML job {name} has no best candidate, so there is no model to deploy. {why} "
        "Choose a job that trained at least one candidate."
    )


def candidate_name_of(candidate: Mapping[str, Any]) -> str:
    """The candidate's name as the response reports it."""
    return str(candidate.get("CandidateName") or "(unnamed candidate)")


def check_candidate(candidate: Mapping[str, Any], job_name: str) -> None:
    """Raise unless the candidate's ``CandidateStatus`` is ``Completed``."""
    status = _text(candidate.get("CandidateStatus"))
    if status == COMPLETED:
        return
    reason = _text(candidate.get("FailureReason"))
    detail = f"; failure reason: {reason}" if reason else ""
    raise AutopilotDeploymentError(
        f"AutoML job {job_name}: candidate {candidate_name_of(candidate)} is not Completed: its status is "
        f"{status or 'unknown'}{detail}. Only a completed candidate can be deployed: choose another "
        "candidate_name, or leave it out to deploy the job's best candidate."
    )


def candidate_containers(
    candidate: Mapping[str, Any], processing_unit: str = contract.DEFAULT_PROCESSING_UNIT, job_name: str | None = None
) -> list[dict[str, Any]]:
    """Copies of the candidate's inference containers.

    ``InferenceContainers`` (tabular jobs) when present and non-empty; otherwise the
    ``processing_unit`` set of ``InferenceContainerDefinitions`` (V2 image and text jobs).
    ``processing_unit`` is ignored when the candidate offers a single set: that set is used.
    """
    where = f"AutoML job {job_name}: candidate" if job_name else "Candidate"
    name = candidate_name_of(candidate)
    containers = candidate.get("InferenceContainers")
    if containers:
        return [copy.deepcopy(dict(container)) for container in containers]
    unit = str(processing_unit).upper()
    definitions = candidate.get("InferenceContainerDefinitions")
    if not isinstance(definitions, Mapping):
        definitions = {}
    chosen = definitions.get(unit)
    available = sorted(str(key) for key, value in definitions.items() if value)
    if not chosen and len(available) == 1:
        chosen = definitions[available[0]]
    if chosen:
        return [copy.deepcopy(dict(container)) for container in chosen]
    if available:
        raise AutopilotDeploymentError(
            f"{where} {name} has no {unit} inference containers; it has container sets for "
            f"{', '.join(available)}. Set processing_unit to one of them."
        )
    raise AutopilotDeploymentError(
        f"{where} {name} has no inference containers (neither InferenceContainers nor "
        "InferenceContainerDefinitions), so it cannot be deployed as a model. Choose another candidate."
    )


def is_under_s3_uri(url: str, allowed_s3_uri: str) -> bool:
    """Whether ``url`` lies under ``allowed_s3_uri``, a prefix that ends at a path boundary."""
    if url == allowed_s3_uri:
        return True
    boundary = allowed_s3_uri if allowed_s3_uri.endswith("/") else allowed_s3_uri + "/"
    return url.startswith(boundary)


def check_artifact_locations(
    containers: Sequence[Mapping[str, Any]], allowed_s3_uri: str, job_name: str
) -> None:
    """Raise when a container's ``ModelDataUrl`` lies outside ``allowed_s3_uri``."""
    for index, container in enumerate(containers):
        url = container.get("ModelDataUrl")
        if url is None or url == "":
            continue
        if not is_under_s3_uri(str(url), allowed_s3_uri):
            raise AutopilotDeploymentError(
                f"AutoML job {job_name}: container {index + 1} of {len(containers)} reads its model data from "
                f"{url}, which is not under the allowed artifact location {allowed_s3_uri}. Fix "
                f"automl_output_s3_uri (property {contract.ARTIFACT_S3_URI}) so that it is the S3 location the job wrote "
                "its output to."
            )


@dataclass(frozen=True)
class ResolvedCandidate:
    """A deployable candidate: its containers (before response keys) and its facts."""

    job_name: str
    candidate_name: str
    containers: tuple[dict[str, Any], ...]
    problem_type: str | None
    mode: str | None
    objective_metric_name: str | None
    objective_metric_value: float | None


def _metric_value(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def resolve_candidate(
    job: Mapping[str, Any],
    candidate: Mapping[str, Any] | None = None,
    *,
    processing_unit: str = contract.DEFAULT_PROCESSING_UNIT,
    artifact_s3_uri: str | None = None,
) -> ResolvedCandidate:
    """Check the job and the candidate (``None``: the best one) and return what to deploy.

    Checks in order: job completed, candidate present, candidate completed, containers
    present for ``processing_unit``, model data under ``artifact_s3_uri`` when given.
    """
    check_job_ready(job)
    return resolve_ready_candidate(job, candidate, processing_unit=processing_unit, artifact_s3_uri=artifact_s3_uri)


def resolve_ready_candidate(
    job: Mapping[str, Any],
    candidate: Mapping[str, Any] | None = None,
    *,
    processing_unit: str = contract.DEFAULT_PROCESSING_UNIT,
    artifact_s3_uri: str | None = None,
) -> ResolvedCandidate:
    """:func:`resolve_candidate` of a job that has passed :func:`check_job_ready` (the handler checks it before
    it lists a named candidate): every check but the job's status."""
    name = job_name_of(job)
    chosen = best_candidate(job) if candidate is None else candidate
    check_candidate(chosen, name)
    containers = candidate_containers(chosen, processing_unit, name)
    if artifact_s3_uri:
        check_artifact_locations(containers, artifact_s3_uri, name)
    metric = chosen.get("FinalAutoMLJobObjectiveMetric") or {}
    return ResolvedCandidate(
        job_name=name,
        candidate_name=candidate_name_of(chosen),
        containers=tuple(containers),
        problem_type=job_problem_type(job),
        mode=job_mode(job),
        objective_metric_name=_text(_get(metric, "MetricName")),
        objective_metric_value=_metric_value(_get(metric, "Value")),
    )


def check_single_container(resolved: ResolvedCandidate) -> None:
    """Raise unless the candidate has exactly one inference container (serverless endpoints).

    SageMaker serverless inference does not run inference pipelines (multi-container models).
    """
    count = len(resolved.containers)
    if count == 1:
        return
    raise AutopilotDeploymentError(
        f"AutoML job {resolved.job_name}: candidate {resolved.candidate_name} has {count} inference containers "
        "(an inference pipeline), and a serverless endpoint serves only single-container models such as "
        "ENSEMBLING candidates. Serve this model on instances (remove serverless from the endpoint), or deploy "
        "a single-container candidate (a job trained in ENSEMBLING mode, or candidate_name)."
    )


def find_candidate(pages: Iterable[Mapping[str, Any]], candidate_name: str, job_name: str) -> Mapping[str, Any]:
    """The candidate named ``candidate_name`` in ``ListCandidatesForAutoMLJob`` pages.

    Pages are read only until the candidate is found.
    """
    candidate: Mapping[str, Any]
    for page in pages:
        for candidate in page.get("Candidates") or ():
            if candidate.get("CandidateName") == candidate_name:
                return candidate
    raise AutopilotDeploymentError(
        f"Candidate {candidate_name} not found in AutoML job {job_name}. Check candidate_name: "
        f"`aws sagemaker list-candidates-for-auto-ml-job --auto-ml-job-name {job_name}` lists the job's "
        "candidates; or leave candidate_name out to deploy the best candidate."
    )


@dataclass(frozen=True)
class ModelSpec:
    """What the model will be: the resolved candidate and its containers with the keys applied."""

    resolved: ResolvedCandidate
    containers: list[dict[str, Any]]
    keys: NormalizedKeys


def apply_keys(resolved: ResolvedCandidate, keys: NormalizedKeys) -> ModelSpec:
    """The candidate's containers configured for ``keys``, normalized where they were read (the handler's
    ``properties.parse_response_keys``, ``plan``'s ``--keys``); unsupported keys name job and candidate."""
    try:
        containers = apply_normalized_keys(resolved.containers, keys)
    except InferenceResponseKeyError as error:
        raise AutopilotDeploymentError(
            f"AutoML job {resolved.job_name}, candidate {resolved.candidate_name}: {error}"
        ) from error
    return ModelSpec(resolved, containers, keys)
