"""Canvas items: nodes with ports, and edges with arrowheads.

Text is drawn in ``paint()`` (no child item per label) and nodes are cached in device
coordinates, the Qt way of keeping a large scene fast; zoomed far out a node is drawn as
a plain rectangle. Items only draw what the scene tells them; the document is the truth.
"""

from __future__ import annotations

import functools
import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem

from .theme import LIGHT, Theme

STATES = ("idle", "pending", "active", "done", "error")

PAD = 10.0
PORT_RADIUS = 5.5
PORT_HIT = 11.0
MIN_WIDTH = 168.0
MAX_WIDTH = 280.0
PREVIEW_WIDTH = 214.0  # a 2x2 float preview fits; longer values are elided
SLOT_SPACING = 58.0
LINE = 17.0
LOD_SIMPLE = 0.42     # below this zoom, nodes are plain rectangles
GLOW = 7.0            # room outside the node for the active-state halo
BADGE = 20.0          # height of the "step k/n" badge below the active node


@functools.cache
def _fonts() -> tuple[QFont, QFont, QFont, QFont]:
    title = QFont()
    title.setPointSizeF(10.5)
    title.setBold(True)
    body = QFont()
    body.setPointSizeF(9.0)
    small = QFont()
    small.setPointSizeF(8.0)
    mono = QFont("monospace")
    mono.setStyleHint(QFont.StyleHint.Monospace)
    mono.setPointSizeF(8.5)
    return title, body, small, mono


@functools.cache
def _metrics() -> tuple[QFontMetricsF, ...]:
    return tuple(QFontMetricsF(f) for f in _fonts())


def _pill(painter: QPainter, rect: QRectF, colour: str, font: QFont, text: str) -> None:
    """White text on a small rounded tag (the requires_grad mark, the nan/inf flag)."""
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawRoundedRect(rect, 4, 4)
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    painter.setBrush(Qt.BrushStyle.NoBrush)


class DeferredText:
    """Text made only when first needed: formatting value previews for thousands of
    nodes that are drawn as plain boxes would cost a large document seconds to open."""

    __slots__ = ("_make", "_text")

    def __init__(self, make) -> None:
        self._make, self._text = make, None

    def __call__(self) -> str:
        if self._text is None:
            self._text = self._make()
        return self._text


class NodeItem(QGraphicsItem):
    """One document node. ``pos()`` is the node's centre, as in the document."""

    def __init__(self, node_id: str, theme: Theme = LIGHT) -> None:
        super().__init__()
        self.node_id = node_id
        self.state = "idle"
        self.theme = theme
        self.kind = "op"                 # "tensor" or "op"
        self.title = node_id
        self.subtitle = ""               # op and grad_fn name, or the value rule
        self.info = ""                   # shape and dtype
        self.preview = ""                # a one-line value preview
        self.preview_later: DeferredText | None = None  # (large scenes) made when drawn
        self.error = ""
        self.grad_text = ""              # the gradient once backward reached this node
        self.requires_grad = False
        self.is_start = False
        self.tint: QColor | None = None   # gradient-magnitude colouring
        self.flag = ""                   # "nan" or "inf" when the gradient holds one
        self.badge = ""                  # e.g. "step 3/5" beside the active node's output
        self.slots: list[str] = []       # input slot labels
        self.connected: set[int] = set()
        self.edges: list[EdgeItem] = []
        self.width, self.height = MIN_WIDTH, 70.0
        self._elided: dict[str, str] | None = None   # texts cut to fit, made when painted
        self._measured = False
        self.quiet = False               # True while the scene moves many nodes at once
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                      | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                      | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(1.0)
        self._slot_text: list[str] = []

    # -- content -------------------------------------------------------------------------
    def set_content(self, **fields) -> None:
        """Update any of the text/flag fields at once and re-measure."""
        changed = not self._measured
        for key, value in fields.items():
            if getattr(self, key) != value:
                setattr(self, key, value)
                changed = True
        if changed:
            self._relayout()

    def set_state(self, state: str) -> None:
        if state not in STATES:
            raise ValueError(f"unknown node state {state!r}")
        if state != self.state:
            self.state = state
            self._redraw()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self._redraw()

    def set_tint(self, tint: QColor | None, flag: str = "") -> None:
        """Colour the body by gradient magnitude (None: the kind's own fill)."""
        if tint != self.tint or flag != self.flag:
            self.tint, self.flag = tint, flag
            self._redraw()

    def _redraw(self) -> None:
        """Schedule a repaint, and tell the scene's overview (which draws large graphs
        zoomed far out without calling ``paint``) that this box may look different."""
        self.update()
        scene = self.scene()
        if scene is not None:
            scene.overview.node_changed(self)

    def set_badge(self, text: str) -> None:
        if text != self.badge:
            self.prepareGeometryChange()
            self.badge = text
            self._redraw()

    def _relayout(self) -> None:
        tm, bm, sm, mm = _metrics()
        badge = 30.0 if self.requires_grad else 0.0
        # names decide the width; values and errors are elided to it (full text in the
        # tooltip), so nodes keep the size the layout planned for
        wanted = max(tm.horizontalAdvance(self.title) + badge, bm.horizontalAdvance(self.subtitle),
                     PREVIEW_WIDTH if self.preview_later is not None
                     else min(PREVIEW_WIDTH, mm.horizontalAdvance(self.preview))) + 2 * PAD
        width = min(MAX_WIDTH, max(MIN_WIDTH, wanted, SLOT_SPACING * (len(self.slots) + 0.4)))
        width = math.ceil(width / 2) * 2
        lines = 3 + (1 if self.grad_text else 0)
        height = 10.0 + (14.0 if self._shows_slot_labels() else 0.0) + lines * LINE + 8.0
        if (width, height) != (self.width, self.height):
            self.prepareGeometryChange()
            self.width, self.height = float(width), float(height)
            for edge in self.edges:
                edge.update_path()
        self._measured, self._elided = True, None
        self.setToolTip(self._tooltip())
        self._redraw()

    def _elide(self) -> dict[str, str]:
        """The texts cut to the node's width; only a node drawn in detail needs them."""
        if self.preview_later is not None and not self.preview:
            self.preview = self.preview_later()  # the width was planned for it already
            self.setToolTip(self._tooltip())
        tm, bm, sm, mm = _metrics()
        badge = 30.0 if self.requires_grad else 0.0
        inner = self.width - 2 * PAD
        elide = Qt.TextElideMode.ElideRight
        self._elided = {
            "title": tm.elidedText(self.title, elide, inner - badge),
            "subtitle": bm.elidedText(self.subtitle, elide, inner),
            "info": bm.elidedText(self.info, elide, inner),
            "preview": mm.elidedText(self.preview, elide, inner),
            "grad": mm.elidedText(self.grad_text, elide, inner),
            "error": sm.elidedText(self.error, elide, inner),
        }
        slot_w = self.width / (len(self.slots) + 1) - 4 if self.slots else self.width
        self._slot_text = [sm.elidedText(s, elide, slot_w) for s in self.slots]
        return self._elided

    def _shows_slot_labels(self) -> bool:
        return len(self.slots) > 1 or any("=" in s for s in self.slots)

    def _tooltip(self) -> str:
        parts = [self.title, self.subtitle, self.preview or self.info, self.grad_text]
        if self.error:
            parts.append(f"error: {self.error}")
        return "\n".join(p for p in parts if p)

    # -- geometry ------------------------------------------------------------------------
    def rect(self) -> QRectF:
        return QRectF(-self.width / 2, -self.height / 2, self.width, self.height)

    def boundingRect(self) -> QRectF:
        bounds = self.rect().adjusted(-GLOW, -GLOW, GLOW, GLOW)
        if self.badge:
            bounds = bounds.united(self._badge_rect(self.rect()).adjusted(-1, -1, 1, 1))
        return bounds

    def _badge_rect(self, rect: QRectF) -> QRectF:
        """Below the node, right of the output port: the least crowded spot (edges
        arrive at the top and leave straight down from the centre)."""
        _, body, _, _ = _metrics()
        return QRectF(rect.center().x() + PORT_RADIUS + 6, rect.bottom() + 3,
                      body.horizontalAdvance(self.badge) * 1.1 + 14, BADGE - 3)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(self.rect().adjusted(-PORT_RADIUS, -PORT_RADIUS, PORT_RADIUS,
                                                 PORT_RADIUS), 8, 8)
        return path

    def input_port(self, slot: int) -> QPointF:
        """Where input ``slot`` sits, in item coordinates (along the top edge)."""
        n = max(1, len(self.slots))
        return QPointF(-self.width / 2 + self.width * (slot + 1) / (n + 1), -self.height / 2)

    def output_port(self) -> QPointF:
        return QPointF(0.0, self.height / 2)

    def input_port_scene(self, slot: int) -> QPointF:
        return self.mapToScene(self.input_port(slot))

    def output_port_scene(self) -> QPointF:
        return self.mapToScene(self.output_port())

    def port_at(self, pos: QPointF) -> tuple[str, int] | None:
        """The port under ``pos`` (item coordinates): ("out", 0), ("in", slot) or None."""
        def near(p: QPointF) -> bool:
            return (p - pos).manhattanLength() <= PORT_HIT

        if near(self.output_port()):
            return ("out", 0)
        for slot in range(len(self.slots)):
            if near(self.input_port(slot)):
                return ("in", slot)
        return None

    def nearest_slot(self, pos: QPointF) -> int | None:
        """The input slot closest to ``pos`` horizontally (None for a tensor node)."""
        if not self.slots:
            return None
        return min(range(len(self.slots)), key=lambda s: abs(self.input_port(s).x() - pos.x()))

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            scene = self.scene()
            if scene is not None:
                scene.overview.node_changed(self)
            if not self.quiet:
                for edge in self.edges:
                    edge.update_path()
        return super().itemChange(change, value)

    # -- painting ------------------------------------------------------------------------
    def _fill(self) -> QColor:
        t = self.theme
        if self.state == "error":
            return QColor(t.error_fill)
        if self.tint is not None:
            return QColor(self.tint)
        if self.is_start:
            return QColor(t.start_fill)
        if self.kind == "tensor":
            return QColor(t.leaf_fill if self.requires_grad else t.tensor_fill)
        return QColor(t.op_fill)

    def _accent(self) -> QColor:
        t = self.theme
        if self.is_start:
            return QColor(t.header_start)
        if self.kind == "tensor":
            return QColor(t.header_leaf if self.requires_grad else t.header_tensor)
        return QColor(t.header_op)

    def _outline(self, selected: bool) -> QPen:
        t = self.theme
        if self.state == "active":
            pen = QPen(QColor(t.active), 3.5)
        elif self.state == "done":
            pen = QPen(QColor(t.done), 2.5)
        elif self.state == "error":
            pen = QPen(QColor(t.error), 2.0)
        elif self.state == "pending":
            pen = QPen(QColor(t.pending), 2.0, Qt.PenStyle.DashLine)
        else:
            pen = QPen(QColor(t.border), 1.2)
        if selected:
            pen = QPen(QColor(t.selection), max(pen.widthF(), 2.5))
        return pen

    def overview_colour(self) -> QColor:
        """The colour of the plain box a node is drawn as when zoomed far out."""
        return self._accent() if self.state == "idle" else self._outline(False).color()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = self.theme
        if not self._measured:
            self._relayout()
        rect = self.rect()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < LOD_SIMPLE:
            painter.fillRect(rect, self.overview_colour())
            if selected:
                painter.setPen(QPen(QColor(t.selection), 0))
                painter.drawRect(rect)
            return
        if self._elided is None:
            self._elide()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self.state == "active":
            glow = QColor(t.active)
            glow.setAlpha(70)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(glow)
            painter.drawRoundedRect(rect.adjusted(-GLOW, -GLOW, GLOW, GLOW), 12, 12)
        body = QPainterPath()
        body.addRoundedRect(rect, 8, 8)
        painter.fillPath(body, self._fill())
        painter.save()
        painter.setClipPath(body)
        accent = self._accent() if self.state in ("idle", "error") else \
            self._outline(False).color()
        painter.fillRect(QRectF(rect.left(), rect.top(), rect.width(),
                                5.0 if self.state == "idle" else 7.0), accent)
        painter.restore()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(self._outline(selected))
        painter.drawPath(body)
        self._paint_text(painter, rect)
        self._paint_ports(painter)
        if self.badge:
            self._paint_badge(painter, rect)

    def _paint_badge(self, painter: QPainter, rect: QRectF) -> None:
        _, body_f, _, _ = _fonts()
        box = self._badge_rect(rect)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(self.theme.active))
        painter.drawRoundedRect(box, 5, 5)
        font = QFont(body_f)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.badge)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_text(self, painter: QPainter, rect: QRectF) -> None:
        t = self.theme
        title_f, body_f, small_f, mono_f = _fonts()
        x, w = rect.left() + PAD, rect.width() - 2 * PAD
        y = rect.top() + 8.0
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        if self._shows_slot_labels():
            painter.setFont(small_f)
            painter.setPen(QColor(t.muted))
            for slot, text in enumerate(self._slot_text):
                px = self.input_port(slot).x()
                painter.drawText(QRectF(px - 40, y, 80, 13), Qt.AlignmentFlag.AlignCenter, text)
            y += 14.0
        painter.setFont(title_f)
        painter.setPen(QColor(t.text))
        painter.drawText(QRectF(x, y, w, LINE + 2), left, self._elided["title"])
        if self.requires_grad:
            _pill(painter, QRectF(rect.right() - PAD - 24, y + 2, 24, 15), t.header_leaf,
                  body_f, "∂")
        y += LINE + 1
        painter.setFont(body_f)
        painter.setPen(QColor(t.muted))
        painter.drawText(QRectF(x, y, w, LINE), left, self._elided["subtitle"])
        if self.flag:
            _pill(painter, QRectF(rect.right() - PAD - 30, y + 1, 30, 15), t.error, small_f,
                  self.flag)
        y += LINE
        if self.error:
            painter.setFont(small_f)
            painter.setPen(QColor(t.error))
            painter.drawText(QRectF(x, y, w, LINE), left, self._elided["error"])
        else:
            painter.setFont(mono_f)
            painter.setPen(QColor(t.text))
            info = self._elided["info"]
            painter.drawText(QRectF(x, y, w, LINE), left,
                             self._elided["preview"] if self.preview else info)
        y += LINE
        if self.grad_text:
            painter.setFont(mono_f)
            painter.setPen(QColor(t.grad_text))
            painter.drawText(QRectF(x, y, w, LINE), left, self._elided["grad"])

    def _paint_ports(self, painter: QPainter) -> None:
        t = self.theme
        painter.setPen(QPen(QColor(t.background), 1.5))
        for slot in range(len(self.slots)):
            filled = slot in self.connected
            color = QColor(t.port_in)
            painter.setBrush(color if filled else QColor(t.background))
            painter.setPen(QPen(color, 2.0))
            painter.drawEllipse(self.input_port(slot), PORT_RADIUS, PORT_RADIUS)
        painter.setPen(QPen(QColor(t.port_out), 2.0))
        painter.setBrush(QColor(t.port_out))
        painter.drawEllipse(self.output_port(), PORT_RADIUS, PORT_RADIUS)


class EdgeItem(QGraphicsItem):
    """source's output -> target's input ``slot``: a curve ending in an arrowhead."""

    ARROW = 10.0
    LABEL_WIDTH = 320.0

    def __init__(self, source: NodeItem, target: NodeItem, slot: int,
                 theme: Theme = LIGHT) -> None:
        super().__init__()
        self.source, self.target, self.slot = source, target, slot
        self.theme = theme
        self.highlighted = False
        self.label = ""                  # e.g. the gradient this edge carries
        self._path = QPainterPath()
        self._arrow = QPolygonF()
        self._bounds = QRectF()
        self.setFlags(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        # cached like the nodes: a repaint that does not change the edge blits a pixmap
        # instead of calling paint() (in Python) for every edge in view
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(0.0)
        source.edges.append(self)
        target.edges.append(self)
        self.update_path()

    def detach(self) -> None:
        for node in (self.source, self.target):
            if self in node.edges:
                node.edges.remove(self)

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.update()

    def set_highlight(self, on: bool, label: str = "") -> None:
        self.highlighted, self.label = on, label
        self.update_path()

    def update_path(self) -> None:
        start = self.source.output_port_scene()
        end = self.target.input_port_scene(self.slot)
        tip = QPointF(end.x(), end.y() - PORT_RADIUS)
        base = QPointF(tip.x(), tip.y() - self.ARROW)
        path = QPainterPath(start)
        dy = max(40.0, abs(base.y() - start.y()) / 2)
        if base.y() < start.y():          # the target sits above: loop around
            dy = max(80.0, abs(base.y() - start.y()) / 3)
        path.cubicTo(QPointF(start.x(), start.y() + dy), QPointF(base.x(), base.y() - dy), base)
        # the curve's control points, then the arrow's tip: what the overview draws
        self.curve = (start.x(), start.y(), start.x(), start.y() + dy,
                      base.x(), base.y() - dy, base.x(), base.y(), tip.x(), tip.y())
        half = self.ARROW * 0.5
        arrow = QPolygonF([tip, QPointF(base.x() - half, base.y()),
                           QPointF(base.x() + half, base.y())])
        self.prepareGeometryChange()
        self._path, self._arrow = path, arrow
        bounds = path.boundingRect().united(arrow.boundingRect()).adjusted(-6, -6, 6, 6)
        if self.label:
            bounds = bounds.united(self._label_rect(path).adjusted(-2, -2, 2, 2))
        self._bounds = bounds
        self.update()
        scene = self.scene()
        if scene is not None:
            scene.overview.edge_changed(self)

    def _label_rect(self, path: QPainterPath) -> QRectF:
        """Where the label sits: beside the curve near its target, on the left for the
        first of several inputs and on the right otherwise, so neighbours do not collide."""
        _, _, _, mono = _fonts()
        metrics = QFontMetricsF(mono)
        text = metrics.elidedText(self.label, Qt.TextElideMode.ElideRight, self.LABEL_WIDTH)
        width = metrics.horizontalAdvance(text) + 10
        point = path.pointAtPercent(0.62)
        left = self.slot == 0 and len(self.target.slots) > 1
        x = point.x() - width - 8 if left else point.x() + 8
        return QRectF(x, point.y() - 10, width, 20)

    def _paint_flow(self, painter: QPainter, color: QColor) -> None:
        """Chevrons along the curve pointing back to the source: the gradient travels
        against the forward arrow."""
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        for at in (0.3, 0.45):
            point = self._path.pointAtPercent(at)
            angle = math.radians(self._path.angleAtPercent(at) + 180.0)
            ux, uy = math.cos(angle), -math.sin(angle)      # towards the source
            px, py = -uy, ux
            tip = QPointF(point.x() + ux * 7, point.y() + uy * 7)
            back = QPointF(point.x() - ux * 5, point.y() - uy * 5)
            painter.drawPolygon(QPolygonF([tip, QPointF(back.x() + px * 6, back.y() + py * 6),
                                           QPointF(back.x() - px * 6, back.y() - py * 6)]))

    def path(self) -> QPainterPath:
        return self._path

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(9.0)
        return stroker.createStroke(self._path)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = self.theme
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        color = QColor(t.active if self.highlighted else t.selection if selected else t.edge)
        width = 3.5 if self.highlighted else 2.2 if selected else 1.6
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < LOD_SIMPLE and not self.highlighted and not self.label:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setPen(QPen(color, 0))        # far out: a hairline, no arrowhead
            painter.drawPath(self._path)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(color))
        painter.drawPolygon(self._arrow)
        if self.highlighted:
            self._paint_flow(painter, color)
        if self.label:
            _, _, _, mono = _fonts()
            painter.setFont(mono)
            text = QFontMetricsF(mono).elidedText(self.label, Qt.TextElideMode.ElideRight,
                                                  self.LABEL_WIDTH)
            box = self._label_rect(self._path)
            painter.setBrush(QColor(t.background))
            painter.setPen(QPen(color, 1.2))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(QColor(t.text))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
