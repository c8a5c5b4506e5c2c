"""The launcher: `python app.py [FILE]` reaches gradviz.ui.app.launch."""

from __future__ import annotations

import runpy
from pathlib import Path

from PySide6.QtWidgets import QApplication

from gradviz.ui import app as ui_app

ROOT = Path(__file__).resolve().parents[2]


def test_app_py_uses_the_ui_launcher():
    namespace = runpy.run_path(str(ROOT / "app.py"), run_name="not_main")
    assert namespace["launch"] is ui_app.launch


def test_create_app_names_the_application(qapp):
    app = ui_app.create_app()
    assert app is QApplication.instance()
    assert app.organizationName() == "gradviz" and app.applicationName() == "gradviz"
