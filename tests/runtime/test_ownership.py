"""The owner tag: added to every create request, never overridden, never touched by tag syncing."""

from __future__ import annotations

import pytest

from autopilot_inference._lambda.autopilot_runtime import ownership
from autopilot_inference._lambda.autopilot_runtime.lifecycle import tag_changes
from autopilot_inference._lambda.autopilot_runtime.sagemaker_requests import create_tags

OWNER = "arn:aws:cloudformation:us-east-1:111122223333:stack/ChurnStack/5b9f3c10-9a1e-11f0-8de9-0a1b2c3d4e5f"


def test_create_requests_carry_the_owner_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ownership.OWNER_ENV_VAR, OWNER)
    assert create_tags({"team": "ml", ownership.OWNER_TAG_KEY: "someone-else"}) == [
        {"Key": "team", "Value": "ml"},
        {"Key": "autopilot-inference:owner", "Value": OWNER},
    ]
    monkeypatch.delenv(ownership.OWNER_ENV_VAR)
    assert create_tags({"team": "ml"}) == [{"Key": "team", "Value": "ml"}]


def test_tag_syncing_never_adds_changes_or_removes_the_owner_tag() -> None:
    old = {"team": "ml", ownership.OWNER_TAG_KEY: OWNER}
    assert tag_changes(old, {"team": "ds"}) == ({"team": "ds"}, [])
    assert tag_changes({"team": "ml"}, {"team": "ml", ownership.OWNER_TAG_KEY: "x"}) == ({}, [])
