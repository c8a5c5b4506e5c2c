"""Autosave writes unsaved work, a clean exit removes it, and only dead sessions' autosaves
are offered for recovery."""

from __future__ import annotations

import json

from gradviz.graph import Document, ValueSpec, fileio, load
from gradviz.ui.autosave import Autosaver, pending_recoveries


def sample() -> Document:
    d = Document("work in progress")
    d.add_tensor("x", ValueSpec("ones", (2,)), requires_grad=True)
    d.add_op("sum", inputs=["x"], node_id="s")
    return d


def test_unsaved_work_is_written_and_a_clean_exit_removes_it(qtbot, tmp_path):
    document = sample()
    saver = Autosaver(lambda: (document, "/somewhere/work.gvz"), tmp_path, interval_ms=10)
    saver.start()
    qtbot.waitUntil(lambda: saver.document_path.exists(), timeout=2000)
    assert fileio.document_to_dict(load(saver.document_path)) == \
        fileio.document_to_dict(document)
    assert pending_recoveries(tmp_path) == []  # this session is alive
    saver.stop()
    assert list(tmp_path.iterdir()) == []


def test_nothing_is_kept_when_everything_is_saved(qtbot, tmp_path):
    state = {"pending": (sample(), None)}
    saver = Autosaver(lambda: state["pending"], tmp_path)
    assert saver.save_now()
    state["pending"] = None
    assert not saver.save_now()
    assert list(tmp_path.iterdir()) == []


def test_a_dead_session_is_offered_newest_first_and_can_be_discarded(qtbot, tmp_path):
    for pid, when in ((999_999_1, 100.0), (999_999_2, 200.0)):
        fileio.save(sample(), tmp_path / f"autosave-{pid}-a.gvz")
        (tmp_path / f"autosave-{pid}-a.json").write_text(
            json.dumps({"pid": pid, "source": None, "saved_at": when}))
    (tmp_path / "autosave-broken.json").write_text("not json")
    found = pending_recoveries(tmp_path)
    assert [r.saved_at for r in found] == [200.0, 100.0]
    assert "an unsaved document" in found[0].describe()
    assert load(found[0].document_path).title == "work in progress"
    found[0].discard()
    assert [r.saved_at for r in pending_recoveries(tmp_path)] == [100.0]


def test_an_unwritable_folder_is_reported_not_raised(qtbot, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    saver = Autosaver(lambda: (sample(), None), blocker / "autosave")
    assert not saver.save_now()
    assert saver.last_error


# -- the window's side: offer, restore, discard --------------------------------------------
def _crashed_session(folder, document, source=None):
    folder.mkdir(parents=True, exist_ok=True)
    fileio.save(document, folder / "autosave-9999993-x.gvz")
    (folder / "autosave-9999993-x.json").write_text(
        json.dumps({"pid": 9999993, "source": source, "saved_at": 1000.0}))


def _answer(monkeypatch, button):
    from PySide6.QtWidgets import QMessageBox

    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: asked.append(args[2]) or button)
    return asked


def test_window_restores_a_crashed_session(qtbot, window, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    source = str(tmp_path / "mine.gvz")
    _crashed_session(window.autosaver.folder, sample(), source)
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Yes)
    assert window.offer_recovery()
    assert "mine.gvz" in asked[0]
    assert window.document.title == "work in progress" and set(window.document.nodes) == \
        {"x", "s"}
    assert not window.undo_stack.isClean() and "*" in window.windowTitle()
    assert str(window.path) == source
    assert pending_recoveries(window.autosaver.folder) == []


def test_window_discards_a_crashed_session_when_told(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    before = fileio.document_to_dict(window.document)
    _crashed_session(window.autosaver.folder, sample())
    _answer(monkeypatch, QMessageBox.StandardButton.No)
    assert not window.offer_recovery()
    assert fileio.document_to_dict(window.document) == before
    assert list(window.autosaver.folder.glob("autosave-9999993-*")) == []


def test_window_autosaves_edits_and_a_clean_close_removes_them(qtbot, window):
    assert not window.autosaver.save_now()  # nothing unsaved yet
    window.add_node("op", "neg")
    assert window.autosaver.save_now()
    assert load(window.autosaver.document_path).nodes.keys() == window.document.nodes.keys()
    window.undo_stack.setClean()
    window.close()
    assert not window.autosaver.document_path.exists()


def test_the_folder_may_be_given_as_text(qtbot, tmp_path):
    saver = Autosaver(lambda: (sample(), None), str(tmp_path / "saves"), interval_ms=10)
    saver.start()
    qtbot.waitUntil(lambda: saver.document_path.exists(), timeout=2000)
    assert saver.document_path.parent == tmp_path / "saves"
    saver.stop()
