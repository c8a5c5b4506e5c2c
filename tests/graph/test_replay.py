"""Replay bookkeeping: node states, shown gradients and active edges at every step."""

from __future__ import annotations

import numpy as np

from gradviz.graph.replay import ACTIVE, DONE, ERROR, IDLE, PENDING, Replay

from .test_document import tutorial


def test_states_follow_the_trace_on_the_tutorial():
    d = tutorial()
    d.add_op("neg", node_id="unused")  # not connected: an error, never in the trace
    replay = Replay(d.backward_trace("out"), errors=frozenset(d.evaluate().errors))
    order = ["out", "z", "yy", "y", "x"]
    assert replay.count == 5
    assert replay.states(order) == dict.fromkeys(order, PENDING)
    assert replay.state("unused") == ERROR
    for index in range(1, 6):
        replay.seek(index)
        expected = {n: (DONE if i < index - 1 else ACTIVE if i == index - 1 else PENDING)
                    for i, n in enumerate(order)}
        assert replay.states(order) == expected
        assert replay.active_step.node_id == order[index - 1]
    assert np.array_equal(replay.gradient("x"), np.full((2, 2), 4.5, dtype=np.float32))
    assert replay.gradient("out") == 1.0


def test_seeking_back_restores_earlier_states_and_gradients():
    replay = Replay(tutorial().backward_trace("out"))
    replay.seek(2)
    before = (replay.states(["out", "z", "yy"]), replay.gradient("z").copy())
    replay.seek(5)
    replay.seek(2)
    assert replay.states(["out", "z", "yy"]) == before[0]
    assert np.array_equal(replay.gradient("z"), before[1])
    assert replay.gradient("x") is None
    replay.seek(-3)
    assert replay.index == 0 and replay.active_step is None and replay.active_edges() == []


def test_active_edges_carry_the_step_gradients():
    replay = Replay(tutorial().backward_trace("out"))
    replay.seek(3)  # MulBackward0 of y * y
    edges = replay.active_edges()
    assert [(e.source, e.slot) for e in edges] == [("y", 0), ("y", 1)]
    assert np.allclose(edges[0].grad, 2.25)


def test_nodes_outside_the_trace_stay_idle():
    d = tutorial()
    d.add_op("exp", inputs=["x"], node_id="side")
    replay = Replay(d.backward_trace("out"), index=5)
    assert replay.state("side") == IDLE and replay.gradient("side") is None
    assert replay.gradient_magnitudes()["x"] == 4.5


def test_gradient_magnitudes_follow_any_order_of_seeks():
    """The magnitudes carried from seek to seek equal max |gradient| computed afresh."""
    d = tutorial()
    d.add_op("exp", inputs=["x"], node_id="side")
    d.add_op("sum", inputs=["side"], node_id="side_total")
    d.add_op("add", inputs=["out", "side_total"], node_id="both")
    replay = Replay(d.backward_trace("both"))
    nodes = list(d.nodes)
    for index in [0, 1, 3, 2, replay.count, 4, 0, replay.count - 1, 5, 6]:
        replay.seek(index)
        fresh = {n: float(np.max(np.abs(g))) for n in nodes
                 for g in [replay.gradient(n)] if g is not None}
        assert replay.gradient_magnitudes() == fresh, index
    replay.seek(replay.count)
    assert replay.gradient_magnitudes()["x"] > 4.5      # x's grad gets exp(x) added
