"""Response keys are the CSV column order: an unordered collection is refused, and the template
does not depend on the process's hash seed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from support.annotations import assert_refused
from support.paths import REPO_ROOT
from support.stacks import JOB, OUTPUT_URI, new_stack

from autopilot_inference import AutopilotModel, InferenceResponseKey


@pytest.mark.parametrize(
    "keys",
    [
        {"predicted_label", "probability"},
        frozenset({InferenceResponseKey.PREDICTED_LABEL, InferenceResponseKey.PROBABILITY}),
        {"predicted_label": 1, "probability": 2}.keys(),
        {"predicted_label": 1},
    ],
    ids=["set", "frozenset", "dict-keys", "dict"],
)
def test_keys_in_an_unordered_collection_are_refused(keys: object) -> None:
    stack = new_stack("SetKeysStack")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI, inference_response_keys=keys)
    assert_refused(model, r"^inference_response_keys must be ordered .*column")


SYNTH = textwrap.dedent(
    """
    import json, os
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")
    from aws_cdk import App, Stack, Tags
    from aws_cdk import aws_ec2 as ec2
    from autopilot_inference import AutopilotBatchTransform, AutopilotModel, InferenceResponseKey
    app = App()
    stack = Stack(app, "SeedStack")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=0)
    for index, keys in enumerate([("probability", "predicted_label"), [InferenceResponseKey.LABELS, "probabilities"]]):
        model = AutopilotModel(stack, f"Model{index}", automl_job_name="job", inference_response_keys=keys,
                               automl_output_s3_uri="s3://bucket/out", vpc=vpc if index else None,
                               candidate_name="c" if index else None)
        AutopilotBatchTransform(stack, f"Job{index}", model=model, input_s3_uri=f"s3://bucket/in/{index}",
                                output_s3_uri="s3://bucket/res", environment={"B": "2", "A": "1"})
    Tags.of(stack).add("team", "ml")
    print(json.dumps(app.synth().get_stack_by_name("SeedStack").template, sort_keys=False))
    """
)


def test_template_is_the_same_under_any_hash_seed() -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SYNTH],
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in ("1", "4242")
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr[-2000:]
    first, second = (json.loads(stdout.strip().splitlines()[-1]) for stdout, _ in outputs)
    assert first == second
    assert json.dumps(first) == json.dumps(second)  # key order too
