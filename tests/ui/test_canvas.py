"""Editing on the canvas: palette, connecting, refusing, deleting, undo, moving, clipboard."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QInputDialog

from gradviz.graph.fileio import document_to_dict
from gradviz.ui.items import PORT_RADIUS, STATES, EdgeItem
from gradviz.ui.main_window import FRAGMENT_MIME


def trigger(window, name: str) -> None:
    window.findChild(QAction, name).trigger()


def snapshot(window) -> dict:
    return document_to_dict(window.document)


def view_point(window, scene_point: QPointF) -> QPoint:
    return window.view.mapFromScene(scene_point)


def drag(qtbot, window, start: QPointF, end: QPointF, steps: int = 5) -> None:
    viewport = window.view.viewport()
    a, b = view_point(window, start), view_point(window, end)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=a)
    for i in range(1, steps + 1):
        qtbot.mouseMove(viewport, a + (b - a) * i / steps)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=b)


def test_items_mirror_the_document(window):
    scene = window.scene
    assert set(scene.nodes) == set(window.document.nodes)
    assert set(scene.edges) == {(t, k) for _, t, k in window.document.edges()}
    for node_id, item in scene.nodes.items():
        assert item.node_id == node_id and item.state in STATES
    assert scene.nodes["out"].is_start and scene.nodes["x"].requires_grad
    assert "AddBackward0" in scene.nodes["y"].subtitle
    assert "scalar: 27." in scene.nodes["out"].preview


def test_palette_double_click_adds_a_node(window, qtbot):
    tree = window.palette.tree
    item = next(e for e in window.palette.entries() if e.text(0) == "tanh")
    tree.scrollToItem(item)
    where = tree.visualItemRect(item).center()
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=where)  # as a real
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=where)  # double click
    added = [n for n in window.document.nodes if n.startswith("tanh")]
    assert len(added) == 1 and added[0] in window.scene.nodes
    assert window.scene.selected_ids() == added
    trigger(window, "actionUndo")
    assert not any(n.startswith("tanh") for n in window.document.nodes)


def test_palette_search_filters_entries(window):
    window.palette.search.setText("soft")
    visible = [e.text(0) for e in window.palette.entries(visible_only=True)]
    assert {"log_softmax", "softmax"} <= set(visible) and "add" not in visible


def test_palette_adds_tensor_creators_and_ops_with_required_attrs(window):
    for kind, name in [("tensor", "randn"), ("tensor", "arange"), ("op", "reshape"),
                       ("op", "softmax"), ("op", "cat")]:
        assert window.add_node(kind, name) is not None, name
    window.scene.refresh()
    assert window.scene.nodes["x_2"].preview.startswith("2×2")


def test_connect_by_dragging_from_output_to_input_port(window, qtbot):
    node_id = window.add_node("op", "exp", QPointF(300, 300))
    window.scene.refresh()
    before = window.undo_stack.count()
    source, target = window.scene.nodes["out"], window.scene.nodes[node_id]
    drag(qtbot, window, source.output_port_scene(), target.input_port_scene(0))
    assert window.document.nodes[node_id].inputs == ["out"]
    assert (node_id, 0) in window.scene.edges
    assert window.undo_stack.count() == before + 1
    trigger(window, "actionUndo")
    assert window.document.nodes[node_id].inputs == [None]


@pytest.mark.parametrize("case", ["cycle", "occupied", "shapes", "tensor target"])
def test_refused_connections_change_nothing(window, case):
    doc = window.document
    if case == "cycle":
        a = window.add_node("op", "neg")
        b = window.add_node("op", "neg")
        window.connect_nodes(a, b, 0)
        source, target, slot, reason = b, a, 0, "cycle"
    elif case == "occupied":
        source, target, slot, reason = "x", "y", 0, "already connected"
    elif case == "shapes":
        r = window.add_node("tensor", "arange")         # shape (4,) against x's (2, 2)
        s = window.add_node("op", "add")
        window.connect_nodes("x", s, 0)
        source, target, slot, reason = r, s, 1, "size of tensor"
    else:
        source, target, slot, reason = "y", "x", 0, "no inputs"
    window.scene.refresh()
    before, count = snapshot(window), window.undo_stack.count()
    assert window.connect_nodes(source, target, slot) is False
    window.scene.refresh()
    assert snapshot(window) == before and window.undo_stack.count() == count
    assert reason in window.last_message
    assert set(window.scene.edges) == {(t, k) for _, t, k in doc.edges()}


def test_refused_drag_reports_in_the_status_bar(window, qtbot):
    before = snapshot(window)
    x, y = window.scene.nodes["x"], window.scene.nodes["y"]
    drag(qtbot, window, x.output_port_scene(), y.input_port_scene(0))
    assert snapshot(window) == before
    assert "already connected" in window.statusBar().currentMessage()


def test_delete_then_undo_and_redo(window):
    original = snapshot(window)
    window.scene.select_ids(["y"])
    trigger(window, "actionDelete")
    deleted = snapshot(window)
    assert "y" not in window.document.nodes and "y" not in window.scene.nodes
    assert window.document.nodes["z"].inputs == [None, None]
    trigger(window, "actionUndo")
    assert snapshot(window) == original
    assert set(window.scene.edges) == {(t, k) for _, t, k in window.document.edges()}
    trigger(window, "actionRedo")
    assert snapshot(window) == deleted


def test_deleting_a_selected_edge(window):
    original = snapshot(window)
    window.scene.clearSelection()
    window.scene.edges[("z3", 0)].setSelected(True)
    trigger(window, "actionDelete")
    assert window.document.nodes["z3"].inputs[0] is None
    trigger(window, "actionUndo")
    assert snapshot(window) == original


def test_many_edits_undo_back_to_the_original_and_redo_forward(window, monkeypatch):
    original = snapshot(window)
    n = window.add_node("op", "exp", QPointF(400, 100))
    window.connect_nodes("out", n, 0)
    window.move_nodes({"x": ((0.0, 0.0), (50.0, -20.0))})
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("renamed", True))
    window.rename_dialog("z")
    window.scene.select_ids(["z3"])
    trigger(window, "actionDelete")
    window.scene.select_ids(["x", "y"])
    trigger(window, "actionCopy")
    trigger(window, "actionPaste")
    trigger(window, "actionAutoLayout")
    final = snapshot(window)
    while window.undo_stack.canUndo():
        trigger(window, "actionUndo")
    assert snapshot(window) == original
    while window.undo_stack.canRedo():
        trigger(window, "actionRedo")
    assert snapshot(window) == final


def test_a_drag_move_is_one_undo_step(window, qtbot):
    item = window.scene.nodes["y"]
    window.scene.refresh()
    start = item.pos()
    count = window.undo_stack.count()
    grab = item.mapToScene(QPointF(item.width / 2 - 12, 0))   # the body, not a port
    drag(qtbot, window, grab, grab + QPointF(120, 40), steps=8)
    assert window.undo_stack.count() == count + 1
    moved = window.document.nodes["y"].position
    assert moved != (start.x(), start.y())
    assert moved == (item.pos().x(), item.pos().y())
    edge = window.scene.edges[("y", 0)]
    assert edge.path().pointAtPercent(1.0).x() == pytest.approx(item.input_port_scene(0).x())
    trigger(window, "actionUndo")
    assert window.document.nodes["y"].position == (start.x(), start.y())
    assert item.pos() == start


def test_moving_several_selected_nodes_together(window):
    window.scene.select_ids(["x", "y"])
    window.move_nodes({"x": ((0.0, 0.0), (10.0, 10.0)), "y": ((0.0, 150.0), (10.0, 160.0))})
    assert window.undo_stack.undoText() == "Move 2 nodes"
    trigger(window, "actionUndo")
    assert window.document.nodes["y"].position == (0.0, 150.0)


def test_copy_paste_through_the_clipboard(window):
    window.scene.select_ids(["y", "z"])
    trigger(window, "actionCopy")
    mime = QGuiApplication.clipboard().mimeData()
    assert mime.hasFormat(FRAGMENT_MIME)
    assert json.loads(mime.text())["format"] != "gradviz"     # a fragment, not a file
    before = set(window.document.nodes)
    trigger(window, "actionPaste")
    new = set(window.document.nodes) - before
    assert len(new) == 2 and set(window.scene.selected_ids()) == new
    pasted_z = next(n for n in new if window.document.nodes[n].op == "mul")
    pasted_y = next(n for n in new if n != pasted_z)
    assert window.document.nodes[pasted_z].inputs == [pasted_y, pasted_y]
    trigger(window, "actionUndo")
    assert set(window.document.nodes) == before


def test_cut_and_duplicate(window):
    window.scene.select_ids(["z3"])
    trigger(window, "actionDuplicate")
    assert len(window.document.nodes) == 6
    window.scene.select_ids(["out"])
    window.findChild(QAction, "actionCut").trigger()
    assert "out" not in window.document.nodes
    trigger(window, "actionPaste")
    assert any(n.startswith("out") for n in window.document.nodes)


def test_paste_of_foreign_text_is_refused(window):
    QGuiApplication.clipboard().setText("hello")
    before = snapshot(window)
    trigger(window, "actionPaste")
    assert snapshot(window) == before and "clipboard" in window.last_message


def test_find_selects_and_centres_the_node(window, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("mean", True))
    window.view.resetTransform()
    trigger(window, "actionFind")
    assert window.scene.selected_ids() == ["out"]
    centre = window.view.mapToScene(window.view.viewport().rect().center())
    item = window.scene.nodes["out"]
    assert abs(centre.x() - item.pos().x()) < 5 and abs(centre.y() - item.pos().y()) < 5
    assert window.find_node("z") == "z" and window.find_node("z") == "z3"   # repeat: next hit
    assert window.find_node("nothing-here") is None


def test_auto_layout_leaves_no_overlaps_and_keeps_pins(window):
    for _ in range(6):
        window.add_node("op", "exp", QPointF(0, 0))
    window.document.set_pinned("x", True)
    window.scene.refresh()
    for node_id in window.document.nodes:
        if node_id != "x":
            window.document.move(node_id, (5.0, 5.0))
    trigger(window, "actionAutoLayout")
    rects = [(n, i.mapRectToScene(i.rect())) for n, i in window.scene.nodes.items()]
    for a, (na, ra) in enumerate(rects):
        for nb, rb in rects[a + 1:]:
            assert not ra.intersects(rb), (na, nb)
    assert window.document.nodes["x"].position == (0.0, 0.0)
    assert window.undo_stack.undoText() == "Auto Layout"


def test_zoom_fit_and_actual_size(window):
    view = window.view
    trigger(window, "actionZoomReset")
    assert view.transform().m11() == 1.0
    window.findChild(QAction, "actionZoomIn").trigger()
    assert view.transform().m11() > 1.0
    window.findChild(QAction, "actionZoomOut").trigger()
    window.findChild(QAction, "actionZoomOut").trigger()
    assert view.transform().m11() < 1.0
    trigger(window, "actionFitView")
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(window.scene.nodes_rect())


def test_errors_show_on_the_node(window):
    n = window.add_node("op", "mm")
    window.connect_nodes("x", n, 0)
    window.scene.refresh()
    item = window.scene.nodes[n]
    # a missing input is unfinished work, not a failure: said on the node, state stays idle
    assert item.state == "idle" and "not connected" in item.error
    r = window.add_node("op", "reshape")
    window.connect_nodes("x", r, 0)
    window.document.set_attr(r, "shape", [3])
    window.scene.refresh()
    item = window.scene.nodes[r]
    assert item.state == "error" and "invalid for input of size 4" in item.error


def test_select_all(window):
    trigger(window, "actionSelectAll")
    assert set(window.scene.selected_ids()) == set(window.document.nodes)


def test_ctrl_click_adds_to_the_selection(window, qtbot):
    viewport = window.view.viewport()
    window.view.centerOn(window.scene.nodes["y"])
    for node_id, modifier in (("y", Qt.KeyboardModifier.NoModifier),
                              ("z", Qt.KeyboardModifier.ControlModifier)):
        item = window.scene.nodes[node_id]
        point = view_point(window, item.mapToScene(QPointF(item.width / 2 - 12, 0)))
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, modifier, point)
    assert set(window.scene.selected_ids()) == {"y", "z"}


def test_middle_button_pans(window, qtbot):
    view = window.view
    view.resetTransform()
    bar = view.verticalScrollBar()
    bar.setValue((bar.minimum() + bar.maximum()) // 2)
    before = bar.value()
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.MiddleButton, pos=QPoint(300, 300))
    qtbot.mouseMove(viewport, QPoint(300, 200))
    qtbot.mouseRelease(viewport, Qt.MouseButton.MiddleButton, pos=QPoint(300, 200))
    assert bar.value() == before + 100


def test_dropping_a_palette_entry_adds_it_where_it_lands(window):
    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QDropEvent

    from gradviz.ui.canvas import PALETTE_MIME

    mime = QMimeData()
    mime.setData(PALETTE_MIME, b"op:sigmoid")
    drop_at = QPointF(window.view.viewport().width() - 120, 120)
    event = QDropEvent(drop_at, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.view.dropEvent(event)
    added = [n for n in window.document.nodes if n.startswith("sigmoid")]
    assert len(added) == 1
    x, y = window.document.nodes[added[0]].position
    landed = window.view.mapToScene(drop_at.toPoint())
    assert abs(y - landed.y()) < 1 and x >= landed.x() - 1


def test_level_of_detail_draws_plain_boxes_when_zoomed_out(window):
    from PySide6.QtGui import QImage, QPainter

    item = window.scene.nodes["out"]
    image = QImage(60, 40, QImage.Format.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    painter.scale(0.2, 0.2)
    painter.translate(item.width / 2 + 10, item.height / 2 + 10)
    from PySide6.QtWidgets import QStyleOptionGraphicsItem

    item.paint(painter, QStyleOptionGraphicsItem())
    painter.end()
    # one flat colour: the accent of the start node, no text
    centre = image.pixelColor(int((item.width / 2 + 10) * 0.2), int((item.height / 2 + 10) * 0.2))
    assert centre.name() == window.theme.header_start


def test_large_scenes_format_previews_when_nodes_are_first_drawn(window, monkeypatch,
                                                                   make_tutorial):
    from gradviz.ui import canvas

    monkeypatch.setattr(canvas, "DEFER_PREVIEWS", 1)
    window.set_document(make_tutorial(), None)
    item = window.scene.nodes["y"]
    assert item.preview == "" and item.preview_later is not None
    window.view.zoom_reset()
    window.view.centerOn(item)
    window.view.viewport().grab()  # paints the visible nodes in detail
    assert item.preview.startswith("2×2: [[3., 3.]")
    assert "[[3., 3.]" in item.toolTip()


def test_edges_into_a_growing_cat_end_at_their_ports(window):
    """Each new piece renumbers cat's slots; the edges follow even once the node has
    reached its widest and no longer changes size."""
    doc = window.document
    doc.add_op("cat", node_id="joined", position=(0.0, 900.0))
    for i in range(7):
        doc.connect("x", "joined", i)
        item = window.scene.nodes["joined"]
        for slot in range(i + 1):
            end = window.scene.edges[("joined", slot)].curve[6:8]   # the curve's end
            port = item.input_port_scene(slot)
            assert end == pytest.approx((port.x(), port.y() - PORT_RADIUS - EdgeItem.ARROW))
