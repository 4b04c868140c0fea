"""``Custom::AutopilotModel``: a SageMaker model from a finished AutoML job's candidate.

Create reads the job, checks it, picks the candidate, applies the response keys and
calls ``CreateModel`` under a name derived from the stack, the logical id and the
configuration, so a repeated delivery (or a rollback) finds and adopts the model it
already made. Nothing is created before every check has passed.

The model carries a tag ``autopilot-inference:facts`` with the candidate facts of its
``Data`` (candidate, objective metric, problem type, mode), so an update of tags only
rebuilds ``Data`` from the model (``DescribeModel``, ``ListTags``) without reading the
AutoML job; a model made before that tag existed is answered from the job as before.

IAM actions: ``sagemaker:CreateModel``, ``DescribeModel``, ``DeleteModel``, ``AddTags``,
``DeleteTags`` and (new) ``ListTags`` on ``model/<prefix>-*``; the AutoML reads.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import contract, naming
from .candidates import ModelSpec, apply_keys, check_job_ready, check_single_container, resolve_ready_candidate
from .clients import Clients, describe_job, list_candidate
from .events import new_properties, on_event_result
from .existence import is_gone, is_model_existing
from .lifecycle import replaces, run_lifecycle, sync_tags
from .media_types import MediaTypes, model_media_types
from .properties import ModelProperties, model_configuration
from .sagemaker_requests import create_model_request
from .service_errors import describe_error, error_code

logger = logging.getLogger(__name__)


def _data(
    name: str, arn: str, facts: Mapping[str, str], keys: Sequence[str], job_name: str, media: MediaTypes
) -> dict[str, str]:
    """The resource's ``Data`` (strings only): ``facts`` are the candidate facts of :data:`_FACTS`."""
    return {
        contract.ATTR_MODEL_NAME: name,
        contract.ATTR_MODEL_ARN: arn,
        **facts,
        contract.ATTR_INFERENCE_RESPONSE_KEYS: ",".join(keys),
        contract.ATTR_AUTOML_JOB_NAME: job_name,
        **media.data(),
    }


def model_data(model_name: str, model_arn: str, spec: ModelSpec) -> dict[str, str]:
    """The resource's ``Data``: names, ARN and short facts of the resolved candidate."""
    resolved = spec.resolved
    value = resolved.objective_metric_value
    facts = {
        contract.ATTR_CANDIDATE_NAME: resolved.candidate_name,
        contract.ATTR_OBJECTIVE_METRIC_NAME: resolved.objective_metric_name or "",
        contract.ATTR_OBJECTIVE_METRIC_VALUE: "" if value is None else str(value),
        contract.ATTR_PROBLEM_TYPE: resolved.problem_type or "",
        contract.ATTR_MODE: resolved.mode or "",
    }
    media = model_media_types(resolved.problem_type, resolved.containers)
    return _data(model_name, model_arn, facts, spec.keys, resolved.job_name, media)


FACTS_TAG_KEY = "autopilot-inference:facts"
# Data keys kept in the facts tag, with their short names there.
_FACTS = (
    (contract.ATTR_CANDIDATE_NAME, "candidate"),
    (contract.ATTR_OBJECTIVE_METRIC_NAME, "metric"),
    (contract.ATTR_OBJECTIVE_METRIC_VALUE, "value"),
    (contract.ATTR_PROBLEM_TYPE, "problem"),
    (contract.ATTR_MODE, "mode"),
)
_TAG_VALUE = re.compile(r"^[\w.:/=+\-@]*$")


def facts_tag(data: Mapping[str, str]) -> dict[str, str]:
    """``{FACTS_TAG_KEY: "candidate=... metric=... ..."}``; empty when a value cannot be a tag value."""
    values = [str(data.get(key, "")) for key, _ in _FACTS]
    if not all(_TAG_VALUE.match(value) for value in values):
        return {}
    text = " ".join(f"{short}={value}" for (_, short), value in zip(_FACTS, values, strict=True))
    return {FACTS_TAG_KEY: text} if len(text) <= contract.MAX_TAG_VALUE_LENGTH else {}


def parse_facts(text: str) -> dict[str, str] | None:
    """The Data keys of a facts tag value; ``None`` when it is not one."""
    pairs = dict(part.partition("=")[::2] for part in text.split(" ") if "=" in part)
    if any(short not in pairs for _, short in _FACTS):
        return None
    return {key: pairs[short] for key, short in _FACTS}


def resolve_model(properties: ModelProperties, clients: Clients) -> ModelSpec:
    """What the model will be: read the job (and the named candidate) and run every check; create nothing."""
    job_name = properties.automl_job_name
    reader = clients.job_reader(job_name, properties.source_role_arn)
    job = describe_job(reader, job_name)
    check_job_ready(job)
    candidate = list_candidate(reader, job_name, properties.candidate_name) if properties.candidate_name else None
    resolved = resolve_ready_candidate(
        job,
        candidate,
        processing_unit=properties.processing_unit,
        artifact_s3_uri=properties.artifact_s3_uri,
    )
    if properties.single_container_required:  # serve (issue 13): serverless endpoints, before CreateModel
        check_single_container(resolved)
    return apply_keys(resolved, properties.inference_response_keys)


def create_or_adopt(client: Any, model_name: str, spec: ModelSpec, properties: ModelProperties) -> str:
    """``CreateModel``; when the name already exists (a repeated delivery, a rollback) adopt it. Returns the ARN."""
    facts = facts_tag(model_data(model_name, "", spec))
    try:
        request = create_model_request(model_name, spec.containers, properties, facts)
        return str(client.create_model(**request)["ModelArn"])
    except ClientError as error:
        if not (error_code(error) == "ValidationException" and is_model_existing(error)):
            raise
    logger.info("Model %s already exists: adopting it", model_name)
    return str(client.describe_model(ModelName=model_name)["ModelArn"])


def generated_name(event: Mapping[str, Any], raw: Mapping[str, Any], properties: ModelProperties) -> str:
    """The model name for these properties in this stack resource."""
    return naming.model_name(
        properties.model_name_prefix, str(event["StackId"]), str(event["LogicalResourceId"]), model_configuration(raw)
    )


def create(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Create (or, on a new configuration, replace): a model under the generated name."""
    raw = new_properties(event)
    properties = ModelProperties.parse(raw)
    spec = resolve_model(properties, clients)
    name = generated_name(event, raw, properties)
    arn = create_or_adopt(clients.sagemaker(), name, spec, properties)
    return on_event_result(name, model_data(name, arn, spec))


def described_containers(described: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A ``DescribeModel`` response's containers: ``Containers``, else ``PrimaryContainer``."""
    containers = described.get("Containers") or []
    primary = described.get("PrimaryContainer")
    return list(containers) if containers else ([primary] if isinstance(primary, Mapping) else [])


def data_from_model(
    client: Any, described: Mapping[str, Any], name: str, properties: ModelProperties
) -> dict[str, str] | None:
    """``Data`` rebuilt from the model's facts tag (``ListTags``) and its ``DescribeModel`` answer ``described``;
    ``None`` when the model has no facts tag or cannot tell."""
    arn = str(described["ModelArn"])
    try:
        tags = client.list_tags(ResourceArn=arn).get("Tags", [])
    except (ClientError, BotoCoreError) as error:
        logger.warning("Model %s: cannot read its tags (%s): reading the AutoML job instead", name, describe_error(error))
        return None
    text = next((str(tag.get(contract.TAG_VALUE, "")) for tag in tags if tag.get(contract.TAG_KEY) == FACTS_TAG_KEY), None)
    facts = parse_facts(text) if text is not None else None
    if facts is None:
        return None
    # The media types follow from the problem type (an old facts tag has it too) and the model's containers.
    media = model_media_types(facts[contract.ATTR_PROBLEM_TYPE] or None, described_containers(described))
    return _data(name, arn, facts, properties.inference_response_keys, properties.automl_job_name, media)


def update(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Same configuration: keep the model and apply tag changes. Otherwise a new model."""
    if replaces(event, model_configuration):
        return create(event, clients)
    physical_id = str(event.get("PhysicalResourceId", ""))
    properties = ModelProperties.parse(new_properties(event))
    client = clients.sagemaker()
    try:
        described = client.describe_model(ModelName=physical_id)
    except ClientError as error:
        if not is_gone(error, client, physical_id, kind="model"):
            raise
        logger.info("Model %s vanished: creating it again", physical_id)
        spec = resolve_model(properties, clients)
        arn = create_or_adopt(client, physical_id, spec, properties)
        return on_event_result(physical_id, model_data(physical_id, arn, spec))
    arn = str(described["ModelArn"])
    # Tags only: the model's facts tag gives Data, so the AutoML job is not read.
    data = data_from_model(client, described, physical_id, properties)
    if data is None:
        data = model_data(physical_id, arn, resolve_model(properties, clients))
    sync_tags(client, arn, event, keep=(FACTS_TAG_KEY,))
    return on_event_result(physical_id, data)


def delete(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """``DeleteModel``; a model already gone, or a physical id that names no model of ours, is a success."""
    physical_id = str(event.get("PhysicalResourceId", ""))
    if not naming.is_generated_name(physical_id):
        logger.info("Physical id %s names no model: nothing to delete", physical_id)
        return on_event_result(physical_id, {})
    client = clients.sagemaker()
    try:
        client.delete_model(ModelName=physical_id)
    except ClientError as error:
        if not is_gone(error, client, physical_id, kind="model"):
            raise
        logger.info("Model %s is already gone", physical_id)
    return on_event_result(physical_id, {})


def _label(event: Mapping[str, Any]) -> str:
    job_name = new_properties(event).get(contract.AUTOML_JOB_NAME)
    if event.get("RequestType") == "Delete":
        return f"Model {event.get('PhysicalResourceId', '')}" + (f" (AutoML job {job_name})" if job_name else "")
    if job_name:
        return f"AutoML job {job_name}"
    return f"{contract.MODEL_RESOURCE_TYPE} {event.get('LogicalResourceId', '')}"


def on_event(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Create, Update or Delete the model; failures name the job and say what to do."""
    return run_lifecycle(event, clients, {"Create": create, "Update": update, "Delete": delete}, _label(event))
