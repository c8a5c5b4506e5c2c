"""Layered layout of large documents off the UI thread, with a working cancel.

The layout (``gradviz.graph.layout.layered_positions``) is pure Python and has no progress
hook, so it runs in a child process (``python -m gradviz.graph.layout_service``, driven
by a QProcess): the event loop never waits for the GIL, and Cancel kills the process, so
nothing of the abandoned layout survives. A plain child process, unlike multiprocessing's
"spawn", never re-imports the application's main module. (``mode="thread"`` runs it in a
Python thread instead: no process start-up, but it shares the GIL and a cancelled layout
runs on to its end before it is thrown away.)

The job only computes positions; the window applies them as one undo command.
"""

from __future__ import annotations

import pickle
import sys
import threading
from collections.abc import Mapping

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from ..graph.document import Document
from ..graph.layout import Layout, layered_positions
from ..graph.layout_service import graph_of

#: Documents with at least this many nodes are laid out in the background.
BACKGROUND_THRESHOLD = 3_000
POLL_MS = 15

_spare: QProcess | None = None


def _start_process() -> QProcess:
    process = QProcess()
    process.setProgram(sys.executable)
    process.setArguments(["-m", "gradviz.graph.layout_service"])
    process.start()
    return process


def prewarm() -> None:
    """Start a layout process now (it imports the graph layer, about half a second); it
    waits for its input, so the next large layout does not wait for it."""
    global _spare
    if _spare is None:
        _spare = _start_process()


def drop_spare() -> None:
    """Kill the waiting process, if any (the next layout starts cold)."""
    global _spare
    spare, _spare = _spare, None
    if spare is not None:
        spare.kill()
        spare.waitForFinished(2000)


def _take_process() -> QProcess:
    global _spare
    process, _spare = _spare, None
    if process is None or process.state() == QProcess.ProcessState.NotRunning:
        process = _start_process()
    return process


def layout_arguments(document: Document, sizes: Mapping[str, tuple[float, float]],
                     direction: str = "TB") -> tuple:
    """What ``layered_positions`` needs, taken from the document now (a snapshot: later
    edits do not reach a running layout): nodes and edges as plain lists, which cross to
    the layout process much faster than a networkx graph."""
    nodes = list(document.nodes)
    edges = list(dict.fromkeys((s, t) for s, t, _ in document.edges()))
    all_sizes = {n: tuple(sizes[n]) for n in nodes}
    pinned = {n: node.position for n, node in document.nodes.items() if node.pinned}
    return nodes, edges, all_sizes, direction, pinned


def _run(nodes, edges, sizes, direction, pinned) -> Layout:
    return layered_positions(graph_of(nodes, edges), sizes, direction=direction, pinned=pinned)


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
        self.process: QProcess | None = None
        self._output = bytearray()
        self._active = False
        self._thread: threading.Thread | None = None
        self._outcome: tuple[str, object] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    @property
    def running(self) -> bool:
        return self._active

    def start(self) -> None:
        self._active = True
        if self.mode == "process":
            self.process = _take_process()
            self.process.setParent(self)
            self.process.readyReadStandardOutput.connect(self._read)
            self.process.finished.connect(self._process_finished)
            self.process.errorOccurred.connect(self._process_error)
            if self.process.error() == QProcess.ProcessError.FailedToStart:
                QTimer.singleShot(0, lambda: self._process_error(self.process.error()))
                return
            self.process.write(pickle.dumps(self.arguments, protocol=pickle.HIGHEST_PROTOCOL))
            self.process.closeWriteChannel()
            return
        self._start_thread()

    def _start_thread(self) -> None:
        self._thread = threading.Thread(target=self._in_thread, daemon=True,
                                        name="gradviz-layout")
        self._thread.start()
        self._timer.start()

    def _process_error(self, error: QProcess.ProcessError) -> None:
        """A layout process that cannot start (no Python at sys.executable, say): lay out
        in a thread instead, so the user still gets the layout."""
        if error == QProcess.ProcessError.FailedToStart and self._active and \
                not self.cancelled and self._thread is None:
            self.mode = "thread"
            self._start_thread()

    def _read(self) -> None:
        self._output += bytes(self.process.readAllStandardOutput())

    def _process_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        if self.cancelled or not self._active:
            return
        self._read()
        if status == QProcess.ExitStatus.NormalExit and code == 0:
            try:
                self._deliver(("ok", pickle.loads(bytes(self._output))))
                return
            except (pickle.UnpicklingError, EOFError, ValueError) as exc:
                self._deliver(("error", f"the layout process sent no result ({exc})"))
                return
        message = bytes(self.process.readAllStandardError()).decode("utf-8", "replace")
        self._deliver(("error", message.strip().splitlines()[-1] if message.strip()
                       else f"the layout process stopped (exit code {code})"))

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
        self._active = False
        self._timer.stop()
        if self.process is not None:
            self.process.kill()

    def _poll(self) -> None:
        if self._outcome is None:
            return
        self._timer.stop()
        if not self.cancelled:
            self._deliver(self._outcome)

    def _deliver(self, outcome: tuple[str, object]) -> None:
        self._active = False
        kind, value = outcome
        if kind == "ok":
            self.finished.emit(value)
        else:
            self.failed.emit(value)

    def wait(self, timeout: float | None = None) -> None:
        """Block until the result is there (for scripts and tests without an event loop)."""
        if self.process is not None:
            self.process.waitForFinished(-1 if timeout is None else int(timeout * 1000))
        elif self._thread is not None:
            self._thread.join(timeout)
