"""Autograd semantics as PyTorch has them: accumulation, graph release, grad modes, views,
hooks, in-place versions, execution order, saved values, dtypes (SPEC section 2).

Expected values are written out so the suite runs without torch; tests that take a
``torch`` argument re-run the same scenario in torch when it is installed.
"""

import gc
import weakref

import numpy as np
import pytest

import gradviz as gv
from gradviz.autograd import AccumulateGrad, BackwardStep, backward_steps


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def leaf(values, lib=gv):
    return lib.tensor(values, requires_grad=True)


# -- accumulation and retain_graph ---------------------------------------------------------
def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    assert x.grad is first  # accumulated in place, as PyTorch does


def test_zeroing_grad_restarts_accumulation():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    x.grad.zero_()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    x.grad = None
    (x * 4).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_second_backward_without_saved_values_works():
    x = leaf([1.0, 2.0])
    y = (x + 2).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("expr", ["x + 2", "x - y", "x.sum(0)", "x.reshape(2, 1)", "x[0]",
                                  "x.t()", "x.unsqueeze(0)", "gv.cat([x, y])", "-x"])
def test_second_backward_through_nodes_that_save_no_tensor_works(expr):
    env = {"x": leaf([1.0, 2.0]), "y": leaf([3.0, 4.0]), "gv": gv}
    out = eval(expr, env).sum()
    out.backward()
    out.backward()


@pytest.mark.parametrize("expr", ["x * 2", "x / 2", "x * y", "x.exp()", "2 / x", "x ** 2",
                                  "x.sigmoid()", "x @ y", "x.max()", "x.norm()"])
def test_second_backward_through_freed_saved_values_raises(expr):
    env = {"x": leaf([1.0, 2.0]), "y": leaf([3.0, 4.0])}
    out = eval(expr, env).sum()
    out.backward()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second"):
        out.backward()


def test_retain_graph_keeps_saved_values_for_a_second_backward():
    x = leaf([1.0, 2.0])
    z = (x * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError, match="second time"):
        z.backward()


def test_saved_values_are_freed_after_backward():
    x = leaf([1.0, 2.0, 3.0])
    z = (x * 2).sin()  # saves the intermediate x * 2, referenced from nowhere else
    saved = weakref.ref(z.grad_fn._saved_self._data)
    gc.collect()
    assert saved() is not None
    z.sum().backward()
    gc.collect()
    assert saved() is None
    with pytest.raises(RuntimeError, match="second time"):
        z.grad_fn._saved_self  # noqa: B018


def test_saved_values_survive_backward_with_retain_graph():
    x = leaf([1.0, 2.0, 3.0])
    z = (x * 2).sin()
    saved = weakref.ref(z.grad_fn._saved_self._data)
    z.sum().backward(retain_graph=True)
    gc.collect()
    assert saved() is not None
    assert z.grad_fn._saved_self.tolist() == [2.0, 4.0, 6.0]


def test_graph_is_freed_when_unreferenced():
    x = leaf([1.0, 2.0])
    y = (x * 2).exp()  # the output saved by ExpBackward0 must not keep itself alive
    node = weakref.ref(y.grad_fn)
    del y
    assert node() is None


# -- grad modes ----------------------------------------------------------------------------
def test_no_grad_context_records_nothing():
    x = leaf([1.0])
    with gv.no_grad():
        y = x * 2
        assert not gv.is_grad_enabled()
    assert gv.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y.grad_fn is None


def test_no_grad_decorator_and_nesting():
    x = leaf([1.0])

    @gv.no_grad()
    def double(t):
        return t * 2

    @gv.enable_grad()
    def triple(t):
        return t * 3

    assert not double(x).requires_grad
    assert gv.is_grad_enabled()
    with gv.no_grad():
        assert triple(x).requires_grad
        with gv.enable_grad():
            assert (x * 2).requires_grad
        assert not gv.is_grad_enabled()


def test_set_grad_enabled_as_call_context_and_decorator():
    x = leaf([1.0])
    gv.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        gv.set_grad_enabled(True)
    with gv.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert gv.is_grad_enabled()

    @gv.set_grad_enabled(False)
    def double(t):
        return t * 2

    assert gv.is_grad_enabled()  # decorating does not switch the mode
    assert not double(x).requires_grad
    assert gv.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError), gv.no_grad():
        1 / 0  # noqa: B018
    assert gv.is_grad_enabled()


# -- detach, .data, requires_grad_, is_leaf, retain_grad ----------------------------------
def test_detach_shares_storage_and_version_counter():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d.add_(1)
    assert y.tolist() == [3.0, 5.0]
    assert y._version == d._version == 1


def test_data_shares_storage_but_not_version_counter():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.data
    assert not d.requires_grad and d.is_leaf
    d.add_(1)
    assert y.tolist() == [3.0, 5.0]
    assert y._version == 0 and d._version == 1
    z = x.exp()
    z.data.mul_(0)  # invisible to the version check, as in PyTorch
    z.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_requires_grad_and_is_leaf():
    a = gv.ones(2)
    assert not a.requires_grad and a.is_leaf
    assert a.requires_grad_() is a and a.requires_grad
    b = a * 2
    assert b.requires_grad and not b.is_leaf
    a.requires_grad_(False)
    assert not a.requires_grad
    assert (gv.ones(2) * 2).is_leaf
    a.requires_grad = True
    assert a.requires_grad
    assert b.requires_grad_() is b  # asking a non-leaf to require grad changes nothing


def test_retain_grad_keeps_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward()
    assert y.grad.tolist() == [4.0, 8.0]
    assert x.grad.tolist() == [8.0, 16.0]
    z = x * 3
    (z * 1).sum().backward()
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert z.grad is None


# -- hooks ---------------------------------------------------------------------------------
def test_hook_on_leaf_replaces_gradient():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: g + 1)
    (x * 3).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_hook_on_non_leaf_replaces_gradient_flowing_on():
    x = leaf([1.0, 2.0])
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()) or g * 10)
    y.retain_grad()
    y.sum().backward()
    assert seen == [[1.0, 1.0]]
    assert y.grad.tolist() == [10.0, 10.0]  # retain_grad sees the hooked gradient
    assert x.grad.tolist() == [30.0, 30.0]


def test_hook_returning_none_keeps_gradient_and_handle_removes():
    x = leaf([1.0, 2.0])
    calls = []
    handle = x.register_hook(calls.append)
    (x * 2).sum().backward()
    assert len(calls) == 1 and x.grad.tolist() == [2.0, 2.0]
    handle.remove()
    (x * 2).sum().backward()
    assert len(calls) == 1 and x.grad.tolist() == [4.0, 4.0]


def test_hooks_match_torch(torch):
    for lib in (gv, torch):
        x = leaf([1.0, 2.0], lib)
        y = x * 2
        y.register_hook(lambda g: g * 100)
        y.retain_grad()
        x.register_hook(lambda g: g + 1)
        y.sum().backward()
        assert y.grad.tolist() == [100.0, 100.0]
        assert x.grad.tolist() == [201.0, 201.0]


# -- in-place ------------------------------------------------------------------------------
def test_inplace_on_leaf_is_allowed_under_no_grad_and_bumps_version():
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    lr = 0.1
    with gv.no_grad():
        w -= lr * w.grad
    assert np.allclose(w.tolist(), [0.8, 1.6])
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w._version == 1
    with gv.no_grad():
        w.add_(1)
        w.mul_(2)
        w.zero_()
    assert w._version == 4


def test_inplace_on_tensor_not_requiring_grad_is_allowed():
    a = gv.ones(3)
    a.add_(1).mul_(3)
    a[0] = 7.0
    assert a.tolist() == [7.0, 6.0, 6.0]
    assert a._version == 3


def test_inplace_moves_history_onto_new_node():
    x = leaf([1.0, 2.0])
    y = x * 2
    mul = y.grad_fn
    y.add_(1)
    assert y.grad_fn.name() == "AddBackward0"
    assert y.grad_fn.next_functions[0] == (mul, 0)
    y.exp_()
    y.sum().backward()
    assert np.allclose(x.grad.tolist(), [2 * np.exp(3.0), 2 * np.exp(5.0)])


def test_inplace_keeps_the_value_its_derivative_needs():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    a = x * 1
    a.mul_(w)  # the gradient for w needs a's old value: PyTorch keeps a copy
    a.pow_(2)
    a.sum().backward()
    assert x.grad.tolist() == [18.0, 64.0]
    assert w.grad.tolist() == [6.0, 32.0]


def test_inplace_on_tensor_not_requiring_grad_with_operand_that_does():
    a, w = gv.ones(2), leaf([3.0, 4.0])
    a.mul_(w)
    assert a.requires_grad and not a.is_leaf and a.grad_fn.name() == "MulBackward0"
    a.sum().backward()
    assert w.grad.tolist() == [1.0, 1.0]


def test_setitem_under_no_grad_writes_through_views():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    with gv.no_grad():
        x[0] = 0.0
        x[1, 1] = 9.0
    assert x.tolist() == [[0.0, 0.0], [3.0, 9.0]]
    assert x._version == 2


def test_indexing_gives_views_down_to_single_elements():
    x = gv.tensor([1.0, 2.0, 3.0])
    element = x[1]
    assert element.shape == () and element._base is x
    element.add_(10)
    assert x.tolist() == [1.0, 12.0, 3.0]
    assert x._version == element._version == 1


def test_inplace_that_would_need_copy_slices_is_refused_clearly():
    base, w = gv.zeros(3), leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="CopySlices"):
        base[0:2].add_(w)  # PyTorch would record CopySlices on base; gradviz does not
    assert base.tolist() == [0.0, 0.0, 0.0] and not base.requires_grad
    y = leaf([1.0, 2.0]) * 1
    with pytest.raises(RuntimeError, match="CopySlices"):
        y[0] = 5.0
    with gv.no_grad():
        y[0] = 5.0
    assert y.tolist() == [5.0, 2.0]


# -- execution order -----------------------------------------------------------------------
def _diamond(lib):
    """x -> a = 2x -> b = exp(a), c = sin(a) -> d = b + c -> e = d * a -> e.sum()"""
    x = leaf([1.0, 2.0], lib)
    a = x * 2
    b = a.exp()
    c = a.sin()
    d = b + c
    e = d * a
    return {"x": x, "a": a, "b": b, "c": c, "d": d, "e": e}, e.sum()


DIAMOND_ORDER = ["SumBackward0", "MulBackward0", "AddBackward0", "SinBackward0", "ExpBackward0",
                 "MulBackward0", "torch::autograd::AccumulateGrad"]


def test_diamond_runs_in_pytorch_order():
    tensors, out = _diamond(gv)
    steps = list(backward_steps(out))
    assert [s.node.name() for s in steps] == DIAMOND_ORDER
    owner = {id(t.grad_fn): name for name, t in tensors.items() if t.grad_fn is not None}
    owner[id(tensors["x"]._edge()[0])] = "x"
    assert [owner.get(id(s.node)) for s in steps] == [None, "e", "d", "c", "b", "a", "x"]
    assert [s.index for s in steps] == list(range(7))


def test_diamond_order_matches_torch_hooks(torch):
    tensors, out = _diamond(torch)
    fired = []
    for name, t in tensors.items():
        t.register_hook(lambda g, name=name: fired.append(name))
    out.backward()
    ours, gv_out = _diamond(gv)
    owner = {id(t.grad_fn): name for name, t in ours.items() if t.grad_fn is not None}
    owner[id(ours["x"]._edge()[0])] = "x"
    order = [owner[id(s.node)] for s in backward_steps(gv_out) if id(s.node) in owner]
    assert order == fired == ["e", "d", "c", "b", "a", "x"]


def _leaf_order(lib, n):
    leaves = [lib.ones(2, requires_grad=True) for _ in range(n)]
    fired = []
    for i, t in enumerate(leaves):
        t.register_hook(lambda g, i=i: fired.append(i))
    lib.cat(leaves).sum().backward()
    return fired


# PyTorch's ready queue is a std::priority_queue: leaves that become ready together (all
# AccumulateGrad, equal priority) come out in heap order, not in input order.
LEAF_ORDERS = {2: [0, 1], 3: [0, 1, 2], 4: [0, 2, 1, 3], 5: [0, 2, 4, 1, 3],
               6: [0, 2, 5, 4, 1, 3], 9: [0, 2, 6, 8, 5, 7, 4, 1, 3]}


@pytest.mark.parametrize("n", sorted(LEAF_ORDERS))
def test_leaves_ready_together_run_in_pytorch_heap_order(n):
    assert _leaf_order(gv, n) == LEAF_ORDERS[n]


@pytest.mark.parametrize("n", [2, 4, 7, 12])
def test_leaf_order_matches_torch(torch, n):
    assert _leaf_order(gv, n) == _leaf_order(torch, n)


def test_most_recent_branch_runs_first():
    order = []
    x, y = leaf([1.0]), leaf([2.0])
    p, q, r = x * y, y + 1, x.exp()
    for name, t in (("p", p), ("q", q), ("r", r), ("x", x), ("y", y)):
        t.register_hook(lambda g, name=name: order.append(name))
    (p + q + r).sum().backward()
    assert order == ["r", "q", "p", "x", "y"]


def test_backward_steps_records_what_each_node_sent():
    x = leaf([1.0, 2.0])
    y = x * 3
    steps = list(backward_steps(y.sum()))
    assert [type(s) for s in steps] == [BackwardStep] * 3
    total, mul, acc = steps
    assert total.grad_output.tolist() == 1.0
    assert [g.tolist() for g in total.grad_inputs] == [[1.0, 1.0]]
    assert mul.grad_inputs[0].tolist() == [3.0, 3.0] and mul.grad_inputs[1] is None
    assert acc.variable is x and acc.new_grad.tolist() == [3.0, 3.0]
    assert x.grad.tolist() == [3.0, 3.0]


def test_backward_steps_can_be_stopped_early():
    x = leaf([1.0, 2.0])
    steps = backward_steps((x * 3).sum())
    next(steps)
    assert x.grad is None
    list(steps)
    assert x.grad.tolist() == [3.0, 3.0]


# -- graph structure and saved values ------------------------------------------------------
def test_next_functions_of_tensor_plus_number():
    x = leaf([[1.0, 1.0], [1.0, 1.0]])
    y = x + 2
    ((acc, i), (none, j)) = y.grad_fn.next_functions
    assert isinstance(acc, AccumulateGrad) and acc.variable is x
    assert (i, none, j) == (0, None, 0)
    assert y.grad_fn.name() == "AddBackward0"
    assert acc.name() == "torch::autograd::AccumulateGrad"
    assert acc.next_functions == ()
    assert x.grad_fn is None
    assert (x * 2).grad_fn.next_functions[0][0] is acc  # one AccumulateGrad per leaf


def test_grad_fn_repr():
    y = leaf([1.0]) + 2
    assert repr(y.grad_fn).startswith("<AddBackward0 object at 0x")
    acc = y.grad_fn.next_functions[0][0]
    assert repr(acc).startswith("<AccumulateGrad object at 0x")


def test_saved_values_under_pytorch_names():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    z = x * y
    assert z.grad_fn._saved_other is y
    assert z.grad_fn._saved_self is x
    e = x.exp()
    result = e.grad_fn._saved_result
    assert result.grad_fn is e.grad_fn and result.tolist() == e.tolist()
    two = (x * 2).grad_fn
    assert two._saved_self is None
    assert repr(two._saved_other) == "tensor(2)"
    assert repr((x * 2.5).grad_fn._saved_other) == "tensor(2.5000, dtype=torch.float64)"
    assert (x + 2).grad_fn._saved_alpha == 1
    assert (x ** 3).grad_fn._saved_exponent == 3
    assert x.sum().grad_fn._saved_self_sym_sizes == (2,)
    with pytest.raises(AttributeError):
        z.grad_fn._saved_nothing  # noqa: B018


def test_saved_values_match_torch(torch):
    for lib in (gv, torch):
        x, y = leaf([1.0, 2.0], lib), leaf([3.0, 4.0], lib)
        assert (x * y).grad_fn._saved_other is y
        assert (x * 2).grad_fn._saved_self is None
        assert repr((x * 2).grad_fn._saved_other) == "tensor(2)"
        assert repr((x / 3.5).grad_fn._saved_other) == "tensor(3.5000, dtype=torch.float64)"


# -- dtypes, promotion, Size ---------------------------------------------------------------
PROMOTION = [
    ("T.tensor([1, 2]) + T.ones(2)", "torch.float32"),
    ("T.ones(2) + T.tensor(1.0, dtype=T.float64)", "torch.float32"),
    ("T.tensor(1.0, dtype=T.float64) + T.tensor([1, 2])", "torch.float64"),
    ("T.tensor([1, 2]) * 2.5", "torch.float32"),
    ("T.tensor([1, 2]) * 2", "torch.int64"),
    ("T.tensor([True]) + T.tensor([True])", "torch.bool"),
    ("T.tensor([True]) + 1", "torch.int64"),
    ("T.tensor([True]) * 1.5", "torch.float32"),
    ("T.tensor([1, 2]) + True", "torch.int64"),
    ("T.tensor([1, 2]) / T.tensor([2, 2])", "torch.float32"),
    ("T.tensor([1, 2]) / 2", "torch.float32"),
    ("T.ones(2, dtype=T.float64) + T.ones(2)", "torch.float64"),
    ("T.tensor(1) + T.ones(2)", "torch.float32"),
    ("T.tensor([1, 2]) ** 2", "torch.int64"),
    ("T.tensor([1, 2]) ** 0.5", "torch.float32"),
    ("2.0 ** T.tensor([1, 2])", "torch.float32"),
    ("T.tensor([1, 2]).sum()", "torch.int64"),
    ("T.tensor([True, True]).sum()", "torch.int64"),
    ("T.tensor([1, 2]).exp()", "torch.float32"),
    ("T.tensor([1, -2]).abs()", "torch.int64"),
    ("T.tensor([1.5, 2.5])", "torch.float32"),
    ("T.tensor([1, 2])", "torch.int64"),
    ("T.tensor(3.7).long()", "torch.int64"),
    ("T.arange(5)", "torch.int64"),
    ("T.arange(0, 1, 0.25)", "torch.float32"),
    ("T.full((2,), 3)", "torch.int64"),
    ("T.full((2,), True)", "torch.bool"),
    ("T.ones(2) > 1", "torch.bool"),
    ("T.zeros_like(T.tensor([1, 2]))", "torch.int64"),
    ("T.tensor(np.array([1.0, 2.0]))", "torch.float64"),
    ("T.tensor([1, 2]).float()", "torch.float32"),
    ("T.ones(2).double()", "torch.float64"),
]


@pytest.mark.parametrize(("expr", "dtype"), PROMOTION, ids=[p[0] for p in PROMOTION])
def test_type_promotion(expr, dtype):
    assert repr(eval(expr, {"T": gv, "np": np}).dtype) == dtype


@pytest.mark.parametrize(("expr", "dtype"), PROMOTION, ids=[p[0] for p in PROMOTION])
def test_type_promotion_matches_torch(torch, expr, dtype):
    assert repr(eval(expr, {"T": torch, "np": np}).dtype) == dtype


def test_dtype_names_and_aliases_print_as_torch():
    assert repr(gv.float32) == str(gv.float32) == "torch.float32"
    assert repr(gv.ones(2).dtype) == "torch.float32"
    assert gv.float is gv.float32 and gv.double is gv.float64 and gv.long is gv.int64
    assert repr(gv.bool) == "torch.bool"
    assert gv.ones(2, dtype=gv.float).dtype is gv.float32


def test_size_repr_and_tuple_behaviour():
    s = gv.ones(2, 3).shape
    assert repr(s) == str(s) == "torch.Size([2, 3])"
    assert s == (2, 3) and s[1] == 3 and len(s) == 2
    assert repr(gv.ones(()).shape) == "torch.Size([])"
    assert gv.ones(2, 3).size() == s and gv.ones(2, 3).size(-1) == 3
    assert gv.Size([2, 3]).numel() == 6


# -- autograd.grad and backward(inputs=...) ------------------------------------------------
def test_autograd_grad_captures_without_touching_grad():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = (x * x * w).sum()
    (gx,) = gv.autograd.grad(y, [x], retain_graph=True)
    assert gx.tolist() == [6.0, 16.0]
    assert x.grad is None and w.grad is None
    gx, gw = gv.autograd.grad(y, [x, w])
    assert gw.tolist() == [1.0, 4.0]


def test_autograd_grad_allow_unused_gives_none():
    x, unused = leaf([1.0, 2.0]), leaf([5.0])
    y = (x * 2).sum()
    assert gv.autograd.grad(y, [x, unused], allow_unused=True)[1] is None


def test_autograd_grad_of_non_leaf():
    x = leaf([1.0, 2.0])
    y = x * 2
    (gy,) = gv.autograd.grad((y * y).sum(), y)
    assert gy.tolist() == [4.0, 8.0]
    assert not y.retains_grad


def test_backward_inputs_limits_accumulation():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    assert w.grad.tolist() == [1.0, 2.0]
    y = x * 2
    (y * y).sum().backward(inputs=[y])
    assert y.grad.tolist() == [4.0, 8.0] and y.retains_grad and x.grad is None


def test_backward_with_gradient_argument_is_a_vector_jacobian_product():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    y.backward(gv.tensor([1.0, 0.1, 0.01]))
    assert np.allclose(x.grad.tolist(), [2.0, 0.4, 0.06])


def test_autograd_backward_with_several_roots():
    x = leaf([1.0, 2.0])
    gv.autograd.backward([(x * 2).sum(), (x + 1).sum()])
    assert x.grad.tolist() == [3.0, 3.0]
