"""The inspector dock: everything about the selected node, values and gradients as tables.

Edits (a value cell, an attribute, requires_grad) go through the window's undo commands;
the document validates them, so a bad entry is refused with its reason and nothing
changes. The grad table shows what the backward stepper shows at its current step.
"""

from __future__ import annotations

import ast
from html import escape
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..graph.document import OpNode, TensorNode
from . import commands
from .canvas import shape_text
from .explanation import heading, monospace
from .steps import preview

MAX_TABLE_HEIGHT = 190
_ROOT = QModelIndex()


def cell_text(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return f"{float(value):.6g}"


def stats_text(array: np.ndarray) -> str:
    if array.size == 0:
        return "empty"
    if array.dtype.kind not in "fiu":
        return f"{array.size} elements"
    with np.errstate(all="ignore"):
        data = array.astype(np.float64)
        return (f"min {np.min(data):.4g}   max {np.max(data):.4g}   "
                f"mean {np.mean(data):.4g}")


def parse_number(text: str, dtype: str) -> Any:
    """The element ``text`` spells for a tensor of ``dtype``; ValueError with the reason."""
    text = text.strip()
    if dtype == "bool":
        lowered = text.lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise ValueError(f"{text!r} is not a boolean (true or false)")
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if dtype.startswith("int"):
        if not number.is_integer():
            raise ValueError(f"{text!r} is not an integer ({dtype} tensor)")
        return int(number)
    return number


def parse_attr(text: str) -> Any:
    """An attribute value from its text: Python literals, else the plain word; empty: unset."""
    text = text.strip()
    if not text:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return text


class ArrayModel(QAbstractTableModel):
    """An array as rows and columns: 0-d is one cell, 1-d one row, n-d rows of its last
    axis (row headers give the leading indices)."""

    edit_requested = Signal(tuple, str)   # element index, the text typed

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.array = np.zeros((0, 0))
        self.editable = False

    def set_array(self, array: np.ndarray | None, editable: bool = False) -> None:
        self.beginResetModel()
        self.array = np.zeros((0, 0)) if array is None else np.asarray(array)
        self.editable = editable
        self.endResetModel()

    def _grid(self) -> tuple[int, int]:
        a = self.array
        if a.ndim == 0:
            return (1, 1)
        if a.ndim == 1:
            return (1 if a.size else 0, a.shape[0])
        cols = a.shape[-1]
        return (a.size // cols if cols else 0, cols)

    def element_index(self, row: int, col: int) -> tuple[int, ...]:
        a = self.array
        if a.ndim == 0:
            return ()
        return tuple(int(i) for i in np.unravel_index(row * self._grid()[1] + col, a.shape))

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else self._grid()[0]

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else self._grid()[1]

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        value = self.array[self.element_index(index.row(), index.column())]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return cell_text(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{list(self.element_index(index.row(), index.column()))} = {value!r}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        a = self.array
        if orientation == Qt.Orientation.Horizontal:
            return str(section)
        if a.ndim <= 1:
            return ""
        lead = np.unravel_index(section, a.shape[:-1])
        return ",".join(str(int(i)) for i in lead)

    def flags(self, index: QModelIndex):
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsEditable if self.editable else flags

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        self.edit_requested.emit(self.element_index(index.row(), index.column()), str(value))
        return False   # the document's change notification refreshes the table


class AttrModel(QAbstractTableModel):
    """An op's attributes (name, value); the value column is editable."""

    edit_requested = Signal(str, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, str, str]] = []    # name, kind, shown value

    def set_rows(self, rows: list[tuple[str, str, str]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else 2

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        name, kind, value = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return name if index.column() == 0 else value
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{name} ({kind}); empty to unset"
        return None

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return ("attribute", "value")[section]
        return None

    def flags(self, index: QModelIndex):
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsEditable if index.column() == 1 else flags

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != 1:
            return False
        self.edit_requested.emit(self.rows[index.row()][0], str(value))
        return False


def _fit_height(view: QTableView) -> None:
    """As tall as its rows (up to MAX_TABLE_HEIGHT), so small tensors leave no gap."""
    rows = view.model().rowCount()
    height = view.horizontalHeader().sizeHint().height() + rows * 22 + 2 * view.frameWidth()
    if view.horizontalScrollBar().isVisible() or view.model().columnCount() > 4:
        height += view.horizontalScrollBar().sizeHint().height()
    view.setFixedHeight(max(40, min(MAX_TABLE_HEIGHT, height)))


def _table(model: QAbstractTableModel, name: str) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setFont(monospace(9.5))
    view.setMaximumHeight(MAX_TABLE_HEIGHT)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setMinimumSectionSize(54)
    view.verticalHeader().setDefaultSectionSize(22)
    view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                         | QAbstractItemView.EditTrigger.EditKeyPressed
                         | QAbstractItemView.EditTrigger.AnyKeyPressed)
    return view


class Inspector(QDockWidget):
    """Shows the one selected node of ``window``'s document."""

    def __init__(self, window) -> None:
        super().__init__("Inspector", window)
        self.setObjectName("inspectorDock")
        self.window_ = window
        self.node_id: str | None = None
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(6, 6, 6, 6)
        self.title = heading("inspectorTitle")
        outer.addWidget(self.title)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QLabel] = {}
        for key in ("kind", "op", "grad_fn", "next_functions", "saved", "shape", "dtype"):
            label = QLabel()
            label.setObjectName(f"inspector_{key}")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if key in ("next_functions", "saved"):
                label.setFont(monospace(9.0))
            self.fields[key] = label
            self.form.addRow(key.replace("_", " ") if key != "grad_fn" else "grad_fn", label)
        self.requires_grad = QCheckBox("requires_grad")
        self.requires_grad.setObjectName("requiresGradCheck")
        self.requires_grad.clicked.connect(self._toggle_requires_grad)
        self.form.addRow("", self.requires_grad)
        outer.addLayout(self.form)

        self.value_model, self.grad_model = ArrayModel(self), ArrayModel(self)
        self.value_title, self.value_stats = QLabel("<b>value</b>"), QLabel()
        self.value_table = _table(self.value_model, "valueTable")
        self.grad_title, self.grad_stats = QLabel("<b>grad</b>"), QLabel()
        self.grad_table = _table(self.grad_model, "gradTable")
        self.grad_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for widget in (self.value_title, self.value_stats, self.value_table,
                       self.grad_title, self.grad_stats, self.grad_table):
            outer.addWidget(widget)
        self.value_stats.setObjectName("valueStats")
        self.grad_stats.setObjectName("gradStats")
        self.attr_title = QLabel("<b>attributes</b>")
        self.attr_model = AttrModel(self)
        self.attr_table = _table(self.attr_model, "attrTable")
        self.attr_table.horizontalHeader().setStretchLastSection(True)
        outer.addWidget(self.attr_title)
        outer.addWidget(self.attr_table)
        check_row = QHBoxLayout()
        self.check_button = QToolButton()
        self.check_button.setDefaultAction(window.actionGradCheck)
        self.check_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        check_row.addWidget(self.check_button)
        self.check_result = QLabel()
        self.check_result.setObjectName("gradCheckResult")
        self.check_result.setWordWrap(True)
        check_row.addWidget(self.check_result, 1)
        outer.addLayout(check_row)
        self.problem = QLabel()
        self.problem.setObjectName("inspectorMessage")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #d23c3c")
        outer.addWidget(self.problem)
        outer.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self.setMinimumWidth(290)

        self.value_model.edit_requested.connect(self.edit_value)
        self.attr_model.edit_requested.connect(self.edit_attr)
        window.scene.selectionChanged.connect(self._selection_changed)
        window.scene.refreshed.connect(self.refresh)
        window.stepper.changed.connect(self.refresh)
        self.refresh()

    def sizeHint(self) -> QSize:
        return QSize(310, 500)

    # -- what is shown -------------------------------------------------------------------
    def _selection_changed(self) -> None:
        try:
            ids = self.window_.scene.selected_ids()
        except RuntimeError:     # the scene is being destroyed with the window
            return
        node_id = ids[0] if len(ids) == 1 else None
        if node_id != self.node_id:
            self.check_result.clear()
            self.problem.clear()
        self.node_id = node_id
        self.refresh()

    def show_node(self, node_id: str | None) -> None:
        self.node_id = node_id
        self.refresh()

    def refresh(self) -> None:
        document = self.window_.document
        node = document.nodes.get(self.node_id) if self.node_id else None
        widgets = [self.value_title, self.value_stats, self.value_table, self.grad_title,
                   self.grad_stats, self.grad_table, self.attr_title, self.attr_table,
                   self.requires_grad]
        if node is None:
            count = len(self.window_.scene.selected_ids())
            self.title.setText(f"<i>{count} nodes selected</i>" if count > 1 else
                               "<i>Select a node to inspect it</i>")
            for label in self.fields.values():
                label.clear()
            for widget in widgets:
                widget.setVisible(False)
            self.value_model.set_array(None)
            self.grad_model.set_array(None)
            self.attr_model.set_rows([])
            return
        result = document.evaluate().get(node.id)
        tensor = result.tensor if result is not None and result.ok else None
        self.title.setText(f"<b>{escape(document.display_name(node.id))}</b>"
                           f"  <span style='color:gray'>id {escape(node.id)}</span>")
        is_leaf = isinstance(node, TensorNode)
        fn = tensor.grad_fn if tensor is not None else None
        self.fields["kind"].setText("tensor (leaf)" if is_leaf else "operation")
        self.fields["op"].setText(node.value.describe() if is_leaf else node.op)
        self.fields["grad_fn"].setText(fn.name() if fn is not None else
                                       ("AccumulateGrad (leaf)" if is_leaf and node.requires_grad
                                        else "None"))
        self.fields["next_functions"].setText(_next_functions(fn))
        self.fields["saved"].setText(_saved(fn))
        self.fields["shape"].setText(shape_text(tuple(tensor.shape)) if tensor is not None
                                     else "—")
        self.fields["dtype"].setText(str(tensor._data.dtype) if tensor is not None
                                     else getattr(node, "dtype", "—"))
        self.requires_grad.setVisible(is_leaf)
        if is_leaf:
            self.requires_grad.setChecked(node.requires_grad)
        for widget in (self.value_title, self.value_stats, self.value_table):
            widget.setVisible(True)
        if tensor is not None:
            data = tensor._data
            self.value_model.set_array(data, editable=is_leaf)
            self.value_stats.setText(stats_text(data))
        else:
            self.value_model.set_array(None)
            self.value_stats.setText(result.message if result is not None else "no value")
        grad = self.window_.stepper.replay.gradient(node.id) \
            if self.window_.stepper.replay is not None else None
        self.grad_title.setText("<b>.grad</b>" if is_leaf else
                                "<b>grad</b> (d start / d this output)")
        for widget in (self.grad_title, self.grad_stats):
            widget.setVisible(True)
        self.grad_table.setVisible(grad is not None)
        self.grad_model.set_array(grad)
        self.grad_stats.setText(stats_text(grad) if grad is not None else
                                "None (not reached by backward yet)")
        self.attr_title.setVisible(not is_leaf)
        self.attr_table.setVisible(not is_leaf)
        if not is_leaf:
            self.attr_model.set_rows(_attr_rows(node))
        for view in (self.value_table, self.grad_table, self.attr_table):
            _fit_height(view)

    # -- edits ---------------------------------------------------------------------------
    def _refuse(self, text: str) -> None:
        self.problem.setText(text)
        self.window_.show_message(text)

    def edit_value(self, index: tuple, text: str) -> None:
        node = self.window_.document.nodes.get(self.node_id)
        if not isinstance(node, TensorNode):
            return
        try:
            number = parse_number(text, node.dtype)
        except ValueError as exc:
            self._refuse(f"Refused: {node.id}{list(index)}: {exc}")
            return
        self._edit(commands.SetElementCommand(self.window_.document, node.id, index, number))

    def edit_attr(self, name: str, text: str) -> None:
        node = self.window_.document.nodes.get(self.node_id)
        if not isinstance(node, OpNode):
            return
        value = parse_attr(text)
        if value == node.attrs.get(name):
            return
        self._edit(commands.SetAttrCommand(self.window_.document, node.id, name, value))

    def _toggle_requires_grad(self, checked: bool) -> None:
        node = self.window_.document.nodes.get(self.node_id)
        if not isinstance(node, TensorNode) or node.requires_grad == checked:
            return
        self._edit(commands.SetRequiresGradCommand(self.window_.document, node.id, checked))


    def _edit(self, command) -> None:
        """Run an edit through the window's undo stack; a refusal shows its reason and
        the old value stays."""
        if self.window_.execute(command):
            self.problem.clear()
        else:
            self._refuse(self.window_.last_message)
        self.refresh()

def _next_functions(fn) -> str:
    if fn is None:
        return "—"
    parts = []
    for child, index in fn.next_functions:
        parts.append(f"({child.name() if child is not None else 'None'}, {index})")
    return "(" + ", ".join(parts) + ")" if parts else "()"


def _saved(fn) -> str:
    if fn is None:
        return "—"
    lines = []
    for name in fn.saved_names():
        try:
            value = getattr(fn, name)
        except (AttributeError, RuntimeError) as exc:
            lines.append(f"{name}: {exc}")
            continue
        data = getattr(value, "_data", None)
        shown = preview(data) if isinstance(data, np.ndarray) else repr(value)
        lines.append(f"{name} = {shown}")
    return "\n".join(lines) if lines else "(nothing saved)"


def _attr_rows(node: OpNode) -> list[tuple[str, str, str]]:
    rows = []
    spec = node.spec
    names = [a.name for a in spec.attrs]
    kinds = {a.name: a.kind for a in spec.attrs}
    for scalar in sorted(spec.scalar_inputs):
        if scalar not in names and scalar in node.attrs:
            names.append(scalar)
            kinds[scalar] = "number (unconnected input)"
    for name in names:
        value = node.attrs.get(name)
        rows.append((name, kinds[name], "" if value is None else repr(value)))
    return rows
