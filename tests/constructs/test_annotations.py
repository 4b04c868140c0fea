"""How synth-time problems reach a user: error annotations on the construct, all in one run.

Checked against aws_cdk.assertions.Annotations, the CDK CLI's own output (`cdk synth` of an
app in a temporary directory, with this repository's pinned CLI) and a plain `app.synth()`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from aws_cdk import App, CfnWaitConditionHandle, Stack
from support.annotations import errors_of
from support.paths import REPO_ROOT
from support.stacks import INPUT_URI, JOB, OUTPUT_URI, checked_synth

from autopilot_inference import AutopilotBatchTransform, AutopilotModel, AutopilotValidationError, raise_for_errors

CDK = REPO_ROOT / "node_modules" / ".bin" / "cdk"

BAD_NAME = (
    "automl_job_name must be the name of an existing AutoML job: 1-32 letters, digits and hyphens, "
    "starting and ending with a letter or digit (^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$); got 'churn_job' (9 characters)."
)
BAD_UNIT = (
    "processing_unit must be CPU or GPU (the container set of an image or text classification job to deploy); "
    "got 'TPU'."
)
BAD_COUNT = "instance_count must be at least 1; got 0."


def three_mistakes() -> tuple[App, Stack]:
    app = App()
    stack = Stack(app, "Mistakes")
    model = AutopilotModel(
        stack, "Model", automl_job_name="churn_job", automl_output_s3_uri=OUTPUT_URI, processing_unit="TPU"
    )
    AutopilotBatchTransform(
        stack, "Transform", model=model, input_s3_uri=INPUT_URI, output_s3_uri=f"{INPUT_URI}-out", instance_count=0
    )
    return app, stack


def test_three_mistakes_on_two_constructs_are_all_reported_each_on_its_path() -> None:
    _, stack = three_mistakes()
    assert errors_of(stack) == {
        "/Mistakes/Model": [BAD_NAME, BAD_UNIT],
        "/Mistakes/Transform": [BAD_COUNT],
    }


def test_plain_script_raise_for_errors_lists_every_problem_with_its_path() -> None:
    app, _ = three_mistakes()
    with pytest.raises(AutopilotValidationError) as raised:
        raise_for_errors(app)
    assert str(raised.value).splitlines() == [
        "3 problems in the construct props:",
        f"[Mistakes/Model] {BAD_NAME}",
        f"[Mistakes/Model] {BAD_UNIT}",
        f"[Mistakes/Transform] {BAD_COUNT}",
    ]


def test_plain_app_synth_does_not_fail_on_error_annotations() -> None:
    """Why raise_for_errors exists: app.synth() returns; only the CLI fails on error annotations."""
    app, stack = three_mistakes()
    CfnWaitConditionHandle(stack, "Valid")  # the unbuilt constructs leave no resources: keep the template valid
    messages = [message.entry.data for stack in checked_synth(app).stacks for message in stack.messages]
    assert [BAD_NAME, BAD_UNIT, BAD_COUNT] == [m for m in messages if m in (BAD_NAME, BAD_UNIT, BAD_COUNT)]


def test_valid_app_passes_raise_for_errors() -> None:
    app = App()
    AutopilotModel(Stack(app, "Fine"), "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    raise_for_errors(app)


@pytest.mark.skipif(not CDK.exists(), reason="needs the pinned CDK CLI (make install)")
def test_cdk_synth_prints_the_problems_with_their_paths_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(REPO_ROOT / "constructs")!r})
            from aws_cdk import App, Stack
            from autopilot_inference import AutopilotModel
            app = App()
            AutopilotModel(Stack(app, "UserStack"), "Model", automl_job_name="churn_job",
                           automl_output_s3_uri={OUTPUT_URI!r}, processing_unit="TPU")
            app.synth()
            """
        )
    )
    (tmp_path / "cdk.json").write_text(f'{{"app": "{sys.executable} app.py"}}')
    env = {**os.environ, "CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "true",
           "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run(
        [str(CDK), "synth", "--quiet"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines[:3] == [
        f"ERROR {BAD_NAME} (Construct Annotations)",
        "   UserStack/Model",
        "   Rule Annotation::error-annotation",
    ]
    assert f"ERROR {BAD_UNIT} (Construct Annotations)" in lines
    assert lines[-1] == "Synthesis finished with errors"
