"""Which stack owns a SageMaker model or transform job: one tag, set by the handler at creation.

The handler's policy may create models and transform jobs only with this tag (``aws:RequestTag``)
and describe, delete, stop or re-tag only those carrying it (``aws:ResourceTag``), with the value
its provider passes in :data:`OWNER_ENV_VAR`: the provider stack's id. User tags can neither
override nor remove it. Shared by the constructs (the policy, the function's environment) and the
handler (the requests).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

OWNER_TAG_KEY = "autopilot-inference:owner"
OWNER_ENV_VAR = "AUTOPILOT_INFERENCE_OWNER"


def current_owner() -> str | None:
    """The owning stack's id, as the provider set it in the function's environment (``None`` when unset)."""
    return os.environ.get(OWNER_ENV_VAR) or None


def user_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """``tags`` without the owner tag: what tag syncing may add, change or remove."""
    return {key: value for key, value in tags.items() if key != OWNER_TAG_KEY}


def with_owner(tags: Mapping[str, str], owner: str | None) -> dict[str, str]:
    """The tags a create request carries: the user's, then the owner tag (which a user tag cannot replace)."""
    result = user_tags(tags)
    if owner:
        result[OWNER_TAG_KEY] = owner
    return result
