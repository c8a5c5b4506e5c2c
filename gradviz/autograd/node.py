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

# Every grad_fn class by its PyTorch name, so the registry's names can be looked up.
NODE_CLASSES: dict[str, type[Node]] = {}


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
    """A tensor saved for backward: its array plus the version it had when saved.

    An input keeps a reference to its tensor (``owner``), as PyTorch's SavedVariable does;
    an output of the saving node does not (that would be a reference cycle), and unpacks
    as a new tensor whose grad_fn is the node.
    """

    __slots__ = ("array", "counter", "version", "owner", "is_output")

    def __init__(self, tensor: Tensor, is_output: bool = False) -> None:
        self.array = tensor._data
        counter = tensor._vc
        if counter is None:
            counter = tensor._vc = [0]
        self.counter = counter
        self.version = counter[0]
        self.owner = None if is_output else tensor
        self.is_output = is_output

    def unpack(self, node: Node) -> np.ndarray:
        if self.counter[0] != self.version:
            raise RuntimeError(_modified_message(self, node))
        return self.array

    def snapshot(self) -> None:
        """Keep a private copy: the tensor is about to be overwritten by an in-place op
        whose derivative needs its old value (PyTorch's ``original_self``)."""
        self.array = self.array.copy()
        self.counter = [0]
        self.version = 0
        self.owner = None

    def rebind(self, tensor: Tensor) -> None:
        """Follow an in-place op's output into the tensor it was written to."""
        self.array = tensor._data
        self.counter = tensor._counter()
        self.version = self.counter[0]


def _short_name(node: Node) -> str:
    return re.sub(r"Backward\d+$", "", node.name())


def _modified_message(saved: SavedTensor, node: Node) -> str:
    from .dtypes import from_numpy

    shape = ", ".join(str(s) for s in saved.array.shape)
    what = f"[torch.{from_numpy(saved.array.dtype)._tensor_type} [{shape}]]"
    # PyTorch names the tensor's current grad_fn (an output names the node that saved it).
    producer = node if saved.is_output else saved.owner._grad_fn
    if producer is not None:
        what += f", which is output 0 of {_short_name(producer)},"
    return (
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: {what} is at version {saved.counter[0]}; expected version "
        f"{saved.version} instead. Hint: enable anomaly detection to find the operation "
        "that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


# Dims and indices PyTorch keeps as unsigned 64-bit integers: its ``_saved_dim`` of
# ``x.sum(-1)`` reads ``(18446744073709551615,)``.
_UNSIGNED_SAVES = frozenset({"dim", "dims", "dim0", "dim1", "index", "start", "end",
                             "ignore_index"})


def _unsigned(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_unsigned(v) for v in value)
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return value + 2 ** 64
    return value


def wrapped_number(value: Any) -> Tensor:
    """A Python number as PyTorch wraps it: int64, float64 or bool, zero dimensions."""
    from .tensor import Tensor

    if isinstance(value, (bool, np.bool_)):
        return Tensor._wrap(np.array(bool(value)))
    if isinstance(value, (int, np.integer)):
        return Tensor._wrap(np.array(int(value), dtype=np.int64))
    return Tensor._wrap(np.array(float(value), dtype=np.float64))


class Node:
    """Base of every ``grad_fn``: one output, one ``next_functions`` entry per input.

    Subclasses are named after PyTorch's node (``MulBackward0``), list their input roles in
    ``inputs``, the derivative rule for each role in ``formulas``, and implement
    ``backward(grad)`` returning one gradient (or None) per input.

    Saved values live in two dicts: ``_saved`` keeps sizes, dims and other attributes for
    ever; ``_tensors`` keeps tensors (``SavedTensor``) and wrapped numbers (the ``2`` of
    ``x * 2``), which are released after backward as PyTorch releases its saved variables.
    """

    inputs: ClassVar[tuple[str, ...]] = ("self",)
    formulas: ClassVar[dict[str, str]] = {}
    # Names PyTorch saves as tensors: reading an unsaved one gives None, not AttributeError.
    _tensor_saves: ClassVar[frozenset[str]] = frozenset(
        {"self", "other", "result", "mat2", "vec", "tensor", "target", "exponent", "indices",
         "weight", "total_weight"})
    # Saved slots PyTorch's node always has, even when this call saved nothing in them.
    always_saved: ClassVar[tuple[str, ...]] = ()

    __slots__ = ("next_functions", "_saved", "_tensors", "_seq", "_pre_hooks", "_retained",
                 "creator", "_released", "ctx", "__weakref__")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        NODE_CLASSES.setdefault(cls.__name__, cls)

    def __init__(self, next_functions: tuple) -> None:
        self.next_functions = next_functions
        self._saved: dict[str, Any] = {}
        self._tensors: dict[str, Any] = {}
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

    def save_number(self, name: str, value: Any) -> None:
        """Keep a Python number that PyTorch saves as a wrapped tensor (released too)."""
        self._tensors[name] = value

    def saved(self, name: str) -> Any:
        """A saved array (or wrapped number), checked against in-place modification."""
        entry = self._tensors[name]
        if entry is None:
            raise RuntimeError(FREED_MESSAGE)
        if type(entry) is SavedTensor:
            return entry.unpack(self)
        return entry

    def release(self) -> None:
        """Drop saved arrays so their memory is freed (what PyTorch does after backward)."""
        tensors = self._tensors
        if tensors:
            for name in tensors:
                tensors[name] = None
        self._released = True

    def saved_names(self) -> list[str]:
        """PyTorch's ``_saved_*`` attribute names of this node, for inspectors."""
        names = {*self._saved, *self._tensors, *self.always_saved}
        return sorted(f"_saved_{n}" for n in names)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("_saved_"):
            name = attr[len("_saved_"):]
            tensors = object.__getattribute__(self, "_tensors")
            if name in tensors:
                return self._unpack_saved(name, tensors[name])
            saved = object.__getattribute__(self, "_saved")
            if name in saved:
                value = saved[name]
                return _unsigned(value) if name in _UNSIGNED_SAVES else value
            if name in self._tensor_saves or name in self.always_saved:
                return None
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{attr}'")

    def _unpack_saved(self, name: str, entry: Any) -> Any:
        """What PyTorch's ``_saved_<name>`` gives: the saved tensor itself when it is an
        unchanged input, a tensor with this grad_fn for an output, a wrapped number."""
        from .tensor import Tensor

        if entry is None:
            raise RuntimeError(FREED_MESSAGE)
        if type(entry) is not SavedTensor:
            return wrapped_number(entry)
        array = entry.unpack(self)
        owner = entry.owner
        if owner is not None and owner._data is array:
            return owner
        if entry.is_output:
            t = Tensor._wrap(array, self)
            t._vc = entry.counter
            return t
        return Tensor._wrap(array)

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
               backward: Any, always_saved: tuple[str, ...] = ()) -> type[Node]:
    """Make a Node subclass named ``name`` (PyTorch's grad_fn name) from its rule."""
    return type(name, (Node,), {"inputs": inputs, "formulas": formulas, "backward": backward,
                                "always_saved": always_saved, "__slots__": ()})
