"""Core benchmarks (SPEC section 8): gradviz against PyTorch eager and hand-written numpy.

    python benchmarks/bench_core.py [--rounds 15] [--threads N]

(a) a 2,000-operation chain ``y = y * 1.0001 + 0.5`` on a 2x2 float32 tensor, forward and
    backward, against PyTorch's CPU eager mode (``torch.set_num_threads(1)``) when torch is
    importable;
(b) ``((x @ W1).tanh() @ W2).sum()`` forward and backward with 512x512 float32 against the
    same computation (forward and manual backward for dx, dW1, dW2) written in numpy.

The contenders run interleaved, one repetition of each per round, so that drifts in the
machine's speed hit both sides alike. Medians and ratios are printed; nothing is asserted.
Numpy's thread count is pinned (for both sides of (b) alike) before numpy is imported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (15)")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads for numpy in (b), both sides alike (1)")
    return parser.parse_args()


ARGS = _arguments()
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import gradviz as gv  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:
    torch = None

CHAIN_LENGTH = 1000  # iterations of `y * 1.0001 + 0.5`: 2,000 operations


# -- (a) the small-tensor chain ---------------------------------------------------------------
def chain(lib) -> None:
    """``y = y * 1.0001 + 0.5`` 1,000 times, then backward; ``lib`` is gradviz or torch."""
    x = lib.ones(2, 2, requires_grad=True)
    y = x
    for _ in range(CHAIN_LENGTH):
        y = y * 1.0001 + 0.5
    y.sum().backward()


# -- (b) the 512x512 matmul/tanh/sum chain ----------------------------------------------------
SIZE = 512
_rng = np.random.default_rng(0)
X = _rng.standard_normal((SIZE, SIZE)).astype(np.float32)
W1 = (_rng.standard_normal((SIZE, SIZE)) / np.sqrt(SIZE)).astype(np.float32)
W2 = (_rng.standard_normal((SIZE, SIZE)) / np.sqrt(SIZE)).astype(np.float32)


def mlp_gradviz() -> tuple:
    x = gv.tensor(X, requires_grad=True)
    w1 = gv.tensor(W1, requires_grad=True)
    w2 = gv.tensor(W2, requires_grad=True)
    ((x @ w1).tanh() @ w2).sum().backward()
    return x.grad._data, w1.grad._data, w2.grad._data


def mlp_numpy() -> tuple:
    x, w1, w2 = X.copy(), W1.copy(), W2.copy()  # gradviz's tensor() copies its data too
    h = np.tanh(x @ w1)
    out = (h @ w2).sum()
    g_out = np.ones((SIZE, SIZE), dtype=np.float32)  # d sum / d (h @ w2)
    dw2 = h.T @ g_out
    dh = g_out @ w2.T
    dpre = dh * (1 - h * h)
    dw1 = x.T @ dpre
    dx = dpre @ w1.T
    del out
    return dx, dw1, dw2


# -- measuring --------------------------------------------------------------------------------
def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(contenders: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median seconds per contender, one run of each per round (after one warm-up run)."""
    for fn in contenders.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            times[name].append(_time(fn))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    rounds = ARGS.rounds
    print(f"gradviz {gv.__version__}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed'}; "
          f"{rounds} interleaved rounds, numpy threads {ARGS.threads}")

    # Sanity: both sides of (b) compute the same gradients.
    for ours, theirs in zip(mlp_gradviz(), mlp_numpy(), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-3)

    print(f"\n(a) {2 * CHAIN_LENGTH}-op chain y = y * 1.0001 + 0.5 on 2x2 float32, "
          "forward + backward")
    if torch is not None:
        torch.set_num_threads(1)
        a = interleaved({"gradviz": lambda: chain(gv), "torch": lambda: chain(torch)},
                        rounds)
        print(f"    gradviz  median {a['gradviz'] * 1e3:8.2f} ms")
        print(f"    torch    median {a['torch'] * 1e3:8.2f} ms")
        print(f"    ratio gradviz/torch = {a['gradviz'] / a['torch']:.3f}  "
              "(target <= 1.0, aim 0.8)")
    else:
        a = interleaved({"gradviz": lambda: chain(gv)}, rounds)
        print(f"    gradviz  median {a['gradviz'] * 1e3:8.2f} ms  (torch not installed)")

    print(f"\n(b) ((x @ W1).tanh() @ W2).sum() on {SIZE}x{SIZE} float32, forward + backward")
    b = interleaved({"gradviz": mlp_gradviz, "numpy": mlp_numpy}, rounds)
    print(f"    gradviz  median {b['gradviz'] * 1e3:8.2f} ms")
    print(f"    numpy    median {b['numpy'] * 1e3:8.2f} ms")
    print(f"    ratio gradviz/numpy = {b['gradviz'] / b['numpy']:.3f}  (target <= 1.15)")


if __name__ == "__main__":
    main()
