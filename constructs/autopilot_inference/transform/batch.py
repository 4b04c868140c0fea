"""``AutopilotBatchTransform``: a batch transform job run with an :class:`AutopilotModel`."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Unpack, cast

import jsii
from aws_cdk import CfnResource, CustomResource, Duration, ITaggable, TagManager, TagType
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_sns as sns
from constructs import Construct

from .._lambda.autopilot_runtime import contract
from .._private.scopes import child_path, default_prefix
from .._private.signatures import public_construct, refuse_missing_props, refuse_unknown_props
from .._private.synth_cache import LazyTags
from ..checks import prop_types, validation, value_checks
from ..checks.environments import check_same_environment
from ..checks.problems import Problems, Unbuilt, failed
from ..model.model import AutopilotModel
from ..provider.permissions import TransformBinding
from ..provider.provider import AutopilotInferenceProvider
from .options import TransformOptionsProps, transform_options
from .wait_condition import JobWait

DEFAULT_WAIT_TIMEOUT = Duration.minutes(contract.DEFAULT_WAIT_TIMEOUT_MINUTES)


@public_construct
@jsii.implements(ITaggable)
class AutopilotBatchTransform(Construct):
    """A SageMaker batch transform job of an :class:`AutopilotModel`, started at deploy time.

    Each CloudFormation create or update that changes the job's configuration starts a new
    job (job names can never be reused); tag and wait changes do not. By default the
    deployment waits for the job to finish and fails with its ``FailureReason``: an
    ``AWS::CloudFormation::WaitCondition`` (:attr:`wait`) waits, signalled by the job's own
    ``SageMaker Transform Job State Change`` event (nothing polls). Deleting the resource stops
    a job still in progress; S3 data is never deleted.

    The model's execution role is granted read on the keys starting with ``input_s3_uri``
    and write under ``output_s3_uri`` (and use of the KMS keys) when that role is mutable.
    With a manifest input, grant read on the objects the manifest lists yourself
    (``bucket.grant_read(model)``).

    Args:
        scope: the parent construct.
        id: the construct id.
        model: the model that transforms the data.
        wait_for_completion: whether the deployment waits for the job to finish.
            Default: ``True``.
        wait_timeout: how long to wait, counted from the job's start (the wait condition's
            creation); above 0 and at most 12 hours (a wait condition's limit). A job still
            running then is stopped and the deployment fails. Default: 55 minutes.
        job_name_prefix: start of the job names; a unique hash is appended. Letters,
            digits and single hyphens, at most 52 characters. Default: derived from the
            stack name and the construct path.
        failure_topic: SNS topic told when the job started by the last deployment fails or
            is stopped (an EventBridge rule on its ``SageMaker Transform Job State Change``
            events), for jobs nobody waits for (``wait_for_completion=False``). A topic
            encrypted with a customer managed key must let ``events.amazonaws.com`` use the
            key. Default: no notification.
        input_s3_uri, output_s3_uri, instance_type, ... environment: the transform options
            (:class:`~autopilot_inference.transform.options.TransformOptionsProps`, below).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        model: AutopilotModel,
        wait_for_completion: bool = True,
        wait_timeout: Duration = DEFAULT_WAIT_TIMEOUT,
        job_name_prefix: str | None = None,
        failure_topic: sns.ITopic | None = None,
        **options: Unpack[TransformOptionsProps],
    ) -> None:
        refuse_unknown_props(options, TransformOptionsProps, "AutopilotBatchTransform")
        refuse_missing_props(options, TransformOptionsProps, "AutopilotBatchTransform")
        super().__init__(scope, id)
        problems = Problems(self)
        given = {**locals(), **options}
        # A prop of the wrong type stands in with its default, so that every other prop is still checked.
        values, _ = prop_types.checked_types(problems, AutopilotBatchTransform.__init__, given)
        if values is None:
            self.resource = cast(CustomResource, Unbuilt())  # a stand-in: nothing was built
            return
        wait_for_completion, wait_timeout = values["wait_for_completion"], values["wait_timeout"]
        job_name_prefix, failure_topic = values["job_name_prefix"], values["failure_topic"]
        options = cast(TransformOptionsProps, {name: values[name] for name in options})
        wait_seconds = (
            validation.seconds(wait_timeout)
            if wait_for_completion and problems.check(validation.wait_timeout, wait_timeout)
            else None
        )
        checked = transform_options(options, problems=problems)
        chosen = checked.options
        instance_type, input_s3_uri, output_s3_uri = chosen["instance_type"], chosen["input_s3_uri"], chosen["output_s3_uri"]
        output_kms_key, volume_kms_key = chosen["output_kms_key"], chosen["volume_kms_key"]
        problems.check(validation.name_prefix, job_name_prefix, "job_name_prefix")
        problems.report(
            [
                value_checks.instance_type(instance_type, "instance_type", value_checks.TRANSFORM),
                value_checks.transform_instance_count(chosen["instance_count"]),
                value_checks.content_type(chosen["content_type"]),
                value_checks.accept(chosen["accept"]),
                value_checks.jsonpath_filter(chosen["input_filter"], "input_filter"),
                value_checks.jsonpath_filter(chosen["output_filter"], "output_filter"),
                value_checks.wait_timeout_unused(wait_for_completion, wait_timeout is not DEFAULT_WAIT_TIMEOUT),
                value_checks.failure_topic_waited(wait_for_completion, failure_topic),
                value_checks.output_location(input_s3_uri, output_s3_uri),
                value_checks.shared_output(scope, child_path(scope, id), output_s3_uri),
            ],
        )
        if not failed(model):
            check_same_environment(problems, self, model, "AutopilotBatchTransform")
        if problems or failed(model):
            # Nothing is built from props that cannot work (or from a model that is not built).
            self.resource = cast(CustomResource, Unbuilt())  # a stand-in: nothing was built
            return

        self.model = model
        """The model the job runs (as declared; :attr:`deployed_model` is the one this stack deploys)."""
        # A model of another stack is deployed again in this one (see AutopilotModel.in_stack).
        deployed = self.deployed_model = model.in_stack(self)
        """The model the job names: ``model`` itself, or this stack's copy of a model of another stack."""
        self.job_name_prefix = (
            validation.lowercase_prefix(job_name_prefix) if job_name_prefix is not None else default_prefix(scope, id)
        )
        """The start of the job names, in lower case (as every generated name)."""
        # This stack's own provider, also for a model of another stack: its policy covers what it creates.
        self.provider = AutopilotInferenceProvider.of(self)
        self.provider.permissions.allow_manage_transform_jobs(
            TransformBinding(
                instance_type=instance_type,
                volume_kms_key=volume_kms_key.key_arn if volume_kms_key is not None else None,
                output_kms_key=output_kms_key.key_arn if output_kms_key is not None else None,
            )
        )

        properties: dict[str, Any] = {
            contract.MODEL_NAME: deployed.model_name,
            contract.TRANSFORM_JOB_NAME_PREFIX: self.job_name_prefix,
            **checked.request(),
        }
        properties[contract.WAIT_FOR_COMPLETION] = "true" if wait_for_completion else "false"
        if wait_seconds is not None:
            properties[contract.WAIT_TIMEOUT_SECONDS] = wait_seconds
            self.provider.watch_transform_jobs(self.job_name_prefix)
        # What the candidate reads and answers (known at deploy time): the handler refuses a
        # content_type or accept outside them before the job starts. Not part of the job's configuration.
        properties[contract.MODEL_INPUT_CONTENT_TYPES] = deployed.input_content_types
        properties[contract.MODEL_ACCEPT_TYPES] = deployed.accept_types

        self.wait: JobWait | None = None
        """The wait condition (and handle) the deployment waits on for the job (``wait_for_completion``).
        Depend on it (or on this construct) to act once the job finished; the resource's attributes are
        known once the job started."""
        if wait_seconds is not None:
            self.wait = JobWait(
                self,
                "Wait",
                job_properties=properties,
                model_properties=lambda: {**deployed.properties, **deployed.property_overrides},
                timeout_seconds=wait_seconds,
            )
            properties[contract.WAIT_HANDLE] = self.wait.handle_logical_id

        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=contract.TRANSFORM_JOB_RESOURCE_TYPE,
            properties=properties,
        )
        """The ``Custom::AutopilotTransformJob`` resource."""
        if self.wait is not None:
            self.wait.follow(cast(CfnResource, self.resource.node.default_child))
        self._tags = LazyTags(self.resource, contract.TRANSFORM_JOB_RESOURCE_TYPE)
        # The model's execution role reads the input, writes the results and uses the keys. The
        # job waits for those permissions through the model: it references the model's name, and
        # the model waits for the handler's policy and for the role with all its policies.
        # A manifest is one object SageMaker reads: no listing. Volumes are encrypted through the
        # grant the handler creates for SageMaker: the execution role needs nothing of that key.
        # The grants are made in this stack (on a policy of this stack for a model of another one).
        deployed.allow_read_transform_input(
            input_s3_uri, list_bucket=chosen["input_data_type"] == contract.DEFAULT_S3_DATA_TYPE
        )
        deployed.allow_write_results(output_s3_uri)
        if output_kms_key is not None:
            deployed.allow_key_use(output_kms_key, encrypt=True)
        if volume_kms_key is not None:
            self.provider.permissions.allow_create_grant(volume_kms_key)
        self.failure_rule: events.Rule | None = None
        """The rule that tells ``failure_topic`` of the job's failure (with ``failure_topic``)."""
        if failure_topic is not None:
            self.failure_rule = job_failure_rule(self, "FailureRule", self.transform_job_name, failure_topic)

    @cached_property
    def transform_job_name(self) -> str:
        """The name of the job started by the last deployment."""
        return self.resource.get_att_string(contract.ATTR_TRANSFORM_JOB_NAME)

    @cached_property
    def transform_job_arn(self) -> str:
        """The ARN of the job started by the last deployment."""
        return self.resource.get_att_string(contract.ATTR_TRANSFORM_JOB_ARN)

    @property
    def tags(self) -> TagManager:
        """The job's tags; ``Tags.of(scope).add(...)`` reaches them."""
        if "_tags" not in self.__dict__:  # not built (its props have problems): tags go nowhere
            return TagManager(TagType.KEY_VALUE, contract.TRANSFORM_JOB_RESOURCE_TYPE)
        return self._tags.manager


FAILED_STATUSES = ("Failed", "Stopped")


def job_failure_rule(scope: Construct, id: str, job_name: str, topic: sns.ITopic) -> events.Rule:
    """An EventBridge rule telling ``topic`` when the transform job ``job_name`` fails or is stopped."""
    return events.Rule(
        scope,
        id,
        description="Tells the topic when this stack's batch transform job fails or is stopped",
        event_pattern=events.EventPattern(
            source=["aws.sagemaker"],
            detail_type=[contract.TRANSFORM_JOB_STATE_CHANGE],
            detail={contract.ATTR_TRANSFORM_JOB_NAME: [job_name], "TransformJobStatus": list(FAILED_STATUSES)},
        ),
        targets=[
            events_targets.SnsTopic(
                topic,
                message=events.RuleTargetInput.from_object(
                    {
                        "status": events.EventField.from_path("$.detail.TransformJobStatus"),
                        "transformJobName": events.EventField.from_path("$.detail.TransformJobName"),
                        "failureReason": events.EventField.from_path("$.detail.FailureReason"),
                        "time": events.EventField.time,
                        "account": events.EventField.account,
                        "region": events.EventField.region,
                    }
                ),
            )
        ],
    )
