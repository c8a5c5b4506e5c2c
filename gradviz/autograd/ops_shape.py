"""Shape operations: views (reshape, transpose, indexing, ...), cat, stack, copies."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes
from .common import normalize_dims, reduce_to, result
from .grad_mode import GRAD_MODE
from .node import node_class
from .registry import AttrSpec, register
from .tensor import Tensor, wrap_dim


def _recording(t: Tensor) -> bool:
    return GRAD_MODE.enabled and t._rg


def _view(self: Tensor, data: np.ndarray, cls: type, **saved: Any) -> tuple[Tensor, Any]:
    """A result sharing storage (and version counter) with ``self``."""
    t, node = result(data, cls if _recording(self) else None, (self,))
    t._vc = self._counter()
    t._base = self._base if self._base is not None else self
    if node is not None:
        node.ctx = self._data.shape
        node._saved.update(saved)
    return t, node


def _sizes(args: tuple) -> tuple[int, ...]:
    """``reshape(2, 3)``, ``reshape((2, 3))`` and ``reshape([2, 3])`` alike."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    return tuple(int(a) for a in args)


def _infer_shape(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _reshape_backward(self: Any, grad: np.ndarray) -> tuple:
    return (grad.reshape(self.ctx),)


ViewBackward0 = node_class("ViewBackward0", ("self",), {"self": "grad.reshape(self.sizes())"},
                           _reshape_backward)
UnsafeViewBackward0 = node_class("UnsafeViewBackward0", ("self",),
                                 {"self": "grad.reshape(self.sizes())"}, _reshape_backward)
ReshapeAliasBackward0 = node_class("ReshapeAliasBackward0", ("self",),
                                   {"self": "grad.reshape(self.sizes())"}, _reshape_backward)


@register("view", "shape", attrs=(AttrSpec("shape", "shape", required=True),),
          grad_fns=("ViewBackward0",))
def view(self: Tensor, *shape: Any) -> Tensor:
    """the same elements seen with another shape (no copy)"""
    if len(shape) == 1 and isinstance(shape[0], dtypes.DType):
        raise TypeError("gradviz does not reinterpret tensors as another dtype")
    target = _infer_shape(_sizes(shape), self._data.size)
    data = self._data.view()
    try:
        data.shape = target
    except AttributeError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    return _view(self, data, ViewBackward0, self_sym_sizes=self._data.shape)[0]


@register("reshape", "shape", attrs=(AttrSpec("shape", "shape", required=True),),
          grad_fns=("ViewBackward0", "ReshapeAliasBackward0", "UnsafeViewBackward0",
                    "CloneBackward0"))
def reshape(self: Tensor, *shape: Any) -> Tensor:
    """the same elements with another shape (a view when possible, else a copy)"""
    target = _infer_shape(_sizes(shape), self._data.size)
    data = self._data.view()
    try:
        data.shape = target
    except AttributeError:
        # Not expressible as a view: PyTorch copies (clone) and reshapes the copy.
        copied = clone(self)
        t, node = result(copied._data.reshape(target),
                         UnsafeViewBackward0 if _recording(copied) else None, (copied,))
        if node is not None:
            node.ctx = copied._data.shape
            node._saved["self_sym_sizes"] = copied._data.shape
        return t
    # A contiguous tensor is reshaped by view(); any other viewable one by _reshape_alias.
    cls = ViewBackward0 if self._data.flags.c_contiguous else ReshapeAliasBackward0
    return _view(self, data, cls, self_sym_sizes=self._data.shape)[0]


@register("flatten", "shape", attrs=(AttrSpec("start_dim", "int", 0),
                                     AttrSpec("end_dim", "int", -1)),
          grad_fns=("ViewBackward0",))
def flatten(self: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """dims start_dim..end_dim merged into one"""
    shape = self._data.shape
    if not shape:
        return reshape(self, 1)
    start, end = wrap_dim(start_dim, len(shape)), wrap_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return self
    merged = int(np.prod(shape[start:end + 1], dtype=np.int64))
    return reshape(self, shape[:start] + (merged,) + shape[end + 1:])


def _permute_backward(self: Any, grad: np.ndarray) -> tuple:
    return (np.transpose(grad, np.argsort(self.ctx)),)


def _transpose_backward(self: Any, grad: np.ndarray) -> tuple:
    d0, d1 = self.ctx
    return (np.swapaxes(grad, d0, d1) if grad.ndim else grad,)


def _t_backward(self: Any, grad: np.ndarray) -> tuple:
    return (grad.T,)


PermuteBackward0 = node_class("PermuteBackward0", ("self",),
                              {"self": "grad.permute(inverse of dims)"}, _permute_backward)
TransposeBackward0 = node_class("TransposeBackward0", ("self",),
                                {"self": "grad.transpose(dim0, dim1)"}, _transpose_backward)
TBackward0 = node_class("TBackward0", ("self",), {"self": "grad.t()"}, _t_backward)


@register("permute", "shape", attrs=(AttrSpec("dims", "shape", required=True),),
          grad_fns=("PermuteBackward0",))
def permute(self: Tensor, *dims: Any) -> Tensor:
    """dimensions reordered"""
    order = _sizes(dims)
    ndim = self._data.ndim
    if len(order) != ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            "length of the desired ordering of dimensions i.e. input.dim() = "
            f"{ndim} is not equal to len(dims) = {len(order)}")
    wrapped = tuple(wrap_dim(d, ndim) for d in order)
    if len(set(wrapped)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    t, node = _view(self, np.transpose(self._data, wrapped), PermuteBackward0, dims=order)
    if node is not None:
        node.ctx = wrapped
    return t


@register("transpose", "shape", attrs=(AttrSpec("dim0", "int", 0), AttrSpec("dim1", "int", 1)),
          grad_fns=("TransposeBackward0",), aliases=("swapaxes",))
def transpose(self: Tensor, dim0: int = 0, dim1: int = 1) -> Tensor:
    """two dimensions swapped"""
    ndim = self._data.ndim
    d0, d1 = wrap_dim(dim0, ndim), wrap_dim(dim1, ndim)
    data = np.swapaxes(self._data, d0, d1) if ndim else self._data.view()
    t, node = _view(self, data, TransposeBackward0, dim0=int(dim0), dim1=int(dim1))
    if node is not None:
        node.ctx = (d0, d1)
    return t


@register("t", "shape", grad_fns=("TBackward0",))
def t(self: Tensor) -> Tensor:
    """matrix transpose (tensors of at most 2 dimensions)"""
    if self._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{self._data.ndim}D")
    return _view(self, self._data.T, TBackward0)[0]


def _T(self: Tensor) -> Tensor:  # noqa: N802 - the property is ``.T``
    """dimensions reversed (``x.T``)"""
    return permute(self, tuple(reversed(range(self._data.ndim))))


def _unsqueeze_backward(self: Any, grad: np.ndarray) -> tuple:
    return (np.squeeze(grad, self.ctx),)


def _squeeze_backward(self: Any, grad: np.ndarray) -> tuple:
    return (grad.reshape(self.ctx),)


UnsqueezeBackward0 = node_class("UnsqueezeBackward0", ("self",), {"self": "grad.squeeze(dim)"},
                                _unsqueeze_backward)
SqueezeBackward0 = node_class("SqueezeBackward0", ("self",),
                              {"self": "grad.reshape(self.sizes())"}, _squeeze_backward)
SqueezeBackward1 = node_class("SqueezeBackward1", ("self",),
                              {"self": "grad.unsqueeze(dim) if self.size(dim) == 1"},
                              _squeeze_backward)
SqueezeBackward2 = node_class("SqueezeBackward2", ("self",),
                              {"self": "grad.reshape(self.sizes())"}, _squeeze_backward)
SqueezeBackward4 = node_class("SqueezeBackward4", ("self",),
                              {"self": "grad.reshape(self.sizes())"}, _squeeze_backward)


@register("unsqueeze", "shape", attrs=(AttrSpec("dim", "int", required=True),),
          grad_fns=("UnsqueezeBackward0",))
def unsqueeze(self: Tensor, dim: int) -> Tensor:
    """a new dimension of size 1 at ``dim``"""
    axis = wrap_dim(dim, self._data.ndim + 1)
    t, node = _view(self, np.expand_dims(self._data, axis), UnsqueezeBackward0, dim=int(dim))
    if node is not None:
        node.ctx = axis
    return t


@register("squeeze", "shape", attrs=(AttrSpec("dim", "dims"),),
          grad_fns=("SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2"))
def squeeze(self: Tensor, dim: Any = None) -> Tensor:
    """dimensions of size 1 removed (only ``dim`` if given)"""
    shape = self._data.shape
    if dim is None:
        cls, axes = SqueezeBackward0, tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        cls = SqueezeBackward2 if isinstance(dim, (tuple, list)) else SqueezeBackward1
        axes = tuple(a for a in normalize_dims(dim, len(shape)) if shape and shape[a] == 1)
    raw = tuple(int(d) for d in dim) if isinstance(dim, (tuple, list)) else dim
    saved = {"self_sym_sizes": shape} if dim is None else {"dim": raw, "self_sym_sizes": shape}
    return _view(self, np.squeeze(self._data, axes), cls, **saved)[0]


def _squeeze_dims(self: Tensor, axes: tuple[int, ...]) -> Tensor:
    """squeeze.dims as matmul uses it (PyTorch's SqueezeBackward4)."""
    dim = axes[0] if len(axes) == 1 else axes
    return _view(self, np.squeeze(self._data, axes), SqueezeBackward4, dim=dim,
                 self_sym_sizes=self._data.shape)[0]


def _expand_backward(self: Any, grad: np.ndarray) -> tuple:
    return (reduce_to(grad, self.ctx),)


ExpandBackward0 = node_class("ExpandBackward0", ("self",),
                             {"self": "grad summed back to self's shape"}, _expand_backward)


@register("expand", "shape", attrs=(AttrSpec("size", "shape", required=True),),
          grad_fns=("ExpandBackward0",))
def expand(self: Tensor, *sizes: Any) -> Tensor:
    """a broadcast view with size-1 dims repeated (-1 keeps a size)"""
    target = list(_sizes(sizes))
    shape = self._data.shape
    lead = len(target) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(shape)}}}, size={target}): the number of sizes "
            "provided (%d) must be greater or equal to the number of dimensions in the tensor "
            "(%d)" % (len(target), len(shape)))
    for i in range(lead):
        if target[i] < 0:
            raise RuntimeError(f"The expanded size of the tensor ({target[i]}) isn't allowed in a "
                               f"leading, non-existing dimension {i}")
    for i, s in enumerate(shape):
        want = target[i + lead]
        if want == -1:
            target[i + lead] = s
        elif s != want and s != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({s}) "
                f"at non-singleton dimension {i + lead}.  Target sizes: {list(_sizes(sizes))}."
                f"  Tensor sizes: {list(shape)}")
    data = np.broadcast_to(self._data, tuple(target))
    return _view(self, data, ExpandBackward0, self_sym_sizes=shape)[0]


# -- indexing -----------------------------------------------------------------------------
def _select_backward(self: Any, grad: np.ndarray) -> tuple:
    shape, key = self.ctx
    out = np.zeros(shape, dtype=grad.dtype)
    out[key] = grad
    return (out,)


SelectBackward0 = node_class("SelectBackward0", ("self",),
                             {"self": "zeros like self, with grad at the selected index"},
                             _select_backward)
SliceBackward0 = node_class("SliceBackward0", ("self",),
                            {"self": "zeros like self, with grad in the slice"}, _select_backward)
AliasBackward0 = node_class("AliasBackward0", ("self",), {"self": "grad"},
                            lambda self, grad: (grad,))


def _select(t: Tensor, dim: int, index: int, real_dim: int) -> Tensor:
    """``t`` at ``index`` along ``dim``; PyTorch's message names ``real_dim``, the position
    of the index in the subscript."""
    size = t._data.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of bounds for dimension {real_dim} with size "
                         f"{size}")
    # The trailing Ellipsis keeps numpy from turning a 0-d result into a copied scalar.
    key = (slice(None),) * dim + (index % size, Ellipsis)
    return _keyed_view(t, key, SelectBackward0, dim=dim, index=index)


def _slice(t: Tensor, dim: int, piece: slice) -> Tensor:
    if piece.step is not None and piece.step <= 0:
        if piece.step == 0:
            raise ValueError("slice step cannot be zero")
        raise ValueError("step must be greater than zero")
    start, end, step = piece.indices(t._data.shape[dim])
    key = (slice(None),) * dim + (slice(start, end, step),)
    return _keyed_view(t, key, SliceBackward0, dim=dim,
                       start=0 if piece.start is None else piece.start,
                       end=_INT64_MAX if piece.stop is None else piece.stop, step=step)


_INT64_MAX = 9223372036854775807


def _keyed_view(t: Tensor, key: tuple, cls: type, **saved: Any) -> Tensor:
    """``t[key]`` as a view whose backward scatters the gradient back through ``key``."""
    out, node = _view(t, t._data[key], cls, self_sym_sizes=t._data.shape, **saved)
    if node is not None:
        node.ctx = (t._data.shape, key)
    return out


def _check_index(item: Any) -> Any:
    """One index item as int, slice, None or Ellipsis, or PyTorch's error."""
    if item is None or item is Ellipsis or isinstance(item, slice):
        return item
    if isinstance(item, (int, np.integer)) and not isinstance(item, (bool, np.bool_)):
        return int(item)
    if isinstance(item, Tensor):
        kind = item._data.dtype.kind
        if kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if item._data.ndim == 0 and kind in "iu":
            return int(item._data)
    if isinstance(item, str):
        raise TypeError(f"new(): invalid data type '{type(item).__name__}'")
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                     f"Variables are valid indices (got {type(item).__name__})")


@register("getitem", "shape", attrs=(AttrSpec("index", "index", required=True),),
          grad_fns=("SelectBackward0", "SliceBackward0", "UnsqueezeBackward0", "AliasBackward0"),
          method="__getitem__")
def getitem(self: Tensor, index: Any) -> Tensor:
    """``x[index]`` with ints, slices, None and ``...``"""
    items = tuple(_check_index(i) for i in (index if isinstance(index, tuple) else (index,)))
    ndim = self._data.ndim
    specified = sum(1 for i in items if i is not None and i is not Ellipsis)
    if ndim == 0 and specified:
        if any(isinstance(i, slice) for i in items):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                         "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    if specified > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    if items.count(Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if isinstance(index, slice):  # PyTorch slices even when the slice takes everything
        return _slice(self, 0, index)
    # ``dim`` walks the result being built; ``used`` counts the dims of ``self`` consumed.
    out, dim, used = self, 0, 0
    for pos, item in enumerate(items):
        if item is None:
            out = unsqueeze(out, dim)
            dim += 1
        elif item is Ellipsis:
            remaining = sum(1 for i in items[pos + 1:] if i is not None and i is not Ellipsis)
            skipped = ndim - used - remaining
            dim += skipped
            used += skipped
        elif isinstance(item, slice):
            start, end, step = item.indices(out._data.shape[dim])
            if item.step == 0 or (start, end, step) != (0, out._data.shape[dim], 1):
                out = _slice(out, dim, item)
            dim += 1
            used += 1
        else:
            out = _select(out, dim, item, pos)
            used += 1
    if out is self:
        return _view(self, self._data.view(), AliasBackward0)[0]
    return out


# -- joining ------------------------------------------------------------------------------
def _split_backward(self: Any, grad: np.ndarray) -> tuple:
    axis, sizes, stacked = self.ctx
    if stacked:
        return tuple(np.take(grad, i, axis=axis) for i in range(len(sizes)))
    bounds = np.cumsum(sizes)[:-1]
    return tuple(np.split(grad, bounds, axis=axis))


CatBackward0 = node_class("CatBackward0", ("tensors",),
                          {"tensors": "grad split along dim back into the pieces"},
                          _split_backward)
StackBackward0 = node_class("StackBackward0", ("tensors",),
                            {"tensors": "grad unstacked along dim"}, _split_backward)


def _joined(tensors: list, dim: int, stacked: bool) -> Tensor:
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    if not tensors:
        if stacked:
            raise RuntimeError("stack expects a non-empty TensorList")
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    want = dtypes.result_type([t.dtype for t in tensors], [], []).numpy
    arrays = [t._data if t._data.dtype == want else t._data.astype(want) for t in tensors]
    ref = arrays[0].shape
    if stacked:
        axis = wrap_dim(dim, len(ref) + 1)
        for i, a in enumerate(arrays):
            if a.shape != ref:
                raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                                   f"{list(ref)} at entry 0 and {list(a.shape)} at entry {i}")
        data = np.stack(arrays, axis=axis)
    else:
        for i, a in enumerate(arrays):
            if a.ndim == 0:
                raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                                   "concatenated")
        axis = wrap_dim(dim, len(ref))
        for i, a in enumerate(arrays):
            if a.ndim != len(ref):
                raise RuntimeError(f"Tensors must have same number of dimensions: got "
                                   f"{len(ref)} and {a.ndim}")
            for d, (x, y) in enumerate(zip(ref, a.shape, strict=True)):
                if d != axis and x != y:
                    raise RuntimeError(
                        f"Sizes of tensors must match except in dimension {axis}. Expected "
                        f"size {x} but got size {y} for tensor number {i} in the list.")
        data = np.concatenate(arrays, axis=axis)
    record = GRAD_MODE.enabled and any(t._rg for t in tensors)
    out, node = result(data, (StackBackward0 if stacked else CatBackward0) if record else None,
                       tuple(tensors))
    if node is not None:
        node.ctx = (axis, [a.shape[axis] if not stacked else 1 for a in arrays], stacked)
        node._saved["dim"] = int(dim)
    return out


@register("cat", "shape", ("tensors",), variadic=True, attrs=(AttrSpec("dim", "int", 0),),
          grad_fns=("CatBackward0",), method=None, aliases=())
def cat(tensors: list, dim: int = 0) -> Tensor:
    """tensors joined along an existing dimension"""
    return _joined(tensors, dim, stacked=False)


@register("stack", "shape", ("tensors",), variadic=True, attrs=(AttrSpec("dim", "int", 0),),
          grad_fns=("StackBackward0",), method=None)
def stack(tensors: list, dim: int = 0) -> Tensor:
    """tensors joined along a new dimension"""
    return _joined(tensors, dim, stacked=True)


# -- copies -------------------------------------------------------------------------------
CloneBackward0 = node_class("CloneBackward0", ("self",), {"self": "grad"},
                            lambda self, grad: (grad,))


def _to_copy_backward(self: Any, grad: np.ndarray) -> tuple:
    return (grad.astype(self.ctx),)


ToCopyBackward0 = node_class("ToCopyBackward0", ("self",), {"self": "grad.to(self.dtype)"},
                             _to_copy_backward)


@register("clone", "shape", grad_fns=("CloneBackward0",))
def clone(self: Tensor) -> Tensor:
    """a copy with its own storage (gradient passes through)"""
    return result(self._data.copy(), CloneBackward0 if _recording(self) else None, (self,))[0]


def contiguous(self: Tensor) -> Tensor:
    """self if its storage is in row-major order, else a copy that is"""
    return self if self._data.flags.c_contiguous else clone(self)


@register("to", "shape", attrs=(AttrSpec("dtype", "dtype", required=True),),
          grad_fns=("ToCopyBackward0",))
def to(self: Tensor, dtype: Any = None, *args: Any, **kwargs: Any) -> Tensor:
    """a copy converted to ``dtype`` (devices other than the CPU are not available)"""
    if isinstance(dtype, str) and dtype == "cpu":
        dtype = kwargs.get("dtype", args[0] if args else None)
    target = dtypes.as_dtype(dtype if dtype is not None else kwargs.get("dtype"))
    if target is None or target.numpy == self._data.dtype:
        return self
    if self._rg and not target.is_floating_point and GRAD_MODE.enabled:
        return Tensor._wrap(self._data.astype(target.numpy))
    t, node = result(self._data.astype(target.numpy),
                     ToCopyBackward0 if _recording(self) else None, (self,))
    if node is not None:
        node.ctx = self._data.dtype
    return t
