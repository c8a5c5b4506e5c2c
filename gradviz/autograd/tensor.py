"""The Tensor: a numpy array plus the autograd state PyTorch keeps beside it."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import dtypes
from .dtypes import DType
from .grad_mode import GRAD_MODE
from .node import AccumulateGrad, Node

NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)


class Size(tuple):
    """``torch.Size``: a tuple that prints as ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook out again."""

    def __init__(self, hooks: list, fn: Callable) -> None:
        self._hooks, self._fn = hooks, fn

    def remove(self) -> None:
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


class Tensor:
    """An n-dimensional array that records the operations applied to it.

    Attributes default at class level so that creating a result (the hot path) sets only
    what differs: its array and, when recorded, its grad_fn.
    """

    _grad_fn: Node | None = None
    _rg = False           # requires_grad
    _grad: Tensor | None = None
    _vc: list | None = None   # version counter, shared with views and detached aliases
    _acc: AccumulateGrad | None = None
    _hooks: list | None = None
    _retains = False
    _base: Tensor | None = None
    __array_priority__ = 1000  # numpy defers to our reflected operators

    def __init__(self, *args: Any) -> None:
        """Legacy ``torch.Tensor(data)``/``torch.Tensor(2, 3)`` constructor: float32."""
        if len(args) == 1 and not isinstance(args[0], int):
            data = np.array(_plain(args[0]), dtype=np.float32)
        else:
            data = np.empty(tuple(args), dtype=np.float32)
        self._data = data

    @classmethod
    def _wrap(cls, data: np.ndarray, grad_fn: Node | None = None) -> Tensor:
        t = _new(cls)
        t._data = data
        if grad_fn is not None:
            t._grad_fn = grad_fn
            t._rg = True
        return t

    # -- state -----------------------------------------------------------------------------
    @property
    def dtype(self) -> DType:
        return dtypes.from_numpy(self._data.dtype)

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Size | int:
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[wrap_dim(dim, self._data.ndim)]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    @property
    def grad_fn(self) -> Node | None:
        return self._grad_fn

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self._set_requires_grad(flag, "only Tensors of floating point and complex dtype can "
                                      "require gradients")

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        return self._set_requires_grad(requires_grad, "only Tensors of floating point dtype "
                                                      "can require gradients")

    def _set_requires_grad(self, flag: bool, dtype_message: str) -> Tensor:
        # PyTorch words the dtype error differently for requires_grad_(), the attribute
        # and the factories (``torch.ones(..., requires_grad=True)``); callers pass theirs.
        if self._grad_fn is not None:
            if not flag:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach().")
            return self
        if flag and self._data.dtype.kind != "f":
            raise RuntimeError(dtype_message)
        self._rg = bool(flag)
        return self

    @property
    def grad(self) -> Tensor | None:
        if self._grad_fn is not None and not self._retains:
            warnings.warn(NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a "
                    f"tensor of size '{list(self._data.shape)}'. Please ensure that the gradient "
                    "and the tensor are the same size")
        self._grad = value

    @property
    def data(self) -> Tensor:
        """The same storage, detached from the graph, with its own version counter."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data

    @property
    def _version(self) -> int:
        return self._counter()[0]

    def _counter(self) -> list:
        if self._vc is None:
            self._vc = [0]
        return self._vc

    def _bump_version(self) -> None:
        self._counter()[0] += 1

    @property
    def retains_grad(self) -> bool:
        return self._retains

    def retain_grad(self) -> None:
        """Keep ``.grad`` of this non-leaf tensor after backward."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is not None and not self._retains:
            self._retains = True
            import weakref

            self._grad_fn._retained = weakref.ref(self)

    def register_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; may replace it."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            self._grad_fn.register_prehook(hook)
            return RemovableHandle(self._grad_fn._pre_hooks, hook)
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return RemovableHandle(self._hooks, hook)

    def _edge(self) -> tuple:
        """The (node, index) through which gradients reach this tensor."""
        if self._grad_fn is not None:
            return (self._grad_fn, 0)
        if self._rg:
            if self._acc is None:
                self._acc = AccumulateGrad(self)
            return (self._acc, 0)
        return (None, 0)

    # -- conversion --------------------------------------------------------------------------
    def item(self) -> float | int | bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def numpy(self) -> np.ndarray:
        if self._rg:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._data if dtype is None else self._data.astype(dtype)

    def detach(self) -> Tensor:
        """Same storage and version counter, no history, does not require grad."""
        t = Tensor._wrap(self._data)
        t._vc = self._counter()
        return t

    def detach_(self) -> Tensor:
        self._grad_fn = None
        self._rg = False
        return self

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._data.reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return format(str(self), spec)

    __hash__ = object.__hash__

    # -- printing ----------------------------------------------------------------------------
    def __repr__(self) -> str:
        from .printing import format_tensor

        if self._grad_fn is not None:
            suffix = f"grad_fn=<{self._grad_fn.name()}>"
        elif self._rg:
            suffix = "requires_grad=True"
        else:
            suffix = None
        return format_tensor(self._data, self.dtype.name, suffix)

    __str__ = __repr__

    # -- backward ----------------------------------------------------------------------------
    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``engine``)."""
        from .engine import backward

        backward(self, gradient, retain_graph=retain_graph, inputs=inputs)


_new = object.__new__


def wrap_dim(dim: int, ndim: int) -> int:
    """A dimension index made non-negative, with PyTorch's IndexError when out of range."""
    low, high = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not low <= dim <= high:
        raise IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], "
                         f"but got {dim})")
    return dim % max(ndim, 1)


def _plain(data: Any) -> Any:
    """Nested lists of tensors/numbers as plain Python numbers for numpy."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_plain(d) for d in data]
    return data


def needs_grad(*tensors: Any) -> bool:
    """Whether an op on these operands must be recorded."""
    if not GRAD_MODE.enabled:
        return False
    return any(isinstance(t, Tensor) and t._rg for t in tensors)


def edge_of(value: Any) -> tuple:
    """next_functions entry for an operand: a tensor's edge, or (None, 0) for a number."""
    if isinstance(value, Tensor):
        return value._edge()
    return (None, 0)
