"""float32/float64 ``sum``, ``mean`` and 2-norm rounded bit for bit as PyTorch's CPU kernels.

A float sum's last bit depends on the order of its additions, and PyTorch's order is not
numpy's: printed with 4 decimals, ``x.norm()`` or ``x.sum()`` then shows another digit.
This module replays the order (and the fused multiply-adds) of PyTorch 2.13 on x86-64 with
the AVX2/AVX512 kernels; the reference machine reports the ``AVX512`` capability, yet its
reductions behave as 256-bit ``Vectorized`` lanes (8 floats, 4 doubles) and agree bit for
bit with ``ATEN_CPU_CAPABILITY=avx2`` (with ``=default`` only the norm's tail differs: it is
not fused).  The sources replayed (aten/src/ATen/...):

* ``native/TensorIterator.cpp``: ``reorder_dimensions`` and ``coalesce_dimensions`` fix the
  order in which the reduced elements are visited;
* ``native/cpu/SumKernel.cpp``: ``cascade_sum`` sums rows in 4 interleaved accumulators
  (``row_sum``), each a 4-level cascade of blocks (``multi_row_sum``), in vector lanes when
  the row is contiguous;
* ``native/cpu/ReduceOpsKernel.cpp``: ``norm_kernel_tensor_iterator_impl`` squares and adds
  a contiguous row in 8 (float) or 4 (double) lanes, then the lanes in order, then the tail;
  the compiled tail squares a group of 4 elements as a vector and fuses the others into
  multiply-adds.  Other layouts go through ``binary_kernel_reduce``
  (``native/cpu/Reduce.h``): one running ``acc + x * x`` per output, unfused;
* ``native/TensorIteratorReduce.cpp``: a whole-tensor reduction of at least ``GRAIN_SIZE``
  elements is split over the intra-op threads, so its last bit depends on their number
  (``THREADS``, PyTorch's default unless changed).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator

import numpy as np

# Lanes of a 256-bit ``Vectorized<T>``: how many running sums a vector loop keeps.
_LANES = {np.dtype(np.float32): 8, np.dtype(np.float64): 4}
# The compiled norm tail squares whole groups of 4 elements as a vector (then adds them one
# by one); the elements after the last group go through fused multiply-adds.
_TAIL_GROUP = 4
# at::internal::GRAIN_SIZE: smaller reductions run on one thread.
_GRAIN = 32768

Kernel = Callable[[np.ndarray, int], np.ndarray]


def handles(dtype: np.dtype) -> bool:
    """Whether PyTorch's order is replayed for ``dtype`` (numpy's is kept for the others)."""
    return dtype in _LANES


def _default_threads() -> int:
    """PyTorch's default intra-op thread count: ``OMP_NUM_THREADS``, else the physical cores."""
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            info = f.read()
    except OSError:
        return os.cpu_count() or 1
    cores = set(re.findall(r"physical id\s*:\s*(\d+).*?core id\s*:\s*(\d+)", info, re.S))
    return len(cores) or os.cpu_count() or 1


THREADS = _default_threads()


# -- the order of the elements: TensorIterator ---------------------------------------------
def _output_strides(shape: tuple[int, ...], axes: tuple[int, ...]) -> list[int]:
    """Strides of the (row-major) result, 0 along the reduced dims."""
    strides, step = [0] * len(shape), 1
    for d in reversed(range(len(shape))):
        if d not in axes:
            strides[d], step = step, step * shape[d]
    return strides


def _should_swap(a: tuple[int, int, int], b: tuple[int, int, int]) -> int:
    """TensorIterator's comparison of two (size, input stride, output stride) dims."""
    (size_a, in_a, out_a), (size_b, in_b, out_b) = a, b
    if (out_a == 0) != (out_b == 0):  # reduced dims go first
        return 1 if out_b == 0 else -1
    for stride_a, stride_b in ((out_a, out_b), (in_a, in_b)):
        if stride_a == 0 or stride_b == 0:
            continue
        if stride_a != stride_b:
            return -1 if stride_a < stride_b else 1
        if size_a > size_b:
            return 1
    return 0


def _reorder(dims: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """TensorIterator's insertion sort, which skips over undecided pairs."""
    dims = list(dims)
    for i in range(1, len(dims)):
        moving = i
        for j in range(i - 1, -1, -1):
            order = _should_swap(dims[j], dims[moving])
            if order > 0:
                dims[j], dims[moving] = dims[moving], dims[j]
                moving = j
            elif order < 0:
                break
    return dims


def _coalesce(dims: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Merge neighbouring dims that step through memory (and the result) as one."""
    merged = dims[:1]
    for size, stride, out in dims[1:]:
        last_size, last_stride, last_out = merged[-1]
        if last_size * last_stride == stride and last_size * last_out == out:
            merged[-1] = (last_size * size, last_stride, last_out)
        else:
            merged.append((size, stride, out))
    return merged


def _iter_view(a: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, int]:
    """``a`` seen as PyTorch's iterator sees it (fastest dim first) and its reduced dims.

    The reduced dims come first; the others follow in reverse row-major order of the result.
    """
    if any(s < 0 for s in a.strides):  # PyTorch has no negative strides
        a = a.copy()
    out = _output_strides(a.shape, axes)
    dims = [(a.shape[d], a.strides[d], out[d]) for d in reversed(range(a.ndim))
            if a.shape[d] != 1]
    dims = _coalesce(_reorder(dims))
    view = np.lib.stride_tricks.as_strided(a, tuple(d[0] for d in dims),
                                           tuple(d[1] for d in dims), writeable=False)
    return view, sum(d[2] == 0 for d in dims)


def reduce(a: np.ndarray, axes: tuple[int, ...], keepdim: bool, kernel: Kernel) -> np.ndarray:
    """Apply ``kernel`` to ``a``'s iterator view and lay its result out as PyTorch's."""
    view, reduced = _iter_view(a, axes)
    res = np.asarray(kernel(view, reduced), dtype=a.dtype)
    shape = tuple(1 if d in axes else n for d, n in enumerate(a.shape)
                  if keepdim or d not in axes)
    return np.ascontiguousarray(res.transpose()).reshape(shape)


# -- sequential sums -----------------------------------------------------------------------
def _fold(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """``((0 + x[0]) + x[1]) + ...`` along ``axis``, rounding after every addition."""
    if x.shape[axis] == 0:
        return np.zeros(x.shape[:axis] + x.shape[axis + 1:], x.dtype)
    rows = np.moveaxis(x, axis, 0)
    if rows.ndim > 1 and rows[0].size > 1:
        # Reducing the outer axis of a C-ordered array, numpy adds row after row (its
        # pairwise summation only runs along the innermost axis): the same roundings as
        # ``accumulate``, without writing every partial sum.
        rows = np.ascontiguousarray(rows).reshape(rows.shape[0], -1)
        return np.add.reduce(rows, axis=0).reshape(x.shape[:axis] + x.shape[axis + 1:]) \
            + x.dtype.type(0)
    return np.add.accumulate(x, axis=axis).take(-1, axis=axis) + x.dtype.type(0)


def _serial(parts: list[np.ndarray]) -> np.ndarray:
    """``((parts[0] + parts[1]) + ...)``: a C++ ``+=`` loop."""
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _cascade(x: np.ndarray) -> np.ndarray:
    """``multi_row_sum`` along axis 0: sums of blocks, of blocks of blocks, ... 4 levels deep."""
    step = 1 << max(4, (x.shape[0] - 1).bit_length() // 4)
    if x.shape[0] < step:  # no whole block: the upper levels add only zeros
        return _fold(x)
    tails = []
    for _ in range(3):
        full = x.shape[0] // step * step
        tails.append(_fold(x[full:]))
        x = _fold(x[:full].reshape((full // step, step) + x.shape[1:]), axis=1)
    return _serial([*tails, _fold(x)])


def _row_sum(x: np.ndarray) -> np.ndarray:
    """``row_sum`` along axis 0: 4 interleaved cascades, then the leftovers and the 4 sums."""
    n = x.shape[0] // 4 * 4
    parts = _cascade(x[:n].reshape((n // 4, 4) + x.shape[1:]))
    return _serial([parts[0], *x[n:], *parts[1:]])


def _vector_row_sum(x: np.ndarray) -> np.ndarray:
    """``vectorized_inner_sum`` of contiguous rows along axis 0: lanes, then tail, then lanes."""
    lanes = _LANES[x.dtype]
    n = x.shape[0] // lanes * lanes
    partials = _row_sum(x[:n].reshape((n // lanes, lanes) + x.shape[1:]))
    return _serial([_fold(x[n:]), *partials])


def _row_sums(v: np.ndarray) -> np.ndarray:
    """The sum along axis 0 of each row, by the loop ``cascade_sum`` picks for the layout."""
    lanes, item = _LANES[v.dtype], v.itemsize
    if v.strides[0] == item and v.shape[0] >= lanes:
        return _vector_row_sum(v)
    if v.ndim > 1 and v.strides[1] == item and v.shape[1] >= lanes:
        group = 4 * lanes  # the outer vector loop
    elif v.ndim == 1 or v.strides[0] < v.strides[1]:
        return _row_sum(v)
    else:
        group = 4
    # Outer loops: columns in whole groups get multi_row_sum, the rest row_sum.
    split = v.shape[1] // group * group
    return np.concatenate([_cascade(v[:, :split]), _row_sum(v[:, split:])])


def _serial_sum(v: np.ndarray, reduced: int) -> np.ndarray:
    """One thread's ``cascade_sum``: row sums added in turn into the zeroed result."""
    rows = _row_sums(v)
    order = list(reversed(range(reduced - 1))) + list(range(reduced - 1, rows.ndim))
    return _fold(rows.transpose(order).reshape((-1,) + rows.shape[reduced - 1:]))


def _blocks(shape: tuple[int, ...], begin: int, end: int) -> Iterator[tuple[int, int, int]]:
    """``serial_for_each``'s (start, size0, size1) loop calls for elements [begin, end)."""
    size1 = shape[1] if len(shape) > 1 else 1
    i = begin
    while i < end:
        size0 = min(shape[0] - i % shape[0], end - i)
        rows = 1
        if i % shape[0] == 0 and size0 == shape[0]:
            rows = min(size1 - i // shape[0] % size1, (end - i) // shape[0])
        yield i, size0, rows
        i += size0 * rows


def _chunks(numel: int) -> list[tuple[int, int]]:
    """``at::parallel_for(0, numel, GRAIN_SIZE)``: one contiguous range per busy thread."""
    busy = min(THREADS, -(-numel // _GRAIN))
    size = -(-numel // busy)
    return [(b, min(numel, b + size)) for b in range(0, numel, size)]


def _chunk_sum(v: np.ndarray, begin: int, end: int) -> np.ndarray:
    """One thread's share of a whole-tensor sum: its loop calls' rows, added in turn."""
    rows = []
    for start, size0, size1 in _blocks(v.shape, begin, end):
        index = np.unravel_index(start, v.shape, order="F")
        spans = tuple(slice(i, i + n) for i, n in zip(index, (size0, size1), strict=False))
        block = v[spans + tuple(index[2:])]
        rows.append(np.reshape(_row_sums(block), -1))
    return _fold(np.concatenate(rows))


def _split_dim(v: np.ndarray, reduced: int) -> int:
    """``find_split_dim``: the kept dim whose range ``parallel_dim_reduction`` shares out."""
    best = v.ndim - 1
    for d in range(v.ndim - 1, reduced - 1, -1):
        if v.shape[d] >= THREADS:
            return d
        if v.shape[d] > v.shape[best]:
            best = d
    return best


def _column_ranges(columns: int) -> list[tuple[int, int]]:
    """``at::parallel_for(0, columns, 1)``: one contiguous range of columns per thread."""
    size = -(-columns // min(THREADS, columns))
    return [(b, min(columns, b + size)) for b in range(0, columns, size)]


def sum_kernel(v: np.ndarray, reduced: int) -> np.ndarray:
    """``cascade_sum`` over the first ``reduced`` dims of an iterator view."""
    if reduced == 0:  # nothing to add up: the zeroed result plus the element
        return v + v.dtype.type(0)
    if v.size < _GRAIN or THREADS == 1:
        return _serial_sum(v, reduced)
    if reduced < v.ndim:
        # Threads taking ranges of the loop's columns restart its groups of 4 columns; a
        # vector loop's columns (contiguous) are shared out in whole groups, changing nothing.
        if _split_dim(v, reduced) != 1 or v.strides[1] == v.itemsize:
            return _serial_sum(v, reduced)
        return np.concatenate([_serial_sum(v[:, b:e], 1) for b, e in _column_ranges(v.shape[1])])
    # two_pass_reduction: a partial sum per thread, then the sum of those partial sums.
    partial = np.zeros(THREADS, v.dtype)
    for tid, (begin, end) in enumerate(_chunks(v.size)):
        partial[tid] = _chunk_sum(v, begin, end)
    return _serial_sum(partial, 1)


# -- the 2-norm ----------------------------------------------------------------------------
def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``a + b`` and its rounding error (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _add_round_odd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """float64 ``a + b`` rounded to odd, which a later rounding to nearest cannot double-round."""
    s, err = _two_sum(a, b)
    even = (s.view(np.int64) & 1) == 0
    nudge = (err != 0) & even & np.isfinite(err)
    return np.where(nudge, np.nextafter(s, np.copysign(np.inf, err)), s)


def _fma_square(x: np.ndarray, acc: np.ndarray) -> np.ndarray:
    """``acc + x * x`` rounded once, as the fused multiply-add of the compiled tail."""
    if x.dtype == np.float32:  # the square is exact in float64
        wide = _add_round_odd(acc.astype(np.float64), x.astype(np.float64) ** 2)
        return wide.astype(np.float32)
    # Boldo & Melquiond's fma: exact square (Dekker), exact sum, round-to-odd correction.
    split = x * 134217729.0
    hi = split - (split - x)
    lo = x - hi
    square = x * x
    error = ((hi * hi - square) + 2 * hi * lo) + lo * lo
    head, tail = _two_sum(acc, square)
    fused = head + _add_round_odd(tail, error)
    return np.where(np.isfinite(fused), fused, acc + square)  # inf and nan as PyTorch has them


def _lane_norm(v: np.ndarray) -> np.ndarray:
    """The vectorised 2-norm of contiguous rows along axis 0."""
    lanes = _LANES[v.dtype]
    n = v.shape[0] // lanes * lanes
    blocks = v[:n].reshape((n // lanes, lanes) + v.shape[1:])
    total = _serial(list(_fold(blocks * blocks)))
    tail = v[n:]
    unfused = len(tail) // _TAIL_GROUP * _TAIL_GROUP
    total = _serial([total, *(tail[:unfused] * tail[:unfused])])
    for x in tail[unfused:]:
        total = _fma_square(x, total)
    return np.sqrt(total)


def _running_norm(v: np.ndarray, reduced: int) -> np.ndarray:
    """``binary_kernel_reduce`` with ``NormTwoOps``: ``acc + x * x`` in visiting order."""
    order = list(reversed(range(reduced))) + list(range(reduced, v.ndim))
    seq = v.transpose(order).reshape((-1,) + v.shape[reduced:])
    squares = seq * seq
    if reduced < v.ndim or v.size < _GRAIN or THREADS == 1:
        return np.sqrt(_fold(squares))
    partial = [_fold(squares[begin:end]) for begin, end in _chunks(v.size)]
    return np.sqrt(_fold(np.array(partial)))


def norm2_kernel(v: np.ndarray, reduced: int) -> np.ndarray:
    """``linalg_vector_norm(ord=2)`` over the first ``reduced`` dims of an iterator view."""
    if reduced == 0:  # every reduced dim has size 1: PyTorch returns abs(x)
        return np.abs(v)
    if reduced == 1 and v.strides[0] == v.itemsize:
        return _lane_norm(v)
    return _running_norm(v, reduced)
