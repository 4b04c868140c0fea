"""The public API is annotated: every parameter and return of every public constructor, method and
function has an annotation that ``typing.get_type_hints`` resolves (what editors and mypy read).

mypy --strict itself runs in ``make test`` (configured in pyproject.toml); this test keeps the
annotations resolvable at run time too, prop by prop, for every name in ``__all__``.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.paths import REPO_ROOT

import autopilot_inference


def _public_callables(name: str, value: object) -> Iterator[tuple[str, Callable[..., object]]]:
    """``value`` itself (a function) or its constructor and the public methods/properties it defines."""
    if inspect.isfunction(value):
        yield name, value
        return
    assert inspect.isclass(value), name
    for attribute, member in vars(value).items():
        if attribute.startswith("_") and attribute != "__init__":
            continue
        if isinstance(member, (staticmethod, classmethod)):
            member = member.__func__
        if isinstance(member, property):
            member = member.fget
        if inspect.isfunction(member) and member.__module__.startswith("autopilot_inference"):
            yield f"{name}.{attribute}", member


def unannotated(function: Callable[..., object], localns: dict[str, object] | None = None) -> list[str]:
    """What of ``function``'s signature lacks an annotation; raises if an annotation does not resolve.

    ``localns``: names the modules import only for type checkers (``if TYPE_CHECKING:``).
    """
    hints = typing.get_type_hints(function, localns=localns, include_extras=True)
    for hint in list(hints.values()):
        if typing.get_origin(hint) is typing.Unpack:  # ``**props: Unpack[SomeProps]``: each prop's annotation
            hints.update(typing.get_type_hints(typing.get_args(hint)[0], localns=localns))
    signature = inspect.signature(function)  # the props spelled out (``__signature__``)
    missing = [
        parameter.name
        for index, parameter in enumerate(signature.parameters.values())
        if parameter.name not in hints and not (index == 0 and parameter.name in ("self", "cls"))
    ]
    if "return" not in hints:
        missing.append("return")
    return missing


def test_the_check_finds_a_missing_annotation() -> None:
    def prop(scope, id: str, *, instance_count=1):  # type: ignore[no-untyped-def]  # deliberately unannotated
        return None

    assert unannotated(prop) == ["scope", "instance_count", "return"]


def test_every_public_parameter_is_annotated() -> None:
    public = {name: getattr(autopilot_inference, name) for name in autopilot_inference.__all__}
    checked: dict[str, list[str]] = {}
    for name, value in public.items():
        for qualified, function in _public_callables(name, value):
            checked[qualified] = unannotated(function, public)
    # The constructs and their props are all there (a renamed class would otherwise go unchecked).
    for expected in (
        "AutopilotModel.__init__",
        "AutopilotModel.add_endpoint",
        "AutopilotBatchTransform.__init__",
        "AutopilotEndpoint.__init__",
        "AutopilotScheduledTransform.__init__",
        "AutopilotInferenceProvider.configure",
        "ServerlessConfig.__init__",
        "BlueGreenUpdate.__init__",
        "RollingUpdate.__init__",
        "CapacitySize.instances",
        "ScalableInstanceCount.scale_on_invocations",
        "add_nag_checks",
        "apply_inference_response_keys",
    ):
        assert expected in checked, f"{expected} is not among the checked public callables"
    assert {name: missing for name, missing in checked.items() if missing} == {}


def test_the_package_ships_its_type_information() -> None:
    assert (REPO_ROOT / "constructs" / "autopilot_inference" / "py.typed").is_file()
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    assert '"autopilot_inference" = ["py.typed"]' in pyproject
    assert "[tool.mypy]\n" in pyproject and "\nstrict = true\n" in pyproject


# --- what help(), inspect and editors show of the constructs (jsii's metaclass hid it) -----------


def _public_constructs() -> dict[str, type]:
    from constructs import Construct

    public = {name: getattr(autopilot_inference, name) for name in autopilot_inference.__all__}
    return {name: value for name, value in public.items() if inspect.isclass(value) and issubclass(value, Construct)}


def test_every_public_construct_shows_its_props_not_jsiis_args() -> None:
    """``inspect.signature(AutopilotModel)`` was jsii's metaclass ``__call__``: ``(*args, **kwargs)``."""
    constructs = _public_constructs()
    assert {"AutopilotModel", "AutopilotEndpoint", "AutopilotBatchTransform", "AutopilotScheduledTransform"} <= set(
        constructs
    )
    for name, cls in constructs.items():
        parameters = inspect.signature(cls).parameters
        kinds = {parameter.kind for parameter in parameters.values()}
        assert inspect.Parameter.VAR_POSITIONAL not in kinds and inspect.Parameter.VAR_KEYWORD not in kinds, name
        assert list(parameters)[:2] == ["scope", "id"], name
    model = inspect.signature(constructs["AutopilotModel"]).parameters
    assert model["automl_job_name"].default is inspect.Parameter.empty  # required
    assert model["processing_unit"].default == "CPU"
    # A construct whose props are a TypedDict (``**props: Unpack[...]``) shows each of them.
    endpoint = inspect.signature(constructs["AutopilotEndpoint"]).parameters
    assert {"model", "instance_type", "serverless", "endpoint_alarms"} <= set(endpoint)
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(endpoint.values())[2:])


def test_pydoc_documents_every_constructor_with_its_props() -> None:
    """``help(AutopilotEndpoint)`` documented ``__init__`` with constructs.Construct's "Creates a new construct node."."""
    import pydoc

    for name, cls in _public_constructs().items():
        text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
        assert "Creates a new construct node." not in text and "Initialize self." not in text, name
        assert "(*args" not in text, name
        init = inspect.getdoc(cls.__init__) or ""
        first_prop = list(inspect.signature(cls).parameters)[2]
        if "Args:" in (cls.__doc__ or ""):
            assert "Args:" in init and f"{first_prop}:" in init, name


def test_add_endpoint_takes_the_endpoints_props() -> None:
    from autopilot_inference import AutopilotEndpoint, AutopilotModel

    endpoint = inspect.signature(AutopilotEndpoint).parameters
    add_endpoint = inspect.signature(AutopilotModel.add_endpoint).parameters
    assert list(add_endpoint) == ["self", "id", *[name for name in endpoint if name not in ("scope", "id", "model")]]
    assert typing.get_type_hints(AutopilotModel.add_endpoint, include_extras=True)["props"] == typing.Unpack[
        autopilot_inference.serving.endpoint.EndpointProps
    ]


MYPY_SNIPPET = '''
from aws_cdk import App, Stack
from autopilot_inference import AutopilotEndpoint, AutopilotModel

stack = Stack(App(), "Typed")
model = AutopilotModel(stack, "Model", automl_job_name="churn", automl_output_s3_uri="s3://amzn-s3-demo-bucket/out")
model.add_endpoint("Good", instance_type="ml.m5.large", initial_instance_count=2)
AutopilotEndpoint(stack, "AlsoGood", model=model, variant_name="Blue")
model.add_endpoint("Typo", instance_typ="ml.m5.large")
model.add_endpoint("WrongType", initial_instance_count="2")
AutopilotEndpoint(stack, "Typo2", model=model, instance_typ="ml.m5.large")
'''


def mypy_strict(tmp_path: Path, code: str) -> tuple[str, list[str], list[int]]:
    """``mypy --strict`` (the project's configuration) on ``code`` as a user's file: its output, error
    messages and the lines they are on; it must find at least one error."""
    from mypy import api

    snippet = tmp_path / "snippet.py"
    snippet.write_text(code)
    stdout, stderr, status = api.run(
        ["--strict", "--config-file", str(REPO_ROOT / "pyproject.toml"), "--cache-dir", str(REPO_ROOT / ".mypy_cache"),
         str(snippet)]
    )
    found = [line for line in stdout.splitlines() if ": error: " in line]
    assert status == 1, (stdout, stderr)
    return stdout, [line.split(": error: ", 1)[1] for line in found], sorted({int(line.split(":")[1]) for line in found})


@pytest.mark.slow
def test_mypy_strict_refuses_a_misspelled_or_mistyped_endpoint_prop(tmp_path: Path) -> None:
    """What an editor's type checker says of ``add_endpoint`` calls: every prop checked, as for the construct."""
    stdout, errors, lines = mypy_strict(tmp_path, MYPY_SNIPPET)
    assert lines == [9, 10, 11], stdout  # the three wrong calls, not the good ones
    assert any('Unexpected keyword argument "instance_typ" for "add_endpoint"' in error for error in errors), stdout
    assert any('"initial_instance_count"' in error and '"str"' in error for error in errors), stdout
    assert any('Unexpected keyword argument "instance_typ" for "AutopilotEndpoint"' in error for error in errors), stdout


TRANSFORM_SNIPPET = '''
from aws_cdk import App, Stack
from autopilot_inference import AutopilotBatchTransform, AutopilotModel, AutopilotScheduledTransform

stack = Stack(App(), "Typed")
model = AutopilotModel(stack, "Model", automl_job_name="churn", automl_output_s3_uri="s3://amzn-s3-demo-bucket/out")
AutopilotBatchTransform(stack, "Good", model=model, input_s3_uri="s3://b/in/", output_s3_uri="s3://b/out/", instance_count=2)
AutopilotScheduledTransform(stack, "AlsoGood", model=model, schedule="rate(1 day)", input_s3_uri="s3://b/in/", output_s3_uri="s3://b/out/", accept=None)
AutopilotBatchTransform(stack, "Typo", model=model, input_s3_uri="s3://b/in/", output_s3_uri="s3://b/out/", instance_typ="ml.m5.large")
AutopilotScheduledTransform(stack, "Typo2", model=model, schedule="rate(1 day)", input_s3_uri="s3://b/in/", output_s3_uri="s3://b/out/", instance_typ="ml.m5.large")
AutopilotBatchTransform(stack, "WrongType", model=model, input_s3_uri="s3://b/in/", output_s3_uri="s3://b/out/", instance_count="2")
AutopilotBatchTransform(stack, "NoOutput", model=model, input_s3_uri="s3://b/in/")
'''


@pytest.mark.slow
def test_mypy_strict_refuses_a_misspelled_mistyped_or_missing_transform_option(tmp_path: Path) -> None:
    """The transform options, declared once (``TransformOptionsProps``), are checked by mypy in both constructs."""
    stdout, errors, lines = mypy_strict(tmp_path, TRANSFORM_SNIPPET)
    assert lines == [9, 10, 11, 12], stdout  # the four wrong calls, not the good ones
    assert any('Unexpected keyword argument "instance_typ" for "AutopilotBatchTransform"' in error for error in errors), stdout
    assert any('Unexpected keyword argument "instance_typ" for "AutopilotScheduledTransform"' in error for error in errors), stdout
    assert any('"instance_count"' in error and '"str"' in error for error in errors), stdout
    assert any('Missing named argument "output_s3_uri"' in error for error in errors), stdout


def test_a_misspelled_or_missing_transform_option_is_a_type_error_at_call_time() -> None:
    from aws_cdk import App, Stack

    from autopilot_inference import AutopilotBatchTransform, AutopilotModel, AutopilotScheduledTransform

    stack = Stack(App(), "Typos")
    model = AutopilotModel(stack, "Model", automl_job_name="churn", automl_output_s3_uri="s3://amzn-s3-demo-bucket/out")
    where = {"input_s3_uri": "s3://amzn-s3-demo-bucket/in/", "output_s3_uri": "s3://amzn-s3-demo-bucket/scored/"}
    with pytest.raises(TypeError, match=r"AutopilotBatchTransform\(\) got an unexpected keyword argument 'instance_typ'; did you mean 'instance_type'\?"):
        AutopilotBatchTransform(stack, "Batch", model=model, instance_typ="ml.m5.large", **where)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"AutopilotScheduledTransform\(\) got an unexpected keyword argument 'instance_typ'"):
        AutopilotScheduledTransform(stack, "Nightly", model=model, schedule="rate(1 day)", instance_typ="x", **where)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"AutopilotBatchTransform\(\) missing required keyword argument 'output_s3_uri'"):
        AutopilotBatchTransform(stack, "Batch", model=model, input_s3_uri=where["input_s3_uri"])  # type: ignore[call-arg]
    assert stack.node.try_find_child("Batch") is None and stack.node.try_find_child("Nightly") is None


def test_the_transform_options_show_their_defaults_and_docs() -> None:
    """``help()`` and ``inspect.signature`` show every option with its default, and the options' docs."""
    from autopilot_inference import AutopilotBatchTransform, AutopilotScheduledTransform

    for cls in (AutopilotBatchTransform, AutopilotScheduledTransform):
        parameters = inspect.signature(cls).parameters
        assert parameters["input_s3_uri"].default is inspect.Parameter.empty, cls  # Required[str]
        assert parameters["input_s3_uri"].annotation == "str", cls
        assert parameters["instance_type"].default == "ml.m5.xlarge", cls
        assert parameters["content_type"].default == "text/csv", cls  # None is a value of its own: no ContentType
        assert parameters["volume_kms_key"].default is None, cls
        doc = inspect.getdoc(cls.__init__) or ""
        assert "TransformOptionsProps Keys:" in doc and "max_payload_in_mb: largest request payload" in doc, cls


def test_a_misspelled_endpoint_prop_is_a_type_error_at_call_time() -> None:
    from aws_cdk import App, Stack

    from autopilot_inference import AutopilotEndpoint, AutopilotModel

    stack = Stack(App(), "Typos")
    model = AutopilotModel(stack, "Model", automl_job_name="churn", automl_output_s3_uri="s3://amzn-s3-demo-bucket/out")
    with pytest.raises(TypeError, match=r"add_endpoint\(\) got an unexpected keyword argument 'instance_typ'; did you mean 'instance_type'\?"):
        model.add_endpoint("Endpoint", instance_typ="ml.m5.large")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"AutopilotEndpoint\(\) got an unexpected keyword argument 'instance_typ'"):
        AutopilotEndpoint(stack, "Endpoint", model=model, instance_typ="ml.m5.large")  # type: ignore[call-arg]
    assert stack.node.try_find_child("Endpoint") is None  # refused before anything was built
