"""``add_nag_checks(app)``: cdk-nag 3's AwsSolutions pack in a user's own app, as the README shows it."""

from __future__ import annotations

from pathlib import Path

import cdk_nag
import pytest
from aws_cdk import App, Aspects, Stack
from aws_cdk import aws_s3 as s3
from support.nag import PLUGIN, hide_cdk_nag, nag_outcome, synth_app
from support.stacks import INPUT_URI, JOB, OUTPUT_URI, RESULT_URI, checked_synth

from autopilot_inference import AutopilotBatchTransform, AutopilotModel, add_nag_checks
from autopilot_inference.compliance.nag import NagNotInstalledError


def user_app(outdir: Path) -> App:
    app = App(outdir=str(outdir))
    stack = Stack(app, "UserStack")
    model = AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI)
    AutopilotBatchTransform(stack, "Transform", model=model, input_s3_uri=INPUT_URI, output_s3_uri=RESULT_URI)
    return app


def test_library_resources_pass_in_a_user_app(tmp_path: Path) -> None:
    app = user_app(tmp_path / "cdk.out")
    checks = add_nag_checks(app)
    assert isinstance(checks, cdk_nag.AwsSolutionsChecks) and checks.name == PLUGIN
    outcome = nag_outcome(synth_app(app))
    assert outcome.open == [] and outcome.error is None
    assert outcome.acknowledged, "the library's acknowledged findings are listed with their reasons"


def test_the_checks_run_on_the_users_own_resources(tmp_path: Path) -> None:
    app = user_app(tmp_path / "cdk.out")
    s3.Bucket(Stack(app, "Data"), "Plain")
    add_nag_checks(app)
    outcome = nag_outcome(synth_app(app))
    assert set(outcome.open) == {("AwsSolutions-S1", "Data/Plain/Resource"), ("AwsSolutions-S10", "Data/Plain/Resource")}
    assert outcome.error is not None and "ValidationFailed" in outcome.error


def test_without_cdk_nag_the_message_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_cdk_nag(monkeypatch)
    with pytest.raises(NagNotInstalledError) as raised:
        add_nag_checks(App())
    assert str(raised.value) == 'add_nag_checks needs cdk-nag 3.x, which is not installed: pip install "autopilot-inference[nag]"'


def test_the_2x_habit_fails_as_the_troubleshooting_entry_says(tmp_path: Path) -> None:
    """``Aspects.of(app).add(AwsSolutionsChecks())`` (cdk-nag 2.x) with cdk-nag 3: the README's error text."""
    app = user_app(tmp_path / "cdk.out")
    Aspects.of(app).add(cdk_nag.AwsSolutionsChecks())
    with pytest.raises(RuntimeError, match=r"aspect\.visit is not a function"):
        checked_synth(app)


def test_readme_shows_the_helper_and_the_plain_call() -> None:
    from support.paths import REPO_ROOT

    readme = (REPO_ROOT / "README.md").read_text()
    assert "add_nag_checks(app)" in readme
    assert "Validations.of(app).add_plugins(AwsSolutionsChecks(app))" in readme
    assert "aspect.visit is not a function" in readme
