"""The transform options shared by the deploy-time and the scheduled batch transform.

They are declared once, as :class:`TransformOptionsProps` (both constructs take them as
``**options: Unpack[TransformOptionsProps]``), with their defaults in
:data:`TRANSFORM_OPTION_DEFAULTS`. One place checks them and builds the ``CreateTransformJob``
request fields from them (everything but the job name and the model), so both constructs
accept and refuse the same values and send the same request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Required, TypedDict, cast

from aws_cdk import Duration
from aws_cdk import aws_kms as kms

from .._lambda.autopilot_runtime import contract
from .._private.scopes import stack_of
from .._private.signatures import prop_defaults
from .._private.tokens import is_token
from ..checks import validation
from ..checks.problems import Collected, Problems


class TransformOptionsProps(TypedDict, total=False):
    """The transform options of :class:`AutopilotBatchTransform` and :class:`AutopilotScheduledTransform`.

    Keys:
        input_s3_uri: ``s3://bucket/prefix`` of the input (or of the manifest file). Required.
            A scheduled transform's may hold placeholders of the run (see its docs).
        output_s3_uri: ``s3://bucket/prefix`` the results are written to. Required.
        instance_type: ML instance type of the job. Default: ``ml.m5.xlarge``.
        instance_count: number of instances (at least 1). Default: 1.
        content_type: MIME type of the input (the inverse-label-transform container
            of Autopilot classification models only accepts ``text/csv``; the deployment
            refuses another type for a tabular model before the job starts).
            Default: ``text/csv``.
        split_type: how to split input files into records: ``None``, ``Line``,
            ``RecordIO`` or ``TFRecord``. Default: ``Line``.
        accept: MIME type of the output: ``text/csv``, ``application/json`` or
            ``application/jsonlines`` for Autopilot models (checked at deploy time, as
            ``content_type``). Default: ``text/csv``.
        assemble_with: how to join output records: ``None`` or ``Line``. Default: ``Line``.
        input_data_type: ``S3Prefix``, ``ManifestFile`` or ``AugmentedManifestFile``.
            Default: ``S3Prefix``.
        compression_type: ``None`` or ``Gzip``. Default: not set (``None``).
        output_kms_key: key that encrypts the results in S3. Default: the bucket's
            default encryption.
        volume_kms_key: key that encrypts the instances' storage volumes.
            Default: SageMaker's default.
        batch_strategy: ``MultiRecord`` or ``SingleRecord`` records per request (needs
            a ``split_type`` other than ``None``). Default: not set (SageMaker's default).
        max_payload_in_mb: largest request payload in MB, 0-100 (with
            ``max_concurrent_transforms``, their product at most 100).
            Default: not set (SageMaker's default).
        max_concurrent_transforms: parallel requests per instance, 0 or more (0: SageMaker
            chooses). Default: not set (SageMaker's default).
        invocations_timeout: timeout of one model invocation, 1-3600 whole seconds.
            Default: not set (SageMaker's default).
        invocations_max_retries: retries of a failed invocation, 0-3.
            Default: not set (SageMaker's default).
        input_filter: JSONPath selecting the part of each input record to send.
            Default: the whole record.
        output_filter: JSONPath selecting the part of the joined output to keep.
            Default: the whole output.
        join_source: ``Input`` to join each input record with its result, or ``None``.
            Default: not joined.
        environment: environment variables of the model's containers for this job
            (at most 16). Default: none.
    """

    input_s3_uri: Required[str]
    output_s3_uri: Required[str]
    instance_type: str
    instance_count: int
    content_type: str | None
    split_type: str | None
    accept: str | None
    assemble_with: str | None
    input_data_type: str
    compression_type: str | None
    output_kms_key: kms.IKey | None
    volume_kms_key: kms.IKey | None
    batch_strategy: str | None
    max_payload_in_mb: int | None
    max_concurrent_transforms: int | None
    invocations_timeout: Duration | None
    invocations_max_retries: int | None
    input_filter: str | None
    output_filter: str | None
    join_source: str | None
    environment: Mapping[str, str] | None


TRANSFORM_OPTION_DEFAULTS: Mapping[str, Any] = prop_defaults(
    TransformOptionsProps,
    instance_type="ml.m5.xlarge",
    instance_count=1,
    content_type="text/csv",
    split_type=contract.DEFAULT_SPLIT_TYPE,
    accept="text/csv",
    assemble_with=contract.DEFAULT_ASSEMBLE_WITH,
    input_data_type=contract.DEFAULT_S3_DATA_TYPE,
)
"""The options' defaults (shown in the constructs' signatures); every other option defaults to ``None``."""


def with_defaults(options: TransformOptionsProps) -> TransformOptionsProps:
    """``options`` with every key: the given values, else the defaults (``None`` where there is none)."""
    every = {name: None for name in TransformOptionsProps.__annotations__}
    return cast(TransformOptionsProps, {**every, **TRANSFORM_OPTION_DEFAULTS, **options})


@dataclass(frozen=True)
class TransformOptions:
    """Checked transform options; :meth:`request` renders them as ``CreateTransformJob`` fields."""

    options: TransformOptionsProps
    """Every option (:func:`with_defaults`)."""
    invocations_timeout_seconds: Any = None
    environment: Any = None

    def request(self, *, input_s3_uri: Any = None, output_s3_uri: Any = None) -> dict[str, Any]:
        """``TransformInput``, ``TransformOutput``, ``TransformResources`` and the optional fields.

        ``input_s3_uri``/``output_s3_uri`` replace the locations (the scheduled transform
        renders them per run); by default the validated ones are used.
        """
        o = self.options
        transform_input: dict[str, Any] = {
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": o["input_data_type"],
                    "S3Uri": o["input_s3_uri"] if input_s3_uri is None else input_s3_uri,
                }
            },
        }
        if o["content_type"] is not None:
            transform_input["ContentType"] = o["content_type"]
        if o["split_type"] is not None:
            transform_input["SplitType"] = o["split_type"]
        if o["compression_type"] is not None:
            transform_input["CompressionType"] = o["compression_type"]
        transform_output: dict[str, Any] = {
            "S3OutputPath": o["output_s3_uri"] if output_s3_uri is None else output_s3_uri
        }
        if o["accept"] is not None:
            transform_output["Accept"] = o["accept"]
        if o["assemble_with"] is not None:
            transform_output["AssembleWith"] = o["assemble_with"]
        if o["output_kms_key"] is not None:
            transform_output["KmsKeyId"] = o["output_kms_key"].key_arn
        transform_resources: dict[str, Any] = {
            "InstanceType": o["instance_type"],
            "InstanceCount": o["instance_count"],
        }
        if o["volume_kms_key"] is not None:
            transform_resources["VolumeKmsKeyId"] = o["volume_kms_key"].key_arn

        fields: dict[str, Any] = {
            contract.TRANSFORM_INPUT: transform_input,
            contract.TRANSFORM_OUTPUT: transform_output,
            contract.TRANSFORM_RESOURCES: transform_resources,
        }
        if o["batch_strategy"] is not None:
            fields[contract.BATCH_STRATEGY] = o["batch_strategy"]
        if o["max_payload_in_mb"] is not None:
            fields[contract.MAX_PAYLOAD_IN_MB] = o["max_payload_in_mb"]
        if o["max_concurrent_transforms"] is not None:
            fields[contract.MAX_CONCURRENT_TRANSFORMS] = o["max_concurrent_transforms"]
        client_config: dict[str, Any] = {}
        if self.invocations_timeout_seconds is not None:
            client_config["InvocationsTimeoutInSeconds"] = self.invocations_timeout_seconds
        if o["invocations_max_retries"] is not None:
            client_config["InvocationsMaxRetries"] = o["invocations_max_retries"]
        if client_config:
            fields[contract.MODEL_CLIENT_CONFIG] = client_config
        data_processing = {
            name: value
            for name, value in (
                ("InputFilter", o["input_filter"]),
                ("OutputFilter", o["output_filter"]),
                ("JoinSource", o["join_source"]),
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
        return [key for key in (self.options["output_kms_key"], self.options["volume_kms_key"]) if key is not None]


def transform_options(
    options: TransformOptionsProps,
    *,
    validate_uris: bool = True,
    problems: Problems | Collected | None = None,
) -> TransformOptions:
    """Check every option (errors name the prop) and return them, defaults filled in, as :class:`TransformOptions`.

    ``validate_uris=False`` leaves the locations to the caller (the scheduled transform
    checks its templates of locations itself). With ``problems`` (the construct's), every
    problem is reported there and a refused value left as it is (or its safe stand-in);
    without, one :class:`AutopilotValidationError` lists every problem.
    """
    collected = Collected() if problems is None else None
    problems = problems if problems is not None else collected
    assert problems is not None
    o = with_defaults(options)
    if validate_uris:
        problems.check(validation.s3_uri, o["input_s3_uri"], "input_s3_uri")
        problems.check(validation.s3_uri, o["output_s3_uri"], "output_s3_uri")
    problems.check(validation.instance_type, o["instance_type"], "instance_type")
    problems.check(validation.count, o["instance_count"], "instance_count")
    problems.check(validation.text, o["content_type"], "content_type", max_length=contract.MAX_CONTENT_TYPE_LENGTH)
    problems.check(validation.one_of, o["split_type"], "split_type", contract.SPLIT_TYPES)
    problems.check(validation.text, o["accept"], "accept", max_length=contract.MAX_CONTENT_TYPE_LENGTH)
    problems.check(validation.one_of, o["assemble_with"], "assemble_with", contract.ASSEMBLE_WITH)
    problems.check(validation.one_of, o["input_data_type"], "input_data_type", contract.S3_DATA_TYPES, optional=False)
    problems.check(validation.one_of, o["compression_type"], "compression_type", contract.COMPRESSION_TYPES)
    problems.check(validation.one_of, o["batch_strategy"], "batch_strategy", contract.BATCH_STRATEGIES)
    max_payload_in_mb, max_concurrent_transforms = o["max_payload_in_mb"], o["max_concurrent_transforms"]
    payload_accepted = problems.check(validation.integer, max_payload_in_mb, "max_payload_in_mb", minimum=0, maximum=contract.PAYLOAD_LIMIT_MB)
    concurrency_accepted = problems.check(validation.integer, max_concurrent_transforms, "max_concurrent_transforms", minimum=0)
    if (
        payload_accepted
        and concurrency_accepted
        and max_payload_in_mb is not None
        and max_concurrent_transforms is not None
        and not is_token(max_payload_in_mb)
        and not is_token(max_concurrent_transforms)
        and max_payload_in_mb * max_concurrent_transforms > contract.PAYLOAD_LIMIT_MB
    ):
        problems.add(
            f"max_payload_in_mb x max_concurrent_transforms must not exceed {contract.PAYLOAD_LIMIT_MB} MB; got "
            f"{max_payload_in_mb} x {max_concurrent_transforms}. Lower one of them."
        )
    invocations_timeout = o["invocations_timeout"]
    timeout_accepted = problems.check(validation.duration_seconds, invocations_timeout, "invocations_timeout", minimum=1, maximum=contract.MAX_INVOCATIONS_TIMEOUT_SECONDS)
    problems.check(validation.integer, o["invocations_max_retries"], "invocations_max_retries", minimum=0, maximum=contract.MAX_INVOCATIONS_MAX_RETRIES)
    problems.check(validation.text, o["input_filter"], "input_filter", max_length=contract.MAX_FILTER_LENGTH)
    problems.check(validation.text, o["output_filter"], "output_filter", max_length=contract.MAX_FILTER_LENGTH)
    problems.check(validation.one_of, o["join_source"], "join_source", contract.JOIN_SOURCES)
    environment = o["environment"]
    env = validation.environment_value(environment) if problems.check(validation.environment, environment) else None
    region = stack_of(problems.construct).region if isinstance(problems, Problems) else None
    problems.check(validation.kms_key, o["output_kms_key"], "output_kms_key", region=region)
    problems.check(validation.kms_key, o["volume_kms_key"], "volume_kms_key", region=region)
    if collected is not None:
        collected.raise_errors()
    return TransformOptions(
        options=o,
        invocations_timeout_seconds=validation.seconds(invocations_timeout) if timeout_accepted else None,
        environment=env,
    )
