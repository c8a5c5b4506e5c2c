"""Matrix products: ``@``/matmul dispatching to dot, mv, mm and bmm like PyTorch does."""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import broadcast_message, needs, result
from .grad_mode import GRAD_MODE
from .node import node_class
from .ops_shape import _squeeze_dims, expand, reshape, squeeze, unsqueeze
from .ops_shape import contiguous as _contiguous
from .ops_shape import t as _t
from .ops_shape import transpose as _transpose
from .registry import register
from .tensor import Tensor

_TYPE_WORD = {"float32": "float", "float64": "double", "int64": "long int", "bool": "bool"}


def _check_dtypes(a: Tensor, b: Tensor) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_TYPE_WORD.get(a.dtype.name, a.dtype.name)} != "
                           f"{_TYPE_WORD.get(b.dtype.name, b.dtype.name)}")


def _product(cls: type, a: Tensor, b: Tensor, data: np.ndarray, names: tuple[str, str]) -> Tensor:
    record = GRAD_MODE.enabled and (a._rg or b._rg)
    t, node = result(data, cls if record else None, (a, b))
    if node is not None:
        if needs(node, 1):
            node.save_tensor(names[0], a)
        if needs(node, 0):
            node.save_tensor(names[1], b)
        if cls is MmBackward0:  # PyTorch keeps the operands' layout too
            for name, x in zip(names, (a._data, b._data), strict=True):
                node._saved[f"{name}_sym_sizes"] = x.shape
                node._saved[f"{name}_sym_strides"] = tuple(s // x.itemsize for s in x.strides)
    return t


def _mm_backward(self: Any, grad: np.ndarray) -> tuple:
    ga = grad @ self.saved("mat2").T if needs(self, 0) else None
    gb = self.saved("self").T @ grad if needs(self, 1) else None
    return ga, gb


def _mv_backward(self: Any, grad: np.ndarray) -> tuple:
    ga = np.outer(grad, self.saved("vec")) if needs(self, 0) else None
    gb = self.saved("self").T @ grad if needs(self, 1) else None
    return ga, gb


def _dot_backward(self: Any, grad: np.ndarray) -> tuple:
    ga = grad * self.saved("tensor") if needs(self, 0) else None
    gb = grad * self.saved("self") if needs(self, 1) else None
    return ga, gb


def _bmm_backward(self: Any, grad: np.ndarray) -> tuple:
    ga = grad @ np.swapaxes(self.saved("mat2"), 1, 2) if needs(self, 0) else None
    gb = np.swapaxes(self.saved("self"), 1, 2) @ grad if needs(self, 1) else None
    return ga, gb


MmBackward0 = node_class("MmBackward0", ("self", "mat2"),
                         {"self": "grad @ mat2.t()", "mat2": "self.t() @ grad"}, _mm_backward)
MvBackward0 = node_class("MvBackward0", ("self", "vec"),
                         {"self": "grad.outer(vec)", "vec": "self.t() @ grad"}, _mv_backward)
DotBackward0 = node_class("DotBackward0", ("self", "tensor"),
                          {"self": "grad * tensor", "tensor": "grad * self"}, _dot_backward)
BmmBackward0 = node_class("BmmBackward0", ("self", "mat2"),
                          {"self": "grad @ mat2.transpose(1, 2)",
                           "mat2": "self.transpose(1, 2) @ grad"}, _bmm_backward)


@register("mm", "arithmetic", ("self", "mat2"), grad_fns=("MmBackward0",))
def mm(self: Tensor, mat2: Tensor) -> Tensor:
    """matrix product of two 2-D tensors"""
    a, b = self._data, mat2._data
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"{'self' if a.ndim != 2 else 'mat2'} must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]}"
                           f" and {b.shape[0]}x{b.shape[1]})")
    _check_dtypes(self, mat2)
    return _product(MmBackward0, self, mat2, a @ b, ("self", "mat2"))


def mv(self: Tensor, vec: Tensor) -> Tensor:
    """matrix-vector product"""
    a, v = self._data, vec._data
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat "
                           f"({a.shape[0]}x{a.shape[1]}), vec ({v.shape[0]})")
    _check_dtypes(self, vec)
    return _product(MvBackward0, self, vec, a @ v, ("self", "vec"))


def dot(self: Tensor, other: Tensor) -> Tensor:
    """inner product of two 1-D tensors"""
    a, b = self._data, other._data
    if a.shape != b.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    _check_dtypes(self, other)
    return _product(DotBackward0, self, other, np.asarray(a @ b), ("self", "tensor"))


def bmm(self: Tensor, mat2: Tensor) -> Tensor:
    """batched matrix product of two 3-D tensors"""
    a, b = self._data, mat2._data
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _check_dtypes(self, mat2)
    return _product(BmmBackward0, self, mat2, a @ b, ("self", "mat2"))


def _unsafe_view(t: Tensor, shape: tuple) -> Tensor:
    from .ops_shape import UnsafeViewBackward0

    out, node = result(t._data.reshape(shape),
                       UnsafeViewBackward0 if GRAD_MODE.enabled and t._rg else None, (t,))
    if node is not None:
        node.ctx = t._data.shape
        node._saved["self_sym_sizes"] = t._data.shape
    return out


@register("matmul", "arithmetic", ("self", "other"),
          grad_fns=("MmBackward0", "MvBackward0", "DotBackward0", "BmmBackward0"))
def matmul(self: Tensor, other: Tensor) -> Tensor:
    """matrix product with PyTorch's rules for 1-D and batched operands (``@``)

    The graph is the one PyTorch's ``matmul`` builds: dot, mv or mm for 1-D and 2-D
    operands; a batch folded into the rows of one mm or mv when the other operand has at
    most two dimensions; else expand, reshape and bmm.
    """
    if not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(other).__name__}")
    da, db = self._data.ndim, other._data.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{da}D and {db}D")
    if da == 1 and db == 1:
        return dot(self, other)
    if da == 2 and db == 1:
        return mv(self, other)
    if da == 1 and db == 2:
        return _squeeze_dims(mm(unsqueeze(self, 0), other), (0,))
    if da == 2 and db == 2:
        return mm(self, other)
    if _should_fold(self, other):
        return _folded(self, other)
    return _batched(self, other)


def _should_fold(a: Tensor, b: Tensor) -> bool:
    """PyTorch's test for running a batched product as one mm/mv on the folded batch."""
    da, db = a._data.ndim, b._data.ndim
    larger_first = da >= db
    big_dims, small_dims = (da, db) if larger_first else (db, da)
    if not (big_dims >= 3 and small_dims <= 2):
        return False
    if (b if larger_first else a)._rg:  # folding gives the small operand a small gradient
        return True
    if da == 2:  # folding would need a transposed copy of the result
        return False
    big = a._data if larger_first else np.swapaxes(b._data, -1, -2)
    if big.size == 0:
        return True
    shape, strides = big.shape, big.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(big_dims - 2))


def _folded(a: Tensor, b: Tensor) -> Tensor:
    transpose = b._data.ndim > a._data.ndim
    if transpose:  # a @ b == (b.mT @ a.mT).mT
        t1 = _transpose(b, -2, -1)
        t2 = _t(a) if a._data.ndim == 2 else a
    else:
        t1, t2 = a, b
    sizes = t1._data.shape
    output_shape = sizes[:-1]
    rows = int(np.prod(output_shape, dtype=np.int64))
    t1_folded = reshape(t1, rows, sizes[-1])
    if t2._data.ndim == 2:
        output = _unsafe_view(mm(t1_folded, t2), output_shape + (t2._data.shape[1],))
        return _contiguous(_transpose(output, -2, -1)) if transpose else output
    return _unsafe_view(mv(t1_folded, t2), output_shape)


def _batched(a: Tensor, b: Tensor) -> Tensor:
    da, db = a._data.ndim, b._data.ndim
    sa, sb = a._data.shape, b._data.shape
    n, m1 = (sa[-2] if da > 1 else 1), sa[-1]
    m2, p = (sb[-2], sb[-1]) if db > 1 else (sb[0], 1)
    batch1, batch2 = sa[:max(da - 2, 0)], sb[:max(db - 2, 0)]
    if da == 3 and db == 3 and batch1[0] != batch2[0]:
        # A batch of one that requires grad is squeezed, so the product folds.
        if batch1[0] == 1 and a._rg:
            return matmul(squeeze(a, 0), b)
        if batch2[0] == 1 and b._rg:
            return matmul(a, squeeze(b, 0))
    try:
        batch = tuple(np.broadcast_shapes(batch1, batch2))
    except ValueError:
        raise RuntimeError(broadcast_message(batch1, batch2)) from None
    count = int(np.prod(batch, dtype=np.int64))
    left = reshape(expand(a, batch + (n, m1)), count, n, m1)
    out_shape = batch + ((n,) if da > 1 else ()) + ((p,) if db > 1 else ())
    if db == 1:
        right = unsqueeze(reshape(expand(b, batch + (m2,)), count, m2), 2)
        return _unsafe_view(squeeze(bmm(left, right), -1), out_shape)
    right = reshape(expand(b, batch + (m2, p)), count, m2, p)
    return _unsafe_view(bmm(left, right), out_shape)
