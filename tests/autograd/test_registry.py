"""One op registry: every spelling of an op reaches one definition, and every entry is
complete enough for the palette, the file format and the stepper to read it."""

import numpy as np
import pytest

import gradviz as gv
from gradviz.autograd import REGISTRY, AttrSpec, Node, OpSpec
from gradviz.autograd.node import NODE_CLASSES
from gradviz.autograd.registry import CATEGORIES

F = gv.nn.functional
ATTR_KINDS = {"int", "float", "number", "bool", "dims", "shape", "index", "dtype"}


def _pair():
    a = gv.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = gv.tensor([[0.5, 1.5], [2.5, 3.5]], requires_grad=True)
    return a, b


# (operator spelling, method spelling, function spelling), all on leaves a and b.
SPELLINGS = [
    ("a + b", "a.add(b)", "gv.add(a, b)"),
    ("a - b", "a.sub(b)", "gv.sub(a, b)"),
    ("a * b", "a.mul(b)", "gv.mul(a, b)"),
    ("a / b", "a.div(b)", "gv.div(a, b)"),
    ("a ** b", "a.pow(b)", "gv.pow(a, b)"),
    ("a @ b", "a.matmul(b)", "gv.matmul(a, b)"),
    ("-a", "a.neg()", "gv.neg(a)"),
    ("a + 2", "a.add(2)", "gv.add(a, 2)"),
    ("2 - a", "a.rsub(2)", "gv.rsub(a, 2)"),
    ("2 / a", "a.rdiv(2)", "a.__rtruediv__(2)"),
    ("a ** 2", "a.pow(2)", "gv.pow(a, 2)"),
    ("2 ** a", "a.__rpow__(2)", "gv.pow(2, a)"),
    ("abs(a)", "a.abs()", "gv.abs(a)"),
    ("a.T", "a.permute(1, 0)", "gv.permute(a, (1, 0))"),
    ("a[0]", "a.__getitem__(0)", "a[0]"),
    ("a == b", "a.eq(b)", "gv.eq(a, b)"),
    ("a < b", "a.lt(b)", "gv.lt(a, b)"),
    ("a >= b", "a.ge(b)", "gv.ge(a, b)"),
]


@pytest.mark.parametrize("spellings", SPELLINGS, ids=[s[0] for s in SPELLINGS])
def test_operator_method_and_function_reach_the_same_op(spellings):
    results = []
    for expr in spellings:
        a, b = _pair()
        results.append(eval(expr, {"a": a, "b": b, "gv": gv}))
    kinds = {type(r.grad_fn) for r in results}
    assert len(kinds) == 1
    for r in results[1:]:
        np.testing.assert_array_equal(r.numpy() if not r.requires_grad else r.detach().numpy(),
                                      results[0].detach().numpy())


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_method_and_function_are_the_registered_function(name):
    spec = REGISTRY[name]
    for method in filter(None, (spec.method, *spec.aliases)):
        assert getattr(gv.Tensor, method) is spec.fn, method
    public = getattr(gv, name, None) or getattr(F, name, None)
    if name not in ("rdiv", "getitem", "to", "view", "expand"):  # methods only, as in torch
        assert public is spec.fn


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_registry_entry_is_complete(name):
    spec = REGISTRY[name]
    assert isinstance(spec, OpSpec)
    assert spec.name == name and name.isidentifier()
    assert spec.category in CATEGORIES
    assert callable(spec.fn) and spec.doc
    assert spec.inputs and all(r.isidentifier() for r in spec.inputs)
    assert spec.scalar_inputs <= set(spec.inputs)
    assert not spec.variadic or len(spec.inputs) == 1
    for attr in spec.attrs:
        assert isinstance(attr, AttrSpec)
        assert attr.kind in ATTR_KINDS or attr.kind.startswith("choice:")
        assert not (attr.required and attr.default is not None)
        assert spec.attr(attr.name) is attr
    with pytest.raises(KeyError):
        spec.attr("no such attribute")
    if spec.differentiable:
        assert spec.grad_fns
    else:
        assert spec.grad_fns == ()


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_grad_fn_classes_have_a_formula_for_each_input(name):
    for grad_fn in REGISTRY[name].grad_fns:
        cls = NODE_CLASSES[grad_fn]
        assert issubclass(cls, Node) and cls.__name__ == grad_fn
        assert cls.inputs
        for role in cls.inputs:
            assert cls.formulas.get(role), f"{grad_fn} has no formula for {role}"


def test_every_node_class_explains_its_gradients():
    assert len(NODE_CLASSES) >= 50
    for name, cls in NODE_CLASSES.items():
        for role in cls.inputs:
            assert cls.formulas.get(role), f"{name}: {role}"


def test_formula_for_names_each_input_of_a_node():
    a, b = _pair()
    node = (a * b).grad_fn
    assert node.inputs == ("self", "other")
    assert node.formula_for(0) == "grad * other"
    assert node.formula_for(1) == "grad * self"
    cat = gv.cat([a, b, a]).grad_fn
    assert [cat.formula_for(i) for i in range(3)] == [cat.formulas["tensors"]] * 3


def test_registry_can_call_every_op_with_document_style_attrs():
    a, _ = _pair()
    assert REGISTRY["view"].call([a], {"shape": [4]}).shape == (4,)
    assert REGISTRY["permute"].call([a], {"dims": (1, 0)}).grad_fn.name() == "PermuteBackward0"
    assert REGISTRY["sum"].call([a], {"dim": (0,), "keepdim": True}).shape == (1, 2)
    assert REGISTRY["cat"].call([a, a], {"dim": 1}).shape == (2, 4)
    assert REGISTRY["add"].call([a, 2], {"alpha": 3}).tolist() == [[7.0, 8.0], [9.0, 10.0]]
    assert REGISTRY["getitem"].call([a], {"index": (0, slice(1, None))}).tolist() == [2.0]


def test_registered_twice_is_an_error():
    from gradviz.autograd.registry import register

    with pytest.raises(ValueError, match="registered twice"):
        register("add", "arithmetic")(lambda self: self)
    with pytest.raises(ValueError, match="unknown category"):
        register("brand_new", "nonsense")


def test_registry_covers_the_spec_operations():
    spec_ops = {"add", "sub", "mul", "div", "pow", "neg", "matmul", "mm", "exp", "log", "sqrt",
                "abs", "sin", "cos", "tanh", "sigmoid", "relu", "clamp", "maximum", "minimum",
                "sum", "mean", "max", "min", "norm", "var", "reshape", "view", "flatten",
                "transpose", "t", "permute", "unsqueeze", "squeeze", "expand", "getitem", "cat",
                "stack", "softmax", "log_softmax", "mse_loss", "cross_entropy", "eq", "ne", "lt",
                "le", "gt", "ge", "all", "any", "argmax", "argmin"}
    assert spec_ops <= set(REGISTRY)
