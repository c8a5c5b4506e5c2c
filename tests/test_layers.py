"""The layer rule: ui -> graph -> autograd, and nothing points the other way."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "gradviz"
STDLIB = set(sys.stdlib_module_names)


def imported_modules(folder: Path) -> dict[str, set[str]]:
    """Top-level absolute modules each file imports (relative imports resolved to gradviz)."""
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    package = path.relative_to(PACKAGE.parent).with_suffix("").parts
                    base = package[: len(package) - node.level]
                    names.add(".".join([*base, node.module or ""]).rstrip("."))
                else:
                    names.add(node.module or "")
        found[str(path.relative_to(PACKAGE.parent))] = names
    return found


def test_autograd_imports_numpy_and_the_standard_library_only():
    for path, names in imported_modules(PACKAGE / "autograd").items():
        for name in names:
            top = name.split(".")[0]
            allowed = top in STDLIB or top == "numpy" or name.startswith("gradviz.autograd")
            assert allowed, f"{path} imports {name}"


@pytest.mark.parametrize("folder", ["autograd", "graph", "nn"])
def test_lower_layers_never_import_qt_or_the_ui(folder):
    for path, names in imported_modules(PACKAGE / folder).items():
        for name in names:
            assert not name.startswith(("PySide6", "shiboken6", "gradviz.ui")), \
                f"{path} imports {name}"
            assert not name.startswith("torch"), f"{path} imports {name}"


def test_graph_layer_loads_without_qt():
    code = ("import sys, gradviz, gradviz.graph; "
            "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt loaded'")
    subprocess.run([sys.executable, "-c", code], check=True)
