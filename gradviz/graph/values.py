"""Tensor node values: explicit arrays or creation rules (``ones(2, 2)``, ``randn(3, seed=0)``).

A rule is kept as a rule (so the file says ``randn(3, seed=0)``, not nine digits per
element) and materialised on evaluation; both forms are validated against the declared
dtype and a size limit before anything is allocated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

DTYPES = ("float32", "float64", "int64", "bool")
RULES = ("values", "zeros", "ones", "full", "rand", "randn", "arange", "linspace", "eye")
MAX_ELEMENTS = 50_000_000  # 200 MB of float32: beyond this a value is refused, not allocated


class ValueSpecError(ValueError):
    """A value or rule that does not fit (shape, dtype, size, unknown rule)."""


@dataclass
class ValueSpec:
    """How a tensor node gets its value: ``rule`` with its parameters, or explicit ``data``."""

    rule: str = "values"
    shape: tuple[int, ...] = ()
    data: np.ndarray | None = None
    fill: float = 0.0
    seed: int = 0
    start: float = 0.0
    end: float = 0.0
    step: float = 1.0

    def describe(self) -> str:
        """A short human-readable form: ``ones(2, 2)``, ``randn(3, seed=0)``, ``values``."""
        dims = ", ".join(str(s) for s in self.shape)
        if self.rule == "values":
            return f"values{list(self.shape)}"
        if self.rule in ("rand", "randn"):
            return f"{self.rule}({dims}, seed={self.seed})"
        if self.rule == "full":
            return f"full(({dims}), {self.fill:g})"
        if self.rule == "arange":
            return f"arange({self.start:g}, {self.end:g}, {self.step:g})"
        if self.rule == "linspace":
            return f"linspace({self.start:g}, {self.end:g}, {self.shape[0]})"
        return f"{self.rule}({dims})"


def check_shape(shape: Any, where: str = "shape") -> tuple[int, ...]:
    """A validated shape: non-negative ints, at most 8 dims, at most MAX_ELEMENTS elements."""
    if not isinstance(shape, (list, tuple)):
        raise ValueSpecError(f"{where} must be a list of sizes, not {type(shape).__name__}")
    if len(shape) > 8:
        raise ValueSpecError(f"{where} has {len(shape)} dimensions; at most 8 are allowed")
    dims = []
    for i, s in enumerate(shape):
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise ValueSpecError(f"{where}[{i}] must be an integer, not {s!r}")
        if s < 0:
            raise ValueSpecError(f"{where}[{i}] is negative ({s})")
        dims.append(int(s))
    total = 1
    for s in dims:
        total *= s
    if total > MAX_ELEMENTS:
        raise ValueSpecError(f"{where} {dims} has {total:,} elements; the limit is "
                             f"{MAX_ELEMENTS:,}")
    return tuple(dims)


def check_dtype(dtype: Any) -> str:
    if dtype not in DTYPES:
        raise ValueSpecError(f"unknown dtype {dtype!r} (expected one of {', '.join(DTYPES)})")
    return dtype


def coerce_data(data: Any, dtype: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """``data`` as an array of ``dtype``, refusing values that the dtype cannot hold."""
    try:
        array = np.array(data, dtype=np.float64 if dtype != "bool" else None)
    except (ValueError, TypeError) as exc:
        raise ValueSpecError(f"values are not a rectangular array of numbers ({exc})") from None
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise ValueSpecError("values must be numbers")
    check_shape(array.shape, "values")
    if shape is not None and array.shape != tuple(shape):
        raise ValueSpecError(f"values have shape {list(array.shape)} but the tensor's shape is "
                             f"{list(shape)}")
    if dtype == "int64":
        return _int64(data, array)
    if dtype == "bool" and array.dtype != np.bool_ and np.any((array != 0) & (array != 1)):
        raise ValueSpecError("bool values must be 0/1 or true/false")
    if dtype in ("float32", "float16"):
        finite = array[np.isfinite(array)]
        limit = float(np.finfo(dtype).max)
        if finite.size and float(np.max(np.abs(finite))) > limit:
            raise ValueSpecError(f"values beyond the range of {dtype} (largest {limit:.6g})")
    return array.astype(dtype)


def _int64(data: Any, approximate: np.ndarray) -> np.ndarray:
    """Whole numbers within int64, taken exactly (a float64 detour would round big ones)."""
    if not np.all(np.isfinite(approximate)) or np.any(approximate != np.round(approximate)):
        raise ValueSpecError("int64 values must be whole numbers")
    if approximate.size and float(np.max(np.abs(approximate))) > 2.0**63:
        raise ValueSpecError("int64 values must lie between -2**63 and 2**63 - 1")
    try:
        exact = np.array(data, dtype=np.int64)
    except (OverflowError, ValueError, TypeError):
        raise ValueSpecError("int64 values must lie between -2**63 and 2**63 - 1") from None
    return exact.reshape(approximate.shape)


def materialize(spec: ValueSpec, dtype: str) -> np.ndarray:
    """The array a spec stands for (random rules are reproducible through their seed)."""
    rule, shape = spec.rule, spec.shape
    if rule == "values":
        if spec.data is None:
            raise ValueSpecError("no values given")
        return spec.data.astype(dtype, copy=True)
    if rule == "zeros":
        return np.zeros(shape, dtype=dtype)
    if rule == "ones":
        return np.ones(shape, dtype=dtype)
    if rule == "full":
        return np.full(shape, spec.fill).astype(dtype)
    if rule in ("rand", "randn"):
        rng = np.random.default_rng(spec.seed)
        sample = rng.random(shape) if rule == "rand" else rng.standard_normal(shape)
        return sample.astype(dtype)
    if rule == "arange":
        return np.arange(spec.start, spec.end, spec.step).astype(dtype)
    if rule == "linspace":
        return np.linspace(spec.start, spec.end, shape[0]).astype(dtype)
    if rule == "eye":
        return np.eye(shape[0], shape[1] if len(shape) > 1 else None, dtype=dtype)
    raise ValueSpecError(f"unknown value rule {rule!r} (expected one of {', '.join(RULES)})")


def spec_shape(spec: ValueSpec) -> tuple[int, ...]:
    """The shape a spec produces, computed without allocating it."""
    if spec.rule == "values" and spec.data is not None:
        return tuple(spec.data.shape)
    if spec.rule == "arange":
        if spec.step == 0:
            raise ValueSpecError("arange step must be non-zero")
        count = max(0, int(np.ceil((spec.end - spec.start) / spec.step)))
        return check_shape((count,), "arange")
    return spec.shape


def values_spec(data: Any, dtype: str) -> ValueSpec:
    array = coerce_data(data, dtype)
    return ValueSpec(rule="values", shape=array.shape, data=array)
