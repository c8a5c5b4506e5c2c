"""Arithmetic: + - * / ** @ and negation, each beside its backward rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import apply_binary, needs, operands, reduce_to, result, shape_of
from .grad_mode import GRAD_MODE
from .node import node_class
from .registry import AttrSpec, register
from .tensor import Tensor

_ALPHA = (AttrSpec("alpha", "number", 1),)


def _dtype_of(value: Any) -> np.dtype | None:
    return value._data.dtype if isinstance(value, Tensor) else None


def _record(out: np.ndarray, node_cls: type, a: Any, b: Any) -> tuple[Tensor, Any]:
    """Result of a binary op; records a node when either operand requires grad."""
    if GRAD_MODE.enabled and ((isinstance(a, Tensor) and a._rg) or
                              (isinstance(b, Tensor) and b._rg)):
        node = node_cls((a._edge() if isinstance(a, Tensor) else (None, 0),
                         b._edge() if isinstance(b, Tensor) else (None, 0)))
        node.ctx = (shape_of(a), _dtype_of(a), shape_of(b), _dtype_of(b))
        return Tensor._wrap(out, node), node
    return Tensor._wrap(out), None


# -- add / sub ----------------------------------------------------------------------------
def _add_backward(self: Any, grad: np.ndarray) -> tuple:
    sa, ta, sb, tb = self.ctx
    alpha = self._saved["alpha"]
    ga = reduce_to(grad, sa, ta) if needs(self, 0) else None
    gb = reduce_to(grad if alpha == 1 else grad * alpha, sb, tb) if needs(self, 1) else None
    return ga, gb


def _sub_backward(self: Any, grad: np.ndarray) -> tuple:
    sa, ta, sb, tb = self.ctx
    alpha = self._saved["alpha"]
    ga = reduce_to(grad, sa, ta) if needs(self, 0) else None
    gb = reduce_to(-grad * alpha, sb, tb) if needs(self, 1) else None
    return ga, gb


AddBackward0 = node_class("AddBackward0", ("self", "other"),
                          {"self": "grad", "other": "grad * alpha"}, _add_backward)
SubBackward0 = node_class("SubBackward0", ("self", "other"),
                          {"self": "grad", "other": "-grad * alpha"}, _sub_backward)


@register("add", "arithmetic", ("self", "other"), scalar_inputs=("other",), attrs=_ALPHA,
          grad_fns=("AddBackward0",))
def add(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """self + alpha * other"""
    a, b, want = operands(self, other)
    out = apply_binary(np.add, a, b if alpha == 1 else b * alpha, want)
    t, node = _record(out, AddBackward0, self, other)
    if node is not None:
        node._saved["alpha"] = alpha
    return t


@register("sub", "arithmetic", ("self", "other"), scalar_inputs=("other",), attrs=_ALPHA,
          grad_fns=("SubBackward0",), aliases=("subtract",))
def sub(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """self - alpha * other"""
    a, b, want = operands(self, other)
    out = apply_binary(np.subtract, a, b if alpha == 1 else b * alpha, want)
    t, node = _record(out, SubBackward0, self, other)
    if node is not None:
        node._saved["alpha"] = alpha
    return t


def _rsub_backward(self: Any, grad: np.ndarray) -> tuple:
    return (-grad * self._saved["alpha"],)


RsubBackward1 = node_class("RsubBackward1", ("self",), {"self": "-grad * alpha"},
                           _rsub_backward)


@register("rsub", "arithmetic", ("self", "other"), scalar_inputs=("other",), attrs=_ALPHA,
          grad_fns=("RsubBackward1", "SubBackward0"))
def rsub(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """other - alpha * self (what ``2 - x`` runs)"""
    if isinstance(other, Tensor):
        return sub(other, self, alpha=alpha)
    a, b, want = operands(self, other)
    out = apply_binary(np.subtract, b, a if alpha == 1 else a * alpha, want)
    t, node = result(out, RsubBackward1 if _recording(self) else None, (self,))
    if node is not None:
        node._saved["alpha"] = alpha
    return t


def _recording(t: Tensor) -> bool:
    return GRAD_MODE.enabled and t._rg


# -- mul / div ----------------------------------------------------------------------------
def _operand_value(node: Any, name: str) -> Any:
    return node.saved(name) if name in node._tensors else node._saved[name]


def _save_operands(node: Any, a: Any, b: Any) -> None:
    """Save each operand only if the other one needs a gradient (as PyTorch does)."""
    if needs(node, 1):
        _save_value(node, "self", a)
    if needs(node, 0):
        _save_value(node, "other", b)


def _save_value(node: Any, name: str, value: Any) -> None:
    if isinstance(value, Tensor):
        node.save_tensor(name, value)
    else:
        node._saved[name] = value


def _mul_backward(self: Any, grad: np.ndarray) -> tuple:
    sa, ta, sb, tb = self.ctx
    ga = reduce_to(grad * _operand_value(self, "other"), sa, ta) if needs(self, 0) else None
    gb = reduce_to(grad * _operand_value(self, "self"), sb, tb) if needs(self, 1) else None
    return ga, gb


def _div_backward(self: Any, grad: np.ndarray) -> tuple:
    sa, ta, sb, tb = self.ctx
    other = _operand_value(self, "other")
    ga = reduce_to(grad / other, sa, ta) if needs(self, 0) else None
    gb = None
    if needs(self, 1):
        gb = reduce_to(-grad * _operand_value(self, "self") / (other * other), sb, tb)
    return ga, gb


MulBackward0 = node_class("MulBackward0", ("self", "other"),
                          {"self": "grad * other", "other": "grad * self"}, _mul_backward)
DivBackward0 = node_class("DivBackward0", ("self", "other"),
                          {"self": "grad / other", "other": "-grad * self / (other * other)"},
                          _div_backward)


@register("mul", "arithmetic", ("self", "other"), scalar_inputs=("other",),
          grad_fns=("MulBackward0",), aliases=("multiply",))
def mul(self: Tensor, other: Any) -> Tensor:
    """self * other"""
    a, b, want = operands(self, other)
    out = apply_binary(np.multiply, a, b, want)
    t, node = _record(out, MulBackward0, self, other)
    if node is not None:
        _save_operands(node, self, other if isinstance(other, Tensor) else b)
    return t


@register("div", "arithmetic", ("self", "other"), scalar_inputs=("other",),
          grad_fns=("DivBackward0",), aliases=("divide", "true_divide"))
def div(self: Tensor, other: Any) -> Tensor:
    """self / other (true division: integers give floats)"""
    a, b, want = operands(self, other)
    if want.kind != "f":
        want = np.dtype(np.float32)
        a = a.astype(want)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = apply_binary(np.true_divide, a, b, want)
    t, node = _record(out, DivBackward0, self, other)
    if node is not None:
        if needs(node, 1):
            _save_value(node, "self", self)
        _save_value(node, "other", other if isinstance(other, Tensor) else b)
    return t


def _reciprocal_backward(self: Any, grad: np.ndarray) -> tuple:
    r = self.saved("result")
    return (-grad * r * r,)


ReciprocalBackward0 = node_class("ReciprocalBackward0", ("self",),
                                 {"self": "-grad * result * result"}, _reciprocal_backward)


@register("reciprocal", "elementwise", grad_fns=("ReciprocalBackward0",))
def reciprocal(self: Tensor) -> Tensor:
    """1 / self"""
    data = self._data if self._data.dtype.kind == "f" else self._data.astype(np.float32)
    with np.errstate(divide="ignore"):
        out = np.reciprocal(data)
    t, node = result(out, ReciprocalBackward0 if _recording(self) else None, (self,))
    if node is not None:
        node.save_tensor("result", t, is_output=True)
    return t


@register("rdiv", "arithmetic", ("self", "other"), scalar_inputs=("other",),
          grad_fns=("MulBackward0", "ReciprocalBackward0"))
def rdiv(self: Tensor, other: Any) -> Tensor:
    """other / self (what ``2 / x`` runs: reciprocal, then multiply)"""
    if isinstance(other, Tensor):
        return div(other, self)
    return mul(reciprocal(self), other)


# -- pow ----------------------------------------------------------------------------------
def _pow_scalar_backward(self: Any, grad: np.ndarray) -> tuple:
    x = self.saved("self")
    e = self._saved["exponent"]
    if e == 0:
        return (np.zeros_like(grad),)
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((grad * (e * np.power(x, e - 1))).astype(x.dtype, copy=False),)


def _pow_tensor_backward(self: Any, grad: np.ndarray) -> tuple:
    sa, ta, sb, tb = self.ctx
    x, e = self.saved("self"), self.saved("exponent")
    ga = gb = None
    with np.errstate(divide="ignore", invalid="ignore"):
        if needs(self, 0):
            ga = reduce_to(np.where(e == 0, 0.0, grad * e * np.power(x, e - 1)), sa, ta)
        if needs(self, 1):
            r = self.saved("result")
            gb = reduce_to(np.where((x == 0) & (e >= 0), 0.0, grad * r * np.log(x)), sb, tb)
    return ga, gb


def _pow_base_backward(self: Any, grad: np.ndarray) -> tuple:
    base = self._saved["self"]
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((grad * self.saved("result") * np.log(base)).astype(grad.dtype, copy=False),)


PowBackward0 = node_class("PowBackward0", ("self",),
                          {"self": "grad * exponent * self ** (exponent - 1)"},
                          _pow_scalar_backward)
PowBackward1 = node_class("PowBackward1", ("self", "exponent"),
                          {"self": "grad * exponent * self ** (exponent - 1)",
                           "exponent": "grad * result * log(self)"}, _pow_tensor_backward)
PowBackward2 = node_class("PowBackward2", ("exponent",),
                          {"exponent": "grad * result * log(self)"}, _pow_base_backward)


@register("pow", "arithmetic", ("self", "exponent"), scalar_inputs=("self", "exponent"),
          grad_fns=("PowBackward0", "PowBackward1", "PowBackward2"))
def pow(self: Any, exponent: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """self ** exponent (either side may be a number)"""
    if not isinstance(self, Tensor):
        return _pow_base(self, exponent)
    a, b, want = operands(self, exponent)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = apply_binary(np.power, a, b, want)
    if not isinstance(exponent, Tensor):
        t, node = result(out, PowBackward0 if _recording(self) else None, (self,))
        if node is not None:
            node.save_tensor("self", self)
            node._saved["exponent"] = exponent
        return t
    t, node = _record(out, PowBackward1, self, exponent)
    if node is not None:
        node.save_tensor("self", self)
        node.save_tensor("exponent", exponent)
        node.save_tensor("result", t, is_output=True)
    return t


def _pow_base(base: Any, exponent: Tensor) -> Tensor:
    a, b, want = operands(exponent, base)
    with np.errstate(over="ignore", invalid="ignore"):
        out = apply_binary(np.power, b, a, want)
    t, node = result(out, PowBackward2 if _recording(exponent) else None, (exponent,))
    if node is not None:
        node._saved["self"] = base
        node.save_tensor("exponent", exponent)
        node.save_tensor("result", t, is_output=True)
    return t


# -- negation -----------------------------------------------------------------------------
def _neg_backward(self: Any, grad: np.ndarray) -> tuple:
    return (-grad,)


NegBackward0 = node_class("NegBackward0", ("self",), {"self": "-grad"}, _neg_backward)


@register("neg", "arithmetic", grad_fns=("NegBackward0",), aliases=("negative",))
def neg(self: Tensor) -> Tensor:
    """-self"""
    if self._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return result(np.negative(self._data), NegBackward0 if _recording(self) else None,
                  (self,))[0]
