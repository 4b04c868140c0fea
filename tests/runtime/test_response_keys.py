"""The response-key engine: the seed's documented cases and properties against the SDK 2.x oracle."""

from __future__ import annotations

import copy

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from support import sdk_oracle
from support.paths import best_containers

from autopilot_inference import (
    InferenceResponseKey,
    InferenceResponseKeyError,
    apply_inference_response_keys,
)
from autopilot_inference._lambda.autopilot_runtime.response_keys import (
    INPUT_VARIABLE,
    KNOWN_KEYS,
    OUTPUT_VARIABLE,
    SUPPORTED_VARIABLE,
    normalize_inference_response_keys,
)


def env(container: dict) -> dict:
    return container["Environment"]


# --- The seed document's three cases -------------------------------------------------


def test_hpo_classification_predicted_label_and_probability() -> None:
    containers = best_containers("describe_auto_ml_job_hpo_classification.json")
    result = apply_inference_response_keys(containers, ["predicted_label", "probability"])

    assert result[0] == containers[0]  # feature transform: untouched
    assert env(result[1])[OUTPUT_VARIABLE] == "predicted_label,probability"
    assert INPUT_VARIABLE not in env(result[1])
    assert env(result[2])[INPUT_VARIABLE] == "predicted_label,probability"
    assert env(result[2])[OUTPUT_VARIABLE] == "predicted_label,probability"


def test_hpo_classification_labels_never_reach_the_algorithm_container() -> None:
    containers = best_containers("describe_auto_ml_job_hpo_classification.json")
    result = apply_inference_response_keys(containers, "predicted_label, probabilities, labels")

    assert env(result[1])[OUTPUT_VARIABLE] == "predicted_label,probabilities"
    assert env(result[2])[INPUT_VARIABLE] == "predicted_label,probabilities"
    assert env(result[2])[OUTPUT_VARIABLE] == "predicted_label,probabilities,labels"


def test_ensembling_single_container() -> None:
    containers = best_containers("describe_auto_ml_job_ensembling.json")
    result = apply_inference_response_keys(containers, ["predicted_label", "probability"])

    assert len(result) == 1
    assert env(result[0])[OUTPUT_VARIABLE] == "predicted_label,probability"
    assert INPUT_VARIABLE not in env(result[0])
    other = {k: v for k, v in env(result[0]).items() if k != OUTPUT_VARIABLE}
    assert other == {k: v for k, v in env(containers[0]).items() if k != OUTPUT_VARIABLE}


# --- Input forms and errors ---------------------------------------------------------


@pytest.mark.parametrize(
    "keys",
    [
        ["probability", "labels"],
        "probability,labels",
        " probability , labels ",
        ["probability, labels"],
        ["probability", " labels", "probability"],
        [InferenceResponseKey.PROBABILITY, InferenceResponseKey.LABELS],
        ("probability", "labels", "labels"),
    ],
)
def test_key_forms_are_equivalent(keys) -> None:
    containers = best_containers("describe_auto_ml_job_hpo_classification.json")
    assert apply_inference_response_keys(containers, keys) == apply_inference_response_keys(
        containers, ["probability", "labels"]
    )


@pytest.mark.parametrize("keys", [None, [], "", " , ", ()])
def test_no_keys_leaves_containers_unchanged(keys) -> None:
    containers = best_containers("describe_auto_ml_job_hpo_regression.json")
    result = apply_inference_response_keys(containers, keys)
    assert result == containers
    assert result is not containers and all(a is not b for a, b in zip(result, containers, strict=True))


def test_regression_model_refuses_key_selection() -> None:
    containers = best_containers("describe_auto_ml_job_hpo_regression.json")
    with pytest.raises(InferenceResponseKeyError) as error:
        apply_inference_response_keys(containers, ["probability"])
    message = str(error.value)
    assert "does not support selecting inference response keys" in message
    assert "container 2 of 2" in message and "sagemaker-xgboost" in message
    assert "probability" in message and "Remove inference_response_keys" in message


def test_unsupported_keys_are_named_with_the_supported_ones_and_the_container() -> None:
    containers = best_containers("describe_auto_ml_job_hpo_classification.json")
    with pytest.raises(InferenceResponseKeyError) as error:
        apply_inference_response_keys(containers, ["predicted_label", "probabilty", "score"])
    message = str(error.value)
    assert "Unsupported inference response keys: probabilty, score." in message
    assert "supports: predicted_label, probability, labels, probabilities" in message
    assert "container 3 of 3" in message and "sagemaker-sklearn-automl" in message
    assert isinstance(error.value, ValueError)


def test_keys_without_containers_are_refused() -> None:
    with pytest.raises(InferenceResponseKeyError, match="no inference containers"):
        apply_inference_response_keys([], ["labels"])


def test_non_string_key_is_refused() -> None:
    with pytest.raises(InferenceResponseKeyError, match="must be strings"):
        normalize_inference_response_keys(["labels", 3])  # type: ignore[list-item]


def test_input_is_never_mutated_and_reapplying_is_stable() -> None:
    containers = best_containers("describe_auto_ml_job_hpo_classification.json")
    snapshot = copy.deepcopy(containers)
    first = apply_inference_response_keys(containers, ["probabilities", "labels"])
    assert containers == snapshot
    # The SDK inherited stale values on a second call; here a re-application is a fixed point.
    assert apply_inference_response_keys(first, ["probabilities", "labels"]) == first
    # And a different selection on the original does not see the first one.
    second = apply_inference_response_keys(containers, ["probability"])
    assert env(second[1])[OUTPUT_VARIABLE] == "probability"
    assert env(second[2])[OUTPUT_VARIABLE] == "probability"


def test_enum_members_are_the_four_documented_keys() -> None:
    assert [key.value for key in InferenceResponseKey] == list(KNOWN_KEYS)
    assert str(InferenceResponseKey.PREDICTED_LABEL) == "predicted_label"


# --- Properties over generated candidates ---------------------------------------------

key_lists = st.lists(st.sampled_from(KNOWN_KEYS), unique=True, max_size=4)


@st.composite
def containers_strategy(draw) -> list[dict]:
    """Container lists shaped like Autopilot's: some declare support, some do not."""
    count = draw(st.integers(min_value=1, max_value=5))
    containers = []
    for index in range(count):
        environment = draw(
            st.dictionaries(
                st.sampled_from(["AUTOML_TRANSFORM_MODE", "SAGEMAKER_PROGRAM", "MAX_CONTENT_LENGTH", "MODEL_NAME"]),
                st.text(alphabet="abcdefgh-_/0123456789", min_size=1, max_size=12),
                max_size=3,
            )
        )
        if draw(st.booleans()):
            supported = draw(st.lists(st.sampled_from(KNOWN_KEYS), unique=True, min_size=1, max_size=4))
            spacing = draw(st.sampled_from([",", ", ", " ,", " , "]))
            environment[SUPPORTED_VARIABLE] = spacing.join(supported)
            if draw(st.booleans()):
                environment[OUTPUT_VARIABLE] = supported[0]
            if draw(st.booleans()):
                environment[INPUT_VARIABLE] = supported[0]
        containers.append(
            {
                "Image": f"111122223333.dkr.ecr.us-east-1.amazonaws.com/image-{index}:1",
                "ModelDataUrl": f"s3://bucket/prefix/model-{index}.tar.gz",
                "Environment": environment,
            }
        )
    return containers


def sdk_result(containers: list[dict], keys: list[str]) -> list[dict] | type[ValueError]:
    mutable = copy.deepcopy(containers)
    try:
        sdk_oracle.validate_and_update_inference_response(mutable, keys)
    except ValueError:
        return ValueError
    return mutable


@settings(max_examples=400, deadline=None)
@given(containers=containers_strategy(), keys=key_lists)
def test_same_result_as_the_sdk(containers: list[dict], keys: list[str]) -> None:
    expected = sdk_result(containers, keys)
    if expected is ValueError:
        with pytest.raises(InferenceResponseKeyError):
            apply_inference_response_keys(containers, keys)
    else:
        assert apply_inference_response_keys(containers, keys) == expected


@settings(max_examples=200, deadline=None)
@given(containers=containers_strategy(), keys=key_lists, data=st.data())
def test_string_spaces_and_duplicates_do_not_change_the_result(containers, keys, data) -> None:
    assume(sdk_result(containers, keys) is not ValueError)
    duplicated = keys + data.draw(st.lists(st.sampled_from(keys), max_size=3)) if keys else keys
    spaced = data.draw(st.sampled_from([",", ", ", " ,"])).join(duplicated)
    assert apply_inference_response_keys(containers, spaced) == apply_inference_response_keys(containers, keys)


@settings(max_examples=200, deadline=None)
@given(containers=containers_strategy(), keys=key_lists)
def test_never_mutates_and_only_touches_the_two_variables(containers, keys) -> None:
    snapshot = copy.deepcopy(containers)
    try:
        result = apply_inference_response_keys(containers, keys)
    except InferenceResponseKeyError:
        assert containers == snapshot
        return
    assert containers == snapshot
    assert len(result) == len(containers)
    for before, after in zip(containers, result, strict=True):
        assert {k for k in after if k != "Environment"} == {k for k in before if k != "Environment"}
        changed = {
            name
            for name in set(env(before)) | set(env(after))
            if env(before).get(name) != env(after).get(name)
        }
        assert changed <= {INPUT_VARIABLE, OUTPUT_VARIABLE}
        if SUPPORTED_VARIABLE not in env(before):
            assert after == before
        for name in changed:
            values = env(after)[name].split(",")
            assert " " not in env(after)[name]
            assert len(values) == len(set(values))
            assert values == [key for key in keys if key in values]


@settings(max_examples=100, deadline=None)
@given(keys=key_lists)
def test_labels_only_ever_come_from_the_inverse_transform_container(keys) -> None:
    containers = best_containers("describe_auto_ml_job_hpo_classification.json")
    result = apply_inference_response_keys(containers, keys)
    assert "labels" not in env(result[1]).get(OUTPUT_VARIABLE, "").split(",")
    assert "labels" not in env(result[2]).get(INPUT_VARIABLE, "").split(",")
    if "labels" in keys:
        assert "labels" in env(result[2])[OUTPUT_VARIABLE].split(",")
