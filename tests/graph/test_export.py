"""export_script: PyTorch (and gradviz's interpreter) rerun a document to the same numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradviz.graph import Document, ValueSpec, load
from gradviz.graph.export import export_script, variable_names

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "resources" / "examples").glob("*.gvz"))


def zoo() -> Document:
    """One node for most registry ops, all reaching a scalar loss."""
    d = Document("zoo")
    d.add_tensor("a", ValueSpec("randn", (2, 3), seed=1), dtype="float64", requires_grad=True)
    d.add_tensor("b", ValueSpec("randn", (3,), seed=2), dtype="float64", requires_grad=True)
    d.add_tensor("m", ValueSpec("randn", (3, 2), seed=3), dtype="float64", requires_grad=True)
    d.add_tensor("p", ValueSpec("rand", (2, 3), seed=4), dtype="float64")
    d.add_tensor("cls", ValueSpec("values", (2,), np.array([1, 0])), dtype="int64")
    ops = [
        ("add", ["a", "b"], {}), ("sub", ["a"], {"other": 0.5}), ("rsub", ["a"], {"other": 2}),
        ("mul", ["a", "b"], {}), ("div", ["a"], {"other": 3}), ("rdiv", ["p"], {"other": 1}),
        ("pow", ["p"], {"exponent": 3}), ("pow", [None, "a"], {"self": 2}), ("neg", ["a"], {}),
        ("matmul", ["a", "m"], {}), ("mm", ["a", "m"], {}), ("exp", ["a"], {}),
        ("log", ["p"], {}), ("sqrt", ["p"], {}), ("abs", ["a"], {}), ("sin", ["a"], {}),
        ("cos", ["a"], {}), ("tanh", ["a"], {}), ("sigmoid", ["a"], {}), ("relu", ["a"], {}),
        ("clamp", ["a"], {"min": -0.5, "max": 0.5}), ("maximum", ["a", "p"], {}),
        ("minimum", ["a", "p"], {}), ("sum", ["a"], {"dim": 1, "keepdim": True}),
        ("mean", ["a"], {"dim": [0]}), ("max", ["a"], {"dim": 1}), ("min", ["a"], {}),
        ("norm", ["a"], {}), ("var", ["a"], {"dim": 0}), ("reshape", ["a"], {"shape": [3, 2]}),
        ("view", ["a"], {"shape": [6]}), ("flatten", ["a"], {}),
        ("transpose", ["a"], {"dim0": 0, "dim1": 1}), ("t", ["a"], {}),
        ("permute", ["a"], {"dims": [1, 0]}), ("unsqueeze", ["a"], {"dim": 1}),
        ("squeeze", ["a"], {}), ("expand", ["b"], {"size": [4, 3]}),
        ("getitem", ["a"], {"index": [0, {"slice": [1, None, None]}]}),
        ("clone", ["a"], {}), ("to", ["a"], {"dtype": "float32"}),
        ("softmax", ["a"], {"dim": 1}), ("log_softmax", ["a"], {"dim": 0}),
        ("mse_loss", ["a", "p"], {}), ("cross_entropy", ["a", "cls"], {}),
        ("nll_loss", ["a", "cls"], {"reduction": "sum"}),
    ]
    terms = []
    for i, (op, inputs, attrs) in enumerate(ops):
        terms.append(d.add_op(op, inputs=inputs, attrs=attrs, node_id=f"{op}_{i}"))
    d.add_op("cat", inputs=["a", "p"], attrs={"dim": 0}, node_id="joined")
    d.add_op("stack", inputs=["a", "p"], node_id="stacked")
    d.add_op("gt", inputs=["a"], attrs={"other": 0}, node_id="positive")
    total = None
    for term in [*terms, "joined", "stacked"]:
        s = d.add_op("sum", inputs=[term], node_id=f"s_{term}")
        if d.nodes[term].op == "to":
            s = d.add_op("to", inputs=[s], attrs={"dtype": "float64"}, node_id=f"back_{term}")
        total = s if total is None else d.add_op("add", inputs=[total, s],
                                                 node_id=f"total_{term}")
    d.backward = {"start": total, "gradient": None}
    return d


def reference(document: Document) -> tuple[dict, dict]:
    values = {n: r.tensor._data for n, r in document.evaluate().items()}
    trace = document.backward_trace(document.backward["start"], document.backward["gradient"])
    grads = {s.node_id: s.leaf_grad for s in trace.steps if s.leaf_grad is not None}
    return values, grads


def run_with_torch(source: str) -> dict:
    torch = pytest.importorskip("torch")
    namespace: dict = {}
    exec(compile(source.replace("print(", "(lambda *a: None)("), "<export>", "exec"),
         {"torch": torch, "__builtins__": __builtins__}, namespace)
    return namespace


def test_zoo_evaluates_without_errors():
    assert zoo().evaluate().errors == {}


@pytest.mark.parametrize("make", [zoo, *[(lambda p=p: load(p)) for p in EXAMPLES]],
                         ids=["zoo", *[p.stem for p in EXAMPLES]])
def test_pytorch_runs_the_export_to_the_same_values_and_gradients(make):
    document = make()
    values, grads = reference(document)
    namespace = run_with_torch(export_script(document))
    names = variable_names(document)
    for node_id, value in values.items():
        got = namespace[names[node_id]]
        assert np.allclose(got.detach().numpy(), value, rtol=1e-5, atol=1e-6,
                           equal_nan=True), node_id
    for node_id, grad in grads.items():
        got = namespace[names[node_id]].grad.numpy()
        assert np.allclose(got, grad, rtol=1e-5, atol=1e-6), node_id


def test_export_names_are_identifiers_and_avoid_builtins():
    d = Document()
    d.add_tensor("x", ValueSpec("ones", (1,)), node_id="max")
    d.add_tensor("y", ValueSpec("ones", (1,)), node_id="a-b")
    text = export_script(d)
    assert "max_2 = torch.ones(1)" in text and "a_b = torch.ones(1)" in text
