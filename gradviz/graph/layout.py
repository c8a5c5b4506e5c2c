"""Layered layout of a DAG, in the tradition of Graphviz dot (Sugiyama, Gansner et al.).

Works on an abstract `networkx.DiGraph` whose nodes have sizes; the document wrapper lives
elsewhere. The pipeline:

1. layers: longest path from the inputs, then every input moves down to the layer right
   before its earliest consumer (a bias added late sits next to its consumer);
2. dummy nodes split edges that span several layers, so every edge joins adjacent layers;
3. per connected component, crossing reduction: breadth-first initial orders from the top
   and from the bottom, barycentre sweeps down and up keeping the best order seen, adjacent
   transpositions; crossings counted per layer pair in O(E log V) by inversion counting;
4. coordinates along the layers with real node sizes: of the Brandes–Köpf placements (four
   alignments and their balance) the one with the shortest weighted edges (dot's objective),
   then single nodes moved to the weighted median of their neighbours; chains and long
   edges come out straight;
5. components side by side, then pinned nodes honoured (see `layered_positions`).

Internally nodes are integers in the graph's insertion order, so the result never depends on
hashing or set order.
"""

from __future__ import annotations

import itertools
import math
import statistics
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

Point = tuple[float, float]
Edge = tuple[Hashable, Hashable]

#: Weights of edges between two real nodes, a real node and a dummy, two dummies (as in dot).
EDGE_WEIGHTS = (1, 2, 8)
#: Passes (down, up) of single-node moves that polish the Brandes–Köpf coordinates.
STRAIGHTEN_ROUNDS = 2


@dataclass(frozen=True)
class _Effort:
    """How hard crossing reduction tries."""

    sweeps: int  # barycentre sweeps per initial order, at most
    patience: int  # sweeps in a row that find no better order end the search
    transpose_each: bool  # transpositions after every sweep, not only on the best order


#: dot's own effort (MaxIter, MinQuit, transpose after every sweep) for graphs up to
#: THOROUGH_SIZE nodes plus edges, dummies included. Bigger graphs get less: transpositions
#: cost most in Python, and later sweeps gain little there.
THOROUGH = _Effort(sweeps=24, patience=8, transpose_each=True)
QUICK = _Effort(sweeps=10, patience=4, transpose_each=False)
THOROUGH_SIZE = 1_000


@dataclass(frozen=True)
class Layout:
    """Where `layered_positions` put things; coordinates are node centres."""

    positions: dict[Hashable, Point]
    #: Bend points (one per layer crossed) of each edge, source to target; [] for short edges.
    edge_points: dict[Edge, list[Point]]
    layers: dict[Hashable, int]


def layered_positions(
    graph: nx.DiGraph,
    sizes: Mapping[Hashable, tuple[float, float]],
    *,
    direction: str = "TB",
    pinned: Mapping[Hashable, tuple[float, float]] | None = None,
    node_gap: float = 40.0,
    layer_gap: float = 80.0,
) -> Layout:
    """Lay out a DAG in layers: inputs first (top for "TB", left for "LR"), results last.

    `sizes` gives every node's (width, height). Nodes of a layer keep `node_gap` free space
    between them (half of it next to an edge's bend point); layers are `layer_gap` apart,
    measured from the thickest node of each. Without pins the drawing starts at (0, 0).

    Pinned nodes keep exactly their given centre; they are laid out like the others first.
    The whole layout is then translated by the median offset between the pins and where the
    layout put their nodes, so a single pin, or pins that agree with the layout, move nothing
    relative to the rest. Last, in every layer that a pinned rectangle reaches into (across
    the layer's band), the unpinned nodes and bend points slide along the layer, keeping their
    order, to the nearest place clear of those pinned rectangles by their gap. So no unpinned
    node ever overlaps a pinned one, whatever the pins. Pinned nodes may overlap each other,
    and edges into a pinned node far from its layer may point backwards: the user put it
    there.

    The same graph (same insertion order) always gives the same layout.
    Raises ValueError if the graph has a cycle (naming a node on it), if a node has no size,
    or if a pinned node is not in the graph.
    """
    if direction not in ("TB", "LR"):
        raise ValueError(f"direction must be 'TB' or 'LR', not {direction!r}")
    nodes = list(graph)
    index = {node: i for i, node in enumerate(nodes)}
    succ = [[index[w] for w in graph.succ[node]] for node in nodes]
    pred = _predecessors(succ)
    layer = _assign_layers(_topological_order(graph, succ, pred), succ, pred)
    along, across = _extents(nodes, sizes, direction)

    comps = [_build_component(m, succ, layer, along, node_gap) for m in _components(succ, pred)]
    effort = _effort(comps)
    for comp in comps:
        _reduce_crossings(comp, effort)
        comp.u = _coordinates(comp)
    _pack_side_by_side(comps, node_gap)
    bands = _layer_bands(layer, across, layer_gap)
    if pinned:
        pins = _pins_along_across(pinned, index, direction)
        bands = _anchor(comps, bands, pins)
        _clear_pins(comps, bands, pins, along, across)
    return _assemble(graph, nodes, comps, bands, pinned or {}, direction)


def count_crossings(
    graph: nx.DiGraph, layers: Mapping[Hashable, int], order: Mapping[Hashable, float]
) -> int:
    """Edge crossings of a drawing where every edge joins adjacent layers.

    `order` gives each node's position along its layer (an index or a coordinate). Edges
    that share an end node never count as crossing. Put bend points of long edges into the
    graph as nodes first (or use `layout_crossings`).
    """
    segments = []
    for u, v in graph.edges:
        if layers[v] - layers[u] != 1:
            raise ValueError(f"edge {u!r} -> {v!r} does not join adjacent layers")
        segments.append((layers[u], order[u], order[v]))
    return _segment_crossings(segments)


def layout_crossings(graph: nx.DiGraph, layout: Layout, direction: str = "TB") -> int:
    """Crossings of a layout's edges, from its geometry: each edge is the polyline through
    its bend points, one segment per pair of adjacent layers."""
    axis = 0 if direction == "TB" else 1
    segments = []
    for u, v in graph.edges:
        path = [layout.positions[u], *layout.edge_points[(u, v)], layout.positions[v]]
        first = layout.layers[u]
        segments.extend(
            (first + k, a[axis], b[axis]) for k, (a, b) in enumerate(itertools.pairwise(path))
        )
    return _segment_crossings(segments)


def _segment_crossings(segments: Iterable[tuple[int, float, float]]) -> int:
    """Count crossing pairs among (upper layer, upper position, lower position) segments."""
    by_layer: dict[int, list[tuple[float, float]]] = {}
    for upper, a, b in segments:
        by_layer.setdefault(upper, []).append((a, b))
    return sum(_inversions([b for _, b in sorted(pairs)]) for pairs in by_layer.values())


def _inversions(seq: Sequence[float]) -> int:
    """Pairs i < j with seq[i] > seq[j], in O(n log n) comparisons (bisect on a sorted list)."""
    seen: list[float] = []
    count = 0
    for i, x in enumerate(seq):
        count += i - bisect_right(seen, x)
        insort(seen, x)
    return count


# --- layers --------------------------------------------------------------------------------


def _predecessors(succ: list[list[int]]) -> list[list[int]]:
    pred: list[list[int]] = [[] for _ in succ]
    for v, ws in enumerate(succ):
        for w in ws:
            pred[w].append(v)
    return pred


def _topological_order(
    graph: nx.DiGraph, succ: list[list[int]], pred: list[list[int]]
) -> list[int]:
    """Kahn's algorithm; a cycle is reported with the nodes on it."""
    indegree = [len(p) for p in pred]
    queue = deque(v for v, d in enumerate(indegree) if d == 0)
    order = []
    while queue:
        v = queue.popleft()
        order.append(v)
        for w in succ[v]:
            indegree[w] -= 1
            if indegree[w] == 0:
                queue.append(w)
    if len(order) < len(succ):
        cycle = [u for u, _ in nx.find_cycle(graph)]
        path = " -> ".join(map(repr, [*cycle, cycle[0]]))
        raise ValueError(f"the graph has a cycle through node {cycle[0]!r}: {path}")
    return order


def _assign_layers(order: list[int], succ: list[list[int]], pred: list[list[int]]) -> list[int]:
    """Longest path from the sources, then each source right before its earliest consumer."""
    layer = [0] * len(succ)
    for v in order:
        for w in succ[v]:
            layer[w] = max(layer[w], layer[v] + 1)
    for v, ws in enumerate(succ):
        if ws and not pred[v]:
            layer[v] = min(layer[w] for w in ws) - 1
    return layer


def _extents(
    nodes: list[Hashable], sizes: Mapping[Hashable, tuple[float, float]], direction: str
) -> tuple[list[float], list[float]]:
    """Each node's size along its layer and across it (TB: width, height; LR: swapped)."""
    missing = [node for node in nodes if node not in sizes]
    if missing:
        raise ValueError(f"no size given for node {missing[0]!r}")
    widths = [float(sizes[node][0]) for node in nodes]
    heights = [float(sizes[node][1]) for node in nodes]
    return (widths, heights) if direction == "TB" else (heights, widths)


def _layer_bands(
    layer: list[int], across: list[float], layer_gap: float
) -> list[tuple[float, float]]:
    """(centre, thickness) of every layer: thickest node plus `layer_gap` between layers."""
    thickness = [0.0] * (max(layer, default=0) + 1)
    for r, t in zip(layer, across, strict=True):
        thickness[r] = max(thickness[r], t)
    bands, start = [], 0.0
    for t in thickness:
        bands.append((start + t / 2, t))
        start += t + layer_gap
    return bands


# --- components as proper layered graphs ----------------------------------------------------


@dataclass
class _Component:
    """A connected component with its long edges split by dummy nodes.

    Local ids: 0 .. len(nodes)-1 are the real nodes (graph indices in `nodes`), the rest are
    dummies. `order` lists each layer's local ids from first to last along the layer.
    """

    nodes: list[int]
    layer: list[int]
    ups: list[list[int]]
    downs: list[list[int]]
    half: list[float]  # half the size along the layer; 0 for dummies
    margin: list[float]  # free space wanted beside it: node_gap, or half that for dummies
    chains: dict[tuple[int, int], list[int]]  # each edge (graph indices) -> its dummies, in order
    order: list[list[int]] = field(default_factory=list)
    u: list[float] = field(default_factory=list)  # centre along the layer

    def add(self, layer: int, half: float, margin: float) -> int:
        self.layer.append(layer)
        self.ups.append([])
        self.downs.append([])
        self.half.append(half)
        self.margin.append(margin)
        return len(self.layer) - 1

    def link(self, upper: int, lower: int) -> None:
        self.downs[upper].append(lower)
        self.ups[lower].append(upper)


def _components(succ: list[list[int]], pred: list[list[int]]) -> list[list[int]]:
    """Weakly connected components, each sorted, in order of their first node."""
    seen = [False] * len(succ)
    comps = []
    for start in range(len(succ)):
        if seen[start]:
            continue
        seen[start] = True
        members, stack = [start], [start]
        while stack:
            v = stack.pop()
            for w in (*succ[v], *pred[v]):
                if not seen[w]:
                    seen[w] = True
                    members.append(w)
                    stack.append(w)
        comps.append(sorted(members))
    return comps


def _build_component(
    members: list[int], succ: list[list[int]], layer: list[int], along: list[float], gap: float
) -> _Component:
    """Number the members locally, then split each edge spanning k layers by k - 1 dummies."""
    comp = _Component(members, [], [], [], [], [], {})
    local = {g: comp.add(layer[g], along[g] / 2, gap) for g in members}
    for g in members:
        for h in succ[g]:
            upper, dummies = local[g], []
            for r in range(layer[g] + 1, layer[h]):
                dummy = comp.add(r, 0.0, gap / 2)
                comp.link(upper, dummy)
                dummies.append(dummy)
                upper = dummy
            comp.link(upper, local[h])
            comp.chains[(g, h)] = dummies
    comp.order = [[] for _ in range(max(comp.layer) + 1)]
    for v, r in enumerate(comp.layer):
        comp.order[r].append(v)
    return comp


# --- crossing reduction ---------------------------------------------------------------------


def _effort(comps: list[_Component]) -> _Effort:
    """Chosen by the size of the whole graph, so the time stays bounded."""
    size = sum(len(c.layer) + sum(map(len, c.downs)) for c in comps)
    return THOROUGH if size <= THOROUGH_SIZE else QUICK


def _reduce_crossings(comp: _Component, effort: _Effort) -> None:
    """Improve a top-down and a bottom-up breadth-first order, polish the better one."""
    if all(len(layer) < 2 for layer in comp.order):
        return
    pos = [0] * len(comp.layer)
    best: tuple[int, list[list[int]]] | None = None
    for from_top in (True, False):
        order = _initial_order(comp, from_top)
        _set_positions(order, pos)
        found = _improve(comp, order, pos, effort)
        if best is None or found[0] < best[0]:
            best = found
        if best[0] == 0:
            break
    comp.order = best[1]
    _set_positions(comp.order, pos)
    for flip in (False, True, False):
        _transpose(comp.order, comp, pos, flip)


def _initial_order(comp: _Component, from_top: bool) -> list[list[int]]:
    """Breadth-first from the inputs (or the results), as dot does: neighbours end up close."""
    first, second = (comp.downs, comp.ups) if from_top else (comp.ups, comp.downs)
    layers = comp.order if from_top else comp.order[::-1]
    seen = [False] * len(comp.layer)
    order: list[list[int]] = [[] for _ in comp.order]
    for start in (v for layer in layers for v in layer if not second[v]):
        if seen[start]:
            continue
        seen[start] = True
        queue = deque([start])
        while queue:
            v = queue.popleft()
            order[comp.layer[v]].append(v)
            for w in (*first[v], *second[v]):
                if not seen[w]:
                    seen[w] = True
                    queue.append(w)
    return order


def _improve(
    comp: _Component, order: list[list[int]], pos: list[int], effort: _Effort
) -> tuple[int, list[list[int]]]:
    """Alternate barycentre sweeps down and up (each followed by transpositions if the effort
    says so); return the best order seen and its crossings."""
    last = len(order) - 1
    best = (_crossings(order, comp.downs, pos), [list(layer) for layer in order])
    stale = 0
    for sweep in range(effort.sweeps):
        if best[0] == 0 or stale >= effort.patience:
            break
        flip = sweep % 4 >= 2  # break ties the other way now and then, to leave plateaus
        if sweep % 2 == 0:
            _barycentre_sweep(order, comp.ups, pos, range(1, last + 1), flip)
        else:
            _barycentre_sweep(order, comp.downs, pos, range(last - 1, -1, -1), flip)
        if effort.transpose_each:
            _transpose(order, comp, pos, flip)
        crossings = _crossings(order, comp.downs, pos)
        if crossings < best[0]:
            best, stale = (crossings, [list(layer) for layer in order]), 0
        else:
            stale += 1
    return best


def _set_positions(order: list[list[int]], pos: list[int]) -> None:
    for layer in order:
        for i, v in enumerate(layer):
            pos[v] = i


def _crossings(order: list[list[int]], downs: list[list[int]], pos: list[int]) -> int:
    """All crossings of a component: per layer pair, edges sorted by upper end, then the
    inversions among their lower ends (Barth–Jünger–Mutzel)."""
    total = 0
    for upper in order[:-1]:
        lower: list[int] = []
        for v in upper:
            ws = downs[v]
            if len(ws) == 1:
                lower.append(pos[ws[0]])
            else:
                lower.extend(sorted([pos[w] for w in ws]))
        total += _inversions(lower)
    return total


def _barycentre_sweep(
    order: list[list[int]], nbrs: list[list[int]], pos: list[int], layers: range, flip: bool
) -> None:
    """Sort each layer by the mean position of its neighbours in the previous layer.

    Nodes without such neighbours keep their place; ties keep (or, with `flip`, reverse)
    the current order.
    """
    sign = -1 if flip else 1
    for r in layers:
        layer = order[r]
        keyed, slots = [], []
        for i, v in enumerate(layer):
            ws = nbrs[v]
            if len(ws) == 1:
                keyed.append((pos[ws[0]], sign * i, v))
            elif ws:
                keyed.append((sum([pos[w] for w in ws]) / len(ws), sign * i, v))
            else:
                continue
            slots.append(i)
        keyed.sort()
        for i, (_, _, v) in zip(slots, keyed, strict=True):
            layer[i] = v
            pos[v] = i


def _transpose(order: list[list[int]], comp: _Component, pos: list[int], flip: bool) -> None:
    """Swap neighbours in a layer while that removes crossings (dot's transpose)."""
    candidate = [True] * len(order)
    gained = 1
    while gained > 0:
        gained = 0
        for r, layer in enumerate(order):
            if not candidate[r]:
                continue
            candidate[r] = False
            gain, swapped = _transpose_layer(layer, comp, pos, flip)
            if swapped:
                gained += gain
                for s in (r - 1, r, r + 1):
                    if 0 <= s < len(order):
                        candidate[s] = True


def _transpose_layer(
    layer: list[int], comp: _Component, pos: list[int], flip: bool
) -> tuple[int, bool]:
    """One pass of adjacent swaps over a layer; returns (crossings removed, anything swapped).

    With `flip`, swaps that keep the count equal (and non-zero) are taken too.
    """
    above = [sorted([pos[w] for w in comp.ups[v]]) for v in layer]
    below = [sorted([pos[w] for w in comp.downs[v]]) for v in layer]
    gain, swapped = 0, False
    for i in range(len(layer) - 1):
        keep_a, swap_a = _pair_crossings(above[i], above[i + 1])
        keep_b, swap_b = _pair_crossings(below[i], below[i + 1])
        keep, swap = keep_a + keep_b, swap_a + swap_b
        if swap < keep or (flip and swap == keep > 0):
            layer[i], layer[i + 1] = layer[i + 1], layer[i]
            above[i], above[i + 1] = above[i + 1], above[i]
            below[i], below[i + 1] = below[i + 1], below[i]
            pos[layer[i]], pos[layer[i + 1]] = i, i + 1
            gain += keep - swap
            swapped = True
    return gain, swapped


def _pair_crossings(left: list[int], right: list[int]) -> tuple[int, int]:
    """Crossings between two nodes' edges (sorted neighbour positions): as they are, swapped."""
    if not left or not right:
        return 0, 0
    if len(left) == 1 and len(right) == 1:
        a, b = left[0], right[0]
        return int(a > b), int(a < b)
    as_is = as_swapped = 0
    n = len(right)
    for a in left:
        as_is += bisect_left(right, a)
        as_swapped += n - bisect_right(right, a)
    return as_is, as_swapped


# --- coordinates along the layers: Brandes–Köpf ---------------------------------------------


def _coordinates(comp: _Component) -> list[float]:
    """Centres along the layers: the Brandes–Köpf candidate with the shortest weighted edges
    (dot's objective), polished by moving single nodes toward their neighbours."""
    room = [[_separation(comp, a, b) for a, b in itertools.pairwise(layer)] for layer in comp.order]
    edges = _weighted_edges(comp)
    best = min(
        _brandes_koepf(comp, room),
        key=lambda xs: sum(w * abs(xs[a] - xs[b]) for a, b, w in edges),
    )
    _straighten(comp, best, room, edges)
    return best


def _separation(comp: _Component, a: int, b: int) -> float:
    """Least distance between the centres of layer neighbours a and b."""
    return comp.half[a] + comp.half[b] + min(comp.margin[a], comp.margin[b])


def _weighted_edges(comp: _Component) -> list[tuple[int, int, int]]:
    """Every edge with dot's weight for straightness: 1 between real nodes, 2 beside a dummy,
    8 between dummies (so long edges stay straightest)."""
    n = len(comp.nodes)
    return [
        (a, b, EDGE_WEIGHTS[(a >= n) + (b >= n)]) for a, bs in enumerate(comp.downs) for b in bs
    ]


def _brandes_koepf(comp: _Component, room: list[list[float]]) -> list[list[float]]:
    """The balanced Brandes–Köpf placement, then its four compact alignments (to upper or
    lower medians, packed left or right). `room` holds the separations within each layer.

    Each alignment keeps every layer's separations, and so does the balanced one: per node,
    the mean of the two middle candidates.
    """
    conflicts = _type1_conflicts(comp)
    candidates = []
    for nbrs, vertical, gaps in (
        (comp.ups, comp.order, room),
        (comp.downs, comp.order[::-1], room[::-1]),
    ):
        for leftmost in (True, False):
            layers = vertical if leftmost else [layer[::-1] for layer in vertical]
            seps = gaps if leftmost else [g[::-1] for g in gaps]
            xs = _compact(layers, seps, _vertical_alignment(layers, nbrs, conflicts))
            candidates.append(xs if leftmost else [-x for x in xs])
    _align_to_narrowest(candidates, comp.half)
    return [[_middle_mean(xs) for xs in zip(*candidates, strict=True)], *candidates]


def _middle_mean(xs: tuple[float, ...]) -> float:
    _, a, b, _ = sorted(xs)
    return (a + b) / 2


def _straighten(
    comp: _Component, xs: list[float], room: list[list[float]], edges: list[tuple[int, int, int]]
) -> None:
    """Move each node, within the room its layer neighbours leave, to the weighted median of
    its neighbours; every move shortens the weighted edge length or keeps it."""
    around: list[list[tuple[int, int]]] = [[] for _ in xs]
    for a, b, w in edges:
        around[a].append((b, w))
        around[b].append((a, w))
    for k in range(STRAIGHTEN_ROUNDS):
        for r in range(len(comp.order)) if k % 2 == 0 else range(len(comp.order) - 1, -1, -1):
            layer, seps = comp.order[r], room[r]
            for i, v in enumerate(layer):
                lo, hi = _median_interval(around[v], xs)
                x = min(max(xs[v], lo), hi)
                if i > 0:
                    x = max(x, xs[layer[i - 1]] + seps[i - 1])
                if i < len(seps):
                    x = min(x, xs[layer[i + 1]] - seps[i])
                xs[v] = x


def _median_interval(around: list[tuple[int, int]], xs: list[float]) -> tuple[float, float]:
    """Where the weighted distance to the (node, weight) pairs around is least."""
    if len(around) == 1:
        x = xs[around[0][0]]
        return x, x
    points = sorted((xs[w], weight) for w, weight in around)
    half = sum(weight for _, weight in points) / 2
    seen = 0
    for k, (x, weight) in enumerate(points):
        seen += weight
        if seen > half:
            return x, x
        if seen == half:
            return x, points[k + 1][0]
    return -math.inf, math.inf


def _type1_conflicts(comp: _Component) -> set[tuple[int, int]]:
    """Edges (both orientations) that cross an inner segment (dummy to dummy); aligning them
    would bend a long edge, so alignment skips them."""
    marked: set[tuple[int, int]] = set()
    pos = [0] * len(comp.layer)
    _set_positions(comp.order, pos)
    dummy = [v >= len(comp.nodes) for v in range(len(comp.layer))]
    for r in range(1, len(comp.order)):
        layer, width = comp.order[r], len(comp.order[r - 1])
        k0 = scan = 0
        for i, v in enumerate(layer):
            inner = [u for u in comp.ups[v] if dummy[u] and dummy[v]]
            if not inner and i < len(layer) - 1:
                continue
            k1 = pos[inner[0]] if inner else width
            for s in layer[scan : i + 1]:
                for u in comp.ups[s]:
                    if (pos[u] < k0 or pos[u] > k1) and not (dummy[u] and dummy[s]):
                        marked.update(((u, s), (s, u)))
            scan, k0 = i + 1, k1
    return marked


def _vertical_alignment(
    layers: list[list[int]], nbrs: list[list[int]], conflicts: set[tuple[int, int]]
) -> list[int]:
    """Root of each node's block: nodes join the block of a median neighbour in the previous
    layer unless that would cross an alignment already made."""
    size = sum(map(len, layers))
    root = list(range(size))
    pos = [0] * size
    _set_positions(layers, pos)
    for layer in layers:
        taken = -1
        for v in layer:
            ws = nbrs[v]
            if len(ws) > 1:
                ws = sorted(ws, key=pos.__getitem__)
            for w in ws[(len(ws) - 1) // 2 : len(ws) // 2 + 1]:
                if pos[w] > taken and (w, v) not in conflicts:
                    root[v] = root[w]
                    taken = pos[w]
                    break
    return root


def _compact(layers: list[list[int]], room: list[list[float]], root: list[int]) -> list[float]:
    """Pack blocks as far left as separations allow, then pull each toward its right
    neighbours (longest paths in the block graph, both ways)."""
    seps: dict[tuple[int, int], float] = {}
    for layer, gaps in zip(layers, room, strict=True):
        for (a, b), sep in zip(itertools.pairwise(layer), gaps, strict=True):
            key = (root[a], root[b])
            if seps.get(key, -1.0) < sep:
                seps[key] = sep
    right: list[list[tuple[int, float]]] = [[] for _ in root]
    for (a, b), sep in seps.items():
        right[a].append((b, sep))
    order = _block_order(layers, root, right)
    xs = [0.0] * len(root)
    for a in order:
        for b, sep in right[a]:
            xs[b] = max(xs[b], xs[a] + sep)
    for a in reversed(order):
        if right[a]:
            xs[a] = max(xs[a], min(xs[b] - sep for b, sep in right[a]))
    return [xs[r] for r in root]


def _block_order(
    layers: list[list[int]], root: list[int], right: list[list[tuple[int, float]]]
) -> list[int]:
    """Block roots in topological order of the left-of relation."""
    indegree = [0] * len(root)
    for row in right:
        for b, _ in row:
            indegree[b] += 1
    blocks = dict.fromkeys(root[v] for layer in layers for v in layer)
    ready = [b for b in reversed(blocks) if indegree[b] == 0]
    order = []
    while ready:
        a = ready.pop()
        order.append(a)
        for b, _ in right[a]:
            indegree[b] -= 1
            if indegree[b] == 0:
                ready.append(b)
    return order


def _align_to_narrowest(candidates: list[list[float]], half: list[float]) -> None:
    """Shift the four alignments onto the narrowest: left ones by their left edge, right
    ones by their right edge."""
    spans = [
        (
            min(x - h for x, h in zip(xs, half, strict=True)),
            max(x + h for x, h in zip(xs, half, strict=True)),
        )
        for xs in candidates
    ]
    lo, hi = min(spans, key=lambda s: s[1] - s[0])
    for k, (xs, (left, right)) in enumerate(zip(candidates, spans, strict=True)):
        shift = lo - left if k % 2 == 0 else hi - right
        candidates[k] = [x + shift for x in xs]


# --- putting it together --------------------------------------------------------------------


def _pack_side_by_side(comps: list[_Component], gap: float) -> None:
    """Shift components so their extents follow each other, `gap` apart, from 0."""
    cursor = 0.0
    for comp in comps:
        left = min(u - h for u, h in zip(comp.u, comp.half, strict=True))
        right = max(u + h for u, h in zip(comp.u, comp.half, strict=True))
        comp.u = [u + cursor - left for u in comp.u]
        cursor += right - left + gap


def _pins_along_across(
    pinned: Mapping[Hashable, tuple[float, float]], index: dict[Hashable, int], direction: str
) -> dict[int, Point]:
    """Pinned centres as (along the layer, across it), by graph index."""
    unknown = [node for node in pinned if node not in index]
    if unknown:
        raise ValueError(f"pinned node {unknown[0]!r} is not in the graph")
    return {
        index[node]: (float(x), float(y)) if direction == "TB" else (float(y), float(x))
        for node, (x, y) in pinned.items()
    }


def _anchor(
    comps: list[_Component], bands: list[tuple[float, float]], pins: dict[int, Point]
) -> list[tuple[float, float]]:
    """Translate everything by the median of the pins' offsets from where the layout put
    their nodes: pins that agree with the layout (or a single pin) then sit exactly there."""
    offsets = []
    for comp in comps:
        for v, g in enumerate(comp.nodes):
            if g in pins:
                pin_u, pin_v = pins[g]
                offsets.append((pin_u - comp.u[v], pin_v - bands[comp.layer[v]][0]))
    du = statistics.median_low(u for u, _ in offsets)
    dv = statistics.median_low(v for _, v in offsets)
    for comp in comps:
        comp.u = [u + du for u in comp.u]
    return [(centre + dv, thickness) for centre, thickness in bands]


def _clear_pins(
    comps: list[_Component],
    bands: list[tuple[float, float]],
    pins: dict[int, Point],
    along: list[float],
    across: list[float],
) -> None:
    """Slide unpinned nodes and bend points along their layer, in order, off pinned nodes."""
    for r, (centre, thickness) in enumerate(bands):
        lo, hi = centre - thickness / 2, centre + thickness / 2
        obstacles = sorted(
            (u - along[g] / 2, u + along[g] / 2)
            for g, (u, v) in pins.items()
            if v - across[g] / 2 < hi and v + across[g] / 2 > lo
        )
        if obstacles:
            _clear_layer(comps, r, pins, obstacles)


def _clear_layer(
    comps: list[_Component], r: int, pins: dict[int, Point], obstacles: list[tuple[float, float]]
) -> None:
    """Place layer r's unpinned nodes and bend points left to right, each as near its spot as
    the previous one and the obstacles (pinned extents along the layer) allow."""
    slots = sorted(
        (comp.u[v], k, v)
        for k, comp in enumerate(comps)
        if r < len(comp.order)
        for v in comp.order[r]
        if v >= len(comp.nodes) or comp.nodes[v] not in pins
    )
    edge, edge_margin = -math.inf, 0.0
    for want, k, v in slots:
        comp = comps[k]
        half, margin = comp.half[v], comp.margin[v]
        lowest = edge + min(edge_margin, margin) + half
        u = _nearest_free(want, lowest, half + margin, obstacles)
        comp.u[v] = u
        edge, edge_margin = u + half, margin


def _nearest_free(
    want: float, lowest: float, reach: float, obstacles: list[tuple[float, float]]
) -> float:
    """The centre closest to `want`, not below `lowest`, keeping `reach` off every obstacle."""
    blocked: list[list[float]] = []
    for a, b in obstacles:
        if blocked and a - reach < blocked[-1][1]:
            blocked[-1][1] = max(blocked[-1][1], b + reach)
        else:
            blocked.append([a - reach, b + reach])
    u = max(want, lowest)
    for a, b in blocked:
        if a < u < b:
            return a if a >= lowest and want - a <= b - want else b
    return u


def _assemble(
    graph: nx.DiGraph,
    nodes: list[Hashable],
    comps: list[_Component],
    bands: list[tuple[float, float]],
    pinned: Mapping[Hashable, tuple[float, float]],
    direction: str,
) -> Layout:
    """Turn (along, across) coordinates into (x, y) and key everything by graph node."""

    def point(comp: _Component, v: int) -> Point:
        u, w = comp.u[v], bands[comp.layer[v]][0]
        return (u, w) if direction == "TB" else (w, u)

    positions: list[Point] = [(0.0, 0.0)] * len(nodes)
    layers = [0] * len(nodes)
    bends: dict[tuple[int, int], list[Point]] = {}
    for comp in comps:
        for v, g in enumerate(comp.nodes):
            positions[g], layers[g] = point(comp, v), comp.layer[v]
        for key, dummies in comp.chains.items():
            bends[key] = [point(comp, d) for d in dummies]
    index = {node: i for i, node in enumerate(nodes)}
    return Layout(
        positions={
            node: tuple(map(float, pinned[node])) if node in pinned else positions[i]
            for i, node in enumerate(nodes)
        },
        edge_points={(u, v): bends[(index[u], index[v])] for u, v in graph.edges},
        layers=dict(zip(nodes, layers, strict=True)),
    )
