"""SPEC section 1: PySide6 6.12.0 drops a reference to None on every void method call."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QGraphicsRectItem, QWidget


def test_void_methods_keep_none_alive(qtbot):
    item = QGraphicsRectItem(0, 0, 10, 10)
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for i in range(20000):
        item.setPos(i % 7, i % 5)
        widget.move(i % 11, i % 13)
        item.update()
    after = sys.getrefcount(None)
    assert after >= before - 100, f"None lost {before - after} references"
