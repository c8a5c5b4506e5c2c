"""The palette: tensor creators and every registry op, grouped, searchable, draggable."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..autograd.registry import CATEGORIES, REGISTRY
from .canvas import PALETTE_MIME

# Tensor creators the palette offers, with the tooltip it shows.
CREATORS = {
    "tensor": "tensor([[1., 2.], [3., 4.]]): explicit values",
    "ones": "ones(2, 2)",
    "zeros": "zeros(2, 2)",
    "full": "full((2, 2), 0.5)",
    "rand": "rand(2, 2, seed=0): uniform in [0, 1)",
    "randn": "randn(2, 2, seed=0): standard normal",
    "arange": "arange(0, 4)",
    "linspace": "linspace(0, 1, 5)",
    "eye": "eye(3)",
}
KIND_ROLE = Qt.ItemDataRole.UserRole


class PaletteTree(QTreeWidget):
    def mimeData(self, items) -> QMimeData:
        mime = QMimeData()
        item = items[0]
        kind, name = item.data(0, KIND_ROLE) or ("", "")
        mime.setData(PALETTE_MIME, f"{kind}:{name}".encode())
        mime.setText(name)
        return mime

    def mimeTypes(self) -> list[str]:
        return [PALETTE_MIME]


class Palette(QDockWidget):
    """Emits ``add_requested(kind, name)`` (kind "tensor" or "op") on double-click/Enter."""

    add_requested = Signal(str, str)

    def __init__(self, parent=None) -> None:
        super().__init__("Palette", parent)
        self.setObjectName("paletteDock")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search ops…")
        self.search.setClearButtonEnabled(True)
        self.tree = PaletteTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.setWidget(body)
        self._groups: list[QTreeWidgetItem] = []
        self._fill()
        self.search.textChanged.connect(self.filter)
        self.tree.itemActivated.connect(self._activated)
        self.search.returnPressed.connect(self._add_first_visible)

    def _fill(self) -> None:
        groups = [("tensors", [("tensor", name, tip) for name, tip in CREATORS.items()])]
        for category in CATEGORIES:
            ops = sorted((s for s in REGISTRY.values() if s.category == category),
                         key=lambda s: s.name)
            groups.append((category, [("op", s.name, self._tooltip(s)) for s in ops]))
        for title, entries in groups:
            group = QTreeWidgetItem([title.capitalize()])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for kind, name, tip in entries:
                item = QTreeWidgetItem([name])
                item.setData(0, KIND_ROLE, (kind, name))
                item.setToolTip(0, tip)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
                group.addChild(item)
            self.tree.addTopLevelItem(group)
            self._groups.append(group)
        self.tree.expandAll()

    @staticmethod
    def _tooltip(spec) -> str:
        inputs = ", ".join(spec.inputs)
        attrs = ", ".join(a.name for a in spec.attrs)
        head = f"{spec.name}({inputs}{', ' + attrs if attrs else ''})"
        return f"{head}\n{spec.doc}" if spec.doc else head

    def entries(self, visible_only: bool = False) -> list[QTreeWidgetItem]:
        out = []
        for group in self._groups:
            for i in range(group.childCount()):
                child = group.child(i)
                if not visible_only or not child.isHidden():
                    out.append(child)
        return out

    def filter(self, text: str) -> None:
        needle = text.strip().lower()
        for group in self._groups:
            shown = 0
            for i in range(group.childCount()):
                child = group.child(i)
                hit = not needle or needle in child.text(0).lower() \
                    or needle in child.toolTip(0).lower()
                child.setHidden(not hit)
                shown += hit
            group.setHidden(shown == 0)

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        data = item.data(0, KIND_ROLE)
        if data:
            self.add_requested.emit(*data)

    def _add_first_visible(self) -> None:
        visible = self.entries(visible_only=True)
        if visible:
            self._activated(visible[0])
