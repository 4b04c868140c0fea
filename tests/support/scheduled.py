"""An AutopilotScheduledTransform with the defaults the scheduled-transform tests share."""

from __future__ import annotations

from typing import Any

from autopilot_inference import AutopilotModel, AutopilotScheduledTransform

from .stacks import BUCKET, JOB, OUTPUT_URI

INPUT_TEMPLATE = f"s3://{BUCKET}/incoming/{{date}}/"
OUTPUT_TEMPLATE = f"s3://{BUCKET}/scored/year={{year}}/month={{month}}/day={{day}}/{{job_name}}/"


def model_in(stack: Any, **kwargs: Any) -> AutopilotModel:
    return AutopilotModel(stack, "Model", automl_job_name=JOB, automl_output_s3_uri=OUTPUT_URI, **kwargs)


def scheduled(stack: Any, model: AutopilotModel | None = None, id: str = "Nightly", **kwargs: Any) -> AutopilotScheduledTransform:
    kwargs.setdefault("schedule", "cron(0 2 * * ? *)")
    kwargs.setdefault("input_s3_uri", INPUT_TEMPLATE)
    kwargs.setdefault("output_s3_uri", OUTPUT_TEMPLATE)
    return AutopilotScheduledTransform(stack, id, model=model or model_in(stack), **kwargs)
