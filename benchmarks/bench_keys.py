"""Cost of the response-key engine on random, realistic container sets."""

from __future__ import annotations

import copy
import random
import time
from dataclasses import dataclass
from typing import Any

from autopilot_inference import InferenceResponseKeyError, apply_inference_response_keys

from .bench_common import mean_of, percentile, ratio
from .bench_report import Section

KEYS = ("predicted_label", "probability", "probabilities", "labels")
ARTIFACTS = "s3://example-ml-artifacts-111122223333/autopilot/churn-hpo-2026-11"
SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-sklearn-automl:2.5-1-cpu-py3"
XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.3-1-cpu-py3"
AUTOGLUON = "763104351884.dkr.ecr.us-east-1.amazonaws.com/autogluon-inference:0.4.3-cpu-py38-ubuntu20.04"

Sample = tuple[list[dict[str, Any]], Any]


FEATURE_TRANSFORM = {
    "AUTOML_SPARSE_ENCODE_RECORDIO_PROTOBUF": "1",
    "AUTOML_TRANSFORM_MODE": "feature-transform",
    "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/x-recordio-protobuf",
    "SAGEMAKER_PROGRAM": "sagemaker_serve",
    "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
}
INVERSE_LABEL_TRANSFORM = {
    "AUTOML_TRANSFORM_MODE": "inverse-label-transform",
    "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv",
    "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label",
    "SAGEMAKER_INFERENCE_SUPPORTED": "predicted_label,probability,labels,probabilities",
    "SAGEMAKER_PROGRAM": "sagemaker_serve",
    "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
}


def _algorithm(rng: random.Random) -> tuple[str, dict[str, str]]:
    """An algorithm container: XGBoost (HPO) or AutoGluon (ensembling), with or without key support."""
    image = XGBOOST if rng.random() < 0.6 else AUTOGLUON
    environment = {"MAX_CONTENT_LENGTH": "20971520", "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv"}
    if rng.random() < 0.85:  # classification; regression algorithms declare no keys
        supported = KEYS[:3] if rng.random() < 0.7 else KEYS
        environment.update(SAGEMAKER_INFERENCE_OUTPUT="predicted_label", SAGEMAKER_INFERENCE_SUPPORTED=",".join(supported))
    return image, environment


def _kinds(rng: random.Random, count: int) -> list[str]:
    """Container roles in Autopilot's order: feature transforms, an algorithm, maybe an inverse label transform."""
    if count == 1:
        return ["algorithm"]
    last = "inverse-label-transform" if rng.random() < 0.6 else "algorithm"
    middle = ["algorithm"] if last == "inverse-label-transform" else []
    return ["feature-transform"] * (count - 1 - len(middle)) + middle + [last]


def _container(rng: random.Random, kind: str, index: int) -> dict[str, Any]:
    """One inference container like Autopilot's."""
    if kind == "feature-transform":
        image, environment = SKLEARN, dict(FEATURE_TRANSFORM)
    elif kind == "inverse-label-transform":
        image, environment = SKLEARN, dict(INVERSE_LABEL_TRANSFORM)
    else:
        image, environment = _algorithm(rng)
    return {
        "Image": image,
        "ModelDataUrl": f"{ARTIFACTS}/{kind}/candidate-{rng.randrange(10**6):06d}-{index}/output/model.tar.gz",
        "Environment": environment,
    }


def _keys(rng: random.Random) -> Any:
    """A random key request: a list, one comma-separated string, with the odd duplicate or space, or none."""
    chosen = rng.sample(KEYS, rng.randint(0, len(KEYS)))
    if rng.random() < 0.1 and chosen:
        chosen.append(chosen[0])
    if rng.random() < 0.3:
        return " , ".join(chosen) if rng.random() < 0.5 else ",".join(chosen)
    return chosen or None


def container_sets(count: int, seed: int = 20261103) -> list[Sample]:
    """``count`` (containers, keys) samples of 1-5 containers each, from a seeded generator."""
    rng = random.Random(seed)
    samples: list[Sample] = []
    for _ in range(count):
        kinds = _kinds(rng, rng.randint(1, 5))
        samples.append(([_container(rng, kind, index) for index, kind in enumerate(kinds)], _keys(rng)))
    return samples


@dataclass
class KeyEngineCost:
    """Per-call microseconds of the engine, and of a plain deepcopy of the same containers."""

    samples: int
    rejected: int
    engine_us: list[float]
    deepcopy_us: list[float]

    @property
    def mean_us(self) -> float:
        return mean_of(self.engine_us)

    @property
    def p99_us(self) -> float:
        return percentile(self.engine_us, 0.99)

    @property
    def deepcopy_ratio(self) -> float:
        return ratio(self.mean_us, mean_of(self.deepcopy_us))


def key_engine_cost(count: int = 10_000, seed: int = 20261103) -> KeyEngineCost:
    """Time ``apply_inference_response_keys`` per call (generation excluded); rejected requests count too."""
    samples = container_sets(count, seed)
    for containers, keys in samples[:100]:  # warm-up
        try:
            apply_inference_response_keys(containers, keys)
        except InferenceResponseKeyError:
            pass
    engine: list[float] = []
    copies: list[float] = []
    rejected = 0
    clock = time.perf_counter_ns
    for containers, keys in samples:
        start = clock()
        try:
            apply_inference_response_keys(containers, keys)
        except InferenceResponseKeyError:
            rejected += 1
        engine.append((clock() - start) / 1000)
        start = clock()
        copy.deepcopy(containers)
        copies.append((clock() - start) / 1000)
    return KeyEngineCost(count, rejected, engine, copies)


def key_engine_section(cost: KeyEngineCost) -> Section:
    """The response-key engine table."""
    rows = [[
        f"{cost.samples:,}",
        f"{cost.rejected:,}",
        f"{cost.mean_us:.1f}",
        f"{percentile(cost.engine_us, 0.5):.1f}",
        f"{cost.p99_us:.1f}",
        f"{cost.deepcopy_ratio:.2f}",
    ]]
    return Section(
        title="Response-key engine (apply_inference_response_keys)",
        explanation="Seeded random sets of 1-5 Autopilot-like containers with random key requests; only the call "
        "is timed (perf_counter_ns), generation excluded; rejected requests (InferenceResponseKeyError) included.",
        headers=["calls", "rejected", "mean us", "p50 us", "p99 us", "mean / deepcopy of the same containers"],
        rows=rows,
        notes=["The engine deep-copies its input (it never mutates it), so deepcopy is its natural floor; "
               "the last column is the machine-independent figure."],
    )
