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
