"""Bind every op to the Tensor class: methods from the registry, operators, in-place forms."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops_arith as arith
from . import ops_compare as compare
from . import ops_elementwise as elementwise
from . import ops_linalg as linalg
from . import ops_shape as shape
from .common import as_tensor, is_number
from .dtypes import bool_, float32, float64, int32, int64
from .ops_inplace import INPLACE_METHODS
from .registry import bind_methods
from .tensor import Tensor


def _reversed_matmul(self: Tensor, other: Any) -> Tensor:
    return linalg.matmul(as_tensor(other), self)


def _compare(op: Any) -> Any:
    def method(self: Tensor, other: Any) -> Any:
        if not isinstance(other, Tensor) and not is_number(other):
            return NotImplemented
        return op(self, other)

    method.__name__ = op.__name__
    return method


def _invert(self: Tensor) -> Tensor:
    if self._data.dtype != np.bool_ and self._data.dtype.kind not in "iu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return Tensor._wrap(~self._data)


def _converter(dtype: Any) -> Any:
    def method(self: Tensor) -> Tensor:
        return shape.to(self, dtype)

    return method


def _type_as(self: Tensor, other: Tensor) -> Tensor:
    return shape.to(self, other.dtype)


def _positive(self: Tensor) -> Tensor:
    return self


OPERATORS = {
    "__add__": arith.add, "__radd__": arith.add,
    "__sub__": arith.sub, "__rsub__": arith.rsub,
    "__mul__": arith.mul, "__rmul__": arith.mul,
    "__truediv__": arith.div, "__rtruediv__": arith.rdiv,
    "__pow__": arith.pow, "__rpow__": lambda self, base: arith.pow(base, self),
    "__matmul__": linalg.matmul, "__rmatmul__": _reversed_matmul,
    "__neg__": arith.neg, "__pos__": _positive, "__abs__": elementwise.abs,
    "__eq__": _compare(compare.eq), "__ne__": _compare(compare.ne),
    "__lt__": _compare(compare.lt), "__le__": _compare(compare.le),
    "__gt__": _compare(compare.gt), "__ge__": _compare(compare.ge),
    "__invert__": _invert,
}

EXTRA_METHODS = {
    "mv": linalg.mv, "dot": linalg.dot, "bmm": linalg.bmm, "contiguous": shape.contiguous,
    "allclose": compare.allclose, "equal": compare.equal, "isnan": compare.isnan,
    "isinf": compare.isinf, "isfinite": compare.isfinite, "type_as": _type_as,
    "float": _converter(float32), "double": _converter(float64), "long": _converter(int64),
    "int": _converter(int32), "bool": _converter(bool_),
}


def install() -> None:
    """Attach operators, registry methods, extra methods and in-place forms to Tensor."""
    for name, fn in {**OPERATORS, **EXTRA_METHODS, **INPLACE_METHODS}.items():
        setattr(Tensor, name, fn)
    Tensor.T = property(shape._T)
    Tensor.mT = property(lambda self: shape.transpose(self, -2, -1))
    bind_methods(Tensor)
