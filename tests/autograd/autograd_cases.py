"""Helpers shared by the autograd tests: named leaves, graph descriptions, the grad_fn table.

Every expression below is evaluated with ``T`` bound to ``gradviz`` (or to ``torch`` in the
comparison tests) and ``F`` to its ``nn.functional``, over the float64 leaves of ``leaves``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

SHAPES = {"x": (2, 3), "y": (2, 3), "r": (3,), "c": (2, 1), "s": (), "m": (3, 4), "v": (3,),
          "b": (2, 2, 3), "bm": (2, 3, 4), "w": (4,), "q": (1, 3, 4)}


def leaf_values(seed: int = 0) -> dict[str, np.ndarray]:
    """Fixed values in [0.5, 1.5] (positive, so log, sqrt and pow are defined everywhere)."""
    rng = np.random.default_rng(seed)
    return {name: rng.uniform(0.5, 1.5, shape) for name, shape in SHAPES.items()}


def namespace(lib: Any, seed: int = 0) -> dict[str, Any]:
    """The names an expression may use: leaves requiring grad, ``t`` (class targets), T, F."""
    env = {name: lib.tensor(value, dtype=lib.float64, requires_grad=True)
           for name, value in leaf_values(seed).items()}
    env.update(T=lib, F=lib.nn.functional, t=lib.tensor([2, 0]))
    return env


def describe(fn: Any) -> str:
    """A grad_fn graph as text: ``MulBackward0(ReciprocalBackward0(Acc), None)``.

    Each node lists its next_functions in order; ``Acc`` is an AccumulateGrad, ``None`` an
    input that needs no gradient, and ``:i`` marks an input index other than 0.
    """
    if fn is None:
        return "None"
    if type(fn).__name__ == "AccumulateGrad":
        return "Acc"
    parts = [describe(child) + (f":{index}" if index else "")
             for child, index in fn.next_functions]
    return f"{fn.name()}({', '.join(parts)})"


# (expression, graph) with the graph exactly as torch 2.13 builds it for the same call.
GRAPH_CASES = [
    ('x + 2', 'AddBackward0(Acc, None)'),
    ('2 + x', 'AddBackward0(Acc, None)'),
    ('x + y', 'AddBackward0(Acc, Acc)'),
    ('x + r', 'AddBackward0(Acc, Acc)'),
    ('x + s', 'AddBackward0(Acc, Acc)'),
    ('x.add(y, alpha=2)', 'AddBackward0(Acc, Acc)'),
    ('x - 2', 'SubBackward0(Acc, None)'),
    ('2 - x', 'RsubBackward1(Acc)'),
    ('x - y', 'SubBackward0(Acc, Acc)'),
    ('2.5 - s', 'RsubBackward1(Acc)'),
    ('x * 2', 'MulBackward0(Acc, None)'),
    ('2 * x', 'MulBackward0(Acc, None)'),
    ('x * y', 'MulBackward0(Acc, Acc)'),
    ('x * c', 'MulBackward0(Acc, Acc)'),
    ('x / 2', 'DivBackward0(Acc, None)'),
    ('2 / x', 'MulBackward0(ReciprocalBackward0(Acc), None)'),
    ('x / y', 'DivBackward0(Acc, Acc)'),
    ('1 / x', 'MulBackward0(ReciprocalBackward0(Acc), None)'),
    ('x / s', 'DivBackward0(Acc, Acc)'),
    ('x ** 2', 'PowBackward0(Acc)'),
    ('x ** 0.5', 'PowBackward0(Acc)'),
    ('2 ** x', 'PowBackward2(Acc)'),
    ('x ** y', 'PowBackward1(Acc, Acc)'),
    ('x ** s', 'PowBackward1(Acc, Acc)'),
    ('-x', 'NegBackward0(Acc)'),
    ('x.exp()', 'ExpBackward0(Acc)'),
    ('x.log()', 'LogBackward0(Acc)'),
    ('x.sqrt()', 'SqrtBackward0(Acc)'),
    ('x.abs()', 'AbsBackward0(Acc)'),
    ('x.sin()', 'SinBackward0(Acc)'),
    ('x.cos()', 'CosBackward0(Acc)'),
    ('x.tanh()', 'TanhBackward0(Acc)'),
    ('x.sigmoid()', 'SigmoidBackward0(Acc)'),
    ('x.relu()', 'ReluBackward0(Acc)'),
    ('x.clamp(0.7, 1.2)', 'ClampBackward1(Acc)'),
    ('x.clamp(min=0.7)', 'ClampBackward1(Acc)'),
    ('x.clamp(max=1.2)', 'ClampBackward1(Acc)'),
    ('T.maximum(x, y)', 'MaximumBackward0(Acc, Acc)'),
    ('T.minimum(x, c)', 'MinimumBackward0(Acc, Acc)'),
    ('T.max(x, y)', 'MaximumBackward0(Acc, Acc)'),
    ('x.reciprocal()', 'ReciprocalBackward0(Acc)'),
    ('x.sum()', 'SumBackward0(Acc)'),
    ('x.sum(0)', 'SumBackward1(Acc)'),
    ('x.sum(dim=1, keepdim=True)', 'SumBackward1(Acc)'),
    ('x.sum((0, 1))', 'SumBackward1(Acc)'),
    ('x.sum(-1)', 'SumBackward1(Acc)'),
    ('x.mean()', 'MeanBackward0(Acc)'),
    ('x.mean(1)', 'MeanBackward1(Acc)'),
    ('x.mean(dim=(0,), keepdim=True)', 'MeanBackward1(Acc)'),
    ('x.max()', 'MaxBackward1(Acc)'),
    ('x.max(0)[0]', 'MaxBackward0(Acc)'),
    ('x.max(dim=1, keepdim=True).values', 'MaxBackward0(Acc)'),
    ('T.max(x, 0).values', 'MaxBackward0(Acc)'),
    ('x.min()', 'MinBackward1(Acc)'),
    ('x.min(1)[0]', 'MinBackward0(Acc)'),
    ('x.norm()', 'LinalgVectorNormBackward0(Acc)'),
    ('x.norm(p=1)', 'LinalgVectorNormBackward0(Acc)'),
    ("x.norm(p=float('inf'))", 'LinalgVectorNormBackward0(Acc)'),
    ('x.norm(dim=1)', 'LinalgVectorNormBackward0(Acc)'),
    ('T.norm(x)', 'LinalgVectorNormBackward0(Acc)'),
    ('x.var()', 'VarBackward0(Acc)'),
    ('x.var(0)', 'VarBackward0(Acc)'),
    ('x.var(1, unbiased=False)', 'VarBackward0(Acc)'),
    ('s.sum(0)', 'SumBackward1(Acc)'),
    ('s.max(0)[0]', 'MaxBackward0(Acc)'),
    ('s.softmax(0)', 'SoftmaxBackward0(Acc)'),
    ('x.reshape(3, 2)', 'ViewBackward0(Acc)'),
    ('x.reshape(-1)', 'ViewBackward0(Acc)'),
    ('x.view(6)', 'ViewBackward0(Acc)'),
    ('x.view(3, -1)', 'ViewBackward0(Acc)'),
    ('x.flatten()', 'ViewBackward0(Acc)'),
    ('b.flatten(1)', 'ViewBackward0(Acc)'),
    ('x.T.reshape(3, 2)', 'ReshapeAliasBackward0(PermuteBackward0(Acc))'),
    ('x.T.reshape(6)', 'UnsafeViewBackward0(CloneBackward0(PermuteBackward0(Acc)))'),
    ('x.T.flatten()', 'UnsafeViewBackward0(CloneBackward0(PermuteBackward0(Acc)))'),
    ('x.transpose(0, 1)', 'TransposeBackward0(Acc)'),
    ('x.t()', 'TBackward0(Acc)'),
    ('x.T', 'PermuteBackward0(Acc)'),
    ('x.mT', 'TransposeBackward0(Acc)'),
    ('x.permute(1, 0)', 'PermuteBackward0(Acc)'),
    ('b.permute(2, 0, 1)', 'PermuteBackward0(Acc)'),
    ('x.unsqueeze(0)', 'UnsqueezeBackward0(Acc)'),
    ('x.unsqueeze(-1)', 'UnsqueezeBackward0(Acc)'),
    ('c.squeeze()', 'SqueezeBackward0(Acc)'),
    ('c.squeeze(1)', 'SqueezeBackward1(Acc)'),
    ('c.squeeze((0, 1))', 'SqueezeBackward2(Acc)'),
    ('x.unsqueeze(1).squeeze(1)', 'SqueezeBackward1(UnsqueezeBackward0(Acc))'),
    ('c.expand(2, 3)', 'ExpandBackward0(Acc)'),
    ('x.expand(4, 2, 3)', 'ExpandBackward0(Acc)'),
    ('s.expand(3)', 'ExpandBackward0(Acc)'),
    ('x[0]', 'SelectBackward0(Acc)'),
    ('x[:, 1]', 'SelectBackward0(Acc)'),
    ('x[0, 1:]', 'SliceBackward0(SelectBackward0(Acc))'),
    ('x[..., 0]', 'SelectBackward0(Acc)'),
    ('x[:1]', 'SliceBackward0(Acc)'),
    ('x[:]', 'SliceBackward0(Acc)'),
    ('x[:, :]', 'AliasBackward0(Acc)'),
    ('x[0][1]', 'SelectBackward0(SelectBackward0(Acc))'),
    ('x[-1, -2]', 'SelectBackward0(SelectBackward0(Acc))'),
    ('x[None]', 'UnsqueezeBackward0(Acc)'),
    ('x[:, None, 1:]', 'SliceBackward0(UnsqueezeBackward0(Acc))'),
    ('x[:, ::2]', 'SliceBackward0(Acc)'),
    ('b[1, ..., ::2]', 'SliceBackward0(SelectBackward0(Acc))'),
    ('x[1:, :2].sum()', 'SumBackward0(SliceBackward0(SliceBackward0(Acc)))'),
    ('x.reshape(6)[2:4].sum()', 'SumBackward0(SliceBackward0(ViewBackward0(Acc)))'),
    ('T.cat([x, y])', 'CatBackward0(Acc, Acc)'),
    ('T.cat([x, y], 1)', 'CatBackward0(Acc, Acc)'),
    ('T.cat([x, c], dim=1)', 'CatBackward0(Acc, Acc)'),
    ('T.stack([x, y])', 'StackBackward0(Acc, Acc)'),
    ('T.stack([x, y], 1)', 'StackBackward0(Acc, Acc)'),
    ('x.softmax(1)', 'SoftmaxBackward0(Acc)'),
    ('x.log_softmax(0)', 'LogSoftmaxBackward0(Acc)'),
    ('T.softmax(x, dim=-1)', 'SoftmaxBackward0(Acc)'),
    ('F.softmax(x, 0)', 'SoftmaxBackward0(Acc)'),
    ('F.log_softmax(x, 1)', 'LogSoftmaxBackward0(Acc)'),
    ('F.mse_loss(x, y)', 'MseLossBackward0(Acc, Acc)'),
    ("F.mse_loss(x, y, reduction='sum')", 'MseLossBackward0(Acc, Acc)'),
    ('F.cross_entropy(x, t)', 'NllLossBackward0(LogSoftmaxBackward0(Acc))'),
    ("F.cross_entropy(x, t, reduction='sum')", 'NllLossBackward0(LogSoftmaxBackward0(Acc))'),
    ('F.cross_entropy(r, T.tensor(1))', 'NllLossBackward0(LogSoftmaxBackward0(Acc))'),
    ('F.nll_loss(x.log_softmax(1), t)', 'NllLossBackward0(LogSoftmaxBackward0(Acc))'),
    ('x @ m', 'MmBackward0(Acc, Acc)'),
    ('v @ m', 'SqueezeBackward4(MmBackward0(UnsqueezeBackward0(Acc), Acc))'),
    ('x @ v', 'MvBackward0(Acc, Acc)'),
    ('v @ v', 'DotBackward0(Acc, Acc)'),
    ('m.T @ v', 'MvBackward0(PermuteBackward0(Acc), Acc)'),
    ('b @ m', 'UnsafeViewBackward0(MmBackward0(ViewBackward0(Acc), Acc))'),
    ('b @ v', 'UnsafeViewBackward0(MvBackward0(ViewBackward0(Acc), Acc))'),
    ('b @ bm',
     'UnsafeViewBackward0(BmmBackward0(ViewBackward0(ExpandBackward0(Acc)), ViewBackward0('
     'ExpandBackward0(Acc))))'),
    ('bm @ w', 'UnsafeViewBackward0(MvBackward0(ViewBackward0(Acc), Acc))'),
    ('x @ bm',
     'CloneBackward0(TransposeBackward0(UnsafeViewBackward0(MmBackward0(UnsafeViewBackward0('
     'CloneBackward0(TransposeBackward0(Acc))), TBackward0(Acc)))))'),
    ('v @ bm',
     'UnsafeViewBackward0(MvBackward0(UnsafeViewBackward0(CloneBackward0(TransposeBackward0('
     'Acc))), Acc))'),
    ('bm.transpose(1, 2) @ v',
     'UnsafeViewBackward0(MvBackward0(UnsafeViewBackward0(CloneBackward0(TransposeBackward0('
     'Acc))), Acc))'),
    ('bm.transpose(1, 2) @ x.T',
     'UnsafeViewBackward0(MmBackward0(UnsafeViewBackward0(CloneBackward0(TransposeBackward0('
     'Acc))), PermuteBackward0(Acc)))'),
    ('b @ q', 'UnsafeViewBackward0(MmBackward0(ViewBackward0(Acc), SqueezeBackward1(Acc)))'),
    ('q @ bm.transpose(1, 2)',
     'CloneBackward0(TransposeBackward0(UnsafeViewBackward0(MmBackward0(ViewBackward0('
     'TransposeBackward0(TransposeBackward0(Acc))), TBackward0(SqueezeBackward1(Acc))))))'),
    ('x.mm(m)', 'MmBackward0(Acc, Acc)'),
    ('x.mv(r)', 'MvBackward0(Acc, Acc)'),
    ('r.dot(v)', 'DotBackward0(Acc, Acc)'),
    ('bm.bmm(bm.transpose(1, 2))', 'BmmBackward0(Acc, TransposeBackward0(Acc))'),
    ('T.matmul(x, m)', 'MmBackward0(Acc, Acc)'),
    ('x.clone()', 'CloneBackward0(Acc)'),
    ('x.float()', 'ToCopyBackward0(Acc)'),
    ('x.T.contiguous()', 'CloneBackward0(PermuteBackward0(Acc))'),
    ('(x * y).sum()', 'SumBackward0(MulBackward0(Acc, Acc))'),
    ('(x + 2).mean()', 'MeanBackward0(AddBackward0(Acc, None))'),
    ('((x * y) + x).sum()', 'SumBackward0(AddBackward0(MulBackward0(Acc, Acc), Acc))'),
    ('x.exp().log().sum()', 'SumBackward0(LogBackward0(ExpBackward0(Acc)))'),
    ('(x @ m).tanh().sum()', 'SumBackward0(TanhBackward0(MmBackward0(Acc, Acc)))'),
    ('x * s + s', 'AddBackward0(MulBackward0(Acc, Acc), Acc)'),
    ('r * x.sum(0)', 'MulBackward0(Acc, SumBackward1(Acc))'),
    ('x.relu().max()', 'MaxBackward1(ReluBackward0(Acc))'),
    ('x.sum(1).sum()', 'SumBackward0(SumBackward1(Acc))'),
    ('x.abs().sqrt().mean(0)', 'MeanBackward1(SqrtBackward0(AbsBackward0(Acc)))'),
    ('(x - y).pow(2).mean()', 'MeanBackward0(PowBackward0(SubBackward0(Acc, Acc)))'),
    ('F.relu(x)', 'ReluBackward0(Acc)'),
    ('F.sigmoid(x)', 'SigmoidBackward0(Acc)'),
    ('T.exp(x)', 'ExpBackward0(Acc)'),
    ('T.sum(x, 0)', 'SumBackward1(Acc)'),
    ('T.mean(x)', 'MeanBackward0(Acc)'),
    ('T.t(x)', 'TBackward0(Acc)'),
    ('x.neg()', 'NegBackward0(Acc)'),
    ('x.pow(2)', 'PowBackward0(Acc)'),
    ('T.pow(2, x)', 'PowBackward2(Acc)'),
    ('x.sub(y)', 'SubBackward0(Acc, Acc)'),
    ('x.div(y)', 'DivBackward0(Acc, Acc)'),
    ('x.mul(2)', 'MulBackward0(Acc, None)'),
    ('T.add(x, y)', 'AddBackward0(Acc, Acc)'),
    ('(x > 1).float() * x', 'MulBackward0(None, Acc)'),
]
