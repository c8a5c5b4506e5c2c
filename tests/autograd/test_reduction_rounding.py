"""float32/float64 ``norm``, ``sum`` and ``mean`` agree with PyTorch's CPU kernels bit for bit.

The last bit of a float reduction shows in printed values (the autograd tutorial prints
``y.data.norm()``), so gradviz replays PyTorch's order of additions (``float_reduce``).
The pinned values below were printed by torch 2.13 (CPU); the other tests re-run random
reductions (seeded: sizes, scales, layouts, dims) in torch when it is installed.
"""

import numpy as np
import pytest

import gradviz as gv
from gradviz.autograd import float_reduce


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def bits(values: np.ndarray) -> np.ndarray:
    """The values' bit patterns, so that equality is exact (signed zeros, NaNs included)."""
    values = np.ascontiguousarray(values)
    return values.view(np.int32 if values.dtype == np.float32 else np.int64)


# -- pinned values (from torch 2.13) -------------------------------------------------------
def test_tutorial_norm_is_torchs():
    x = gv.tensor([-0.8, 0.1, 0.3]) * 2048
    # torch.tensor([-0.8, 0.1, 0.3]).mul(2048).norm().item() in torch 2.13; a plain float64
    # sum of squares, rounded, gives 1761.7562255859375 (and prints 1761.7562).
    assert x.norm().item() == 1761.75634765625
    assert repr(x.norm()) == "tensor(1761.7563)"


def test_sum_mean_and_norm_along_a_dim_are_torchs():
    m = gv.arange(1000, dtype=gv.float32).mul(0.1).reshape(40, 25)
    # Values printed by torch 2.13 for torch.arange(1000.).mul(0.1).reshape(40, 25); numpy's
    # pairwise sum gives 1953.9996337890625 for the second column.
    assert m.sum(0)[:4].tolist() == [1950.0, 1954.0001220703125, 1958.0001220703125, 1962.0]
    assert m.mean(0)[:4].tolist() == [48.75, 48.85000228881836, 48.95000457763672,
                                      49.04999923706055]
    assert m.norm(dim=0)[:4].tolist() == [358.2945861816406, 358.83892822265625,
                                          359.38360595703125, 359.92864990234375]
    assert m.norm().item() == 1824.3724365234375


def test_norm_keeps_its_backward():
    x = gv.tensor([[3.0, 4.0], [6.0, 8.0]], requires_grad=True)
    y = x.norm(dim=1)
    assert type(y.grad_fn).__name__ == "LinalgVectorNormBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [[0.6000000238418579, 0.800000011920929],
                               [0.6000000238418579, 0.800000011920929]]


# -- against torch -------------------------------------------------------------------------
LAYOUTS = ("contiguous", "transposed", "permuted", "strided", "expanded")


def random_case(seed: int, max_numel: int) -> tuple[np.ndarray, str, tuple | int | None, bool]:
    """A random array (float32 mostly), a layout to view it in, dims and keepdim."""
    rng = np.random.default_rng(seed)
    ndim = int(rng.integers(1, 4))
    side = max(2, int(max_numel ** (1 / ndim)))
    shape = tuple(int(rng.integers(1, side + 1)) for _ in range(ndim))
    dtype = np.float32 if rng.random() < 0.75 else np.float64
    scale = 10.0 ** int(rng.integers(-4, 5))
    base = (rng.standard_normal(shape) + rng.integers(0, 2)) * scale
    layout = LAYOUTS[int(rng.integers(len(LAYOUTS)))]
    if rng.random() < 0.4:
        dims, keepdim = None, False
    else:
        picked = sorted(rng.choice(ndim, int(rng.integers(1, ndim + 1)), replace=False).tolist())
        dims = picked[0] if len(picked) == 1 else tuple(picked)
        keepdim = bool(rng.integers(2))
    return base.astype(dtype), layout, dims, keepdim


def view(lib, t, layout: str):
    """The same view of the data in gradviz and in torch."""
    if layout == "transposed":
        return t.transpose(0, -1)
    if layout == "permuted":
        return t.permute(*reversed(range(t.dim())))
    if layout == "strided":
        return t[tuple(slice(None, None, 2) for _ in range(t.dim()))]
    if layout == "expanded":
        return t[:1].expand(3, *t.shape[1:]) if t.dim() > 1 else t[:1].expand(5)
    return t


def reductions(x, dims, keepdim: bool) -> dict:
    if dims is None:
        return {"norm": x.norm(), "sum": x.sum(), "mean": x.mean()}
    return {"norm": x.norm(2, dims, keepdim), "sum": x.sum(dims, keepdim),
            "mean": x.mean(dims, keepdim)}


def assert_same_as_torch(torch, seed: int, max_numel: int) -> None:
    data, layout, dims, keepdim = random_case(seed, max_numel)
    ours = reductions(view(gv, gv.from_numpy(data), layout), dims, keepdim)
    theirs = reductions(view(torch, torch.from_numpy(data), layout), dims, keepdim)
    for name, value in ours.items():
        want = theirs[name].numpy()
        got = value.numpy()
        assert got.shape == want.shape, name
        assert (bits(got) == bits(want)).all(), (name, data.shape, layout, dims, keepdim)


@pytest.mark.parametrize("seed", range(300))
def test_small_reductions_match_torch(torch, seed):
    assert_same_as_torch(torch, seed, 4000)


@pytest.fixture(params=[1, 2, 3], ids=lambda n: f"{n}threads")
def threads(request, torch, monkeypatch):
    """Whole-tensor reductions of 32768+ elements are split over threads: use the same count."""
    before = torch.get_num_threads()
    torch.set_num_threads(request.param)
    monkeypatch.setattr(float_reduce, "THREADS", request.param)
    yield request.param
    torch.set_num_threads(before)


@pytest.mark.parametrize("seed", range(1000, 1006))
def test_large_reductions_match_torch(torch, threads, seed):
    assert_same_as_torch(torch, seed, 300_000)


@pytest.mark.parametrize("size", [*range(1, 40), 64, 100, 1000, 4095, 32767, 32768, 100_003])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_tail_length_matches_torch(torch, threads, size, dtype):
    """Each length exercises another split into lanes, tail and cascade blocks."""
    data = (np.random.default_rng(size).standard_normal(size) * 1000).astype(dtype)
    x, t = gv.from_numpy(data), torch.from_numpy(data)
    for ours, theirs in ((x.norm(), t.norm()), (x.sum(), t.sum()), (x.mean(), t.mean())):
        assert bits(ours.numpy()) == bits(theirs.numpy())


def test_the_fast_fold_rounds_exactly_like_adding_one_row_at_a_time():
    """``_fold`` reduces with numpy where numpy adds row after row; it must give the bits
    of the running sum it stands for (``accumulate``'s last row), layouts included."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        shape = tuple(int(s) for s in rng.integers(1, 30, rng.integers(1, 4)))
        scale = 10.0 ** rng.uniform(-3, 3, shape)
        x = (rng.standard_normal(shape) * scale).astype(rng.choice([np.float32, np.float64]))
        if x.ndim > 1 and rng.random() < 0.4:
            x = x.transpose()
        axis = int(rng.integers(0, x.ndim))
        running = np.add.accumulate(x, axis=axis).take(-1, axis=axis) + x.dtype.type(0)
        folded = float_reduce._fold(x, axis)
        assert folded.shape == running.shape
        assert np.array_equal(np.ravel(folded).view(np.uint8), np.ravel(running).view(np.uint8))
