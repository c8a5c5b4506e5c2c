"""Time the layered layout and compare its crossings with a naive ordering and with dot.

    python benchmarks/bench_layout.py [--runs 3] [--dot-timeout 300]

For MLP-like graphs of 500, 2,000 and 10,000 nodes (narrow towers and wide layers) it
prints the median time of a few runs, the crossings of our layout, of the naive
`topological_generations` ordering and, when Graphviz `dot` is on PATH, dot's time and
crossings; then the totals over the test corpus. Graphs, sizes and the naive baseline come
from tests/graph/test_layout.py so both measure the same thing.
"""

import argparse
import importlib.util
import itertools
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gradviz.graph.layout import Layout, layered_positions, layout_crossings  # noqa: E402

NODE_COUNTS = (500, 2_000, 10_000)
POINTS_PER_INCH = 72.0


def load_test_module():
    spec = importlib.util.spec_from_file_location(
        "test_layout", ROOT / "tests" / "graph" / "test_layout.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def median_time(graph: nx.DiGraph, sizes: dict, runs: int) -> tuple[float, Layout]:
    times, layout = [], None
    for _ in range(runs):
        start = time.perf_counter()
        layout = layered_positions(graph, sizes)
        times.append(time.perf_counter() - start)
    return statistics.median(times), layout


# --- dot ----------------------------------------------------------------------------------


def dot_source(graph: nx.DiGraph, sizes: dict, names: dict) -> str:
    """The graph as DOT with our node sizes and gaps (dot measures in inches)."""
    lines = [
        "digraph G {",
        f"  nodesep={40 / POINTS_PER_INCH:.4f}; ranksep={80 / POINTS_PER_INCH:.4f};",
        "  node [shape=box, fixedsize=true];",
    ]
    for node in graph:
        w, h = sizes[node]
        lines.append(
            f"  {names[node]} [width={w / POINTS_PER_INCH:.4f}, height={h / POINTS_PER_INCH:.4f}];"
        )
    lines += [f"  {names[u]} -> {names[v]};" for u, v in graph.edges]
    lines.append("}")
    return "\n".join(lines)


def run_dot(graph: nx.DiGraph, sizes: dict, timeout: float) -> tuple[float, int] | None:
    """(seconds, crossings) of dot's own layout; None if dot took too long."""
    names = {node: f"n{i}" for i, node in enumerate(graph)}
    with tempfile.NamedTemporaryFile("w", suffix=".dot", delete=False) as f:
        f.write(dot_source(graph, sizes, names))
    start = time.perf_counter()
    try:
        plain = subprocess.run(
            ["dot", "-Tplain", f.name], capture_output=True, text=True, timeout=timeout, check=True
        ).stdout
    except subprocess.TimeoutExpired:
        return None
    finally:
        Path(f.name).unlink()
    elapsed = time.perf_counter() - start
    layout = layout_from_plain(plain, {name: node for node, name in names.items()})
    return elapsed, layout_crossings(graph, layout)


def layout_from_plain(plain: str, nodes: dict) -> Layout:
    """Read dot's -Tplain output as a Layout: ranks from the distinct node heights, bend
    points where each edge's spline meets the ranks it passes.

    A rank holding only bend points has no node height, so it is skipped: crossings are
    then counted between the ranks that hold nodes, the same basis as ours.
    """
    positions, splines = {}, {}
    for line in plain.splitlines():
        parts = line.split()
        if parts[0] == "node":
            positions[nodes[parts[1]]] = (float(parts[2]), -float(parts[3]))
        elif parts[0] == "edge":
            count = int(parts[3])
            coords = list(map(float, parts[4 : 4 + 2 * count]))
            splines[(nodes[parts[1]], nodes[parts[2]])] = list(
                zip(coords[::2], [-y for y in coords[1::2]], strict=True)
            )
    levels = sorted({round(y, 3) for _, y in positions.values()})
    rank = {y: k for k, y in enumerate(levels)}
    layers = {node: rank[round(y, 3)] for node, (_, y) in positions.items()}
    edge_points = {
        (u, v): [
            (x_at(splines[(u, v)], levels[k]), levels[k]) for k in range(layers[u] + 1, layers[v])
        ]
        for u, v in splines
    }
    return Layout(positions, edge_points, layers)


def x_at(points: list[tuple[float, float]], y: float) -> float:
    """Where the polyline through a spline's control points crosses height y."""
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if min(y0, y1) <= y <= max(y0, y1) and y0 != y1:
            return x0 + (x1 - x0) * (y - y0) / (y1 - y0)
    return points[-1][0]


# --- report -------------------------------------------------------------------------------


def columns(dot: bool) -> str:
    header = f"{'graph':<24}{'nodes':>7}{'edges':>7}{'time s':>9}{'ours':>9}{'naive':>10}"
    return header + (f"{'dot s':>10}{'dot':>9}" if dot else "")


def compare(name: str, graph: nx.DiGraph, args, corpus, dot: bool) -> tuple[int, int, int | None]:
    """Print one row; return the crossings of ours, the naive ordering and dot (None if dot
    is missing or timed out)."""
    sizes = corpus.sizes_for(graph)
    seconds, layout = median_time(graph, sizes, args.runs)
    ours, naive = layout_crossings(graph, layout), corpus.naive_crossings(graph)
    line = (
        f"{name:<24}{graph.number_of_nodes():>7}{graph.number_of_edges():>7}"
        f"{seconds:>9.3f}{ours:>9}{naive:>10}"
    )
    theirs = None
    if dot:
        result = run_dot(graph, sizes, args.dot_timeout)
        if result is None:
            line += f"{'timed out':>19}"
        else:
            line += f"{result[0]:>10.2f}{result[1]:>9}"
            theirs = result[1]
    print(line, flush=True)
    return ours, naive, theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dot-timeout", type=float, default=300.0)
    args = parser.parse_args()
    corpus = load_test_module()
    dot = shutil.which("dot") is not None
    if not dot:
        print("Graphviz dot is not on PATH: no comparison with dot")

    print(columns(dot))
    for n in NODE_COUNTS:
        for family, width in (("towers", 4), ("wide", max(8, n // 100))):
            graph = corpus.mlp_like(n, width=width)
            compare(f"{family} {n}", graph, args, corpus, dot)

    print(f"\ntest corpus\n{columns(dot)}")
    totals = [0, 0, 0]
    for name, graph in corpus.CORPUS.items():
        counts = compare(name, graph, args, corpus, dot)
        totals = [t + (c or 0) for t, c in zip(totals, counts, strict=True)]
    summary = f"ours {totals[0]}, naive {totals[1]}" + (f", dot {totals[2]}" if dot else "")
    print(f"corpus of {len(corpus.CORPUS)} graphs, total crossings: {summary}")


if __name__ == "__main__":
    main()
