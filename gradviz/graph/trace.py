"""The backward trace of a document: the core's ``backward_steps`` mapped to node ids.

The stepper replays these records; it never computes a gradient itself, so the
application and the core cannot disagree.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd import AccumulateGrad, Node, Tensor, backward_steps
from .explain import explain

if TYPE_CHECKING:
    from .document import Document


class TraceError(RuntimeError):
    """Backward cannot start (the message is PyTorch's where PyTorch has one)."""


@dataclass
class SentGradient:
    """A gradient travelling along a document edge ``source -> target`` (into ``slot``)."""

    source: str
    target: str
    slot: int
    grad: np.ndarray


@dataclass
class TraceStep:
    """One executed grad_fn, attributed to the document node that created it."""

    index: int
    node_id: str
    grad_fn: str
    grad_output: np.ndarray
    sent: list[SentGradient]
    internal: list[np.ndarray]
    is_output: bool
    leaf_grad: np.ndarray | None
    explain_later: Callable[[], str] = field(repr=False, compare=False)
    formulas: list[str] = field(default_factory=list)
    _explanation: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def explanation(self) -> str:
        """The step's rule with its numbers. Written when first read: a 10,000-step trace
        would otherwise spend seconds formatting texts nobody has looked at yet."""
        if self._explanation is None:
            self._explanation = self.explain_later()
        return self._explanation


@dataclass
class Trace:
    start: str
    steps: list[TraceStep]

    def __len__(self) -> int:
        return len(self.steps)

    def node_ids(self) -> list[str]:
        return [s.node_id for s in self.steps]


def _start_gradient(tensor: Tensor, gradient: Any) -> Any:
    if gradient is None or isinstance(gradient, Tensor):
        return gradient
    try:
        array = np.asarray(gradient, dtype=tensor._data.dtype)
    except (TypeError, ValueError) as exc:
        raise TraceError(f"the start gradient is not an array of numbers ({exc})") from None
    return Tensor._wrap(array)


def backward_trace(document: Document, node_id: str, gradient: Any = None, *,
                   accumulate: bool = False) -> Trace:
    """Run backward from ``node_id`` and describe every step in document terms.

    Leaf gradients start from zero unless ``accumulate`` (a second backward adds to them,
    as PyTorch does with ``retain_graph=True``). The graph is always retained so the
    document can be traced again.
    """
    evaluation = document.evaluate()
    document.node(node_id)
    result = evaluation[node_id]
    if not result.ok:
        raise TraceError(f"{document.display_name(node_id)} has no value: {result.message}")
    leaves = {id(r.tensor): n for n, r in evaluation.items()
              if r.ok and document.nodes[n].kind == "tensor"}
    if not accumulate:
        for n in leaves.values():
            evaluation[n].tensor._grad = None
    before = {n: evaluation[n].tensor._grad for n in leaves.values()}
    previous = {n: None if g is None else g._data.copy() for n, g in before.items()}
    start = result.tensor
    outputs = {id(r.tensor._grad_fn): n for n, r in evaluation.items()
               if r.ok and r.tensor._grad_fn is not None}
    try:
        records = backward_steps(start, _start_gradient(start, gradient), retain_graph=True)
        steps = [_step(document, rec, leaves, outputs, previous) for rec in records]
    except RuntimeError as exc:
        raise TraceError(str(exc)) from None
    for n in leaves.values():    # a later pass adds to .grad in place: not to our arrays
        leaf = evaluation[n].tensor
        if leaf._grad is not None:
            leaf._grad = Tensor._wrap(leaf._grad._data.copy())
    return Trace(node_id, steps)


def _owner(fn: Node, leaves: dict[int, str]) -> str | None:
    if isinstance(fn, AccumulateGrad):
        return leaves.get(id(fn.variable))
    return fn.creator


def _step(document: Document, rec: Any, leaves: dict[int, str], outputs: dict[int, str],
          previous: dict[str, np.ndarray | None]) -> TraceStep:
    node = rec.node
    owner = _owner(node, leaves)
    if owner is None:
        raise TraceError(f"{node.name()} does not belong to any node of the document")
    sent: list[SentGradient] = []
    internal: list[np.ndarray] = []
    doc_node = document.nodes[owner]
    used: set[int] = set()
    for i, ((child, _), grad) in enumerate(zip(node.next_functions, rec.grad_inputs,
                                              strict=False)):
        if child is None or grad is None:
            continue
        source = _owner(child, leaves)
        if source == owner:
            internal.append(grad)
            continue
        slot = _slot_of(doc_node, source, i, used)
        if source is not None and slot is not None:
            used.add(slot)
            sent.append(SentGradient(source, owner, slot, grad))
    name = document.display_name(owner)
    return TraceStep(
        index=rec.index, node_id=owner, grad_fn=node.name(), grad_output=rec.grad_output,
        sent=sent, internal=internal, is_output=outputs.get(id(node)) == owner
        or isinstance(node, AccumulateGrad), leaf_grad=rec.new_grad,
        explain_later=functools.partial(explain, rec, name, previous.get(owner)),
        formulas=[node.formula_for(i) for i in range(len(node.next_functions))])


def _slot_of(doc_node: Any, source: str | None, position: int, used: set[int]) -> int | None:
    """Which input slot of ``doc_node`` the gradient for ``source`` flows back through."""
    inputs = getattr(doc_node, "inputs", [])
    if position < len(inputs) and inputs[position] == source and position not in used:
        return position
    for slot, src in enumerate(inputs):
        if src == source and slot not in used:
            return slot
    return None
