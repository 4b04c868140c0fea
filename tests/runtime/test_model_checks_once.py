"""Each check of the AutoML job runs once per request (the handler checks the job before it lists a candidate)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from support.handler import StubbedAws, aws, fake_aws_environment  # noqa: F401  (fixtures)
from support.model_events import EXPECTED_CONTAINERS, create_event, name_for, props, stub_create, stub_describe

from autopilot_inference._lambda.autopilot_runtime import candidates, model_resource


def counting(monkeypatch: pytest.MonkeyPatch, name: str, modules: tuple[Any, ...]) -> list[Any]:
    """Replace ``name`` in ``modules`` by a wrapper that records each call's first argument."""
    calls: list[Any] = []
    original: Callable[..., Any] = getattr(candidates, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return original(*args, **kwargs)

    for module in modules:
        monkeypatch.setattr(module, name, wrapper)
    return calls


def test_create_checks_the_job_once(aws: StubbedAws, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    checked = counting(monkeypatch, "check_job_ready", (candidates, model_resource))
    stub_describe(aws)
    stub_create(aws, name_for(props()), EXPECTED_CONTAINERS)

    aws.handle(create_event())

    assert aws.calls == ["DescribeAutoMLJob", "CreateModel"]
    assert len(checked) == 1
