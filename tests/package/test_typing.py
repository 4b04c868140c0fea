"""The public API is annotated: every parameter and return of every public constructor, method and
function has an annotation that ``typing.get_type_hints`` resolves (what editors and mypy read).

mypy --strict itself runs in ``make test`` (configured in pyproject.toml); this test keeps the
annotations resolvable at run time too, prop by prop, for every name in ``__all__``.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterator

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
    hints = typing.get_type_hints(function, localns=localns)
    signature = inspect.signature(function)
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
    assert '"autopilot_inference" = ["py.typed", "diff.schema.json"]' in pyproject
    assert "[tool.mypy]\n" in pyproject and "\nstrict = true\n" in pyproject


def test_the_import_paths_documented_before_the_restructure_still_work() -> None:
    """``autopilot_inference.permissions.source_role_policy`` was the README's import before the IAM code
    moved beside each construct; it stays an import path of the same function."""
    from autopilot_inference.permissions import source_role_policy

    assert source_role_policy is autopilot_inference.source_role_policy
    statement = source_role_policy(["arn:aws:sagemaker:us-east-1:111122223333:automl-job/churn"])["Statement"]
    assert statement, "the policy has statements"
