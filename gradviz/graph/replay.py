"""Replaying a backward trace step by step: which node is active, pending or done, and
what gradient each shows. Pure bookkeeping over the trace records; no gradient is ever
computed here."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .trace import SentGradient, Trace, TraceStep

IDLE, PENDING, ACTIVE, DONE, ERROR = "idle", "pending", "active", "done", "error"
STATES = (IDLE, PENDING, ACTIVE, DONE, ERROR)
_UNKNOWN, _SHOWS_NOTHING = object(), object()   # markers in Replay._step_magnitudes


@dataclass
class Replay:
    """``index`` steps of ``trace`` have run (0 = none, ``count`` = all)."""

    trace: Trace
    errors: frozenset[str] = frozenset()
    index: int = 0

    def __post_init__(self) -> None:
        self._steps_of: dict[str, list[int]] = {}
        for i, step in enumerate(self.trace.steps):
            self._steps_of.setdefault(step.node_id, []).append(i)
        self._magnitudes: dict[str, float] = {}     # as of step ``_magnitudes_index``
        self._magnitudes_index = 0
        self._step_magnitudes: list = [_UNKNOWN] * len(self.trace.steps)

    @property
    def count(self) -> int:
        return len(self.trace.steps)

    def seek(self, index: int) -> None:
        self.index = max(0, min(int(index), self.count))

    @property
    def active_step(self) -> TraceStep | None:
        return self.trace.steps[self.index - 1] if self.index else None

    def state(self, node_id: str) -> str:
        if node_id in self.errors:
            return ERROR
        steps = self._steps_of.get(node_id)
        if not steps:
            return IDLE
        active = self.active_step
        if active is not None and active.node_id == node_id:
            return ACTIVE
        return DONE if steps[-1] < self.index else PENDING

    def states(self, node_ids: list[str]) -> dict[str, str]:
        return {n: self.state(n) for n in node_ids}

    def gradient(self, node_id: str) -> np.ndarray | None:
        """The gradient a node shows once its steps ran: d(start)/d(node's output) for an
        operation, the accumulated ``.grad`` for a leaf."""
        shown = None
        for i in self._steps_of.get(node_id, ()):
            if i >= self.index:
                break
            step = self.trace.steps[i]
            if step.leaf_grad is not None:
                shown = step.leaf_grad
            elif step.is_output:
                shown = step.grad_output
        return shown

    def active_edges(self) -> list[SentGradient]:
        """Gradients travelling along document edges in the current step."""
        step = self.active_step
        return list(step.sent) if step is not None else []

    def gradient_magnitudes(self) -> dict[str, float]:
        """Largest |gradient| per node shown so far (nan/inf kept, for flagging). Carried
        from call to call: a step forward updates one node instead of every node."""
        if self._magnitudes_index > self.index:
            self._magnitudes, self._magnitudes_index = {}, 0
        for i in range(self._magnitudes_index, self.index):
            magnitude = self._step_magnitude(i)
            node_id = self.trace.steps[i].node_id
            if magnitude is None:
                self._magnitudes.pop(node_id, None)
            elif magnitude is not _SHOWS_NOTHING:
                self._magnitudes[node_id] = magnitude
        self._magnitudes_index = self.index
        return dict(self._magnitudes)

    def _step_magnitude(self, i: int):
        """Largest |gradient| step ``i`` shows (None if it is empty), or _SHOWS_NOTHING
        when the step shows no gradient and its node keeps what it showed before."""
        if self._step_magnitudes[i] is _UNKNOWN:
            step = self.trace.steps[i]
            grad = step.leaf_grad if step.leaf_grad is not None else \
                step.grad_output if step.is_output else None
            if grad is None:
                self._step_magnitudes[i] = _SHOWS_NOTHING
            elif not grad.size:
                self._step_magnitudes[i] = None
            else:
                with np.errstate(invalid="ignore"):
                    self._step_magnitudes[i] = float(np.max(np.abs(grad)))
        return self._step_magnitudes[i]
