"""Run one layered layout for another process.

The application starts ``python -m gradviz.graph.layout_service`` for large documents so
that a long layout never holds its event loop and Cancel can simply kill the process. It
reads the pickled nodes, edges, sizes, direction and pins from stdin and writes the pickled
Layout to stdout. Only the application's own parent process talks to it.
"""

from __future__ import annotations

import pickle
import sys

import networkx as nx

from .layout import layered_positions


def graph_of(nodes: list, edges: list) -> nx.DiGraph:
    """The DiGraph ``layered_positions`` takes, in the given node order."""
    graph = nx.DiGraph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    return graph


def main() -> int:
    nodes, edges, sizes, direction, pinned = pickle.load(sys.stdin.buffer)
    layout = layered_positions(graph_of(nodes, edges), sizes, direction=direction,
                               pinned=pinned)
    sys.stdout.buffer.write(pickle.dumps(layout, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
