"""Document edits: they succeed completely or raise DocumentError and change nothing."""

from __future__ import annotations

import re

import pytest

from gradviz.graph import Document, DocumentError, ValueSpec, events, fileio


def tutorial() -> Document:
    d = Document()
    d.add_tensor("x", ValueSpec("ones", (2, 2)), requires_grad=True)
    d.add_op("add", inputs=["x"], attrs={"other": 2}, name="y")
    d.add_op("mul", inputs=["y", "y"], node_id="yy")
    d.add_op("mul", inputs=["yy"], attrs={"other": 3}, name="z")
    d.add_op("mean", inputs=["z"], name="out")
    return d


def snapshot(d: Document) -> dict:
    return fileio.document_to_dict(d)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.add_op("frobnicate"), "unknown op 'frobnicate'"),
    (lambda d: d.connect("x", "out", 1), "out (mean) has no input slot 1 (slots 0..0)"),
    (lambda d: d.connect("x", "out", 0), "input 'self' of out is already connected to z"),
    (lambda d: d.connect("out", "y", 1), "connecting out to y would make a cycle"),
    (lambda d: d.connect("y", "y", 1), "connecting y to y would make a cycle"),
    (lambda d: d.connect("y", "x", 0), "x is a tensor node and has no inputs"),
    (lambda d: d.add_tensor("x", ValueSpec("ones", (1,)), node_id="x"),
     "duplicate node id 'x'"),
    (lambda d: d.add_tensor("n", ValueSpec("ones", (1,)), node_id="9bad"), "invalid node id"),
    (lambda d: d.add_tensor("i", ValueSpec("ones", (2,)), dtype="int64", requires_grad=True),
     "only Tensors of floating point dtype can require gradients"),
    (lambda d: d.add_tensor("h", ValueSpec("zeros", (10**6, 10**6))), "the limit is"),
    (lambda d: d.set_attr("out", "dim", "zero"), "must be a dimension"),
    (lambda d: d.set_attr("out", "axis", 1), "mean has no attribute 'axis'"),
    (lambda d: d.set_attr("y", "other", 5) or d.set_attr("yy", "other", 2),
     "input 'other' is connected"),
    (lambda d: d.set_value("x", ValueSpec("values", (2,), None), "complex"), "unknown dtype"),
    (lambda d: d.set_element("x", (5, 5), 1.0), "x[5, 5]"),
    (lambda d: d.set_requires_grad("yy", True), "yy is an operation node"),
    (lambda d: d.disconnect("out", 3), "out has no connection at input slot 3"),
    (lambda d: d.remove_node("nope"), "unknown node 'nope'"),
])
def test_refused_edit_changes_nothing(edit, message):
    d = tutorial()
    before = snapshot(d)
    with pytest.raises(DocumentError, match=re.escape(message)):
        edit(d)
    after = snapshot(d)
    if message == "input 'other' is connected":
        after["nodes"][1]["attrs"] = before["nodes"][1]["attrs"]  # the first, valid edit
    assert after == before


def test_changes_are_announced():
    d = tutorial()
    seen = []
    d.changed.subscribe(seen.append)
    d.disconnect("out", 0)
    d.connect("yy", "out", 0)
    d.set_attr("out", "dim", 0)
    d.set_value("x", ValueSpec("full", (2, 2), fill=3.0))
    d.move("x", (5, 6))
    d.remove_node("z")
    kinds = [c.kind for c in seen]
    assert kinds == [events.EDGE_REMOVED, events.EDGE_ADDED, events.NODE_CHANGED,
                     events.VALUES_CHANGED, events.NODE_CHANGED, events.EDGE_REMOVED,
                     events.NODE_REMOVED]
    assert seen[0] == events.Change(events.EDGE_REMOVED, "out", "z", 0)


def test_remove_node_drops_its_edges():
    d = tutorial()
    d.remove_node("y")
    assert d.nodes["yy"].inputs == [None, None]
    assert ("y", "yy", 0) not in list(d.edges())


def test_sinks_and_topological_order():
    d = tutorial()
    d.add_tensor("w", ValueSpec("zeros", (3,)))
    assert d.sinks() == ["out", "w"]
    order = d.topological_order()
    assert order.index("x") < order.index("y") < order.index("yy") < order.index("out")


def test_variadic_inputs_grow_and_shrink():
    d = tutorial()
    c = d.add_op("cat", inputs=["x", "y"])
    d.connect("z", c, 2)
    assert d.nodes[c].inputs == ["x", "y", "z"]
    d.disconnect(c, 0)
    assert d.nodes[c].inputs == ["y", "z"]
    assert sorted(k for _, _, k in d.graph.in_edges(c, keys=True)) == [0, 1]
    d.connect("x", c, 1)  # a piece inserted in the middle
    assert d.nodes[c].inputs == ["y", "x", "z"]
    assert sorted((s, k) for s, _, k in d.graph.in_edges(c, keys=True)) == [
        ("x", 1), ("y", 0), ("z", 2)]


def test_giving_a_number_to_a_free_scalar_slot():
    d = tutorial()
    d.disconnect("yy", 1)
    d.set_attr("yy", "other", 4)
    assert d.evaluate().tensor("out").item() == 36.0  # (3 * 4) * 3


def test_move_many_moves_every_node_with_one_announcement():
    d = tutorial()
    seen = []
    d.changed.subscribe(seen.append)
    d.move_many({"x": (10, 20), "y": (30.5, -4)})
    assert d.nodes["x"].position == (10.0, 20.0) and d.nodes["y"].position == (30.5, -4.0)
    assert [(c.kind, c.detail) for c in seen] == [(events.NODES_MOVED, ("x", "y"))]


@pytest.mark.parametrize(("positions", "message"), [
    ({"x": (1, 1), "ghost": (2, 2)}, "ghost"),
    ({"x": (1, 1), "y": (float("nan"), 0)}, "not finite"),
])
def test_move_many_refuses_all_when_one_is_bad(positions, message):
    d = tutorial()
    before = {n: node.position for n, node in d.nodes.items()}
    seen = []
    d.changed.subscribe(seen.append)
    with pytest.raises(DocumentError, match=message):
        d.move_many(positions)
    assert {n: node.position for n, node in d.nodes.items()} == before and seen == []


def test_the_topological_order_follows_every_structural_edit():
    d = Document()
    a = d.add_op("exp", node_id="a")                 # no input yet: first in insertion order
    d.add_tensor("t", ValueSpec("ones", (2,)), node_id="t")
    assert d.topological_order() == ["a", "t"]
    d.connect("t", "a", 0)
    assert d.topological_order() == ["t", "a"]
    d.add_op("neg", inputs=[a], node_id="b")
    assert d.topological_order() == ["t", "a", "b"]
    d.disconnect("a", 0)
    assert d.topological_order() == ["a", "t", "b"]
    d.remove_node("a")
    assert d.topological_order() == ["t", "b"]
    order = d.topological_order()
    order.append("mine")                              # callers get their own list
    assert d.topological_order() == ["t", "b"]


def test_reorder_nodes_restores_the_order_that_breaks_topological_ties():
    d = Document()
    for name in ["a", "b", "c"]:
        d.add_tensor(name, ValueSpec("ones", (1,)), node_id=name)
    assert d.topological_order() == ["a", "b", "c"]
    d.reorder_nodes(["c", "a"])
    assert list(d.nodes) == ["c", "a", "b"] and d.topological_order() == ["c", "a", "b"]
