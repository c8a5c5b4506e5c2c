"""PyTorch's CPU random numbers, bit for bit: torch 2.13's default generator emulated in numpy,
so ``manual_seed(s)`` then ``rand``/``randn`` give exactly torch's values and leave the
generator where torch leaves it.

What torch does (paths in the pytorch repository):

* ``aten/src/ATen/core/MT19937RNGEngine.h``: a standard 32-bit MT19937, seeded by
  ``init_genrand`` with the low 32 bits of the 64-bit seed (the whole seed is what
  ``initial_seed()`` reports). numpy's ``MT19937`` runs the same recurrence, so we load the
  seeded state into it and take its raw 32-bit outputs.
* ``aten/src/ATen/CPUGeneratorImpl.cpp``: ``random64()`` joins two draws, the first one
  high; the generator also caches the second sample of ``normal_distribution<double>``,
  which ``manual_seed`` forgets.
* ``aten/src/ATen/core/TransformationHelper.h``: a float uniform is the low 24 bits of one
  draw times 2**-24, a double the low 53 bits of ``random64()`` times 2**-53.
* ``aten/src/ATen/native/cpu/DistributionTemplates.h``: ``uniform_kernel`` draws half
  values as floats and maps one that rounds up to 1 back to 0. ``normal_kernel`` fills a
  contiguous tensor of 16 or more elements with uniforms, runs Box-Muller on each block of
  16 (pairs ``j``, ``j + 8``) and, when 16 does not divide the size, redoes the last 16 from
  16 fresh uniforms; half tensors draw only whole blocks, through a float buffer. Smaller
  tensors use ``normal_distribution<double>`` (``aten/src/ATen/core/DistributionsHelper.h``)
  one element at a time.
* Float Box-Muller is ``NormalFill16<float, true>``, the AVX2 kernel built on
  ``log256_ps``/``sincos256_ps`` (``aten/src/ATen/native/cpu/avx_mathfun.h``). Machines
  reporting AVX512 run it too: ``DistributionKernels.cpp`` registers ``normal_stub`` with
  ``REGISTER_NO_AVX512_DISPATCH``. We replay it in float32 with the multiply-adds that GCC
  fused in the torch 2.13 wheel (read from its disassembly). A machine whose torch runs the
  DEFAULT kernel (no AVX2, or ``ATEN_CPU_CAPABILITY=default``) gets libm floats instead.
* Double Box-Muller and ``normal_distribution<double>`` call libm's ``log``/``log1p``/
  ``sin``/``cos``. ``math`` calls that same libm; numpy's float64 ``sin``/``cos`` do too,
  but its SIMD float64 ``log`` differs in the last bit now and then, so logs go through
  ``math`` (the slow part of a large double ``randn``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import SupportsInt

import numpy as np

F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)
_U64 = np.uint64
_BLOCK = 16
# Box-Muller runs on this many uniforms (whole blocks) at a time: temporaries stay in cache.
_CHUNK = 2 ** 16
_TWO_PI = 2.0 * math.pi


def _as_seed(seed: SupportsInt | str) -> int:
    """torch.manual_seed's reading of a seed: ``int(seed)`` in [-2**63, 2**64), wrapped."""
    value = int(seed)
    if not -2 ** 63 <= value < 2 ** 64:
        raise ValueError("Overflow when unpacking long long")
    return value % 2 ** 64


def _nondeterministic_seed() -> int:
    """64 bits from the OS, like c10's getNonDeterministicRandom."""
    return int.from_bytes(os.urandom(8), "little")


class Generator:
    """torch's CPU generator: the MT19937 engine plus the cached normal sample."""

    def __init__(self, seed: int | None = None) -> None:
        self._engine = np.random.MT19937(0)
        self.manual_seed(_nondeterministic_seed() if seed is None else seed)

    def manual_seed(self, seed: SupportsInt | str) -> Generator:
        """Restart the sequence exactly as ``torch.manual_seed(seed)`` does."""
        self._seed = _as_seed(seed)
        key = np.random.RandomState(self._seed & 0xFFFFFFFF).get_state()[1]
        self._engine.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 624}}
        self._next_normal: float | None = None
        return self

    def initial_seed(self) -> int:
        return self._seed

    def seed(self) -> int:
        """Reseed from the OS and return the new seed."""
        self.manual_seed(_nondeterministic_seed())
        return self._seed

    def random(self, count: int) -> np.ndarray:
        """``count`` raw 32-bit engine outputs (as uint64)."""
        return self._engine.random_raw(count)

    def random64(self, count: int) -> np.ndarray:
        """``count`` joined pairs of draws, the first one high."""
        draws = self.random(2 * count)
        return (draws[0::2] << _U64(32)) | draws[1::2]

    def uniform(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """``torch.rand``: uniform in [0, 1)."""
        count = math.prod(shape)
        if dtype == F64:
            return self._uniform_double(count).reshape(shape)
        values = self._uniform_float(count)
        if dtype == F16:
            values = values.astype(F16)
            values[values == 1] = 0
        return values.reshape(shape)

    def normal(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """``torch.randn``: standard normal samples."""
        count = math.prod(shape)
        if count < _BLOCK:
            values = self._serial_normals(count, dtype)
        elif dtype == F64:
            values = self._normal_fill(count, self._uniform_double, _box_muller_double,
                                       draw_all=True)
        else:
            values = self._normal_fill(count, self._uniform_float, _box_muller_avx2,
                                       draw_all=dtype == F32)
        return values.astype(dtype, copy=False).reshape(shape)

    def _uniform_float(self, count: int) -> np.ndarray:
        bits = self.random(count) & _U64(0xFFFFFF)
        return bits.astype(F32) * np.float32(2.0 ** -24)

    def _uniform_double(self, count: int) -> np.ndarray:
        return (self.random64(count) & _U64(2 ** 53 - 1)).astype(F64) * 2.0 ** -53

    def _normal_fill(self, count: int, uniform: Callable[[int], np.ndarray],
                     box_muller: Callable[[np.ndarray], np.ndarray], draw_all: bool) -> np.ndarray:
        """normal_fill: Box-Muller on whole blocks, then the last 16 redone from fresh
        uniforms. Float and double draw a uniform for every element first (the ragged
        ones are wasted); half draws only whole blocks."""
        whole = count - count % _BLOCK
        drawn = uniform(count if draw_all else whole)
        out = np.empty(count, drawn.dtype)
        for start in range(0, whole, _CHUNK):
            stop = min(start + _CHUNK, whole)
            out[start:stop] = box_muller(drawn[start:stop])
        if whole != count:
            out[-_BLOCK:] = box_muller(uniform(_BLOCK))
        return out

    def _serial_normals(self, count: int, dtype: np.dtype) -> np.ndarray:
        """Small tensors: a normal_distribution<double> sample each, narrowed the way c10
        does it (a half is built from a float)."""
        values = np.array([self._serial_normal() for _ in range(count)], F64)
        return values if dtype == F64 else values.astype(F32)

    def _serial_normal(self) -> float:
        """at::normal_distribution<double>: Box-Muller on two double uniforms; the sine
        sample is kept for the next call."""
        if self._next_normal is not None:
            value, self._next_normal = self._next_normal, None
            return value + 0.0  # ``value * std + mean`` turns -0.0 into 0.0
        u1, u2 = self._uniform_double(2).tolist()
        radius = math.sqrt(-2.0 * math.log1p(-u2))
        theta = _TWO_PI * u1
        self._next_normal = radius * math.sin(theta)
        return radius * math.cos(theta) + 0.0


def _halves(uniforms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each block's first and last 8 uniforms, as contiguous flat arrays."""
    blocks = uniforms.reshape(-1, _BLOCK)
    return blocks[:, :8].ravel(), blocks[:, 8:].ravel()


def _join(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.concatenate((first.reshape(-1, 8), second.reshape(-1, 8)), axis=1).ravel()


def _libm(function: Callable[[float], float], values: np.ndarray) -> np.ndarray:
    return np.fromiter(map(function, values.tolist()), F64, len(values))


def _box_muller_double(uniforms: np.ndarray) -> np.ndarray:
    """NormalFill16<double>: ``fma(radius * cos(theta), std, mean)`` with libm functions."""
    first, second = _halves(uniforms)
    radius = np.sqrt(-2.0 * _libm(math.log, 1.0 - first))
    theta = _TWO_PI * second
    return _join(radius * np.cos(theta) + 0.0, radius * np.sin(theta) + 0.0)


# -- the AVX2 float kernel ------------------------------------------------------------------

def _c(value: float) -> np.float32:
    return np.float32(value)


_ONE, _HALF = _c(1.0), _c(0.5)
_MIN_NORM_POS = _c(1.1754943508222875e-38)
_SQRTHF = _c(0.707106781186547524)
_LOG_P = tuple(_c(v) for v in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1,
                               -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
                               2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1))
_LOG_Q1, _LOG_Q2 = _c(-2.12194440e-4), _c(0.693359375)
_FOPI = _c(1.27323954473516)
_MINUS_DP = (_c(-0.78515625), _c(-2.4187564849853515625e-4), _c(-3.77489497744594108e-8))
_SINCOF = (_c(-1.9515295891e-4), _c(8.3321608736e-3), _c(-1.6666654611e-1))
_COSCOF = (_c(2.443315711809948e-005), _c(-1.388731625493765e-003),
           _c(4.166664568298827e-002))
_TWO_PI_F = _c(_TWO_PI)
_SIGN = np.uint32(0x80000000)
_ROUNDING_BITS, _MIDPOINT = _U64(0x1FFFFFFF), _U64(0x10000000)


def _fma(a: np.ndarray | np.float32, b: np.ndarray | np.float32,
         c: np.ndarray | np.float32) -> np.ndarray:
    """float32 ``fma(a, b, c)`` with its single rounding: the product is exact in float64,
    and a sum that float64 rounded onto a float32 midpoint is nudged the way the exact sum
    lies, so the second rounding cannot go wrong."""
    total = np.multiply(a, b, dtype=F64)
    total += c
    at_midpoint = (total.view(_U64) & _ROUNDING_BITS) == _MIDPOINT
    if at_midpoint.any():
        where = at_midpoint.nonzero()[0]
        total[where] = _exact_side(total, a, b, c, where)
    return total.astype(F32)


def _exact_side(total: np.ndarray, a: np.ndarray | np.float32, b: np.ndarray | np.float32,
                c: np.ndarray | np.float32, where: np.ndarray) -> np.ndarray:
    """``total[where]`` moved one float64 step towards ``a * b + c`` (TwoSum's error)."""
    def pick(x: np.ndarray | np.float32) -> np.ndarray | np.float64:
        return x[where].astype(F64) if isinstance(x, np.ndarray) else np.float64(x)

    product, addend, rounded = pick(a) * pick(b), pick(c), total[where]
    addend_part = rounded - product
    error = (product - (rounded - addend_part)) + (addend - addend_part)
    nudged = np.nextafter(rounded, np.where(error > 0, np.inf, -np.inf))
    return np.where(error == 0, rounded, nudged)


def _log256_ps(x: np.ndarray) -> np.ndarray:
    """Cephes log in float32, as avx_mathfun.h's log256_ps (inputs are in (0, 1])."""
    bits = np.maximum(x, _MIN_NORM_POS).view(np.uint32)
    e = ((bits >> np.uint32(23)).astype(np.int32) - 127).astype(F32) + _ONE
    x = ((bits & np.uint32(0x807FFFFF)) | _HALF.view(np.uint32)).view(F32)
    below = x < _SQRTHF
    e -= below.astype(F32)
    x = (x - _ONE) + x * below
    z = x * x
    y = _fma(x, _LOG_P[0], _LOG_P[1])
    for coefficient in _LOG_P[2:]:
        y = _fma(y, x, coefficient)
    y = _fma(y * x, z, e * _LOG_Q1)
    y = _fma(-z, _HALF, y)
    return _fma(e, _LOG_Q2, x + y)


def _sincos256_ps(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cephes sine and cosine in float32, as avx_mathfun.h's sincos256_ps."""
    x = np.abs(theta)
    octant = (x * _FOPI).astype(np.int32)
    octant = (octant + 1) & ~1
    y = octant.astype(F32)
    sin_sign = (theta.view(np.uint32) & _SIGN) ^ ((octant & 4) << 29).view(np.uint32)
    cos_sign = ((~(octant - 2) & 4) << 29).view(np.uint32)
    for step in _MINUS_DP:
        x = _fma(y, step, x)
    z = x * x
    cos_poly = _fma(_fma(z, _COSCOF[0], _COSCOF[1]), z, _COSCOF[2])
    cos_poly = _fma(z, z * cos_poly, -(z * _HALF)) + _ONE
    sin_poly = _fma(_fma(z, _SINCOF[0], _SINCOF[1]), z, _SINCOF[2])
    sin_poly = _fma(x, z * sin_poly, x)
    sine_first = (octant & 2) == 0
    sine = np.where(sine_first, sin_poly, cos_poly)
    cosine = np.where(sine_first, cos_poly, sin_poly)
    return ((sine.view(np.uint32) ^ sin_sign).view(F32),
            (cosine.view(np.uint32) ^ cos_sign).view(F32))


def _box_muller_avx2(uniforms: np.ndarray) -> np.ndarray:
    """NormalFill16<float, true>: the last step is ``fmadd(n, std=1, mean=0)``, which only
    turns -0.0 into 0.0."""
    first, second = _halves(uniforms)
    radius = np.sqrt(_log256_ps(_ONE - first) * _c(-2.0))
    sine, cosine = _sincos256_ps(_TWO_PI_F * second)
    return _join(radius * cosine + _c(0.0), radius * sine + _c(0.0))
