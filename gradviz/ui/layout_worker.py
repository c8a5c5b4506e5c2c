"""Layered layout of large documents off the UI thread, with a working cancel.

The layout (``gradviz.graph.layout.layered_positions``) is pure Python and has no progress
hook, so it runs in a separate process from a "spawn" pool: the event loop never waits for
the GIL, and Cancel terminates the process, so nothing of the abandoned layout survives.
(``mode="thread"`` runs it in a Python thread instead: no process start-up, but it shares
the GIL and a cancelled layout runs on to its end before it is thrown away.)

The job only computes positions; the window applies them as one undo command.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Mapping

from PySide6.QtCore import QObject, QTimer, Signal

from ..graph.arrange import document_graph
from ..graph.document import Document
from ..graph.layout import Layout, layered_positions

#: Documents with at least this many nodes are laid out in the background.
BACKGROUND_THRESHOLD = 1_000
POLL_MS = 15

_pool = None


def _shared_pool():
    """One spawn-context process, started on first use and kept for the next layout."""
    global _pool
    if _pool is None:
        _pool = multiprocessing.get_context("spawn").Pool(processes=1)
    return _pool


def prewarm() -> None:
    """Start the layout process now (it imports the graph layer, about half a second),
    so the first large layout does not wait for it."""
    _shared_pool()


def _drop_pool() -> None:
    """Kill the layout process (a cancelled layout dies with it)."""
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.terminate()


def layout_arguments(document: Document, sizes: Mapping[str, tuple[float, float]],
                     direction: str = "TB") -> tuple:
    """What ``layered_positions`` needs, taken from the document now (a snapshot: later
    edits do not reach a running layout)."""
    all_sizes = {n: tuple(sizes[n]) for n in document.nodes}
    pinned = {n: node.position for n, node in document.nodes.items() if node.pinned}
    return document_graph(document), all_sizes, direction, pinned


def _run(graph, sizes, direction, pinned) -> Layout:
    return layered_positions(graph, sizes, direction=direction, pinned=pinned)


class LayoutJob(QObject):
    """One layout in the background. ``finished(Layout)`` or ``failed(message)`` is
    emitted once, on the UI thread; after ``cancel()`` neither is."""

    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, document: Document, sizes: Mapping[str, tuple[float, float]],
                 direction: str = "TB", mode: str = "process", parent=None) -> None:
        super().__init__(parent)
        if mode not in ("process", "thread"):
            raise ValueError(f"unknown layout mode {mode!r}")
        self.mode = mode
        self.arguments = layout_arguments(document, sizes, direction)
        self.cancelled = False
        self._async = None                  # multiprocessing AsyncResult
        self._thread: threading.Thread | None = None
        self._outcome: tuple[str, object] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        if self.mode == "process":
            self._async = _shared_pool().apply_async(layered_positions, self.arguments[:2],
                                                     {"direction": self.arguments[2],
                                                      "pinned": self.arguments[3]})
        else:
            self._thread = threading.Thread(target=self._in_thread, daemon=True,
                                            name="gradviz-layout")
            self._thread.start()
        self._timer.start()

    def _in_thread(self) -> None:
        try:
            self._outcome = ("ok", _run(*self.arguments))
        except Exception as exc:  # noqa: BLE001 - reported to the user, not raised
            self._outcome = ("error", f"{type(exc).__name__}: {exc}")

    def cancel(self) -> None:
        """Stop now: the process is killed (a thread's result is discarded)."""
        if not self.running:
            return
        self.cancelled = True
        self._timer.stop()
        if self.mode == "process":
            _drop_pool()

    def _poll(self) -> None:
        if self.mode == "process":
            if not self._async.ready():
                return
            try:
                outcome = ("ok", self._async.get())
            except Exception as exc:  # noqa: BLE001 - reported to the user, not raised
                outcome = ("error", f"{type(exc).__name__}: {exc}")
        else:
            if self._outcome is None:
                return
            outcome = self._outcome
        self._timer.stop()
        if self.cancelled:
            return
        kind, value = outcome
        if kind == "ok":
            self.finished.emit(value)
        else:
            self.failed.emit(value)

    def wait(self, timeout: float | None = None) -> None:
        """Block until the result is there (for scripts and tests without an event loop);
        the signals still come from the next poll."""
        if self.mode == "process" and self._async is not None:
            self._async.wait(timeout)
        elif self._thread is not None:
            self._thread.join(timeout)
