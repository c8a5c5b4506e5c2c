"""Drawing a whole document to PNG or SVG without a screen, with the canvas's own items."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication, QGraphicsItem

from ..graph import Document, layered_layout, load
from ..graph.fileio import document_from_dict, document_to_dict
from ..graph.replay import Replay
from . import steps
from .canvas import GraphScene
from .theme import theme_named

MARGIN = 24.0
MAX_PIXELS = 16000  # longest side of a PNG


def ensure_app() -> QApplication:
    """A QApplication for drawing; offscreen when there is no display."""
    app = QApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication([])
    return app


def render_scene(scene: GraphScene, out_path, scale: float = 2.0) -> Path:
    """Write the whole scene (not a viewport) to ``out_path`` (.png or .svg)."""
    out_path = Path(out_path)
    suffix = out_path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"{out_path.name}: choose a .png or .svg file name")
    rect = scene.itemsBoundingRect()     # nodes, edges and their labels
    if rect.isEmpty():
        rect = QRectF(0, 0, 200, 120)
    rect = rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
    selected = scene.selectedItems()
    scene.clearSelection()
    caches = {item: item.cacheMode() for item in scene.items()}
    for item in caches:  # draw vectors, not cached pixmaps
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    background = QColor(scene.theme.background)
    try:
        if suffix == ".svg":
            from PySide6.QtSvg import QSvgGenerator

            generator = QSvgGenerator()
            generator.setFileName(str(out_path))
            generator.setSize(QSize(int(rect.width()), int(rect.height())))
            generator.setViewBox(QRectF(0, 0, rect.width(), rect.height()))
            generator.setTitle("gradviz graph")
            painter = QPainter(generator)
            painter.fillRect(QRectF(0, 0, rect.width(), rect.height()), background)
            scene.render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
            painter.end()
        else:
            scale = min(scale, MAX_PIXELS / max(rect.width(), rect.height()))
            size = QSize(max(1, int(rect.width() * scale)), max(1, int(rect.height() * scale)))
            image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(background)
            painter = QPainter(image)
            painter.setRenderHints(QPainter.RenderHint.Antialiasing
                                   | QPainter.RenderHint.TextAntialiasing)
            scene.render(painter, QRectF(0, 0, size.width(), size.height()), rect,
                         Qt.AspectRatioMode.KeepAspectRatio)
            painter.end()
            if not image.save(str(out_path)):
                raise OSError(f"cannot write {out_path}")
    finally:
        for item, mode in caches.items():
            item.setCacheMode(mode)
        for item in selected:
            item.setSelected(True)
    return out_path


def render_document(document_or_path, out_path, step: int | None = None,
                    theme: str = "light", scale: float = 2.0) -> Path:
    """Draw a document (or a ``.gvz`` path) to PNG/SVG, optionally at backward ``step``.

    ``step`` counts executed backward steps from the document's start node (0 = none,
    the trace length = the end). A document passed in is not modified.
    """
    ensure_app()
    if isinstance(document_or_path, Document):
        document = document_from_dict(document_to_dict(document_or_path))
    else:
        document = load(document_or_path)
    scene = GraphScene(theme_named(theme))
    scene.set_document(document)
    positions = {node.position for node in document.nodes.values()}
    if (len(document.nodes) > 1 and len(positions) == 1) or scene.overlapping():
        layout = layered_layout(document, "TB", sizes=scene.node_sizes())
        document.move_many(layout.positions)
    if step is not None:
        start = steps.start_node(document)
        if start is None:
            raise ValueError("the document has no single output to start backward from")
        trace = document.backward_trace(start, steps.start_gradient(document))
        if not 0 <= step <= len(trace):
            raise ValueError(f"step {step} is outside 0..{len(trace)} for this document")
        errors = frozenset(n for n, r in document.evaluate().items() if r.status == "error")
        steps.show_replay(scene, Replay(trace, errors, step))
    scene.refresh()
    return render_scene(scene, out_path, scale)
