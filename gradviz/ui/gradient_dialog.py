"""Asking for the gradient a non-scalar backward starts from (``y.backward(v)``)."""

from __future__ import annotations

import ast

import numpy as np
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
)

from .canvas import shape_text


def gradient_text(array) -> str:
    """A nested Python list, the way the dialog shows and reads it."""
    return repr(np.asarray(array, dtype=float).tolist())


def parse_gradient(text: str, shape: tuple[int, ...]) -> list:
    """The nested list of numbers ``text`` spells, of exactly ``shape``; a ValueError
    saying what is wrong otherwise."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError("write the gradient as numbers in nested brackets, "
                         "e.g. [0.1, 1.0, 0.0001]") from None
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("the gradient must hold numbers only, in brackets of equal "
                         "length") from None
    if tuple(array.shape) != tuple(shape):
        raise ValueError(f"the gradient has shape {shape_text(tuple(array.shape))} but the "
                         f"output has shape {shape_text(tuple(shape))}; they must match")
    return array.tolist()


class GradientDialog(QDialog):
    """A text box prefilled with a gradient of the right shape; OK only when it parses."""

    def __init__(self, name: str, shape: tuple[int, ...], initial: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("gradientDialog")
        self.setWindowTitle("Backward gradient")
        self.shape = tuple(shape)
        self.value: list | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(
            f"<b>{name}</b> is not a scalar (shape {shape_text(self.shape)}), so backward "
            f"needs the gradient of the output: <code>{name}.backward(v)</code> computes "
            "vᵀ·J. Enter v:"))
        self.editor = QPlainTextEdit(initial)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.editor.setFont(mono)
        layout.addWidget(self.editor)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #d23c3c")
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(460, 240)

    def accept(self) -> None:
        try:
            self.value = parse_gradient(self.editor.toPlainText(), self.shape)
        except ValueError as exc:
            self.problem.setText(str(exc))
            return
        super().accept()

    @staticmethod
    def get_text(parent, name: str, shape: tuple[int, ...], initial: str) -> tuple[str, bool]:
        """Like ``QInputDialog.getText``: the text entered and whether OK was pressed
        (tests replace this function)."""
        dialog = GradientDialog(name, shape, initial, parent)
        ok = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.editor.toPlainText(), ok
