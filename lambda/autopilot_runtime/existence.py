"""Whether a model or transform job exists, asked in a way IAM cannot deny for a resource that is gone.

The handler's policy allows Describe/Delete/Stop only on resources carrying its owner tag
(``aws:ResourceTag``, see :mod:`.ownership`). A resource that no longer exists has no tag, so such a
call is answered ``AccessDenied`` rather than "not found". ``ListModels`` / ``ListTransformJobs``
have no resource-level permissions (IAM evaluates them against ``*``): after a denial, they tell a
resource that is gone (nothing to delete; create it again) from one that exists and is not ours.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

ACCESS_DENIED_CODES = ("AccessDenied", "AccessDeniedException")


def is_access_denied(error: ClientError) -> bool:
    """An IAM denial (SageMaker answers ``AccessDeniedException``)."""
    return str(error.response.get("Error", {}).get("Code", "")) in ACCESS_DENIED_CODES


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


def denied_because_gone(error: ClientError, client: Any, name: str, *, kind: str) -> bool:
    """Whether ``error`` is a denial of a call on a ``kind`` (``model`` / ``transform-job``) that does not exist."""
    if not is_access_denied(error):
        return False
    exists = model_exists if kind == "model" else transform_job_exists
    return not exists(client, name)
