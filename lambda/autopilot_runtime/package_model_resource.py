"""``Custom::AutopilotPackageModel``: a SageMaker model of an Approved version of a model package group.

Create picks the version (``ModelPackageArn``: that one; ``ModelPackageGroupArn``: the group's newest
Approved one, ``ListModelPackages``), checks with ``DescribeModelPackage`` that it is Approved and
Completed, and calls ``CreateModel`` with one container naming it (``ModelPackageName``). A version
that is not Approved, or a group without one, fails the deployment naming the group, the version and
its status; nothing is created. The group or version may be in another account (its group policy
must allow this account, see ``model_package_group_policy``).

The name derives from the stack, the logical id and the configuration, as for
``Custom::AutopilotModel``: a repeated delivery or a rollback adopts the model it made. With a group,
the version is chosen when the model is created (or replaced); a tag-only update keeps it.

IAM actions: ``sagemaker:CreateModel`` on the model (owner tag), ``DescribeModelPackage`` and
``ListModelPackages`` on the group's versions; the model's own. In another account the registry's group
policy must allow this account those and ``CreateModel`` on the versions (``model_package_group_policy``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from . import contract, naming
from .clients import Clients
from .errors import AutopilotDeploymentError
from .events import new_properties, on_event_result
from .existence import is_gone, is_model_existing
from .lifecycle import replaces, run_lifecycle, sync_tags
from .media_types import media_type
from .model_package_resource import (
    DEFAULT_KEYS_VALUE,
    METADATA_AUTOML_JOB,
    METADATA_CANDIDATE,
    METADATA_KEYS,
    METADATA_MODE,
    METADATA_OBJECTIVE_METRIC,
    METADATA_OBJECTIVE_VALUE,
    METADATA_PROBLEM_TYPE,
    version_parts,
)
from .model_resource import delete as delete_model
from .model_resource import described_containers
from .properties import PackageModelProperties, configuration
from .sagemaker_requests import create_tags
from .service_errors import error_code

logger = logging.getLogger(__name__)

COMPLETED = "Completed"


def _approve_hint(arn: str) -> str:
    return (
        "Approve a version (SageMaker Studio, or `aws sagemaker update-model-package --model-package-arn "
        f"{arn} --model-approval-status Approved`) in the registry's account, then deploy again."
    )


def check_deployable(described: Mapping[str, Any], group: str) -> None:
    """Raise unless the version is Approved and Completed, naming group, version and status."""
    arn = str(described.get("ModelPackageArn", ""))
    version = described.get("ModelPackageVersion", "?")
    status = str(described.get("ModelApprovalStatus") or "unknown")
    if status != contract.APPROVED:
        raise AutopilotDeploymentError(
            f"Model package group {group}: version {version} ({arn}) is {status}, not Approved; only an Approved "
            f"version is deployed and nothing was created. {_approve_hint(arn)}"
        )
    state = str(described.get("ModelPackageStatus") or "unknown")
    if state != COMPLETED:
        raise AutopilotDeploymentError(
            f"Model package group {group}: version {version} ({arn}) is {state}, not Completed; nothing was created. "
            "Deploy again once SageMaker has finished registering it."
        )


def _newest(client: Any, group_arn: str, **filters: str) -> Mapping[str, Any] | None:
    page = client.list_model_packages(
        ModelPackageGroupName=group_arn, SortBy="CreationTime", SortOrder="Descending", MaxResults=1, **filters
    )
    summaries = page.get("ModelPackageSummaryList") or []
    return summaries[0] if summaries else None


def resolve_version(properties: PackageModelProperties, client: Any) -> dict[str, Any]:
    """The ``DescribeModelPackage`` answer of the version to deploy; raise unless it is Approved."""
    if properties.model_package_arn is not None:
        group = (version_parts(properties.model_package_arn) or ("?", ""))[0]
        described = dict(client.describe_model_package(ModelPackageName=properties.model_package_arn))
        check_deployable(described, group)
        return described
    group_arn = str(properties.model_package_group_arn)
    match = contract.MODEL_PACKAGE_GROUP_ARN_PATTERN.match(group_arn)
    group = match.group(2) if match else group_arn
    approved = _newest(client, group_arn, ModelApprovalStatus=contract.APPROVED)
    if approved is None:
        newest = _newest(client, group_arn)
        if newest is None:
            raise AutopilotDeploymentError(
                f"Model package group {group} ({group_arn}) has no versions, so there is no Approved version to deploy; "
                "nothing was created. Register one (AutopilotModelPackage) and approve it, then deploy again."
            )
        arn = str(newest.get("ModelPackageArn", ""))
        raise AutopilotDeploymentError(
            f"Model package group {group} ({group_arn}) has no Approved version: its newest, version "
            f"{newest.get('ModelPackageVersion', '?')} ({arn}), is {newest.get('ModelApprovalStatus', 'unknown')}; "
            f"nothing was created. {_approve_hint(arn)}"
        )
    described = dict(client.describe_model_package(ModelPackageName=str(approved["ModelPackageArn"])))
    check_deployable(described, group)
    return described


def check_single_container(described: Mapping[str, Any]) -> None:
    """Raise unless the version has one container (a serverless endpoint serves the model)."""
    count = len((described.get("InferenceSpecification") or {}).get("Containers") or [])
    if count != 1:
        raise AutopilotDeploymentError(
            f"Model package {described.get('ModelPackageArn')} has {count} containers (an inference pipeline), and a "
            "serverless endpoint serves only single-container models. Serve it on instances, or deploy a version of "
            "a single-container candidate."
        )


def package_model_data(model_name: str, model_arn: str, described: Mapping[str, Any]) -> dict[str, str]:
    """The resource's ``Data``: the model's and the version's, with the candidate facts the version's metadata names."""
    metadata = described.get("CustomerMetadataProperties") or {}
    specification = described.get("InferenceSpecification") or {}
    arn = str(described.get("ModelPackageArn", ""))
    group, version = version_parts(arn) or (str(described.get("ModelPackageGroupName", "")), "")
    keys = str(metadata.get(METADATA_KEYS, ""))
    return {
        contract.ATTR_MODEL_NAME: model_name,
        contract.ATTR_MODEL_ARN: model_arn,
        contract.ATTR_CANDIDATE_NAME: str(metadata.get(METADATA_CANDIDATE, "")),
        contract.ATTR_OBJECTIVE_METRIC_NAME: str(metadata.get(METADATA_OBJECTIVE_METRIC, "")),
        contract.ATTR_OBJECTIVE_METRIC_VALUE: str(metadata.get(METADATA_OBJECTIVE_VALUE, "")),
        contract.ATTR_PROBLEM_TYPE: str(metadata.get(METADATA_PROBLEM_TYPE, "")),
        contract.ATTR_MODE: str(metadata.get(METADATA_MODE, "")),
        contract.ATTR_INFERENCE_RESPONSE_KEYS: "" if keys == DEFAULT_KEYS_VALUE else ",".join(keys.split()),
        contract.ATTR_AUTOML_JOB_NAME: str(metadata.get(METADATA_AUTOML_JOB, "")),
        contract.ATTR_INPUT_CONTENT_TYPES: ",".join(media_type(item) for item in specification.get("SupportedContentTypes") or ()),
        contract.ATTR_ACCEPT_TYPES: ",".join(media_type(item) for item in specification.get("SupportedResponseMIMETypes") or ()),
        contract.ATTR_MODEL_PACKAGE_GROUP_NAME: group,
        contract.ATTR_MODEL_PACKAGE_ARN: arn,
        contract.ATTR_MODEL_PACKAGE_VERSION: version or str(described.get("ModelPackageVersion", "")),
    }


def create_model_request(model_name: str, version_arn: str, properties: PackageModelProperties) -> dict[str, Any]:
    """``CreateModel`` keyword arguments: one container naming the version (tagged with the owner)."""
    request: dict[str, Any] = {
        contract.MODEL_NAME: model_name,
        "Containers": [{"ModelPackageName": version_arn}],
        contract.EXECUTION_ROLE_ARN: properties.execution_role_arn,
        contract.ENABLE_NETWORK_ISOLATION: properties.enable_network_isolation,
    }
    if properties.vpc_config:
        request[contract.VPC_CONFIG] = properties.vpc_config
    tags = create_tags(properties.tags)
    if tags:
        request[contract.TAGS] = tags
    return request


def package_model_configuration(raw: Mapping[str, Any]) -> dict[str, Any]:
    """What defines the model: every property but the service token and tags."""
    return configuration(raw)


def _version_of(described_model: Mapping[str, Any]) -> str | None:
    for container in described_containers(described_model):
        if container.get("ModelPackageName"):
            return str(container["ModelPackageName"])
    return None


def create(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Create (or, on a new configuration, replace): a model of the Approved version under the generated name."""
    raw = new_properties(event)
    properties = PackageModelProperties.parse(raw)
    client = clients.sagemaker()
    described = resolve_version(properties, client)
    if properties.single_container_required:
        check_single_container(described)
    name = naming.model_name(
        properties.model_name_prefix, str(event["StackId"]), str(event["LogicalResourceId"]), package_model_configuration(raw)
    )
    version_arn = str(described["ModelPackageArn"])
    try:
        arn = str(client.create_model(**create_model_request(name, version_arn, properties))["ModelArn"])
    except ClientError as error:
        if not (error_code(error) == "ValidationException" and is_model_existing(error)):
            raise
        logger.info("Model %s already exists: adopting it", name)
        existing = client.describe_model(ModelName=name)
        arn = str(existing["ModelArn"])
        adopted = _version_of(existing)
        if adopted and adopted != version_arn:
            described = dict(client.describe_model_package(ModelPackageName=adopted))
    logger.info("Model %s serves %s", name, described.get("ModelPackageArn"))
    return on_event_result(name, package_model_data(name, arn, described))


def update(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Same configuration: keep the model (and its version), tags in place. Otherwise a new model."""
    if replaces(event, package_model_configuration):
        return create(event, clients)
    physical_id = str(event.get("PhysicalResourceId", ""))
    client = clients.sagemaker()
    try:
        existing = client.describe_model(ModelName=physical_id)
    except ClientError as error:
        if not is_gone(error, client, physical_id, kind="model"):
            raise
        logger.info("Model %s vanished: creating it again", physical_id)
        return create(event, clients)
    version = _version_of(existing)
    if version is None:
        raise AutopilotDeploymentError(f"Model {physical_id} names no model package version; replace the resource.")
    described = dict(client.describe_model_package(ModelPackageName=version))
    sync_tags(client, str(existing["ModelArn"]), event)
    return on_event_result(physical_id, package_model_data(physical_id, str(existing["ModelArn"]), described))


def _label(event: Mapping[str, Any]) -> str:
    properties = new_properties(event)
    source = properties.get(contract.MODEL_PACKAGE_ARN) or properties.get(contract.MODEL_PACKAGE_GROUP_ARN) or ""
    if event.get("RequestType") == "Delete":
        return f"Model {event.get('PhysicalResourceId', '')} (model package {source})"
    return f"{contract.PACKAGE_MODEL_RESOURCE_TYPE} {event.get('LogicalResourceId', '')} (model package {source})"


def on_event(event: Mapping[str, Any], clients: Clients) -> dict[str, Any]:
    """Create, Update or Delete the model; failures name the group, the version and its status."""
    return run_lifecycle(event, clients, {"Create": create, "Update": update, "Delete": delete_model}, _label(event))
