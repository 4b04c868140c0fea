"""The transform options shared by the deploy-time and the scheduled batch transform.

One place validates them and builds the ``CreateTransformJob`` request fields from them
(everything but the job name and the model), so both constructs accept and refuse the
same values and send the same request.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_kms as kms

from . import validation
from ._lambda.autopilot_runtime import contract
from ._problems import Collected, Problems
from ._scopes import stack_of


@dataclass(frozen=True)
class TransformOptions:
    """Validated transform options; :meth:`request` renders them as ``CreateTransformJob`` fields."""

    input_s3_uri: str
    output_s3_uri: str
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    content_type: str | None = "text/csv"
    split_type: str | None = contract.DEFAULT_SPLIT_TYPE
    accept: str | None = "text/csv"
    assemble_with: str | None = contract.DEFAULT_ASSEMBLE_WITH
    input_data_type: str = contract.DEFAULT_S3_DATA_TYPE
    compression_type: str | None = None
    output_kms_key: kms.IKey | None = None
    volume_kms_key: kms.IKey | None = None
    batch_strategy: str | None = None
    max_payload_in_mb: int | None = None
    max_concurrent_transforms: int | None = None
    invocations_timeout_seconds: Any = None
    invocations_max_retries: int | None = None
    input_filter: str | None = None
    output_filter: str | None = None
    join_source: str | None = None
    environment: Any = None

    def request(self, *, input_s3_uri: Any = None, output_s3_uri: Any = None) -> dict[str, Any]:
        """``TransformInput``, ``TransformOutput``, ``TransformResources`` and the optional fields.

        ``input_s3_uri``/``output_s3_uri`` replace the locations (the scheduled transform
        renders them per run); by default the validated ones are used.
        """
        transform_input: dict[str, Any] = {
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": self.input_data_type,
                    "S3Uri": self.input_s3_uri if input_s3_uri is None else input_s3_uri,
                }
            },
        }
        if self.content_type is not None:
            transform_input["ContentType"] = self.content_type
        if self.split_type is not None:
            transform_input["SplitType"] = self.split_type
        if self.compression_type is not None:
            transform_input["CompressionType"] = self.compression_type
        transform_output: dict[str, Any] = {
            "S3OutputPath": self.output_s3_uri if output_s3_uri is None else output_s3_uri
        }
        if self.accept is not None:
            transform_output["Accept"] = self.accept
        if self.assemble_with is not None:
            transform_output["AssembleWith"] = self.assemble_with
        if self.output_kms_key is not None:
            transform_output["KmsKeyId"] = self.output_kms_key.key_arn
        transform_resources: dict[str, Any] = {
            "InstanceType": self.instance_type,
            "InstanceCount": self.instance_count,
        }
        if self.volume_kms_key is not None:
            transform_resources["VolumeKmsKeyId"] = self.volume_kms_key.key_arn

        fields: dict[str, Any] = {
            contract.TRANSFORM_INPUT: transform_input,
            contract.TRANSFORM_OUTPUT: transform_output,
            contract.TRANSFORM_RESOURCES: transform_resources,
        }
        if self.batch_strategy is not None:
            fields[contract.BATCH_STRATEGY] = self.batch_strategy
        if self.max_payload_in_mb is not None:
            fields[contract.MAX_PAYLOAD_IN_MB] = self.max_payload_in_mb
        if self.max_concurrent_transforms is not None:
            fields[contract.MAX_CONCURRENT_TRANSFORMS] = self.max_concurrent_transforms
        client_config: dict[str, Any] = {}
        if self.invocations_timeout_seconds is not None:
            client_config["InvocationsTimeoutInSeconds"] = self.invocations_timeout_seconds
        if self.invocations_max_retries is not None:
            client_config["InvocationsMaxRetries"] = self.invocations_max_retries
        if client_config:
            fields[contract.MODEL_CLIENT_CONFIG] = client_config
        data_processing = {
            name: value
            for name, value in (
                ("InputFilter", self.input_filter),
                ("OutputFilter", self.output_filter),
                ("JoinSource", self.join_source),
            )
            if value is not None
        }
        if data_processing:
            fields[contract.DATA_PROCESSING] = data_processing
        if self.environment:
            fields[contract.ENVIRONMENT] = self.environment
        return fields

    def keys(self) -> list[kms.IKey]:
        """The KMS keys the model's execution role must be able to use (encrypt and decrypt)."""
        return [key for key in (self.output_kms_key, self.volume_kms_key) if key is not None]


def transform_options(
    *,
    input_s3_uri: str,
    output_s3_uri: str,
    instance_type: str = "ml.m5.xlarge",
    instance_count: int = 1,
    content_type: str | None = "text/csv",
    split_type: str | None = contract.DEFAULT_SPLIT_TYPE,
    accept: str | None = "text/csv",
    assemble_with: str | None = contract.DEFAULT_ASSEMBLE_WITH,
    input_data_type: str = contract.DEFAULT_S3_DATA_TYPE,
    compression_type: str | None = None,
    output_kms_key: kms.IKey | None = None,
    volume_kms_key: kms.IKey | None = None,
    batch_strategy: str | None = None,
    max_payload_in_mb: int | None = None,
    max_concurrent_transforms: int | None = None,
    invocations_timeout: Duration | None = None,
    invocations_max_retries: int | None = None,
    input_filter: str | None = None,
    output_filter: str | None = None,
    join_source: str | None = None,
    environment: Mapping[str, str] | None = None,
    validate_uris: bool = True,
    problems: Problems | Collected | None = None,
) -> TransformOptions:
    """Check every option (errors name the prop) and return them as :class:`TransformOptions`.

    ``validate_uris=False`` leaves the locations to the caller (the scheduled transform
    checks its templates of locations itself). With ``problems`` (the construct's), every
    problem is reported there and a refused value left as it is (or its safe stand-in);
    without, one :class:`AutopilotValidationError` lists every problem.
    """
    collected = Collected() if problems is None else None
    problems = problems if problems is not None else collected
    assert problems is not None
    if validate_uris:
        problems.check(validation.s3_uri, input_s3_uri, "input_s3_uri")
        problems.check(validation.s3_uri, output_s3_uri, "output_s3_uri")
    problems.check(validation.instance_type, instance_type, "instance_type")
    problems.check(validation.count, instance_count, "instance_count")
    problems.check(validation.text, content_type, "content_type", max_length=contract.MAX_CONTENT_TYPE_LENGTH)
    problems.check(validation.one_of, split_type, "split_type", contract.SPLIT_TYPES)
    problems.check(validation.text, accept, "accept", max_length=contract.MAX_CONTENT_TYPE_LENGTH)
    problems.check(validation.one_of, assemble_with, "assemble_with", contract.ASSEMBLE_WITH)
    problems.check(validation.one_of, input_data_type, "input_data_type", contract.S3_DATA_TYPES, optional=False)
    problems.check(validation.one_of, compression_type, "compression_type", contract.COMPRESSION_TYPES)
    problems.check(validation.one_of, batch_strategy, "batch_strategy", contract.BATCH_STRATEGIES)
    payload_accepted = problems.check(validation.integer, max_payload_in_mb, "max_payload_in_mb", minimum=0, maximum=contract.PAYLOAD_LIMIT_MB)
    concurrency_accepted = problems.check(validation.integer, max_concurrent_transforms, "max_concurrent_transforms", minimum=0)
    if (
        payload_accepted
        and concurrency_accepted
        and max_payload_in_mb is not None
        and max_concurrent_transforms is not None
        and not validation.is_token(max_payload_in_mb)
        and not validation.is_token(max_concurrent_transforms)
        and max_payload_in_mb * max_concurrent_transforms > contract.PAYLOAD_LIMIT_MB
    ):
        problems.add(
            f"max_payload_in_mb x max_concurrent_transforms must not exceed {contract.PAYLOAD_LIMIT_MB} MB; got "
            f"{max_payload_in_mb} x {max_concurrent_transforms}. Lower one of them."
        )
    timeout_accepted = problems.check(validation.duration_seconds, invocations_timeout, "invocations_timeout", minimum=1, maximum=contract.MAX_INVOCATIONS_TIMEOUT_SECONDS)
    problems.check(validation.integer, invocations_max_retries, "invocations_max_retries", minimum=0, maximum=contract.MAX_INVOCATIONS_MAX_RETRIES)
    problems.check(validation.text, input_filter, "input_filter", max_length=contract.MAX_FILTER_LENGTH)
    problems.check(validation.text, output_filter, "output_filter", max_length=contract.MAX_FILTER_LENGTH)
    problems.check(validation.one_of, join_source, "join_source", contract.JOIN_SOURCES)
    env = validation.environment_value(environment) if problems.check(validation.environment, environment) else None
    region = stack_of(problems.construct).region if isinstance(problems, Problems) else None
    problems.check(validation.kms_key, output_kms_key, "output_kms_key", region=region)
    problems.check(validation.kms_key, volume_kms_key, "volume_kms_key", region=region)
    if collected is not None:
        collected.raise_errors()
    return TransformOptions(
        input_s3_uri=input_s3_uri,
        output_s3_uri=output_s3_uri,
        instance_type=instance_type,
        instance_count=instance_count,
        content_type=content_type,
        split_type=split_type,
        accept=accept,
        assemble_with=assemble_with,
        input_data_type=input_data_type,
        compression_type=compression_type,
        output_kms_key=output_kms_key,
        volume_kms_key=volume_kms_key,
        batch_strategy=batch_strategy,
        max_payload_in_mb=max_payload_in_mb,
        max_concurrent_transforms=max_concurrent_transforms,
        invocations_timeout_seconds=validation.seconds(invocations_timeout) if timeout_accepted else None,
        invocations_max_retries=invocations_max_retries,
        input_filter=input_filter,
        output_filter=output_filter,
        join_source=join_source,
        environment=env,
    )


TRANSFORM_OPTION_NAMES: tuple[str, ...] = tuple(
    name for name in inspect.signature(transform_options).parameters if name not in ("validate_uris", "problems")
)
"""The transform options both transform constructs take as props, in :func:`transform_options`' order."""


def given_options(props: Mapping[str, Any]) -> dict[str, Any]:
    """The transform options among a construct's props (its ``locals()``), to pass on to :func:`transform_options`."""
    return {name: props[name] for name in TRANSFORM_OPTION_NAMES}
