"""The handler normalizes ``InferenceResponseKeys`` once, where it parses the property, and reads every format a
template has held (design.md: property formats are only added to); the engine takes the parsed keys as they are."""

from __future__ import annotations

from typing import Any

import pytest
from support.handler import StubbedAws, aws, fake_aws_environment  # noqa: F401  (fixtures)
from support.model_events import EXPECTED_CONTAINERS, create_event, name_for, props, stub_create, stub_describe

from autopilot_inference._lambda.autopilot_runtime import contract, properties, response_keys
from autopilot_inference._lambda.autopilot_runtime.properties import ModelPackageProperties, ModelProperties


def counting_normalizations(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record every call of the one normalization, wherever the handler reaches it from."""
    calls: list[Any] = []
    original = response_keys.normalize_inference_response_keys

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return original(*args, **kwargs)

    for module in (response_keys, properties):
        monkeypatch.setattr(module, "normalize_inference_response_keys", wrapper)
    return calls


# Every InferenceResponseKeys a template has held for predicted_label,probability: the constructs' normalized list,
# a list whose item a token resolved to several keys, a whole comma-separated string (a string token, the handler's
# own tests), and the user's spacing and repeats that a token carried through synthesis unnormalized.
WRITTEN_FORMATS = [
    ["predicted_label", "probability"],
    ["predicted_label,probability"],
    ["predicted_label", " probability , predicted_label"],
    "predicted_label,probability",
    " predicted_label ,probability,predicted_label ",
]


@pytest.mark.parametrize("written", WRITTEN_FORMATS)
def test_every_written_format_creates_the_same_model(aws: StubbedAws, monkeypatch: pytest.MonkeyPatch, written: Any) -> None:  # noqa: F811
    normalized = counting_normalizations(monkeypatch)
    properties_ = props(InferenceResponseKeys=written)
    stub_describe(aws)
    stub_create(aws, name_for(properties_), EXPECTED_CONTAINERS)  # Stubber: botocore's CreateModel shape

    result = aws.handle(create_event(properties_))

    assert aws.calls == ["DescribeAutoMLJob", "CreateModel"]
    assert result["Data"][contract.ATTR_INFERENCE_RESPONSE_KEYS] == "predicted_label,probability"
    assert normalized == [tuple(written) if isinstance(written, list) else (written,)]  # once, at parsing


@pytest.mark.parametrize("written", [None, [], "", " , "])
def test_no_keys_parse_to_none(written: Any) -> None:
    base = {contract.AUTOML_JOB_NAME: "job", contract.EXECUTION_ROLE_ARN: "arn", contract.MODEL_NAME_PREFIX: "p"}
    delivered = base if written is None else {**base, contract.INFERENCE_RESPONSE_KEYS: written}
    assert ModelProperties.parse(delivered).inference_response_keys == ()


@pytest.mark.parametrize("written", WRITTEN_FORMATS)
def test_a_registration_parses_the_keys_as_a_model_does(written: Any) -> None:
    delivered = {
        contract.AUTOML_JOB_NAME: "job", contract.MODEL_PACKAGE_GROUP_NAME: "group",
        contract.INFERENCE_RESPONSE_KEYS: written,
    }
    assert ModelPackageProperties.parse(delivered).inference_response_keys == ("predicted_label", "probability")
