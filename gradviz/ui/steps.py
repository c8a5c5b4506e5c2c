"""Showing a point of the backward pass on the canvas: the graph layer's ``Replay`` says
which node is active, pending or done and what gradient it shows; this module turns that
into item states and labels (the stepper of issue 5 and ``render --step`` share it)."""

from __future__ import annotations

import numpy as np

from ..autograd.printing import format_array
from ..graph import Document
from ..graph.document import TensorNode
from ..graph.replay import Replay

GRAD_PREVIEW_ELEMENTS = 64


def start_node(document: Document) -> str | None:
    """Where backward starts: the document's choice, else its only sink."""
    if document.backward and document.backward.get("start") in document.nodes:
        return document.backward["start"]
    sinks = document.sinks()
    return sinks[0] if len(sinks) == 1 else None


def start_gradient(document: Document):
    if document.backward and document.backward.get("start") in document.nodes:
        return document.backward.get("gradient")
    return None


def preview(array: np.ndarray) -> str:
    """One line of values in the core's PyTorch format; large arrays summarised."""
    if array.size > GRAD_PREVIEW_ELEMENTS:
        return f"min {array.min():.4g}  max {array.max():.4g}" if array.dtype.kind in "fiu" \
            else ""
    return " ".join(format_array(array, str(array.dtype)).split())


def show_replay(scene, replay: Replay) -> None:
    """Put ``replay``'s states, gradients and the active edges on ``scene``'s items."""
    document = scene.document
    grads = {}
    for node_id in document.nodes:
        grad = replay.gradient(node_id)
        if grad is not None:
            leaf = isinstance(document.nodes[node_id], TensorNode)
            grads[node_id] = f"{'.grad' if leaf else 'grad'} = {preview(grad)}"
    scene.set_step_states(replay.states(list(document.nodes)), grads)
    active = replay.active_step
    for node_id, item in scene.nodes.items():
        item.set_badge(f"step {replay.index}/{replay.count}"
                       if active is not None and active.node_id == node_id else "")
    for edge in scene.edges.values():
        if edge.highlighted:
            edge.set_highlight(False)
    for sent in replay.active_edges():
        edge = scene.edges.get((sent.target, sent.slot))
        if edge is not None and edge.source.node_id == sent.source:
            edge.set_highlight(True, f"grad {preview(sent.grad)}")
