"""Neural-network functions: softmax, log_softmax, mse_loss, nll_loss, cross_entropy."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .common import apply_binary, float_dtype, needs, result
from .grad_mode import GRAD_MODE
from .node import node_class
from .registry import AttrSpec, register
from .tensor import Tensor, wrap_dim

_DIM = (AttrSpec("dim", "int", required=True),)
_REDUCTION = AttrSpec("reduction", "choice:mean,sum,none", "mean")


def _softmax_backward(self: Any, grad: np.ndarray) -> tuple:
    r, axis = self.saved("result"), self.ctx
    return (r * (grad - (grad * r).sum(axis=axis, keepdims=True)),)


def _log_softmax_backward(self: Any, grad: np.ndarray) -> tuple:
    r, axis = self.saved("result"), self.ctx
    return (grad - np.exp(r) * grad.sum(axis=axis, keepdims=True),)


SoftmaxBackward0 = node_class("SoftmaxBackward0", ("self",),
                              {"self": "result * (grad - (grad * result).sum(dim))"},
                              _softmax_backward)
LogSoftmaxBackward0 = node_class("LogSoftmaxBackward0", ("self",),
                                 {"self": "grad - exp(result) * grad.sum(dim)"},
                                 _log_softmax_backward)


def _normalized(self: Tensor, dim: int, cls: type, log: bool) -> Tensor:
    axis = wrap_dim(dim, self._data.ndim)
    x = self._data.astype(float_dtype(self), copy=False)
    shifted = x - x.max(axis=axis, keepdims=True) if x.ndim else x - x
    e = np.exp(shifted)
    total = e.sum(axis=axis, keepdims=True)
    out = shifted - np.log(total) if log else e / total
    t, node = result(out, cls if GRAD_MODE.enabled and self._rg else None, (self,))
    if node is not None:
        node.ctx = axis if x.ndim else None
        node._saved["dim"] = dim
        node.save_tensor("result", t, is_output=True)
    return t


@register("softmax", "nn", attrs=_DIM, grad_fns=("SoftmaxBackward0",))
def softmax(self: Tensor, dim: int) -> Tensor:
    """exp(self) / exp(self).sum(dim): each slice along dim becomes probabilities"""
    return _normalized(self, dim, SoftmaxBackward0, log=False)


@register("log_softmax", "nn", attrs=_DIM, grad_fns=("LogSoftmaxBackward0",))
def log_softmax(self: Tensor, dim: int) -> Tensor:
    """self - log(exp(self).sum(dim)), computed stably"""
    return _normalized(self, dim, LogSoftmaxBackward0, log=True)


def _reduce_loss(values: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return np.asarray(values.mean(), dtype=values.dtype)
    if reduction == "sum":
        return np.asarray(values.sum(), dtype=values.dtype)
    if reduction == "none":
        return values
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _loss_scale(grad: np.ndarray, shape: tuple, reduction: str) -> np.ndarray:
    if reduction == "none":
        return grad
    count = int(np.prod(shape, dtype=np.int64)) if reduction == "mean" else 1
    return np.broadcast_to(grad / count, shape)


def _mse_backward(self: Any, grad: np.ndarray) -> tuple:
    x, y = self.saved("self"), self.saved("target")
    diff = x - y
    g = _loss_scale(grad, diff.shape, self.ctx) * 2 * diff
    from .common import reduce_to

    ga = reduce_to(g, x.shape) if needs(self, 0) else None
    gb = reduce_to(-g, y.shape) if needs(self, 1) else None
    return ga, gb


MseLossBackward0 = node_class("MseLossBackward0", ("self", "target"),
                              {"self": "grad * 2 * (self - target) / N",
                               "target": "-grad * 2 * (self - target) / N"}, _mse_backward)

_REDUCTION_CODE = {"none": 0, "mean": 1, "sum": 2}


@register("mse_loss", "nn", ("self", "target"), attrs=(_REDUCTION,),
          grad_fns=("MseLossBackward0",), method=None)
def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """mean of (input - target) ** 2"""
    for value in (input, target):
        if not isinstance(value, Tensor):
            raise AttributeError(f"'{type(value).__name__}' object has no attribute 'size'")
    if input._data.shape != target._data.shape:
        warnings.warn(
            f"Using a target size ({target.shape!r}) that is different to the input size "
            f"({input.shape!r}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=2)
    diff = apply_binary(np.subtract, input._data, target._data, input._data.dtype)
    out = _reduce_loss(diff * diff, reduction)
    record = GRAD_MODE.enabled and (input._rg or target._rg)
    t, node = result(out, MseLossBackward0 if record else None, (input, target))
    if node is not None:
        node.save_tensor("self", input)
        node.save_tensor("target", target)
        node._saved["reduction"] = _REDUCTION_CODE[reduction]
        node.ctx = reduction
    return t


def _nll_backward(self: Any, grad: np.ndarray) -> tuple:
    shape, reduction = self.ctx
    target = self.saved("target")
    out = np.zeros(shape, dtype=grad.dtype)
    if len(shape) == 1:
        out[target] = -grad
        return (out,)
    rows = np.arange(shape[0])
    scale = grad / shape[0] if reduction == "mean" else grad
    out[rows, target] = -scale
    return (out,)


NllLossBackward0 = node_class("NllLossBackward0", ("self",),
                              {"self": "-grad / N at each row's target class, 0 elsewhere"},
                              _nll_backward)


@register("nll_loss", "nn", ("self", "target"), attrs=(_REDUCTION,),
          grad_fns=("NllLossBackward0",), method=None)
def nll_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """minus the input at each target class (input holds log-probabilities)"""
    logp, classes = input._data, target._data
    if classes.dtype.kind not in "iu":
        raise RuntimeError("expected target dtype to be Long or Byte, but got "
                           f"{target.dtype._tensor_type[:-6]}")
    n_classes = logp.shape[-1]
    bad = classes[(classes < 0) | (classes >= n_classes)]
    if bad.size:
        raise IndexError(f"Target {int(bad.flat[0])} is out of bounds.")
    if logp.ndim == 1:
        picked = -logp[classes]
    else:
        if classes.shape != logp.shape[:1]:
            raise ValueError(f"Expected input batch_size ({logp.shape[0]}) to match target "
                             f"batch_size ({classes.shape[0] if classes.ndim else 0}).")
        picked = -logp[np.arange(logp.shape[0]), classes]
    out = _reduce_loss(np.asarray(picked, dtype=logp.dtype), reduction)
    record = GRAD_MODE.enabled and input._rg
    t, node = result(out, NllLossBackward0 if record else None, (input,))
    if node is not None:
        node.ctx = (logp.shape, reduction)
        node.save_tensor("self", input)
        node.save_tensor("target", target)
        node._saved.update(reduction=_REDUCTION_CODE[reduction], ignore_index=-100,
                           weight=None)
        total = Tensor._wrap(np.asarray(classes.size if logp.ndim > 1 else 1, logp.dtype))
        node.save_tensor("total_weight", total)
    return t


@register("cross_entropy", "nn", ("self", "target"), attrs=(_REDUCTION,),
          grad_fns=("NllLossBackward0", "LogSoftmaxBackward0"), method=None)
def cross_entropy(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """nll_loss(log_softmax(input, 1), target) with class-index targets"""
    return nll_loss(log_softmax(input, 1 if input._data.ndim > 1 else 0), target, reduction)
