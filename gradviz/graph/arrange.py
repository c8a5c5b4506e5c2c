"""Laying out a document: its graph and node sizes handed to the layered layout."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import networkx as nx

from .document import Document, OpNode
from .layout import Layout, layered_positions

Size = tuple[float, float]

# Sizes the canvas draws nodes at (the UI passes its exact ones when it has them).
NODE_WIDTH = 168.0
NODE_HEIGHT = 76.0


def estimated_size(document: Document, node_id: str) -> Size:
    """A node's drawn size estimated from its text, for layouts made without a screen."""
    node = document.nodes[node_id]
    text = document.display_name(node_id)
    if isinstance(node, OpNode):
        text = max(text, node.op, key=len)
    return (max(NODE_WIDTH, 9.0 * len(text) + 40.0), NODE_HEIGHT)


def document_graph(document: Document) -> nx.DiGraph:
    """The document's nodes and (deduplicated) edges as a simple DiGraph, in node order."""
    graph = nx.DiGraph()
    graph.add_nodes_from(document.nodes)
    graph.add_edges_from((s, t) for s, t, _ in document.edges())
    return graph


def layered_layout(document: Document, direction: str = "TB",
                   size_of: Callable[[Document, str], Size] | None = None,
                   sizes: Mapping[str, Size] | None = None) -> Layout:
    """Positions (node centres) for every node; pinned nodes stay where they are."""
    size_of = size_of or estimated_size
    all_sizes = {n: (sizes[n] if sizes and n in sizes else size_of(document, n))
                 for n in document.nodes}
    pinned = {n: node.position for n, node in document.nodes.items() if node.pinned}
    return layered_positions(document_graph(document), all_sizes, direction=direction,
                             pinned=pinned)


def apply_layout(document: Document, layout: Layout) -> None:
    """Move every unpinned node to its place in ``layout``."""
    document.move_many({node_id: position for node_id, position in layout.positions.items()
                        if (node := document.nodes.get(node_id)) is not None
                        and not node.pinned and tuple(position) != node.position})
