"""In-place variants (``add_``, ``mul_``, ``zero_``, ...) with PyTorch's safety checks.

An in-place op runs its out-of-place twin, writes the result into the tensor's storage,
bumps the version counter (so saved copies of the old value are detected as stale), and
moves the tensor's history onto the new grad_fn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import ops_arith, ops_elementwise
from .common import result
from .grad_mode import GRAD_MODE
from .node import SavedTensor, node_class
from .tensor import Tensor

_KIND_ORDER = "biuf"


_VIEW_MESSAGE = ("gradviz does not record in-place operations on a view of a tensor that "
                 "requires grad (PyTorch's CopySlices); use the out-of-place operation instead, "
                 "or modify the view under torch.no_grad().")


def _check_target(self: Tensor) -> None:
    if not GRAD_MODE.enabled:
        return
    if self._grad_fn is None and self._rg:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    base = self._base
    if base is not None:
        if base._grad_fn is None and base._rg:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                               "an in-place operation.")
        if base._rg or self._rg:
            raise RuntimeError(_VIEW_MESSAGE)


def _check_writable(self: Tensor) -> None:
    if not self._data.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")


def apply_inplace(self: Tensor, out: Tensor) -> Tensor:
    """Write ``out`` (computed from self) into self and take over its history.

    The node that computed ``out`` saved values as an out-of-place op would. Two of them
    change meaning once self is overwritten, and are fixed up as PyTorch's in-place
    derivatives have them: self's old value, when the derivative needs it, becomes a private
    copy (``original_self``); the saved result becomes self itself, at its new version.
    """
    target, source = self._data.dtype, out._data.dtype
    if _KIND_ORDER.index(source.kind) > _KIND_ORDER.index(target.kind):
        raise RuntimeError(f"result type {out.dtype._tensor_type[:-6]} can't be cast to the "
                           f"desired output type {self.dtype._tensor_type[:-6]}")
    if out._data.shape != self._data.shape:
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                           f"broadcast shape {list(out._data.shape)}")
    _check_writable(self)
    node = out._grad_fn
    if node is not None and self._base is not None:
        raise RuntimeError(_VIEW_MESSAGE)
    saved = node._tensors if node is not None else {}
    entry = saved.get("self")
    if type(entry) is SavedTensor and entry.owner is self:
        entry.snapshot()
    np.copyto(self._data, out._data, casting="unsafe")
    self._bump_version()
    if node is not None:
        entry = saved.get("result")
        if type(entry) is SavedTensor and entry.array is out._data:
            entry.rebind(self)
        self._grad_fn = node
        self._rg = True
        self._acc = None
    return self


def _inplace(op: Callable, name: str) -> Callable:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        _check_target(self)
        return apply_inplace(self, op(self, *args, **kwargs))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"in-place {op.__name__}"
    return method


_OUT_OF_PLACE = {
    "add_": ops_arith.add, "sub_": ops_arith.sub, "mul_": ops_arith.mul, "div_": ops_arith.div,
    "pow_": ops_arith.pow, "neg_": ops_arith.neg, "exp_": ops_elementwise.exp,
    "log_": ops_elementwise.log, "sqrt_": ops_elementwise.sqrt, "abs_": ops_elementwise.abs,
    "sin_": ops_elementwise.sin, "cos_": ops_elementwise.cos, "tanh_": ops_elementwise.tanh,
    "sigmoid_": ops_elementwise.sigmoid, "relu_": ops_elementwise.relu,
    "clamp_": ops_elementwise.clamp,
}
INPLACE_METHODS: dict[str, Callable] = {name: _inplace(op, name)
                                        for name, op in _OUT_OF_PLACE.items()}
INPLACE_METHODS["clip_"] = INPLACE_METHODS["clamp_"]
INPLACE_METHODS.update(__iadd__=INPLACE_METHODS["add_"], __isub__=INPLACE_METHODS["sub_"],
                       __imul__=INPLACE_METHODS["mul_"], __itruediv__=INPLACE_METHODS["div_"])


def _fill_backward(self: Any, grad: np.ndarray) -> tuple:
    return (np.zeros_like(grad),)


def _fill_value_backward(self: Any, grad: np.ndarray) -> tuple:
    return np.zeros_like(grad), np.asarray(grad.sum(), dtype=self.ctx)


FillBackward2 = node_class("FillBackward2", ("self",), {"self": "zeros (the old value is gone)"},
                           _fill_backward)
FillBackward3 = node_class("FillBackward3", ("self", "value"),
                           {"self": "zeros (the old value is gone)", "value": "grad.sum()"},
                           _fill_value_backward)
ZeroBackward0 = node_class("ZeroBackward0", ("self",), {"self": "zeros (the old value is gone)"},
                           _fill_backward)


def _filled(self: Tensor, value: Any, cls: type) -> Tensor:
    data = np.full(self._data.shape, value, dtype=self._data.dtype)
    return result(data, cls if GRAD_MODE.enabled and self._rg else None, (self,))[0]


def fill_(self: Tensor, value: Any) -> Tensor:
    """every element set to ``value`` (a number or a 0-d tensor)"""
    _check_target(self)
    if not isinstance(value, Tensor):
        return apply_inplace(self, _filled(self, value, FillBackward2))
    if value._data.ndim:
        raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value._data.ndim} dimensions.")
    data = np.full(self._data.shape, value._data, dtype=self._data.dtype)
    record = GRAD_MODE.enabled and (self._rg or value._rg)
    out, node = result(data, FillBackward3 if record else None, (self, value))
    if node is not None:
        node.ctx = value._data.dtype
    return apply_inplace(self, out)


def zero_(self: Tensor) -> Tensor:
    """every element set to 0"""
    _check_target(self)
    return apply_inplace(self, _filled(self, 0, ZeroBackward0))


def _copy_backward(self: Any, grad: np.ndarray) -> tuple:
    shape, dtype = self.ctx
    from .common import reduce_to

    return (np.zeros_like(grad), reduce_to(grad, shape, dtype))


CopyBackwards = node_class("CopyBackwards", ("self", "src"),
                           {"self": "zeros", "src": "grad (summed to src's shape)"},
                           _copy_backward)


def copy_(self: Tensor, src: Any) -> Tensor:
    """every element replaced by ``src`` (broadcast)"""
    from .common import as_tensor

    src = as_tensor(src)
    _check_target(self)
    data = np.broadcast_to(src._data, self._data.shape).astype(self._data.dtype)
    record = GRAD_MODE.enabled and (self._rg or src._rg)
    out, node = result(data, CopyBackwards if record else None, (self, src))
    if node is not None:
        node.ctx = (src._data.shape, src._data.dtype)
    np.copyto(self._data, out._data)
    self._bump_version()
    if node is not None:
        self._grad_fn, self._rg, self._acc = node, True, None
    return self


def setitem(self: Tensor, index: Any, value: Any) -> None:
    """``x[index] = value`` (allowed where PyTorch needs no CopySlices history)."""
    if GRAD_MODE.enabled and (self._rg or (isinstance(value, Tensor) and value._rg)):
        if self._grad_fn is None and self._rg:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                               "an in-place operation.")
        raise RuntimeError("gradviz does not record x[index] = value on tensors that take part "
                           "in a graph (PyTorch's CopySlices); build the value with torch.cat "
                           "or torch.stack instead, or assign under torch.no_grad().")
    from .ops_shape import getitem

    view = getitem(self, index)  # validates the index with PyTorch's messages
    _check_writable(view)
    view._data[...] = value._data if isinstance(value, Tensor) else value
    self._bump_version()


INPLACE_METHODS.update(fill_=fill_, zero_=zero_, copy_=copy_, __setitem__=setitem)
