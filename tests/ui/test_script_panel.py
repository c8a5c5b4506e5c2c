"""The script panel: editor, Run, console; a run replaces the canvas (undoably)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction

from gradviz.graph import load
from gradviz.graph.fileio import document_to_dict
from gradviz.ui.script_panel import TUTORIAL_SCRIPT

script = pytest.importorskip("gradviz.graph.script")

# What the tutorial prints that does not depend on random numbers or object addresses.
TUTORIAL_LINES = [
    "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)",
    "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)",
    "<AddBackward0 object at 0x",
    "tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>) \n"
    " tensor(27., grad_fn=<MeanBackward0>)",
    "<SumBackward0 object at 0x",
    "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])",
    "NORM :  tensor(",
    "True\nTrue\nFalse\nTrue\nFalse\ntensor(True)\n",
]


def trigger(window, name: str) -> None:
    action = window.findChild(QAction, name)
    assert action is not None, name
    action.trigger()


def graph_of(document) -> list[tuple]:
    return [(n.id, n.kind, getattr(n, "op", ""), list(getattr(n, "inputs", [])))
            for n in document.nodes.values()]


@pytest.fixture
def tutorial_source():
    if not TUTORIAL_SCRIPT.is_file():
        pytest.skip("resources/examples/autograd_tutorial.py is not there")
    return TUTORIAL_SCRIPT.read_text(encoding="utf-8")


def test_running_the_tutorial_prints_its_text_and_shows_its_graph(window, tutorial_source):
    panel = window.script_panel
    trigger(window, "actionTutorialScript")
    assert panel.editor.toPlainText() == tutorial_source
    trigger(window, "actionRunScript")
    console = panel.console.toPlainText()
    for text in TUTORIAL_LINES:
        assert text in console
    expected = panel.last_result.document        # randn decides how often y doubles
    assert window.document is not expected
    assert graph_of(window.document) == graph_of(expected)
    assert set(window.scene.nodes) == set(expected.nodes)
    first = [(n.kind, getattr(n, "op", "")) for n in list(window.document.nodes.values())[:5]]
    assert first == [("tensor", ""), ("op", "add"), ("op", "mul"), ("op", "mul"), ("op", "mean")]
    ops = {getattr(n, "op", "") for n in window.document.nodes.values()}
    assert {"add", "mul", "mean", "sub", "div", "sum"} <= ops
    assert window.document.script == tutorial_source
    assert window.document.backward == expected.backward
    start = window.document.nodes[window.document.backward["start"]]
    assert start.op == "mul" and window.document.backward["gradient"] == [0.1, 1.0, 0.0001]
    assert not window.scene.overlapping()
    assert "recorded" in panel.status.text()


def test_a_script_run_is_one_undoable_command(window, tutorial_source):
    before = document_to_dict(window.document)
    window.script_panel.show_script("import torch\na = torch.ones(3, requires_grad=True)\n"
                                    "b = (a * 2).sum()\nb.backward()\nprint(a.grad)\n")
    trigger(window, "actionRunScript")
    assert window.script_panel.console.toPlainText() == "tensor([2., 2., 2.])\n"
    assert {n.op for n in window.document.nodes.values() if n.kind == "op"} == {"mul", "sum"}
    assert window.undo_stack.count() == 1
    trigger(window, "actionUndo")
    assert document_to_dict(window.document) == before
    trigger(window, "actionRedo")
    assert window.document.script.startswith("import torch")


def test_the_recorded_graph_steps_backward_from_the_scripts_start(window):
    window.script_panel.show_script("import torch\na = torch.ones(3, requires_grad=True)\n"
                                    "b = (a * a).sum()\nb.backward()\n")
    trigger(window, "actionRunScript")
    trigger(window, "actionBackward")
    trigger(window, "actionRunToEnd")
    a = next(n for n, node in window.document.nodes.items() if node.kind == "tensor")
    assert window.stepper.replay.gradient(a).tolist() == [2.0, 2.0, 2.0]


def test_an_error_shows_its_line_and_changes_nothing(window):
    before = document_to_dict(window.document)
    panel = window.script_panel
    panel.show_script("import torch\nprint('before')\ny = foo + 2\n")
    trigger(window, "actionRunScript")
    console = panel.console.toPlainText()
    assert console.startswith("before\n") and "line 3: name 'foo' is not defined" in console
    assert panel.editor.error_line == 3
    assert panel.editor.textCursor().blockNumber() == 2
    assert len(panel.editor.extraSelections()) == 1
    assert "line 3" in panel.status.text()
    assert document_to_dict(window.document) == before and window.undo_stack.count() == 0
    panel.editor.insertPlainText("# edited\n")       # editing clears the mark
    assert panel.editor.error_line is None and not panel.editor.extraSelections()


def test_the_script_is_saved_with_the_document(window, tmp_path):
    source = "import torch\nx = torch.ones(2, requires_grad=True)\ny = x.exp().sum()\n"
    window.script_panel.show_script(source)
    trigger(window, "actionRunScript")
    path = tmp_path / "scripted.gvz"
    assert window.save_path(path)
    assert load(path).script == source
    window.new_document()
    assert window.script_panel.editor.toPlainText() == ""
    window.open_path(path)
    assert window.script_panel.editor.toPlainText() == source


def test_the_editor_highlights_python_and_numbers_its_lines(window):
    panel = window.script_panel
    panel.show_script("import torch  # comment\nx = 'text' + 2\n" * 50)
    assert panel.editor.gutter_width() > 0
    block = panel.editor.document().firstBlock()
    formats = block.layout().formats()
    assert formats, "the first line has highlighting"
    colours = {f.format.foreground().color().name() for f in formats}
    assert len(colours) >= 2          # keyword and comment differ
