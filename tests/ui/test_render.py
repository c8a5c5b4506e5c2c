"""Images of the whole graph: Export Image in the window and render_document without one."""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QAction, QColor, QImage
from PySide6.QtWidgets import QFileDialog

from gradviz.ui.render import render_document
from gradviz.ui.theme import LIGHT


def count_colour(image: QImage, colour: str, step: int = 3) -> int:
    target = QColor(colour).rgb() & 0xFFFFFF
    hits = 0
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            if image.pixel(x, y) & 0xFFFFFF == target:
                hits += 1
    return hits


def non_background(image: QImage, colour: str, step: int = 4) -> int:
    background = QColor(colour).rgb() & 0xFFFFFF
    return sum(1 for y in range(0, image.height(), step) for x in range(0, image.width(), step)
               if image.pixel(x, y) & 0xFFFFFF != background)


def test_export_image_png_draws_every_node(window, tmp_path, monkeypatch):
    path = tmp_path / "graph.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    window.view.zoom_by(0.2)                        # the export ignores the viewport
    window.findChild(QAction, "actionExportImage").trigger()
    image = QImage(str(path))
    assert not image.isNull()
    rect = window.scene.itemsBoundingRect().adjusted(-24, -24, 24, 24)
    scale = image.width() / rect.width()
    for node_id, item in window.scene.nodes.items():
        # inside each node, by its right edge (no text there), is a node fill colour
        inside = item.mapToScene(QPointF(item.rect().right() - 4, 0)) - rect.topLeft()
        pixel = QColor(image.pixel(int(inside.x() * scale), int(inside.y() * scale)))
        fills = {QColor(c).rgb() for c in (LIGHT.op_fill, LIGHT.leaf_fill, LIGHT.start_fill,
                                           LIGHT.tensor_fill)}
        assert pixel.rgb() in fills, node_id
    assert count_colour(image, LIGHT.port_out) > 20


def test_export_image_svg(window, tmp_path, monkeypatch):
    path = tmp_path / "graph.svg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    window.findChild(QAction, "actionExportImage").trigger()
    text = path.read_text()
    assert "<svg" in text and "MeanBackward0" in text


def test_render_document_png_and_svg_from_a_document(make_tutorial, tmp_path):
    doc = make_tutorial()
    png = render_document(doc, tmp_path / "t.png")
    image = QImage(str(png))
    assert image.width() > 200 and non_background(image, LIGHT.background) > 500
    svg = render_document(doc, tmp_path / "t.svg", theme="dark")
    assert "AddBackward0" in svg.read_text()
    assert all(node.position != (0.0, 0.0) or node.id == "x" for node in doc.nodes.values())


def test_render_document_from_a_file_at_a_backward_step(tutorial_path, tmp_path):
    png = render_document(tutorial_path, tmp_path / "s.png", step=2)
    image = QImage(str(png))
    assert count_colour(image, LIGHT.active) > 20      # the active node's outline
    assert count_colour(image, LIGHT.done) > 20        # the finished node's outline


def test_render_document_refuses_a_step_out_of_range(make_tutorial, tmp_path):
    import pytest

    with pytest.raises(ValueError, match="outside"):
        render_document(make_tutorial(), tmp_path / "x.png", step=99)
