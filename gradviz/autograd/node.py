"""Graph nodes (``grad_fn`` objects): saved values, edges, hooks, release after backward."""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)

_sequence = itertools.count()


class _Creation:
    """Who is creating nodes right now; the document layer tags grad_fns with its node ids."""

    __slots__ = ("tag",)

    def __init__(self) -> None:
        self.tag: object = None


CREATION = _Creation()


class creation_tag:  # noqa: N801 - reads like a keyword in `with`
    """Tag every node created inside the block with ``tag`` (its ``creator``)."""

    def __init__(self, tag: object) -> None:
        self.tag = tag

    def __enter__(self) -> None:
        self.prev = CREATION.tag
        CREATION.tag = self.tag

    def __exit__(self, *exc: object) -> None:
        CREATION.tag = self.prev


class SavedTensor:
    """A tensor saved for backward: its array plus the version it had when saved."""

    __slots__ = ("array", "counter", "version", "owner", "is_output")

    def __init__(self, tensor: Tensor, is_output: bool = False) -> None:
        self.array = tensor._data
        self.counter = tensor._counter()
        self.version = self.counter[0]
        self.owner = tensor
        self.is_output = is_output

    def unpack(self, node: Node) -> np.ndarray:
        if self.counter[0] != self.version:
            raise RuntimeError(_modified_message(self, node))
        return self.array


def _short_name(node: Node) -> str:
    return re.sub(r"Backward\d+$", "", node.name())


def _modified_message(saved: SavedTensor, node: Node) -> str:
    owner = saved.owner
    shape = ", ".join(str(s) for s in saved.array.shape)
    what = f"[torch.{owner.dtype._tensor_type} [{shape}]]"
    producer = node if saved.is_output else owner.grad_fn
    if producer is not None:
        what += f", which is output 0 of {_short_name(producer)},"
    return (
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: {what} is at version {saved.counter[0]}; expected version "
        f"{saved.version} instead. Hint: enable anomaly detection to find the operation "
        "that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


class Node:
    """Base of every ``grad_fn``: one output, one ``next_functions`` entry per input.

    Subclasses are named after PyTorch's node (``MulBackward0``), list their input roles in
    ``inputs``, the derivative rule for each role in ``formulas``, and implement
    ``backward(grad)`` returning one gradient (or None) per input.
    """

    inputs: ClassVar[tuple[str, ...]] = ("self",)
    formulas: ClassVar[dict[str, str]] = {}
    _tensor_saves: ClassVar[frozenset[str]] = frozenset(
        {"self", "other", "result", "mat2", "vec", "tensor", "target", "exponent", "indices",
         "min", "max", "weight", "total_weight"})

    __slots__ = ("next_functions", "_saved", "_tensors", "_seq", "_pre_hooks", "_retained",
                 "creator", "_released", "ctx", "__weakref__")

    def __init__(self, next_functions: tuple) -> None:
        self.next_functions = next_functions
        self._saved: dict[str, Any] = {}
        self._tensors: dict[str, SavedTensor | None] = {}
        self._seq = next(_sequence)
        self._pre_hooks: list | None = None
        self._retained = None
        self.creator = CREATION.tag
        self._released = False

    # -- saving values for backward -------------------------------------------------------
    def save(self, name: str, value: Any) -> None:
        """Keep a non-tensor value (sizes, dims, scalars); never released."""
        self._saved[name] = value

    def save_tensor(self, name: str, tensor: Tensor, is_output: bool = False) -> None:
        """Keep a tensor's array with its version; released after backward."""
        self._tensors[name] = SavedTensor(tensor, is_output)

    def saved(self, name: str) -> np.ndarray:
        entry = self._tensors[name]
        if entry is None:
            raise RuntimeError(FREED_MESSAGE)
        return entry.unpack(self)

    def release(self) -> None:
        """Drop saved arrays so their memory is freed (what PyTorch does after backward)."""
        for name in self._tensors:
            self._tensors[name] = None
        self._released = True

    def saved_names(self) -> list[str]:
        """PyTorch's ``_saved_*`` attribute names of this node, for inspectors."""
        return sorted(f"_saved_{n}" for n in (*self._saved, *self._tensors))

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_saved_"):
            name = attr[len("_saved_"):]
            tensors = object.__getattribute__(self, "_tensors")
            if name in tensors:
                from .tensor import Tensor

                return Tensor._wrap(self.saved(name))
            saved = object.__getattribute__(self, "_saved")
            if name in saved:
                value = saved[name]
                if name in self._tensor_saves and isinstance(value, (int, float, bool)):
                    from .creation import tensor

                    return tensor(value)
                return value
            if name in self._tensor_saves:
                return None
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{attr}'")

    # -- identity --------------------------------------------------------------------------
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    @property
    def metadata(self) -> dict:
        return {}

    def register_prehook(self, fn: Any) -> None:
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)

    def backward(self, grad: np.ndarray) -> tuple:
        raise NotImplementedError

    def formula_for(self, index: int) -> str:
        """The readable rule for the gradient sent to input ``index``."""
        role = self.inputs[index] if index < len(self.inputs) else self.inputs[-1]
        return self.formulas.get(role, "")


class AccumulateGrad(Node):
    """The sink of a leaf tensor: adds the incoming gradient to ``variable.grad``."""

    inputs = ("grad",)
    formulas = {"grad": "variable.grad = variable.grad + grad"}
    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        super().__init__(())
        self.variable = variable
        self._seq = float("inf")  # PyTorch runs AccumulateGrad as soon as it is ready

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"

    def backward(self, grad: np.ndarray) -> tuple:
        return ()


def node_class(name: str, inputs: tuple[str, ...], formulas: dict[str, str],
               backward: Any) -> type[Node]:
    """Make a Node subclass named ``name`` (PyTorch's grad_fn name) from its rule."""
    return type(name, (Node,), {"inputs": inputs, "formulas": formulas,
                                "backward": backward, "__slots__": ()})
