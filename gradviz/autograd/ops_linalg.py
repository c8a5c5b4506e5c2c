"""Matrix products: ``@``/matmul dispatching to dot, mv, mm and bmm like PyTorch does."""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import needs, result
from .grad_mode import GRAD_MODE
from .node import node_class
from .ops_shape import _squeeze_dims, expand, reshape, unsqueeze
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
    """matrix product with PyTorch's rules for 1-D and batched operands (``@``)"""
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
    if da >= 3 and db <= 2:
        lead = self._data.shape[:-1]
        flat = reshape(self, -1, self._data.shape[-1])
        if db == 1:
            return _unsafe_view(mv(flat, other), lead)
        return _unsafe_view(mm(flat, other), lead + (other._data.shape[-1],))
    return _batched(self, other)


def _batched(a: Tensor, b: Tensor) -> Tensor:
    a2 = unsqueeze(a, 0) if a._data.ndim == 1 else a
    b2 = unsqueeze(b, -1) if b._data.ndim == 1 else b
    (n, k), (k2, m) = a2._data.shape[-2:], b2._data.shape[-2:]
    if k != k2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[*, {k}] but got: [*, {k2}].")
    try:
        batch = np.broadcast_shapes(a2._data.shape[:-2], b2._data.shape[:-2])
    except ValueError:
        from .common import broadcast_message

        raise RuntimeError(broadcast_message(a2._data.shape[:-2], b2._data.shape[:-2])) from None
    count = int(np.prod(batch, dtype=np.int64))
    left = reshape(expand(a2, batch + (n, k)), count, n, k)
    right = reshape(expand(b2, batch + (k, m)), count, k, m)
    out_shape = batch + ((n,) if a._data.ndim > 1 else ()) + ((m,) if b._data.ndim > 1 else ())
    return _unsafe_view(bmm(left, right), out_shape)
