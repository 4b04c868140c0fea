"""Packaging: `pip install .` gives a library whose Lambda asset is the handler code only,
with the same asset hash from any checkout path or installation; and the repository's
``constructs/`` folder never shadows the ``constructs`` library."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest
from support.checkout import copy_checkout
from support.paths import REPO_ROOT

DEV_PYTHON = Path(sys.executable)

# Synthesizes one model + transform job from cwd (outside any checkout) and prints, as JSON,
# where autopilot_inference came from and the directories of the assets holding the handler.
# With AUTOPILOT_SOURCE_ROOT set, the package is imported from that checkout the way
# pyproject.toml maps it (constructs/autopilot_inference, lambda/ as its _lambda subpackage),
# which is what an editable install of that checkout does.
SYNTH_SCRIPT = textwrap.dedent(
    """
    import importlib.util, json, os, sys
    from pathlib import Path

    root = os.environ.get("AUTOPILOT_SOURCE_ROOT")
    if root:
        def load(name, directory):
            spec = importlib.util.spec_from_file_location(
                name, Path(directory) / "__init__.py", submodule_search_locations=[str(directory)])
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            return spec, module
        package_spec, package = load("autopilot_inference", Path(root) / "constructs" / "autopilot_inference")
        lambda_spec, lambda_package = load("autopilot_inference._lambda", Path(root) / "lambda")
        lambda_spec.loader.exec_module(lambda_package)
        package._lambda = lambda_package
        package_spec.loader.exec_module(package)

    import aws_cdk as cdk
    import autopilot_inference
    from autopilot_inference import AutopilotBatchTransform, AutopilotModel

    outdir = Path(sys.argv[1])
    app = cdk.App(outdir=str(outdir))
    stack = cdk.Stack(app, "PackageCheck")
    model = AutopilotModel(stack, "Model", automl_job_name="package-check-job",
                           inference_response_keys=["predicted_label", "probability"],
                           automl_output_s3_uri="s3://amzn-s3-demo-bucket/autopilot/output/")
    AutopilotBatchTransform(stack, "Transform", model=model,
                            input_s3_uri="s3://amzn-s3-demo-bucket/in/",
                            output_s3_uri="s3://amzn-s3-demo-bucket/out/")
    app.synth()
    assets = sorted(p.name for p in outdir.glob("asset.*")
                    if p.is_dir() and (p / "autopilot_runtime" / "handler.py").is_file())
    print(json.dumps({"package": autopilot_inference.__file__,
                      "model_module": sys.modules[AutopilotModel.__module__].__file__,
                      "lambda_package": sys.modules["autopilot_inference._lambda"].__file__,
                      "assets": assets}))
    """
)


LAMBDA_DIR = "import os, autopilot_inference._lambda as m; print(os.path.dirname(m.__file__))"


def run(command: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: int = 300) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(
        JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        PYTHONDONTWRITEBYTECODE="1",
        **extra,
    )
    return env


def synth_assets(python: Path, cwd: Path, outdir: Path, source_root: Path | None = None) -> dict[str, object]:
    cwd.mkdir(parents=True, exist_ok=True)
    script = cwd / "synth_check.py"
    script.write_text(SYNTH_SCRIPT)
    env = clean_env(**({"AUTOPILOT_SOURCE_ROOT": str(source_root)} if source_root else {}))
    return json.loads(run([str(python), str(script), str(outdir)], cwd=cwd, env=env).splitlines()[-1])


def files_under(directory: Path) -> set[str]:
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


def changed_sources(copy: Path) -> list[str]:
    """Python files under lambda/ that differ between the repository and ``copy`` (edited meanwhile?)."""
    names = {f for f in files_under(REPO_ROOT / "lambda") | files_under(copy / "lambda") if f.endswith(".py")}
    def read(root: Path, name: str) -> bytes | None:
        path = root / "lambda" / name
        return path.read_bytes() if path.is_file() else None
    return sorted(name for name in names if read(REPO_ROOT, name) != read(copy, name))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A wheel built from a copy of the checkout, installed into a fresh venv with the pinned CDK."""
    base = tmp_path_factory.mktemp("package")
    checkout = copy_checkout(base / "elsewhere" / "checkout")
    dist = base / "dist"
    run([str(DEV_PYTHON), "-m", "build", "--wheel", "--outdir", str(dist), str(checkout)], cwd=base, env=clean_env(), timeout=600)
    (wheel,) = dist.glob("autopilot_inference-*.whl")
    # A checkout that has run tests holds bytecode caches; the asset must leave them out.
    run([str(DEV_PYTHON), "-m", "compileall", "-q", str(checkout / "lambda")], cwd=base, env=clean_env())
    assert list((checkout / "lambda").rglob("*.pyc"))

    venv_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(venv_dir)
    python = venv_dir / "bin" / "python"
    # The same versions as the development venv, so the installed wheel is all that differs.
    frozen = run([str(DEV_PYTHON), "-m", "pip", "freeze", "--exclude-editable"], cwd=base, env=clean_env())
    constraints = base / "constraints.txt"
    constraints.write_text("\n".join(line for line in frozen.splitlines() if line and not line.startswith(("#", "-e"))))
    run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--constraint", str(constraints), str(wheel), "aws-cdk-lib", "constructs"],
        cwd=base, env=clean_env(), timeout=600,
    )
    site_lambda = Path(run([str(python), "-c", LAMBDA_DIR], cwd=base, env=clean_env()).strip())
    run([str(python), "-m", "compileall", "-q", str(site_lambda)], cwd=base, env=clean_env())
    assert list(site_lambda.rglob("*.pyc"))
    return {"base": base, "checkout": checkout, "wheel": wheel, "python": python}


@pytest.mark.slow
def test_wheel_holds_the_package_and_handler_only(installed: dict[str, Path]) -> None:
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    assert "autopilot_inference/_lambda/autopilot_runtime/handler.py" in names
    assert "autopilot_inference/__init__.py" in names
    assert "autopilot_inference/py.typed" in names, "PEP 561 marker: editors and type checkers read the annotations"
    assert "autopilot_inference/tools/diff.schema.json" in names, "the documented schema of `diff --format json`"
    assert not [n for n in names if n.startswith(("tests/", "constructs/", "lambda/", "examples/")) or "/tests/" in n]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def example_app_names() -> dict[str, set[str]]:
    """Module file name -> the public names (``__all__``) of each module of the example app (``examples/app``)."""
    names = {}
    for path in sorted((REPO_ROOT / "examples" / "app").glob("*.py")):
        exported: set[str] = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
                exported = set(ast.literal_eval(node.value))
        names[path.name] = exported
    return names


@pytest.mark.slow
def test_wheel_holds_no_example_app_code(installed: dict[str, Path]) -> None:
    example = example_app_names()
    assert {"config.py", "stack.py"} <= set(example) and example["stack.py"] and example["config.py"]
    wheel = zipfile.ZipFile(installed["wheel"])
    sources = {name: wheel.read(name).decode() for name in wheel.namelist() if name.endswith(".py")}
    modules = {name.rsplit("/", 1)[-1] for name in sources}
    assert not modules & {"app_config.py", "stack.py", "app.py"}, sorted(sources)
    assert not [n for n in wheel.namelist() if n.endswith((".yaml", ".yml"))]
    # Nothing in the wheel defines what the example app defines, nor imports it.
    example_names = set().union(*example.values())
    for name, text in sources.items():
        tree = ast.parse(text)
        defined = {
            node.name for node in tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        } | {
            target.id for node in tree.body if isinstance(node, ast.Assign)
            for target in node.targets if isinstance(target, ast.Name)
        }
        assert not (defined - {"__all__"}) & example_names, (name, sorted(defined & example_names))
        imported = {
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        } | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert not [module for module in imported if module.split(".")[0] == "examples"], name


@pytest.mark.slow
def test_wheel_holds_no_test_only_lists(installed: dict[str, Path]) -> None:
    """What only the tests read (checkov's acknowledged findings) is not shipped to users."""
    support = ast.parse((REPO_ROOT / "tests" / "support" / "checkov.py").read_text())
    test_only = {node.name for node in support.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))} | {
        target.id for node in support.body if isinstance(node, (ast.Assign, ast.AnnAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(target, ast.Name)
    }
    assert {"CHECKOV_ACKNOWLEDGEMENTS", "checkov_acknowledgement"} <= test_only
    wheel = zipfile.ZipFile(installed["wheel"])
    shipped = [
        (name, word) for name in wheel.namelist() if name.endswith(".py")
        for word in sorted(test_only - {"__all__"}) if word in wheel.read(name).decode()
    ]
    assert shipped == []


@pytest.mark.slow
def test_installed_asset_is_handler_code_only_and_hash_is_path_independent(installed: dict[str, Path]) -> None:
    base = installed["base"]
    from_wheel = synth_assets(installed["python"], base / "outside-wheel", base / "out-wheel")
    from_repo = synth_assets(DEV_PYTHON, base / "outside-repo", base / "out-repo")  # the editable install
    from_copy = synth_assets(DEV_PYTHON, base / "outside-copy", base / "out-copy", source_root=installed["checkout"])

    # Each run imported the package, its construct modules and its asset from where it should.
    for result, root in ((from_wheel, base / "venv"), (from_repo, REPO_ROOT), (from_copy, installed["checkout"])):
        for key in ("package", "model_module", "lambda_package"):
            assert Path(str(result[key])).resolve().is_relative_to(root.resolve()), (key, result)
    assert "site-packages" in Path(str(from_wheel["lambda_package"])).parts

    assert len(from_wheel["assets"]) == 1, from_wheel  # type: ignore[arg-type]
    (asset,) = from_wheel["assets"]  # type: ignore[misc]
    files = files_under(base / "out-wheel" / str(asset))
    assert "autopilot_runtime/handler.py" in files and "autopilot_runtime/__init__.py" in files
    assert not [f for f in files if "__pycache__" in f or f.endswith((".pyc", ".pyo"))], files
    assert not [f for f in files if f.startswith("tests/") or "/tests/" in f or f.rsplit("/", 1)[-1].startswith("test_")], files
    # Exactly the Python sources a clean checkout has under lambda/: nothing more, nothing less.
    assert files == {f for f in files_under(installed["checkout"] / "lambda") if f.endswith(".py")}

    assert from_repo["assets"] == from_wheel["assets"], (
        "asset hash differs between the checkout and the installed wheel; "
        f"files that differ from the copy taken at the start: {changed_sources(installed['checkout'])}"
    )
    assert from_copy["assets"] == from_wheel["assets"], "asset hash depends on the checkout path"


@pytest.mark.slow
def test_installed_constructs_is_the_library_even_from_a_checkout(installed: dict[str, Path]) -> None:
    code = "import constructs; print(constructs.__file__); from constructs import Construct"
    out = run([str(installed["python"]), "-c", code], cwd=installed["checkout"], env=clean_env())
    assert "site-packages" in Path(out.strip()).parts


def test_constructs_folder_never_shadows_the_library() -> None:
    assert not (REPO_ROOT / "constructs" / "__init__.py").exists(), "constructs/__init__.py would shadow the library"
    code = "import constructs; print(constructs.__file__); from constructs import Construct"
    out = run([str(DEV_PYTHON), "-c", code], cwd=REPO_ROOT, env=clean_env())
    location = Path(out.strip()).resolve()
    assert "site-packages" in location.parts
    assert not location.is_relative_to(REPO_ROOT / "constructs")
