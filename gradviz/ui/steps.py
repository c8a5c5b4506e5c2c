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


# The leading rows x columns a node's one-line preview formats.
PREVIEW_CORNER = (2, 6)


def start_gradient(document: Document):
    if document.backward and document.backward.get("start") in document.nodes:
        return document.backward.get("gradient")
    return None


def preview(array: np.ndarray) -> str:
    """One line of values in the core's PyTorch format; large arrays summarised. A node
    shows only the first few numbers, so only its leading corner is formatted."""
    if array.size > GRAD_PREVIEW_ELEMENTS:
        return f"min {array.min():.4g}  max {array.max():.4g}" if array.dtype.kind in "fiu" \
            else ""
    if array.size > PREVIEW_CORNER[0] * PREVIEW_CORNER[1] and array.ndim:
        corner = array[tuple(slice(0, PREVIEW_CORNER[i == array.ndim - 1])
                             for i in range(array.ndim))]
        return " ".join(format_array(corner, str(array.dtype)).split()) + " …"
    return " ".join(format_array(array, str(array.dtype)).split())


def _grad_text(document: Document, node_id: str, grad) -> str | None:
    if grad is None:
        return None
    leaf = isinstance(document.nodes[node_id], TensorNode)
    return f"{'.grad' if leaf else 'grad'} = {preview(grad)}"


def show_replay(scene, replay: Replay) -> set[str] | None:
    """Put ``replay``'s states, gradients and the active edges on ``scene``'s items.

    When the scene last showed the same trace, only the nodes of the steps between the
    two indices change (a step touches its own node, the one before it and the edges it
    lights); their ids are returned. Otherwise every item is set and None returned.
    """
    document = scene.document
    shown = getattr(scene, "replay_shown", None)
    changed: set[str] | None = None
    if shown is not None and shown[0] is replay.trace and shown[2] is document:
        lo, hi = sorted((shown[1], replay.index))
        trace_steps = replay.trace.steps
        changed = {trace_steps[k].node_id for k in range(max(0, lo - 1), min(hi, replay.count))}
        changed &= document.nodes.keys()
        scene.update_step({n: replay.state(n) for n in changed},
                          {n: _grad_text(document, n, replay.gradient(n)) for n in changed})
    else:
        grads = {}
        for node_id in document.nodes:
            text = _grad_text(document, node_id, replay.gradient(node_id))
            if text is not None:
                grads[node_id] = text
        scene.set_step_states(replay.states(list(document.nodes)), grads)
    scene.replay_shown = (replay.trace, replay.index, document)
    active = replay.active_step
    badged = active.node_id if active is not None and active.node_id in scene.nodes else None
    if scene.badged is not None and scene.badged != badged and scene.badged in scene.nodes:
        scene.nodes[scene.badged].set_badge("")
    if badged is not None:
        scene.nodes[badged].set_badge(f"step {replay.index}/{replay.count}")
    scene.badged = badged
    lit = {}
    for sent in replay.active_edges():
        edge = scene.edges.get((sent.target, sent.slot))
        if edge is not None and edge.source.node_id == sent.source:
            lit[(sent.target, sent.slot)] = f"grad {preview(sent.grad)}"
    for key in scene.highlighted - lit.keys():
        edge = scene.edges.get(key)
        if edge is not None and edge.highlighted:
            edge.set_highlight(False)
    for key, label in lit.items():
        scene.edges[key].set_highlight(True, label)
    scene.highlighted = set(lit)
    return changed
