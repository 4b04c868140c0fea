"""checkov (``checkov -d <dir> --framework cloudformation``) on the synthesized templates.

Every failed check must be one of the documented acknowledgements of
``support.checkov.CHECKOV_ACKNOWLEDGEMENTS`` (check id, resources, reason), and each
acknowledgement must still be needed. checkov runs from its own virtual environment
(``make checkov``), offline (``--skip-download``, no platform mapping).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support.checkov import CHECKOV_ACKNOWLEDGEMENTS, checkov_acknowledgement
from support.example_app import CloudAssemblyDir
from support.paths import REPO_ROOT
from support.stacks import checked_synth

CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"


def library_stacks(outdir: Path) -> CloudAssemblyDir:
    """Stacks with every option that adds resources: VPC, KMS keys, a given role, a cross-stack transform,
    an endpoint with data capture, the provider's log groups with a key."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_kms as kms

    from autopilot_inference import (
        AutopilotBatchTransform,
        AutopilotInferenceProvider,
        AutopilotModel,
        EndpointDataCapture,
    )

    app = App(outdir=str(outdir))
    stack = Stack(app, "CheckovOptions")
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    AutopilotInferenceProvider.configure(stack, log_encryption_key=key)
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-0123456789abcdef0", availability_zones=["eu-west-1a", "eu-west-1b"],
        private_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )
    role = iam.Role(stack, "GivenRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    model = AutopilotModel(
        stack, "VpcModel", automl_job_name="churn-job", candidate_name="churn-job-003", role=role, vpc=vpc,
        network_isolation=True, kms_key=key,
    )
    model.add_endpoint(
        "Endpoint", kms_key=key,
        data_capture=EndpointDataCapture(destination_s3_uri="s3://amzn-s3-demo-bucket/capture", kms_key=key),
    )
    AutopilotBatchTransform(
        stack, "Transform", model=model, input_s3_uri="s3://amzn-s3-demo-bucket/in", output_s3_uri="s3://amzn-s3-demo-bucket/out",
        output_kms_key=key, volume_kms_key=key,
    )
    scoring = Stack(app, "CheckovScoring")
    AutopilotBatchTransform(
        scoring, "Nightly", model=model, input_s3_uri="s3://amzn-s3-demo-bucket/in", output_s3_uri="s3://amzn-s3-demo-bucket/nightly",
    )
    checked_synth(app)
    return CloudAssemblyDir(outdir)


def failed_checks(directory: Path) -> list[dict[str, Any]]:
    if not CHECKOV.is_file():
        pytest.fail(f"checkov is not installed at {CHECKOV}: run `make checkov` (make test does).")
    result = subprocess.run(
        [str(CHECKOV), "-d", str(directory), "--framework", "cloudformation", "-o", "json", "--quiet", "--compact",
         "--skip-download"],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_NO_OUTPUT_COLORS": "1"},
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    return [check for report in reports for check in report["results"]["failed_checks"]]


@pytest.fixture(scope="module")
def checked(example_default: CloudAssemblyDir, example_environments: CloudAssemblyDir, tmp_path_factory) -> dict[str, Any]:
    directory = tmp_path_factory.mktemp("checkov-templates")
    options = library_stacks(tmp_path_factory.mktemp("checkov-options") / "cdk.out")
    for assembly in (example_default, example_environments, options):
        for stack, artifact in assembly.stacks().items():
            shutil.copy(assembly.outdir / artifact["properties"]["templateFile"], directory / f"{stack}.template.json")
    return {"failed": failed_checks(directory), "files": sorted(path.name for path in directory.iterdir())}


def test_every_failed_check_is_acknowledged(checked) -> None:
    assert "CheckovOptions.template.json" in checked["files"] and "AutopilotInference-prod.template.json" in checked["files"]
    open_checks = [
        (check["check_id"], check["resource"], check["file_path"], check["check_name"])
        for check in checked["failed"]
        if checkov_acknowledgement(check["check_id"], check["resource"]) is None
    ]
    assert open_checks == []


def test_every_acknowledgement_is_still_needed_and_explained(checked) -> None:
    used = {checkov_acknowledgement(check["check_id"], check["resource"]) for check in checked["failed"]}
    for entry in CHECKOV_ACKNOWLEDGEMENTS:
        assert entry in used, f"{entry.check_id} no longer fails: remove its acknowledgement"
        assert len(entry.reason) > 80


def test_a_log_key_clears_the_log_group_finding(checked) -> None:
    log_findings = {check["file_path"].lstrip("/") for check in checked["failed"] if check["check_id"] == "CKV_AWS_158"}
    assert "AutopilotInference-example.template.json" in log_findings
    assert "CheckovOptions.template.json" not in log_findings
