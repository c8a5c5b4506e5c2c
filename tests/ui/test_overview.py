"""The overview: a large graph zoomed far out is drawn in batched calls, and stays right
as steps recolour nodes, nodes move, and the selection changes."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QGuiApplication, QImage

from gradviz.graph import Document, ValueSpec
from gradviz.ui import items
from gradviz.ui.overview import OVERVIEW_NODES, Overview

COLUMNS = 20


def chain_document(count: int) -> Document:
    """x -> add -> add -> ... -> sum, laid out on a grid (no layout needed)."""
    doc = Document("chain")
    grid = [(float(250 * (i % COLUMNS)), float(160 * (i // COLUMNS))) for i in range(count)]
    last = doc.add_tensor("x", ValueSpec("ones", (2,)), requires_grad=True, position=grid[0])
    for i in range(1, count - 1):
        last = doc.add_op("add", inputs=[last], attrs={"other": 1}, name=f"a{i}",
                          position=grid[i])
    doc.add_op("sum", inputs=[last], name="total", position=grid[count - 1])
    return doc


@pytest.fixture
def big(window, qtbot):
    window.set_document(chain_document(OVERVIEW_NODES + 100), None)
    window.view.fit()
    qtbot.wait(10)
    assert Overview.wanted(window.view)
    return window


def count_paints(monkeypatch) -> list:
    calls = []
    original = items.NodeItem.paint

    def counted(self, *args):
        calls.append(self.node_id)
        return original(self, *args)

    monkeypatch.setattr(items.NodeItem, "paint", counted)
    return calls


def grab(window) -> QImage:
    return window.view.viewport().grab().toImage()


def on_screen(window, qtbot) -> QImage:
    """What the window's backing store holds for the canvas: only what real paints drew
    (``grab`` renders afresh, so it cannot show a repaint that never happened)."""
    qtbot.wait(30)
    image = QGuiApplication.primaryScreen().grabWindow(window.winId()).toImage()
    viewport = window.view.viewport()
    corner = viewport.mapTo(window, viewport.rect().topLeft())
    return image.copy(corner.x(), corner.y(), viewport.width(), viewport.height())


def pixel_at_node(window, image: QImage, node_id: str) -> QColor:
    point = window.view.mapFromScene(window.scene.nodes[node_id].pos())
    return image.pixelColor(point.x(), point.y())


def test_zoomed_out_a_large_graph_is_drawn_without_painting_items(big, monkeypatch):
    calls = count_paints(monkeypatch)
    image = grab(big)
    assert calls == []
    for node_id in ["x", "a1", "a300", "total"]:
        item = big.scene.nodes[node_id]
        assert pixel_at_node(big, image, node_id) == item.overview_colour(), node_id


def test_zoomed_in_or_small_the_items_paint_themselves(window, big, monkeypatch):
    calls = count_paints(monkeypatch)
    big.view.zoom_reset()
    big.view.centerOn(big.scene.nodes["a1"])
    grab(big)
    assert "a1" in calls
    calls.clear()
    window.set_document(chain_document(OVERVIEW_NODES - 100), None)
    window.view.fit()
    assert window.view.transform().m11() < items.LOD_SIMPLE
    grab(window)
    assert len(calls) > 100 and not Overview.wanted(window.view)


def test_steps_recolour_only_what_they_touch_and_step_back_restores(big):
    before = grab(big)
    assert big.run_backward(ask=False)
    pending = grab(big)
    assert pixel_at_node(big, pending, "a1") == QColor(big.scene.theme.pending)
    assert pixel_at_node(big, pending, "a1") != pixel_at_node(big, before, "a1")
    big.stepper.step_forward()
    first = big.stepper.replay.active_step.node_id
    after = grab(big)
    assert pixel_at_node(big, after, first) == QColor(big.scene.theme.active)
    assert pixel_at_node(big, after, "a1") == QColor(big.scene.theme.pending)
    big.stepper.step_back()
    back = grab(big)
    for node_id in [first, "a1", "a300", "x"]:       # (the view may scroll: compare nodes)
        assert pixel_at_node(big, back, node_id) == pixel_at_node(big, pending, node_id)
    big.stepper.clear()
    cleared = grab(big)
    for node_id in [first, "a1", "a300", "x"]:
        assert pixel_at_node(big, cleared, node_id) == pixel_at_node(big, before, node_id)


def test_a_moved_node_leaves_its_old_place_and_shows_at_the_new(big):
    item = big.scene.nodes["a5"]
    old = big.view.mapFromScene(item.mapRectToScene(item.rect())).boundingRect()
    target = big.scene.nodes["a25"].pos()
    new_pos = (target.x() + 125, target.y() + 80)      # a free spot between rows 1 and 2
    colour = item.overview_colour()
    assert colour_count(grab(big), old, colour) > 0.5 * old.width() * old.height()
    big.document.move("a5", new_pos)
    image = grab(big)
    assert colour_count(image, old, colour) == 0       # only edges may cross it now
    assert pixel_at_node(big, image, "a5") == colour


def colour_count(image: QImage, box, colour: QColor) -> int:
    return sum(image.pixelColor(x, y) == colour for x in range(box.left() + 1, box.right())
               for y in range(box.top() + 1, box.bottom()))


def test_a_selected_node_is_outlined(big):
    item = big.scene.nodes["a42"]
    box = big.view.mapFromScene(item.mapRectToScene(item.rect())).boundingRect()
    plain = grab(big)
    item.setSelected(True)
    image = grab(big)
    ring = [(x, y) for x in range(box.left() - 1, box.right() + 2)
            for y in (box.top() - 1, box.top(), box.bottom(), box.bottom() + 1)]
    selection = QColor(big.scene.theme.selection)
    assert any(image.pixelColor(x, y) == selection for x, y in ring)
    assert not any(plain.pixelColor(x, y) == selection for x, y in ring)


def test_a_removed_node_disappears(big):
    position = big.view.mapFromScene(big.scene.nodes["total"].pos())
    big.document.remove_node("total")
    assert grab(big).pixelColor(position) == QColor(big.scene.theme.background)


def test_nothing_is_painted_while_a_layout_is_pending(big, monkeypatch):
    calls = count_paints(monkeypatch)
    big.view.zoom_reset()
    big.scene.hold_moves()
    image = grab(big)
    assert calls == []
    assert image.pixelColor(image.width() // 2, image.height() // 2) == \
        QColor(big.scene.theme.background)
    big.scene.place_held()
    grab(big)
    assert calls


def test_the_active_node_wears_a_ring_that_can_be_seen_from_afar(big):
    assert big.run_backward(ask=False)
    big.stepper.step_forward()
    item = big.scene.nodes[big.stepper.replay.active_step.node_id]
    centre = big.view.mapFromScene(item.pos())
    image = grab(big)
    active = QColor(big.scene.theme.active)
    ring = [image.pixelColor(centre.x() + dx, centre.y() + dy)
            for dx, dy in [(14, 0), (-14, 0), (0, 14), (0, -14)]]
    assert ring.count(active) >= 3          # 14 px out, far beyond the few-pixel box


def test_nodes_and_edges_added_later_are_drawn(big):
    grab(big)
    source = big.scene.nodes["a300"].pos()
    big.document.add_op("exp", inputs=["a300"], node_id="late",
                        position=(source.x() + 125, source.y() + 80))
    image = grab(big)
    edge = big.scene.edges[("late", 0)]
    assert edge in big.scene.overview.lines
    late = big.scene.nodes["late"]
    assert pixel_at_node(big, image, "late") == late.overview_colour()


@pytest.mark.parametrize("change", ["select", "step", "move", "step back", "theme"])
def test_what_is_on_screen_follows_every_change(big, qtbot, change):
    """Qt does not repaint the viewport for changes to items it does not draw; the
    overview asks for the repaint itself."""
    assert big.run_backward(ask=False)
    big.stepper.step_forward()
    on_screen(big, qtbot)
    if change == "select":
        big.scene.nodes["a42"].setSelected(True)
    elif change == "step":
        big.stepper.step_forward()
    elif change == "move":
        target = big.scene.nodes["a25"].pos()
        big.document.move("a5", (target.x() + 125, target.y() + 80))
    elif change == "step back":
        big.stepper.step_back()
    else:
        big.apply_theme("dark")
    assert on_screen(big, qtbot) == grab(big)
