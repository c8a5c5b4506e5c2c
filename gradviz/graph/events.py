"""A tiny observer mechanism: the document announces changes, views subscribe."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# What a change is about; the application redraws according to it.
NODE_ADDED = "node_added"
NODE_REMOVED = "node_removed"
NODE_CHANGED = "node_changed"      # name, label, position, pin, attrs, requires_grad
VALUES_CHANGED = "values_changed"  # a tensor node's value (or dtype/shape) changed
NODES_MOVED = "nodes_moved"        # many positions at once; ``detail`` holds the node ids
EDGE_ADDED = "edge_added"
EDGE_REMOVED = "edge_removed"
DOCUMENT_CHANGED = "document_changed"  # title, description, script, or a whole replacement


@dataclass(frozen=True)
class Change:
    kind: str
    node_id: str | None = None
    source: str | None = None
    slot: int | None = None
    detail: Any = None


class Signal:
    """Subscribers are called in subscription order with each ``Change``."""

    def __init__(self) -> None:
        self._subscribers: list[Callable[[Change], None]] = []

    def subscribe(self, callback: Callable[[Change], None]) -> None:
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Callable[[Change], None]) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    def emit(self, change: Change) -> None:
        for callback in list(self._subscribers):
            callback(change)
