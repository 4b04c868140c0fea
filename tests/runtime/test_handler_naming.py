"""Generated model and transform job names: always valid for the API, stable, and recognisable."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autopilot_inference._lambda.autopilot_runtime import contract
from autopilot_inference._lambda.autopilot_runtime.events import CREATE_FAILED_PHYSICAL_ID
from autopilot_inference._lambda.autopilot_runtime.naming import is_generated_name, model_name, transform_job_name

STACK_ID = "arn:aws:cloudformation:us-east-1:111122223333:stack/ChurnStack/5b9f3c10-9a1e-11f0-8de9-0a1b2c3d4e5f"

_json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
_configurations = st.dictionaries(
    st.text(min_size=1, max_size=20),
    st.recursive(_json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8),
    max_size=5,
)


def assert_valid(name: str) -> None:
    assert 1 <= len(name) <= contract.MAX_NAME_LENGTH
    assert contract.MODEL_NAME_PATTERN.match(name), name
    assert contract.TRANSFORM_JOB_NAME_PATTERN.match(name), name
    assert is_generated_name(name)


@settings(max_examples=300)
@given(prefix=st.text(max_size=300), logical_id=st.text(max_size=255), configuration=_configurations, request_id=st.text(max_size=64))
def test_any_prefix_gives_valid_names(prefix: str, logical_id: str, configuration: dict[str, Any], request_id: str) -> None:
    assert_valid(model_name(prefix, STACK_ID, logical_id, configuration))
    assert_valid(transform_job_name(prefix, STACK_ID, logical_id, configuration, request_id))


@pytest.mark.parametrize(
    "prefix",
    ["", "-", "---", "___", "ÄÖÜ-äöü", "My Stack/Model Resource", "-leading-and-trailing-", "a" * 63, "a-" * 40, "x" * 52 + "-y", "9" * 500],
)
def test_odd_and_long_prefixes(prefix: str) -> None:
    name = model_name(prefix, STACK_ID, "ChurnModel", {"AutoMLJobName": "churn"})
    assert_valid(name)
    assert "--" not in name
    assert_valid(transform_job_name(prefix, STACK_ID, "Scoring", {"ModelName": "m"}, "request-1"))


def test_readable_prefix_is_kept() -> None:
    name = model_name("ChurnStack-ChurnModel", STACK_ID, "ChurnModel", {"AutoMLJobName": "churn"})
    # Readable, and lower case: SageMaker authorizes some names as sent and lowercases others in ARNs.
    assert name.startswith("churnstack-churnmodel-") and len(name) == len("churnstack-churnmodel-") + 10


def test_names_are_stable_and_follow_the_configuration() -> None:
    configuration = {"AutoMLJobName": "churn", "InferenceResponseKeys": ["predicted_label"]}
    reordered = {"InferenceResponseKeys": ["predicted_label"], "AutoMLJobName": "churn"}
    name = model_name("p", STACK_ID, "ChurnModel", configuration)
    assert model_name("p", STACK_ID, "ChurnModel", reordered) == name
    assert model_name("p", STACK_ID, "ChurnModel", {**configuration, "InferenceResponseKeys": ["labels"]}) != name
    assert model_name("p", STACK_ID, "OtherModel", configuration) != name
    assert model_name("p", STACK_ID.replace("ChurnStack", "Other"), "ChurnModel", configuration) != name
    assert transform_job_name("p", STACK_ID, "S", configuration, "r1") != transform_job_name("p", STACK_ID, "S", configuration, "r2")


@pytest.mark.parametrize(
    "physical_id",
    [
        CREATE_FAILED_PHYSICAL_ID,
        "8c1f7e52-1b7d-4d8e-9a53-3f1b0e6c2d11",  # a request id: the framework's default physical id
        "",
        None,
        "my-model",
        "prefix-0123456789abcdef",  # hash of the wrong length
        "prefix-01234567AB",  # upper-case hex is never generated
        "p" * 53 + "-0123456789",  # too long
        "-0123456789",
        "arn:aws:sagemaker:us-east-1:111122223333:model/p-0123456789",
    ],
)
def test_foreign_physical_ids_are_not_generated_names(physical_id: Any) -> None:
    assert not is_generated_name(physical_id)
