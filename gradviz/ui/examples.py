"""The bundled example documents (located by ``gradviz.resources``)."""

from __future__ import annotations

from pathlib import Path

from ..resources import examples_dir

EXAMPLES = examples_dir()
TUTORIAL = EXAMPLES / "tutorial_basic.gvz"


def example_files() -> list[Path]:
    """Every ``*.gvz`` in the examples folder, tutorial first, then by name."""
    if not EXAMPLES.is_dir():
        return []
    files = sorted(EXAMPLES.glob("*.gvz"))
    return sorted(files, key=lambda p: p != TUTORIAL)


def example_title(path: Path) -> str:
    return path.stem.replace("_", " ").capitalize()
