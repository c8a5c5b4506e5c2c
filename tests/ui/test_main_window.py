"""The main window: launching, files, the unsaved-changes prompt, settings, about."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

import gradviz
from gradviz.graph import GraphFileError, load
from gradviz.graph.fileio import document_to_dict
from gradviz.ui import MainWindow
from gradviz.ui.examples import example_files

ACTIONS = ["actionNew", "actionOpen", "actionSave", "actionSaveAs", "actionUndo", "actionRedo",
           "actionDelete", "actionAutoLayout", "actionFitView", "actionExportImage"]


def trigger(window, name: str) -> None:
    action = window.findChild(QAction, name)
    assert action is not None, name
    action.trigger()


def nodes_of(document) -> list[dict]:
    return document_to_dict(document)["nodes"]


def test_every_stable_action_exists(window):
    for name in ACTIONS:
        assert window.findChild(QAction, name) is not None, name


def test_launch_without_a_file_opens_the_tutorial_evaluated(qtbot, settings, tutorial_path):
    win = MainWindow(settings=settings, theme="light")
    qtbot.addWidget(win)
    win.load_startup(None)
    assert "x" in win.document.nodes and len(win.document.nodes) >= 4
    assert win.path is None                     # Save must not overwrite the example
    assert set(win.scene.nodes) == set(win.document.nodes)
    assert all(item.state == "idle" for item in win.scene.nodes.values())
    subtitles = " ".join(item.subtitle for item in win.scene.nodes.values())
    assert "MeanBackward0" in subtitles        # evaluated: grad_fn names are shown
    assert not win.isWindowModified()


def test_launch_with_a_file(qtbot, settings, tmp_path, make_tutorial):
    path = tmp_path / "mine.gvz"
    gradviz.graph.save(make_tutorial(), path)
    win = MainWindow(settings=settings, theme="light")
    qtbot.addWidget(win)
    win.load_startup(str(path))
    assert win.path == path
    assert "mine.gvz" in win.windowTitle()
    assert nodes_of(win.document) == nodes_of(load(path))
    assert str(path.resolve()) in win.recent_files()


def test_save_then_open_round_trip(window, tmp_path, monkeypatch):
    path = tmp_path / "round.gvz"
    window.add_node("op", "exp")
    before = nodes_of(window.document)
    assert window.isWindowModified()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    trigger(window, "actionSaveAs")
    assert path.is_file() and not window.isWindowModified()
    assert "round.gvz" in window.windowTitle()
    trigger(window, "actionNew")
    assert len(window.document.nodes) == 0
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    trigger(window, "actionOpen")
    assert nodes_of(window.document) == before
    assert window.path == path


def test_save_writes_to_the_current_path(window, tmp_path):
    path = tmp_path / "a.gvz"
    assert window.save_path(path)
    window.add_node("tensor", "zeros")
    trigger(window, "actionSave")
    assert nodes_of(load(path)) == nodes_of(window.document)
    assert not window.isWindowModified()


def test_a_bad_file_keeps_the_document_and_says_why(window, tmp_path, no_real_dialogs):
    bad = tmp_path / "bad.gvz"
    bad.write_text('{"format": "gradviz", "version": 1, "nodes": [{"id": 3}]}')
    document = window.document
    before = document_to_dict(document)
    try:
        load(bad)
    except GraphFileError as exc:
        reason = str(exc)
    assert window.open_path(bad) is False
    assert window.document is document and document_to_dict(document) == before
    assert no_real_dialogs[-1][0] == "critical" and reason in no_real_dialogs[-1][1]
    assert reason in window.last_message


def _answer(monkeypatch, button):
    asked = []

    def warning(*args, **kwargs):
        asked.append(args[2])
        return button
    monkeypatch.setattr(QMessageBox, "warning", warning)
    return asked


def test_unsaved_changes_cancel_keeps_everything(window, monkeypatch):
    window.add_node("op", "exp")
    document, before = window.document, nodes_of(window.document)
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    trigger(window, "actionNew")
    assert asked and window.document is document and nodes_of(document) == before
    assert window.isWindowModified()
    assert not window.close()            # closing is cancelled too
    assert window.isVisible()


def test_unsaved_changes_discard_drops_them(window, monkeypatch):
    window.add_node("op", "exp")
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Discard)
    trigger(window, "actionNew")
    assert asked and len(window.document.nodes) == 0 and not window.isWindowModified()


def test_unsaved_changes_save_writes_first(window, monkeypatch, tmp_path):
    path = tmp_path / "kept.gvz"
    window.add_node("op", "exp")
    expected = nodes_of(window.document)
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Save)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    trigger(window, "actionNew")
    assert asked and nodes_of(load(path)) == expected
    assert len(window.document.nodes) == 0


def test_no_prompt_when_nothing_changed(window, monkeypatch):
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    trigger(window, "actionNew")
    assert not asked and len(window.document.nodes) == 0


def test_title_follows_the_undo_stack_clean_state(window):
    assert not window.isWindowModified()
    window.add_node("op", "exp")
    assert window.isWindowModified()
    trigger(window, "actionUndo")
    assert not window.isWindowModified()


def test_examples_menu_lists_every_example(window):
    titles = [a.data() for a in window.examples_menu.actions()]
    assert titles == [str(p) for p in example_files()]


def test_geometry_and_recent_files_persist(qtbot, settings, tmp_path, window):
    path = tmp_path / "r.gvz"
    window.save_path(path)
    window.resize(900, 640)
    window.close()
    again = MainWindow(settings=settings, theme="light")
    qtbot.addWidget(again)
    assert again.recent_files()[0] == str(path.resolve())
    assert settings.contains("geometry") and settings.contains("windowState")
    assert again.size().height() == 640


def test_about_names_the_version(window, no_real_dialogs):
    window.findChild(QAction, "actionAbout").trigger()
    kind, text = no_real_dialogs[-1]
    assert kind == "about" and gradviz.__version__ in text


def test_dark_theme_applies_to_the_canvas(window):
    window.apply_theme("dark")
    assert window.scene.theme.name == "dark"
    assert all(item.theme.name == "dark" for item in window.scene.nodes.values())
    window.apply_theme("light")
