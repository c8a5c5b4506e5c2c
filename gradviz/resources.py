"""Where the bundled resources (example documents, the tutorial script) are found.

In a checkout or an editable install they sit in ``resources/`` beside the package; a
regular install copies them to ``<prefix>/share/gradviz`` (see pyproject's data-files).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resource_dir() -> Path:
    """The first of $GRADVIZ_RESOURCES, the checkout's resources/, <prefix>/share/gradviz
    that holds an examples folder (the checkout's path if none does)."""
    checkout = Path(__file__).resolve().parent.parent / "resources"
    candidates = [checkout, Path(sys.prefix) / "share" / "gradviz"]
    if os.environ.get("GRADVIZ_RESOURCES"):
        candidates.insert(0, Path(os.environ["GRADVIZ_RESOURCES"]))
    for folder in candidates:
        if (folder / "examples").is_dir():
            return folder
    return checkout


def examples_dir() -> Path:
    return resource_dir() / "examples"
