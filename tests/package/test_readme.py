"""The README stays true: prop tables match the constructs, the quickstart synthesizes, the key table matches the engine."""

from __future__ import annotations

import inspect
import re

import pytest
from support.paths import REPO_ROOT, best_containers
from support.stacks import checked_synth

from autopilot_inference import (
    AutopilotBatchTransform,
    AutopilotEndpoint,
    AutopilotModel,
    AutopilotModelPackage,
    AutopilotScheduledTransform,
    apply_inference_response_keys,
)
from autopilot_inference._lambda.autopilot_runtime.response_keys import INPUT_VARIABLE, OUTPUT_VARIABLE

README = (REPO_ROOT / "README.md").read_text()


def section(heading: str) -> str:
    """The README text from ``heading`` up to the next heading of the same or a higher level."""
    start = README.index(heading)
    level = len(heading) - len(heading.lstrip("#"))
    following = re.compile(rf"^#{{1,{level}}} ", re.MULTILINE)
    match = following.search(README, start + len(heading))
    return README[start : match.start() if match else len(README)]


def table_props(text: str) -> list[str]:
    """The first column of a props table: ``| `name` | ...``."""
    return re.findall(r"^\| `([a-z0-9_]+)` \|", text, re.MULTILINE)


def keyword_props(cls: type) -> list[str]:
    parameters = inspect.signature(cls).parameters.values()
    return [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]


@pytest.mark.parametrize(
    ("heading", "cls"),
    [
        ("### `AutopilotModel(", AutopilotModel),
        ("### `AutopilotBatchTransform(", AutopilotBatchTransform),
        ("### `AutopilotScheduledTransform(", AutopilotScheduledTransform),
        ("### `AutopilotEndpoint(", AutopilotEndpoint),
        ("### `AutopilotModelPackage(", AutopilotModelPackage),
    ],
)
def test_props_table_lists_every_prop_in_order(heading: str, cls: type) -> None:
    assert table_props(section(heading)) == keyword_props(cls)


def test_props_table_defaults_match_the_signatures() -> None:
    """Literal defaults in the tables are the signatures' defaults."""
    for heading, cls in (
        ("### `AutopilotModel(", AutopilotModel),
        ("### `AutopilotBatchTransform(", AutopilotBatchTransform),
        ("### `AutopilotScheduledTransform(", AutopilotScheduledTransform),
        ("### `AutopilotEndpoint(", AutopilotEndpoint),
        ("### `AutopilotModelPackage(", AutopilotModelPackage),
    ):
        rows = dict(re.findall(r"^\| `([a-z0-9_]+)` \| ([^|]+) \|", section(heading), re.MULTILINE))
        for name, parameter in inspect.signature(cls).parameters.items():
            default = parameter.default
            if isinstance(default, (str, int, bool)) and not isinstance(default, type(None)):
                assert rows[name].strip() == f"`{default}`", (cls.__name__, name)


def test_quickstart_synthesizes() -> None:
    block = README.split("<!-- quickstart", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    exec(compile(block, "README quickstart", "exec"), namespace)  # noqa: S102 - our own README
    stack = namespace["stack"]
    template = checked_synth(namespace["app"]).get_stack_by_name(stack.stack_name).template
    types = sorted(resource["Type"] for resource in template["Resources"].values())
    assert types.count("Custom::AutopilotModel") == 1
    assert types.count("Custom::AutopilotTransformJob") == 1
    model = next(r for r in template["Resources"].values() if r["Type"] == "Custom::AutopilotModel")
    assert model["Properties"]["InferenceResponseKeys"] == ["predicted_label", "probability"]
    assert {"Key": "project", "Value": "customer-churn"} in model["Properties"]["Tags"]


@pytest.mark.parametrize("keys", ["predicted_label, probability", "predicted_label, probabilities, labels"])
def test_response_key_table_is_what_the_engine_does(keys: str) -> None:
    containers = apply_inference_response_keys(
        best_containers("describe_auto_ml_job_hpo_classification.json"), keys
    )
    algorithm, inverse = containers[1]["Environment"], containers[2]["Environment"]
    row = (
        f"| `{keys}` | `OUTPUT={algorithm[OUTPUT_VARIABLE]}` | "
        f"`INPUT={inverse[INPUT_VARIABLE]}`, `OUTPUT={inverse[OUTPUT_VARIABLE]}` |"
    )
    assert row in README


def test_the_registry_walkthrough_synthesizes(tmp_path) -> None:
    """The two-account example of "Model registry and promotion", as written."""
    text = section("## Model registry and promotion")
    code = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert code is not None
    namespace: dict[str, object] = {}
    exec(compile(code.group(1).replace("app = App()", f"app = App(outdir={str(tmp_path)!r})"), "README", "exec"), namespace)
    assembly = checked_synth(namespace["app"])
    assert {stack.stack_name for stack in assembly.stacks} == {"ChurnDev", "ChurnProd"}


def test_the_two_commands_come_first() -> None:
    head = README.split("## ", 1)[0]
    assert "make synth" in head and "make test" in head
