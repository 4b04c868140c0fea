"""How synth-time problems reach a user: error annotations on the construct, all in one run.

Checked against aws_cdk.assertions.Annotations, the CDK CLI's own output (`cdk synth` of an
app in a temporary directory, with this repository's pinned CLI) and a plain `app.synth()`.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from aws_cdk import App, CfnWaitConditionHandle, Stack
from support.annotations import errors_of
from support.cdk_cli import CDK, cdk_synth
from support.paths import REPO_ROOT
from support.stacks import INPUT_URI, JOB, OUTPUT_URI, checked_synth

from autopilot_inference import AutopilotBatchTransform, AutopilotModel, AutopilotValidationError, raise_for_errors

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
    synthesis = cdk_synth((tmp_path / "app.py").read_text(), tmp_path)
    output = synthesis.output
    assert synthesis.status == 1
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines[:3] == [
        f"ERROR {BAD_NAME} (Construct Annotations)",
        "   UserStack/Model",
        "   Rule Annotation::error-annotation",
    ]
    assert f"ERROR {BAD_UNIT} (Construct Annotations)" in lines
    assert lines[-1] == "Synthesis finished with errors"


SILENT_MISTAKES_APP = """
import sys
sys.path.insert(0, {constructs!r})
from aws_cdk import App, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from autopilot_inference import AutopilotBatchTransform, AutopilotModel, EndpointAlarms
app = App()
stack = Stack(app, "UserStack", env={{"account": "111122223333", "region": "us-east-1"}})
model = AutopilotModel(stack, "Model", automl_job_name="churn", automl_output_s3_uri={output!r},
                       candidate_name=" churn-003 ",
                       kms_key=kms.Alias.from_alias_name(stack, "Alias", "alias/churn"))
good = AutopilotModel(stack, "Good", automl_job_name="churn", automl_output_s3_uri={output!r})
AutopilotBatchTransform(stack, "Transform", model=good, input_s3_uri="s3://amzn-s3-demo-bucket/in/*.csv",
                        output_s3_uri="s3://amzn-s3-demo-bucket/out/",
                        volume_kms_key=kms.Key.from_key_arn(stack, "Foreign",
                            "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
                        failure_topic=sns.Topic(stack, "Topic"))
good.add_endpoint("Endpoint", endpoint_alarms=EndpointAlarms(max_5xx_error_rate=1))
app.synth()
"""


@pytest.mark.slow
def test_cdk_synth_reports_every_silent_mistake_of_issue_19_in_one_run(tmp_path: Path) -> None:
    """Mistakes that used to deploy silently, all in one app: `cdk synth` lists each, on its construct."""
    synthesis = cdk_synth(SILENT_MISTAKES_APP.format(constructs=str(REPO_ROOT / "constructs"), output=OUTPUT_URI), tmp_path)
    output, errors = synthesis.output, synthesis.errors
    assert synthesis.status == 1 and "Traceback" not in output
    expected = {
        "candidate_name ' churn-003 ' has spaces around it": "UserStack/Model",
        "kms_key is a KMS alias (alias/churn), not a key": "UserStack/Model",
        "input_s3_uri holds the wildcard '*' ('s3://amzn-s3-demo-bucket/in/*.csv')": "UserStack/Transform",
        "volume_kms_key is a key of eu-west-1, and this stack deploys to us-east-1": "UserStack/Transform",
        "endpoint_alarms.max_5xx_error_rate is a share of requests, so 1 is 100 %": "UserStack/Good/Endpoint",
    }
    for start, path in expected.items():
        assert [where for message, where in errors if message.startswith(start)] == [path], (start, errors)
    assert len(errors) == len(expected), errors
    assert output.count("failure_topic is for jobs nobody waits for") == 1, output
    assert synthesis.last_line == "Synthesis finished with errors"
