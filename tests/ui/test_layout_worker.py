"""Large documents are laid out in a background process: progress shows, Cancel changes
nothing, the result is one undo step, and the event loop keeps running meanwhile."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QElapsedTimer, QProcess, Qt, QTimer
from PySide6.QtWidgets import QGraphicsScene, QPushButton

from gradviz.graph import Document, ValueSpec
from gradviz.ui import layout_worker

THRESHOLD = 100


def mlp(layers: int) -> Document:
    """A tower of tanh(h @ W + b) layers (5 nodes each), every node at the origin."""
    doc = Document("mlp")
    h = doc.add_tensor("x", ValueSpec("randn", (2, 4), seed=0), node_id="x")
    for i in range(layers):
        w = doc.add_tensor(f"W{i}", ValueSpec("randn", (4, 4), seed=i), requires_grad=True,
                           node_id=f"W{i}")
        b = doc.add_tensor(f"b{i}", ValueSpec("randn", (4,), seed=i), requires_grad=True,
                           node_id=f"b{i}")
        m = doc.add_op("matmul", inputs=[h, w], node_id=f"mm{i}")
        a = doc.add_op("add", inputs=[m, b], node_id=f"add{i}")
        h = doc.add_op("tanh", inputs=[a], node_id=f"tanh{i}")
    doc.add_op("mean", inputs=[h], node_id="out")
    return doc


@pytest.fixture
def big(window, qtbot, monkeypatch):
    """The window showing a 302-node document, laid out on open in the background."""
    monkeypatch.setattr(window, "background_layout_threshold", THRESHOLD)
    window.set_document(mlp(60), None)
    assert window.layout_busy() and not gc.isenabled()   # bulk work: no full collections
    qtbot.waitUntil(lambda: not window.layout_busy(), timeout=15000)
    assert gc.isenabled()
    return window


def positions(window) -> dict:
    return {n: node.position for n, node in window.document.nodes.items()}


def item_positions(window) -> dict:
    return {n: (item.pos().x(), item.pos().y()) for n, item in window.scene.nodes.items()}


def stack_up(window) -> None:
    """Every node to one spot outside the undo history (as a script's graph arrives)."""
    for node_id in window.document.nodes:
        window.document.move(node_id, (0.0, 0.0))


def test_a_large_document_is_laid_out_on_open_without_an_undo_step(big):
    assert not big.scene.overlapping()
    assert big.undo_stack.count() == 0 and big.undo_stack.isClean()
    assert item_positions(big) == positions(big)


def test_auto_layout_runs_in_the_background_and_is_one_undo_step(big, qtbot):
    stack_up(big)
    before = positions(big)
    big.actionAutoLayout.trigger()
    assert big.layout_busy() and big.layout_progress.isVisible() and not gc.isenabled()
    qtbot.waitUntil(lambda: not big.layout_busy(), timeout=15000)
    assert big.layout_progress is None and gc.isenabled()
    assert not big.scene.overlapping()
    assert item_positions(big) == positions(big)
    assert big.undo_stack.count() == 1
    assert big.undo_stack.text(0) == "Auto Layout"
    big.undo_stack.undo()
    assert positions(big) == before


def test_auto_layout_keeps_pinned_nodes(big, qtbot):
    stack_up(big)
    big.document.set_pinned("out", True)
    big.document.move("out", (5000.0, 7000.0))
    big.actionAutoLayout.trigger()
    qtbot.waitUntil(lambda: not big.layout_busy(), timeout=15000)
    assert big.document.nodes["out"].position == (5000.0, 7000.0)
    assert big.undo_stack.count() == 1


def test_cancel_leaves_every_position_and_the_undo_stack_alone(big, qtbot):
    stack_up(big)
    before = positions(big)
    big.actionAutoLayout.trigger()
    progress = big.layout_progress
    assert progress is not None and progress.isVisible()
    qtbot.mouseClick(progress.findChild(QPushButton), Qt.MouseButton.LeftButton)
    assert not big.layout_busy()
    assert big.layout_progress is None and gc.isenabled()
    qtbot.wait(300)                          # a late result must not arrive either
    assert positions(big) == before
    assert item_positions(big) == before
    assert big.undo_stack.count() == 0
    assert "cancelled" in big.last_message


def test_cancel_kills_the_layout_process(big):
    big.actionAutoLayout.trigger()
    process = big.layout_job.process
    assert process is not None and process.state() != QProcess.ProcessState.NotRunning
    big.cancel_layout()
    assert process.waitForFinished(5000) or process.state() == QProcess.ProcessState.NotRunning
    assert process.exitStatus() == QProcess.ExitStatus.CrashExit  # killed, not finished


def test_the_event_loop_keeps_running_while_the_worker_lays_out(big, qtbot):
    layout_worker.drop_spare()               # a cold start: the process has to start first
    ticks, clock = [], QElapsedTimer()
    timer = QTimer()
    timer.setInterval(5)

    def tick() -> None:
        if big.layout_busy():
            ticks.append(clock.restart())

    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    stack_up(big)
    big.actionAutoLayout.trigger()
    qtbot.waitUntil(lambda: not big.layout_busy(), timeout=15000)
    timer.stop()
    assert len(ticks) >= 10                  # the timer kept firing while the layout ran
    assert max(ticks[1:]) < 1000
    assert not big.scene.overlapping()


def test_small_documents_are_laid_out_at_once(window):
    window.actionAutoLayout.trigger()
    assert not window.layout_busy() and window.layout_job is None


def test_the_thread_mode_gives_the_same_layout(big, qtbot, monkeypatch):
    stack_up(big)
    big.actionAutoLayout.trigger()
    qtbot.waitUntil(lambda: not big.layout_busy(), timeout=15000)
    by_process = positions(big)
    big.undo_stack.undo()
    monkeypatch.setattr(big, "layout_mode", "thread")
    big.actionAutoLayout.trigger()
    qtbot.waitUntil(lambda: not big.layout_busy(), timeout=15000)
    assert positions(big) == by_process


def test_a_layout_process_that_cannot_start_falls_back_to_a_thread(big, qtbot, monkeypatch):
    def broken() -> QProcess:
        process = QProcess()
        process.setProgram("/nonexistent/python")
        process.start()
        process.waitForStarted(2000)
        return process

    layout_worker.drop_spare()
    monkeypatch.setattr(layout_worker, "_start_process", broken)
    for i, node_id in enumerate(list(big.document.nodes)):  # give the layout work to do
        big.document.move(node_id, (float(i % 7) * 250, float(i // 7) * 130))
    big.actionAutoLayout.trigger()
    qtbot.waitUntil(lambda: not big.layout_busy(), timeout=20000)
    assert big.undo_stack.count() == 1
    assert not big.scene.overlapping()


def test_the_scrollable_area_covers_the_laid_out_graph(big):
    # the scene rect was computed while every node still sat at the origin
    assert big.scene.sceneRect().contains(big.scene.itemsBoundingRect())
    assert big.scene.itemIndexMethod() == QGraphicsScene.ItemIndexMethod.BspTreeIndex


def test_cancelling_the_layout_on_open_shows_the_nodes_where_they_are(window, monkeypatch):
    monkeypatch.setattr(window, "background_layout_threshold", THRESHOLD)
    window.set_document(mlp(60), None)
    assert window.layout_busy()
    window.cancel_layout()
    assert not window.layout_busy() and not window.scene.holding_moves() and gc.isenabled()
    assert window.view.viewport().updatesEnabled()
    window.document.move("out", (321.0, 654.0))
    assert item_positions(window)["out"] == (321.0, 654.0)


def test_a_layout_that_arrives_as_another_document_opens_is_dropped(big, qtbot):
    from gradviz.graph import layered_layout

    stack_up(big)
    big.actionAutoLayout.trigger()
    job = big.layout_job
    layout = layered_layout(big.document, "TB", sizes=big.scene.node_sizes())
    big._layout_arrived(job, layout, False)         # the result is read; applied next turn
    other = mlp(60)
    big.set_document(other, None)
    qtbot.waitUntil(lambda: not big.layout_busy(), timeout=15000)
    qtbot.wait(50)
    assert big.document is other and big.undo_stack.count() == 0
    assert gc.isenabled()
