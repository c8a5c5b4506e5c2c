"""The backward stepper: it replays the graph layer's trace records, one step at a time."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

import gradviz as gv
from gradviz.graph import ValueSpec
from gradviz.graph.fileio import document_to_dict
from gradviz.ui import commands
from gradviz.ui.examples import EXAMPLES, TUTORIAL
from gradviz.ui.gradient_dialog import GradientDialog, parse_gradient

VECTOR_JACOBIAN = EXAMPLES / "vector_jacobian.gvz"
V = [0.1, 1.0, 0.0001]


def trigger(window, name: str) -> None:
    action = window.findChild(QAction, name)
    assert action is not None, name
    action.trigger()


def open_example(window, path):
    if not path.is_file():
        pytest.skip(f"{path.name} is not there")
    assert window.open_path(path, as_template=True)
    return window


@pytest.fixture
def tutorial(window):
    return open_example(window, TUTORIAL)


@pytest.fixture(autouse=True)
def no_gradient_dialog(monkeypatch):
    """A gradient dialog a test did not expect fails the test instead of waiting."""
    def unexpected(*args):
        raise AssertionError("unexpected gradient dialog")
    monkeypatch.setattr(GradientDialog, "get_text", staticmethod(unexpected))


@pytest.fixture
def answer_gradient(monkeypatch):
    """Replace the gradient dialog: answers with ``text`` and records what it offered."""
    offered = []

    def install(text: str | None, ok: bool = True):
        def get_text(parent, name, shape, initial):
            offered.append((name, tuple(shape), initial))
            return (initial if text is None else text), ok
        monkeypatch.setattr(GradientDialog, "get_text", staticmethod(get_text))
        return offered
    return install


def expected_states(window) -> dict[str, str]:
    """What every node should show after ``index`` steps, from the trace records alone."""
    stepper = window.stepper
    records = stepper.trace.steps
    index = stepper.index
    last = {}
    for i, step in enumerate(records):
        last[step.node_id] = i
    states = {}
    for node_id in window.document.nodes:
        if node_id not in last:
            states[node_id] = "idle"
        elif index and records[index - 1].node_id == node_id:
            states[node_id] = "active"
        else:
            states[node_id] = "done" if last[node_id] < index else "pending"
    return states


def snapshot(window) -> dict:
    """Everything a learner sees of the backward pass: states, gradients, lit edges."""
    scene = window.scene
    return {
        "states": window.stepper.states(),
        "grads": {n: item.grad_text for n, item in scene.nodes.items()},
        "edges": {k: (e.highlighted, e.label) for k, e in scene.edges.items()},
        "explanation": window.stepper_panel.explanation.text.toPlainText(),
    }


def grad_cells(window, node_id: str) -> list[str]:
    window.scene.select_ids([node_id])
    model = window.inspector.grad_model
    return [model.index(r, c).data() for r in range(model.rowCount())
            for c in range(model.columnCount())]


def core_tutorial_records() -> int:
    x = gv.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    return len(list(gv.autograd.backward_steps(out)))


def test_every_run_action_exists_in_the_run_menu(tutorial):
    names = ["actionForward", "actionBackward", "actionStepForward", "actionStepBack",
             "actionResetSteps", "actionRunToEnd", "actionPlay", "actionGradCheck"]
    run_menu = next(a.menu() for a in tutorial.menuBar().actions() if a.text() == "&Run")
    in_menu = {a.objectName() for a in run_menu.actions()}
    for name in names:
        assert tutorial.findChild(QAction, name) is not None, name
        assert name in in_menu, name
    keys = {n: tutorial.findChild(QAction, n).shortcut().toString() for n in names[2:7]}
    assert keys == {"actionStepForward": "Right", "actionStepBack": "Left",
                    "actionResetSteps": "Home", "actionRunToEnd": "End", "actionPlay": "Space"}


def test_forward_evaluates_every_node(tutorial):
    trigger(tutorial, "actionForward")
    assert "evaluated 5 nodes" in tutorial.last_message
    assert all(item.preview for item in tutorial.scene.nodes.values())


def test_step_count_equals_the_core_backward_records(tutorial):
    trigger(tutorial, "actionBackward")
    assert tutorial.stepper.index == 0
    assert tutorial.stepper.count == core_tutorial_records() == 5


def test_each_step_activates_its_record_node_and_sets_every_state(tutorial):
    trigger(tutorial, "actionBackward")
    stepper = tutorial.stepper
    assert stepper.states() == expected_states(tutorial)      # all pending before step 1
    for i, record in enumerate(stepper.trace.steps):
        trigger(tutorial, "actionStepForward")
        assert stepper.index == i + 1
        active = [n for n, s in stepper.states().items() if s == "active"]
        assert active == [record.node_id]
        assert stepper.states() == expected_states(tutorial)
        heading = tutorial.stepper_panel.explanation.heading.text()
        assert f"Step {i + 1} of 5" in heading
        assert tutorial.stepper_panel.explanation.text.toPlainText() == record.explanation
        for sent in record.sent:                 # the edge carrying the gradient is lit
            edge = tutorial.scene.edges[(sent.target, sent.slot)]
            assert edge.highlighted and edge.label.startswith("grad [")
    assert all(s == "done" for n, s in stepper.states().items() if n != "x")


def test_at_the_end_the_inspector_shows_x_grad_4_5_everywhere(tutorial):
    trigger(tutorial, "actionBackward")
    trigger(tutorial, "actionRunToEnd")
    assert grad_cells(tutorial, "x") == ["4.5"] * 4
    assert "4.5000" in tutorial.scene.nodes["x"].grad_text


def test_stepping_back_restores_every_state(tutorial):
    trigger(tutorial, "actionBackward")
    forward = [snapshot(tutorial)]
    for _ in range(tutorial.stepper.count):
        trigger(tutorial, "actionStepForward")
        forward.append(snapshot(tutorial))
    backward = [snapshot(tutorial)]
    for _ in range(tutorial.stepper.count):
        trigger(tutorial, "actionStepBack")
        backward.append(snapshot(tutorial))
    assert backward[::-1] == forward
    trigger(tutorial, "actionStepBack")                    # already at the start
    assert tutorial.stepper.index == 0


def test_run_to_end_equals_stepping_through(tutorial):
    trigger(tutorial, "actionBackward")
    for _ in range(tutorial.stepper.count):
        trigger(tutorial, "actionStepForward")
    stepped = snapshot(tutorial)
    trigger(tutorial, "actionResetSteps")
    assert tutorial.stepper.index == 0
    trigger(tutorial, "actionRunToEnd")
    assert snapshot(tutorial) == stepped


def test_the_timeline_slider_seeks(tutorial):
    trigger(tutorial, "actionBackward")
    slider = tutorial.stepper_panel.timeline.slider
    assert slider.maximum() == 5
    slider.setValue(3)
    assert tutorial.stepper.index == 3
    trigger(tutorial, "actionStepForward")
    assert slider.value() == 4


def test_stepping_without_a_trace_starts_backward(tutorial):
    trigger(tutorial, "actionStepForward")
    assert tutorial.stepper.count == 5 and tutorial.stepper.index == 1
    assert tutorial.scene.nodes["out"].state == "active"


def test_vector_jacobian_gives_2_to_the_k_times_v(window, answer_gradient):
    open_example(window, VECTOR_JACOBIAN)
    offered = answer_gradient(None)                 # accept what the dialog offers
    trigger(window, "actionBackward")
    assert offered and offered[0][1] == (3,)
    assert parse_gradient(offered[0][2], (3,)) == V  # prefilled with the document's v
    trigger(window, "actionRunToEnd")
    k = sum(1 for n in window.document.nodes.values() if getattr(n, "op", "") == "mul")
    grad = window.stepper.replay.gradient("x")
    np.testing.assert_allclose(grad, 2.0 ** k * np.array(V, dtype=np.float32), rtol=1e-6)
    cells = grad_cells(window, "x")
    assert [float(c) for c in cells] == pytest.approx(list(2.0 ** k * np.array(V)), rel=1e-5)


def test_a_non_scalar_start_offers_ones_of_its_shape(tutorial, answer_gradient):
    offered = answer_gradient(None)
    tutorial.scene.select_ids(["yy"])
    trigger(tutorial, "actionBackward")
    assert offered == [("y * y", (2, 2), "[[1.0, 1.0], [1.0, 1.0]]")]
    assert tutorial.stepper.trace.start == "yy"
    tutorial.scene.clearSelection()
    trigger(tutorial, "actionRunToEnd")
    assert grad_cells(tutorial, "x") == ["6"] * 4        # d(sum y*y)/dx = 2y = 6


@pytest.mark.parametrize("text, reason", [
    ("[1.0, 2.0]", "shape"),
    ("[0.1, 'a', 3]", "numbers"),
    ("v", "nested brackets"),
])
def test_a_bad_gradient_is_refused_and_nothing_changes(window, answer_gradient, text, reason,
                                                       no_real_dialogs):
    open_example(window, VECTOR_JACOBIAN)
    before = document_to_dict(window.document)
    answer_gradient(text)
    trigger(window, "actionBackward")
    assert window.stepper.trace is None and window.stepper.count == 0
    assert reason in window.last_message and "refused" in window.last_message
    assert no_real_dialogs[-1][0] == "critical"
    assert document_to_dict(window.document) == before
    assert all(item.state == "idle" for item in window.scene.nodes.values())


def test_cancelling_the_gradient_dialog_changes_nothing(window, answer_gradient):
    open_example(window, VECTOR_JACOBIAN)
    answer_gradient(None, ok=False)
    trigger(window, "actionBackward")
    assert window.stepper.trace is None and "cancelled" in window.last_message


def test_backward_twice_with_accumulate_doubles_the_leaf_grad(tutorial):
    trigger(tutorial, "actionBackward")
    trigger(tutorial, "actionRunToEnd")
    assert grad_cells(tutorial, "x") == ["4.5"] * 4
    tutorial.findChild(QAction, "actionAccumulate").setChecked(True)
    tutorial.scene.clearSelection()
    trigger(tutorial, "actionBackward")
    trigger(tutorial, "actionRunToEnd")
    assert grad_cells(tutorial, "x") == ["9"] * 4
    assert "previous = [[4.5000" in tutorial.stepper.active_step.explanation
    tutorial.findChild(QAction, "actionAccumulate").setChecked(False)
    tutorial.scene.clearSelection()
    trigger(tutorial, "actionBackward")              # without accumulate: fresh again
    trigger(tutorial, "actionRunToEnd")
    assert grad_cells(tutorial, "x") == ["4.5"] * 4


def test_editing_the_document_resets_the_stepper_with_a_message(tutorial, qtbot):
    trigger(tutorial, "actionBackward")
    trigger(tutorial, "actionRunToEnd")
    tutorial.execute(commands.MoveCommand(tutorial.document, {"x": ((84.0, 38.0), (90, 40))}))
    assert tutorial.stepper.count == 5               # moving a node keeps the steps
    tutorial.execute(commands.SetElementCommand(tutorial.document, "x", (0, 0), 2.0))
    assert tutorial.stepper.trace is None and tutorial.stepper.index == 0
    assert "changed" in tutorial.last_message
    assert all(item.state == "idle" for item in tutorial.scene.nodes.values())
    qtbot.waitUntil(lambda: not any(i.grad_text for i in tutorial.scene.nodes.values()))
    assert not any(e.highlighted for e in tutorial.scene.edges.values())


def test_play_advances_on_a_timer_and_stops_at_the_end(tutorial, qtbot):
    tutorial.stepper_panel.timeline.speed.setCurrentIndex(4)     # 8 steps per second
    trigger(tutorial, "actionBackward")
    trigger(tutorial, "actionPlay")
    assert tutorial.stepper.playing
    assert tutorial.findChild(QAction, "actionPlay").text() == "&Pause"
    qtbot.waitUntil(lambda: tutorial.stepper.index >= 2, timeout=3000)
    qtbot.waitUntil(lambda: tutorial.stepper.index == tutorial.stepper.count, timeout=3000)
    qtbot.waitUntil(lambda: not tutorial.stepper.playing, timeout=1000)


def test_play_pauses(tutorial, qtbot):
    trigger(tutorial, "actionBackward")
    trigger(tutorial, "actionPlay")
    trigger(tutorial, "actionPlay")
    assert not tutorial.stepper.playing


def test_gradient_check_shows_a_small_error(tutorial):
    tutorial.scene.select_ids(["x"])
    trigger(tutorial, "actionGradCheck")
    assert tutorial.last_grad_check is not None and tutorial.last_grad_check < 1e-6
    text = tutorial.inspector.check_result.text()
    assert "largest absolute error" in text and "agrees" in text


def test_gradient_check_needs_a_leaf(tutorial):
    tutorial.scene.select_ids(["yy"])
    trigger(tutorial, "actionGradCheck")
    assert tutorial.last_grad_check is None
    assert "leaf" in tutorial.inspector.check_result.text()


def test_gradient_colouring_tints_by_magnitude_and_flags_inf(window):
    doc = window.document
    stepper = window.stepper
    trigger(window, "actionBackward")
    trigger(window, "actionRunToEnd")
    assert all(item.tint is None for item in window.scene.nodes.values())
    window.stepper_panel.colour_check.setChecked(True)
    tints = {n: item.tint for n, item in window.scene.nodes.items()}
    assert all(tints[n] is not None for n in doc.nodes)
    scale = stepper.colour_scale()
    assert scale.high == pytest.approx(4.5)
    window.stepper_panel.log_check.setChecked(True)
    assert stepper.log_scale and stepper.colour_scale().low == pytest.approx(0.25)
    assert {n: i.tint for n, i in window.scene.nodes.items()} != tints
    # sqrt at 0 has an infinite gradient: the node is flagged
    window.stepper_panel.colour_check.setChecked(False)
    leaf = doc.add_tensor("w", ValueSpec("zeros", (2,)), requires_grad=True)
    root = doc.add_op("sqrt", inputs=[leaf], name="r")
    total = doc.add_op("sum", inputs=[root], name="s")
    window.scene.select_ids([total])
    trigger(window, "actionBackward")
    trigger(window, "actionRunToEnd")
    assert window.scene.nodes[leaf].flag == "inf"


def test_the_gradient_dialog_refuses_a_bad_entry_inline(qtbot):
    dialog = GradientDialog("y", (3,), "[1.0, 1.0, 1.0]")
    qtbot.addWidget(dialog)
    dialog.editor.setPlainText("[1, 2]")
    dialog.accept()
    assert dialog.result() != GradientDialog.DialogCode.Accepted
    assert "shape 2 but the output has shape 3" in dialog.problem.text()
    dialog.editor.setPlainText("[0.1, 1, 1e-4]")
    dialog.accept()
    assert dialog.result() == GradientDialog.DialogCode.Accepted and dialog.value == V


def test_space_on_the_canvas_plays_and_pauses(tutorial, qtbot):
    tutorial.view.setFocus()
    qtbot.keyClick(tutorial.view, Qt.Key.Key_Space)
    assert tutorial.stepper.count == 5 and tutorial.stepper.playing
    qtbot.keyClick(tutorial.view, Qt.Key.Key_Space)
    assert not tutorial.stepper.playing
