"""What the model reads and answers, checked before a transform job starts.

The model's Data tells ``InputContentTypes``/``AcceptTypes``; the transform resource carries
them as ``ModelInputContentTypes``/``ModelAcceptTypes`` and the handler refuses a
``ContentType``/``Accept`` outside them before ``CreateTransformJob``. The Stubber checks every
request against botocore's model of the SageMaker API: a property CreateTransformJob does not
have (the two model facts) could not be sent.
"""

from __future__ import annotations

from typing import Any

import pytest
from support.cloudformation import GetAtt
from support.handler import StubbedAws, aws, fake_aws_environment, response  # noqa: F401  (fixtures)
from support.lifecycle_world import JOB_PROPS, World, reasons, template, world  # noqa: F401  (fixture)
from support.transform_events import (
    EXPECTED_REQUEST_FIELDS,
    MODEL,
    PROPS,
    create_event,
    described,
    job_arn,
    name_for,
    props,
    stub_create,
    update_event,
)

from autopilot_inference._lambda.autopilot_runtime import media_types
from autopilot_inference._lambda.autopilot_runtime.candidates import job_problem_type
from autopilot_inference._lambda.autopilot_runtime.errors import AutopilotDeploymentError
from autopilot_inference._lambda.autopilot_runtime.properties import PropertyError, TransformJobProperties

# What a tabular Autopilot model's Data says (autopilot facts: the inverse label transform reads only
# text/csv and answers text/csv, application/json or application/jsonlines).
TABULAR_FACTS = {
    "ModelInputContentTypes": "text/csv",
    "ModelAcceptTypes": "text/csv,application/json,application/jsonlines",
}


def with_output(properties: dict[str, Any], **output: str) -> dict[str, Any]:
    return {**properties, "TransformOutput": {**properties["TransformOutput"], **output}}


def with_input(properties: dict[str, Any], **input_: str) -> dict[str, Any]:
    return {**properties, "TransformInput": {**properties["TransformInput"], **input_}}


def failure(aws: StubbedAws, event: dict[str, Any]) -> str:
    with pytest.raises(AutopilotDeploymentError) as raised:
        aws.handle(event)
    return str(raised.value)


def test_an_accept_the_model_does_not_answer_is_refused_before_any_call(aws: StubbedAws) -> None:
    properties = with_output(props(**TABULAR_FACTS), Accept="application/x-recordio-protobuf")

    message = failure(aws, create_event(properties))

    assert aws.calls == []  # no ListTransformJobs, no CreateTransformJob: nothing is stopped or started
    assert "accept 'application/x-recordio-protobuf' (TransformOutput.Accept)" in message
    assert f"model {MODEL} answers" in message
    assert "only text/csv, application/json, application/jsonlines" in message
    assert "Set accept of the AutopilotBatchTransform" in message and "No transform job was started" in message


def test_a_content_type_the_model_does_not_read_is_refused_before_any_call(aws: StubbedAws) -> None:
    properties = with_input(props(**TABULAR_FACTS), ContentType="application/json")

    message = failure(aws, create_event(properties))

    assert aws.calls == []
    assert "content_type 'application/json' (TransformInput.ContentType)" in message
    assert f"is not a media type model {MODEL} reads: this Autopilot candidate reads only text/csv." in message
    assert "Set content_type of the AutopilotBatchTransform" in message


@pytest.mark.parametrize("accept", ["application/json", "application/jsonlines", "Text/CSV; charset=utf-8"])
def test_an_accept_the_model_answers_starts_the_job_without_the_model_facts(aws: StubbedAws, accept: str) -> None:
    properties = with_output(props(**TABULAR_FACTS), Accept=accept)
    fields = {**EXPECTED_REQUEST_FIELDS, "TransformOutput": properties["TransformOutput"]}
    name = name_for(with_output(props(), Accept=accept))  # the model facts are not part of the job's configuration
    stub_create(aws, name, fields)  # exactly these fields: ModelInputContentTypes/ModelAcceptTypes are not sent

    result = aws.handle(create_event(properties))

    assert aws.calls == ["ListTransformJobs", "CreateTransformJob"]
    assert result["Data"] == {"TransformJobName": name, "TransformJobArn": job_arn(name)}


def test_a_model_that_reads_unknown_types_constrains_nothing(aws: StubbedAws) -> None:
    """An image classification (V2) model: its Data has empty lists, so any type goes to SageMaker."""
    properties = with_output(
        with_input(props(ModelInputContentTypes="", ModelAcceptTypes=""), ContentType="application/x-image"),
        Accept="application/json",
    )
    name = name_for(with_output(with_input(props(), ContentType="application/x-image"), Accept="application/json"))
    stub_create(
        aws,
        name,
        {
            **EXPECTED_REQUEST_FIELDS,
            "TransformInput": properties["TransformInput"],
            "TransformOutput": properties["TransformOutput"],
        },
    )

    aws.handle(create_event(properties))

    assert aws.calls == ["ListTransformJobs", "CreateTransformJob"]


def test_an_old_resource_without_the_model_facts_is_not_checked(aws: StubbedAws) -> None:
    """A transform resource of an older construct version: no ModelInputContentTypes/ModelAcceptTypes."""
    assert "ModelAcceptTypes" not in PROPS
    properties = with_output(props(), Accept="application/x-recordio-protobuf")
    name = name_for(properties)
    stub_create(aws, name, {**EXPECTED_REQUEST_FIELDS, "TransformOutput": properties["TransformOutput"]})

    aws.handle(create_event(properties))

    assert aws.calls == ["ListTransformJobs", "CreateTransformJob"]


def test_adding_the_model_facts_to_an_old_resource_starts_no_job(aws: StubbedAws) -> None:
    """Upgrading the library adds the two properties: the same job configuration, so no new job."""
    old = props()
    physical_id = name_for(old)
    aws.sagemaker_stub.add_response(
        "describe_transform_job", described(physical_id, "Completed"), {"TransformJobName": physical_id}
    )

    result = aws.handle(update_event(props(**TABULAR_FACTS), old, physical_id, "1e2f0a3b-0000-4000-8000-000000000001"))

    assert aws.calls == ["DescribeTransformJob"]
    assert result["PhysicalResourceId"] == physical_id


def test_a_misspelt_model_fact_property_is_refused() -> None:
    with pytest.raises(PropertyError, match=r"ModelAcceptType \(did you mean ModelAcceptTypes\?\)"):
        TransformJobProperties.parse({**PROPS, "ModelAcceptType": "text/csv"})


# --- the facts themselves ---------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture",
    [
        "describe_auto_ml_job_hpo_classification.json",
        "describe_auto_ml_job_hpo_regression.json",
        "describe_auto_ml_job_ensembling.json",
        "describe_auto_ml_job_v2_tabular.json",
    ],
)
def test_tabular_candidates_read_csv_and_answer_csv_json_jsonlines(fixture: str) -> None:
    job = response(fixture)
    containers = job["BestCandidate"]["InferenceContainers"]

    by_problem_type = media_types.model_media_types(job_problem_type(job), containers)
    by_containers = media_types.model_media_types(None, containers)  # a job that reports no problem type

    for found in (by_problem_type, by_containers):
        assert found.data() == {
            "InputContentTypes": "text/csv",
            "AcceptTypes": "text/csv,application/json,application/jsonlines",
        }


def test_image_candidates_have_no_known_types() -> None:
    job = response("describe_auto_ml_job_v2_image_classification.json")
    containers = job["BestCandidate"]["InferenceContainerDefinitions"]["CPU"]

    assert job_problem_type(job) == "ImageClassification"
    assert media_types.model_media_types("ImageClassification", containers).data() == {
        "InputContentTypes": "",
        "AcceptTypes": "",
    }
    assert media_types.model_media_types(None, containers) == media_types.UNKNOWN


# --- through the provider framework and a stack (in-memory SageMaker) -------------------

FACTS_FROM_MODEL = {
    "ModelInputContentTypes": GetAtt("ChurnModel", "InputContentTypes"),
    "ModelAcceptTypes": GetAtt("ChurnModel", "AcceptTypes"),
}


def test_a_stack_whose_transform_asks_for_an_answer_the_model_cannot_give_starts_no_job(world: World) -> None:
    output = {**JOB_PROPS["TransformOutput"], "Accept": "application/x-recordio-protobuf"}

    status = world.stack.create(template(model={"DataVersion": "2"}, job={**FACTS_FROM_MODEL, "TransformOutput": output}))

    assert status == "ROLLBACK_COMPLETE"
    assert world.aws.jobs == {}  # CreateTransformJob was never called
    assert "accept 'application/x-recordio-protobuf' (TransformOutput.Accept)" in reasons(world)


def test_a_stack_whose_transform_asks_for_json_runs_the_job(world: World) -> None:
    output = {**JOB_PROPS["TransformOutput"], "Accept": "application/json"}

    assert world.stack.create(template(model={"DataVersion": "2"}, job={**FACTS_FROM_MODEL, "TransformOutput": output})) == (
        "CREATE_COMPLETE"
    )

    request = world.aws.jobs[world.job()].request
    assert request["TransformOutput"]["Accept"] == "application/json"
    assert "ModelAcceptTypes" not in request and "ModelInputContentTypes" not in request


def test_upgrading_a_stack_refreshes_the_model_data_in_place_and_starts_no_job(world: World) -> None:
    """A stack deployed before the model's Data had the media types: the new DataVersion makes CloudFormation
    update the model in place (same model), so the transform's GetAtt finds the keys and no new job starts.
    Without it the GetAtt of a key the model's Data lacks fails the update (the emulator raises KeyError)."""
    assert world.stack.create(template()) == "CREATE_COMPLETE"
    model, job = world.stack.resources["ChurnModel"], world.job()
    for key in ("InputContentTypes", "AcceptTypes"):  # what an older handler answered
        model.data.pop(key)
    physical_id = model.physical_id

    assert world.stack.update(template(model={"DataVersion": "2"}, job=FACTS_FROM_MODEL)) == "UPDATE_COMPLETE"

    assert world.stack.resources["ChurnModel"].physical_id == physical_id
    assert world.stack.resources["ChurnModel"].data["InputContentTypes"] == "text/csv"
    assert world.job() == job and len(world.aws.jobs) == 1
