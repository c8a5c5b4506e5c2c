"""Every example file loads, evaluates and back-propagates to its known gradients."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradviz.graph import load

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def leaf_grads(name: str) -> tuple:
    document = load(EXAMPLES / f"{name}.gvz")
    assert document.evaluate().errors == {}
    start = document.backward
    trace = document.backward_trace(start["start"], start["gradient"])
    grads = {s.node_id: s.leaf_grad for s in trace.steps if s.leaf_grad is not None}
    values = {n: r.tensor._data for n, r in document.evaluate().items() if r.ok}
    return document, grads, values


def test_every_example_is_tested():
    names = {p.stem for p in EXAMPLES.glob("*.gvz")}
    assert names == {"tutorial_basic", "vector_jacobian", "requires_grad_sum",
                     "no_grad_detach", "two_layer_perceptron", "softmax_cross_entropy",
                     "broadcast_bias"}


def test_tutorial_basic():
    _, grads, values = leaf_grads("tutorial_basic")
    assert values["out"] == 27.0
    assert np.array_equal(grads["x"], np.full((2, 2), 4.5, dtype=np.float32))


def test_vector_jacobian():
    document, grads, values = leaf_grads("vector_jacobian")
    doublings = sum(1 for n in document.nodes.values() if n.kind == "op") - 1
    assert np.linalg.norm(values[document.backward["start"]]) >= 1000
    v = np.array([0.1, 1.0, 0.0001], dtype=np.float32)
    assert np.array_equal(grads["x"], (2.0 * 2**doublings * v).astype(np.float32))


def test_requires_grad_sum():
    _, grads, values = leaf_grads("requires_grad_sum")
    assert np.allclose(grads["a"], 2 * values["a"])


def test_no_grad_detach():
    _, grads, values = leaf_grads("no_grad_detach")
    assert np.allclose(grads["x"], 2 * values["x"])
    assert "y" not in grads and bool(values["all"]) is True


def test_two_layer_perceptron_matches_hand_written_backward():
    _, grads, v = leaf_grads("two_layer_perceptron")
    x, w1, b1, w2, b2, t = (v[k].astype(np.float64) for k in
                            ("x", "W1", "b1", "W2", "b2", "target"))
    h = np.tanh(x @ w1 + b1)
    y = h @ w2 + b2
    dy = 2 * (y - t) / y.size
    dh = dy @ w2.T * (1 - h**2)
    expected = {"W2": h.T @ dy, "b2": dy.sum(0), "W1": x.T @ dh, "b1": dh.sum(0)}
    for name, grad in expected.items():
        assert np.allclose(grads[name], grad, atol=1e-6), name


def test_softmax_cross_entropy():
    _, grads, v = leaf_grads("softmax_cross_entropy")
    logits = v["logits"].astype(np.float64)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    one_hot = np.eye(3)[v["target"]]
    assert np.allclose(grads["logits"], (p - one_hot) / 2, atol=1e-6)
    assert np.allclose(v["probs"], p, atol=1e-6)


def test_broadcast_bias():
    _, grads, _ = leaf_grads("broadcast_bias")
    assert grads["b"].tolist() == [2.0, 2.0, 2.0]
    assert np.array_equal(grads["x"], np.ones((2, 3), dtype=np.float32))


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.gvz")), ids=lambda p: p.stem)
def test_examples_are_laid_out_without_overlaps(path):
    document = load(path)
    boxes = [(n.position, n.id) for n in document.nodes.values()]
    for i, ((x1, y1), a) in enumerate(boxes):
        for (x2, y2), b in boxes[i + 1:]:
            assert abs(x1 - x2) >= 150 or abs(y1 - y2) >= 70, (a, b)
