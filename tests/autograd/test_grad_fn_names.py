"""grad_fn graphs are the ones PyTorch builds: node names, next_functions, their order.

The table (``autograd_cases.GRAPH_CASES``) was taken from torch 2.13; the torch test below
re-derives it when torch happens to be installed, and also compares values and gradients.
"""

import numpy as np
import pytest
from autograd_cases import GRAPH_CASES, describe, namespace

import gradviz as gv

EXPRESSIONS = [expr for expr, _ in GRAPH_CASES]


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def test_table_covers_at_least_sixty_expressions():
    assert len(GRAPH_CASES) >= 60
    assert len(set(EXPRESSIONS)) == len(EXPRESSIONS)


@pytest.mark.parametrize(("expr", "graph"), GRAPH_CASES, ids=EXPRESSIONS)
def test_graph_matches_pytorch(expr, graph):
    out = eval(expr, namespace(gv))
    assert describe(out.grad_fn) == graph


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_graph_values_and_gradients_match_torch(torch, expr):
    ours_env, theirs_env = namespace(gv), namespace(torch)
    ours, theirs = eval(expr, ours_env), eval(expr, theirs_env)
    assert describe(ours.grad_fn) == describe(theirs.grad_fn)
    assert repr(ours.dtype) == repr(theirs.dtype)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(),
                               rtol=1e-12, atol=1e-14)
    if ours.grad_fn is None:
        return
    seed = np.linspace(-1.0, 2.0, ours.numel()).reshape(tuple(ours.shape))
    ours.backward(gv.tensor(seed, dtype=ours.dtype))
    theirs.backward(torch.tensor(seed, dtype=theirs.dtype))
    for name in ("x", "y", "r", "c", "s", "m", "v", "b", "bm", "w", "q"):
        mine, ref = ours_env[name].grad, theirs_env[name].grad
        assert (mine is None) == (ref is None), name
        if ref is not None:
            np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=name)


@pytest.mark.parametrize(("expr", "names"), [
    ("x + 2", ["_saved_alpha"]),
    ("x * y", ["_saved_other", "_saved_self"]),
    ("x * 2", ["_saved_other", "_saved_self"]),
    ("x.exp()", ["_saved_result"]),
    ("x.sum()", ["_saved_self_sym_sizes"]),
    ("x.sum(-1)", ["_saved_dim", "_saved_keepdim", "_saved_self_sym_sizes"]),
    ("x.mean(1)", ["_saved_dim", "_saved_keepdim", "_saved_self_sym_numel",
                   "_saved_self_sym_sizes"]),
    ("x.max(0)[0]", ["_saved_dim", "_saved_indices", "_saved_keepdim", "_saved_self_sym_sizes"]),
    ("x.norm()", ["_saved_dim", "_saved_keepdim", "_saved_ord", "_saved_result", "_saved_self"]),
    ("x.var()", ["_saved_correction", "_saved_dim", "_saved_keepdim", "_saved_self"]),
    ("x @ m", ["_saved_mat2", "_saved_mat2_sym_sizes", "_saved_mat2_sym_strides", "_saved_self",
               "_saved_self_sym_sizes", "_saved_self_sym_strides"]),
    ("x[:, -2:]", ["_saved_dim", "_saved_end", "_saved_self_sym_sizes", "_saved_start",
                   "_saved_step"]),
    ("x.T", ["_saved_dims"]),
    ("2 ** x", ["_saved_exponent", "_saved_result", "_saved_self"]),
    ("F.cross_entropy(x, t)", ["_saved_ignore_index", "_saved_reduction", "_saved_self",
                               "_saved_target", "_saved_total_weight", "_saved_weight"]),
])
def test_saved_value_names_are_pytorchs(expr, names):
    assert eval(expr, namespace(gv)).grad_fn.saved_names() == names


SAVED_VALUE_CASES = [
    ("x.sum(-1)", "_saved_dim", (18446744073709551615,)),  # PyTorch shows dims unsigned
    ("x.sum((0, 1))", "_saved_dim", (0, 1)),
    ("x.max(-1)[0]", "_saved_dim", 18446744073709551615),
    ("x[-1]", "_saved_index", 18446744073709551615),
    ("x[:, 1:]", "_saved_end", 9223372036854775807),
    ("x[:, :-1]", "_saved_start", 0),
    ("x.transpose(0, -1)", "_saved_dim1", 18446744073709551615),
    ("x.T", "_saved_dims", (1, 0)),
    ("x.var()", "_saved_correction", None),
    ("x.var(0)", "_saved_correction", 1),
    ("x.var(unbiased=False)", "_saved_correction", 0),
    ("x.clamp(0.7, 1.2)", "_saved_min", 0.7),
    ("x.clamp(max=1.2)", "_saved_min", None),
    ("x ** 2", "_saved_exponent", 2),
    ("x.add(y, alpha=2)", "_saved_alpha", 2),
    ("x.T @ y", "_saved_self_sym_strides", (1, 3)),
    ("v @ m", "_saved_dim", 0),
    ("F.cross_entropy(x, t)", "_saved_ignore_index", 18446744073709551516),
]


@pytest.mark.parametrize(("expr", "attr", "value"), SAVED_VALUE_CASES,
                         ids=[f"{e}:{a}" for e, a, _ in SAVED_VALUE_CASES])
def test_saved_plain_values_are_pytorchs(expr, attr, value):
    assert getattr(eval(expr, namespace(gv)).grad_fn, attr) == value


@pytest.mark.parametrize(("expr", "attr", "value"), SAVED_VALUE_CASES,
                         ids=[f"{e}:{a}" for e, a, _ in SAVED_VALUE_CASES])
def test_saved_plain_values_match_torch(torch, expr, attr, value):
    assert getattr(eval(expr, namespace(torch)).grad_fn, attr) == value


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_saved_value_names_match_torch(torch, expr):
    ours, theirs = eval(expr, namespace(gv)).grad_fn, eval(expr, namespace(torch)).grad_fn
    if theirs is None:
        assert ours is None
        return
    assert ours.saved_names() == sorted(a for a in dir(theirs) if a.startswith("_saved_"))
