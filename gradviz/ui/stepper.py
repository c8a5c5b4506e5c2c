"""The backward stepper: replays the graph layer's trace records one step at a time.

It never computes a gradient: ``Document.backward_trace`` runs the core's engine once and
``Replay`` says, for any step index, what every node shows. The stepper only moves the
index (by hand or on a timer), puts the replay on the canvas and says what happened.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QColor

from ..graph import events
from ..graph.document import Document
from ..graph.replay import Replay
from ..graph.trace import Trace, TraceStep
from . import steps

SPEEDS = (0.5, 1.0, 2.0, 4.0, 8.0)      # steps per second offered by the speed control
DEFAULT_SPEED = 1.0
# Edits that do not change any value or gradient keep the steps.
COSMETIC = ("position", "pinned")

# Gradient colouring: from the theme's plain fill (small |grad|) to this (the largest).
TINT_HIGH = {"light": "#c08ee6", "dark": "#7a4fa8"}


def blend(low: QColor, high: QColor, t: float) -> QColor:
    t = min(1.0, max(0.0, t))
    return QColor.fromRgbF(low.redF() + (high.redF() - low.redF()) * t,
                           low.greenF() + (high.greenF() - low.greenF()) * t,
                           low.blueF() + (high.blueF() - low.blueF()) * t)


class ColourScale:
    """Maps a gradient magnitude to [0, 1], linearly or by its logarithm."""

    def __init__(self, magnitudes: list[float], log: bool) -> None:
        finite = [m for m in magnitudes if math.isfinite(m)]
        self.log = log
        self.high = max(finite, default=0.0)
        positive = [m for m in finite if m > 0]
        self.low = min(positive, default=0.0) if log else 0.0

    def __call__(self, magnitude: float) -> float:
        if not math.isfinite(magnitude) or self.high <= 0:
            return 0.0
        if self.log:
            if magnitude <= 0 or self.high <= self.low:
                return 0.0 if magnitude <= 0 else 1.0
            span = math.log10(self.high) - math.log10(self.low)
            return (math.log10(magnitude) - math.log10(self.low)) / span
        return magnitude / self.high


class Stepper(QObject):
    """Current backward trace of the document on the scene, and where in it we are."""

    changed = Signal()      # the step, the trace or the colouring changed
    message = Signal(str)

    def __init__(self, scene, parent=None) -> None:
        super().__init__(parent)
        self.scene = scene
        self.document: Document | None = None
        self.replay: Replay | None = None
        self.gradient: Any = None         # the start gradient used (None: implicit 1)
        self.accumulated = False
        self.colouring = False
        self.log_scale = False
        self.speed = DEFAULT_SPEED
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self._set_interval()

    # -- the document --------------------------------------------------------------------
    def attach(self, document: Document) -> None:
        if self.document is not None:
            self.document.changed.unsubscribe(self._on_change)
        self.document = document
        document.changed.subscribe(self._on_change)
        self.clear()

    def _on_change(self, change: events.Change) -> None:
        if change.kind == events.NODES_MOVED or (
                change.kind == events.NODE_CHANGED and change.detail in COSMETIC):
            return
        if self.replay is not None:
            self.clear("The graph changed: backward steps cleared (press Backward to trace "
                       "again)")

    def clear(self, reason: str | None = None) -> None:
        """Forget the trace; the canvas shows plain values again."""
        self.pause()
        had = self.replay is not None
        self.replay, self.gradient, self.accumulated = None, None, False
        self.scene.clear_step_overlay()
        if had or reason is None:
            self.changed.emit()
        if reason and had:
            self.message.emit(reason)

    # -- what is there -------------------------------------------------------------------
    @property
    def trace(self) -> Trace | None:
        return self.replay.trace if self.replay is not None else None

    @property
    def index(self) -> int:
        return self.replay.index if self.replay is not None else 0

    @property
    def count(self) -> int:
        return self.replay.count if self.replay is not None else 0

    @property
    def active_step(self) -> TraceStep | None:
        return self.replay.active_step if self.replay is not None else None

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def states(self) -> dict[str, str]:
        """Every canvas item's state now (what a test or a screenshot compares)."""
        return {n: item.state for n, item in self.scene.nodes.items()}

    # -- starting ------------------------------------------------------------------------
    def start(self, node_id: str, gradient: Any = None, accumulate: bool = False) -> Trace:
        """Trace backward from ``node_id`` (TraceError: nothing changes) and stand before
        its first step."""
        with np.errstate(all="ignore"):     # nan/inf gradients are flagged on the nodes
            trace = self.document.backward_trace(node_id, gradient, accumulate=accumulate)
        self.pause()
        errors = frozenset(n for n, r in self.document.evaluate().items()
                           if r.status == "error")
        self.replay = Replay(trace, errors, 0)
        self.gradient, self.accumulated = gradient, accumulate
        self._show()
        return trace

    # -- moving --------------------------------------------------------------------------
    def seek(self, index: int) -> None:
        if self.replay is None:
            return
        index = max(0, min(int(index), self.count))
        if index != self.replay.index:
            self.replay.seek(index)
            self._show()
        if self.replay.index >= self.count:
            self.pause()

    def step_forward(self) -> None:
        self.seek(self.index + 1)

    def step_back(self) -> None:
        self.seek(self.index - 1)

    def reset(self) -> None:
        self.pause()
        self.seek(0)

    def run_to_end(self) -> None:
        self.seek(self.count)

    # -- playing -------------------------------------------------------------------------
    def play(self) -> None:
        if self.replay is None or self.count == 0:
            return
        if self.index >= self.count:
            self.seek(0)
        self.timer.start()
        self.changed.emit()

    def pause(self) -> None:
        if self.timer.isActive():
            self.timer.stop()
            self.changed.emit()

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def set_speed(self, steps_per_second: float) -> None:
        self.speed = max(0.1, float(steps_per_second))
        self._set_interval()

    def _set_interval(self) -> None:
        self.timer.setInterval(max(10, round(1000 / self.speed)))

    def _tick(self) -> None:
        self.step_forward()
        if self.index >= self.count:
            self.pause()

    # -- colouring -----------------------------------------------------------------------
    def set_colouring(self, on: bool, log: bool | None = None) -> None:
        self.colouring = bool(on)
        if log is not None:
            self.log_scale = bool(log)
        if self.replay is not None:
            self._show(all_tints=True)
        else:
            self.changed.emit()

    def colour_scale(self) -> ColourScale | None:
        if self.replay is None:
            return None
        return ColourScale(list(self.replay.gradient_magnitudes().values()), self.log_scale)

    def tints(self, node_ids=None) -> dict[str, tuple[QColor | None, str]]:
        """node id -> (fill colour, "nan"/"inf" flag) for the gradients shown now; only
        for ``node_ids`` when given and the colours do not depend on every gradient."""
        if self.replay is None:
            return {}
        theme = self.scene.theme
        if node_ids is not None and not self.colouring:
            return {n: (QColor(theme.error_fill), flag) if flag else (None, "")
                    for n in node_ids for flag in [_flag(self.replay.gradient(n))]}
        out: dict[str, tuple[QColor | None, str]] = {}
        scale = self.colour_scale()
        low, high = QColor(theme.op_fill), QColor(TINT_HIGH.get(theme.name, TINT_HIGH["light"]))
        for node_id, magnitude in self.replay.gradient_magnitudes().items():
            flag = _flag(self.replay.gradient(node_id))
            if flag:
                out[node_id] = (QColor(theme.error_fill), flag)
            elif self.colouring:
                out[node_id] = (blend(low, high, scale(magnitude)), "")
            else:
                out[node_id] = (None, "")
        return out

    # -- drawing -------------------------------------------------------------------------
    def _show(self, all_tints: bool = False) -> None:
        changed = steps.show_replay(self.scene, self.replay)
        if all_tints or changed is None or self.colouring:
            self.scene.set_tints(self.tints())
        else:                      # a step: only the nodes it touched can change colour
            self.scene.set_tints(self.tints(changed), partial=True)
        self.changed.emit()


def _flag(grad) -> str:
    """"nan" or "inf" when a gradient holds one, else ""."""
    if grad is None or grad.dtype.kind not in "fc":
        return ""
    return "nan" if np.isnan(grad).any() else "inf" if np.isinf(grad).any() else ""
