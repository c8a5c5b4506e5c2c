"""The backward engine, written once as a generator of step records.

``backward_steps`` plans nothing twice: it walks the graph from the roots, runs each
ready node in PyTorch's order and yields what the node received and sent. ``backward``
and ``grad`` drain the same generator; the stepper in the application replays its records.

PyTorch keeps ready nodes in a ``std::priority_queue`` ordered by sequence number (the
most recently created node first; AccumulateGrad nodes have the largest number, so they
run as soon as they are ready). Nodes with equal numbers come out in the order that
libstdc++'s heap happens to give, which is not first-in first-out once four or more are
waiting; ``_ReadyQueue`` is that heap, so gradviz runs leaves in PyTorch's order too.
"""

from __future__ import annotations

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
    if grads and len(grads) < len(tensors):
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grads)} gradients")
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
    """How many edges lead into each node reachable from the roots (roots included)."""
    deps = dict.fromkeys(roots, 0)
    stack = list(deps)
    pop, push = stack.pop, stack.append
    while stack:
        for child, _ in pop().next_functions:
            if child is not None:
                count = deps.get(child)
                if count is None:
                    deps[child] = 1
                    push(child)
                else:
                    deps[child] = count + 1
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


class _ReadyQueue:
    """``std::priority_queue`` of nodes by sequence number, as libstdc++ implements it
    (``push_heap``/``pop_heap`` with ``a._seq < b._seq`` meaning a runs later)."""

    __slots__ = ("heap",)

    def __init__(self) -> None:
        self.heap: list[Node] = []

    def push(self, node: Node) -> None:
        self.heap.append(node)
        self._sift_up(len(self.heap) - 1, node)

    def _sift_up(self, hole: int, node: Node) -> None:
        """Place ``node`` at ``hole`` or above it (libstdc++ __push_heap)."""
        heap = self.heap
        seq = node._seq
        while hole > 0:
            parent = (hole - 1) >> 1
            if not heap[parent]._seq < seq:
                break
            heap[hole] = heap[parent]
            hole = parent
        heap[hole] = node

    def pop(self) -> Node:
        heap = self.heap
        top = heap[0]
        last = heap.pop()
        size = len(heap)
        if not size:
            return top
        # libstdc++ __adjust_heap: move the hole at the top down to a leaf, always taking
        # the larger child (the left one on ties), then sift ``last`` up from there.
        hole = child = 0
        while child < (size - 1) >> 1:
            child = 2 * (child + 1)
            if heap[child]._seq < heap[child - 1]._seq:
                child -= 1
            heap[hole] = heap[child]
            hole = child
        if not size & 1 and child == (size - 2) >> 1:
            child = 2 * (child + 1)
            heap[hole] = heap[child - 1]
            hole = child - 1
        self._sift_up(hole, last)
        return top


class _Run:
    """State of one backward pass: input buffers, readiness, the ready queue."""

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
        self.queue = _ReadyQueue()
        for node, grad in roots:
            self.handed.add(id(grad))
            held = self.buffers.get(node)
            self.buffers[node] = grad if held is None else held + grad
        for node in dict.fromkeys(nodes):
            if self.deps[node] == 0:
                self.queue.push(node)

    def steps(self) -> Iterator[BackwardStep]:
        """Run ready nodes one at a time, yielding a record after each."""
        queue, buffers, deps = self.queue, self.buffers, self.deps
        heap, pop, push = queue.heap, queue.pop, queue.push
        keep, needed, targets, capture = self.keep, self.needed, self.targets, self.capture
        index = 0
        while heap:
            node = heap.pop() if len(heap) == 1 else pop()
            grad = buffers.pop(node, None)
            if grad is None or (needed is not None and node not in needed):
                for child, _ in node.next_functions:
                    if child is not None:
                        remaining = deps[child] - 1
                        deps[child] = remaining
                        if not remaining:
                            push(child)
                continue
            if type(node) is AccumulateGrad:
                step = self._accumulate(node, grad, index)
            else:
                if node._pre_hooks:
                    grad = _call_hooks(node._pre_hooks, grad)
                if node._retained is not None:
                    self._retain(node, grad)
                if capture and node in targets:
                    self.captured[node] = grad
                grads = node.backward(grad)
                for (child, _), g in zip(node.next_functions, grads, strict=False):
                    if child is None:
                        continue
                    if g is not None:
                        held = buffers.get(child)
                        buffers[child] = g if held is None else held + g
                    remaining = deps[child] - 1
                    deps[child] = remaining
                    if not remaining:
                        if heap:
                            push(child)
                        else:
                            heap.append(child)
                step = BackwardStep(index, node, grad, grads)
            index += 1
            yield step
            if not keep and node._tensors:  # nothing to free in most nodes
                node.release()

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
        if var._hooks:
            grad = _call_hooks(var._hooks, grad)
        if self.capture:
            self.captured[node] = grad
            return BackwardStep(index, node, grad, (), var, None)
        if grad.dtype != var._data.dtype:
            grad = grad.astype(var._data.dtype)
        held = var._grad
        if held is None:
            # Like PyTorch, a leaf's .grad takes over the incoming buffer when nobody else
            # holds it (the caller's gradient and retained grads are never taken over).
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
    return [(t._edge()[0], g) for t, g in zip(outputs, grads, strict=False)]


def backward_steps(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
                   retain_graph: bool | None = None, inputs: Any = None) -> Iterator[BackwardStep]:
    """Run backward from ``tensors`` node by node, yielding a record per executed node.

    Gradients accumulate into leaves' ``.grad`` exactly as ``Tensor.backward`` does; saved
    values are released after each node unless ``retain_graph`` is true.
    """
    roots = _roots(tensors, grad_tensors)
    targets = None
    if inputs is not None:
        inputs = _as_list(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        targets = {t._edge()[0] for t in inputs}
        for t in inputs:
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
