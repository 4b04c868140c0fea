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


def _in_rooms(graph: Mapping[str, set[str]], *rooms: str) -> set[str]:
    return {module for module in graph if module.split(".")[1:2] and module.split(".")[1] in rooms and module.count(".") > 1}


def test_the_nag_machinery_reaches_no_tool_code() -> None:
    """``compliance`` and the acknowledgements built on it never reach ``plan``, ``summary``, ``diff`` or the CLI."""
    graph = import_graph(PACKAGES)
    tools = _in_rooms(graph, "tools")
    nag = [*_in_rooms(graph, "compliance"), *(m for m in graph if m.endswith("_acknowledgements"))]
    assert len(tools) >= 5 and len(nag) >= 4, (sorted(tools), nag)
    for module in nag:
        assert not reachable(graph, module) & tools, (module, sorted(reachable(graph, module) & tools))
    assert "autopilot_inference.tools.summary" in reachable(graph, "autopilot_inference.tools.cli")  # it can fail


def test_the_checks_reach_none_of_the_constructs_they_check() -> None:
    """``checks`` (the type checker reads annotations; the checked types describe themselves) imports no construct."""
    graph = import_graph(PACKAGES)
    constructs = _in_rooms(graph, "model", "serving", "transform", "registry", "provider")
    assert "autopilot_inference.serving.endpoint" in constructs
    for checker in _in_rooms(graph, "checks"):
        assert not reachable(graph, checker) & constructs, (checker, sorted(reachable(graph, checker) & constructs))


def test_the_graph_holds_relative_aliased_and_deferred_imports() -> None:
    graph = import_graph(PACKAGES)
    # from .provider import AutopilotInferenceProvider (relative)
    assert "autopilot_inference.provider.provider" in graph["autopilot_inference.model.model"]
    # from ._lambda.autopilot_runtime.response_keys import ... (the handler package under its second name)
    assert "autopilot_runtime.response_keys" in graph["autopilot_inference.model.model"]
    # from . import summary, inside a function of the CLI
    assert "autopilot_inference.tools.summary" in graph["autopilot_inference.tools.cli"]
    # under TYPE_CHECKING in the package's __init__
    assert "autopilot_inference.model.model" in graph["autopilot_inference"]


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


# --- the construct package's rooms -------------------------------------------------------------

CONSTRUCTS_DIR = PACKAGES["autopilot_inference"]
ROOM_LAYERS: dict[str, int] = {
    "_private": 1,  # plumbing: ARNs, tokens, scopes, caches (imports no room)
    "checks": 2,  # how props are checked: imports nothing it checks
    "compliance": 2,  # the cdk-nag machinery: no construct, no tool
    "provider": 3,
    "model": 4,
    "registry": 5,
    "serving": 5,
    "transform": 5,
    "tools": 6,  # plan, summary, diff, the command line: read templates, build nothing
}
"""Each room of ``autopilot_inference`` and its layer: a module imports only rooms of lower layers (and its own)."""
ROOM_EXCEPTIONS = {
    ("autopilot_inference.model.model", "autopilot_inference.serving.endpoint"): (
        "AutopilotModel.add_endpoint, a convenience that builds an AutopilotEndpoint (its props are EndpointProps)"
    ),
}
"""Imports against the layers, each with why."""


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "autopilot_inference" and len(parts) > 2 else None


def test_the_package_top_level_holds_only_its_entry_points_and_rooms() -> None:
    entries = {path.name for path in CONSTRUCTS_DIR.iterdir() if path.name != "__pycache__"}
    rooms = {name for name in entries if (CONSTRUCTS_DIR / name).is_dir()}
    assert entries - rooms == {"__init__.py", "__main__.py", "py.typed"}
    assert rooms == set(ROOM_LAYERS)
    for room in rooms:
        assert (CONSTRUCTS_DIR / room / "__init__.py").is_file(), f"{room}/ is a package"
        assert not [p for p in (CONSTRUCTS_DIR / room).iterdir() if p.is_dir() and p.name != "__pycache__"], room


def upward_imports(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import of a room's module into a room of the same or a higher layer (bar the exceptions)."""
    upward = []
    for module, targets in sorted(graph.items()):
        room = _room(module)
        if room is None:
            continue
        for target in sorted(targets):
            other = _room(target)
            if other is None or other == room or (module, target) in ROOM_EXCEPTIONS:
                continue
            if ROOM_LAYERS[other] >= ROOM_LAYERS[room]:
                upward.append(f"{module} ({room}, layer {ROOM_LAYERS[room]}) -> {target} ({other}, layer {ROOM_LAYERS[other]})")
    return upward


def test_the_rooms_import_downwards_only() -> None:
    graph = import_graph(PACKAGES)
    upward = upward_imports(graph)
    assert not upward, "imports against the rooms' layers:\n" + "\n".join(upward)
    for module, target in ROOM_EXCEPTIONS:
        assert target in graph[module], f"stale exception: {module} no longer imports {target}"


def test_the_layer_rule_finds_a_checker_importing_what_it_checks(tmp_path: Path) -> None:
    directory = _package(tmp_path, "autopilot_inference", {"__init__.py": ""})
    _package(directory, "checks", {"__init__.py": "", "types.py": "from ..serving.endpoint import Endpoint\n"})
    _package(directory, "serving", {"__init__.py": "", "endpoint.py": "from ..checks import types\n"})
    graph = import_graph({"autopilot_inference": directory}, aliases={})
    assert upward_imports(graph) == [
        "autopilot_inference.checks.types (checks, layer 2) -> autopilot_inference.serving.endpoint (serving, layer 5)"
    ]
