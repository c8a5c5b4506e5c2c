"""Zoomed far out on a large graph, the canvas draws it itself in a few batched calls.

Below ``LOD_SIMPLE`` every node is a plain box and every edge a hairline. Letting Qt draw
that means walking every item and calling its ``boundingRect()`` and ``paint()`` in
Python: a quarter of a second per repaint for 10,000 nodes. The overview keeps the boxes
grouped by colour and the edges as short line segments, draws them into a pixmap of the
viewport, and after a change (a backward step recolours a few nodes) redraws only the
part of the pixmap the change touched. Items stay in the scene, so clicks, selection and
drags work as before; only their drawing is taken over.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QLineF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap, QTransform
from PySide6.QtWidgets import (
    QGraphicsItem,
    QStyle,
    QStyleOptionGraphicsItem,
    QStyleOptionRubberBand,
    QWidget,
)

from .items import LOD_SIMPLE, EdgeItem, NodeItem

#: Graphs with fewer nodes are drawn by Qt at every zoom: fast enough, and its curves exact.
OVERVIEW_NODES = 500
#: A change touching more of the viewport than this share is redrawn in full.
PARTIAL_LIMIT = 0.25
#: Pixels: the smallest ring drawn around the node of the current backward step.
MARKER_RADIUS = 14


def _curve_lines(edges: list[EdgeItem]) -> tuple[list[list[QLineF]], np.ndarray]:
    """Each edge's curve as three segments ending at its arrow's tip (a hairline when far
    out), and each edge's bounds; computed for all edges at once."""
    curves = np.array([edge.curve for edge in edges], dtype=float).reshape(-1, 5, 2)
    p0, p1, p2, p3, tip = (curves[:, k] for k in range(5))
    points = [p0]
    for t in (1 / 3, 2 / 3):
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t ** 3
        points.append(a * p0 + b * p1 + c * p2 + d * p3)
    points = np.stack(points + [tip], axis=1)                      # edge, point, xy
    segments = np.concatenate([points[:, :-1], points[:, 1:]], axis=2).reshape(-1, 4)
    flat = [QLineF(x0, y0, x1, y1) for x0, y0, x1, y1 in segments.tolist()]
    lines = [flat[i:i + 3] for i in range(0, len(flat), 3)]
    bounds = np.concatenate([points.min(axis=1) - 1, points.max(axis=1) + 1], axis=1)
    return lines, bounds


def _node_boxes(items: list[NodeItem]) -> tuple[list[QRectF], np.ndarray]:
    """Each node's box in scene coordinates, and the same as rows of bounds."""
    rows = np.array([(item.pos().x(), item.pos().y(), item.width, item.height)
                     for item in items], dtype=float).reshape(-1, 4)
    bounds = np.concatenate([rows[:, :2] - rows[:, 2:] / 2, rows[:, :2] + rows[:, 2:] / 2],
                            axis=1)
    corners = np.concatenate([bounds[:, :2], rows[:, 2:]], axis=1)
    return [QRectF(x, y, w, h) for x, y, w, h in corners.tolist()], bounds


def _colours(items: list[NodeItem]) -> list[str]:
    """Each node's overview colour; computed once per distinct look, not per node."""
    memo: dict[tuple, str] = {}
    out = []
    for item in items:
        key = (item.state, item.is_start, item.kind, item.requires_grad, item.theme.name)
        colour = memo.get(key)
        if colour is None:
            colour = memo[key] = item.overview_colour().name()
        out.append(colour)
    return out


def _take(items: set, budget: int | None) -> list:
    """Remove and return up to ``budget`` members of ``items`` (all if None)."""
    if budget is None or len(items) <= budget:
        taken = list(items)
        items.clear()
        return taken
    taken = list(itertools.islice(items, budget))
    items.difference_update(taken)
    return taken


class _Rows:
    """Scene bounds of the things one overview layer draws, as numpy rows, so that a
    partial redraw finds what it touches without walking every item in Python."""

    def __init__(self) -> None:
        self.row: dict[QGraphicsItem, int] = {}
        self.items: list[QGraphicsItem | None] = []
        self.free: list[int] = []
        self.bounds = np.full((0, 4), np.nan)       # left, top, right, bottom

    def put(self, items: list[QGraphicsItem], bounds: np.ndarray) -> None:
        if not self.row:                            # the first fill: in one go
            self.row = dict(zip(items, range(len(items)), strict=True))
            self.items, self.free, self.bounds = list(items), [], bounds.copy()
            return
        rows = []
        for item in items:
            row = self.row.get(item)
            if row is None:
                row = self.free.pop() if self.free else len(self.items)
                if row == len(self.items):
                    self.items.append(None)
                self.row[item], self.items[row] = row, item
            rows.append(row)
        if len(self.items) > len(self.bounds):
            grown = np.full((max(64, 2 * len(self.items)), 4), np.nan)
            grown[:len(self.bounds)] = self.bounds
            self.bounds = grown
        self.bounds[rows] = bounds

    def of(self, items) -> np.ndarray:
        """The rows of ``items`` (those present)."""
        return self.bounds[[self.row[item] for item in items if item in self.row]]

    def drop(self, item: QGraphicsItem) -> np.ndarray:
        """Forget ``item``; its last bounds (no rows if it had none)."""
        row = self.row.pop(item, None)
        if row is None:
            return self.bounds[:0]
        last = self.bounds[row:row + 1].copy()
        self.items[row] = None
        self.bounds[row] = np.nan
        self.free.append(row)
        return last

    def touching(self, rect: QRectF) -> list[QGraphicsItem]:
        b = self.bounds
        hit = (b[:, 0] <= rect.right()) & (b[:, 2] >= rect.left()) \
            & (b[:, 1] <= rect.bottom()) & (b[:, 3] >= rect.top())
        return [self.items[row] for row in np.flatnonzero(hit)]


class Overview:
    """What the overview draws, kept up to date from the scene's and items' reports."""

    def __init__(self) -> None:
        # Called on every report: Qt does not repaint the viewport for item changes it
        # does not draw itself, so the view asks for its own repaint.
        self.listener: Callable[[], None] | None = None
        self.reset()

    def reset(self) -> None:
        """Forget everything (a new document, a new theme): the next paint starts over."""
        self.boxes: dict[NodeItem, tuple[QRectF, str]] = {}
        self.groups: dict[str, dict[NodeItem, QRectF]] = {}   # colour -> boxes
        self.lines: dict[EdgeItem, list[QLineF]] = {}
        self._node_rows, self._edge_rows = _Rows(), _Rows()
        self._all_lines: list[QLineF] | None = None
        self._dirty_nodes: set[NodeItem] = set()
        self._dirty_edges: set[EdgeItem] = set()
        self._damage = QRectF()                  # scene area whose drawing changed
        self._pixmap: QPixmap | None = None
        self._key: tuple | None = None
        self._started = False

    # -- reports (cheap: the work waits for ``sync``) --------------------------------------
    def node_changed(self, item: NodeItem) -> None:
        self._dirty_nodes.add(item)
        self._tell()

    def edge_changed(self, edge: EdgeItem) -> None:
        self._dirty_edges.add(edge)
        self._tell()

    def node_removed(self, item: NodeItem) -> None:
        self._dirty_nodes.discard(item)
        old = self.boxes.pop(item, None)
        if old is not None:
            del self.groups[old[1]][item]
        self._damage_rows(self._node_rows.drop(item))
        self._tell()

    def edge_removed(self, edge: EdgeItem) -> None:
        self._dirty_edges.discard(edge)
        if self.lines.pop(edge, None) is not None:
            self._all_lines = None
        self._damage_rows(self._edge_rows.drop(edge))
        self._tell()

    def _tell(self) -> None:
        if self.listener is not None:
            self.listener()

    # -- bringing the model up to date ---------------------------------------------------
    def sync(self, scene, budget: int | None = None) -> None:
        """Take in what changed since the last call (everything, the first time); with a
        ``budget``, at most that many nodes and edges (the rest wait for the next call)."""
        if not self._started:
            self._started = True
            self._dirty_nodes = set(scene.nodes.values())
            self._dirty_edges = set(scene.edges.values())
        nodes, edges = _take(self._dirty_nodes, budget), _take(self._dirty_edges, budget)
        if nodes:
            self._damage_rows(self._node_rows.of(nodes))
            for item in nodes:
                old = self.boxes.get(item)
                if old is not None:
                    del self.groups[old[1]][item]
            boxes, bounds = _node_boxes(nodes)
            for item, box, colour in zip(nodes, boxes, _colours(nodes), strict=True):
                self.boxes[item] = (box, colour)
                self.groups.setdefault(colour, {})[item] = box
            self._node_rows.put(nodes, bounds)
            self._damage_rows(bounds)
        if edges:
            self._damage_rows(self._edge_rows.of(edges))
            lines, bounds = _curve_lines(edges)
            self.lines.update(zip(edges, lines, strict=True))
            self._edge_rows.put(edges, bounds)
            self._damage_rows(bounds)
            self._all_lines = None

    def extent(self, scene, edges: bool = True) -> QRectF:
        """The area the nodes (and edges) cover, in scene coordinates."""
        self.sync(scene)
        bounds = np.concatenate([self._node_rows.bounds, self._edge_rows.bounds]) if edges \
            else self._node_rows.bounds
        if not np.isfinite(bounds).any():
            return QRectF()
        left, top = np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1])
        right, bottom = np.nanmax(bounds[:, 2]), np.nanmax(bounds[:, 3])
        return QRectF(left, top, right - left, bottom - top)

    def _damage_rows(self, bounds: np.ndarray) -> None:
        """Add the area covered by rows of bounds to what the next paint redraws."""
        if len(bounds):
            left, top = bounds[:, 0].min(), bounds[:, 1].min()
            right, bottom = bounds[:, 2].max(), bounds[:, 3].max()
            self._damage = self._damage.united(QRectF(left, top, right - left, bottom - top))

    # -- drawing ---------------------------------------------------------------------------
    @staticmethod
    def wanted(view) -> bool:
        """True when ``view`` should be drawn by the overview."""
        scene = view.graph_scene()
        return (len(scene.nodes) >= OVERVIEW_NODES and not scene.holding_moves()
                and QStyleOptionGraphicsItem.levelOfDetailFromTransform(view.transform())
                < LOD_SIMPLE)

    def paint(self, view, exposed: QRect) -> None:
        """Draw ``view``'s viewport: the cached picture, then what changes from paint to
        paint (selection, lit edges, the connection being dragged, the rubber band)."""
        scene = view.graph_scene()
        self.sync(scene)
        viewport: QWidget = view.viewport()
        ratio = viewport.devicePixelRatioF()
        transform = view.viewportTransform()
        key = (_matrix(transform), viewport.width(), viewport.height(), ratio,
               scene.theme.name)
        if key != self._key or self._pixmap is None:
            self._pixmap = QPixmap(round(viewport.width() * ratio),
                                   round(viewport.height() * ratio))
            self._pixmap.setDevicePixelRatio(ratio)
            self._key = key
            self._draw(scene, transform, None)
        elif not self._damage.isEmpty():
            area = transform.mapRect(self._damage).toAlignedRect().adjusted(-2, -2, 2, 2)
            whole = viewport.width() * viewport.height()
            visible = area.intersected(viewport.rect())
            if visible.width() * visible.height() > PARTIAL_LIMIT * whole:
                self._draw(scene, transform, None)
            elif not visible.isEmpty():
                self._draw(scene, transform, visible)
        self._damage = QRectF()
        painter = QPainter(viewport)
        painter.setClipRect(exposed)
        painter.drawPixmap(0, 0, self._pixmap)
        painter.setTransform(transform)
        self._paint_live(painter, scene, view)
        painter.resetTransform()
        self._paint_active_marker(painter, scene, transform)
        band = view.rubberBandRect()
        if not band.isEmpty():
            option = QStyleOptionRubberBand()
            option.initFrom(viewport)
            option.rect = band
            option.shape = option.shape.Rectangle
            view.style().drawControl(QStyle.ControlElement.CE_RubberBand, option, painter,
                                     viewport)
        painter.end()

    def _draw(self, scene, transform: QTransform, area: QRect | None) -> None:
        """Paint the boxes and edges into the pixmap; with ``area`` (device pixels), only
        that part, and only what touches it."""
        painter = QPainter(self._pixmap)
        background = QColor(scene.theme.background)
        if area is None:
            self._pixmap.fill(background)
            if self._all_lines is None:
                self._all_lines = [line for lines in self.lines.values() for line in lines]
            lines, groups = self._all_lines, self.groups
        else:
            painter.setClipRect(area)
            painter.fillRect(area, background)
            touched = transform.inverted()[0].mapRect(QRectF(area))
            lines = [line for edge in self._edge_rows.touching(touched)
                     for line in self.lines[edge]]
            groups = {}
            for item in self._node_rows.touching(touched):
                box, colour = self.boxes[item]
                groups.setdefault(colour, {})[item] = box
        painter.setTransform(transform)
        painter.setPen(QPen(QColor(scene.theme.edge), 0))
        painter.drawLines(lines)
        painter.setPen(Qt.PenStyle.NoPen)
        for colour, boxes in groups.items():
            if boxes:
                painter.setBrush(QColor(colour))
                painter.drawRects(list(boxes.values()))
        painter.end()

    def _paint_live(self, painter: QPainter, scene, view) -> None:
        """What is drawn over the picture on every paint: it is small and changes often."""
        theme = scene.theme
        selected = scene.selectedItems()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(theme.selection), 0))
        for item in selected:
            if isinstance(item, NodeItem) and item in self.boxes:
                painter.drawRect(self.boxes[item][0])
            elif isinstance(item, EdgeItem) and item in self.lines:
                painter.drawLines(self.lines[item])
        option = QStyleOptionGraphicsItem()
        for key in scene.highlighted:           # lit edges carry their gradient's label
            edge = scene.edges.get(key)
            if edge is not None:
                _paint_item(painter, edge, option, view)
        for item in view.extra_items():
            _paint_item(painter, item, option, view)

    def _paint_active_marker(self, painter: QPainter, scene, transform: QTransform) -> None:
        """A ring around the node of the current backward step: far out its box is a few
        pixels wide, and the step should still be found at a glance."""
        item = scene.nodes.get(scene.badged) if scene.badged else None
        if item is None or item not in self.boxes:
            return
        box = transform.mapRect(self.boxes[item][0])
        radius = max(MARKER_RADIUS, 0.5 * max(box.width(), box.height()) + 6)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(scene.theme.background), 6))
        painter.drawEllipse(box.center(), radius, radius)
        painter.setPen(QPen(QColor(scene.theme.active), 3))
        painter.drawEllipse(box.center(), radius, radius)


def _paint_item(painter: QPainter, item: QGraphicsItem, option: QStyleOptionGraphicsItem,
                view) -> None:
    """An item drawn by its own ``paint()``, as Qt would draw it."""
    painter.save()
    painter.setTransform(item.sceneTransform() * view.viewportTransform())
    option.state = QStyle.StateFlag.State_Selected if item.isSelected() \
        else QStyle.StateFlag.State_None
    option.exposedRect = item.boundingRect()
    item.paint(painter, option, None)
    painter.restore()


def _matrix(transform: QTransform) -> tuple[float, ...]:
    return (transform.m11(), transform.m12(), transform.m21(), transform.m22(),
            transform.dx(), transform.dy())
