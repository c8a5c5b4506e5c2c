"""Arithmetic: + - * / ** @ and negation, each beside its backward rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from .common import apply_binary, needs, operands, reduce_to, result
from .grad_mode import GRAD_MODE
from .node import FREED_MESSAGE, node_class
from .registry import AttrSpec, register
from .tensor import Tensor

_ALPHA = (AttrSpec("alpha", "number", 1),)
_NO_EDGE = (None, 0)
_new = object.__new__
_ndarray = np.ndarray
_INF = float("inf")


def _dtype_of(value: Any) -> np.dtype | None:
    return value._data.dtype if isinstance(value, Tensor) else None


def _shape(value: Any) -> tuple:
    return value._data.shape if isinstance(value, Tensor) else np.shape(value)


def _record(out: np.ndarray, node_cls: type, a: Any, b: Any) -> tuple[Tensor, Any]:
    """Result of a binary op; records a node when either operand requires grad."""
    if GRAD_MODE.enabled and ((isinstance(a, Tensor) and a._rg) or
                              (isinstance(b, Tensor) and b._rg)):
        node = node_cls((a._edge() if isinstance(a, Tensor) else _NO_EDGE,
                         b._edge() if isinstance(b, Tensor) else _NO_EDGE))
        node.ctx = (_shape(a), _dtype_of(a), _shape(b), _dtype_of(b))
        return Tensor._wrap(out, node), node
    return Tensor._wrap(out), None


def _with_number(self: Tensor, other: Any, ufunc: Any, cls: type,
                 saves_number: bool) -> Tensor | None:
    """``ufunc(self, other)`` for the common case of a floating tensor and a Python int or
    float (None for any other operands), recording ``cls`` when self requires grad.

    This is the hot path of small-tensor programs, kept free of anything optional. PyTorch
    computes such an op in the tensor's dtype; numpy does the same with ``other`` as a 0-d
    array of that dtype, and is then three times faster than with a Python number.
    A node that multiplies by the number keeps it as PyTorch's wrapped-number tensor
    (``_saved_other``, released after backward) and the 0-d array in ``ctx``.
    """
    kind = type(other)
    data = self._data
    if (kind is not float and kind is not int) or data.dtype.kind != "f":
        return None
    if saves_number and not 0 < abs(other) < _INF:
        return None  # products and quotients with 0 or inf may warn in numpy: general path
    b = np.array(other, data.dtype)
    out = ufunc(data, b)
    if type(out) is not _ndarray:  # 0-d operands give a numpy scalar
        out = np.asarray(out)
    t = _new(Tensor)
    t._data = out
    if GRAD_MODE.enabled and self._rg:
        fn = self._grad_fn
        node = cls(((fn, 0) if fn is not None else self._edge(), _NO_EDGE))
        if saves_number:
            node.ctx = b
            node._tensors["other"] = other
        else:
            node.ctx = None
            node._saved["alpha"] = 1
        t._grad_fn = node
        t._rg = True
    return t


# -- add / sub ----------------------------------------------------------------------------
def _add_backward(self: Any, grad: np.ndarray) -> tuple:
    ctx = self.ctx
    if ctx is None:  # tensor + number: the gradient passes through unchanged
        return grad, None
    sa, ta, sb, tb = ctx
    alpha = self._saved["alpha"]
    ga = reduce_to(grad, sa, ta) if needs(self, 0) else None
    gb = reduce_to(grad if alpha == 1 else grad * alpha, sb, tb) if needs(self, 1) else None
    return ga, gb


def _sub_backward(self: Any, grad: np.ndarray) -> tuple:
    ctx = self.ctx
    if ctx is None:
        return grad, None
    sa, ta, sb, tb = ctx
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
    if alpha == 1:
        t = _with_number(self, other, np.add, AddBackward0, False)
        if t is not None:
            return t
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
    if alpha == 1:
        t = _with_number(self, other, np.subtract, SubBackward0, False)
        if t is not None:
            return t
    _check_not_bool(self, other, "Subtraction, the `-` operator,")
    a, b, want = operands(self, other)
    out = apply_binary(np.subtract, a, b if alpha == 1 else b * alpha, want)
    t, node = _record(out, SubBackward0, self, other)
    if node is not None:
        node._saved["alpha"] = alpha
    return t


def _check_not_bool(a: Any, b: Any, what: str) -> None:
    if all(isinstance(v, bool | np.bool_) or (isinstance(v, Tensor) and
                                              v._data.dtype == np.bool_) for v in (a, b)):
        raise RuntimeError(f"{what} with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")


def _rsub_backward(self: Any, grad: np.ndarray) -> tuple:
    alpha = self._saved["alpha"]
    return (-grad if alpha == 1 else -grad * alpha,)


RsubBackward1 = node_class("RsubBackward1", ("self",), {"self": "-grad * alpha"},
                           _rsub_backward)


@register("rsub", "arithmetic", ("self", "other"), scalar_inputs=("other",), attrs=_ALPHA,
          grad_fns=("RsubBackward1", "SubBackward0"))
def rsub(self: Tensor, other: Any, *, alpha: float = 1) -> Tensor:
    """other - alpha * self (what ``2 - x`` runs)"""
    if isinstance(other, Tensor):
        return sub(other, self, alpha=alpha)
    _check_not_bool(self, other, "Subtraction, the `-` operator,")
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
    """A tensor operand is saved as a tensor; a number as PyTorch's wrapped number, which
    is released after backward like any saved tensor."""
    if isinstance(value, Tensor):
        node.save_tensor(name, value)
    else:
        node.save_number(name, value)


def _scalar_operand(node: Any) -> np.ndarray:
    """The 0-d array of a ``tensor (op) number`` node, unless backward already freed it."""
    if node._released:
        raise RuntimeError(FREED_MESSAGE)
    return node.ctx


def _mul_backward(self: Any, grad: np.ndarray) -> tuple:
    ctx = self.ctx
    if type(ctx) is _ndarray:  # tensor * number
        return grad * _scalar_operand(self), None
    sa, ta, sb, tb = ctx
    ga = reduce_to(grad * _operand_value(self, "other"), sa, ta) if needs(self, 0) else None
    gb = reduce_to(grad * _operand_value(self, "self"), sb, tb) if needs(self, 1) else None
    return ga, gb


def _div_backward(self: Any, grad: np.ndarray) -> tuple:
    ctx = self.ctx
    if type(ctx) is _ndarray:  # tensor / number
        return grad / _scalar_operand(self), None
    sa, ta, sb, tb = ctx
    other = _operand_value(self, "other")
    ga = reduce_to(grad / other, sa, ta) if needs(self, 0) else None
    gb = None
    if needs(self, 1):
        gb = reduce_to(-grad * _operand_value(self, "self") / (other * other), sb, tb)
    return ga, gb


MulBackward0 = node_class("MulBackward0", ("self", "other"),
                          {"self": "grad * other", "other": "grad * self"}, _mul_backward,
                          always_saved=("self", "other"))
DivBackward0 = node_class("DivBackward0", ("self", "other"),
                          {"self": "grad / other", "other": "-grad * self / (other * other)"},
                          _div_backward, always_saved=("self", "other"))


@register("mul", "arithmetic", ("self", "other"), scalar_inputs=("other",),
          grad_fns=("MulBackward0",), aliases=("multiply",))
def mul(self: Tensor, other: Any) -> Tensor:
    """self * other"""
    t = _with_number(self, other, np.multiply, MulBackward0, True)
    if t is not None:
        return t
    a, b, want = operands(self, other)
    with np.errstate(invalid="ignore"):  # inf * 0 is nan, silently as in PyTorch
        out = apply_binary(np.multiply, a, b, want)
    t, node = _record(out, MulBackward0, self, other)
    if node is not None:
        _save_operands(node, self, other if isinstance(other, Tensor) else b)
    return t


@register("div", "arithmetic", ("self", "other"), scalar_inputs=("other",),
          grad_fns=("DivBackward0",), aliases=("divide", "true_divide"))
def div(self: Tensor, other: Any) -> Tensor:
    """self / other (true division: integers give floats)"""
    t = _with_number(self, other, np.true_divide, DivBackward0, True)
    if t is not None:
        return t
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
        out = np.asarray(np.reciprocal(data))
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
    if want.kind in "iu" and np.any(np.asarray(b) < 0):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
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
    if want.kind in "iu" and np.any(a < 0):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
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
