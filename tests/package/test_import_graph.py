"""No module of the construct package or of the handler package imports one that imports it back.

The graph is read from the source (``ast``), so every import counts: at module level, under
``if TYPE_CHECKING:``, inside functions. Relative imports are resolved against the importing
module's package; ``from . import x`` is an edge to the module ``x`` when there is one (else to
the package itself); ``autopilot_inference._lambda.autopilot_runtime`` is the handler package
``autopilot_runtime`` (installed inside the construct package, see pyproject.toml). A
package's ``__init__`` is a node of its own: importing ``pkg.a`` is an edge to ``pkg.a`` only.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

from support.paths import REPO_ROOT

PACKAGES = {
    "autopilot_inference": REPO_ROOT / "constructs" / "autopilot_inference",
    "autopilot_inference._lambda": REPO_ROOT / "lambda",
    "autopilot_runtime": REPO_ROOT / "lambda" / "autopilot_runtime",
}
"""Package name -> its directory (``lambda/`` is installed as ``autopilot_inference._lambda``)."""
ALIASES = {"autopilot_inference._lambda.autopilot_runtime": "autopilot_runtime"}
"""Module name prefixes that are another package of the graph under a second name."""

Graph = dict[str, set[str]]


def module_names(packages: Mapping[str, Path], aliases: Mapping[str, str]) -> dict[str, Path]:
    """Dotted module name (under its own name, see ``aliases``) -> source file, for every ``.py`` file below each package directory."""
    names: dict[str, Path] = {}
    for package, directory in packages.items():
        for path in sorted(directory.rglob("*.py")):
            parts = [package, *path.relative_to(directory).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            names.setdefault(_canonical(".".join(parts), aliases), path)
    return names


def _canonical(name: str, aliases: Mapping[str, str]) -> str:
    for prefix, target in aliases.items():
        if name == prefix or name.startswith(prefix + "."):
            return target + name[len(prefix) :]
    return name


def _package_of(module: str, path: Path) -> str:
    """The package a relative import of ``module`` starts from (``module`` itself for an ``__init__``)."""
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def imported_names(module: str, path: Path) -> Iterator[tuple[str, ...]]:
    """What each import of ``path`` may name, wherever the statement stands: alternatives, most specific first.

    ``from pkg import x`` names the module ``pkg.x`` when there is one, else ``pkg`` itself.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield (alias.name,)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(module, path)
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                origin = f"{base}.{node.module}" if node.module else base
            else:
                origin = node.module or ""
            for alias in node.names:
                yield (f"{origin}.{alias.name}", origin)


def import_graph(packages: Mapping[str, Path], aliases: Mapping[str, str] = ALIASES) -> Graph:
    """Module -> the modules of ``packages`` it imports."""
    modules = module_names(packages, aliases)
    graph: Graph = {name: set() for name in modules}
    for module, path in modules.items():
        for alternatives in imported_names(module, path):
            for name in alternatives:
                target = _canonical(name, aliases)
                if target in modules:
                    if target != module:
                        graph[module].add(target)
                    break
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One cycle (a path back to its start) per strongly connected group of modules, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(_cycle_in(graph, group) for group in groups)


def _cycle_in(graph: Mapping[str, set[str]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & group):
                if target == start:
                    return [*paths[node], start]
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # a strongly connected group always has one


def test_the_packages_have_no_import_cycles() -> None:
    graph = import_graph(PACKAGES)
    assert len(graph) > 40, sorted(graph)  # both packages were found
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in found)


TOOL_MODULES = frozenset(
    f"autopilot_inference.{name}" for name in ("cli", "plan", "summary", "diff", "_describe", "__main__")
)
"""The command line tools and what only they use (``_cfn_text``, the one reader of intrinsic functions,
imports nothing of the package and is shared plumbing: ``summary`` and ``compliance`` both read with it)."""
NAG_MODULES = tuple(
    f"autopilot_inference.{name}" for name in ("compliance", "nag", "execution_compliance", "provider_compliance")
)
"""The cdk-nag machinery and the acknowledgements built on it."""


def reachable(graph: Mapping[str, set[str]], start: str) -> set[str]:
    """Every module ``start`` imports, directly or through others."""
    seen: set[str] = set()
    frontier = [start]
    while frontier:
        for target in graph[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


def test_the_nag_machinery_imports_no_tool_code() -> None:
    graph = import_graph(PACKAGES)
    assert TOOL_MODULES <= set(graph), sorted(TOOL_MODULES - set(graph))  # the names still name modules
    for module in NAG_MODULES:
        assert not reachable(graph, module) & TOOL_MODULES, (module, sorted(reachable(graph, module) & TOOL_MODULES))
    # The test can fail: the CLI reaches the tools.
    assert "autopilot_inference.summary" in reachable(graph, "autopilot_inference.cli")


CHECKED_MODULES = ("model", "model_base", "model_package", "endpoint", "batch_transform", "scheduled_transform",
                   "data_capture", "serverless", "deployment", "alarms")
"""The modules whose constructs and types the prop type checker checks."""


def test_the_type_checker_imports_none_of_the_constructs_it_checks() -> None:
    """``prop_types`` reads the annotations; the checked types describe themselves (``prop_types.hint``)."""
    graph = import_graph(PACKAGES)
    (checker,) = [module for module in graph if module.endswith(".prop_types")]
    checked = {module for module in graph if module.rpartition(".")[2] in CHECKED_MODULES}
    assert len(checked) == len(CHECKED_MODULES), sorted(checked)
    assert not reachable(graph, checker) & checked, sorted(reachable(graph, checker) & checked)


def test_the_graph_holds_relative_aliased_and_deferred_imports() -> None:
    graph = import_graph(PACKAGES)
    # from .provider import AutopilotInferenceProvider (relative)
    assert "autopilot_inference.provider" in graph["autopilot_inference.model"]
    # from ._lambda.autopilot_runtime.response_keys import ... (the handler package under its second name)
    assert "autopilot_runtime.response_keys" in graph["autopilot_inference.model"]
    # from . import summary, inside a function of the CLI
    assert "autopilot_inference.summary" in graph["autopilot_inference.cli"]
    # under TYPE_CHECKING in the package's __init__
    assert "autopilot_inference.model" in graph["autopilot_inference"]


def _package(root: Path, name: str, files: Mapping[str, str]) -> Path:
    directory = root / name
    directory.mkdir()
    for file, text in files.items():
        (directory / file).write_text(text, encoding="utf-8")
    return directory


def test_a_cycle_through_type_checking_and_a_function_is_found_and_named(tmp_path: Path) -> None:
    directory = _package(
        tmp_path,
        "pkg",
        {
            "__init__.py": "",
            "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n",
            "b.py": "def f():\n    from . import c\n",
            "c.py": "import pkg.sub.d\n",
            "clean.py": "from . import a\n",
        },
    )
    _package(directory, "sub", {"__init__.py": "", "d.py": "from ..a import A\n"})
    graph = import_graph({"pkg": directory}, aliases={})
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c", "pkg.sub.d", "pkg.a"]]


def test_two_cycles_are_each_named_and_an_alias_joins_two_packages(tmp_path: Path) -> None:
    one = _package(tmp_path, "one", {"__init__.py": "", "x.py": "from .y import Y\n", "y.py": "from .x import X\n",
                                      "z.py": "from .inner.w import W\n", "inner_alias.py": ""})
    _package(one, "inner", {"__init__.py": "", "w.py": "from two import v\n"})
    two = _package(tmp_path, "two", {"__init__.py": "", "v.py": "from one.inner_alias.z import Z\n"})
    # one.inner_alias is "one" under a second name, as autopilot_inference._lambda.autopilot_runtime is.
    graph = import_graph({"one": one, "two": two}, aliases={"one.inner_alias": "one"})
    assert cycles(graph) == [
        ["one.inner.w", "two.v", "one.z", "one.inner.w"],
        ["one.x", "one.y", "one.x"],
    ]


def test_no_cycle_without_a_way_back(tmp_path: Path) -> None:
    directory = _package(tmp_path, "pkg", {"__init__.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                           "    from .a import A\n", "a.py": "from . import b\n", "b.py": "import os\n"})
    graph = import_graph({"pkg": directory}, aliases={})
    assert graph == {"pkg": {"pkg.a"}, "pkg.a": {"pkg.b"}, "pkg.b": set()}
    assert cycles(graph) == []
