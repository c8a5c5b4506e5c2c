"""Helpers every op module shares: operand promotion, broadcasting errors, results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import dtypes
from .node import Node
from .tensor import Tensor, wrap_dim

Number = (int, float, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (*Number, np.number))


def operands(a: Any, b: Any) -> tuple[Any, Any, np.dtype]:
    """The arrays (or plain numbers) of two operands cast to PyTorch's result dtype."""
    if isinstance(b, Tensor):
        da, db = (a._data if isinstance(a, Tensor) else a), b._data
    else:
        if not is_number(b):
            raise TypeError(f"unsupported operand type: '{type(b).__name__}'")
        da, db = a._data, b
        if da.dtype.kind == "f" and not isinstance(b, bool) and type(b) in (float, int):
            return da, db, da.dtype
    if isinstance(da, np.ndarray) and isinstance(db, np.ndarray) and da.dtype == db.dtype:
        return da, db, da.dtype
    want = _result_dtype(a, b).numpy
    if isinstance(da, np.ndarray) and da.dtype != want:
        da = da.astype(want)
    if isinstance(db, np.ndarray) and db.dtype != want:
        db = db.astype(want)
    return da, db, want


def _result_dtype(*values: Any) -> dtypes.DType:
    dims, zero, scalars = [], [], []
    for v in values:
        if isinstance(v, Tensor):
            (dims if v._data.ndim else zero).append(v.dtype)
        else:
            scalars.append(v.item() if isinstance(v, np.generic) else v)
    return dtypes.result_type(dims, zero, scalars)


def broadcast_message(shape_a: tuple, shape_b: tuple) -> str:
    """PyTorch's message for shapes that do not broadcast."""
    ndim = max(len(shape_a), len(shape_b))
    for offset in range(1, ndim + 1):
        sa = shape_a[-offset] if offset <= len(shape_a) else 1
        sb = shape_b[-offset] if offset <= len(shape_b) else 1
        if sa != sb and sa != 1 and sb != 1:
            return (f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) "
                    f"at non-singleton dimension {ndim - offset}")
    return f"shapes {list(shape_a)} and {list(shape_b)} cannot be broadcast"


def shape_of(value: Any) -> tuple:
    return np.shape(value._data if isinstance(value, Tensor) else value)


def apply_binary(ufunc: Callable, a: Any, b: Any, want: np.dtype) -> np.ndarray:
    """``ufunc(a, b)`` with PyTorch's broadcasting error and result dtype."""
    try:
        out = ufunc(a, b)
    except ValueError:
        raise RuntimeError(broadcast_message(np.shape(a), np.shape(b))) from None
    if not isinstance(out, np.ndarray):
        out = np.asarray(out, dtype=want)
    elif out.dtype != want:
        out = out.astype(want)
    return out


def reduce_to(grad: np.ndarray, shape: tuple, dtype: np.dtype | None = None) -> np.ndarray:
    """Sum a broadcast gradient back to an input's shape (and dtype)."""
    if grad.shape != shape:
        lead = grad.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            i + lead for i, s in enumerate(shape) if s == 1 and grad.shape[i + lead] != 1)
        grad = grad.sum(axis=axes, keepdims=True).reshape(shape) if axes else \
            grad.reshape(shape)
    if dtype is not None and grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def float_dtype(t: Tensor) -> np.dtype:
    """The dtype a float-valued function of ``t`` gives (ints promote to float32)."""
    kind = t._data.dtype.kind
    return t._data.dtype if kind == "f" else dtypes.DEFAULT_FLOAT.numpy


def normalize_dims(dim: Any, ndim: int) -> tuple[int, ...]:
    """``dim`` as a sorted tuple of numpy axes (None or () means all axes).

    A 0-d tensor accepts dim 0 or -1 as PyTorch does, and has no axis to reduce.
    """
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        if not dim:
            return tuple(range(ndim))
        axes = [wrap_dim(int(d), ndim) for d in dim]
        seen = set()
        for axis in axes:
            if axis in seen:
                raise RuntimeError(f"dim {axis} appears multiple times in the list of dims")
            seen.add(axis)
        return tuple(sorted(axes)) if ndim else ()
    axis = wrap_dim(int(dim), ndim)
    return (axis,) if ndim else ()


def result(data: np.ndarray, node_cls: type[Node] | None,
           inputs: tuple) -> tuple[Tensor, Node | None]:
    """Wrap ``data``; when recording, create ``node_cls`` with edges to ``inputs``."""
    if type(data) is not np.ndarray:  # numpy gives scalars for 0-d results
        data = np.asarray(data)
    if node_cls is None:
        return Tensor._wrap(data), None
    node = node_cls(tuple(i._edge() if isinstance(i, Tensor) else (None, 0) for i in inputs))
    return Tensor._wrap(data, node), node


def needs(node: Node, index: int) -> bool:
    """Whether input ``index`` of ``node`` wants a gradient."""
    return node.next_functions[index][0] is not None


def as_tensor(value: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value
    from .creation import tensor

    return tensor(value)
