"""The inspector dock: what it shows for the selection, and edits through the undo stack."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from gradviz.graph.fileio import document_to_dict
from gradviz.ui.gradient_dialog import GradientDialog


@pytest.fixture(autouse=True)
def gradient_dialog_accepts(monkeypatch):
    """The gradient dialog answers at once with what it offers."""
    monkeypatch.setattr(GradientDialog, "get_text",
                        staticmethod(lambda parent, name, shape, initial: (initial, True)))


def trigger(window, name: str) -> None:
    window.findChild(QAction, name).trigger()


def cells(model) -> list[str]:
    return [model.index(r, c).data() for r in range(model.rowCount())
            for c in range(model.columnCount())]


def test_nothing_selected_says_so(window):
    window.scene.clearSelection()
    assert "Select a node" in window.inspector.title.text()
    window.scene.select_ids(["x", "y"])
    assert "2 nodes selected" in window.inspector.title.text()


def test_a_leaf_shows_value_table_shape_dtype_and_requires_grad(window):
    window.scene.select_ids(["x"])
    inspector = window.inspector
    assert "<b>x</b>" in inspector.title.text()
    assert inspector.fields["kind"].text() == "tensor (leaf)"
    assert inspector.fields["shape"].text() == "2×2"
    assert inspector.fields["dtype"].text() == "float32"
    assert inspector.requires_grad.isVisible() and inspector.requires_grad.isChecked()
    assert cells(inspector.value_model) == ["1"] * 4
    assert inspector.value_stats.text() == "min 1   max 1   mean 1"
    assert "None" in inspector.grad_stats.text() and not inspector.grad_table.isVisible()


def test_an_op_shows_grad_fn_next_functions_saved_values_and_attributes(window):
    window.scene.select_ids(["z"])                    # z = y * y
    inspector = window.inspector
    assert inspector.fields["op"].text() == "mul"
    assert inspector.fields["grad_fn"].text() == "MulBackward0"
    assert inspector.fields["next_functions"].text() == \
        "((AddBackward0, 0), (AddBackward0, 0))"
    saved = inspector.fields["saved"].text()
    assert "_saved_other = [[3., 3.], [3., 3.]]" in saved and "_saved_self" in saved
    assert cells(inspector.value_model) == ["9"] * 4
    assert inspector.value_model.flags(inspector.value_model.index(0, 0)) \
        & Qt.ItemFlag.ItemIsEditable == Qt.ItemFlag.NoItemFlags     # computed: read-only
    window.scene.select_ids(["y"])
    rows = {r[0]: r[2] for r in inspector.attr_model.rows}
    assert rows["other"] == "2" and inspector.attr_table.isVisible()


def test_the_grad_table_follows_the_stepper(window):
    window.scene.select_ids(["z3"])
    trigger(window, "actionBackward")               # backward starts from the selection
    assert window.stepper.trace.start == "z3"
    assert "None" in window.inspector.grad_stats.text()
    window.scene.clearSelection()
    window.stepper.clear()
    trigger(window, "actionBackward")               # from the single output: out
    trigger(window, "actionStepForward")
    window.scene.select_ids(["out"])
    assert cells(window.inspector.grad_model) == ["1"]
    assert window.inspector.grad_title.text() == "<b>grad</b> (d start / d this output)"
    trigger(window, "actionRunToEnd")
    window.scene.select_ids(["x"])
    assert cells(window.inspector.grad_model) == ["4.5"] * 4
    assert window.inspector.grad_stats.text() == "min 4.5   max 4.5   mean 4.5"


def test_editing_a_value_cell_is_one_undoable_command(window):
    window.scene.select_ids(["x"])
    before = document_to_dict(window.document)
    model = window.inspector.value_model
    model.setData(model.index(0, 1), "5")
    assert window.document.evaluate()["x"].tensor._data[0, 1] == 5
    assert cells(model) == ["1", "5", "1", "1"]
    assert window.document.evaluate()["out"].tensor.item() != 27.0
    trigger(window, "actionUndo")
    assert document_to_dict(window.document) == before
    trigger(window, "actionRedo")
    assert window.document.evaluate()["x"].tensor._data[0, 1] == 5


def test_a_bad_value_is_refused_with_the_reason_and_nothing_changes(window):
    window.scene.select_ids(["x"])
    before = document_to_dict(window.document)
    model = window.inspector.value_model
    model.setData(model.index(1, 0), "abc")
    assert document_to_dict(window.document) == before
    assert "'abc' is not a number" in window.inspector.problem.text()
    assert "Refused" in window.last_message
    assert cells(model) == ["1"] * 4 and window.undo_stack.count() == 0


def test_editing_an_attribute_goes_through_undo(window):
    window.scene.select_ids(["z3"])
    before = document_to_dict(window.document)
    model = window.inspector.attr_model
    row = [r[0] for r in model.rows].index("other")
    model.setData(model.index(row, 1), "4")
    assert window.document.nodes["z3"].attrs["other"] == 4
    assert window.document.evaluate()["out"].tensor.item() == 36.0
    trigger(window, "actionUndo")
    assert document_to_dict(window.document) == before


def test_a_bad_attribute_is_refused_with_the_reason(window):
    window.scene.select_ids(["out"])                  # mean: dim, keepdim
    before = document_to_dict(window.document)
    model = window.inspector.attr_model
    row = [r[0] for r in model.rows].index("keepdim")
    model.setData(model.index(row, 1), "[1, 2]")
    assert document_to_dict(window.document) == before
    assert "Refused" in window.inspector.problem.text() and "keepdim" in \
        window.inspector.problem.text()
    assert window.undo_stack.count() == 0


def test_requires_grad_toggle_is_undoable(window, qtbot):
    window.scene.select_ids(["x"])
    window.inspector.requires_grad.click()
    assert window.document.nodes["x"].requires_grad is False
    assert not window.inspector.requires_grad.isChecked()
    trigger(window, "actionUndo")
    assert window.document.nodes["x"].requires_grad is True
    qtbot.waitUntil(window.inspector.requires_grad.isChecked)   # redrawn after the change
