"""Whether a model or transform job exists: from a call's error, or asked in a way IAM cannot deny.

SageMaker answers a call on a missing model or job, or a create under a taken name, with an error
whose code or message says so (``is_*_missing`` / ``is_*_existing``).

The handler's policy allows Describe/Delete/Stop only on resources carrying its owner tag
(``aws:ResourceTag``, see :mod:`.ownership`). A resource that no longer exists has no tag, so such a
call is answered ``AccessDenied`` rather than "not found". ``ListModels`` / ``ListTransformJobs``
have no resource-level permissions (IAM evaluates them against ``*``): after a denial, they tell a
resource that is gone (nothing to delete; create it again) from one that exists and is not ours.
"""

from __future__ import annotations

from typing import Any, Literal

from botocore.exceptions import ClientError

from .service_errors import error_code, error_message

ACCESS_DENIED_CODES = ("AccessDenied", "AccessDeniedException")

ResourceKind = Literal["model", "transform-job"]
"""The SageMaker resource kinds the handler makes (as their ARNs spell them)."""


def is_model_missing(error: ClientError) -> bool:
    """DescribeModel/DeleteModel on a model that does not exist (``ValidationException``)."""
    return "could not find model" in error_message(error).lower()


def is_model_existing(error: ClientError) -> bool:
    """CreateModel of a name already taken: ``Cannot create already existing model``."""
    message = error_message(error).lower()
    return "already existing" in message or "already exists" in message


def is_transform_job_missing(error: ClientError) -> bool:
    """A transform job call on a job that does not exist."""
    if error_code(error) == "ResourceNotFound":
        return True
    message = error_message(error).lower()
    return error_code(error) == "ValidationException" and ("could not find" in message or "not found" in message)


def is_transform_job_existing(error: ClientError) -> bool:
    """CreateTransformJob of a name already taken (``ResourceInUse`` or "already exists")."""
    return error_code(error) == "ResourceInUse" or "already exist" in error_message(error).lower()


def is_access_denied(error: ClientError) -> bool:
    """An IAM denial (SageMaker answers ``AccessDeniedException``)."""
    return error_code(error) in ACCESS_DENIED_CODES


def model_exists(client: Any, name: str) -> bool:
    """Whether a model named ``name`` exists (case-insensitively, as SageMaker compares names)."""
    pages = client.get_paginator("list_models").paginate(NameContains=name)
    return any(str(model.get("ModelName", "")).lower() == name.lower() for page in pages for model in page.get("Models", []))


def transform_job_exists(client: Any, name: str) -> bool:
    """Whether a transform job named ``name`` exists."""
    pages = client.get_paginator("list_transform_jobs").paginate(NameContains=name)
    return any(
        str(job.get("TransformJobName", "")).lower() == name.lower()
        for page in pages
        for job in page.get("TransformJobSummaries", [])
    )


def denied_because_gone(error: ClientError, client: Any, name: str, *, kind: ResourceKind) -> bool:
    """Whether ``error`` is a denial of a call on a ``kind`` (``model`` / ``transform-job``) that does not exist."""
    if not is_access_denied(error):
        return False
    exists = model_exists if kind == "model" else transform_job_exists
    return not exists(client, name)


def is_gone(error: ClientError, client: Any, name: str, *, kind: ResourceKind) -> bool:
    """Whether ``error`` answered a call on the ``kind`` named ``name`` because it does not exist:
    "not found", or (ownership, iam) a denial of a resource that has no owner tag since it is gone."""
    missing = is_model_missing(error) if kind == "model" else is_transform_job_missing(error)
    return missing or denied_because_gone(error, client, name, kind=kind)
