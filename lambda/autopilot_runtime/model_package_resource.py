"""``Custom::AutopilotModelPackage``: a candidate registered as a new version of a model package group.

Create reads the job and the candidate exactly as the model resource does (the same checks and
the same response-key engine, each container's ``Environment`` kept) and calls
``CreateModelPackage`` with those containers, the media types and instance types the version
supports, and ``CustomerMetadataProperties`` naming the job, the candidate and the keys. The
physical id is the version's ARN.

- A new version only when what is registered changes: an Update of tags, of the approval status or
  of ``DeleteVersionsOnRemoval`` keeps the version (tags in place) and calls nothing else.
- The approval status is sent once, with ``CreateModelPackage``; afterwards it belongs to people.
- A rollback of a registering update finds the version registered before (its fingerprint, a hash of
  the stack, the logical id and the configuration, is in its metadata) instead of registering again;
  a repeated delivery of a Create is idempotent through ``ClientToken``.
- Delete keeps the version (the registry is history) unless ``DeleteVersionsOnRemoval`` is ``true``.

IAM actions: ``sagemaker:CreateModelPackage`` (owner tag and owner metadata, the construct's approval
status), ``AddTags`` at creation, ``AddTags``/``DeleteTags`` on owned versions (owner metadata),
``DescribeModelPackage``,
``ListModelPackages`` of the group (rollback), ``DeleteModelPackage`` (only when asked); the AutoML reads.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from . import contract, naming
from .candidates import ModelSpec, apply_keys, best_candidate, check_job_ready, resolve_ready_candidate
from .clients import Clients, describe_job, list_candidate
from .events import new_properties, old_properties, on_event_result
from .lifecycle import run_lifecycle, stack_is_rolling_back, sync_tags
from .media_types import model_media_types
from .ownership import OWNER_TAG_KEY, current_owner
from .properties import ModelPackageProperties, configuration, parse_bool
from .sagemaker_requests import create_tags
from .service_errors import error_code

logger = logging.getLogger(__name__)

# Keys of the version's CustomerMetadataProperties (SageMaker: at most 50 pairs, keys <= 128, values <= 256).
METADATA_AUTOML_JOB = "autopilot-inference:automl-job"
METADATA_CANDIDATE = "autopilot-inference:candidate"
METADATA_KEYS = "autopilot-inference:inference-response-keys"
METADATA_PROBLEM_TYPE = "autopilot-inference:problem-type"
METADATA_OBJECTIVE_METRIC = "autopilot-inference:objective-metric"
METADATA_OBJECTIVE_VALUE = "autopilot-inference:objective-value"
METADATA_MODE = "autopilot-inference:mode"
METADATA_EXPLAINABILITY = "autopilot-inference:explainability-s3-prefix"
METADATA_MODEL_INSIGHTS = "autopilot-inference:model-insights-s3-prefix"
METADATA_FINGERPRINT = "autopilot-inference:registration"
# The owning stack's id, as the owner tag has it: IAM documents no aws:ResourceTag for tagging or deleting
# versions, but sagemaker:CurrentCustomerMetadataProperties/<key>, so the handler's policy scopes them by this.
METADATA_OWNER = OWNER_TAG_KEY
# The keys value when none are set: the containers' defaults (a metadata value cannot be empty).
DEFAULT_KEYS_VALUE = "default"
MAX_METADATA_VALUE_LENGTH = 256
# How many of the group's newest versions a rollback looks through for the one it registered.
ROLLBACK_SEARCH_LIMIT = 100


@dataclass(frozen=True)
class Registration:
    """What a version will hold: the model spec (containers with keys) and the candidate as the job reports it."""

    spec: ModelSpec
    candidate: Mapping[str, Any]


def resolve_registration(properties: ModelPackageProperties, clients: Clients) -> Registration:
    """Read the job (and the named candidate), run the model resource's checks, apply the keys; register nothing."""
    job_name = properties.automl_job_name
    reader = clients.job_reader(job_name, properties.source_role_arn)
    job = describe_job(reader, job_name)
    check_job_ready(job)
    candidate = list_candidate(reader, job_name, properties.candidate_name) if properties.candidate_name else best_candidate(job)
    resolved = resolve_ready_candidate(
        job, candidate, processing_unit=properties.processing_unit, artifact_s3_uri=properties.artifact_s3_uri
    )
    return Registration(apply_keys(resolved, properties.inference_response_keys), candidate)


def package_containers(containers: Iterable[Mapping[str, Any]], members: Iterable[str]) -> list[dict[str, Any]]:
    """The containers as ``ModelPackageContainerDefinition``s: every field that shape has (``Environment`` kept)."""
    allowed = set(members)
    return [{key: value for key, value in container.items() if key in allowed} for container in containers]


def _metadata_value(value: str | None) -> str | None:
    if not value:
        return None
    return value if len(value) <= MAX_METADATA_VALUE_LENGTH else None


def customer_metadata(registration: Registration, fingerprint: str) -> dict[str, str]:
    """``CustomerMetadataProperties``: the job, the candidate, the keys (space-joined), its facts and report prefixes."""
    resolved = registration.spec.resolved
    locations = (registration.candidate.get("CandidateProperties") or {}).get("CandidateArtifactLocations") or {}
    value = resolved.objective_metric_value
    pairs = {
        METADATA_AUTOML_JOB: resolved.job_name,
        METADATA_CANDIDATE: resolved.candidate_name,
        METADATA_KEYS: " ".join(registration.spec.keys) or DEFAULT_KEYS_VALUE,
        METADATA_PROBLEM_TYPE: resolved.problem_type,
        METADATA_MODE: resolved.mode,
        METADATA_OBJECTIVE_METRIC: resolved.objective_metric_name,
        METADATA_OBJECTIVE_VALUE: None if value is None else str(value),
        METADATA_EXPLAINABILITY: locations.get("Explainability"),
        METADATA_MODEL_INSIGHTS: locations.get("ModelInsights"),
        METADATA_FINGERPRINT: fingerprint,
        METADATA_OWNER: current_owner(),
    }
    return {key: text for key, raw in pairs.items() if (text := _metadata_value(raw)) is not None}


def inference_specification(
    registration: Registration, properties: ModelPackageProperties, container_members: Iterable[str]
) -> dict[str, Any]:
    """The version's ``InferenceSpecification``: containers, media types (when known), instance types."""
    resolved = registration.spec.resolved
    media = model_media_types(resolved.problem_type, resolved.containers)
    default_types = contract.DEFAULT_PACKAGE_INSTANCE_TYPES[properties.processing_unit]
    specification: dict[str, Any] = {
        "Containers": package_containers(registration.spec.containers, container_members),
        contract.SUPPORTED_TRANSFORM_INSTANCE_TYPES: list(properties.transform_instance_types or default_types),
        contract.SUPPORTED_REALTIME_INFERENCE_INSTANCE_TYPES: list(properties.realtime_instance_types or default_types),
    }
    if media.inputs:
        specification["SupportedContentTypes"] = list(media.inputs)
    if media.answers:
        specification["SupportedResponseMIMETypes"] = list(media.answers)
    return specification


def create_model_package_request(
    registration: Registration,
    properties: ModelPackageProperties,
    *,
    fingerprint: str,
    client_token: str,
    container_members: Iterable[str],
) -> dict[str, Any]:
    """``CreateModelPackage`` keyword arguments (tagged with the owner)."""
    request: dict[str, Any] = {
        contract.MODEL_PACKAGE_GROUP_NAME: properties.model_package_group_name,
        "InferenceSpecification": inference_specification(registration, properties, container_members),
        contract.MODEL_APPROVAL_STATUS: properties.approval_status,
        "CustomerMetadataProperties": customer_metadata(registration, fingerprint),
        "ClientToken": client_token,
    }
    if properties.description:
        request[contract.MODEL_PACKAGE_DESCRIPTION] = properties.description
    tags = create_tags(properties.tags)
    if tags:
        request[contract.TAGS] = tags
    return request


def package_configuration(raw: Mapping[str, Any]) -> dict[str, Any]:
    """What is registered: every property but the service token, tags, the approval status and the removal choice."""
    return configuration(raw, exclude=contract.MODEL_PACKAGE_IN_PLACE_PROPERTIES)


def fingerprint_of(event: Mapping[str, Any], raw: Mapping[str, Any]) -> str:
    """The registration's fingerprint: one per stack resource and configuration."""
    return naming.stable_hash("model-package", event.get("StackId"), event.get("LogicalResourceId"), package_configuration(raw))


def version_parts(arn: str) -> tuple[str, str] | None:
    """``(group, version)`` of a version ARN; ``None`` when ``arn`` is not one."""
    match = contract.MODEL_PACKAGE_VERSION_ARN_PATTERN.match(arn)
    return (match.group(2), match.group(3)) if match else None


def package_data(arn: str) -> dict[str, str]:
    """The resource's ``Data``: the group, the version's ARN and number."""
    group, version = version_parts(arn) or ("", "")
    return {
        contract.ATTR_MODEL_PACKAGE_GROUP_NAME: group,
        contract.ATTR_MODEL_PACKAGE_ARN: arn,
        contract.ATTR_MODEL_PACKAGE_VERSION: version,
    }


def find_registered(client: Any, group: str, fingerprint: str) -> str | None:
    """The ARN of the group's version registered with ``fingerprint`` (newest first, a bounded search), or ``None``."""
    seen = 0
    pages = client.get_paginator("list_model_packages").paginate(
        ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Descending"
    )
    for page in pages:
        for summary in page.get("ModelPackageSummaryList") or ():
            arn = str(summary["ModelPackageArn"])
            described = client.describe_model_package(ModelPackageName=arn)
            if (described.get("CustomerMetadataProperties") or {}).get(METADATA_FINGERPRINT) == fingerprint:
                return arn
            seen += 1
            if seen >= ROLLBACK_SEARCH_LIMIT:
                return None
    return None


def _container_members(client: Any) -> Sequence[str]:
    shape = client.meta.service_model.shape_for("ModelPackageContainerDefinition")
    return list(shape.members)


def create(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Register the candidate as a new version of the group."""
    raw = new_properties(event)
    properties = ModelPackageProperties.parse(raw)
    registration = resolve_registration(properties, clients)
    fingerprint = fingerprint_of(event, raw)
    client = clients.sagemaker()
    request = create_model_package_request(
        registration,
        properties,
        fingerprint=fingerprint,
        client_token=naming.stable_hash(fingerprint, event.get("RequestId")),
        container_members=_container_members(client),
    )
    arn = str(client.create_model_package(**request)["ModelPackageArn"])
    logger.info("Registered %s (%s)", arn, properties.approval_status)
    return on_event_result(arn, package_data(arn))


def update(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Same registration: keep the version, tags in place. Otherwise a new version (a rollback finds the old one)."""
    physical_id = str(event.get("PhysicalResourceId", ""))
    new, old = new_properties(event), old_properties(event)
    if package_configuration(new) == package_configuration(old) and version_parts(physical_id):
        sync_tags(clients.sagemaker(), physical_id, event)
        return on_event_result(physical_id, package_data(physical_id))
    if stack_is_rolling_back(clients, str(event.get("StackId", ""))):
        properties = ModelPackageProperties.parse(new)
        found = find_registered(clients.sagemaker(), properties.model_package_group_name, fingerprint_of(event, new))
        if found is not None:
            logger.info("Rollback: back to %s", found)
            return on_event_result(found, package_data(found))
    return create(event, clients)


def delete(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Keep the version; ``DeleteModelPackage`` only when ``DeleteVersionsOnRemoval`` is ``true``."""
    physical_id = str(event.get("PhysicalResourceId", ""))
    remove = parse_bool(new_properties(event).get(contract.DELETE_VERSIONS_ON_REMOVAL), contract.DELETE_VERSIONS_ON_REMOVAL)
    if not remove or version_parts(physical_id) is None:
        logger.info("Keeping %s in the registry", physical_id)
        return on_event_result(physical_id, {})
    try:
        clients.sagemaker().delete_model_package(ModelPackageName=physical_id)
    except ClientError as error:
        if error_code(error) not in ("ValidationException", "ResourceNotFound"):
            raise
        logger.info("Version %s is already gone", physical_id)
    return on_event_result(physical_id, {})


def _label(event: Mapping[str, Any]) -> str:
    properties = new_properties(event)
    group = properties.get(contract.MODEL_PACKAGE_GROUP_NAME, "")
    job_name = properties.get(contract.AUTOML_JOB_NAME, "")
    return f"Model package group {group} (AutoML job {job_name})"


def on_event(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Create, Update or Delete the registration; failures name the group and the job."""
    return run_lifecycle(event, clients, {"Create": create, "Update": update, "Delete": delete}, _label(event))
