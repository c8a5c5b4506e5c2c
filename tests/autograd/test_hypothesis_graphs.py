"""Property: for any graph built from the registry's ops, backward agrees with central
finite differences.

Hypothesis draws leaves (float64, shapes with broadcasting and 0-d ones), then a sequence of
ops, each taking earlier values whose shapes fit: unary, binary with broadcasting,
reductions, shape ops, matmul, softmax. Ops are kept smooth where finite differences are
taken (``max``, ``relu`` and ``abs`` have kinks and are checked elsewhere, away from them).
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradviz as gv
from gradviz.autograd import REGISTRY, gradcheck

SHAPES = [(), (3,), (2, 3), (2, 1), (1, 3)]

# name -> function of one value; all smooth and bounded on bounded inputs.
UNARY = {
    "neg": lambda x: -x, "exp": lambda x: x.tanh().exp(), "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(), "tanh": lambda x: x.tanh(), "sigmoid": lambda x: x.sigmoid(),
    "log": lambda x: (1 + x.sigmoid()).log(), "sqrt": lambda x: (x * x + 1).sqrt(),
    "reciprocal": lambda x: (2 + x.tanh()).reciprocal(), "pow": lambda x: x ** 2,
    "rpow": lambda x: 2 ** x.tanh(), "rsub": lambda x: 1.5 - x, "rdiv": lambda x:
    1 / (2 + x.sin()), "scale": lambda x: x * 0.5 + 1, "clone": lambda x: x.clone(),
}
BINARY = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (2 + y.tanh()), "pow": lambda x, y: (x.sigmoid() + 0.5) ** y,
    "add_alpha": lambda x, y: x.add(y, alpha=-0.5),
}


def _broadcast(a, b):
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        return None


def _reductions(shape):
    out = [("sum", lambda x: x.sum(), ()), ("mean", lambda x: x.mean(), ()),
           ("norm", lambda x: (x.tanh() + 2).norm(), ())]
    for d in range(len(shape)):
        kept = tuple(1 if i == d else s for i, s in enumerate(shape))
        dropped = shape[:d] + shape[d + 1:]
        out += [(f"sum{d}", lambda x, d=d: x.sum(d), dropped),
                (f"mean{d}k", lambda x, d=d: x.mean(d, keepdim=True), kept),
                (f"norm{d}", lambda x, d=d: (x.tanh() + 2).norm(dim=d), dropped),
                (f"softmax{d}", lambda x, d=d: x.softmax(d), shape),
                (f"log_softmax{d}", lambda x, d=d: x.log_softmax(d), shape)]
        if shape[d] > 1:
            out.append((f"var{d}", lambda x, d=d: x.var(d), dropped))
    return out


def _shape_ops(shape):
    n = int(np.prod(shape, dtype=int))
    out = [("reshape", lambda x: x.reshape(-1), (n,)), ("unsqueeze", lambda x: x.unsqueeze(0),
                                                         (1, *shape)),
           ("none-index", lambda x: x[None], (1, *shape)),
           ("stack", lambda x: gv.stack([x, x * 2]), (2, *shape))]
    if shape:
        out += [("select", lambda x: x[-1], shape[1:]),
                ("cat", lambda x: gv.cat([x, x.sin()]), (2 * shape[0], *shape[1:]))]
        if shape[0] > 1:
            out.append(("slice", lambda x: x[1:], (shape[0] - 1, *shape[1:])))
    if len(shape) == 2:
        out += [("t", lambda x: x.t(), shape[::-1]), ("T", lambda x: x.T, shape[::-1]),
                ("permute", lambda x: x.permute(1, 0), shape[::-1]),
                ("transpose-reshape", lambda x: x.transpose(0, 1).reshape(-1), (n,)),
                ("ellipsis", lambda x: x[..., :1], (shape[0], 1))]
    if 1 in shape:
        out += [("squeeze", lambda x: x.squeeze(), tuple(s for s in shape if s != 1)),
                ("expand", lambda x: x.expand(*[3 if s == 1 else s for s in shape]),
                 tuple(3 if s == 1 else s for s in shape))]
    return out


@st.composite
def graphs(draw):
    """(leaf arrays, function of the leaves, description of the ops)."""
    shapes = draw(st.lists(st.sampled_from(SHAPES), min_size=1, max_size=3))
    arrays = [draw(hnp.arrays(np.float64, s, elements=st.floats(-2, 2))) for s in shapes]
    pool = list(shapes)  # shape of each value: leaves first, then results
    plan = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["unary", "binary", "reduce", "shape", "matmul"]))
        i = draw(st.integers(0, len(pool) - 1))
        if kind == "unary":
            name = draw(st.sampled_from(sorted(UNARY)))
            plan.append((name, UNARY[name], (i,)))
            pool.append(pool[i])
        elif kind == "binary":
            partners = [j for j, s in enumerate(pool) if _broadcast(pool[i], s) is not None]
            j = draw(st.sampled_from(partners))
            name = draw(st.sampled_from(sorted(BINARY)))
            plan.append((name, BINARY[name], (i, j)))
            pool.append(_broadcast(pool[i], pool[j]))
        elif kind in ("reduce", "shape"):
            options = _reductions(pool[i]) if kind == "reduce" else _shape_ops(pool[i])
            name, fn, shape = draw(st.sampled_from(options))
            plan.append((name, fn, (i,)))
            pool.append(shape)
        else:
            left = pool[i]
            partners = [j for j, s in enumerate(pool) if 1 <= len(left) <= 2
                        and 1 <= len(s) <= 2 and s[0] == left[-1]]
            if not partners:
                continue
            j = draw(st.sampled_from(partners))
            plan.append(("matmul", lambda x, y: x @ y, (i, j)))
            pool.append(left[:-1] + pool[j][1:])

    def fn(*leaves):
        values = list(leaves)
        for _, op, args in plan:
            values.append(op(*(values[k] for k in args)))
        out = values[-1]
        weights = gv.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)),
                            dtype=gv.float64)
        return (out * weights).sum()

    return arrays, fn, [name for name, _, _ in plan]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_backward_matches_finite_differences(graph):
    arrays, fn, ops = graph
    leaves = [gv.tensor(a, dtype=gv.float64, requires_grad=True) for a in arrays]
    assert gradcheck(fn, leaves, eps=1e-6, atol=1e-5, rtol=1e-4), ops


@settings(max_examples=30, deadline=None)
@given(graphs())
def test_gradients_have_leaf_shapes_and_dtypes(graph):
    arrays, fn, _ = graph
    leaves = [gv.tensor(a, dtype=gv.float64, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    out.backward()
    for leaf in leaves:
        assert leaf.grad is not None or not _reaches(out, leaf)
        if leaf.grad is not None:
            assert leaf.grad.shape == leaf.shape and leaf.grad.dtype is gv.float64


def _reaches(out, leaf):
    acc = leaf._edge()[0]
    stack, seen = [out.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is acc:
            return True
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(child for child, _ in node.next_functions)
    return False


def test_property_covers_every_kind_of_registry_op():
    categories = {spec.category for spec in REGISTRY.values() if spec.differentiable}
    assert categories == {"arithmetic", "elementwise", "reduction", "shape", "nn"}
