"""The expression bar: one line of PyTorch-style code adds the nodes it describes.

The line runs in the script interpreter. Names of existing nodes used in the line are
defined first as stand-in tensors with the nodes' current values; the recorded graph
is then pasted without the stand-ins and their consumers are wired to the real nodes,
all as one undoable step.
"""

from __future__ import annotations

import keyword
import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QToolBar

from ..graph import DocumentError, GraphFileError, layered_layout
from ..graph.fileio import fragment_to_dict
from . import commands

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DTYPES = {"float32": "torch.float32", "float64": "torch.float64", "int64": "torch.int64",
           "bool": "torch.bool"}


def interpreter_available() -> bool:
    try:
        from ..graph.script import run_script  # noqa: F401
    except ImportError:
        return False
    return True


class ExpressionBar(QToolBar):
    """``message(str)`` reports what happened; errors also show inline."""

    message = Signal(str)

    def __init__(self, window) -> None:
        super().__init__("Expression", window)
        self.setObjectName("expressionBar")
        self.window_ = window
        self.addWidget(QLabel(" ƒx "))
        self.edit = QLineEdit()
        self.edit.setObjectName("expressionEdit")
        self.edit.setPlaceholderText("w = (x * 2 + 1).tanh()    (Enter adds the nodes)")
        self.edit.returnPressed.connect(lambda: self.run(self.edit.text()))
        self.addWidget(self.edit)
        self.error = QLabel("")
        self.error.setObjectName("expressionError")
        self.error.setStyleSheet("color: #d23c3c; padding-left: 6px;")
        self.addWidget(self.error)

    def _prelude(self, line: str) -> list[tuple[str, str, str]]:
        """(variable, node id, definition line) for each existing node the line names."""
        doc = self.window_.document
        by_name = {}
        for node_id in doc.nodes:
            name = doc.display_name(node_id)
            if name.isidentifier() and not keyword.iskeyword(name):
                by_name.setdefault(name, node_id)
        results = doc.evaluate()
        out, seen = [], set()
        for word in _WORD.findall(line):
            if word in seen or word not in by_name:
                continue
            seen.add(word)
            node_id = by_name[word]
            result = results.get(node_id)
            if result is None or not result.ok:
                continue
            tensor = result.tensor
            dtype = _DTYPES.get(str(tensor._data.dtype), "torch.float32")
            grad = ", requires_grad=True" if tensor.requires_grad else ""
            out.append((word, node_id, f"{word} = torch.tensor({tensor._data.tolist()!r}, "
                                       f"dtype={dtype}{grad})"))
        return out

    def run(self, line: str) -> list[str]:
        """Add the nodes ``line`` describes; returns their ids (empty on an error)."""
        line = line.strip()
        if not line:
            return []
        try:
            from ..graph.script import ScriptError, run_script
        except ImportError:
            self._fail("the script interpreter is not available")
            return []
        prelude = self._prelude(line)
        source = "\n".join([p[2] for p in prelude] + [line])
        try:
            result = run_script(source)
        except ScriptError as exc:
            self._fail(str(exc).replace(f"line {exc.lineno}", "this line")
                       if exc.lineno and exc.lineno > len(prelude) else str(exc))
            return []
        recorded = result.document
        stand_ins: dict[str, str] = {}
        for variable, node_id, _ in prelude:
            for rid, node in recorded.nodes.items():
                if node.kind == "tensor" and node.name == variable and rid not in stand_ins:
                    stand_ins[rid] = node_id
                    break
        chosen = [n for n in recorded.nodes if n not in stand_ins]
        if not chosen:
            self._fail("the line adds no nodes")
            return []
        layout = layered_layout(recorded, "TB")
        for node_id, pos in layout.positions.items():
            recorded.nodes[node_id].position = (float(pos[0]), float(pos[1]))
        wires = [(stand_ins[s], t, k) for s, t, k in recorded.edges()
                 if s in stand_ins and t not in stand_ins]
        window = self.window_
        centre = window.view_centre()
        xs = [recorded.nodes[n].position[0] for n in chosen]
        ys = [recorded.nodes[n].position[1] for n in chosen]
        offset = (centre.x() - (min(xs) + max(xs)) / 2, centre.y() - (min(ys) + max(ys)) / 2)
        stack = window.undo_stack
        paste = commands.PasteCommand(window.document, fragment_to_dict(recorded, chosen), offset,
                                      f"Expression {line}")
        try:
            paste.do()
        except (DocumentError, GraphFileError) as exc:
            self._fail(str(exc))
            return []
        renamed = dict(zip(chosen, paste.ids, strict=True))
        done = []
        try:
            for source, target, slot in wires:
                link = commands.ConnectCommand(window.document, source, renamed[target], slot)
                link.do()
                done.append(link)
        except DocumentError as exc:
            for link in reversed(done):
                link.undo_()
            paste.undo_()
            self._fail(str(exc))
            return []
        stack.beginMacro(f"Expression: {line}")
        stack.push(paste)
        for link in done:
            stack.push(link)
        stack.endMacro()
        window.scene.select_ids(paste.ids)
        self.error.setText("")
        self.edit.clear()
        output = result.output.strip()
        self.message.emit(f"Added {len(paste.ids)} node{'s' * (len(paste.ids) != 1)}"
                          + (f"; printed: {output.splitlines()[-1]}" if output else ""))
        return paste.ids

    def _fail(self, text: str) -> None:
        self.error.setText(text)
        self.error.setToolTip(text)
        self.message.emit(f"Expression: {text}")
