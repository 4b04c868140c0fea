"""The README's serving examples synthesize, and make what the text says."""

from __future__ import annotations

from typing import Any

from support.paths import REPO_ROOT
from support.stacks import checked_template

README = (REPO_ROOT / "README.md").read_text()
SECTION = README.split("## Real-time serving", 1)[1].split("\n## ", 1)[0]


def python_blocks(text: str) -> list[str]:
    return [block.split("```", 1)[0] for block in text.split("```python\n")[1:]]


def test_serving_examples_synthesize() -> None:
    main, step_functions, alpha = python_blocks(SECTION)
    assert "<!-- serving: tests/package/test_readme_serving.py" in SECTION.split("```python", 1)[0]
    assert main.rstrip().endswith("app.synth()")
    main = main.rstrip().removesuffix("app.synth()")  # synthesized below, after the other examples
    namespace: dict[str, Any] = {}
    for block, name in ((main, "serving"), (step_functions, "step functions"), (alpha, "alpha")):
        exec(compile(block, f"README {name} example", "exec"), namespace)  # noqa: S102 - our own README
    template = checked_template(namespace["stack"])
    template.resource_count_is("AWS::SageMaker::Endpoint", 2)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 1)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {"TargetTrackingScalingPolicyConfiguration": {
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
            "TargetValue": 600,
        }},
    )
    endpoint = namespace["endpoint"]
    rendered = template.to_json()["Resources"]
    props = rendered[namespace["stack"].resolve(endpoint.endpoint.logical_id)]["Properties"]
    assert props["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"] == "CANARY"
    assert len(props["DeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]) == 3  # 5xx, latency, cpu
    assert props["RetainAllVariantProperties"] is True
    configs = [r for r in rendered.values() if r["Type"] == "AWS::SageMaker::EndpointConfig"]
    assert any("ServerlessConfig" in c["Properties"]["ProductionVariants"][0] for c in configs)
    assert len(configs) == 3  # the two endpoints' and the alpha EndpointConfig
