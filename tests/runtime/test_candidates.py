"""Candidate resolution: pure checks over saved DescribeAutoMLJob(V2) and ListCandidates responses."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.paths import load_fixture

from autopilot_inference._lambda.autopilot_runtime.candidates import (
    ResolvedCandidate,
    best_candidate,
    candidate_containers,
    check_artifact_locations,
    check_candidate,
    check_job_ready,
    find_candidate,
    is_under_s3_uri,
    job_mode,
    job_problem_type,
    resolve_candidate,
)
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError

HPO = "describe_auto_ml_job_hpo_classification.json"
REGRESSION = "describe_auto_ml_job_hpo_regression.json"
ENSEMBLING = "describe_auto_ml_job_ensembling.json"
V2_TABULAR = "describe_auto_ml_job_v2_tabular.json"
V2_IMAGE = "describe_auto_ml_job_v2_image_classification.json"
ARTIFACTS = "s3://example-ml-artifacts-111122223333/autopilot"


def job(name: str = HPO, **changes: Any) -> dict[str, Any]:
    loaded = load_fixture(name)
    for key, value in changes.items():
        if value is None:
            loaded.pop(key, None)
        else:
            loaded[key] = value
    return loaded


# --- Facts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "problem_type", "mode"),
    [
        (HPO, "BinaryClassification", "HYPERPARAMETER_TUNING"),
        (REGRESSION, "Regression", "HYPERPARAMETER_TUNING"),
        (ENSEMBLING, "MulticlassClassification", "ENSEMBLING"),
        (V2_TABULAR, "BinaryClassification", "HYPERPARAMETER_TUNING"),
        (V2_IMAGE, "ImageClassification", None),
    ],
)
def test_problem_type_and_mode_of_each_job_shape(fixture: str, problem_type: str, mode: str | None) -> None:
    assert job_problem_type(job(fixture)) == problem_type
    assert job_mode(job(fixture)) == mode


def test_problem_type_fallbacks() -> None:
    v1 = job(HPO, ResolvedAttributes=None)  # a job that has not resolved attributes yet
    assert job_problem_type(v1) == "BinaryClassification"
    v2 = job(V2_TABULAR, ResolvedAttributes=None)
    v2["AutoMLProblemTypeConfig"]["TabularJobConfig"]["ProblemType"] = "MulticlassClassification"
    assert job_problem_type(v2) == "MulticlassClassification"
    del v2["AutoMLProblemTypeConfig"]["TabularJobConfig"]["ProblemType"]
    assert job_problem_type(v2) == "Tabular"  # AUTO tabular jobs before resolution
    assert job_problem_type({}) is None
    assert job_mode({}) is None


def test_values_outside_the_documented_enums_are_kept() -> None:
    described = job(HPO)
    described["ResolvedAttributes"]["ProblemType"] = "OrdinalRegression"
    described["AutoMLJobConfig"]["Mode"] = "SOMETHING_NEW"
    assert job_problem_type(described) == "OrdinalRegression"
    assert job_mode(described) == "SOMETHING_NEW"


# --- Job status -----------------------------------------------------------------------


def test_completed_job_is_ready() -> None:
    assert check_job_ready(job()) is None


@pytest.mark.parametrize(
    ("status", "secondary", "advice"),
    [
        ("InProgress", "Training", "Wait for it to complete"),
        ("Stopping", "Stopping", "Wait for it to complete"),
        ("Failed", "Failed", "Choose a job that completed"),
        ("Stopped", "MaxCandidatesReached", "Choose a job that completed"),
        ("NotAStatusYet", "Whatever", "Choose a job that completed"),
    ],
)
def test_job_not_completed(status: str, secondary: str, advice: str) -> None:
    with pytest.raises(AutopilotDeploymentError) as raised:
        check_job_ready(job(AutoMLJobStatus=status, AutoMLJobSecondaryStatus=secondary))
    message = str(raised.value)
    assert message.startswith("AutoML job churn-hpo-2026-11 is not Completed")
    assert status in message and f"secondary status {secondary}" in message and advice in message


def test_failed_job_reports_its_failure_reason() -> None:
    with pytest.raises(AutopilotDeploymentError, match="failure reason: ClientError: no rows"):
        check_job_ready(job(AutoMLJobStatus="Failed", AutoMLJobSecondaryStatus="Failed", FailureReason="ClientError: no rows"))


def test_missing_status_is_not_ready() -> None:
    with pytest.raises(AutopilotDeploymentError, match="status is unknown \\(secondary status none\\)"):
        check_job_ready(job(AutoMLJobStatus=None, AutoMLJobSecondaryStatus=None))


# --- Best and named candidates --------------------------------------------------------


def test_best_candidate() -> None:
    assert best_candidate(job())["CandidateName"] == "churn-hpo-2026-11sNxh-009-5b1d6ed4"


def test_no_best_candidate_after_definitions_only() -> None:
    with pytest.raises(AutopilotDeploymentError) as raised:
        best_candidate(job(BestCandidate=None, AutoMLJobSecondaryStatus="CandidateDefinitionsGenerated"))
    message = str(raised.value)
    assert "AutoML job churn-hpo-2026-11 has no best candidate" in message
    assert "CandidateDefinitionsGenerated" in message and "trained no model" in message


def test_no_best_candidate_for_another_reason() -> None:
    with pytest.raises(AutopilotDeploymentError, match="No candidate finished training \\(secondary status Completed\\)"):
        best_candidate(job(BestCandidate={}))


def test_candidate_not_completed() -> None:
    candidate = dict(job()["BestCandidate"], CandidateStatus="Failed", FailureReason="AlgorithmError: oom")
    with pytest.raises(AutopilotDeploymentError) as raised:
        check_candidate(candidate, "churn-hpo-2026-11")
    message = str(raised.value)
    assert "AutoML job churn-hpo-2026-11: candidate churn-hpo-2026-11sNxh-009-5b1d6ed4 is not Completed" in message
    assert "Failed" in message and "AlgorithmError: oom" in message and "candidate_name" in message


def test_find_candidate_reads_pages_only_until_found() -> None:
    page2 = load_fixture("list_candidates_for_auto_ml_job_page2.json")

    def pages() -> Iterator[dict[str, Any]]:
        yield load_fixture("list_candidates_for_auto_ml_job_page1.json")
        yield page2
        raise AssertionError("read a page after the candidate was found")

    found = find_candidate(pages(), "churn-hpo-2026-11sNxh-004-1a2b3c4d", "churn-hpo-2026-11")
    assert found is page2["Candidates"][0]


def test_find_candidate_ignores_other_names_and_does_not_list_them() -> None:
    pages = [{"Candidates": [{"CandidateName": f"other-{index}"} for index in range(300)]}]
    with pytest.raises(AutopilotDeploymentError) as raised:
        find_candidate(pages, "wanted", "churn-hpo-2026-11")
    message = str(raised.value)
    assert message.startswith("Candidate wanted not found in AutoML job churn-hpo-2026-11.")
    assert "other-" not in message and len(message) < 400


# --- Containers -----------------------------------------------------------------------


def test_tabular_containers_are_copies() -> None:
    candidate = job()["BestCandidate"]
    containers = candidate_containers(candidate, job_name="churn-hpo-2026-11")
    assert containers == candidate["InferenceContainers"]
    containers[1]["Environment"]["X"] = "1"
    assert "X" not in candidate["InferenceContainers"][1]["Environment"]


@pytest.mark.parametrize("unit", ["CPU", "GPU", "gpu"])
def test_image_containers_by_processing_unit(unit: str) -> None:
    candidate = job(V2_IMAGE)["BestCandidate"]
    containers = candidate_containers(candidate, unit, "defect-images-v2")
    assert containers == candidate["InferenceContainerDefinitions"][unit.upper()]


def test_empty_inference_containers_fall_back_to_definitions() -> None:
    candidate = dict(job(V2_IMAGE)["BestCandidate"], InferenceContainers=[])
    assert candidate_containers(candidate, "GPU")[0]["Image"].endswith("gpu-py310")


@pytest.mark.parametrize(("only", "requested"), [("GPU", "CPU"), ("CPU", "GPU")])
def test_a_single_container_set_is_used_whatever_the_processing_unit(only: str, requested: str) -> None:
    candidate = copy.deepcopy(job(V2_IMAGE)["BestCandidate"])
    definitions = candidate["InferenceContainerDefinitions"]
    for unit in [unit for unit in definitions if unit != only]:
        del definitions[unit]
    assert candidate_containers(candidate, requested, job_name="defect-images-v2") == definitions[only]


def test_missing_processing_unit_among_several_sets_names_the_sets_there_are() -> None:
    candidate = copy.deepcopy(job(V2_IMAGE)["BestCandidate"])
    definitions = candidate["InferenceContainerDefinitions"]
    definitions["INF2"] = definitions.pop("GPU")  # a set this library does not know, beside CPU
    with pytest.raises(AutopilotDeploymentError) as raised:
        candidate_containers(candidate, "GPU", job_name="defect-images-v2")
    assert str(raised.value) == (
        "AutoML job defect-images-v2: candidate defect-images-v2-image-clf-1-1f0e2d3c has no GPU inference "
        "containers; it has container sets for CPU, INF2. Set processing_unit to one of them."
    )


def test_no_containers_at_all() -> None:
    candidate = {"CandidateName": "bare", "CandidateStatus": "Completed", "InferenceContainers": []}
    with pytest.raises(AutopilotDeploymentError, match="candidate bare has no inference containers"):
        candidate_containers(candidate, job_name="churn-hpo-2026-11")


# --- Artifact locations ---------------------------------------------------------------


@pytest.mark.parametrize(
    "allowed",
    [ARTIFACTS, ARTIFACTS + "/", "s3://example-ml-artifacts-111122223333", ARTIFACTS + "/churn-hpo-2026-11"],
)
def test_model_data_under_the_allowed_location(allowed: str) -> None:
    containers = job()["BestCandidate"]["InferenceContainers"]
    assert check_artifact_locations(containers, allowed, "churn-hpo-2026-11") is None


@pytest.mark.parametrize(
    "allowed",
    [
        "s3://example-ml-artifacts-111122223333/auto",  # string prefix, not a path boundary
        "s3://example-ml-artifacts-11112222333",  # a bucket whose name is a prefix of the real one
        "s3://example-ml-artifacts-111122223333/autopilot/churn-hpo-2026-11/tuning",
    ],
)
def test_model_data_outside_the_allowed_location(allowed: str) -> None:
    containers = job()["BestCandidate"]["InferenceContainers"]
    with pytest.raises(AutopilotDeploymentError) as raised:
        check_artifact_locations(containers, allowed, "churn-hpo-2026-11")
    message = str(raised.value)
    assert message.startswith("AutoML job churn-hpo-2026-11: container 1 of 3")
    assert containers[0]["ModelDataUrl"] in message and allowed in message and "automl_output_s3_uri" in message


def test_prefix_boundary() -> None:
    assert is_under_s3_uri("s3://b/p/model.tar.gz", "s3://b/p")
    assert is_under_s3_uri("s3://b/p", "s3://b/p")
    assert not is_under_s3_uri("s3://b/p-other/model.tar.gz", "s3://b/p")
    assert not is_under_s3_uri("s3://b/pmodel.tar.gz", "s3://b/p")
    assert not is_under_s3_uri("s3://b-other/p/model.tar.gz", "s3://b")


_segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12)


@given(bucket=_segment, prefix=st.lists(_segment, min_size=1, max_size=4), rest=_segment, suffix=_segment)
def test_prefix_boundary_property(bucket: str, prefix: list[str], rest: str, suffix: str) -> None:
    allowed = f"s3://{bucket}/{'/'.join(prefix)}"
    assert is_under_s3_uri(f"{allowed}/{rest}", allowed)
    assert is_under_s3_uri(f"{allowed}/{rest}", allowed + "/")
    assert not is_under_s3_uri(f"{allowed}{suffix}/{rest}", allowed)


# --- Resolution -----------------------------------------------------------------------


def test_resolve_best_candidate() -> None:
    described = job()
    resolved = resolve_candidate(described, artifact_s3_uri=ARTIFACTS)
    assert resolved == ResolvedCandidate(
        job_name="churn-hpo-2026-11",
        candidate_name="churn-hpo-2026-11sNxh-009-5b1d6ed4",
        containers=tuple(described["BestCandidate"]["InferenceContainers"]),
        problem_type="BinaryClassification",
        mode="HYPERPARAMETER_TUNING",
        objective_metric_name="validation:f1",
        objective_metric_value=0.8771929740905762,
    )


def test_resolve_named_candidate_without_best_candidate() -> None:
    named = load_fixture("list_candidates_for_auto_ml_job_page2.json")["Candidates"][0]
    resolved = resolve_candidate(job(BestCandidate=None), named)
    assert resolved.candidate_name == "churn-hpo-2026-11sNxh-004-1a2b3c4d"
    assert resolved.objective_metric_value == 0.8513513803482056


def test_resolve_image_job_gpu() -> None:
    resolved = resolve_candidate(job(V2_IMAGE), processing_unit="GPU")
    assert resolved.problem_type == "ImageClassification" and resolved.mode is None
    assert resolved.containers[0]["Image"].endswith("2.1.0-gpu-py310")
    assert (resolved.objective_metric_name, resolved.objective_metric_value) == ("Accuracy", 0.9412)


def test_resolve_checks_the_job_before_the_candidate() -> None:
    with pytest.raises(AutopilotDeploymentError, match="is not Completed: its status is InProgress"):
        resolve_candidate(job(AutoMLJobStatus="InProgress", AutoMLJobSecondaryStatus="Training", BestCandidate=None))


def test_resolve_checks_the_candidate_before_its_containers() -> None:
    named = {"CandidateName": "half-done", "CandidateStatus": "InProgress"}
    with pytest.raises(AutopilotDeploymentError, match="candidate half-done is not Completed"):
        resolve_candidate(job(), named)


def test_resolve_checks_artifact_locations() -> None:
    with pytest.raises(AutopilotDeploymentError, match="not under the allowed artifact location s3://elsewhere"):
        resolve_candidate(job(), artifact_s3_uri="s3://elsewhere")


def test_resolve_without_objective_metric() -> None:
    described = job()
    del described["BestCandidate"]["FinalAutoMLJobObjectiveMetric"]
    resolved = resolve_candidate(described)
    assert (resolved.objective_metric_name, resolved.objective_metric_value) == (None, None)


def test_candidates_module_needs_no_boto3() -> None:
    import sys
    from pathlib import Path

    source = Path(sys.modules[resolve_candidate.__module__].__file__ or "").read_text()
    assert "boto3" not in source and "botocore" not in source
