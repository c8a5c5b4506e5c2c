"""The canvas: a scene that follows the document's change notifications, and its view.

The scene never edits the document. The view turns gestures into requests (connect,
move, add, open) that the main window carries out as undoable commands.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QEvent, QMimeData, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmapCache, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsScene, QGraphicsView

from ..graph import events
from ..graph.document import Document, OpNode, slot_name
from ..graph.evaluate import OK
from . import steps
from .items import DeferredText, EdgeItem, NodeItem
from .overview import Overview
from .theme import LIGHT, Theme

PALETTE_MIME = "application/x-gradviz-palette"
PIXMAP_CACHE_KB = 96 * 1024   # item caches of a 10,000-node graph fit without thrashing
MIN_SCALE, MAX_SCALE = 0.03, 5.0
FIT_MARGIN = 28                # pixels around the graph after Fit: nodes grow a line in backward


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in shape) if shape else "scalar"


def missing_input(document: Document, node_id: str) -> bool:
    """True when an op node still has an empty input (unfinished, not failed)."""
    node = document.nodes[node_id]
    if not isinstance(node, OpNode):
        return False
    spec = node.spec
    if spec.variadic:
        return not node.inputs
    return any(source is None and spec.inputs[slot] not in node.attrs
               for slot, source in enumerate(node.inputs))


#: Moving this many nodes at once goes through ``place_held`` (each edge redrawn once, the
#: index rebuilt once); fewer are moved one by one, keeping the index.
BULK_MOVES = 50
#: Documents with at least this many nodes have uncached items (see ``_set_cache``) and
#: their objects frozen out of full garbage collections (see ``collector``).
LARGE_SCENE = 3_000
#: From this many nodes on, value previews are formatted when a node is first drawn in
#: detail (zoomed out, nodes are plain boxes and need none).
DEFER_PREVIEWS = 1_000


class GraphScene(QGraphicsScene):
    """Node and edge items mirroring a document; values come from its evaluation."""

    refreshed = Signal()

    def __init__(self, theme: Theme = LIGHT, parent=None) -> None:
        super().__init__(parent)
        self.theme = theme
        self.document: Document | None = None
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[tuple[str, int], EdgeItem] = {}
        self.step_states: dict[str, str] = {}     # overlay set by the stepper
        self.grad_texts: dict[str, str] = {}
        self._results: dict[str, object] = {}
        self._dirty: set[str] = set()
        self._deferred: dict[str, None] | None = None   # moves held back (``hold_moves``)
        self.highlighted: set[tuple[str, int]] = set()  # edges the stepper lit
        self.badged: str | None = None                  # the node wearing the step badge
        self.replay_shown: tuple | None = None          # (trace, index, document) drawn
        self.overview = Overview()                      # draws large graphs zoomed out
        self.overview.listener = self._overview_changed
        self.selectionChanged.connect(self._overview_changed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.refresh)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.setBackgroundBrush(QColor(theme.background))

    # -- following the document ------------------------------------------------------------
    def set_document(self, document: Document) -> None:
        if self.document is not None:
            self.document.changed.unsubscribe(self._on_change)
        self.clear()
        self.overview.reset()
        self.nodes, self.edges, self._results = {}, {}, {}
        self.step_states, self.grad_texts = {}, {}
        self.highlighted, self.badged, self._deferred = set(), None, None
        self.replay_shown = None
        self.document = document
        for node_id in document.nodes:          # in bulk: items first, then edges
            self._add_item(node_id)
        self._dirty = set(document.nodes)
        self.refresh()                          # sizes known, so each edge is drawn once
        for source, target, slot in document.edges():
            self._add_edge(source, target, slot)
        document.changed.subscribe(self._on_change)

    def detach(self) -> None:
        if self.document is not None:
            self.document.changed.unsubscribe(self._on_change)

    def _add_item(self, node_id: str) -> NodeItem:
        item = NodeItem(node_id, self.theme)
        node = self.document.nodes[node_id]
        item.setPos(*node.position)
        self._set_cache(item)
        self.addItem(item)
        self.nodes[node_id] = item
        self.overview.node_changed(item)
        return item

    def _add_edge(self, source: str, target: str, slot: int) -> None:
        edge = EdgeItem(self.nodes[source], self.nodes[target], slot, self.theme)
        self._set_cache(edge)
        self.addItem(edge)
        self.edges[(target, slot)] = edge
        self.overview.edge_changed(edge)

    def _set_cache(self, item: QGraphicsItem) -> None:
        """Items of large documents are drawn uncached: caching renders a pixmap per item
        on its first paint, seconds for a whole large graph in view."""
        if len(self.document.nodes) >= LARGE_SCENE:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)

    def _remove_edge(self, key: tuple[str, int]) -> None:
        edge = self.edges.pop(key)
        edge.detach()
        self.removeItem(edge)
        self.overview.edge_removed(edge)

    def _rewire(self, target: str) -> None:
        """Recreate the edges into ``target`` (variadic ops renumber their slots), after
        the node has its new slots, so each edge ends at its port."""
        for key in [k for k in self.edges if k[0] == target]:
            self._remove_edge(key)
        self._apply_static(self.nodes[target])
        node = self.document.nodes[target]
        if isinstance(node, OpNode):
            for slot, source in enumerate(node.inputs):
                if source is not None and source in self.nodes:
                    self._add_edge(source, target, slot)

    def _on_change(self, change: events.Change) -> None:
        kind, node_id = change.kind, change.node_id
        if kind == events.NODE_ADDED:
            self._apply_static(self._add_item(node_id))
            if isinstance(self.document.nodes[node_id], OpNode):
                self._rewire(node_id)
        elif kind == events.NODE_REMOVED:
            item = self.nodes.pop(node_id)
            for key in [k for k, e in self.edges.items()
                        if e.source is item or e.target is item]:
                self._remove_edge(key)
            self.removeItem(item)
            self.overview.node_removed(item)
            self.step_states.pop(node_id, None)
        elif kind in (events.EDGE_ADDED, events.EDGE_REMOVED):
            self._rewire(node_id)
        elif kind == events.NODES_MOVED:
            if self.holding_moves():     # placed later, a chunk at a time
                self._deferred.update(dict.fromkeys(change.detail))
            elif len(change.detail) < BULK_MOVES:
                for moved in change.detail:
                    x, y = self.document.nodes[moved].position
                    self.nodes[moved].setPos(x, y)
            else:
                self.hold_moves()
                self._deferred.update(dict.fromkeys(change.detail))
                self.place_held()
            return
        elif kind == events.NODE_CHANGED:
            item = self.nodes[node_id]
            if change.detail == "position":
                if self._deferred is not None:
                    self._deferred[node_id] = None
                    return
                x, y = self.document.nodes[node_id].position
                if (item.pos().x(), item.pos().y()) != (x, y):
                    item.setPos(x, y)
                return
            self._apply_static(item)
        self._dirty.add(node_id) if node_id else self._dirty.update(self.nodes)
        self._timer.start()

    def _overview_changed(self) -> None:
        for view in self.views():
            view.overview_changed()

    def pending(self) -> bool:
        """True when document changes wait for ``refresh``."""
        return bool(self._dirty) or self._timer.isActive()

    # -- many moves at once ----------------------------------------------------------------
    def hold_moves(self) -> None:
        """Collect position changes instead of moving items one by one (a layout moves
        thousands of nodes); ``place_held`` moves them and redraws each edge once."""
        if self._deferred is None:
            self._deferred = {}
            # Moving an indexed item updates the BSP tree each time; without an index the
            # moves are cheap, and the tree is rebuilt once when they are done.
            self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)

    def holding_moves(self) -> bool:
        return self._deferred is not None

    def place_held(self, limit: int | None = None) -> bool:
        """Move up to ``limit`` held items (all if None) to their document positions; True
        once none is left and holding has ended."""
        if self._deferred is None:
            return True
        nodes = self.document.nodes
        batch = list(itertools.islice(self._deferred, limit)) if limit else list(self._deferred)
        edges: dict[EdgeItem, None] = {}
        for node_id in batch:
            del self._deferred[node_id]
            item, node = self.nodes.get(node_id), nodes.get(node_id)
            if item is None or node is None:
                continue
            item.quiet = True              # no per-node edge updates from itemChange
            item.setPos(*node.position)
            item.quiet = False
            edges.update(dict.fromkeys(item.edges))
        for edge in edges:
            edge.update_path()
        if limit:            # the overview catches up a chunk at a time, not all at once
            self.overview.sync(self, budget=2 * limit)
        if self._deferred:
            return False
        self._deferred = None
        self.fit_scene_rect()
        # The index is rebuilt at the first paint or hit test (40 ms for 10,000 nodes);
        # without one, every repaint at 100% walks every item (50 ms). A new BSP index
        # learns the scene rect only when it changes; until then it partitions nothing.
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        rect = self.sceneRect()
        self.setSceneRect(rect.adjusted(0, 0, 1, 1))
        self.setSceneRect(rect)
        return True

    # -- drawing the evaluation -----------------------------------------------------------------
    def refresh(self) -> None:
        """Evaluate (incrementally) and push names, values and errors into the items."""
        self._timer.stop()
        if self.document is None:
            return
        results = self.document.evaluate()
        start = self.start_node()
        for node_id, item in self.nodes.items():
            result = results.get(node_id)
            if node_id not in self._dirty and self._results.get(node_id) is result \
                    and item.is_start == (node_id == start):
                continue
            self._results[node_id] = result
            fields = self._static_fields(node_id)
            fields.update(self._result_fields(node_id, result), is_start=node_id == start)
            item.set_content(**fields)
        self._dirty.clear()
        self.update_states()
        self.fit_scene_rect()
        self.refreshed.emit()

    def fit_scene_rect(self) -> None:
        """The scrollable area: every item plus a margin to drop new nodes into."""
        self.setSceneRect(self.overview.extent(self).adjusted(-600, -400, 600, 400))

    def start_node(self) -> str | None:
        return steps.start_node(self.document) if self.document is not None else None

    def _apply_static(self, item: NodeItem) -> None:
        item.set_content(**self._static_fields(item.node_id))

    def _static_fields(self, node_id: str) -> dict:
        """What a node shows from the document alone: name, input slots, requires_grad."""
        node = self.document.nodes[node_id]
        if isinstance(node, OpNode):
            spec = node.spec
            count = len(node.inputs) + 1 if spec.variadic else len(spec.inputs)
            slots, connected = [], set()
            for slot in range(count):
                name = slot_name(spec, slot)
                source = node.inputs[slot] if slot < len(node.inputs) else None
                if source is None and not spec.variadic and name in node.attrs:
                    slots.append(f"{name}={node.attrs[name]:g}"
                                 if isinstance(node.attrs[name], float)
                                 else f"{name}={node.attrs[name]}")
                    connected.add(slot)
                else:
                    slots.append(name)
                    if source is not None:
                        connected.add(slot)
            return dict(kind="op", title=self.document.display_name(node.id), slots=slots,
                        connected=connected, requires_grad=False)
        return dict(kind="tensor", title=self.document.display_name(node.id), slots=[],
                    connected=set(), requires_grad=node.requires_grad)

    def _result_fields(self, node_id: str, result) -> dict:
        """What a node shows from its evaluation: grad_fn, value preview or error."""
        node = self.document.nodes[node_id]
        if isinstance(node, OpNode):
            subtitle = node.op
            tensor = result.tensor if result is not None else None
            if tensor is not None and tensor.grad_fn is not None:
                subtitle = f"{node.op} → {tensor.grad_fn.name()}"
        else:
            subtitle = node.value.describe()
            if node.dtype != "float32":
                subtitle += f" {node.dtype}"
        fields = {"subtitle": subtitle, "grad_text": self.grad_texts.get(node_id, "")}
        if result is None or result.status != OK:
            fields.update(error=result.message if result is not None else "not evaluated",
                          preview="", info="", preview_later=None)
        else:
            data = result.tensor._data
            dtype = str(data.dtype)
            shape = shape_text(tuple(data.shape))
            if dtype != "float32":
                shape += f" {dtype}"
            if len(self.nodes) >= DEFER_PREVIEWS:
                text = DeferredText(lambda: f"{shape}: {steps.preview(data)}")
                fields.update(error="", info=shape, preview="", preview_later=text)
            else:
                fields.update(error="", info=shape, preview=f"{shape}: {steps.preview(data)}",
                              preview_later=None)
        return fields

    def update_states(self) -> None:
        """Each item's state: its own evaluation error, else the stepper's overlay."""
        for node_id, item in self.nodes.items():
            self._apply_state(node_id, item)

    def _apply_state(self, node_id: str, item: NodeItem) -> None:
        result = self._results.get(node_id)
        if result is not None and result.status == "error" \
                and not missing_input(self.document, node_id):
            item.set_state("error")
        else:
            item.set_state(self.step_states.get(node_id, "idle"))

    def set_step_states(self, states: dict[str, str], grads: dict[str, str] | None = None) -> None:
        self.step_states = dict(states)
        if grads is not None and grads != self.grad_texts:
            self.grad_texts = dict(grads)
            self._dirty.update(self.nodes)
            self.refresh()
        else:
            self.update_states()

    def update_step(self, states: dict[str, str], grads: dict[str, str | None]) -> None:
        """A step's changes only: the states and gradient texts of the nodes it touched
        (None removes a gradient); every other item is left alone."""
        self.step_states.update(states)
        for node_id, text in grads.items():
            if text is None:
                self.grad_texts.pop(node_id, None)
            else:
                self.grad_texts[node_id] = text
            item = self.nodes.get(node_id)
            if item is not None:
                item.set_content(grad_text=text or "")
        for node_id in states:
            item = self.nodes.get(node_id)
            if item is not None:
                self._apply_state(node_id, item)

    def clear_step_overlay(self) -> None:
        """Back to plain evaluation: no step states, gradients, highlights or tints."""
        for key in self.highlighted:
            edge = self.edges.get(key)
            if edge is not None:
                edge.set_highlight(False)
        self.highlighted = set()
        for item in self.nodes.values():
            item.set_tint(None)
        if self.badged in self.nodes:
            self.nodes[self.badged].set_badge("")
        self.badged = None
        self.replay_shown = None
        self.step_states = {}
        if self.grad_texts:
            self.grad_texts = {}
            self._dirty.update(self.nodes)
            self._timer.start()
        self.update_states()

    def set_tints(self, tints: dict[str, tuple], partial: bool = False) -> None:
        """node id -> (QColor or None, flag text); nodes not named lose their tint (keep
        it with ``partial``)."""
        if partial:
            for node_id, tint in tints.items():
                if node_id in self.nodes:
                    self.nodes[node_id].set_tint(*tint)
            return
        for node_id, item in self.nodes.items():
            item.set_tint(*tints.get(node_id, (None, "")))

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.overview.reset()
        self.setBackgroundBrush(QColor(theme.background))
        for item in self.nodes.values():
            item.set_theme(theme)
        for edge in self.edges.values():
            edge.set_theme(theme)
        self.update()

    def node_sizes(self) -> dict[str, tuple[float, float]]:
        return {n: (item.width, item.height) for n, item in self.nodes.items()}

    def overlapping(self) -> bool:
        """True when two node boxes overlap (sweep over boxes sorted by their left edge)."""
        rects = sorted((i.mapRectToScene(i.rect()) for i in self.nodes.values()),
                       key=lambda r: r.left())
        for a, ra in enumerate(rects):
            for rb in rects[a + 1:]:
                if rb.left() >= ra.right():
                    break
                if ra.intersects(rb):
                    return True
        return False

    def selected_ids(self) -> list[str]:
        chosen = {i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)}
        return [n for n in self.nodes if n in chosen]

    def selected_edges(self) -> list[tuple[str, int]]:
        return [(e.target.node_id, e.slot) for e in self.selectedItems()
                if isinstance(e, EdgeItem)]

    def select_ids(self, ids) -> None:
        self.clearSelection()
        for node_id in ids:
            if node_id in self.nodes:
                self.nodes[node_id].setSelected(True)

    def nodes_rect(self) -> QRectF:
        """The area the node boxes cover."""
        return self.overview.extent(self, edges=False)


def _fit_scale(rect: QRectF, width: float, height: float) -> float:
    """The scale that shows ``rect`` in ``width`` x ``height`` pixels less the margins (at
    least half the room, however small the view)."""
    usable_w = max(width - 2 * FIT_MARGIN, width / 2, 1)
    usable_h = max(height - 2 * FIT_MARGIN, height / 2, 1)
    return min(usable_w / rect.width(), usable_h / rect.height())


class GraphView(QGraphicsView):
    """Zoom, pan, selection, node drags, and port-to-port connection with a live preview."""

    connect_requested = Signal(str, str, int)
    moved = Signal(dict)                     # node id -> (old (x, y), new (x, y))
    add_requested = Signal(str, str, QPointF)  # kind, name, scene position
    node_activated = Signal(str)
    message = Signal(str)
    space_tapped = Signal()      # Space pressed and released without panning (play/pause)

    def __init__(self, scene: GraphScene, parent=None) -> None:
        super().__init__(scene, parent)
        if QPixmapCache.cacheLimit() < PIXMAP_CACHE_KB:
            QPixmapCache.setCacheLimit(PIXMAP_CACHE_KB)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._pan_from: QPointF | None = None
        self._space = False
        self._panned = False
        self._link_source: NodeItem | None = None
        self._preview: QGraphicsPathItem | None = None
        self._pressed: dict[str, tuple[float, float]] = {}
        self._overview_shown = False
        self._wake = QTimer(self)
        self._wake.setSingleShot(True)
        self._wake.setInterval(0)
        self._wake.timeout.connect(self.viewport().update)

    def graph_scene(self) -> GraphScene:
        return self.scene()

    # -- painting ----------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        """Qt draws the items, except while a layout is pending (every node on one spot:
        nothing worth drawing) and when a large graph is zoomed far out (the overview
        draws it in a few batched calls)."""
        scene = self.graph_scene()
        if scene.holding_moves():
            painter = QPainter(self.viewport())
            painter.fillRect(event.rect(), QColor(scene.theme.background))
            painter.end()
            return
        if Overview.wanted(self):
            self._overview_shown = True
            scene.overview.paint(self, event.rect())
            return
        if self._overview_shown:       # the background Qt cached may predate the overview
            self._overview_shown = False
            self.resetCachedContent()
        super().paintEvent(event)

    def overview_changed(self) -> None:
        """Something the overview draws changed: repaint (once per event-loop turn)."""
        if self._overview_shown:
            self._wake.start()

    def extra_items(self) -> list[QGraphicsItem]:
        """Items that are not nodes or edges: the connection being dragged."""
        return [self._preview] if self._preview is not None else []

    # -- zoom -------------------------------------------------------------------------------
    def zoom_by(self, factor: float) -> None:
        scale = self.transform().m11()
        factor = max(MIN_SCALE / scale, min(MAX_SCALE / scale, factor))
        self.scale(factor, factor)

    def zoom_reset(self) -> None:
        self.resetTransform()

    def fit(self) -> None:
        """Show the whole graph with a margin of ``FIT_MARGIN`` pixels (a tiny graph near
        100%, not huge). The scroll bars the new scale brings are budgeted for up front:
        Qt shows them only after the fit."""
        scene = self.graph_scene()
        rect = scene.nodes_rect()
        if rect.isEmpty():
            return
        room = self.maximumViewportSize()
        width, height = room.width(), room.height()
        area = scene.sceneRect()
        for _ in range(2):   # a bar taken into account may call for the other one
            scale = _fit_scale(rect, width, height)
            if area.height() * scale > height:
                width = room.width() - self.verticalScrollBar().sizeHint().width()
            if area.width() * scale > width:
                height = room.height() - self.horizontalScrollBar().sizeHint().height()
        scale = min(_fit_scale(rect, width, height), 1.5)
        self.setTransform(QTransform.fromScale(scale, scale))
        self.centerOn(rect.center())

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015 ** delta)
        event.accept()

    # -- mouse ------------------------------------------------------------------------------
    def _node_at(self, pos) -> NodeItem | None:
        for item in self.items(pos):
            if isinstance(item, NodeItem):
                return item
        return None

    def mousePressEvent(self, event) -> None:
        pos = event.position().toPoint()
        if event.button() == Qt.MouseButton.MiddleButton or (
                event.button() == Qt.MouseButton.LeftButton and self._space):
            self._pan_from = event.position()
            self._panned = True
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            item = self._node_at(pos)
            if item is not None:
                port = item.port_at(item.mapFromScene(self.mapToScene(pos)))
                if port is not None and port[0] == "out":
                    self._start_link(item)
                    event.accept()
                    return
        super().mousePressEvent(event)
        scene = self.graph_scene()
        self._pressed = {n: (scene.nodes[n].pos().x(), scene.nodes[n].pos().y())
                         for n in scene.selected_ids()}

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            event.accept()
            return
        if self._link_source is not None:
            self._update_link(self.mapToScene(event.position().toPoint()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor if self._space
                                      else Qt.CursorShape.ArrowCursor)
            event.accept()
            return
        if self._link_source is not None:
            self._finish_link(event.position().toPoint())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        scene = self.graph_scene()
        moves = {}
        for node_id, old in self._pressed.items():
            item = scene.nodes.get(node_id)
            if item is not None and (item.pos().x(), item.pos().y()) != old:
                moves[node_id] = (old, (item.pos().x(), item.pos().y()))
        self._pressed = {}
        if moves:
            self.moved.emit(moves)

    def mouseDoubleClickEvent(self, event) -> None:
        item = self._node_at(event.position().toPoint())
        if item is not None:
            self.node_activated.emit(item.node_id)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def event(self, event) -> bool:
        # Space is the Play shortcut; the canvas keeps it so that space+drag can pan, and
        # reports a tap (no drag) as ``space_tapped``.
        if event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Space:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space, self._panned = True, False
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            event.accept()
            if not self._panned:
                self.space_tapped.emit()
            return
        super().keyReleaseEvent(event)

    # -- connecting -------------------------------------------------------------------------
    def _start_link(self, source: NodeItem) -> None:
        self._link_source = source
        pen = QPen(QColor(self.graph_scene().theme.selection), 2.0, Qt.PenStyle.DashLine)
        self._preview = QGraphicsPathItem()
        self._preview.setPen(pen)
        self._preview.setZValue(10)
        self.scene().addItem(self._preview)
        self._update_link(source.output_port_scene())

    def _update_link(self, to: QPointF) -> None:
        start = self._link_source.output_port_scene()
        path = QPainterPath(start)
        dy = max(30.0, abs(to.y() - start.y()) / 2)
        path.cubicTo(QPointF(start.x(), start.y() + dy), QPointF(to.x(), to.y() - dy), to)
        self._preview.setPath(path)
        self.overview_changed()

    def _finish_link(self, pos) -> None:
        source = self._link_source
        self._link_source = None
        self.scene().removeItem(self._preview)
        self._preview = None
        self.overview_changed()
        target = next((i for i in self.items(pos) if isinstance(i, NodeItem) and i is not source),
                      None)
        if target is None:
            self.message.emit("Drop the connection on an input port of another node.")
            return
        local = target.mapFromScene(self.mapToScene(pos))
        port = target.port_at(local)
        slot = port[1] if port is not None and port[0] == "in" else target.nearest_slot(local)
        if slot is None:
            self.message.emit(f"{target.title} is a tensor node and has no inputs")
            return
        self.connect_requested.emit(source.node_id, target.node_id, slot)

    def link_nodes(self, source: str, target: str, slot: int) -> None:
        """Programmatic form of the drag (used by tests and scripts)."""
        self.connect_requested.emit(source, target, slot)

    # -- palette drops ----------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(PALETTE_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        mime: QMimeData = event.mimeData()
        if mime.hasFormat(PALETTE_MIME):
            kind, _, name = bytes(mime.data(PALETTE_MIME)).decode().partition(":")
            self.add_requested.emit(kind, name, self.mapToScene(event.position().toPoint()))
            event.acceptProposedAction()
        else:
            super().dropEvent(event)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        theme = self.graph_scene().theme
        painter.fillRect(rect, QColor(theme.background))
        if self.transform().m11() < 0.5:
            return
        step = 32.0
        painter.setPen(QPen(QColor(theme.grid), 0))
        left = int(rect.left() // step) * step
        top = int(rect.top() // step) * step
        x = left
        while x < rect.right():
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += step
        y = top
        while y < rect.bottom():
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += step
