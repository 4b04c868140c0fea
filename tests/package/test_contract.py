"""One contract: ``lambda/autopilot_runtime/contract.py`` is the only module that spells a custom
resource's type, property name, ``Data`` key or limit, and its enumerations and limits are the
SageMaker API's (botocore's service model).

The first tests read every module of both packages as Python (``ast``): the string and integer
literals outside docstrings. A literal that equals a contract name is allowed only where it is a
botocore name: in a module that builds or reads an API request, and only when botocore's model has
that member in the operation's shape (:data:`API_USE`). Everything else imports the contract.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from support.paths import REPO_ROOT

from autopilot_inference._lambda.autopilot_runtime import contract

PACKAGES = (REPO_ROOT / "constructs" / "autopilot_inference", REPO_ROOT / "lambda" / "autopilot_runtime")
CONTRACT = REPO_ROOT / "lambda" / "autopilot_runtime" / "contract.py"

PROPERTY_NAMES = frozenset(
    {
        *contract.MODEL_PROPERTIES,
        *contract.TRANSFORM_JOB_PROPERTIES,
        *contract.MODEL_PACKAGE_PROPERTIES,
        *contract.PACKAGE_MODEL_PROPERTIES,
        contract.SECURITY_GROUP_IDS,
        contract.SUBNETS,
    }
)
DATA_KEYS = frozenset(
    {*contract.MODEL_ATTRIBUTES, *contract.TRANSFORM_JOB_ATTRIBUTES, *contract.MODEL_PACKAGE_ATTRIBUTES}
)
CONTRACT_NAMES = PROPERTY_NAMES | DATA_KEYS
# The wait limits (a wait condition's 12 hours, the default 55 minutes) in every unit they are spelled in.
WAIT_LIMITS = frozenset(
    {
        contract.MAX_WAIT_SECONDS,
        contract.DEFAULT_WAIT_TIMEOUT_MINUTES,
        contract.DEFAULT_WAIT_TIMEOUT_SECONDS,
    }
)
ENUMERATIONS = {
    name: frozenset(value)
    for name, value in vars(contract).items()
    if name.isupper() and isinstance(value, tuple) and value and all(isinstance(item, str) for item in value)
    and not name.endswith(("PROPERTIES", "ATTRIBUTES", "RESOURCE_TYPES"))
}
PATTERNS = {
    name: value.pattern for name, value in vars(contract).items() if name.endswith("_PATTERN") and isinstance(value, re.Pattern)
}

# Modules that build or read SageMaker (and Scheduler) API requests: (service, operation, "input" or "output").
# A contract name spelled there must be a member of one of these shapes (at any depth) in botocore's model.
API_USE: dict[str, tuple[tuple[str, str, str], ...]] = {
    # CreateModel / CreateTransformJob keyword arguments.
    "lambda/autopilot_runtime/sagemaker_requests.py": (
        ("sagemaker", "CreateModel", "input"),
        ("sagemaker", "CreateTransformJob", "input"),
    ),
    # The answers of CreateModel, DescribeModel and ListTags.
    "lambda/autopilot_runtime/model_resource.py": (
        ("sagemaker", "CreateModel", "output"),
        ("sagemaker", "DescribeModel", "output"),
        ("sagemaker", "ListTags", "output"),
    ),
    # The answers of CreateTransformJob, DescribeTransformJob and ListTransformJobs.
    "lambda/autopilot_runtime/transform_resource.py": (
        ("sagemaker", "CreateTransformJob", "output"),
        ("sagemaker", "DescribeTransformJob", "output"),
        ("sagemaker", "ListTransformJobs", "output"),
    ),
    # The registration's request and the versions as SageMaker describes and lists them.
    "lambda/autopilot_runtime/model_package_resource.py": (
        ("sagemaker", "CreateModelPackage", "input"),
        ("sagemaker", "CreateModelPackage", "output"),
        ("sagemaker", "DescribeModelPackage", "output"),
        ("sagemaker", "ListModelPackages", "output"),
    ),
    "lambda/autopilot_runtime/package_model_resource.py": (
        ("sagemaker", "CreateModel", "output"),
        ("sagemaker", "DescribeModel", "output"),
        ("sagemaker", "DescribeModelPackage", "output"),
        ("sagemaker", "ListModelPackages", "output"),
    ),
    # The "SageMaker Model Package State Change" event's detail is a DescribeModelPackage answer.
    "constructs/autopilot_inference/registry/model_package.py": (("sagemaker", "DescribeModelPackage", "output"),),
    "lambda/autopilot_runtime/existence.py": (
        ("sagemaker", "ListModels", "output"),
        ("sagemaker", "ListTransformJobs", "output"),
    ),
    # The job and its candidates' containers, as DescribeAutoMLJob(V2) and ListCandidatesForAutoMLJob answer.
    "lambda/autopilot_runtime/candidates.py": (
        ("sagemaker", "DescribeAutoMLJob", "output"),
        ("sagemaker", "DescribeAutoMLJobV2", "output"),
        ("sagemaker", "ListCandidatesForAutoMLJob", "output"),
    ),
    "lambda/autopilot_runtime/media_types.py": (("sagemaker", "DescribeAutoMLJob", "output"),),
    "lambda/autopilot_runtime/response_keys.py": (("sagemaker", "DescribeAutoMLJob", "output"),),
    "constructs/autopilot_inference/tools/plan.py": (
        ("sagemaker", "DescribeAutoMLJob", "output"),
        ("sagemaker", "DescribeModelPackage", "output"),  # plan --model-package-group
    ),
    # The Step Functions task's CreateTransformJob parameters.
    "constructs/autopilot_inference/transform/scheduled.py": (("sagemaker", "CreateTransformJob", "input"),),
    # The "SageMaker Transform Job State Change" event's detail is a DescribeTransformJob answer.
    # Templates: an endpoint configuration's variants (ModelName), a schedule's FlexibleTimeWindow (Mode),
    # a scheduled transform's CreateTransformJob request.
    "constructs/autopilot_inference/tools/describe.py": (
        ("sagemaker", "CreateEndpointConfig", "input"),
        ("sagemaker", "CreateTransformJob", "input"),
        ("scheduler", "CreateSchedule", "input"),
    ),
}
# Literals that are neither contract names nor API names, though they are spelled the same.
NOT_CONTRACT: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Literal:
    module: str  # relative to the repository
    line: int
    value: Any

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.value!r}"


def _docstrings(tree: ast.AST) -> set[int]:
    """Ids of the string constants that are documentation: every string standing alone as a statement."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }


def _module(path: Path) -> str:
    """The module's path relative to the repository (a module elsewhere: its file name)."""
    return path.relative_to(REPO_ROOT).as_posix() if path.is_relative_to(REPO_ROOT) else path.name


def literals(path: Path) -> Iterator[Literal]:
    """The string and integer literals of a module, outside documentation."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    documentation = _docstrings(tree)
    module = _module(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in documentation and type(node.value) in (str, int):
            yield Literal(module, node.lineno, node.value)


def modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in package.rglob("*.py") if path != CONTRACT)


@cache
def _service(name: str) -> Any:
    return botocore.session.get_session().get_service_model(name)


def member_names(shape: Any, seen: set[str] | None = None) -> set[str]:
    """Every member name of ``shape`` and the shapes it holds, at any depth."""
    seen = set() if seen is None else seen
    if shape is None or shape.name in seen:
        return set()
    seen.add(shape.name)
    names: set[str] = set()
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            names.add(name)
            names |= member_names(member, seen)
    elif shape.type_name == "list":
        names |= member_names(shape.member, seen)
    elif shape.type_name == "map":
        names |= member_names(shape.value, seen)
    return names


@cache
def api_names(module: str) -> frozenset[str]:
    """The names ``module`` may spell as botocore's: the members of its operations' shapes."""
    names: set[str] = set()
    for service, operation, direction in API_USE.get(module, ()):
        model = _service(service).operation_model(operation)
        names |= member_names(model.input_shape if direction == "input" else model.output_shape)
    return frozenset(names)


def violations(paths: list[Path]) -> list[str]:
    """What the modules at ``paths`` spell that only the contract may spell."""
    found: list[str] = []
    for path in paths:
        for literal in literals(path):
            value = literal.value
            if isinstance(value, str):
                if any(resource_type in value for resource_type in contract.RESOURCE_TYPES):
                    found.append(f"{literal}: a resource type (use contract.MODEL_RESOURCE_TYPE / TRANSFORM_JOB_RESOURCE_TYPE)")
                elif value in CONTRACT_NAMES and value not in api_names(literal.module) and (
                    (literal.module, value) not in NOT_CONTRACT
                ):
                    found.append(f"{literal}: a property name or Data key of the contract (import it from contract)")
                elif value in PATTERNS.values():
                    found.append(f"{literal}: a name pattern of the contract")
            elif value in WAIT_LIMITS:
                found.append(f"{literal}: the contract's wait limit (contract.MAX_WAIT_SECONDS / DEFAULT_WAIT_TIMEOUT_MINUTES)")
    found += redefinitions(paths)
    found += enumeration_copies(paths)
    return found


def enumeration_copies(paths: list[Path]) -> list[str]:
    """Tuples, lists and sets of strings that hold the values of a contract enumeration (``("None", "Line")``)."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and node.elts and all(
                isinstance(item, ast.Constant) and isinstance(item.value, str) for item in node.elts
            ):
                values = frozenset(item.value for item in node.elts if isinstance(item, ast.Constant))
                found += [
                    f"{_module(path)}:{node.lineno}: {sorted(values)} (use contract.{name})"
                    for name, enumeration in ENUMERATIONS.items()
                    if values == enumeration
                ]
    return found


def redefinitions(paths: list[Path]) -> list[str]:
    """Module-level assignments of a literal to a name the contract defines (a second copy of a fact)."""
    names = {name for name in vars(contract) if name.isupper()}
    found = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Constant):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name) and target.id in names:
                        found.append(
                            f"{_module(path)}:{node.lineno}: {target.id} = {node.value.value!r} "
                            f"(use contract.{target.id})"
                        )
    return found


def test_only_the_contract_spells_property_names_resource_types_and_limits() -> None:
    found = violations(modules())
    assert not found, "spelled outside lambda/autopilot_runtime/contract.py:\n" + "\n".join(found)


def test_the_walk_sees_both_packages_and_the_contract_names() -> None:
    """The check above reads what it claims to read (it would pass on an empty list)."""
    paths = modules()
    assert {path.parent for path in paths} >= set(PACKAGES)
    assert len(paths) > 40
    spelled = {literal.value for literal in literals(CONTRACT)}
    assert CONTRACT_NAMES <= spelled and set(contract.RESOURCE_TYPES) <= spelled
    assert contract.DEFAULT_WAIT_TIMEOUT_MINUTES in spelled


@pytest.mark.parametrize(
    "source",
    [
        'PROPERTIES = {"WaitTimeoutSeconds": 60}\n',
        'RESOURCE = "Custom::AutopilotModel"\n',
        "def attribute(resource):\n    return resource.get_att_string('ModelArn')\n",
        "from aws_cdk import Duration\nTIMEOUT = Duration.minutes(55)\n",
        "LIMIT = 3300\n",
        "MAX_SUBNETS = 16\n",
        '_ASSEMBLE_WITH = ("None", "Line")\n',
        'def check(unit):\n    return unit in ["CPU", "GPU"]\n',
        'import re\nNAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")\n',
    ],
)
def test_a_literal_outside_the_contract_fails(tmp_path: Path, source: str) -> None:
    """Each kind of copy is found (in a module of no API use, written here)."""
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    assert violations([path])


def test_api_names_are_allowed_only_as_members_of_the_declared_operations() -> None:
    """``ModelName`` is a CreateModel member; ``WaitTimeoutSeconds`` and ``ObjectiveMetricValue`` are no
    CreateModel/CreateTransformJob member, so not even the request builder may spell them."""
    names = api_names("lambda/autopilot_runtime/sagemaker_requests.py")
    assert {contract.MODEL_NAME, contract.EXECUTION_ROLE_ARN, contract.VPC_CONFIG, contract.TRANSFORM_INPUT} <= names
    assert not {contract.WAIT_TIMEOUT_SECONDS, contract.ATTR_OBJECTIVE_METRIC_VALUE, contract.TRANSFORM_JOB_NAME_PREFIX} & names
    assert api_names("constructs/autopilot_inference/model/model.py") == frozenset()


def test_every_allowance_is_used() -> None:
    """An API_USE or NOT_CONTRACT entry that no literal needs any more goes (modules that moved out of the
    package, e.g. the example app's stack, are skipped)."""
    spelled: dict[str, set[Any]] = {}
    for path in modules():
        spelled[_module(path)] = {literal.value for literal in literals(path)}
    unused = [module for module in API_USE if module in spelled and not (spelled[module] & CONTRACT_NAMES)]
    unused += [f"{module}: {value}" for module, value in NOT_CONTRACT if module in spelled and value not in spelled[module]]
    assert not unused, f"allowances no module needs: {unused}"


# --- one name for each fact: no aliases, no re-exports ------------------------------------------

# Every module that reads the contract: both packages, the example app, the benchmarks and the tests.
USERS = (*PACKAGES, REPO_ROOT / "examples", REPO_ROOT / "benchmarks", REPO_ROOT / "tests")


def user_modules() -> list[Path]:
    return sorted(path for root in USERS for path in root.rglob("*.py") if path != CONTRACT)


def _is_contract(module: str | None) -> bool:
    """Whether an import's module is the contract (``.contract``, ``...autopilot_runtime.contract``)."""
    return module is not None and module.rsplit(".", 1)[-1] == "contract"


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements at module level, also inside a module-level ``if``/``try``/``with`` (not in a def or class)."""
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With)):
            for block in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, block, []):
                    yield from _module_statements(child.body if isinstance(child, ast.ExceptHandler) else [child])


def _contract_name(value: ast.expr | None, modules: set[str], imported: dict[str, str]) -> str | None:
    """The contract name ``value`` reads as it is (``contract.NAME``, or a name imported from the contract)."""
    if isinstance(value, ast.Attribute) and (
        (isinstance(value.value, ast.Name) and value.value.id in modules)
        or (isinstance(value.value, ast.Attribute) and value.value.attr == "contract")  # package.contract.NAME
    ):
        return value.attr
    if isinstance(value, ast.Name) and value.id in imported:
        return imported[value.id]
    return None


def second_names(paths: list[Path]) -> list[str]:
    """Contract names given a second home outside ``contract.py``: a module-level alias (``MAX_SUBNETS =
    contract.MAX_SUBNETS``, or of a name imported from the contract), a ``from ...contract import NAME``
    (the name becomes the importer's too) and an ``__all__`` that re-exports one. Users read ``contract.NAME``."""
    found = []
    for path in paths:
        module = _module(path)
        statements = list(_module_statements(ast.parse(path.read_text(encoding="utf-8")).body))
        modules = {"contract"}  # local names of the contract module itself
        imported: dict[str, str] = {}  # local name -> the contract's name
        for node in statements:
            if isinstance(node, ast.ImportFrom) and _is_contract(node.module):
                for alias in node.names:
                    imported[alias.asname or alias.name] = alias.name
                    found.append(
                        f"{module}:{node.lineno}: from {'.' * node.level}{node.module} import {alias.name} "
                        f"(import the module and read contract.{alias.name})"
                    )
            elif isinstance(node, ast.ImportFrom):
                modules |= {alias.asname for alias in node.names if alias.name == "contract" and alias.asname}
            elif isinstance(node, ast.Import):
                modules |= {alias.asname for alias in node.names if _is_contract(alias.name) and alias.asname}

        assignments = [node for node in statements if isinstance(node, (ast.Assign, ast.AnnAssign))]
        aliases: dict[str, str] = {}  # alias -> the contract's name
        for node in assignments:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            pairs = [(target, node.value) for target in targets]
            pairs += [  # A, B = contract.X, contract.Y
                pair
                for target in targets
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                for pair in zip(target.elts, node.value.elts, strict=False)
            ]
            for target, value in pairs:
                name = _contract_name(value, modules, imported)
                if isinstance(target, ast.Name) and name is not None:
                    aliases[target.id] = name
                    found.append(f"{module}:{node.lineno}: {target.id} = contract.{name} (read contract.{name} where it is used)")
        for node in assignments:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(target, ast.Name) and target.id == "__all__" for target in targets) and isinstance(
                node.value, (ast.List, ast.Tuple)
            ):
                found += [
                    f"{module}:{item.lineno}: __all__ re-exports the contract's {item.value} (users import contract)"
                    for item in node.value.elts
                    if isinstance(item, ast.Constant) and (item.value in imported or item.value in aliases)
                ]
    return found


def test_contract_names_have_no_second_name() -> None:
    found = second_names(user_modules())
    assert not found, "contract names under a second name (see lambda/autopilot_runtime/contract.py):\n" + "\n".join(found)


def test_the_alias_walk_sees_every_user() -> None:
    """The check above reads the modules that use the contract (it would pass on an empty list)."""
    paths = user_modules()
    folders = {path.relative_to(REPO_ROOT).parts[0] for path in paths}
    assert folders == {"constructs", "lambda", "examples", "benchmarks", "tests"}
    assert REPO_ROOT / "examples" / "app" / "config.py" in paths and Path(__file__) in paths
    assert CONTRACT not in paths


@pytest.mark.parametrize(
    "source",
    [
        "from . import contract\nMAX_SUBNETS = contract.MAX_SUBNETS\n",
        "from ._lambda.autopilot_runtime import contract\nMODEL_TYPE = contract.MODEL_RESOURCE_TYPE\n",
        "from . import contract as c\nLIMIT: int = c.MAX_WAIT_SECONDS\n",
        "import autopilot_runtime.contract as c\nif True:\n    LIMIT = c.MAX_WAIT_SECONDS\n",
        "from . import contract\nPATTERN, LIMIT = contract.MODEL_NAME_PATTERN, contract.MAX_NAME_LENGTH\n",
        "import autopilot_inference._lambda.autopilot_runtime.contract\n"
        "TAGS = autopilot_inference._lambda.autopilot_runtime.contract.TAGS\n",
        "from .contract import TAGS\n",
        "from autopilot_inference._lambda.autopilot_runtime.contract import MAX_WAIT_SECONDS as LIMIT\n",
    ],
)
def test_a_second_name_fails(tmp_path: Path, source: str) -> None:
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    assert second_names([path])


def test_a_re_export_names_the_re_exported_name(tmp_path: Path) -> None:
    """A name imported from the contract or an alias, listed in ``__all__``: both lines are reported."""
    path = tmp_path / "probe.py"
    path.write_text('from .contract import TAGS\n\n__all__ = ["TAGS", "parse_tags"]\n', encoding="utf-8")
    found = second_names([path])
    assert len(found) == 2 and "__all__ re-exports the contract's TAGS" in found[1]
    path.write_text('from . import contract\n\nMAX_COUNT = contract.MAX_TRANSFORM_INSTANCE_COUNT\n__all__ = ["MAX_COUNT"]\n')
    assert [line.split(": ", 1)[1] for line in second_names([path])] == [
        "MAX_COUNT = contract.MAX_TRANSFORM_INSTANCE_COUNT (read contract.MAX_TRANSFORM_INSTANCE_COUNT where it is used)",
        "__all__ re-exports the contract's MAX_COUNT (users import contract)",
    ]


def test_values_computed_from_the_contract_are_no_second_name(tmp_path: Path) -> None:
    """A value derived from a contract name, a function's local and a field default are facts of their own."""
    path = tmp_path / "probe.py"
    path.write_text(
        "from aws_cdk import Duration\n"
        "from . import contract\n"
        "HANDLER_TIMEOUT = Duration.seconds(contract.HANDLER_TIMEOUT_SECONDS)\n"
        "MAX_PREFIX_LENGTH = contract.MAX_NAME_LENGTH - 11\n"
        "def check(subnets):\n    limit = contract.MAX_SUBNETS\n    return len(subnets) <= limit\n"
        "class Config:\n    split_type: str = contract.DEFAULT_SPLIT_TYPE\n",
        encoding="utf-8",
    )
    assert second_names([path]) == []


# --- the contract against botocore's SageMaker model ------------------------------------------


def sagemaker_shape(name: str) -> Any:
    return _service("sagemaker").shape_for(name)


@pytest.mark.parametrize(
    ("values", "shape"),
    [
        (contract.SPLIT_TYPES, "SplitType"),
        (contract.ASSEMBLE_WITH, "AssemblyType"),
        (contract.BATCH_STRATEGIES, "BatchStrategy"),
        (contract.COMPRESSION_TYPES, "CompressionType"),
        (contract.JOIN_SOURCES, "JoinSource"),
        (contract.PROCESSING_UNITS, "AutoMLProcessingUnit"),
        (contract.APPROVAL_STATUSES, "ModelApprovalStatus"),
    ],
)
def test_enumerations_are_botocores(values: tuple[str, ...], shape: str) -> None:
    assert sorted(values) == sorted(sagemaker_shape(shape).enum)


def test_s3_data_types_are_botocores_but_converse() -> None:
    """botocore's S3DataType also has ``Converse``, which its CreateTransformJob documentation does not list."""
    assert sorted(contract.S3_DATA_TYPES) == sorted(set(sagemaker_shape("S3DataType").enum) - {"Converse"})
    assert contract.DEFAULT_S3_DATA_TYPE in contract.S3_DATA_TYPES
    assert contract.DEFAULT_SPLIT_TYPE in contract.SPLIT_TYPES
    assert contract.DEFAULT_ASSEMBLE_WITH in contract.ASSEMBLE_WITH
    assert contract.DEFAULT_PROCESSING_UNIT in contract.PROCESSING_UNITS


@pytest.mark.parametrize(
    ("limit", "shape"),
    [
        (contract.MAX_AUTOML_JOB_NAME_LENGTH, "AutoMLJobName"),
        (contract.MAX_CANDIDATE_NAME_LENGTH, "CandidateName"),
        (contract.MAX_NAME_LENGTH, "ModelName"),
        (contract.MAX_NAME_LENGTH, "TransformJobName"),
        (contract.MAX_NAME_LENGTH, "EndpointName"),
        (contract.MAX_SUBNETS, "Subnets"),
        (contract.MAX_SECURITY_GROUPS, "VpcSecurityGroupIds"),
        (contract.MAX_TRANSFORM_ENVIRONMENT_ENTRIES, "TransformEnvironmentMap"),
        (contract.MAX_TRANSFORM_ENVIRONMENT_VALUE_LENGTH, "TransformEnvironmentValue"),
        (contract.MAX_FILTER_LENGTH, "JsonPath"),
        (contract.MAX_CONTENT_TYPE_LENGTH, "ContentType"),
        (contract.MAX_INVOCATIONS_TIMEOUT_SECONDS, "InvocationsTimeoutInSeconds"),
        (contract.MAX_INVOCATIONS_MAX_RETRIES, "InvocationsMaxRetries"),
        (contract.MAX_TAG_VALUE_LENGTH, "TagValue"),
        (contract.MAX_TAG_KEY_LENGTH, "TagKey"),
        (contract.MAX_TAGS, "TagList"),
        (contract.MAX_S3_URI_LENGTH, "S3Uri"),
    ],
)
def test_limits_are_botocores(limit: int, shape: str) -> None:
    assert limit == sagemaker_shape(shape).metadata["max"]


@pytest.mark.parametrize(
    ("pattern", "shape"),
    [
        (contract.AUTOML_JOB_NAME_PATTERN, "AutoMLJobName"),
        (contract.MODEL_NAME_PATTERN, "ModelName"),
        (contract.TRANSFORM_JOB_NAME_PATTERN, "TransformJobName"),
        (contract.ENDPOINT_NAME_PATTERN, "EndpointName"),
        (contract.ENVIRONMENT_KEY_PATTERN, "TransformEnvironmentKey"),
    ],
)
def test_name_patterns_are_botocores(pattern: re.Pattern[str], shape: str) -> None:
    assert pattern.pattern == f"^{sagemaker_shape(shape).metadata['pattern']}$"


def test_transform_request_properties_are_create_transform_job_members() -> None:
    request = _service("sagemaker").operation_model("CreateTransformJob").input_shape
    assert set(contract.TRANSFORM_REQUEST_PROPERTIES) <= set(request.members)
    # The job name is the handler's; every other required member is a required property.
    assert set(contract.TRANSFORM_REQUIRED_PROPERTIES) == set(request.required_members) - {"TransformJobName"}
    model_request = _service("sagemaker").operation_model("CreateModel").input_shape
    assert set(model_request.members[contract.VPC_CONFIG].members) == {contract.SECURITY_GROUP_IDS, contract.SUBNETS}
    assert {contract.EXECUTION_ROLE_ARN, contract.ENABLE_NETWORK_ISOLATION} <= set(model_request.members)


def test_default_package_instance_types_are_botocores() -> None:
    """What a registered version lists as supported: transform and real-time instance types SageMaker has."""
    for unit in contract.PROCESSING_UNITS:
        types = set(contract.DEFAULT_PACKAGE_INSTANCE_TYPES[unit])
        assert types <= set(sagemaker_shape("TransformInstanceType").enum)
        assert types <= set(sagemaker_shape("ProductionVariantInstanceType").enum)
    assert contract.DEFAULT_APPROVAL_STATUS in contract.APPROVAL_STATUSES


def test_model_package_names_and_arns_are_botocores() -> None:
    assert contract.MODEL_PACKAGE_GROUP_NAME_PATTERN.pattern == f"^{sagemaker_shape('EntityName').metadata['pattern']}$"
    request = _service("sagemaker").operation_model("CreateModelPackage").input_shape
    assert {contract.MODEL_PACKAGE_GROUP_NAME, contract.MODEL_PACKAGE_DESCRIPTION, contract.MODEL_APPROVAL_STATUS} <= set(request.members)
    specification = request.members["InferenceSpecification"].members
    assert {contract.SUPPORTED_TRANSFORM_INSTANCE_TYPES, contract.SUPPORTED_REALTIME_INFERENCE_INSTANCE_TYPES} <= set(specification)
    version = "arn:aws:sagemaker:eu-west-1:111122223333:model-package/churn-models/12"
    group = "arn:aws:sagemaker:eu-west-1:111122223333:model-package-group/churn-models"
    for pattern, shape, arn in (
        (contract.MODEL_PACKAGE_VERSION_ARN_PATTERN, "ModelPackageArn", version),
        (contract.MODEL_PACKAGE_GROUP_ARN_PATTERN, "ModelPackageGroupArn", group),
    ):
        assert pattern.match(arn) and re.fullmatch(sagemaker_shape(shape).metadata["pattern"], arn)
    assert not contract.MODEL_PACKAGE_VERSION_ARN_PATTERN.match(group)


def test_the_wait_limit_is_a_wait_conditions() -> None:
    """A wait condition's Timeout is at most 43,200 s (12 hours); the default stays the poller's 55 minutes."""
    assert contract.MAX_WAIT_SECONDS == 43200 == contract.MAX_WAIT_HOURS * 3600
    assert contract.DEFAULT_WAIT_TIMEOUT_SECONDS == contract.DEFAULT_WAIT_TIMEOUT_MINUTES * 60 < contract.MAX_WAIT_SECONDS


def test_a_create_has_the_time_its_worst_case_needs_in_one_invocation() -> None:
    """CreateTransformJob with its retries, the ListTransformJobs that finds its job, and the report fit one invocation."""
    assert contract.create_remaining_seconds() == 2 * contract.call_budget_seconds() + contract.REPORT_RESERVE_SECONDS
    assert contract.create_remaining_seconds() <= contract.HANDLER_TIMEOUT_SECONDS
