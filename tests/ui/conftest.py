"""Fixtures for the application tests: a window with private settings and no real dialogs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from gradviz.graph import Document, ValueSpec
from gradviz.ui import MainWindow
from gradviz.ui.examples import TUTORIAL


def tutorial_document() -> Document:
    """x = ones(2, 2, requires_grad) -> y = x + 2 -> z = y * y * 3 -> out = z.mean()."""
    doc = Document("tutorial")
    x = doc.add_tensor("x", ValueSpec("ones", (2, 2)), requires_grad=True, position=(0, 0))
    y = doc.add_op("add", inputs=[x], attrs={"other": 2}, name="y", position=(0, 150))
    z = doc.add_op("mul", inputs=[y, y], name="z", position=(0, 300))
    z3 = doc.add_op("mul", inputs=[z], attrs={"other": 3}, name="z3", position=(0, 450))
    doc.add_op("mean", inputs=[z3], name="out", position=(0, 600))
    return doc


@pytest.fixture(autouse=True)
def no_real_dialogs(monkeypatch):
    """Any message box a test did not expect answers at once and is recorded."""
    shown = []

    def record(kind, answer):
        def box(*args, **kwargs):
            shown.append((kind, args[2] if len(args) > 2 else ""))
            return answer
        return box

    monkeypatch.setattr(QMessageBox, "warning",
                        record("warning", QMessageBox.StandardButton.Discard))
    monkeypatch.setattr(QMessageBox, "critical", record("critical", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "about", record("about", None))
    return shown


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    win = MainWindow(settings=settings, theme="light")
    qtbot.addWidget(win)
    win.resize(1100, 750)
    win.show()
    win.set_document(tutorial_document(), None)
    yield win
    win.undo_stack.setClean()


@pytest.fixture
def tutorial_path():
    if not TUTORIAL.is_file():
        pytest.skip("resources/examples/tutorial_basic.gvz is not there yet")
    return TUTORIAL


@pytest.fixture
def make_tutorial():
    return tutorial_document
