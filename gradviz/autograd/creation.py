"""Creating tensors: ``tensor``, ``ones``, ``randn``, ``arange``... and the random seed."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes
from .dtypes import DType
from .tensor import Tensor, _plain
from .torch_random import Generator

# Seeded from the OS at import, like torch's default CPU generator.
_generator = Generator()


def manual_seed(seed: int) -> None:
    """Seed ``rand``/``randn`` so they draw exactly what PyTorch draws after
    ``torch.manual_seed(seed)``."""
    _generator.manual_seed(seed)


def initial_seed() -> int:
    """The seed of the default generator (from the OS until ``manual_seed``)."""
    return _generator.initial_seed()


def seed() -> int:
    """Reseed the default generator from the OS; returns the new seed."""
    return _generator.seed()


def _finish(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(data)
    if requires_grad:
        t._set_requires_grad(True, "Only Tensors of floating point and complex dtype can "
                                   "require gradients")
    return t


def _infer_dtype(data: Any, array: np.ndarray) -> np.dtype:
    """PyTorch's inference: Python floats give float32, ints int64, numpy keeps its own."""
    if isinstance(data, np.ndarray | np.generic):
        return dtypes.from_numpy(array.dtype).numpy
    kind = array.dtype.kind
    if kind == "b":
        return np.dtype(np.bool_)
    if kind in "iu":
        return np.dtype(np.int64)
    return dtypes.DEFAULT_FLOAT.numpy


def tensor(data: Any, dtype: DType | None = None, requires_grad: bool = False,
           device: Any = None) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays, tensors)."""
    want = dtypes.as_dtype(dtype)
    if isinstance(data, Tensor):
        array = data._data.copy() if want is None else data._data.astype(want.numpy)
        return _finish(array, requires_grad)
    try:
        array = np.array(_plain(data))
    except ValueError:
        _check_nesting(data)
        raise
    if array.dtype == object or array.dtype.kind in "USV":
        _check_nesting(data)
        leaf = _first_leaf(data)
        if isinstance(leaf, str):
            raise TypeError(f"new(): invalid data type '{type(leaf).__name__}'")
        raise RuntimeError(f"Could not infer dtype of {type(leaf).__name__}")
    target = want.numpy if want is not None else _infer_dtype(data, array)
    return _finish(array.astype(target, copy=array.dtype != target), requires_grad)


def _first_leaf(data: Any) -> Any:
    """The first element that is not a list, tuple or array (PyTorch's type check looks at
    every element; the first odd one is the one its message names)."""
    if isinstance(data, (list, tuple)):
        for item in data:
            leaf = _first_leaf(item)
            if not isinstance(leaf, (int, float, bool, np.number, np.bool_, Tensor)):
                return leaf
        return data[0] if data else data
    return data


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray)) or (
        isinstance(value, Tensor) and value._data.ndim > 0)


def _check_nesting(data: Any) -> None:
    """PyTorch's errors for ragged nested lists: sizes come from the first element at each
    depth, and every other sequence must match them."""
    sizes = []
    probe = data
    while _is_sequence(probe) and not isinstance(probe, str):
        sizes.append(len(probe))
        if not len(probe):
            break
        probe = probe[0]
    if isinstance(probe, str) and sizes:
        raise ValueError(f"too many dimensions '{type(probe).__name__}'")

    def walk(value: Any, dim: int) -> None:
        if dim == len(sizes):
            if _is_sequence(value):
                raise TypeError("'list' object cannot be interpreted as an integer")
            return
        if not _is_sequence(value):
            raise TypeError("not a sequence")
        if len(value) != sizes[dim]:
            raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} "
                             f"(got {len(value)})")
        for item in value:
            walk(item, dim + 1)

    walk(data, 0)


def as_tensor(data: Any, dtype: DType | None = None) -> Tensor:
    """``data`` itself if it is already a tensor of that dtype, else ``tensor(data)``."""
    if isinstance(data, Tensor) and (dtype is None or dtypes.as_dtype(dtype) is data.dtype):
        return data
    return tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array``."""
    dtypes.from_numpy(array.dtype)
    return Tensor._wrap(array)


def _size(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = tuple(int(s) for s in size)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: "
                           f"{list(shape)}")
    return shape


def _dtype_or_default(dtype: Any) -> np.dtype:
    return (dtypes.as_dtype(dtype) or dtypes.DEFAULT_FLOAT).numpy


def full(size: Any, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False,
         device: Any = None) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``."""
    if dtype is None:
        dtype = dtypes.category_default(dtypes.scalar_category(fill_value))
    return _finish(np.full(_size((size,)), fill_value, dtype=_dtype_or_default(dtype)),
                   requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    return _finish(np.ones(_size(size), dtype=_dtype_or_default(dtype)), requires_grad)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    return _finish(np.zeros(_size(size), dtype=_dtype_or_default(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False,
          device: Any = None) -> Tensor:
    return _finish(np.zeros(_size(size), dtype=_dtype_or_default(dtype)), requires_grad)


def _like(other: Tensor, dtype: Any) -> np.dtype:
    return (dtypes.as_dtype(dtype) or other.dtype).numpy


def ones_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return _finish(np.ones(input._data.shape, dtype=_like(input, dtype)), requires_grad)


def zeros_like(input: Tensor, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    return _finish(np.zeros(input._data.shape, dtype=_like(input, dtype)), requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: Any = None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    return _finish(np.full(input._data.shape, fill_value, dtype=_like(input, dtype)),
                   requires_grad)


def _random_dtype(dtype: Any, kernel: str) -> np.dtype:
    """The floating dtype to draw; PyTorch has no uniform or normal kernel for others."""
    want = _dtype_or_default(dtype)
    if want.kind != "f":
        name = dtypes.from_numpy(want)._tensor_type.removesuffix("Tensor")  # ATen's "Long"
        raise NotImplementedError(f'"{kernel}" not implemented for {name!r}')
    return want


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False,
         generator: Any = None) -> Tensor:
    """Uniform samples in [0, 1), the values ``torch.rand`` draws."""
    want = _random_dtype(dtype, "check_uniform_bounds")
    return _finish(_generator.uniform(_size(size), want), requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False,
          generator: Any = None) -> Tensor:
    """Standard normal samples, the values ``torch.randn`` draws."""
    want = _random_dtype(dtype, "normal_kernel_cpu")
    return _finish(_generator.normal(_size(size), want), requires_grad)


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """``start, start + step, ...`` below ``end`` (ints give int64, floats float32)."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = all(isinstance(v, int) for v in (start, end, step))
        dtype = dtypes.int64 if is_int else dtypes.DEFAULT_FLOAT
    want = dtypes.as_dtype(dtype).numpy
    return _finish(np.arange(start, end, step, dtype=np.float64).astype(want), requires_grad)


def linspace(start: float, end: float, steps: int, *, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    return _finish(np.linspace(start, end, int(steps)).astype(_dtype_or_default(dtype)),
                   requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (n x m)."""
    return _finish(np.eye(n, m, dtype=_dtype_or_default(dtype)), requires_grad)
