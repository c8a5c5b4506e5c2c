"""The backward engine, written once as a generator of step records.

``backward_steps`` plans nothing twice: it walks the graph from the roots, runs each
ready node in PyTorch's order (highest sequence number first, AccumulateGrad as soon as
it is ready) and yields what the node received and sent. ``backward`` and ``grad`` drain
the same generator; the stepper in the application replays its records.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .node import AccumulateGrad, Node
from .tensor import Tensor


@dataclass(slots=True)
class BackwardStep:
    """One executed node: the gradient it received and the gradients it sent.

    ``grad_inputs`` has one entry per ``node.next_functions`` entry (None where nothing
    was sent). For AccumulateGrad, ``variable`` is the leaf and ``new_grad`` a snapshot
    of its ``.grad`` after accumulation (None when ``grad`` captured it instead).
    """

    index: int
    node: Node
    grad_output: np.ndarray
    grad_inputs: tuple
    variable: Tensor | None = None
    new_grad: np.ndarray | None = None


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, Tensor):
        return [value]
    return list(value)


def _root_grads(tensors: list[Tensor], grads: list) -> list[np.ndarray]:
    """The gradient each root starts with, checked like PyTorch checks it."""
    if grads and len(grads) != len(tensors):
        raise RuntimeError(f"got {len(grads)} tensors and {len(tensors)} gradients")
    out = []
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"element {i} of tensors is not a Tensor")
        if t._grad_fn is None and not t._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not "
                               "have a grad_fn")
        g = grads[i] if grads else None
        if g is None:
            if t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            out.append(np.ones(t._data.shape, dtype=t._data.dtype))
            continue
        g = g._data if isinstance(g, Tensor) else np.asarray(g, dtype=t._data.dtype)
        if g.shape != t._data.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of torch.Size({list(g.shape)})"
                f" and output[{i}] has a shape of torch.Size({list(t._data.shape)}).")
        out.append(g if g.dtype == t._data.dtype else g.astype(t._data.dtype))
    return out


def _dependencies(roots: list[Node]) -> dict[Node, int]:
    """How many edges lead into each node reachable from the roots."""
    deps: dict[Node, int] = {}
    seen = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for child, _ in node.next_functions:
            if child is not None:
                deps[child] = deps.get(child, 0) + 1
                if child not in seen:
                    stack.append(child)
    return deps


def _needed(roots: list[Node], targets: set[Node]) -> set[Node]:
    """Nodes from which some target can be reached (only they run when targets are given)."""
    needed: set[Node] = set()
    visited: set[Node] = set()
    order: list[Node] = []
    stack = [(n, False) for n in roots]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        stack.extend((c, False) for c, _ in node.next_functions if c is not None)
    for node in order:  # children before parents
        if node in targets or any(c in needed for c, _ in node.next_functions if c is not None):
            needed.add(node)
    return needed


def _call_hooks(hooks: list | None, grad: np.ndarray) -> np.ndarray:
    for hook in list(hooks or ()):
        replaced = hook(Tensor._wrap(grad))
        if replaced is not None:
            grad = replaced._data if isinstance(replaced, Tensor) else np.asarray(replaced)
    return grad


class _Run:
    """State of one backward pass: input buffers, readiness, the ready heap."""

    def __init__(self, roots: list[tuple[Node, np.ndarray]], keep: bool,
                 targets: set[Node] | None, capture: bool) -> None:
        self.keep = keep
        self.capture = capture
        self.targets = targets
        self.captured: dict[Node, np.ndarray] = {}
        nodes = [n for n, _ in roots]
        self.needed = _needed(nodes, targets) if targets is not None else None
        self.deps = _dependencies(nodes)
        self.buffers: dict[Node, np.ndarray] = {}
        self.handed: set[int] = set()  # arrays a leaf's .grad may not own
        self.heap: list = []
        self.tiebreak = 0
        for node, grad in roots:
            self.handed.add(id(grad))
            self._add(node, grad)
        for node in dict.fromkeys(nodes):
            if self.deps.get(node, 0) == 0:
                self._push(node)

    def _add(self, node: Node, grad: np.ndarray) -> None:
        held = self.buffers.get(node)
        self.buffers[node] = grad if held is None else held + grad

    def _push(self, node: Node) -> None:
        self.tiebreak += 1
        heapq.heappush(self.heap, (-node._seq, self.tiebreak, node))

    def _release_child(self, child: Node) -> None:
        remaining = self.deps[child] - 1
        self.deps[child] = remaining
        if remaining == 0:
            self._push(child)

    def steps(self) -> Iterator[BackwardStep]:
        index = 0
        while self.heap:
            node = heapq.heappop(self.heap)[2]
            grad = self.buffers.pop(node, None)
            skip = grad is None or (self.needed is not None and node not in self.needed)
            if skip:
                for child, _ in node.next_functions:
                    if child is not None:
                        self._release_child(child)
                continue
            step = self._execute(node, grad, index)
            index += 1
            yield step
            if not self.keep:
                node.release()

    def _execute(self, node: Node, grad: np.ndarray, index: int) -> BackwardStep:
        if isinstance(node, AccumulateGrad):
            return self._accumulate(node, grad, index)
        if node._pre_hooks:
            grad = _call_hooks(node._pre_hooks, grad)
        if node._retained is not None:
            self._retain(node, grad)
        if self.targets is not None and node in self.targets and self.capture:
            self.captured[node] = grad
        grads = node.backward(grad)
        for (child, _), g in zip(node.next_functions, grads, strict=False):
            if child is None:
                continue
            if g is not None:
                self._add(child, g)
            self._release_child(child)
        return BackwardStep(index, node, grad, tuple(grads))

    def _retain(self, node: Node, grad: np.ndarray) -> None:
        tensor = node._retained()
        if tensor is None or tensor._grad_fn is not node:
            return
        self.handed.add(id(grad))
        if tensor._grad is None:
            tensor._grad = Tensor._wrap(grad)
        else:
            tensor._grad = Tensor._wrap(tensor._grad._data + grad)

    def _accumulate(self, node: AccumulateGrad, grad: np.ndarray, index: int) -> BackwardStep:
        var = node.variable
        grad = _call_hooks(var._hooks, grad)
        if self.capture:
            self.captured[node] = grad
            return BackwardStep(index, node, grad, (), var, None)
        if grad.dtype != var._data.dtype:
            grad = grad.astype(var._data.dtype)
        held = var._grad
        if held is None:
            owned = grad.flags.owndata and grad.flags.writeable and id(grad) not in self.handed
            var._grad = Tensor._wrap(grad if owned else grad.copy())
            self.handed.add(id(var._grad._data))
        elif held._data.shape == grad.shape and held._data.flags.writeable:
            np.add(held._data, grad, out=held._data)
        else:
            var._grad = Tensor._wrap(held._data + grad)
        return BackwardStep(index, node, grad, (), var, var._grad._data.copy())


def _roots(tensors: Any, grad_tensors: Any) -> list[tuple[Node, np.ndarray]]:
    outputs = _as_list(tensors)
    grads = _root_grads(outputs, _as_list(grad_tensors))
    return [(t._edge()[0], g) for t, g in zip(outputs, grads, strict=True)]


def backward_steps(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
                   retain_graph: bool | None = None, inputs: Any = None) -> Iterator[BackwardStep]:
    """Run backward from ``tensors`` node by node, yielding a record per executed node.

    Gradients accumulate into leaves' ``.grad`` exactly as ``Tensor.backward`` does; saved
    values are released after each node unless ``retain_graph`` is true.
    """
    roots = _roots(tensors, grad_tensors)
    targets = None
    if inputs is not None:
        targets = {t._edge()[0] for t in _as_list(inputs)}
        for t in _as_list(inputs):
            if t._grad_fn is not None:
                t.retain_grad()
    return _Run(roots, bool(retain_graph), targets, capture=False).steps()


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
             retain_graph: bool | None = None, inputs: Any = None) -> None:
    """Accumulate gradients of ``tensors`` into the leaves (``torch.autograd.backward``)."""
    deque(backward_steps(tensors, grad_tensors, retain_graph, inputs), maxlen=0)


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``."""
    if create_graph:
        raise NotImplementedError("gradviz does not build graphs of the backward pass "
                                  "(create_graph=True)")
    targets_list = _as_list(inputs)
    for t in targets_list:
        if not t._rg:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    edges = [t._edge()[0] for t in targets_list]
    run = _Run(_roots(outputs, grad_outputs), bool(retain_graph), set(edges), capture=True)
    deque(run.steps(), maxlen=0)
    found = []
    for i, node in enumerate(edges):
        g = run.captured.get(node)
        if g is None and not allow_unused:
            raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been "
                               "used in the graph. Set allow_unused=True if this is the desired "
                               "behavior.")
        found.append(None if g is None else Tensor._wrap(g))
    return tuple(found)
