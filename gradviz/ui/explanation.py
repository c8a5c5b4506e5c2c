"""The explanation pane: what the current backward step computes, with its numbers.

The text is the trace record's own ``explanation`` (the registry's formula filled in by the
graph layer, printed in the core's PyTorch format); the pane adds only a heading.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QVBoxLayout, QWidget

IDLE_TEXT = ("Press Backward (Ctrl+B) to trace backpropagation from the output, then Step "
             "(→) to watch the gradient flow one grad_fn at a time.")


def monospace(point_size: float = 10.0) -> QFont:
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSizeF(point_size)
    return font


def heading(object_name: str) -> QLabel:
    """A wrapping rich-text title (a pane's "Step 3 of 5: MulBackward0 of z" line)."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    return label


class ExplanationPane(QWidget):
    def __init__(self, stepper, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("explanationPane")
        self.stepper = stepper
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        self.heading = heading("explanationHeading")
        layout.addWidget(self.heading)
        self.text = QPlainTextEdit()
        self.text.setObjectName("explanationText")
        self.text.setReadOnly(True)
        self.text.setFont(monospace())
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        layout.addWidget(self.text, 1)
        stepper.changed.connect(self.update_text)
        self.update_text()

    def update_text(self) -> None:
        stepper = self.stepper
        step = stepper.active_step
        trace = stepper.trace
        if trace is None:
            self.heading.setText("<b>Backward</b>: not started")
            self._set(IDLE_TEXT)
            return
        start = stepper.document.display_name(trace.start) \
            if trace.start in stepper.document.nodes else trace.start
        if step is None:
            self.heading.setText(f"<b>Backward from {escape(start)}</b>: "
                                 f"{stepper.count} steps ready")
            order = [f"  {i + 1:>3}. {s.grad_fn:<34} {self._name(s.node_id)}"
                     for i, s in enumerate(trace.steps)]
            self._set(f"backward from {start}: {stepper.count} grad_fn calls will run, in "
                      "this order:\n" + "\n".join(order))
            return
        name = stepper.document.display_name(step.node_id)
        tail = "  (last step)" if stepper.index == stepper.count else ""
        self.heading.setText(f"<b>Step {stepper.index} of {stepper.count}</b>: "
                             f"<code>{escape(step.grad_fn)}</code> of <b>{escape(name)}</b>{tail}")
        self._set(step.explanation)

    def _name(self, node_id: str) -> str:
        document = self.stepper.document
        return document.display_name(node_id) if node_id in document.nodes else node_id

    def _set(self, text: str) -> None:
        if self.text.toPlainText() != text:
            self.text.setPlainText(text)
