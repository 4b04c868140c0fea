"""No test module imports another test module: shared helpers live in the ``tests/support`` package.

A test module that imports ``test_x`` runs ``test_x``'s module code (and, under pytest's
``prepend`` import mode, only works when ``test_x``'s folder is on ``sys.path``); a helper two
test modules need belongs in ``support``. Every ``.py`` file below ``tests/`` is read (a
``support`` module or ``conftest.py`` must not import a test module either), and every import
counts, wherever it stands (``ast``): ``import test_x``, ``from test_x import y``, ``from .test_x
import y``, ``from runtime import test_x``, ``from tests.runtime.test_x import y``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from support.paths import TESTS


def names_of_test_modules(tests: Path = TESTS) -> set[str]:
    """The names of the test modules below ``tests`` (``test_handler_model``, ...)."""
    return {path.stem for path in tests.rglob("test_*.py")}


def imports_of_test_modules(source: str, test_modules: set[str]) -> Iterator[tuple[int, str]]:
    """(line, imported name) of each import in ``source`` that names a test module."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if any(part.startswith("test_") for part in alias.name.split(".")):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            origin = "." * node.level + (node.module or "")
            if any(part.startswith("test_") for part in (node.module or "").split(".")):
                yield node.lineno, origin
            else:
                for alias in node.names:
                    if alias.name in test_modules:
                        yield node.lineno, f"{origin}.{alias.name}" if node.module else origin + alias.name


def test_no_test_module_imports_another() -> None:
    test_modules = names_of_test_modules()
    files = sorted(TESTS.rglob("*.py"))
    assert len(test_modules) > 50 and TESTS / "conftest.py" in files, (len(test_modules), TESTS)
    found = [
        f"{path.relative_to(TESTS.parent)}:{line}: imports {name}"
        for path in files
        for line, name in imports_of_test_modules(path.read_text(encoding="utf-8"), test_modules)
    ]
    assert not found, "a test module imports another test module; move the helper into tests/support:\n" + "\n".join(found)


def test_every_form_of_importing_a_test_module_is_found() -> None:
    source = "\n".join(
        [
            "import test_handler_model",
            "from test_handler_model import props",
            "def f():",
            "    from .test_package import copy_checkout",
            "from runtime import test_handler_transform",
            "from tests.runtime.test_handler_lifecycle import World",
            "from . import test_package",
            "from support.model_events import props",
            "from support.handler import aws",
            "import support.checkout",
        ]
    )
    names = {"test_handler_model", "test_handler_transform", "test_package"}

    assert sorted(imports_of_test_modules(source, names)) == [
        (1, "test_handler_model"),
        (2, "test_handler_model"),
        (4, ".test_package"),
        (5, "runtime.test_handler_transform"),
        (6, "tests.runtime.test_handler_lifecycle"),
        (7, ".test_package"),
    ]
