"""Elementwise functions: exp log sqrt abs sin cos tanh sigmoid relu clamp maximum minimum."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .common import apply_binary, float_dtype, needs, operands, reduce_to, result
from .grad_mode import GRAD_MODE
from .node import node_class
from .registry import AttrSpec, register
from .tensor import Tensor


def _unary(name: str, grad_fn: str, forward: Callable[[np.ndarray], np.ndarray],
           rule: Callable[[np.ndarray, np.ndarray], np.ndarray], saves: str, formula: str,
           doc: str, keeps_ints: bool = False) -> Callable:
    """Define and register a one-input elementwise op whose backward is
    ``grad * rule(saved)``, where ``saved`` is the input (saves="self") or the output."""

    def backward(self: Any, grad: np.ndarray) -> tuple:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            g = rule(grad, self.saved(saves))
        return (g.astype(grad.dtype, copy=False),)

    cls = node_class(grad_fn, ("self",), {"self": formula}, backward)

    def op(self: Tensor) -> Tensor:
        data = self._data
        if not keeps_ints and data.dtype.kind != "f":
            data = data.astype(float_dtype(self))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = forward(data)
        record = GRAD_MODE.enabled and self._rg
        t, node = result(out, cls if record else None, (self,))
        if node is not None:
            node.save_tensor(saves, t if saves == "result" else self, saves == "result")
        return t

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    register(name, "elementwise", grad_fns=(grad_fn,))(op)
    return op


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # exp(-|x|) never overflows; the two branches give the same function.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


exp = _unary("exp", "ExpBackward0", np.exp, lambda g, r: g * r, "result",
             "grad * result", "e ** self")
log = _unary("log", "LogBackward0", np.log, lambda g, x: g / x, "self",
             "grad / self", "natural logarithm")
sqrt = _unary("sqrt", "SqrtBackward0", np.sqrt, lambda g, r: g / (2 * r), "result",
              "grad / (2 * result)", "square root")
abs = _unary("abs", "AbsBackward0", np.abs, lambda g, x: g * np.sign(x), "self",  # noqa: A001
             "grad * self.sgn()", "absolute value", keeps_ints=True)
sin = _unary("sin", "SinBackward0", np.sin, lambda g, x: g * np.cos(x), "self",
             "grad * self.cos()", "sine")
cos = _unary("cos", "CosBackward0", np.cos, lambda g, x: g * -np.sin(x), "self",
             "grad * -self.sin()", "cosine")
tanh = _unary("tanh", "TanhBackward0", np.tanh, lambda g, r: g * (1 - r * r), "result",
              "grad * (1 - result * result)", "hyperbolic tangent")
sigmoid = _unary("sigmoid", "SigmoidBackward0", _sigmoid, lambda g, r: g * r * (1 - r),
                 "result", "grad * result * (1 - result)", "1 / (1 + e ** -self)")
relu = _unary("relu", "ReluBackward0", lambda x: np.maximum(x, 0).astype(x.dtype, copy=False),
              lambda g, r: g * (r > 0), "result", "grad * (result > 0)", "max(self, 0)",
              keeps_ints=True)


# -- clamp --------------------------------------------------------------------------------
def _clamp_backward(self: Any, grad: np.ndarray) -> tuple:
    x = self.saved("self")
    low, high = self._saved["min"], self._saved["max"]
    keep = np.ones(x.shape, dtype=bool)
    if low is not None:
        keep &= x >= low
    if high is not None:
        keep &= x <= high
    return (grad * keep,)


ClampBackward1 = node_class("ClampBackward1", ("self",),
                            {"self": "grad * (min <= self <= max)"}, _clamp_backward)


@register("clamp", "elementwise", attrs=(AttrSpec("min", "number"), AttrSpec("max", "number")),
          grad_fns=("ClampBackward1",), aliases=("clip",))
def clamp(self: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    """self limited to [min, max]"""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        raise TypeError("gradviz's clamp takes numbers for min and max")
    out = np.clip(self._data, min, max)
    if out.dtype != self._data.dtype:
        out = out.astype(self._data.dtype if isinstance(min or 0, int) and
                         isinstance(max or 0, int) else float_dtype(self))
    t, node = result(out, ClampBackward1 if GRAD_MODE.enabled and self._rg else None, (self,))
    if node is not None:
        node.save_tensor("self", self)
        node._saved["min"], node._saved["max"] = min, max
    return t


# -- maximum / minimum --------------------------------------------------------------------
def _extremum_backward(wins: Callable) -> Callable:
    def backward(self: Any, grad: np.ndarray) -> tuple:
        sa, ta, sb, tb = self.ctx
        a, b = self.saved("self"), self.saved("other")
        shared = np.where(a == b, grad / 2, grad)
        ga = reduce_to(np.where(wins(b, a), 0, shared), sa, ta) if needs(self, 0) else None
        gb = reduce_to(np.where(wins(a, b), 0, shared), sb, tb) if needs(self, 1) else None
        return ga, gb

    return backward


MaximumBackward0 = node_class(
    "MaximumBackward0", ("self", "other"),
    {"self": "grad where self > other (half where equal)",
     "other": "grad where other > self (half where equal)"}, _extremum_backward(np.greater))
MinimumBackward0 = node_class(
    "MinimumBackward0", ("self", "other"),
    {"self": "grad where self < other (half where equal)",
     "other": "grad where other < self (half where equal)"}, _extremum_backward(np.less))


def _extremum(ufunc: Callable, cls: type, self: Tensor, other: Tensor) -> Tensor:
    if not isinstance(other, Tensor):
        raise TypeError(f"{ufunc.__name__}(): argument 'other' (position 2) must be Tensor, "
                        f"not {type(other).__name__}")
    a, b, want = operands(self, other)
    out = apply_binary(ufunc, a, b, want)
    record = GRAD_MODE.enabled and (self._rg or other._rg)
    t, node = result(out, cls if record else None, (self, other))
    if node is not None:
        node.ctx = (self._data.shape, self._data.dtype, other._data.shape, other._data.dtype)
        node.save_tensor("self", self)
        node.save_tensor("other", other)
    return t


@register("maximum", "elementwise", ("self", "other"), grad_fns=("MaximumBackward0",))
def maximum(self: Tensor, other: Tensor) -> Tensor:
    """elementwise larger of two tensors"""
    return _extremum(np.maximum, MaximumBackward0, self, other)


@register("minimum", "elementwise", ("self", "other"), grad_fns=("MinimumBackward0",))
def minimum(self: Tensor, other: Tensor) -> Tensor:
    """elementwise smaller of two tensors"""
    return _extremum(np.minimum, MinimumBackward0, self, other)
