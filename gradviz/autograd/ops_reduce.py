"""Reductions: sum mean max min norm var (with dim/keepdim) and argmax argmin all any."""

from __future__ import annotations

import math
import warnings
from collections import namedtuple
from typing import Any

import numpy as np

from . import dtypes, float_reduce
from .common import normalize_dims, result
from .grad_mode import GRAD_MODE
from .node import node_class
from .registry import AttrSpec, register
from .tensor import Tensor

_DIM = AttrSpec("dim", "dims")
_KEEPDIM = AttrSpec("keepdim", "bool", False)

def _return_type(name: str) -> type:
    """``torch.return_types.<name>``: a (values, indices) pair printed as PyTorch does."""

    def __repr__(self: Any) -> str:  # noqa: N807 - becomes the class's __repr__
        return f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    return type(name, (namedtuple(name, ["values", "indices"]),),
                {"__slots__": (), "__repr__": __repr__})


# ``x.max(dim)`` returns values and indices, as ``torch.return_types.max`` does.
MaxResult = _return_type("max")
MinResult = _return_type("min")


def _recording(t: Tensor) -> bool:
    return GRAD_MODE.enabled and t._rg


def _expand_back(grad: np.ndarray, shape: tuple, axes: tuple, keepdim: bool) -> np.ndarray:
    """Broadcast a reduced gradient back over the reduced axes of ``shape``."""
    if not keepdim and axes:
        grad = np.expand_dims(grad, axes)
    return np.broadcast_to(grad, shape)


def _reduced_backward(scale: bool) -> Any:
    def backward(self: Any, grad: np.ndarray) -> tuple:
        shape, axes, keepdim, count = self.ctx
        g = _expand_back(grad, shape, axes, keepdim)
        return ((g / count).astype(grad.dtype, copy=False) if scale else g,)

    return backward


SumBackward0 = node_class("SumBackward0", ("self",), {"self": "grad.expand(self.sizes())"},
                          _reduced_backward(False))
SumBackward1 = node_class("SumBackward1", ("self",),
                          {"self": "grad (unsqueezed at dim) expanded to self's shape"},
                          _reduced_backward(False))
MeanBackward0 = node_class("MeanBackward0", ("self",),
                           {"self": "grad.expand(self.sizes()) / self.numel()"},
                           _reduced_backward(True))
MeanBackward1 = node_class("MeanBackward1", ("self",),
                           {"self": "grad expanded to self's shape / (elements reduced)"},
                           _reduced_backward(True))


def _reduce(self: Tensor, dim: Any, keepdim: bool, forward: Any, whole: type, by_dim: type,
            scale: bool, out_dtype: np.dtype | None = None) -> Tensor:
    shape = self._data.shape
    axes = normalize_dims(dim, self._data.ndim)
    out = np.asarray(forward(self._data, axis=axes, keepdims=keepdim, dtype=out_dtype))
    cls = whole if dim is None else by_dim
    t, node = result(out, cls if _recording(self) else None, (self,))
    if node is not None:
        count = int(np.prod([shape[a] for a in axes], dtype=np.int64)) if axes else 1
        node.ctx = (shape, axes, keepdim, count)
        node._saved["self_sym_sizes"] = shape
        if dim is not None:
            node._saved["dim"] = _raw_dims(dim)
            node._saved["keepdim"] = keepdim
        if scale:
            node._saved["self_sym_numel"] = self._data.size
    return t


def _torch_sum(a: np.ndarray, axis: tuple[int, ...], keepdims: bool,
               dtype: np.dtype | None = None) -> np.ndarray:
    """``np.sum``, but floats are added in PyTorch's order so that the last bit agrees."""
    if dtype is not None:
        a = a.astype(dtype, copy=False)
    if not float_reduce.handles(a.dtype) or a.size == 0:
        return np.sum(a, axis=axis, keepdims=keepdims)
    return float_reduce.reduce(a, axis, keepdims, float_reduce.sum_kernel)


def _torch_mean(a: np.ndarray, axis: tuple[int, ...], keepdims: bool,
                dtype: np.dtype | None = None) -> np.ndarray:
    """PyTorch's mean on the CPU: its sum divided by the count, in the tensor's dtype."""
    if not float_reduce.handles(a.dtype) or a.size == 0:
        return np.mean(a, axis=axis, keepdims=keepdims, dtype=dtype)
    count = math.prod(a.shape[d] for d in axis)
    return _torch_sum(a, axis, keepdims) / a.dtype.type(count)


@register("sum", "reduction", attrs=(_DIM, _KEEPDIM), grad_fns=("SumBackward0", "SumBackward1"))
def sum(self: Tensor, dim: Any = None, keepdim: bool = False, *,  # noqa: A001
        dtype: Any = None) -> Tensor:
    """sum of elements (over ``dim`` if given)"""
    kind = self._data.dtype.kind
    want = dtypes.as_dtype(dtype).numpy if dtype is not None else (
        np.dtype(np.int64) if kind in "biu" else None)
    return _reduce(self, dim, keepdim, _torch_sum, SumBackward0, SumBackward1, False, want)


@register("mean", "reduction", attrs=(_DIM, _KEEPDIM),
          grad_fns=("MeanBackward0", "MeanBackward1"))
def mean(self: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """average of elements (over ``dim`` if given)"""
    if self._data.dtype.kind != "f":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_type_word(self)}")
    return _reduce(self, dim, keepdim, _torch_mean, MeanBackward0, MeanBackward1, True)


def _raw_dims(dim: Any) -> tuple[int, ...]:
    """The dims as the caller gave them, which is what PyTorch's ``_saved_dim`` shows."""
    return tuple(int(d) for d in dim) if isinstance(dim, (list, tuple)) else (int(dim),)


def _type_word(t: Tensor) -> str:
    return t.dtype._tensor_type.removesuffix("Tensor")


# -- max / min ----------------------------------------------------------------------------
def _even_backward(self: Any, grad: np.ndarray) -> tuple:
    x, r = self.saved("self"), self.saved("result")
    mask = x == r
    return ((mask * (grad / mask.sum())).astype(grad.dtype, copy=False),)


def _index_backward(self: Any, grad: np.ndarray) -> tuple:
    shape, axis, keepdim = self.ctx
    idx = self.saved("indices")
    if axis is None:  # a 0-d input is its own max
        return (grad,)
    out = np.zeros(shape, dtype=grad.dtype)
    g = grad if keepdim else np.expand_dims(grad, axis)
    i = idx if keepdim else np.expand_dims(idx, axis)
    np.put_along_axis(out, i, g, axis=axis)
    return (out,)


MaxBackward1 = node_class("MaxBackward1", ("self",),
                          {"self": "grad shared evenly among the elements equal to the max"},
                          _even_backward)
MinBackward1 = node_class("MinBackward1", ("self",),
                          {"self": "grad shared evenly among the elements equal to the min"},
                          _even_backward)
MaxBackward0 = node_class("MaxBackward0", ("self",),
                          {"self": "grad placed at indices along dim, zero elsewhere"},
                          _index_backward)
MinBackward0 = node_class("MinBackward0", ("self",),
                          {"self": "grad placed at indices along dim, zero elsewhere"},
                          _index_backward)


def _extreme(self: Tensor, dim: Any, keepdim: bool, which: str) -> Any:
    if isinstance(dim, Tensor):  # torch.max(x, y) is the elementwise maximum
        from .ops_elementwise import maximum, minimum

        return (maximum if which == "max" else minimum)(self, dim)
    data = self._data
    if data.size == 0 and dim is None:
        raise RuntimeError(f"{which}(): Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")
    whole, by_dim = (MaxBackward1, MaxBackward0) if which == "max" else \
        (MinBackward1, MinBackward0)
    if dim is None:
        out = np.asarray(data.max() if which == "max" else data.min())
        t, node = result(out, whole if _recording(self) else None, (self,))
        if node is not None:
            node.save_tensor("self", self)
            node.save_tensor("result", t, is_output=True)
        return t
    axes = normalize_dims(int(dim), data.ndim)
    if not axes:  # 0-d: the element itself, at index 0
        axis = None
        values, idx = data.copy(), np.zeros((), dtype=np.int64)
    else:
        (axis,) = axes
        if data.shape[axis] == 0:
            raise IndexError(f"{which}(): Expected reduction dim {axis} to have non-zero size.")
        arg = np.argmax if which == "max" else np.argmin
        idx = np.expand_dims(arg(data, axis=axis), axis)
        values = np.take_along_axis(data, idx, axis=axis)
        if not keepdim:
            values, idx = values.squeeze(axis), idx.squeeze(axis)
    t, node = result(values, by_dim if _recording(self) else None, (self,))
    indices = Tensor._wrap(np.asarray(idx, dtype=np.int64))
    if node is not None:
        node.ctx = (data.shape, axis, keepdim)
        node.save_tensor("indices", indices)
        node._saved.update(dim=int(dim), keepdim=keepdim, self_sym_sizes=data.shape)
    return (MaxResult if which == "max" else MinResult)(t, indices)


_DIM1 = AttrSpec("dim", "int")


@register("max", "reduction", attrs=(_DIM1, _KEEPDIM), grad_fns=("MaxBackward1", "MaxBackward0"))
def max(self: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A001
    """largest element; with ``dim``, (values, indices) along it"""
    return _extreme(self, dim, keepdim, "max")


@register("min", "reduction", attrs=(_DIM1, _KEEPDIM), grad_fns=("MinBackward1", "MinBackward0"))
def min(self: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A001
    """smallest element; with ``dim``, (values, indices) along it"""
    return _extreme(self, dim, keepdim, "min")


# -- norm / var ---------------------------------------------------------------------------
def _norm_backward(self: Any, grad: np.ndarray) -> tuple:
    shape, axes, keepdim, p = self.ctx
    x, r = self.saved("self"), self.saved("result")
    g = _expand_back(grad, shape, axes, keepdim)
    r = _expand_back(r, shape, axes, keepdim)
    with np.errstate(divide="ignore", invalid="ignore"):
        if p == 2:
            local = np.where(r == 0, 0, x / r)
        elif p == 1:
            local = np.sign(x)
        elif np.isinf(p):
            mask = np.abs(x) == r
            count = _expand_back(mask.sum(axis=axes, keepdims=keepdim), shape, axes, keepdim)
            local = np.sign(x) * mask / count
        else:
            local = np.where(r == 0, 0, np.sign(x) * np.abs(x) ** (p - 1) / r ** (p - 1))
    return ((g * local).astype(grad.dtype, copy=False),)


def _norm2(x: np.ndarray, axes: tuple[int, ...], keepdim: bool) -> np.ndarray:
    """The 2-norm, rounded as PyTorch's kernel rounds it (its printed digits show the last bit)."""
    if float_reduce.handles(x.dtype) and x.size:
        return float_reduce.reduce(x, axes, keepdim, float_reduce.norm2_kernel)
    return np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdim))


LinalgVectorNormBackward0 = node_class(
    "LinalgVectorNormBackward0", ("self",),
    {"self": "grad * self / result (for p = 2)"}, _norm_backward)


@register("norm", "reduction", attrs=(AttrSpec("p", "number", 2), _DIM, _KEEPDIM),
          grad_fns=("LinalgVectorNormBackward0",))
def norm(self: Tensor, p: float = 2, dim: Any = None, keepdim: bool = False) -> Tensor:
    """vector p-norm of the elements (over ``dim`` if given)"""
    if self._data.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_type_word(self)}")
    p = 2 if p == "fro" else float(p) if isinstance(p, str) else p
    axes = normalize_dims(dim, self._data.ndim)
    a = np.abs(self._data)
    if p == 2:
        out = _norm2(self._data, axes, keepdim)
    elif p == 1:
        out = np.sum(a, axis=axes, keepdims=keepdim)
    elif np.isinf(p):
        out = (np.max if p > 0 else np.min)(a, axis=axes, keepdims=keepdim)
    else:
        out = np.sum(a ** p, axis=axes, keepdims=keepdim) ** (1 / p)
    out = np.asarray(out, dtype=self._data.dtype)
    t, node = result(out, LinalgVectorNormBackward0 if _recording(self) else None, (self,))
    if node is not None:
        node.ctx = (self._data.shape, axes, keepdim, p)
        node.save_tensor("self", self)
        node.save_tensor("result", t, is_output=True)
        node._saved.update(ord=p, dim=None if dim is None else _raw_dims(dim), keepdim=keepdim)
    return t


def _var_backward(self: Any, grad: np.ndarray) -> tuple:
    shape, axes, keepdim, count = self.ctx
    x = self.saved("self")
    g = _expand_back(grad, shape, axes, keepdim)
    centred = x - x.mean(axis=axes, keepdims=True)
    return ((g * 2 * centred / count).astype(grad.dtype, copy=False),)


VarBackward0 = node_class("VarBackward0", ("self",),
                          {"self": "grad * 2 * (self - self.mean()) / (N - correction)"},
                          _var_backward)


@register("var", "reduction",
          attrs=(_DIM, AttrSpec("unbiased", "bool", True), _KEEPDIM),
          grad_fns=("VarBackward0",))
def var(self: Tensor, dim: Any = None, unbiased: bool = True, keepdim: bool = False, *,
        correction: int | None = None) -> Tensor:
    """variance (Bessel-corrected unless ``unbiased=False``)"""
    if self._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    # PyTorch records no correction for a bare ``var()``, whose default it leaves implicit.
    recorded = correction
    if correction is None:
        correction = 1 if unbiased else 0
        recorded = None if dim is None and unbiased else correction
    axes = normalize_dims(dim, self._data.ndim)
    count = int(np.prod([self._data.shape[a] for a in axes], dtype=np.int64))
    if count - correction <= 0:
        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=2)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = np.asarray(np.var(self._data, axis=axes, keepdims=keepdim, ddof=correction),
                         dtype=self._data.dtype)
    t, node = result(out, VarBackward0 if _recording(self) else None, (self,))
    if node is not None:
        node.ctx = (self._data.shape, axes, keepdim, count - correction)
        node.save_tensor("self", self)
        node._saved.update(correction=recorded, dim=None if dim is None else _raw_dims(dim),
                           keepdim=keepdim)
    return t


# -- non-differentiable -------------------------------------------------------------------
def _index_of(self: Tensor, dim: Any, keepdim: bool, arg: Any) -> Tensor:
    if dim is None:
        return Tensor._wrap(np.asarray(arg(self._data), dtype=np.int64))
    (axis,) = normalize_dims(int(dim), self._data.ndim)
    return Tensor._wrap(np.asarray(arg(self._data, axis=axis, keepdims=keepdim), dtype=np.int64))


@register("argmax", "reduction", attrs=(_DIM1, _KEEPDIM), differentiable=False)
def argmax(self: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """index of the largest element (along ``dim`` if given)"""
    return _index_of(self, dim, keepdim, np.argmax)


@register("argmin", "reduction", attrs=(_DIM1, _KEEPDIM), differentiable=False)
def argmin(self: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """index of the smallest element (along ``dim`` if given)"""
    return _index_of(self, dim, keepdim, np.argmin)


@register("all", "reduction", attrs=(_DIM1, _KEEPDIM), differentiable=False)
def all(self: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element is non-zero"""
    axes = None if dim is None else normalize_dims(int(dim), self._data.ndim)
    return Tensor._wrap(np.asarray(np.all(self._data, axis=axes, keepdims=keepdim)))


@register("any", "reduction", attrs=(_DIM1, _KEEPDIM), differentiable=False)
def any(self: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where some element is non-zero"""
    axes = None if dim is None else normalize_dims(int(dim), self._data.ndim)
    return Tensor._wrap(np.asarray(np.any(self._data, axis=axes, keepdims=keepdim)))
