"""Evaluating a document with the core: every node gets its tensor or its own error.

Results are cached per node; an edit invalidates the edited node and everything
downstream of it, so the next evaluation recomputes only those (``last_computed`` lists
them, which is how tests check it).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from ..autograd import Tensor, creation_tag
from ..autograd.grad_mode import enable_grad
from ..autograd.registry import OpSpec
from .attrs import index_to_python
from .values import ValueSpecError, materialize

if TYPE_CHECKING:
    from .document import Document, OpNode, TensorNode

OK, ERROR, BLOCKED = "ok", "error", "blocked"


@dataclass
class NodeResult:
    """A node's tensor, or why it has none (``status`` error: its own; blocked: an input's)."""

    status: str
    tensor: Tensor | None = None
    message: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == OK


class Evaluation(dict):
    """node id -> NodeResult for the whole document."""

    def tensor(self, node_id: str) -> Tensor:
        result = self[node_id]
        if result.tensor is None:
            raise ValueError(f"{node_id} has no value: {result.message}")
        return result.tensor

    @property
    def errors(self) -> dict[str, str]:
        return {n: r.message for n, r in self.items() if r.status == ERROR}


def call_op(spec: OpSpec, inputs: list, attrs: dict[str, Any]) -> Any:
    """Run a registry op with document-style attributes: index items and lists of dims
    become what the core takes; the registry does the rest (``OpSpec.call``)."""
    converted = {}
    for attr in spec.attrs:
        if attr.name not in attrs:
            continue
        value = attrs[attr.name]
        if attr.kind == "index":
            value = index_to_python(value)
        elif attr.kind == "dims" and isinstance(value, list):
            value = tuple(value)
        converted[attr.name] = value
    return spec.call(inputs, converted)


class Evaluator:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.results = Evaluation()
        self.last_computed: list[str] = []
        self._leaf_values: dict[str, np.ndarray] = {}

    def invalidate(self, node_id: str) -> None:
        """Forget the results of ``node_id`` and of every node downstream of it."""
        if not self.results and not self._leaf_values:
            return  # nothing evaluated yet (a document being built or loaded)
        graph = self.document.graph
        stale = nx.descendants(graph, node_id) if node_id in graph else set()
        stale.add(node_id)
        for n in stale:
            self.results.pop(n, None)
        self._leaf_values.pop(node_id, None)

    def leaf_value(self, node_id: str) -> np.ndarray:
        node = self.document.nodes[node_id]
        if node_id not in self._leaf_values:
            self._leaf_values[node_id] = materialize(node.value, node.dtype)
        return self._leaf_values[node_id]

    def evaluate(self) -> Evaluation:
        computed = []
        order = self.document.topological_order()
        live = set(order)
        for stale in [n for n in self.results if n not in live]:
            del self.results[stale]
        # One warnings catcher for the whole pass (entering one per node is costly on large
        # documents); each node takes the warnings its own op added to the list.
        with enable_grad(), warnings.catch_warnings(record=True) as caught, \
                np.errstate(all="ignore"):
            warnings.simplefilter("always")
            for node_id in order:
                if node_id in self.results:
                    continue
                node = self.document.nodes[node_id]
                if node.kind == "tensor":
                    self.results[node_id] = self._leaf(node)
                else:
                    self.results[node_id] = self._operation(node, caught)
                computed.append(node_id)
        self.last_computed = computed
        return self.results

    def _leaf(self, node: TensorNode) -> NodeResult:
        try:
            array = self.leaf_value(node.id)
        except (ValueSpecError, ValueError, MemoryError) as exc:
            return NodeResult(ERROR, message=str(exc))
        tensor = Tensor._wrap(array.copy())
        if node.requires_grad:
            tensor.requires_grad_(True)
        return NodeResult(OK, tensor)

    def _operation(self, node: OpNode, caught: list) -> NodeResult:
        spec = node.spec
        inputs: list[Any] = []
        names = spec.inputs if not spec.variadic else [f"{spec.inputs[0]}[{i}]"
                                                       for i in range(len(node.inputs))]
        for slot, source in enumerate(node.inputs):
            name = names[slot]
            if source is None:
                if name in node.attrs:
                    inputs.append(node.attrs[name])
                    continue
                if spec.variadic:
                    continue
                return NodeResult(ERROR, message=f"input '{name}' is not connected")
            upstream = self.results[source]
            if not upstream.ok:
                who = self.document.display_name(source)
                return NodeResult(BLOCKED, message=f"input '{name}' ({who}) has no value")
            inputs.append(upstream.tensor)
        if spec.variadic and not inputs:
            return NodeResult(ERROR, message=f"{spec.name} needs at least one input")
        attrs = {k: v for k, v in node.attrs.items() if k not in spec.scalar_inputs}
        first = len(caught)
        with creation_tag(node.id):
            try:
                out = call_op(spec, inputs, attrs)
            except (RuntimeError, ValueError, TypeError, IndexError) as exc:
                return NodeResult(ERROR, message=str(exc))
        if isinstance(out, tuple) and out and isinstance(out[0], Tensor):
            out = out[0]  # max/min with dim: the values
        if not isinstance(out, Tensor):
            return NodeResult(ERROR, message=f"{spec.name} did not produce a tensor")
        notes = [str(w.message) for w in caught[first:]]
        if out._data.dtype.kind == "f" and not np.all(np.isfinite(out._data)):
            notes.append("result contains nan or inf")
        return NodeResult(OK, out, warnings=notes)
