"""Backward traces: the core's records, mapped to document nodes, edges and explanations."""

from __future__ import annotations

import numpy as np
import pytest

import gradviz as gv
from gradviz.graph import Document, TraceError, ValueSpec

from .test_document import tutorial


def test_trace_is_the_core_backward_translated():
    d = tutorial()
    trace = d.backward_trace("out")
    x = gv.ones(2, 2, requires_grad=True)
    y = x + 2
    yy = y * y
    z = yy * 3
    out = z.mean()
    core = [s.node.name() for s in gv.autograd.backward_steps(out)]
    assert [s.grad_fn for s in trace.steps] == core
    assert trace.node_ids() == ["out", "z", "yy", "y", "x"]
    assert np.array_equal(trace.steps[-1].leaf_grad, np.full((2, 2), 4.5, dtype=np.float32))


def test_steps_carry_gradients_along_document_edges():
    trace = tutorial().backward_trace("out")
    yy = trace.steps[2]
    assert [(e.source, e.target, e.slot) for e in yy.sent] == [("y", "yy", 0), ("y", "yy", 1)]
    assert np.allclose(yy.sent[0].grad, 2.25)
    assert yy.explanation.splitlines()[0] == "MulBackward0 (from yy):"
    assert "grad_self = grad * other" in yy.explanation
    mean = trace.steps[0].explanation
    assert "numel = 4" in mean and "0.2500" in mean


def test_a_composite_op_is_several_steps_of_one_node():
    d = Document()
    d.add_tensor("x", ValueSpec("full", (3,), fill=2.0), requires_grad=True)
    d.add_op("rdiv", inputs=["x"], attrs={"other": 2}, node_id="q")
    d.add_op("sum", inputs=["q"], node_id="s")
    steps = d.backward_trace("s").steps
    assert [(s.node_id, s.grad_fn) for s in steps] == [
        ("s", "SumBackward0"), ("q", "MulBackward0"), ("q", "ReciprocalBackward0"),
        ("x", "torch::autograd::AccumulateGrad")]
    assert steps[1].is_output and not steps[2].is_output
    assert steps[1].sent == [] and len(steps[1].internal) == 1
    assert [(e.source, e.slot) for e in steps[2].sent] == [("x", 0)]
    assert np.allclose(steps[-1].leaf_grad, -0.5)  # d(2/x)/dx = -2/x**2


def test_non_scalar_start_needs_a_gradient_of_its_shape():
    d = tutorial()
    with pytest.raises(TraceError, match="grad can be implicitly created only for scalar"):
        d.backward_trace("z")
    with pytest.raises(TraceError, match=r"Mismatch in shape: grad_output\[0\] has a shape of "
                       r"torch.Size\(\[3\]\) and output\[0\] has a shape of "
                       r"torch.Size\(\[2, 2\]\)."):
        d.backward_trace("z", [1.0, 2.0, 3.0])
    trace = d.backward_trace("z", [[1.0, 0.0], [0.0, 1.0]])
    assert trace.steps[-1].leaf_grad.tolist() == [[18.0, 0.0], [0.0, 18.0]]


def test_start_without_grad_gives_pytorch_error():
    d = Document()
    d.add_tensor("c", ValueSpec("ones", (1,)))
    d.add_op("sum", inputs=["c"], node_id="s")
    with pytest.raises(TraceError, match="element 0 of tensors does not require grad"):
        d.backward_trace("s")


def test_traces_restart_from_zero_unless_accumulating():
    d = tutorial()
    first = d.backward_trace("out").steps[-1].leaf_grad
    again = d.backward_trace("out").steps[-1].leaf_grad
    assert np.array_equal(first, again)
    doubled = d.backward_trace("out", accumulate=True).steps[-1].leaf_grad
    assert np.array_equal(doubled, 2 * first)
    assert "previous" in d.backward_trace("out", accumulate=True).steps[-1].explanation


def test_large_arrays_are_summarised_in_explanations():
    d = Document()
    d.add_tensor("x", ValueSpec("ones", (50, 50)), requires_grad=True)
    d.add_op("sum", inputs=["x"], node_id="s")
    text = d.backward_trace("s").steps[-1].explanation
    assert "<50x50: min 1, max 1, mean 1>" in text


def test_explanations_written_late_read_as_if_written_at_once():
    """Texts are formatted when first read; later backward passes (which add to the
    leaves' .grad) must not change what an earlier trace explains."""
    d = tutorial()
    early = [step.explanation for step in d.backward_trace("out").steps]
    late = d.backward_trace("out")
    d.backward_trace("out", accumulate=True)
    d.backward_trace("out", accumulate=True)
    assert [step.explanation for step in late.steps] == early
    assert all(np.array_equal(step.grad_output, np.full((2, 2), 4.5)) for step in late.steps
               if step.node_id in ("y", "x"))     # nor the arrays the trace holds
    assert "x.grad = previous + incoming" in early[-1]
    assert "previous = None (first gradient)" in early[-1]
