"""Layered layout: geometry, layering rules, crossings against a naive baseline, pins.

The corpus, the MLP-like generator and the naive baseline are shared with
benchmarks/bench_layout.py.
"""

import itertools
import os
import random
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradviz.graph.layout import Layout, count_crossings, layered_positions, layout_crossings

ROOT = Path(__file__).resolve().parents[2]

# --- graphs -------------------------------------------------------------------------------


def sizes_for(graph: nx.DiGraph, seed: int = 0) -> dict:
    """Varied node sizes, like labels of different lengths."""
    rng = random.Random(seed)
    return {node: (rng.choice([40, 60, 90, 130]), rng.choice([24, 30, 48])) for node in graph}


def chain(n: int) -> nx.DiGraph:
    return nx.path_graph(n, create_using=nx.DiGraph)


def reduction_tree(depth: int) -> nx.DiGraph:
    """Inputs at the leaves, summed pairwise down to one result."""
    return nx.balanced_tree(2, depth, create_using=nx.DiGraph).reverse(copy=True)


def dense_mlp(widths: list[int]) -> nx.DiGraph:
    """Neurons in layers, each fully connected to the next."""
    g = nx.DiGraph()
    layers = [[f"n{k}_{i}" for i in range(w)] for k, w in enumerate(widths)]
    for upper, lower in itertools.pairwise(layers):
        g.add_edges_from(itertools.product(upper, lower))
    return g


def random_dag(n: int, p: float, seed: int) -> nx.DiGraph:
    """Edges i -> j (i < j) with probability p, nodes inserted in shuffled order."""
    rng = random.Random(seed)
    edges = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < p]
    return shuffled(edges, range(n), rng)


def shuffled(edges, nodes, rng: random.Random) -> nx.DiGraph:
    nodes, edges = list(nodes), list(edges)
    rng.shuffle(nodes)
    rng.shuffle(edges)
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from(edges)
    return g


def autograd_mlp(depth: int) -> nx.DiGraph:
    """x -> matmul W -> add b -> relu, repeated, then a loss: as the app draws it."""
    g, h = nx.DiGraph(), "x"
    for k in range(depth):
        g.add_edges_from(
            [(h, f"mm{k}"), (f"W{k}", f"mm{k}"), (f"mm{k}", f"add{k}"), (f"b{k}", f"add{k}")]
        )
        g.add_edge(f"add{k}", f"relu{k}")
        h = f"relu{k}"
    g.add_edges_from([(h, "loss"), ("target", "loss")])
    return g


def skip_chain(n: int) -> nx.DiGraph:
    g = chain(n)
    g.add_edges_from((i, i + s) for s in (3, 5) for i in range(0, n - s, 2))
    return g


def residual_blocks(blocks: int) -> nx.DiGraph:
    g, h = nx.DiGraph(), "in"
    for k in range(blocks):
        a, b, out = f"conv{k}a", f"conv{k}b", f"sum{k}"
        g.add_edges_from([(h, a), (f"w{k}a", a), (a, b), (f"w{k}b", b), (b, out), (h, out)])
        h = out
    return g


def disconnected() -> nx.DiGraph:
    g = nx.disjoint_union_all([chain(5), reduction_tree(2), residual_blocks(2), chain(1)])
    g.add_nodes_from(["lonely", "alone"])
    return nx.relabel_nodes(g, {v: f"node {v}" for v in g})


def crossed_layers(width: int, depth: int, seed: int) -> nx.DiGraph:
    """Layers joined by random permutations plus a few extra edges: crossings to undo."""
    rng = random.Random(seed)
    edges = []
    for k in range(depth - 1):
        perm = rng.sample(range(width), width)
        edges += [((k, i), (k + 1, perm[i])) for i in range(width)]
        edges += [((k, rng.randrange(width)), (k + 1, rng.randrange(width))) for _ in range(2)]
    return shuffled(edges, [(k, i) for k in range(depth) for i in range(width)], rng)


def grid(n: int) -> nx.DiGraph:
    """Each cell feeds its right and lower neighbours."""
    cells = list(itertools.product(range(n), repeat=2))
    return (
        nx.DiGraph([((i, j), (i + di, j + dj)) for i, j in cells for di, dj in ((0, 1), (1, 0))])
        .subgraph(cells)
        .copy()
    )


def attention() -> nx.DiGraph:
    g = nx.DiGraph()
    for name in "qkv":
        g.add_edges_from([("x", f"mm_{name}"), (f"W_{name}", f"mm_{name}")])
    g.add_edges_from(
        [("mm_k", "kT"), ("mm_q", "scores"), ("kT", "scores"), ("scores", "scale")]
        + [("scale", "softmax"), ("softmax", "mix"), ("mm_v", "mix"), ("mix", "out")]
        + [("x", "out")]
    )
    return g


def mlp_like(n_nodes: int, width: int, seed: int = 0) -> nx.DiGraph:
    """Towers of linear blocks (matmul with a weight, add a bias, relu), each mixed after
    every block with two towers at most three apart and its own input (a residual): about
    1.5 edges per node, inserted in shuffled order."""
    rng = random.Random(seed)
    heads = [f"x{i}" for i in range(width)]
    edges: list[tuple[str, str]] = []
    step = 0
    while len(heads) + len(edges) * 2 // 3 < n_nodes:
        outs = []
        for i, h in enumerate(heads):
            p = f"{step}.{i}."
            edges += [(h, p + "mm"), (p + "W", p + "mm"), (p + "mm", p + "add")]
            edges += [(p + "b", p + "add"), (p + "add", p + "relu")]
            outs.append(p + "relu")
        mixes = []
        for i, (h, out) in enumerate(zip(heads, outs, strict=True)):
            near = [j for j in range(i - 3, i + 4) if 0 <= j < width and j != i]
            mix = f"{step}.{i}.mix"
            edges += [(out, mix), (h, mix)] + [(outs[j], mix) for j in rng.sample(near, 2)]
            mixes.append(mix)
        heads, step = mixes, step + 1
    nodes = list(dict.fromkeys(v for e in edges for v in e))
    return shuffled(edges, nodes, rng)


CORPUS = {
    "chain": chain(8),
    "diamond": nx.DiGraph([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]),
    "reduction_tree": reduction_tree(4),
    "broadcast_tree": nx.balanced_tree(2, 3, create_using=nx.DiGraph),
    "dense_mlp_small": dense_mlp([3, 5, 4, 2]),
    "dense_mlp_square": dense_mlp([5, 5, 5, 5]),
    "autograd_mlp": autograd_mlp(4),
    "skip_chain": skip_chain(14),
    "residual_blocks": residual_blocks(4),
    "disconnected": disconnected(),
    "attention": attention(),
    "grid": grid(4),
    "mlp_like": mlp_like(150, width=5, seed=1),
    **{f"crossed_layers_{s}": crossed_layers(6, 5, seed=s) for s in range(3)},
    **{f"random_dag_{s}": random_dag(25 + 5 * s, 0.12, seed=s) for s in range(6)},
    **{
        f"random_dag_strings_{s}": nx.relabel_nodes(random_dag(30, 0.1, seed=s), str)
        for s in (10, 11)
    },
}


def naive_crossings(graph: nx.DiGraph) -> int:
    """Crossings when each `topological_generations` generation is a layer, in the order
    networkx yields it, and long edges get their bend points appended to the layers they
    cross, in edge order."""
    slots = [list(gen) for gen in nx.topological_generations(graph)]
    layers = {v: k for k, gen in enumerate(slots) for v in gen}
    proper = nx.DiGraph()
    for u, v in graph.edges:
        path = [u] + [("bend", u, v, k) for k in range(layers[u] + 1, layers[v])] + [v]
        for k, bend in enumerate(path[1:-1], start=layers[u] + 1):
            slots[k].append(bend)
            layers[bend] = k
        proper.add_edges_from(itertools.pairwise(path))
    order = {v: i for gen in slots for i, v in enumerate(gen)}
    return count_crossings(proper, layers, order)


# --- helpers ------------------------------------------------------------------------------


def rect(layout: Layout, sizes: dict, node) -> tuple[float, float, float, float]:
    (x, y), (w, h) = layout.positions[node], sizes[node]
    return x - w / 2, y - h / 2, x + w / 2, y + h / 2


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def overlapping_pairs(layout: Layout, sizes: dict, nodes) -> list:
    rects = {v: rect(layout, sizes, v) for v in nodes}
    return [(a, b) for a, b in itertools.combinations(rects, 2) if overlap(rects[a], rects[b])]


# --- the corpus ---------------------------------------------------------------------------


@pytest.mark.parametrize("direction", ["TB", "LR"])
@pytest.mark.parametrize("name", CORPUS)
def test_corpus_nodes_never_overlap_and_edges_point_forward(name, direction):
    graph = CORPUS[name]
    sizes = sizes_for(graph)
    layout = layered_positions(graph, sizes, direction=direction)

    assert overlapping_pairs(layout, sizes, graph) == []
    axis = 1 if direction == "TB" else 0
    for u, v in graph.edges:
        assert layout.layers[v] > layout.layers[u]
        assert layout.positions[v][axis] > layout.positions[u][axis]


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 25),
    p=st.floats(0.0, 0.4),
    seed=st.integers(0, 10**6),
    direction=st.sampled_from(["TB", "LR"]),
)
def test_any_dag_lays_out_without_overlaps_and_with_forward_edges(n, p, seed, direction):
    graph = nx.relabel_nodes(random_dag(n, p, seed), lambda i: f"v{i}")
    sizes = sizes_for(graph, seed)
    layout = layered_positions(graph, sizes, direction=direction)

    assert overlapping_pairs(layout, sizes, graph) == []
    axis = 1 if direction == "TB" else 0
    assert all(layout.positions[u][axis] < layout.positions[v][axis] for u, v in graph.edges)


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_layer_neighbours_keep_node_gap(name):
    graph = CORPUS[name]
    sizes = sizes_for(graph)
    layout = layered_positions(graph, sizes, node_gap=25.0)
    for layer in range(max(layout.layers.values()) + 1):
        row = sorted(rect(layout, sizes, v) for v in graph if layout.layers[v] == layer)
        for left, right in itertools.pairwise(row):
            assert right[0] - left[2] >= 25.0 - 1e-9


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_bend_points_sit_on_the_layers_an_edge_crosses(name):
    graph = CORPUS[name]
    layout = layered_positions(graph, sizes_for(graph))
    centre_of = {layout.layers[v]: layout.positions[v][1] for v in graph}
    for (u, v), points in layout.edge_points.items():
        crossed = range(layout.layers[u] + 1, layout.layers[v])
        assert [y for _, y in points] == [centre_of[k] for k in crossed]
    assert set(layout.edge_points) == set(graph.edges)


def test_corpus_has_fewer_crossings_than_topological_generations():
    ours = {
        name: layout_crossings(g, layered_positions(g, sizes_for(g))) for name, g in CORPUS.items()
    }
    naive = {name: naive_crossings(g) for name, g in CORPUS.items()}

    assert [name for name in CORPUS if ours[name] > naive[name]] == []
    tangled = [name for name in CORPUS if naive[name] > 0]
    better = [name for name in tangled if ours[name] < naive[name]]
    assert len(tangled) >= 10
    assert len(better) >= len(tangled) / 2, (ours, naive)


def test_layers_are_apart_by_the_thickest_node_plus_layer_gap():
    graph = autograd_mlp(2)
    sizes = sizes_for(graph)
    layout = layered_positions(graph, sizes, layer_gap=50.0)
    rows = {}
    for v in graph:
        top, bottom = rect(layout, sizes, v)[1::2]
        lo, hi = rows.get(layout.layers[v], (top, bottom))
        rows[layout.layers[v]] = (min(lo, top), max(hi, bottom))
    for k in range(1, len(rows)):
        assert rows[k][0] - rows[k - 1][1] == pytest.approx(50.0)


# --- layering -----------------------------------------------------------------------------


def test_bias_added_at_the_end_of_a_chain_sits_next_to_its_consumer():
    graph = nx.DiGraph([("x", "a"), ("a", "b"), ("b", "c"), ("c", "add"), ("bias", "add")])
    layout = layered_positions(graph, sizes_for(graph))
    assert layout.layers["add"] == 4
    assert layout.layers["bias"] == 3
    assert layout.positions["bias"][1] == layout.positions["c"][1]


def test_weights_and_biases_sit_in_the_layer_just_before_their_op():
    graph = autograd_mlp(3)
    layout = layered_positions(graph, sizes_for(graph))
    assert layout.layers["b2"] == layout.layers["add2"] - 1
    assert layout.layers["W2"] == layout.layers["mm2"] - 1
    assert layout.layers["target"] == layout.layers["loss"] - 1
    assert layout.layers["x"] == 0


def test_input_feeding_several_ops_sits_before_the_earliest():
    graph = chain(6)
    graph.add_edges_from([("c", 4), ("c", 2)])
    assert layered_positions(graph, sizes_for(graph)).layers["c"] == 1


def test_longest_path_puts_each_op_below_all_its_inputs():
    graph = nx.DiGraph([(0, 1), (1, 2), (2, 3), (0, 3)])
    assert layered_positions(graph, sizes_for(graph)).layers == {0: 0, 1: 1, 2: 2, 3: 3}


def test_long_edges_get_one_bend_point_per_layer_crossed():
    graph = nx.DiGraph([(0, 1), (1, 2), (2, 3), (0, 3)])
    layout = layered_positions(graph, sizes_for(graph))
    assert len(layout.edge_points[(0, 3)]) == 2
    assert layout.edge_points[(0, 1)] == []


def test_cycle_raises_value_error_naming_a_node_on_it():
    graph = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("x", "a")])
    with pytest.raises(ValueError, match="cycle through node '[abc]'"):
        layered_positions(graph, sizes_for(graph))


def test_self_loop_is_a_cycle():
    graph = nx.DiGraph([("a", "a")])
    with pytest.raises(ValueError, match="'a'"):
        layered_positions(graph, sizes_for(graph))


def test_missing_size_is_reported_by_node():
    graph = chain(3)
    with pytest.raises(ValueError, match="no size given for node 2"):
        layered_positions(graph, {0: (10, 10), 1: (10, 10)})


# --- shapes -------------------------------------------------------------------------------


def test_chain_is_a_vertical_line_top_to_bottom():
    graph = chain(7)
    layout = layered_positions(graph, sizes_for(graph, seed=3))
    assert len({x for x, _ in layout.positions.values()}) == 1
    ys = [layout.positions[v][1] for v in range(7)]
    assert ys == sorted(ys)


def test_chain_is_a_horizontal_line_left_to_right():
    graph = chain(7)
    layout = layered_positions(graph, sizes_for(graph, seed=3), direction="LR")
    assert len({y for _, y in layout.positions.values()}) == 1
    xs = [layout.positions[v][0] for v in range(7)]
    assert xs == sorted(xs)


def test_long_skip_edge_runs_straight():
    graph = skip_chain(10)
    layout = layered_positions(graph, sizes_for(graph))
    for points in layout.edge_points.values():
        assert len({x for x, _ in points}) <= 1


def test_left_to_right_is_top_to_bottom_with_axes_swapped():
    graph = CORPUS["mlp_like"]
    sizes = sizes_for(graph)
    swapped = {v: (h, w) for v, (w, h) in sizes.items()}
    lr = layered_positions(graph, sizes, direction="LR")
    tb = layered_positions(graph, swapped, direction="TB")
    assert lr.positions == {v: (y, x) for v, (x, y) in tb.positions.items()}
    assert lr.layers == tb.layers


def test_left_to_right_puts_inputs_left_of_results():
    graph = autograd_mlp(2)
    layout = layered_positions(graph, sizes_for(graph), direction="LR")
    assert layout.positions["x"][0] < layout.positions["relu0"][0] < layout.positions["loss"][0]


def test_components_sit_side_by_side():
    graph = disconnected()
    sizes = sizes_for(graph)
    layout = layered_positions(graph, sizes)
    spans = []
    for comp in nx.weakly_connected_components(graph):
        rects = [rect(layout, sizes, v) for v in comp]
        spans.append((min(r[0] for r in rects), max(r[2] for r in rects)))
    spans.sort()
    assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    assert min(x for x, _ in spans) == 0.0


def test_empty_graph_gives_an_empty_layout():
    assert layered_positions(nx.DiGraph(), {}) == Layout({}, {}, {})


def test_unknown_direction_is_refused():
    with pytest.raises(ValueError, match="direction"):
        layered_positions(chain(2), sizes_for(chain(2)), direction="BT")


# --- pins ---------------------------------------------------------------------------------


def test_one_pin_moves_the_whole_layout_rigidly():
    graph = autograd_mlp(2)
    sizes = sizes_for(graph)
    free = layered_positions(graph, sizes)
    pinned = layered_positions(graph, sizes, pinned={"add1": (1000.0, -300.0)})

    assert pinned.positions["add1"] == (1000.0, -300.0)
    (fx, fy), (px, py) = free.positions["add1"], pinned.positions["add1"]
    for v in graph:
        assert pinned.positions[v] == pytest.approx(
            (free.positions[v][0] + px - fx, free.positions[v][1] + py - fy)
        )


def test_pins_that_agree_with_the_layout_move_it_rigidly_whatever_one_outlier_says():
    graph = autograd_mlp(2)
    sizes = sizes_for(graph)
    free = layered_positions(graph, sizes)
    shift = (-250.0, 40.0)
    pins = {
        v: (free.positions[v][0] + shift[0], free.positions[v][1] + shift[1])
        for v in ("x", "mm1", "loss")
    }
    pins["b0"] = (5000.0, 5000.0)
    layout = layered_positions(graph, sizes, pinned=pins)

    for v in graph:
        if v != "b0":
            assert layout.positions[v] == pytest.approx(
                (free.positions[v][0] + shift[0], free.positions[v][1] + shift[1])
            )
    assert layout.positions["b0"] == (5000.0, 5000.0)


def test_pins_stay_exactly_and_nothing_overlaps_them():
    graph = CORPUS["mlp_like"]
    sizes = sizes_for(graph)
    free = layered_positions(graph, sizes)
    nodes = list(graph)
    # a second pin dropped onto another node of a crowded layer, a third between layers
    first, crowded, between = nodes[0], nodes[10], nodes[20]
    pins = {
        first: free.positions[first],
        crowded: free.positions[nodes[30]],
        between: (free.positions[nodes[40]][0] + 7, free.positions[nodes[40]][1] + 60),
    }
    layout = layered_positions(graph, sizes, pinned=pins)

    assert {v: layout.positions[v] for v in pins} == pins
    unpinned = [v for v in graph if v not in pins]
    assert overlapping_pairs(layout, sizes, unpinned) == []
    for p in pins:
        assert [
            v for v in unpinned if overlap(rect(layout, sizes, p), rect(layout, sizes, v))
        ] == []


def test_pinned_node_blocks_bend_points_too():
    graph = nx.DiGraph([(0, 1), (1, 2), (2, 3), (0, 3)])
    sizes = dict.fromkeys(graph, (50, 30)) | {"pin": (200, 30)}
    graph.add_node("pin")
    free = layered_positions(graph, sizes)
    bend_x, bend_y = free.edge_points[(0, 3)][0]
    layout = layered_positions(graph, sizes, pinned={0: free.positions[0], "pin": (bend_x, bend_y)})
    x, _ = layout.edge_points[(0, 3)][0]
    assert abs(x - bend_x) >= 100 + 20


def test_pinning_an_unknown_node_is_refused():
    with pytest.raises(ValueError, match="'ghost'"):
        layered_positions(chain(2), sizes_for(chain(2)), pinned={"ghost": (0, 0)})


# --- determinism --------------------------------------------------------------------------

LAYOUT_SCRIPT = """
import sys
import networkx as nx
sys.path.insert(0, {root!r})
from gradviz.graph.layout import layered_positions
graph = nx.DiGraph()
graph.add_nodes_from({nodes!r})
graph.add_edges_from({edges!r})
print(layered_positions(graph, {sizes!r}))
"""


def test_same_input_gives_the_same_layout():
    graph = CORPUS["random_dag_strings_11"]
    assert layered_positions(graph, sizes_for(graph)) == layered_positions(graph, sizes_for(graph))


def test_layout_does_not_depend_on_string_hashing():
    graph = CORPUS["random_dag_strings_10"]
    sizes = sizes_for(graph)
    script = LAYOUT_SCRIPT.format(
        root=str(ROOT), nodes=list(graph), edges=list(graph.edges), sizes=sizes
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env=os.environ | {"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert outputs == {f"{layered_positions(graph, sizes)}\n"}


# --- crossing counting --------------------------------------------------------------------


def test_count_crossings_ignores_edges_sharing_an_end():
    graph = nx.DiGraph([("a", "d"), ("b", "c"), ("a", "c")])
    layers = {"a": 0, "b": 0, "c": 1, "d": 1}
    assert count_crossings(graph, layers, {"a": 0, "b": 1, "c": 0, "d": 1}) == 1
    assert count_crossings(graph, layers, {"a": 0, "b": 1, "c": 1, "d": 0}) == 0


def test_count_crossings_matches_brute_force():
    rng = random.Random(5)
    graph = nx.DiGraph((("u", i), ("l", rng.randrange(12))) for i in range(12) for _ in range(3))
    layers = {v: 0 if v[0] == "u" else 1 for v in graph}
    order = {v: rng.random() for v in graph}
    brute = sum(
        (order[a] - order[c]) * (order[b] - order[d]) < 0
        for (a, b), (c, d) in itertools.combinations(graph.edges, 2)
    )
    assert count_crossings(graph, layers, order) == brute


def test_count_crossings_refuses_long_edges():
    with pytest.raises(ValueError, match="adjacent"):
        count_crossings(nx.DiGraph([(0, 1)]), {0: 0, 1: 2}, {0: 0, 1: 0})


def test_layout_crossings_follow_bend_points():
    graph = nx.DiGraph([("a", "d"), ("b", "c")])
    layout = Layout(
        positions={"a": (0, 0), "b": (10, 0), "c": (0, 20), "d": (10, 20)},
        edge_points={("a", "d"): [(20, 10)], ("b", "c"): [(30, 10)]},
        layers={"a": 0, "b": 0, "c": 2, "d": 2},
    )
    assert layout_crossings(graph, layout) == 1
    assert layout_crossings(graph, layout, direction="LR") == 0
