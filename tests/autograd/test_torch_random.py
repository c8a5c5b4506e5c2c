"""``manual_seed`` then ``rand``/``randn`` draw PyTorch's exact values (float32, float64 and
float16, every size and shape, any sequence of calls): checked bit for bit against torch
when it is installed, and against values copied from torch 2.13 otherwise."""

from fractions import Fraction

import numpy as np
import pytest

import gradviz as gv
from gradviz.autograd.torch_random import Generator, _fma

SEEDS = [0, 1, 42, 2 ** 32 + 5, 2 ** 63 - 1]
SIZES = [0, 1, 2, 3, 15, 16, 17, 31, 100, 1000, 100003]
DTYPES = ["float32", "float64", "float16"]
SHAPES = [(), (2, 3), (4, 4, 1), (0, 5), (3, 17), (5, 1, 7), (2, 8, 8)]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def bits(values: np.ndarray) -> list[int]:
    """The raw bits of each element, so that 0.0 and -0.0 or two NaNs are told apart."""
    flat = np.ascontiguousarray(values).reshape(-1)
    return flat.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[flat.itemsize]).tolist()


def draw(lib, function: str, shape: tuple, dtype: str) -> list[int]:
    out = getattr(lib, function)(shape, dtype=getattr(lib, dtype))
    assert tuple(out.shape) == shape
    return bits(out.numpy())


# -- values copied from torch 2.13's output (torch.manual_seed, then the call) --------------

def hexes(values: np.ndarray) -> list[str]:
    return [hex(b) for b in bits(values)]


def test_randn_after_seed_0_is_torchs():
    gv.manual_seed(0)
    x = gv.randn(5)
    assert hexes(x.numpy()) == ["0x3fc53f5c", "0xbe963c50", "0xc00b7149", "0x3f1184b6",
                                "0xbf8ad1a1"]
    assert str(x) == "tensor([ 1.5410, -0.2934, -2.1788,  0.5684, -1.0845])"


def test_rand_after_seed_0_is_torchs():
    gv.manual_seed(0)
    x = gv.rand(5)
    assert hexes(x.numpy()) == ["0x3efe1558", "0x3f44aa2f", "0x3db533a8", "0x3e073300",
                                "0x3e9d6686"]
    assert str(x) == "tensor([0.4963, 0.7682, 0.0885, 0.1320, 0.3074])"


@pytest.mark.parametrize(("size", "dtype", "part", "expected"), [
    # 16 floats: the vectorised Box-Muller kernel
    (16, "float32", slice(-4, None), ["0x3df56f77", "0x3f9e6b93", "0x3f8ef28e", "0xbe7d367c"]),
    # 17 floats: the last 16 are redone from fresh uniforms
    (17, "float32", slice(-3, None), ["0x3f72409c", "0xbf57fb33", "0x3f6e8c30"]),
    (3, "float64", slice(None), ["0x3ff8a7eb8902be3a", "0xbfd2c78a087c6fea",
                                 "0xc0016e2920a70ee5"]),
    (16, "float64", slice(0, 2), ["0xc0027bb92e9262dc", "0xbfd7e35794939460"]),
    (16, "float16", slice(0, 4), ["0xbc81", "0xbc9c", "0xb402", "0xb6f1"]),
])
def test_randn_pinned_values(size, dtype, part, expected):
    gv.manual_seed(0)
    assert hexes(gv.randn(size, dtype=getattr(gv, dtype)).numpy())[part] == expected


def test_rand_float64_pinned_values():
    gv.manual_seed(0)
    assert hexes(gv.rand(3, dtype=gv.float64).numpy()) == [
        "0x3fef0aac97c4aa2f", "0x3fe6a675d821ccc0", "0x3fdd6687b744a5f6"]


def test_calls_continue_the_sequence_like_torch():
    """randn(3) leaves a cached normal sample that the second randn(3) starts with."""
    gv.manual_seed(42)
    assert hexes(gv.randn(3).numpy()) == ["0x3eac62ae", "0x3e03e69d", "0x3e7016e7"]
    assert hexes(gv.rand(2).numpy()) == ["0x3f70d666", "0x3e0861e4"]
    assert hexes(gv.randn(3).numpy()) == ["0x3e6bdc6c", "0xc01dd3e1", "0x3eb97d94"]


# -- seeds ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("seed", "initial"), [
    (0, 0), (2 ** 64 - 1, 2 ** 64 - 1), (-1, 2 ** 64 - 1), (-2 ** 63, 2 ** 63), (2.7, 2),
    ("3", 3)])
def test_manual_seed_reads_the_seed_like_torch(seed, initial):
    gv.manual_seed(seed)
    assert gv.initial_seed() == initial


@pytest.mark.parametrize("seed", [2 ** 64, -2 ** 63 - 1])
def test_manual_seed_out_of_range(seed):
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        gv.manual_seed(seed)


def test_seeds_that_agree_in_the_low_32_bits_draw_the_same():
    gv.manual_seed(5)
    first = bits(gv.randn(20).numpy())
    gv.manual_seed(2 ** 32 + 5)
    assert bits(gv.randn(20).numpy()) == first
    assert gv.initial_seed() == 2 ** 32 + 5


def test_seed_draws_a_fresh_seed_and_reports_it():
    new = gv.seed()
    assert gv.initial_seed() == new
    assert 0 <= new < 2 ** 64
    values = bits(gv.rand(8).numpy())
    gv.manual_seed(new)
    assert bits(gv.rand(8).numpy()) == values


def test_unseeded_generators_differ():
    assert Generator().initial_seed() != Generator().initial_seed()


@pytest.mark.parametrize(("function", "kernel"), [("rand", "check_uniform_bounds"),
                                                  ("randn", "normal_kernel_cpu")])
@pytest.mark.parametrize(("dtype", "name"), [("int64", "Long"), ("int32", "Int"),
                                             ("bool", "Bool")])
def test_integer_dtypes_have_no_kernel(function, kernel, dtype, name):
    with pytest.raises(NotImplementedError, match=f"\"{kernel}\" not implemented for '{name}'"):
        getattr(gv, function)(3, dtype=getattr(gv, dtype))


def test_half_rand_never_rounds_up_to_one():
    gv.manual_seed(0)
    x = gv.rand(100000, dtype=gv.float16).numpy()
    assert x.max() < 1 and (x == 0).sum() > 10  # torch maps the 1.0s to 0


def test_fma_rounds_once():
    """A float64 sum that lands on a float32 midpoint must not decide the float32 rounding."""
    a, b, c = [], [], []
    for k in range(1, 60):
        for sign in (1, -1):
            for addend in (1 + 2 ** -23, 1 + 3 * 2 ** -23, 1.0):
                a.append(1 + k * 2 ** -23)
                b.append(sign * 2 ** -24 * (1 - k * 2 ** -23))
                c.append(addend)
    a, b, c = (np.array(v, np.float32) for v in (a, b, c))
    got = _fma(a, b, c)
    naive = (a.astype(np.float64) * b + c).astype(np.float32)
    exact = [_round_to_float32(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)))
             for x, y, z in zip(a, b, c, strict=True)]
    assert bits(got) == bits(np.array(exact, np.float32))
    assert bits(naive) != bits(got)  # the cases do hit double rounding


def _round_to_float32(value: Fraction) -> np.float32:
    near = np.float32(float(value))
    candidates = [np.nextafter(near, np.float32(-np.inf)), near,
                  np.nextafter(near, np.float32(np.inf))]
    return min(candidates, key=lambda x: (abs(Fraction(float(x)) - value),
                                          int(np.array(x).view(np.uint32)) & 1))


# -- against torch ----------------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("function", ["rand", "randn"])
def test_same_bits_as_torch(torch, function, dtype, size):
    """Two calls per seed: the second shows the generator was left where torch leaves it."""
    for seed in SEEDS:
        torch.manual_seed(seed)
        gv.manual_seed(seed)
        for _ in range(2):
            assert draw(gv, function, (size,), dtype) == draw(torch, function, (size,), dtype)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("function", ["rand", "randn"])
def test_shapes_draw_like_torch(torch, function, shape):
    torch.manual_seed(7)
    gv.manual_seed(7)
    for dtype in DTYPES:
        assert draw(gv, function, shape, dtype) == draw(torch, function, shape, dtype)


@pytest.mark.parametrize("program", range(40))
def test_mixed_call_sequences_match_torch(torch, program):
    rng = np.random.default_rng(program)
    seed = int(rng.integers(0, 2 ** 63))
    torch.manual_seed(seed)
    gv.manual_seed(seed)
    for _ in range(10):
        function = ("rand", "randn")[rng.integers(2)]
        dtype = DTYPES[rng.integers(len(DTYPES))]
        shape = tuple(int(s) for s in rng.integers(0, 9, size=rng.integers(0, 4)))
        assert draw(gv, function, shape, dtype) == draw(torch, function, shape, dtype), \
            (seed, function, dtype, shape)


@pytest.mark.parametrize("seed", [0, 2 ** 64 - 1, -1, -2 ** 63, 12345678901234567890])
def test_initial_seed_matches_torch(torch, seed):
    torch.manual_seed(seed)
    gv.manual_seed(seed)
    assert gv.initial_seed() == torch.initial_seed()


@pytest.mark.parametrize(("function", "dtype"), [("rand", "int64"), ("randn", "int32"),
                                                 ("rand", "bool")])
def test_integer_dtype_errors_match_torch(torch, function, dtype):
    with pytest.raises(NotImplementedError) as expected:
        getattr(torch, function)(3, dtype=getattr(torch, dtype))
    with pytest.raises(NotImplementedError) as got:
        getattr(gv, function)(3, dtype=getattr(gv, dtype))
    assert str(got.value) == str(expected.value)
