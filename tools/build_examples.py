"""Regenerate resources/examples/*.gvz (run from the repo root: python tools/build_examples.py).

The example files are committed; this script documents how they were made and rebuilds
them after a format change.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gradviz.graph import Document, ValueSpec, apply_layout, layered_layout, save

OUT = Path(__file__).resolve().parent.parent / "resources" / "examples"


def values(data: object, dtype: str = "float32") -> ValueSpec:
    array = np.asarray(data, dtype=dtype)
    return ValueSpec("values", array.shape, array)


def tutorial_basic() -> Document:
    d = Document("Tutorial: y = x + 2, z = y * y * 3, out = z.mean()",
                 "The first cells of PyTorch's autograd tutorial. Backward from out gives "
                 "x.grad = 4.5 everywhere.")
    d.add_tensor("x", ValueSpec("ones", (2, 2)), requires_grad=True)
    d.add_op("add", inputs=["x"], attrs={"other": 2}, name="y")
    d.add_op("mul", inputs=["y", "y"], name="y * y", node_id="yy")
    d.add_op("mul", inputs=["yy"], attrs={"other": 3}, name="z")
    d.add_op("mean", inputs=["z"], name="out")
    d.backward = {"start": "out", "gradient": None}
    return d


def vector_jacobian() -> Document:
    d = Document("Tutorial: vector-Jacobian product",
                 "y = x * 2, doubled until its norm reaches 1000; backward with "
                 "v = [0.1, 1.0, 0.0001] gives x.grad = 2**k * v.")
    x = np.array([0.8, -1.1, 1.5], dtype=np.float32)
    d.add_tensor("x", values(x), requires_grad=True)
    previous, y, n = d.add_op("mul", inputs=["x"], attrs={"other": 2}, name="y"), x * 2, 1
    while np.linalg.norm(y) < 1000:
        previous = d.add_op("mul", inputs=[previous], attrs={"other": 2}, name="y",
                            node_id=f"y_{n + 1}")
        y, n = y * 2, n + 1
    d.backward = {"start": previous, "gradient": [0.1, 1.0, 0.0001]}
    return d


def requires_grad_sum() -> Document:
    d = Document("Tutorial: requires_grad_ and b = (a * a).sum()",
                 "a is a leaf made to require grad; backward from b gives a.grad = 2 * a.")
    d.add_tensor("a", values([[-0.7979, 0.9563], [0.1155, 0.5435]]), requires_grad=True)
    d.add_op("mul", inputs=["a", "a"], name="a * a", node_id="aa")
    d.add_op("sum", inputs=["aa"], name="b")
    d.backward = {"start": "b", "gradient": None}
    return d


def no_grad_detach() -> Document:
    d = Document("Tutorial: stopping gradients",
                 "x ** 2 requires grad; a detached copy of x does not, yet holds the same "
                 "values (x.eq(y).all() is True).")
    x = [0.3, -1.2, 2.0]
    d.add_tensor("x", values(x), requires_grad=True)
    d.add_tensor("y", values(x), label="x.detach()")
    d.add_op("pow", inputs=["x"], attrs={"exponent": 2}, name="x ** 2", node_id="x2")
    d.add_op("sum", inputs=["x2"], name="s")
    d.add_op("eq", inputs=["x", "y"], name="x.eq(y)", node_id="same")
    d.add_op("all", inputs=["same"], name="all")
    d.backward = {"start": "s", "gradient": None}
    return d


def two_layer_perceptron() -> Document:
    d = Document("Two-layer perceptron",
                 "y = tanh(x @ W1 + b1) @ W2 + b2, loss = mse_loss(y, target).")
    d.add_tensor("x", values([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3], [-0.7, 0.9, 0.1],
                              [0.0, -0.4, 1.2]]))
    d.add_tensor("W1", ValueSpec("randn", (3, 4), seed=1), requires_grad=True)
    d.add_tensor("b1", ValueSpec("zeros", (4,)), requires_grad=True)
    d.add_tensor("W2", ValueSpec("randn", (4, 2), seed=2), requires_grad=True)
    d.add_tensor("b2", ValueSpec("zeros", (2,)), requires_grad=True)
    d.add_tensor("target", values([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]))
    d.add_op("matmul", inputs=["x", "W1"], name="x @ W1", node_id="xW1")
    d.add_op("add", inputs=["xW1", "b1"], name="+ b1", node_id="pre")
    d.add_op("tanh", inputs=["pre"], name="h")
    d.add_op("matmul", inputs=["h", "W2"], name="h @ W2", node_id="hW2")
    d.add_op("add", inputs=["hW2", "b2"], name="y")
    d.add_op("mse_loss", inputs=["y", "target"], name="loss")
    d.backward = {"start": "loss", "gradient": None}
    return d


def softmax_cross_entropy() -> Document:
    d = Document("Softmax and cross-entropy (3 classes)",
                 "loss = cross_entropy(logits, target); its gradient is "
                 "(softmax(logits) - one_hot(target)) / N.")
    d.add_tensor("logits", values([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]), requires_grad=True)
    d.add_tensor("target", values([0, 2], "int64"), dtype="int64")
    d.add_op("softmax", inputs=["logits"], attrs={"dim": 1}, name="probs")
    d.add_op("cross_entropy", inputs=["logits", "target"], name="loss")
    d.backward = {"start": "loss", "gradient": None}
    return d


def broadcast_bias() -> Document:
    d = Document("Broadcasting a bias",
                 "x (2x3) + b (3): b is broadcast over the rows, so its gradient sums them.")
    d.add_tensor("x", values([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), requires_grad=True)
    d.add_tensor("b", values([0.1, 0.2, 0.3]), requires_grad=True)
    d.add_op("add", inputs=["x", "b"], name="x + b", node_id="xb")
    d.add_op("sum", inputs=["xb"], name="total")
    d.backward = {"start": "total", "gradient": None}
    return d


EXAMPLES = {
    "tutorial_basic": tutorial_basic, "vector_jacobian": vector_jacobian,
    "requires_grad_sum": requires_grad_sum, "no_grad_detach": no_grad_detach,
    "two_layer_perceptron": two_layer_perceptron,
    "softmax_cross_entropy": softmax_cross_entropy, "broadcast_bias": broadcast_bias,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in EXAMPLES.items():
        document = build()
        apply_layout(document, layered_layout(document))
        save(document, OUT / f"{name}.gvz")
        print(f"wrote {name}.gvz ({len(document)} nodes)")


if __name__ == "__main__":
    main()
