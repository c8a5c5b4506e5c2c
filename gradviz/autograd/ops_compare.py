"""Comparisons (never differentiable): eq ne lt le gt ge, allclose, equal, isnan, isinf."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .common import apply_binary, operands
from .registry import register
from .tensor import Tensor


def _comparison(name: str, ufunc: Callable, doc: str) -> Callable:
    def op(self: Tensor, other: Any) -> Tensor:
        a, b, _ = operands(self, other)
        return Tensor._wrap(apply_binary(ufunc, a, b, np.dtype(np.bool_)))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    register(name, "comparison", ("self", "other"), scalar_inputs=("other",),
             differentiable=False)(op)
    return op


eq = _comparison("eq", np.equal, "self == other, elementwise")
ne = _comparison("ne", np.not_equal, "self != other, elementwise")
lt = _comparison("lt", np.less, "self < other, elementwise")
le = _comparison("le", np.less_equal, "self <= other, elementwise")
gt = _comparison("gt", np.greater, "self > other, elementwise")
ge = _comparison("ge", np.greater_equal, "self >= other, elementwise")


def allclose(self: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """True when every |self - other| <= atol + rtol * |other|"""
    return bool(np.allclose(self._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(self: Tensor, other: Tensor) -> bool:
    """True when both have the same shape and elements"""
    return self._data.shape == other._data.shape and bool(np.all(self._data == other._data))


def isnan(self: Tensor) -> Tensor:
    return Tensor._wrap(np.isnan(self._data))


def isinf(self: Tensor) -> Tensor:
    return Tensor._wrap(np.isinf(self._data))


def isfinite(self: Tensor) -> Tensor:
    return Tensor._wrap(np.isfinite(self._data))
