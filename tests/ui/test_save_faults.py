"""A save that fails says why, keeps the document unsaved, and leaves the file on disk
byte-identical."""

from __future__ import annotations

import os

import pytest

from gradviz.graph import fileio


def _fault(kind):
    if kind == "permission":
        return "mkstemp", PermissionError(13, "Permission denied")
    if kind == "disk full":
        return "fsync", OSError(28, "No space left on device")
    return "replace", OSError(5, "Input/output error")


@pytest.mark.parametrize("kind", ["permission", "disk full", "replace fails"])
def test_failed_save_keeps_file_and_document(window, tmp_path, monkeypatch, no_real_dialogs,
                                             kind):
    path = tmp_path / "work.gvz"
    assert window.save_path(path)
    before = path.read_bytes()
    window.add_node("op", "neg")
    assert not window.undo_stack.isClean()
    name, error = _fault(kind)
    target = fileio.tempfile if name == "mkstemp" else fileio.os

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(target, name, broken)
    assert not window.save_path(path)
    assert path.read_bytes() == before
    assert not window.undo_stack.isClean() and "*" in window.windowTitle()
    assert no_real_dialogs[-1][0] == "critical"
    assert error.strerror in no_real_dialogs[-1][1]
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".gvz") == ["work.gvz"]


def test_saving_onto_a_folder_is_refused(window, tmp_path, no_real_dialogs):
    folder = tmp_path / "folder.gvz"
    folder.mkdir()
    assert not window.save_path(folder)
    assert "it is a folder" in no_real_dialogs[-1][1]
    assert folder.is_dir() and not os.listdir(folder)
