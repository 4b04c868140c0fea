"""Deterministic synthesis: the same app gives byte-identical templates and asset hashes, and a
one-value change of the configuration changes exactly one property of one resource.

So a reviewer's diff of ``cdk.out`` (or of ``tests/snapshots``) shows only what changed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.example_app import CloudAssemblyDir, synth_example
from support.paths import REPO_ROOT

STACK = "AutopilotInference-example"

# Runs a checkout's app.py the way `cdk synth` runs it, without the CLI, importing the
# package from that checkout (constructs/autopilot_inference, lambda/ as its _lambda
# subpackage, as pyproject.toml maps them) rather than from the development install.
COPY_SYNTH = textwrap.dedent(
    """
    import importlib.util, json, runpy, sys
    from pathlib import Path

    root, outdir = Path(sys.argv[1]), sys.argv[2]

    def load(name, directory):
        spec = importlib.util.spec_from_file_location(
            name, directory / "__init__.py", submodule_search_locations=[str(directory)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        return spec, module

    package_spec, package = load("autopilot_inference", root / "constructs" / "autopilot_inference")
    lambda_spec, lambda_package = load("autopilot_inference._lambda", root / "lambda")
    lambda_spec.loader.exec_module(lambda_package)
    package._lambda = lambda_package
    package_spec.loader.exec_module(package)

    import aws_cdk
    real_app = aws_cdk.App
    context = json.loads((root / "cdk.json").read_text())["context"]
    aws_cdk.App = lambda *args, **kwargs: real_app(context=context, outdir=outdir)
    sys.path.insert(0, str(root))  # what `python3 app.py` does: the app's folder first (its examples package)
    runpy.run_path(str(root / "app.py"), run_name="__main__")
    from examples.app import config as app_config
    print(json.dumps({"app_config": app_config.__file__, "lambda": lambda_package.__file__}))
    """
)
CHECKOUT_PARTS = ("app.py", "cdk.json", "constructs", "lambda", "examples")


def tracked_files() -> Iterator[str]:
    """The files a clean clone has (tracked and new, nothing ignored) under the app's parts."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", *CHECKOUT_PARTS],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    for name in filter(None, listed.stdout.split("\0")):
        if (REPO_ROOT / name).is_file():
            yield name


def copy_app(destination: Path) -> Path:
    for name in tracked_files():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / name, target)  # new timestamps and inodes: hashes must not depend on them
    return destination


def assert_same_synthesis(first: CloudAssemblyDir, second: CloudAssemblyDir) -> None:
    assert list(first.stacks()) == list(second.stacks())
    for stack in first.stacks():
        assert first.template_text(stack) == second.template_text(stack), f"{stack} differs"
        asset_manifest = f"{stack}.assets.json"
        assert (first.outdir / asset_manifest).read_bytes() == (second.outdir / asset_manifest).read_bytes()
    assert first.asset_directories() == second.asset_directories()
    assert len(first.asset_directories()) == 2  # the handler and the provider framework


def test_in_process_synthesis_is_byte_identical(example_default: CloudAssemblyDir, tmp_path: Path) -> None:
    # Again, and without cdk-nag: the checks and their acknowledgements leave templates alone.
    again = synth_example(tmp_path / "cdk.out")
    assert again.error is None and example_default.error is None
    report = again.validation_report() or {"pluginReports": []}
    assert "AwsSolutions" not in {plugin["pluginName"] for plugin in report["pluginReports"]}
    assert_same_synthesis(example_default, again)


def test_a_copy_at_another_path_synthesizes_the_same_bytes(example_default: CloudAssemblyDir, tmp_path: Path) -> None:
    checkout = copy_app(tmp_path / "elsewhere" / "checkout")
    script = tmp_path / "copy_synth.py"
    script.write_text(COPY_SYNTH)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CDK_CONTEXT_JSON", "CDK_OUTDIR")}
    env.pop("AUTOPILOT_INFERENCE_CONFIG", None)
    env.update(PYTHONDONTWRITEBYTECODE="1", JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
               JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1")
    outdir = tmp_path / "cdk.out"
    result = subprocess.run(
        [sys.executable, str(script), str(checkout), str(outdir)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    imported = json.loads(result.stdout.splitlines()[-1])
    for location in imported.values():  # the copy's code, not the development install's
        assert Path(location).resolve().is_relative_to(checkout.resolve()), imported
    assert_same_synthesis(example_default, CloudAssemblyDir(outdir))


def differences(old: Any, new: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths where two templates differ: mappings key by key, anything else as a whole."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            if key not in old or key not in new:
                yield (*path, key)
            else:
                yield from differences(old[key], new[key], (*path, key))
    elif old != new:
        yield path


def test_changing_the_response_keys_changes_one_property_and_the_jobs_wait_condition(
    example_default: CloudAssemblyDir, tmp_path: Path
) -> None:
    from examples.app.config import DEFAULT_CONFIG

    config = json.loads(json.dumps(DEFAULT_CONFIG))
    (environment,) = config["environments"]
    assert environment["inference_response_keys"] == ["predicted_label", "probability"]
    environment["inference_response_keys"] = ["predicted_label", "probabilities", "labels"]
    path = tmp_path / "example.json"
    path.write_text(json.dumps(config))

    changed = synth_example(tmp_path / "cdk.out", config=str(path))
    old, new = example_default.template(STACK), changed.template(STACK)
    (model_id,) = [key for key, value in old["Resources"].items() if value["Type"] == "Custom::AutopilotModel"]
    (job_id,) = [key for key, value in old["Resources"].items() if value["Type"] == "Custom::AutopilotTransformJob"]
    waits = ("AWS::CloudFormation::WaitCondition", "AWS::CloudFormation::WaitConditionHandle")

    def wait_ids(template: dict[str, Any]) -> set[str]:
        return {key for key, value in template["Resources"].items() if value["Type"] in waits}

    # A new model is a new job: its wait condition and handle get new logical ids (CloudFormation never updates
    # one), which the job's WaitHandle and DependsOn name; nothing else changes.
    assert wait_ids(old).isdisjoint(wait_ids(new)) and len(wait_ids(new)) == 2
    assert sorted(path for path in differences(old, new) if path[1] not in wait_ids(old) | wait_ids(new)) == sorted([
        ("Resources", job_id, "DependsOn"),
        ("Resources", job_id, "Properties", "WaitHandle"),
        ("Resources", model_id, "Properties", "InferenceResponseKeys"),
    ])
    assert new["Resources"][model_id]["Properties"]["InferenceResponseKeys"] == [
        "predicted_label", "probabilities", "labels"
    ]
    assert changed.asset_directories() == example_default.asset_directories()
