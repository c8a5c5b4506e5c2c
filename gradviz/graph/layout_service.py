"""Run one layered layout for another process.

The application starts ``python -m gradviz.graph.layout_service`` for large documents so
that a long layout never holds its event loop and Cancel can simply kill the process. It
reads the pickled arguments of ``layered_positions`` from stdin and writes the pickled
Layout to stdout. Only the application's own parent process talks to it.
"""

from __future__ import annotations

import pickle
import sys

from .layout import layered_positions


def main() -> int:
    graph, sizes, direction, pinned = pickle.load(sys.stdin.buffer)
    layout = layered_positions(graph, sizes, direction=direction, pinned=pinned)
    sys.stdout.buffer.write(pickle.dumps(layout, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
