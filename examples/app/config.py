"""Configuration of the example app: one environment per stack, loaded and checked offline.

Part of the example app (``app.py``), not of the library: ``app.py`` stays thin, it asks this
module for the configuration and builds one :class:`~examples.app.stack.AutopilotInferenceStack`
per environment.

Where the configuration comes from, first match wins:

1. ``cdk synth -c config=PATH`` (CDK context key ``config``);
2. the ``AUTOPILOT_INFERENCE_CONFIG`` environment variable (a path);
3. :data:`DEFAULT_CONFIG`, a built-in example: one environment-agnostic stack that
   synthesizes with no account, region or credentials.

A configuration file is YAML (or JSON when it ends in ``.json``)::

    defaults:            # optional, merged into every environment
      automl_job_name: customer-churn-autopilot
      transform: {instance_type: ml.m5.xlarge}
    environments:        # required, one stack per entry
      - name: dev        # stack AutopilotInference-dev
        account: "111111111111"
        region: us-east-1
        transform:
          input_s3_uri: s3://amzn-s3-demo-bucket/batch/input/
          output_s3_uri: s3://amzn-s3-demo-bucket/batch/output/

Mappings (``transform``, ``endpoint``, ``tags``) are merged key by key with
``defaults``; everything else in an environment replaces the default. Every error names
the file, the environment and the field (:class:`ConfigError`).
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

from autopilot_inference._lambda.autopilot_runtime import contract
from autopilot_inference._lambda.autopilot_runtime.properties import PropertyError, parse_bool
from autopilot_inference.compliance.nag import NagNotInstalledError, add_nag_checks
from autopilot_inference.transform import schedules

STACK_NAME_PREFIX = "AutopilotInference"
CONFIG_CONTEXT_KEY = "config"
CONFIG_ENV_VAR = "AUTOPILOT_INFERENCE_CONFIG"
NAG_CONTEXT_KEY = "nag"
DEFAULT_CONFIG_SOURCE = "built-in example config"

# The embedded example: env-agnostic, so `cdk synth` needs no account and no credentials.
DEFAULT_CONFIG: dict[str, Any] = {
    "environments": [
        {
            "name": "example",
            "automl_job_name": "customer-churn-autopilot",
            "inference_response_keys": ["predicted_label", "probability"],
            "artifact_bucket": "amzn-s3-demo-bucket",
            "artifact_prefix": "autopilot/customer-churn",
            "transform": {
                "input_s3_uri": "s3://amzn-s3-demo-bucket/batch/input/",
                "output_s3_uri": "s3://amzn-s3-demo-bucket/batch/output/",
                "instance_type": "ml.m5.xlarge",
                "instance_count": 1,
            },
            "schedule": {
                "expression": "cron(0 2 * * ? *)",
                "time_zone": "UTC",
                "input_s3_uri": "s3://amzn-s3-demo-bucket/incoming/{date}/",
                "output_s3_uri": "s3://amzn-s3-demo-bucket/scored/{date}/",
            },
        }
    ]
}

_STACK_NAME_MAX = 128
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
# The contract's patterns (the constructs' own), so a config is refused for exactly what the constructs refuse.
_S3_URI = re.compile(rf"^s3://{contract.BUCKET_PATTERN.pattern[1:-1]}(/.*)?$")


class ConfigError(ValueError):
    """A configuration the app cannot use; the message names file, environment and field."""


@dataclass(frozen=True)
class TransformConfig:
    """The batch transform job of one environment."""

    input_s3_uri: str
    output_s3_uri: str
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    content_type: str = "text/csv"
    split_type: str = contract.DEFAULT_SPLIT_TYPE
    accept: str = "text/csv"
    assemble_with: str = contract.DEFAULT_ASSEMBLE_WITH
    wait_for_completion: bool = True
    wait_timeout_minutes: int = contract.DEFAULT_WAIT_TIMEOUT_MINUTES


@dataclass(frozen=True)
class ScheduleConfig:
    """An optional recurring batch transform (``AutopilotScheduledTransform``) of the same model."""

    expression: str
    input_s3_uri: str
    output_s3_uri: str
    time_zone: str | None = None
    instance_type: str = "ml.m5.xlarge"
    instance_count: int = 1
    flexible_window_minutes: int | None = None
    enabled: bool = True
    notify: bool = True
    failure_alarm: bool = True


@dataclass(frozen=True)
class EndpointConfig:
    """An optional real-time endpoint serving the same model."""

    instance_type: str = "ml.m5.large"
    initial_instance_count: int = 1


@dataclass(frozen=True)
class EnvironmentConfig:
    """Everything one stack needs: where it deploys and what it deploys."""

    name: str
    automl_job_name: str
    artifact_bucket: str
    transform: TransformConfig
    account: str | None = None
    region: str | None = None
    candidate_name: str | None = None
    inference_response_keys: tuple[str, ...] = ()
    artifact_prefix: str | None = None
    model_name_prefix: str | None = None
    processing_unit: str = contract.DEFAULT_PROCESSING_UNIT
    endpoint: EndpointConfig | None = None
    schedule: ScheduleConfig | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    description: str | None = None

    @property
    def stack_name(self) -> str:
        return f"{STACK_NAME_PREFIX}-{self.name}"

    @property
    def automl_output_s3_uri(self) -> str:
        """``s3://bucket/prefix/``: where the job wrote its artifacts (its OutputDataConfig.S3OutputPath)."""
        prefix = (self.artifact_prefix or "").strip("/")
        return f"s3://{self.artifact_bucket}/{prefix}/" if prefix else f"s3://{self.artifact_bucket}/"

    @property
    def is_environment_agnostic(self) -> bool:
        return self.account is None and self.region is None


@dataclass(frozen=True)
class AppConfig:
    """The environments of one configuration, and where it came from."""

    source: str
    environments: tuple[EnvironmentConfig, ...]


# --- the schema --------------------------------------------------------------------------

_TOP_LEVEL_KEYS = ("defaults", "environments")
_ENVIRONMENT_KEYS = (
    "name",
    "account",
    "region",
    "automl_job_name",
    "candidate_name",
    "inference_response_keys",
    "artifact_bucket",
    "artifact_prefix",
    "model_name_prefix",
    "processing_unit",
    "transform",
    "endpoint",
    "schedule",
    "tags",
    "description",
)
_MERGED_MAPPINGS = ("transform", "endpoint", "schedule", "tags")
_TRANSFORM_KEYS = (
    "input_s3_uri",
    "output_s3_uri",
    "instance_type",
    "instance_count",
    "content_type",
    "split_type",
    "accept",
    "assemble_with",
    "wait_for_completion",
    "wait_timeout_minutes",
)
_ENDPOINT_KEYS = ("instance_type", "initial_instance_count")
_SCHEDULE_KEYS = (
    "expression",
    "time_zone",
    "input_s3_uri",
    "output_s3_uri",
    "instance_type",
    "instance_count",
    "flexible_window_minutes",
    "enabled",
    "notify",
    "failure_alarm",
)


class _Where:
    """Formats error messages: ``<source>: environment '<name>': field '<field>' ...``."""

    def __init__(self, source: str, section: str | None = None) -> None:
        self.source = source
        self.section = section

    def error(self, message: str, field_name: str | None = None) -> ConfigError:
        parts = [self.source]
        if self.section is not None:
            parts.append(self.section)
        if field_name is not None:
            parts.append(f"field '{field_name}'")
        return ConfigError(": ".join(parts) + f": {message}")


def _describe(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def _check_keys(where: _Where, data: Mapping[str, Any], allowed: Sequence[str], prefix: str = "") -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean '{prefix}{close[0]}'?" if close else f"; known fields: {', '.join(allowed)}"
            raise where.error(f"unknown field{hint}", f"{prefix}{key}")


def _mapping(where: _Where, value: Any, field_name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise where.error(f"must be a mapping; got {_describe(value)}", field_name)
    return value


@overload
def _string(where: _Where, data: Mapping[str, Any], key: str, prefix: str = "", *, required: Literal[True],
            pattern: re.Pattern[str] | None = None, expected: str | None = None,
            choices: Sequence[str] | None = None, default: str | None = None) -> str: ...
@overload
def _string(where: _Where, data: Mapping[str, Any], key: str, prefix: str = "", *, required: bool = False,
            pattern: re.Pattern[str] | None = None, expected: str | None = None,
            choices: Sequence[str] | None = None, default: str | None = None) -> str | None: ...
def _string(where: _Where, data: Mapping[str, Any], key: str, prefix: str = "", *, required: bool = False,
            pattern: re.Pattern[str] | None = None, expected: str | None = None,
            choices: Sequence[str] | None = None, default: str | None = None) -> str | None:
    name = prefix + key
    value = data.get(key)
    if value is None:
        if required:
            raise where.error("is required", name)
        return default
    if not isinstance(value, str) or not value.strip():
        hint = " (quote it in YAML)" if key == "account" and isinstance(value, int) else ""
        raise where.error(f"must be a non-empty string{hint}; got {_describe(value)}", name)
    if choices is not None and value not in choices:
        raise where.error(f"must be one of {', '.join(choices)}; got {value!r}", name)
    if pattern is not None and not pattern.match(value):
        raise where.error(f"must be {expected}; got {value!r}", name)
    return value


def _integer(where: _Where, data: Mapping[str, Any], key: str, prefix: str, default: int,
             minimum: int = 1, maximum: int | None = None) -> int:
    name = prefix + key
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise where.error(f"must be a whole number; got {_describe(value)}", name)
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise where.error(f"must be {bounds}; got {value}", name)
    return value


def _boolean(where: _Where, data: Mapping[str, Any], key: str, prefix: str, default: bool) -> bool:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise where.error(f"must be true or false; got {_describe(value)}", prefix + key)
    return value


def _string_list(where: _Where, data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise where.error(f"must be a list of strings; got {_describe(value)}", key)
    items: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise where.error(f"item {index + 1} must be a non-empty string; got {_describe(item)}", key)
        if item in items:
            raise where.error(f"lists {item!r} twice", key)
        items.append(item)
    return tuple(items)


def _string_map(where: _Where, data: Mapping[str, Any], key: str) -> dict[str, str]:
    value = data.get(key)
    if value is None:
        return {}
    mapping = _mapping(where, value, key)
    result: dict[str, str] = {}
    for tag_key, tag_value in mapping.items():
        if not isinstance(tag_key, str) or not tag_key or isinstance(tag_value, (Mapping, list)) or tag_value is None:
            raise where.error(f"must map strings to strings; got {tag_key!r}: {_describe(tag_value)}", key)
        result[tag_key] = str(tag_value) if not isinstance(tag_value, bool) else str(tag_value).lower()
    return dict(sorted(result.items()))


def _transform(where: _Where, value: Any) -> TransformConfig:
    if value is None:
        raise where.error("is required (input_s3_uri and output_s3_uri at least)", "transform")
    data = _mapping(where, value, "transform")
    _check_keys(where, data, _TRANSFORM_KEYS, "transform.")
    p = "transform."
    s3 = "an S3 URI like s3://bucket/prefix/"
    defaults = TransformConfig("", "")
    return TransformConfig(
        input_s3_uri=_string(where, data, "input_s3_uri", p, required=True, pattern=_S3_URI, expected=s3),
        output_s3_uri=_string(where, data, "output_s3_uri", p, required=True, pattern=_S3_URI, expected=s3),
        instance_type=_string(where, data, "instance_type", p, pattern=contract.INSTANCE_TYPE_PATTERN,
                              expected="a SageMaker instance type like ml.m5.xlarge", default=defaults.instance_type),  # type: ignore[arg-type]
        instance_count=_integer(where, data, "instance_count", p, defaults.instance_count),
        content_type=_string(where, data, "content_type", p, default=defaults.content_type),  # type: ignore[arg-type]
        split_type=_string(where, data, "split_type", p, choices=contract.SPLIT_TYPES, default=defaults.split_type),  # type: ignore[arg-type]
        accept=_string(where, data, "accept", p, default=defaults.accept),  # type: ignore[arg-type]
        assemble_with=_string(where, data, "assemble_with", p, choices=contract.ASSEMBLE_WITH, default=defaults.assemble_with),  # type: ignore[arg-type]
        wait_for_completion=_boolean(where, data, "wait_for_completion", p, defaults.wait_for_completion),
        wait_timeout_minutes=_integer(where, data, "wait_timeout_minutes", p, defaults.wait_timeout_minutes,
                                      maximum=contract.MAX_WAIT_SECONDS // 60),
    )


def _endpoint(where: _Where, value: Any) -> EndpointConfig | None:
    if value is None or value is False:
        return None
    data = {} if value is True else _mapping(where, value, "endpoint")
    _check_keys(where, data, _ENDPOINT_KEYS, "endpoint.")
    defaults = EndpointConfig()
    return EndpointConfig(
        instance_type=_string(where, data, "instance_type", "endpoint.", pattern=contract.INSTANCE_TYPE_PATTERN,
                              expected="a SageMaker instance type like ml.m5.large", default=defaults.instance_type),  # type: ignore[arg-type]
        initial_instance_count=_integer(where, data, "initial_instance_count", "endpoint.", defaults.initial_instance_count),
    )


def _schedule(where: _Where, value: Any) -> ScheduleConfig | None:
    if value is None or value is False:
        return None
    data = _mapping(where, value, "schedule")
    _check_keys(where, data, _SCHEDULE_KEYS, "schedule.")
    p = "schedule."
    s3 = "an S3 URI like s3://bucket/scored/{date}/ (placeholders: see the README)"
    expression = _string(where, data, "expression", p, required=True)
    time_zone = _string(where, data, "time_zone", p)
    checks: tuple[tuple[str, Callable[[], object]], ...] = (
        ("expression", lambda: schedules.check_expression(expression, "the expression")),
        ("time_zone", lambda: schedules.check_time_zone(time_zone, "the time zone")),
    )
    for field_name, check in checks:
        try:
            check()
        except schedules.ScheduleError as error:
            raise where.error(str(error), p + field_name) from None
    defaults = ScheduleConfig("", "", "")
    window = data.get("flexible_window_minutes")
    return ScheduleConfig(
        expression=expression,
        time_zone=time_zone,
        input_s3_uri=_string(where, data, "input_s3_uri", p, required=True, pattern=_S3_URI, expected=s3),
        output_s3_uri=_string(where, data, "output_s3_uri", p, required=True, pattern=_S3_URI, expected=s3),
        instance_type=_string(where, data, "instance_type", p, pattern=contract.INSTANCE_TYPE_PATTERN,
                              expected="a SageMaker instance type like ml.m5.xlarge", default=defaults.instance_type),  # type: ignore[arg-type]
        instance_count=_integer(where, data, "instance_count", p, defaults.instance_count),
        flexible_window_minutes=None if window is None else _integer(
            where, data, "flexible_window_minutes", p, 0, maximum=schedules.MAX_FLEXIBLE_WINDOW_MINUTES
        ),
        enabled=_boolean(where, data, "enabled", p, defaults.enabled),
        notify=_boolean(where, data, "notify", p, defaults.notify),
        failure_alarm=_boolean(where, data, "failure_alarm", p, defaults.failure_alarm),
    )


def _merge(defaults: Mapping[str, Any], environment: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(dict(defaults))
    for key, value in environment.items():
        base = merged.get(key)
        if key in _MERGED_MAPPINGS and isinstance(base, Mapping) and isinstance(value, Mapping):
            merged[key] = {**base, **value}
        elif key == "endpoint" and value is True and isinstance(base, Mapping):
            continue  # `endpoint: true` keeps the default endpoint settings
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _environment(source: str, label: str, data: Mapping[str, Any]) -> EnvironmentConfig:
    where = _Where(source, f"environment {label}")
    _check_keys(where, data, _ENVIRONMENT_KEYS)
    name = _string(where, data, "name", required=True, pattern=_NAME,
                   expected="a letter followed by letters, digits or hyphens (it names the stack)")
    assert name is not None
    if len(STACK_NAME_PREFIX) + 1 + len(name) > _STACK_NAME_MAX:
        raise where.error(f"is too long for a stack name (at most {_STACK_NAME_MAX - len(STACK_NAME_PREFIX) - 1} characters)", "name")
    account = _string(where, data, "account", pattern=_ACCOUNT, expected="a 12-digit AWS account id")
    region = _string(where, data, "region", pattern=_REGION, expected="an AWS region like us-east-1")
    if (account is None) != (region is None):
        missing = "region" if region is None else "account"
        raise where.error(
            "is required with 'account' and 'region' together (or leave both out for an environment-agnostic stack)",
            missing,
        )
    # Required: the model's default execution role may read model artifacts only under it.
    bucket = _string(where, data, "artifact_bucket", required=True, pattern=contract.BUCKET_PATTERN,
                     expected="an S3 bucket name (where the AutoML job wrote its output)")
    prefix = _string(where, data, "artifact_prefix")
    processing_unit = _string(where, data, "processing_unit", default=contract.DEFAULT_PROCESSING_UNIT)
    assert processing_unit is not None
    if processing_unit.upper() not in contract.PROCESSING_UNITS:
        raise where.error(f"must be CPU or GPU; got {processing_unit!r}", "processing_unit")
    return EnvironmentConfig(
        name=name,
        account=account,
        region=region,
        automl_job_name=_string(where, data, "automl_job_name", required=True, pattern=contract.AUTOML_JOB_NAME_PATTERN,
                                expected="an AutoML job name (1-32 letters, digits and hyphens)"),
        candidate_name=_string(where, data, "candidate_name"),
        inference_response_keys=_string_list(where, data, "inference_response_keys"),
        artifact_bucket=bucket,
        artifact_prefix=prefix,
        model_name_prefix=_string(where, data, "model_name_prefix", pattern=contract.MODEL_NAME_PATTERN,
                                  expected="letters, digits and single hyphens"),
        processing_unit=processing_unit.upper(),
        transform=_transform(where, data.get("transform")),
        endpoint=_endpoint(where, data.get("endpoint")),
        schedule=_schedule(where, data.get("schedule")),
        tags=_string_map(where, data, "tags"),
        description=_string(where, data, "description"),
    )


def parse_config(data: Any, source: str) -> AppConfig:
    """Check a loaded configuration (a mapping) and turn it into an :class:`AppConfig`.

    ``source`` names where it came from (the file) in every error message.
    """
    top = _Where(source)
    if not isinstance(data, Mapping):
        raise top.error(f"must hold a mapping with an 'environments' list; got {_describe(data)}")
    _check_keys(top, data, _TOP_LEVEL_KEYS)
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise top.error(f"must be a mapping; got {_describe(defaults)}", "defaults")
    defaults_where = _Where(source, "defaults")
    if "name" in defaults:
        raise defaults_where.error("cannot be a default: every environment names its own stack", "name")
    _check_keys(defaults_where, defaults, _ENVIRONMENT_KEYS)
    for key, allowed in (
        ("transform", _TRANSFORM_KEYS),
        ("endpoint", _ENDPOINT_KEYS),
        ("schedule", _SCHEDULE_KEYS),
        ("tags", None),
    ):
        value = defaults.get(key)
        if value is None or (key == "endpoint" and isinstance(value, bool)):
            continue
        _mapping(defaults_where, value, key)
        if allowed is not None:
            _check_keys(defaults_where, value, allowed, f"{key}.")
    entries = data.get("environments")
    if entries is None:
        raise top.error("is required: a list with one entry per stack", "environments")
    if isinstance(entries, (str, Mapping)) or not isinstance(entries, Sequence) or not entries:
        raise top.error(f"must be a non-empty list; got {_describe(entries)}", "environments")
    environments: list[EnvironmentConfig] = []
    first_entry: dict[str, int] = {}
    for position, entry in enumerate(entries, start=1):
        raw_name = entry.get("name") if isinstance(entry, Mapping) else None
        label = f"'{raw_name}'" if isinstance(raw_name, str) and raw_name else f"#{position}"
        if not isinstance(entry, Mapping):
            raise _Where(source, f"environment {label}").error(f"must be a mapping; got {_describe(entry)}")
        environment = _environment(source, label, _merge(defaults, entry))
        if environment.name in first_entry:
            raise _Where(source, f"environment {label}").error(
                f"is defined twice (entries #{first_entry[environment.name]} and #{position}); "
                "environment names must be unique because they name the stacks",
                "name",
            )
        first_entry[environment.name] = position
        environments.append(environment)
    return AppConfig(source=source, environments=tuple(environments))


# --- loading -----------------------------------------------------------------------------


def _load_yaml(text: str, source: str) -> Any:
    try:
        import yaml
    except ImportError:  # PyYAML is a development dependency, not a library one.
        raise ConfigError(f"{source}: reading YAML needs PyYAML (pip install PyYAML), or give a .json file") from None

    class _StrictLoader(yaml.SafeLoader):
        """SafeLoader that refuses duplicate keys instead of silently keeping the last."""

    def _mapping_without_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in result:
                line = key_node.start_mark.line + 1
                raise ConfigError(f"{source}: line {line}: key {key!r} appears twice in the same mapping")
            result[key] = loader.construct_object(value_node, deep=True)
        return result

    _StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise ConfigError(f"{source}: not valid YAML: {error}") from None


def load_config_file(path: str | os.PathLike[str]) -> AppConfig:
    """Read and check a configuration file (YAML, or JSON for ``*.json``)."""
    source = str(path)
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such configuration file (relative paths start at {Path.cwd()})") from None
    except OSError as error:
        raise ConfigError(f"{source}: cannot read the configuration file ({error.strerror})") from None
    if file.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(f"{source}: not valid JSON: {error}") from None
    else:
        data = _load_yaml(text, source)
    return parse_config(data, source)


def default_config() -> AppConfig:
    """The built-in example: one environment-agnostic stack."""
    return parse_config(DEFAULT_CONFIG, DEFAULT_CONFIG_SOURCE)


def config_from_context(scope: Any) -> AppConfig:
    """The configuration an app was asked for: ``-c config=PATH``, then
    ``$AUTOPILOT_INFERENCE_CONFIG``, then the built-in example.

    ``scope`` is the ``App`` (anything with ``node.try_get_context``).
    """
    path = scope.node.try_get_context(CONFIG_CONTEXT_KEY)
    if path is None or path == "":
        path = os.getenv(CONFIG_ENV_VAR) or None
    if path is None:
        return default_config()
    if not isinstance(path, str):
        raise ConfigError(f"context '{CONFIG_CONTEXT_KEY}' must be a file path; got {_describe(path)}")
    return load_config_file(path)


def context_flag(scope: Any, key: str, default: bool = False) -> bool:
    """A boolean context value: ``-c key=true`` arrives as a string, cdk.json as a bool."""
    value = scope.node.try_get_context(key)
    if value is None:
        return default
    try:
        return parse_bool(value, key, default)
    except PropertyError:
        raise ConfigError(f"context '{key}' must be true or false; got {value!r}") from None


def nag_requested(scope: Any) -> bool:
    """Whether ``-c nag=true`` asks for the compliance checks (:func:`apply_nag_checks`)."""
    return context_flag(scope, NAG_CONTEXT_KEY)


def apply_nag_checks(app: Any) -> None:
    """Run cdk-nag's ``AwsSolutions`` rule pack over every stack of ``app`` when it synthesizes.

    Called by ``app.py`` when :func:`nag_requested` is true (``cdk synth -c nag=true``): the
    library's :func:`autopilot_inference.add_nag_checks`, with a missing cdk-nag reported as a
    configuration error. An unacknowledged finding fails the synthesis (see ``add_nag_checks``).

    Raises:
        ConfigError: cdk-nag 3.x is not installed.
    """
    try:
        add_nag_checks(app)
    except NagNotInstalledError as error:
        raise ConfigError(f"context '{NAG_CONTEXT_KEY}' asks for the cdk-nag checks: {error}") from None


__all__ = [
    "AppConfig",
    "ConfigError",
    "DEFAULT_CONFIG",
    "EndpointConfig",
    "ScheduleConfig",
    "EnvironmentConfig",
    "TransformConfig",
    "apply_nag_checks",
    "config_from_context",
    "context_flag",
    "default_config",
    "load_config_file",
    "nag_requested",
    "parse_config",
]
