"""The feature flags the README lists change these constructs' templates; the example and quickstart set them.

The reference for each flag's recommended value is aws-cdk-lib's own feature-flag report,
written into every cloud assembly (the ``aws-cdk-lib/feature-flag-report`` artifact).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_iam as iam
from support.example_app import cdk_json_context
from support.paths import REPO_ROOT
from support.stacks import INPUT_URI, JOB, OUTPUT_URI, RESULT_URI, checked_synth

from autopilot_inference import AutopilotBatchTransform, AutopilotModel

README = (REPO_ROOT / "README.md").read_text()


def readme_flags() -> list[str]:
    section = README[README.index("## Feature flags\n") : README.index("\n## ", README.index("## Feature flags\n") + 1)]
    return re.findall(r"^\| `(@aws-cdk/[^`]+)` \|", section, re.MULTILINE)


def quickstart_context() -> dict[str, Any]:
    block = README.split("<!-- quickstart file: cdk.json -->\n```json\n", 1)[1].split("```", 1)[0]
    return json.loads(block)["context"]


def template(context: dict[str, Any], outdir: Path | None = None) -> tuple[str, Any]:
    app = App(context=context, outdir=str(outdir) if outdir else None)
    stack = Stack(app, "FlagStack", env=Environment(account="111122223333", region="eu-west-1"))
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    AutopilotBatchTransform(stack, "Transform", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    AutopilotBatchTransform(
        stack, "Other", model=model, input_s3_uri=INPUT_URI.replace("input", "other-input"),
        output_s3_uri=RESULT_URI.replace("results", "other-results"),
    )
    imported = iam.Role.from_role_arn(stack, "Imported", "arn:aws:iam::111122223333:role/AutopilotModelRole")
    given = AutopilotModel(stack, "Given", automl_job_name=JOB, role=imported)
    AutopilotBatchTransform(stack, "GivenTransform", model=given, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI + "-2")
    assembly = checked_synth(app)
    return json.dumps(assembly.get_stack_by_name("FlagStack").template, sort_keys=True), assembly


@cache
def baseline() -> tuple[str, dict[str, Any]]:
    text, assembly = template({})
    manifest = json.loads((Path(assembly.directory) / "manifest.json").read_text())
    report = manifest["artifacts"]["aws-cdk-lib/feature-flag-report"]["properties"]["flags"]
    return text, report


def test_readme_lists_three_flags() -> None:
    assert len(readme_flags()) == 3


@pytest.mark.parametrize("flag", readme_flags())
def test_flag_changes_the_template_and_is_set_to_the_recommended_value(flag: str) -> None:
    unset, report = baseline()
    recommended = report[flag]["recommendedValue"]
    changed, _ = template({flag: recommended})
    assert changed != unset, f"{flag} no longer changes what the constructs synthesize"
    assert cdk_json_context()[flag] == recommended, "the example cdk.json"
    assert quickstart_context()[flag] == recommended, "the README quickstart's cdk.json"


def test_quickstart_sets_only_the_listed_flags() -> None:
    assert sorted(quickstart_context()) == sorted(readme_flags())
