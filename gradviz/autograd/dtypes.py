"""Tensor dtypes named and promoted the way PyTorch does it."""

from __future__ import annotations

import numpy as np


class DType:
    """A PyTorch-style dtype: prints as ``torch.float32`` and wraps a numpy dtype."""

    __slots__ = ("name", "numpy", "is_floating_point", "itemsize", "_category", "_tensor_type")

    def __init__(self, name: str, numpy_dtype: type, category: int, tensor_type: str) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.is_floating_point = category == FLOAT
        self.itemsize = self.numpy.itemsize
        self._category = category
        self._tensor_type = tensor_type

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name


BOOL, INT, FLOAT = 0, 1, 2

float32 = DType("float32", np.float32, FLOAT, "FloatTensor")
float64 = DType("float64", np.float64, FLOAT, "DoubleTensor")
float16 = DType("float16", np.float16, FLOAT, "HalfTensor")
int64 = DType("int64", np.int64, INT, "LongTensor")
int32 = DType("int32", np.int32, INT, "IntTensor")
bool_ = DType("bool", np.bool_, BOOL, "BoolTensor")

ALL_DTYPES = (float32, float64, float16, int64, int32, bool_)
BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NUMPY = {d.numpy: d for d in ALL_DTYPES}
# Numpy dtypes without a gradviz counterpart are mapped to the nearest one.
_NUMPY_FALLBACK = {
    np.dtype(np.int8): int64, np.dtype(np.int16): int64, np.dtype(np.uint8): int64,
    np.dtype(np.uint16): int64, np.dtype(np.uint32): int64, np.dtype(np.uint64): int64,
}

DEFAULT_FLOAT = float32


def from_numpy(dtype: np.dtype) -> DType:
    """The gradviz dtype of a numpy dtype (TypeError for dtypes gradviz cannot hold)."""
    found = _BY_NUMPY.get(dtype) or _NUMPY_FALLBACK.get(dtype)
    if found is None:
        raise TypeError(f"can't convert np.ndarray of type numpy.{dtype} to a gradviz tensor")
    return found


def as_dtype(dtype: DType | str | type | np.dtype | None) -> DType | None:
    """Accept ``gv.float32``, ``"float32"``, ``float``, ``np.float64``... and give a DType."""
    if dtype is None or isinstance(dtype, DType):
        return dtype
    if dtype is float:
        return float64
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    if isinstance(dtype, str):
        name = dtype.removeprefix("torch.")
        if name in BY_NAME:
            return BY_NAME[name]
        alias = {"float": float32, "double": float64, "long": int64, "int": int32,
                 "half": float16}
        if name in alias:
            return alias[name]
        raise TypeError(f"unknown dtype '{dtype}'")
    return from_numpy(np.dtype(dtype))


def promote(a: DType, b: DType) -> DType:
    """The dtype two tensors of the same priority give: the wider of the higher category."""
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    return a if a.itemsize >= b.itemsize else b


def scalar_category(value: object) -> int:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        return INT
    return FLOAT


def category_default(category: int) -> DType:
    return (bool_, int64, DEFAULT_FLOAT)[category]


def result_type(tensors: list[DType], zero_dim: list[DType], scalars: list[object]) -> DType:
    """PyTorch's type promotion: dimensioned tensors outrank 0-d tensors, which outrank
    Python scalars, unless a lower-priority operand brings a higher category."""
    dims = None
    for d in tensors:
        dims = d if dims is None else promote(dims, d)
    zeros = None
    for d in zero_dim:
        zeros = d if zeros is None else promote(zeros, d)
    category = max((scalar_category(s) for s in scalars), default=-1)
    result = dims
    if zeros is not None and (result is None or zeros._category > result._category):
        result = zeros
    if category > (-1 if result is None else result._category):
        result = category_default(category)
    return result
