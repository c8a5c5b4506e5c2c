"""Every differentiable op's backward agrees with central finite differences (float64).

``OP_CASES`` has cases for each differentiable registry op, called through the registry
(``OpSpec.call``), on several shapes including broadcasting and 0-d tensors; a test makes
sure a newly registered op cannot be left without one. ``COMPOSITE_CASES`` covers the paths
that several nodes build together (matmul's folding, ``2 / x``, indexing chains, losses).
"""

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import gradviz as gv
from gradviz.autograd import REGISTRY, gradcheck, max_gradient_error


@dataclass(frozen=True)
class Leaf:
    """A float64 tensor requiring grad, values drawn from [low, high] (negated at random
    when ``signed``) so that no case sits on a kink or a tie."""

    shape: tuple = ()
    low: float = 0.5
    high: float = 1.5
    signed: bool = False

    def build(self, rng: np.random.Generator) -> gv.Tensor:
        values = rng.uniform(self.low, self.high, self.shape)
        if self.signed:
            values *= rng.choice([-1.0, 1.0], self.shape)
        return gv.tensor(values, dtype=gv.float64, requires_grad=True)


def L(*shape: int, **kw: Any) -> Leaf:  # noqa: N802 - reads like a constructor
    return Leaf(shape, **kw)


@dataclass(frozen=True)
class Case:
    inputs: tuple
    attrs: dict = field(default_factory=dict)
    label: str = ""


def C(*inputs: Any, label: str = "", **attrs: Any) -> Case:  # noqa: N802
    return Case(inputs, attrs, label)


TARGET = gv.tensor([2, 0, 1])

OP_CASES: dict[str, list[Case]] = {
    "add": [C(L(2, 3), L(2, 3)), C(L(2, 3), L(3), label="broadcast"), C(L(), L(2, 3)),
            C(L(2, 3), 2.5), C(L(2, 1), L(1, 3), alpha=2.0), C(L(), L())],
    "sub": [C(L(2, 3), L(2, 3)), C(L(3, 1), L(2, 1, 3)), C(L(2, 3), 1.5), C(L(), L(3)),
            C(L(2, 3), L(3), alpha=-0.5)],
    "rsub": [C(L(2, 3), 2.0), C(L(), 3.0), C(L(3), L(2, 3))],
    "mul": [C(L(2, 3), L(2, 3)), C(L(2, 3), L(2, 1)), C(L(), L(2, 3)), C(L(2, 3), 2.5),
            C(L(4), L(3, 1))],
    "div": [C(L(2, 3), L(2, 3)), C(L(2, 3), L(3)), C(L(2, 3), 2.0), C(L(), L(2)),
            C(L(3), L())],
    "reciprocal": [C(L(2, 3)), C(L()), C(L(3, signed=True))],
    "rdiv": [C(L(2, 3), 2.0), C(L(), 1.5), C(L(2, 3), L(3))],
    "pow": [C(L(2, 3), 2), C(L(2, 3), 0.5), C(L(3), -1.5), C(2.0, L(2, 3)),
            C(L(2, 3), L(3)), C(L(), L(2)), C(L(2, 1), L(1, 3))],
    "neg": [C(L(2, 3)), C(L())],
    "exp": [C(L(2, 3, signed=True)), C(L())],
    "log": [C(L(2, 3)), C(L())],
    "sqrt": [C(L(2, 3)), C(L())],
    "abs": [C(L(2, 3, signed=True)), C(L(signed=True))],
    "sin": [C(L(2, 3, signed=True)), C(L())],
    "cos": [C(L(2, 3, signed=True)), C(L())],
    "tanh": [C(L(2, 3, signed=True)), C(L())],
    "sigmoid": [C(L(2, 3, signed=True)), C(L())],
    "relu": [C(L(2, 3, signed=True)), C(L(signed=True))],
    "clamp": [C(L(2, 4, low=0.0, high=2.0), min=0.55, max=1.45),
              C(L(3, low=0.0, high=2.0), min=1.05), C(L(3, low=0.0, high=2.0), max=0.95),
              C(L(low=0.0, high=2.0), min=0.5, max=1.5)],
    "maximum": [C(L(2, 3), L(2, 3)), C(L(2, 3), L(3)), C(L(), L(4))],
    "minimum": [C(L(2, 3), L(2, 3)), C(L(2, 1), L(3)), C(L(4), L())],
    "view": [C(L(2, 3), shape=(3, 2)), C(L(2, 3), shape=(-1,)), C(L(), shape=(1, 1))],
    "reshape": [C(L(2, 3), shape=(3, 2)), C(L(2, 2, 3), shape=(4, -1)), C(L(), shape=(1,))],
    "flatten": [C(L(2, 3)), C(L(2, 3, 2), start_dim=1), C(L())],
    "permute": [C(L(2, 3, 4), dims=(2, 0, 1)), C(L(2, 3), dims=(1, 0))],
    "transpose": [C(L(2, 3, 4), dim0=0, dim1=2), C(L(2, 3), dim0=-1, dim1=0),
                  C(L(), dim0=0, dim1=-1)],
    "t": [C(L(2, 3)), C(L(3)), C(L())],
    "unsqueeze": [C(L(2, 3), dim=1), C(L(), dim=0), C(L(3), dim=-1)],
    "squeeze": [C(L(2, 1, 3)), C(L(2, 1, 3), dim=1), C(L(1, 3, 1), dim=(0, 2)), C(L())],
    "expand": [C(L(3), size=(2, 3)), C(L(2, 1), size=(2, 4)), C(L(), size=(3,)),
               C(L(1, 3), size=(2, -1, 3))],
    "getitem": [C(L(3, 4), index=1), C(L(3, 4), index=(slice(None), 2)),
                C(L(3, 4), index=(slice(1, None), slice(None, None, 2))),
                C(L(2, 3, 4), index=(Ellipsis, 1)), C(L(3, 4), index=(None, 0, slice(1, 3))),
                C(L(3, 4), index=(-1, -2)), C(L(3), index=Ellipsis)],
    "cat": [C(L(2, 3), L(1, 3)), C(L(2, 3), L(2, 2), dim=1), C(L(3), L(3), L(2))],
    "stack": [C(L(2, 3), L(2, 3)), C(L(3), L(3), dim=1), C(L(), L())],
    "clone": [C(L(2, 3)), C(L())],
    "to": [C(L(2, 3), dtype=gv.float32)],
    "mm": [C(L(2, 3), L(3, 4)), C(L(1, 3), L(3, 1))],
    "matmul": [C(L(2, 3), L(3, 4)), C(L(3), L(3, 4)), C(L(2, 3), L(3)), C(L(3), L(3)),
               C(L(2, 2, 3), L(3, 4)), C(L(2, 2, 3), L(2, 3, 4)), C(L(2, 3), L(2, 3, 4)),
               C(L(1, 2, 3), L(2, 3, 4)), C(L(2, 1, 2, 3), L(3, 3, 2))],
    "softmax": [C(L(2, 3, signed=True), dim=1), C(L(2, 3), dim=0), C(L(), dim=0)],
    "log_softmax": [C(L(2, 3, signed=True), dim=-1), C(L(4), dim=0)],
    "mse_loss": [C(L(2, 3), L(2, 3)), C(L(3), L(3), reduction="sum"),
                 C(L(2, 2), L(2, 2), reduction="none"), C(L(), L())],
    "nll_loss": [C(L(3, 4), TARGET), C(L(3, 4), TARGET, reduction="sum"),
                 C(L(3, 4), TARGET, reduction="none"), C(L(4), gv.tensor(2))],
    "cross_entropy": [C(L(3, 4, signed=True), TARGET), C(L(3, 4), TARGET, reduction="sum"),
                      C(L(4), gv.tensor(3))],
    "sum": [C(L(2, 3)), C(L(2, 3), dim=0), C(L(2, 3, 2), dim=(0, 2), keepdim=True), C(L()),
            C(L(), dim=0)],
    "mean": [C(L(2, 3)), C(L(2, 3), dim=1), C(L(2, 3, 2), dim=(-1,), keepdim=True), C(L())],
    "max": [C(L(2, 3)), C(L(2, 3), dim=1), C(L(2, 3), dim=0, keepdim=True), C(L()),
            C(L(), dim=0)],
    "min": [C(L(2, 3)), C(L(2, 3), dim=1), C(L(3, 2), dim=-1, keepdim=True), C(L())],
    "norm": [C(L(2, 3, signed=True)), C(L(2, 3, signed=True), p=1),
             C(L(2, 3, signed=True), p=float("inf")), C(L(2, 3), dim=1),
             C(L(2, 3), p=3, dim=0, keepdim=True), C(L())],
    "var": [C(L(2, 3)), C(L(2, 3), dim=1), C(L(3, 2), dim=0, unbiased=False),
            C(L(2, 3, 2), dim=(0, 2), keepdim=True)],
}


def _params() -> list:
    params = []
    for name, cases in OP_CASES.items():
        for i, case in enumerate(cases):
            label = case.label or f"{i}"
            params.append(pytest.param(name, case, id=f"{name}-{label}"))
    return params


def _build(case: Case, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [v.build(rng) if isinstance(v, Leaf) else v for v in case.inputs]


def _values(out: Any) -> Any:
    """``max(dim)`` returns (values, indices): the values are the differentiable part."""
    return out if isinstance(out, gv.Tensor) else out[0]


def test_every_differentiable_op_has_a_case():
    differentiable = {name for name, spec in REGISTRY.items() if spec.differentiable}
    assert differentiable - set(OP_CASES) == set()
    assert set(OP_CASES) - differentiable == set()


@pytest.mark.parametrize(("name", "case"), _params())
def test_op_passes_gradcheck(name, case):
    spec = REGISTRY[name]
    inputs = _build(case, seed=zlib.crc32(name.encode()))

    def fn(*args: Any) -> gv.Tensor:
        out = spec.call(list(args), case.attrs)
        out = _values(out)
        return out.double() if out.dtype is not gv.float64 else out

    # A float32 result rounds away a 1e-6 step: differentiate across a larger one.
    lossy = any(case.attrs.get(k) is gv.float32 for k in ("dtype",))
    assert gradcheck(fn, inputs, eps=1e-3, atol=1e-3) if lossy else gradcheck(fn, inputs)


# (id, function, inputs): paths where several nodes build one gradient together.
COMPOSITE_CASES = [
    ("matmul-1d@2d", lambda a, b: a @ b, [L(3), L(3, 4)]),
    ("matmul-3d@2d", lambda a, b: a @ b, [L(2, 2, 3), L(3, 4)]),
    ("matmul-3d@1d", lambda a, b: a @ b, [L(2, 2, 3), L(3)]),
    ("matmul-batched-3d@3d", lambda a, b: a @ b, [L(2, 2, 3), L(2, 3, 4)]),
    ("matmul-broadcast-batch", lambda a, b: a @ b, [L(2, 1, 2, 3), L(3, 3, 4)]),
    ("matmul-2d@3d", lambda a, b: a @ b, [L(2, 3), L(2, 3, 4)]),
    ("matmul-1d@3d", lambda a, b: a @ b, [L(3), L(2, 3, 4)]),
    ("matmul-transposed", lambda a, b: a.transpose(1, 2) @ b, [L(2, 3, 2), L(3)]),
    ("2/x", lambda x: 2 / x, [L(2, 3)]),
    ("2**x", lambda x: 2 ** x, [L(2, 3, signed=True)]),
    ("x**y", lambda x, y: x ** y, [L(2, 3), L(2, 3, signed=True)]),
    ("x**y-broadcast", lambda x, y: x ** y, [L(2, 3), L(3)]),
    ("indexing-chain", lambda x: x[1:, None][..., ::2][0, 0] * x[0, -1], [L(3, 4)]),
    ("indexing-select-select", lambda x: x[0][1] + x[1, 2] + x[-1], [L(2, 3)]),
    ("view-of-slice", lambda x: x[:, 1:].reshape(-1).sum(0, keepdim=True), [L(2, 3)]),
    ("transposed-reshape", lambda x: x.T.reshape(6) * x.T.flatten(), [L(2, 3)]),
    ("cat", lambda a, b: gv.cat([a, b, a], dim=1) ** 2, [L(2, 3), L(2, 1)]),
    ("stack", lambda a, b: gv.stack([a, b * a], dim=-1).exp(), [L(3), L(3)]),
    ("cross_entropy", lambda x: gv.nn.functional.cross_entropy(x, TARGET), [L(3, 4)]),
    ("mse_loss", lambda x, y: gv.nn.functional.mse_loss(x * 2, y), [L(2, 3), L(2, 3)]),
    ("var", lambda x: x.var() + x.var(0).sum() + x.var(1, unbiased=False).sum(), [L(3, 4)]),
    ("norm-p2", lambda x: x.norm(), [L(2, 3, signed=True)]),
    ("norm-p1", lambda x: x.norm(p=1), [L(2, 3, signed=True)]),
    ("norm-inf", lambda x: x.norm(p=float("inf")), [L(2, 3, signed=True)]),
    ("norm-dim", lambda x: x.norm(dim=0) * x.norm(p=1, dim=1).sum(), [L(2, 3)]),
    ("max", lambda x: x.max() * 2, [L(2, 3)]),
    ("max-dim", lambda x: x.max(dim=1).values, [L(2, 3)]),
    ("min", lambda x: x.min() * 2, [L(2, 3)]),
    ("min-dim", lambda x: x.min(0, keepdim=True)[0], [L(2, 3)]),
    ("softmax-chain", lambda x, w: (x @ w).softmax(dim=1).log().mean(), [L(2, 3), L(3, 4)]),
    ("diamond", lambda x: (x.exp() + x.sin()) * x, [L(3, signed=True)]),
    ("reuse", lambda x: x * x * x, [L(2, 2)]),
    ("sigmoid-tanh", lambda x: x.sigmoid() * x.tanh() - x.relu(), [L(2, 3, signed=True)]),
]


@pytest.mark.parametrize(("fn", "specs"), [pytest.param(f, s, id=i) for i, f, s in
                                           COMPOSITE_CASES])
def test_composite_gradients_match_finite_differences(fn, specs):
    rng = np.random.default_rng(7)
    inputs = [s.build(rng) for s in specs]
    assert max_gradient_error(fn, inputs) < 1e-7
    assert gradcheck(fn, inputs)


def test_gradcheck_reports_a_wrong_gradient():
    x = L(3).build(np.random.default_rng(0))

    def wrong(t: gv.Tensor) -> gv.Tensor:
        with gv.no_grad():
            doubled = t * 2
        return t * t.detach() + doubled  # backward misses the 2 of `doubled`

    with pytest.raises(gv.autograd.GradcheckError, match="Jacobian mismatch"):
        gradcheck(wrong, [x])
    assert not gradcheck(wrong, [x], raise_exception=False)
