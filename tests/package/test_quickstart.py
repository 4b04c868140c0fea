"""The README quickstart, run as written: an empty folder, a fresh venv, the files it shows, ``npx cdk synth``.

Two lines differ from what a user runs, for a test that must not depend on a published
package or download the CDK command line each time: the ``pip install /path/to/...``
placeholder becomes a wheel built from this checkout, and ``npm install aws-cdk@<version>``
(its version checked against ``package.json``) becomes a link to the repository's
``node_modules``. pip installs the same versions as the development environment
(``PIP_CONSTRAINT``), from its cache.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from support.checkout import copy_checkout
from support.paths import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text()
PLACEHOLDER = "/path/to/autopilot-inference"


def quickstart() -> str:
    start = README.index("## Quickstart\n")
    end = README.index("\n## ", start + 1)
    return README[start:end]


def blocks(text: str) -> list[tuple[str, str, str]]:
    """(marker comment, language, code) of every fenced block, the marker being the comment just above it."""
    found = []
    for match in re.finditer(r"(?:<!-- (?P<marker>[^>]*?) -->\n)?```(?P<lang>\w*)\n(?P<code>.*?)```", text, re.DOTALL):
        found.append((match.group("marker") or "", match.group("lang"), match.group("code")))
    return found


def quickstart_script(wheel: Path) -> tuple[str, str]:
    """The bash script the quickstart amounts to, and the name of the folder it creates."""
    marked = [block for block in blocks(quickstart()) if block[0].startswith("quickstart")]
    setup = next(code for marker, lang, code in marked if marker.startswith("quickstart:") and lang == "bash")
    files = [(marker.split(":", 1)[1].strip(), code) for marker, _, code in marked if marker.startswith("quickstart file:")]
    synth = next(code for marker, lang, code in marked if marker == "quickstart synth")
    assert [name for name, _ in files] == ["cdk.json", "app.py"]

    assert setup.count(PLACEHOLDER) == 1
    setup = setup.replace(PLACEHOLDER, str(wheel))
    pinned = json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"]["aws-cdk"]
    npm = re.search(r"^npm install aws-cdk@(\S+).*$", setup, re.MULTILINE)
    assert npm and npm.group(1) == pinned, "the quickstart's CDK CLI version must be the one package.json pins"
    setup = setup.replace(npm.group(0), f"ln -s {REPO_ROOT / 'node_modules'} node_modules")
    folder = re.search(r"^mkdir (\S+)", setup, re.MULTILINE)
    assert folder

    written = "".join(f"cat > {name} <<'QUICKSTART_EOF'\n{code}QUICKSTART_EOF\n" for name, code in files)
    return f"set -euo pipefail\n{setup}\n{written}\n{synth}", folder.group(1)


@pytest.mark.slow
def test_quickstart_runs_as_written(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    # The developer's PATH without this repository's venv and node_modules (make test puts them first).
    env["PATH"] = os.pathsep.join(
        entry for entry in env.get("PATH", "").split(os.pathsep) if not Path(entry).resolve().is_relative_to(REPO_ROOT)
    )
    env.update(
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        CDK_DISABLE_VERSION_CHECK="1",
        CDK_DISABLE_CLI_TELEMETRY="true",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_QUIET="1",
        PIP_NO_COMPILE="1",  # no bytecode for aws-cdk-lib's thousands of modules (CPU the other tests can use)
    )
    dist = tmp_path / "dist"
    checkout = copy_checkout(tmp_path / "checkout")  # building in place would leave build/ in the repository
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(checkout)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("autopilot_inference-*.whl")
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"], capture_output=True, text=True, check=True
    ).stdout
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(line for line in frozen.splitlines() if line and not line.startswith(("#", "-e"))))
    env["PIP_CONSTRAINT"] = str(constraints)

    script, folder = quickstart_script(wheel)
    workdir = tmp_path / "empty"
    workdir.mkdir()
    result = subprocess.run(["bash", "-c", script], cwd=workdir, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"

    # The README's explanation quotes the CLI's note for this very app.
    # (The CLI does not always print the note, e.g. it was missing in one CI run; when it does, the
    # count must be the one the README quotes.)
    quoted = re.search(r"\((\d+) for the quickstart, which", README)
    assert quoted
    noted = re.search(r"(\d+) feature flags are not configured", result.stdout + result.stderr)
    assert noted is None or noted.group(1) == quoted.group(1), noted and noted.group(0)
    app_dir = workdir / folder
    assert sorted(p.name for p in app_dir.iterdir()) == [".venv", "app.py", "cdk.json", "cdk.out", "node_modules"]
    template = json.loads((app_dir / "cdk.out" / "ChurnScoring.template.json").read_text())
    types = sorted(resource["Type"] for resource in template["Resources"].values())
    assert types.count("Custom::AutopilotModel") == 1 and types.count("Custom::AutopilotTransformJob") == 1
    (transform_id,) = [key for key, value in template["Resources"].items() if value["Type"] == "Custom::AutopilotTransformJob"]
    assert template["Outputs"]["TransformJobName"]["Value"] == {"Fn::GetAtt": [transform_id, "TransformJobName"]}
    # The app ran with the venv's package, not this checkout's sources.
    located = subprocess.run(
        [str(app_dir / ".venv" / "bin" / "python"), "-c", "import autopilot_inference; print(autopilot_inference.__file__)"],
        capture_output=True, text=True, cwd=app_dir, env=env, check=True,
    ).stdout
    assert "site-packages" in Path(located.strip()).parts
