"""Evaluation: each node gets its tensor or its own error; edits recompute only downstream."""

from __future__ import annotations

import numpy as np

from gradviz.graph import Document, ValueSpec
from gradviz.graph.evaluate import BLOCKED, ERROR, OK

from .test_document import tutorial


def test_tutorial_values():
    ev = tutorial().evaluate()
    assert repr(ev.tensor("out")) == "tensor(27., grad_fn=<MeanBackward0>)"
    assert ev.tensor("y").grad_fn.name() == "AddBackward0"
    assert ev.tensor("yy").grad_fn.creator == "yy"


def test_only_nodes_downstream_of_an_edit_are_recomputed():
    d = tutorial()
    d.add_tensor("w", ValueSpec("ones", (2,)))
    d.add_op("neg", inputs=["w"], node_id="nw")
    d.evaluate()
    assert set(d.evaluator.last_computed) == {"x", "y", "yy", "z", "out", "w", "nw"}
    d.evaluate()
    assert d.evaluator.last_computed == []
    d.set_attr("z", "other", 4)
    d.evaluate()
    assert d.evaluator.last_computed == ["z", "out"]
    d.set_value("w", ValueSpec("full", (2,), fill=5.0))
    ev = d.evaluate()
    assert d.evaluator.last_computed == ["w", "nw"]
    assert ev.tensor("out").item() == 36.0 and ev.tensor("nw").tolist() == [-5.0, -5.0]


def test_errors_stay_on_their_node_and_block_consumers():
    d = tutorial()
    d.add_tensor("b", ValueSpec("ones", (3,)))
    d.add_op("add", inputs=["x", "b"], node_id="bad")
    d.add_op("sum", inputs=["bad"], node_id="after")
    d.add_op("neg", node_id="lonely")
    ev = d.evaluate()
    assert ev["bad"].status == ERROR
    assert ev["bad"].message == ("The size of tensor a (2) must match the size of tensor b (3) "
                                 "at non-singleton dimension 1")
    assert ev["after"].status == BLOCKED and "bad" in ev["after"].message
    assert ev["lonely"].message == "input 'self' is not connected"
    assert ev["out"].status == OK and ev.tensor("out").item() == 27.0


def test_nan_results_are_flagged_not_fatal():
    d = Document()
    d.add_tensor("v", ValueSpec("values", (2,), np.array([-1.0, 4.0], dtype=np.float32)))
    d.add_op("sqrt", inputs=["v"], node_id="r")
    ev = d.evaluate()
    assert ev["r"].ok and "nan" in ev["r"].warnings[0]
    assert np.isnan(ev.tensor("r")._data[0]) and ev.tensor("r")._data[1] == 2.0


def test_random_rules_are_reproducible():
    a, b = Document(), Document()
    for d in (a, b):
        d.add_tensor("r", ValueSpec("randn", (4,), seed=3))
    assert a.evaluate().tensor("r").tolist() == b.evaluate().tensor("r").tolist()
