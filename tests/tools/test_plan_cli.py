"""``python -m autopilot_inference plan``: every user mistake is one ``error:`` line saying what to do.

Exit status 2 for usage errors (arguments, files, boto3, credentials, region), 1 for job
errors. Live reads are set up so that botocore fails before any request is sent (no region,
no credentials, instance metadata disabled): no test calls AWS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from support.paths import FIXTURES, REPO_ROOT, load_fixture

from autopilot_inference.tools import cli

HPO = str(FIXTURES / "describe_auto_ml_job_hpo_classification.json")
IMAGE = str(FIXTURES / "describe_auto_ml_job_v2_image_classification.json")
SAVE = "aws sagemaker describe-auto-ml-job --auto-ml-job-name NAME > job.json"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(["plan", *argv])
    except SystemExit as exit_:  # argparse's errors
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


@pytest.fixture
def no_aws_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No region, credentials, profile or instance metadata: botocore fails before sending anything."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # Should anything be sent after all, it goes to a closed loopback port, never to AWS.
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", "http://127.0.0.1:9")
    # boto3's default session caches the credentials an earlier test set.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    return monkeypatch


@pytest.mark.parametrize(
    ("argv", "code", "expected"),
    [
        (
            [HPO, "--job", "churn"],
            2,
            f"error: give either a saved response file ({HPO}) or --job churn, not both.",
        ),
        ([], 2, f"error: give a saved describe-auto-ml-job response file ({SAVE}), or --job NAME."),
        (
            [str(FIXTURES)],
            2,
            f"error: {FIXTURES} is a directory: give the file of a saved describe-auto-ml-job response ({SAVE}).",
        ),
        (
            [HPO, "--processing-unit", "TPU"],
            2,
            "error: argument --processing-unit: invalid choice: 'TPU' (choose from 'CPU', 'GPU') "
            "(see python -m autopilot_inference plan --help)",
        ),
        (
            [HPO, "--candidates", HPO],
            2,
            "error: --candidates FILE needs --candidate NAME: the candidate to plan from that listing.",
        ),
        (
            ["--job", "churn", "--candidates", HPO],
            2,
            "error: --candidates FILE is for saved files; with --job the candidate is read live.",
        ),
    ],
)
def test_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str], code: int, expected: str) -> None:
    got_code, out, err = run_cli(capsys, *argv)
    assert (got_code, first_line(err), out) == (code, expected, "")
    assert len(err.splitlines()) == 1


def test_empty_object_is_not_a_job(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "job.json"
    saved.write_text("{}")
    code, _, err = run_cli(capsys, str(saved))
    assert (code, err.strip()) == (
        2,
        f"error: {saved} is not a describe-auto-ml-job response: it has neither AutoMLJobName nor AutoMLJobStatus. "
        f"Save one with `{SAVE}` (or describe-auto-ml-job-v2).",
    )


def test_processing_unit_is_case_insensitive_like_the_construct(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, IMAGE, "--processing-unit", "gpu")
    assert code == 0, err
    assert "pytorch-inference:2.1.0-gpu-py310" in out


def test_v2_image_job_is_not_labelled_ensembling(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, IMAGE)
    assert code == 0
    mode_line = next(line for line in out.splitlines() if line.startswith("Mode:"))
    assert mode_line == "Mode:          not reported by the job (ImageClassification, CPU container set: 1 container)"
    assert "ensembling" not in out


def test_gpu_on_a_tabular_job_warns_like_the_handler_ignores_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, HPO, "--processing-unit", "GPU")
    cpu_code, cpu_out, _ = run_cli(capsys, HPO)
    assert code == 0 and out == cpu_out, "the handler deploys the same containers whatever the unit"
    assert err.strip() == (
        "warning: --processing-unit GPU has no effect: candidate churn-hpo-2026-11sNxh-009-5b1d6ed4 has one container "
        "set (InferenceContainers), which the deployment uses on any instance type. Only image and text "
        "classification (V2) jobs have CPU and GPU sets."
    )


def test_job_errors_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    job = load_fixture("describe_auto_ml_job_hpo_classification.json")
    job.update(AutoMLJobStatus="Failed", AutoMLJobSecondaryStatus="Failed")
    saved = tmp_path / "job.json"
    saved.write_text(json.dumps(job))
    code, _, err = run_cli(capsys, str(saved))
    assert code == 1 and first_line(err).startswith("error: AutoML job churn-hpo-2026-11 is not Completed: its status is Failed")


def test_job_without_boto3_says_what_to_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 raises ImportError
    code, _, err = run_cli(capsys, "--job", "churn")
    assert (code, err.strip()) == (
        2,
        'error: --job reads the job live through boto3, which is not installed: pip install "autopilot-inference[live]". '
        f"Or plan from a saved file: {SAVE}.",
    )


def test_job_without_region(capsys: pytest.CaptureFixture[str], no_aws_setup: pytest.MonkeyPatch) -> None:
    code, _, err = run_cli(capsys, "--job", "churn")
    assert (code, err.strip()) == (
        2,
        "error: --job needs an AWS region: pass --region REGION, or set AWS_REGION (or a region in your AWS profile).",
    )


def test_job_without_credentials(capsys: pytest.CaptureFixture[str], no_aws_setup: pytest.MonkeyPatch) -> None:
    code, _, err = run_cli(capsys, "--job", "churn", "--region", "eu-west-1")
    assert (code, err.strip()) == (
        2,
        "error: --job needs AWS credentials (Unable to locate credentials): configure them (aws configure, "
        "AWS_PROFILE or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables), or plan from a saved file: "
        f"{SAVE}.",
    )


def test_job_with_an_unknown_profile(capsys: pytest.CaptureFixture[str], no_aws_setup: pytest.MonkeyPatch) -> None:
    no_aws_setup.setenv("AWS_PROFILE", "nowhere")
    code, _, err = run_cli(capsys, "--job", "churn", "--region", "eu-west-1")
    assert (code, err.strip()) == (
        2,
        "error: --job: The config profile (nowhere) could not be found. Set AWS_PROFILE to a profile in your AWS "
        "config, or unset it.",
    )


def test_access_denied_is_a_one_line_job_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
    from autopilot_inference.tools import plan

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("sagemaker", region_name="eu-west-1")
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "describe_auto_ml_job", "AccessDeniedException", "User is not authorized", expected_params={"AutoMLJobName": "churn"}
        )
        args = cli.build_parser()[0].parse_args(["plan", "--job", "churn"])
        with pytest.raises(AutopilotDeploymentError) as raised:
            plan.run(args, client_factory=lambda region: client)
    assert str(raised.value) == "reading AutoML job churn: AccessDeniedException: User is not authorized"


def test_piping_into_head_is_quiet() -> None:
    """The reader closes the pipe before the plan is written: no BrokenPipeError traceback."""
    env = {**os.environ, "PYTHONPATH": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "autopilot_inference", "plan", HPO, "--keys", "predicted_label,probability"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO_ROOT, env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # what `head` does once it has its lines
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert err == ""
