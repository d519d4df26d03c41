"""The layout of the dependency graph, in pure Python (no Graphviz): a small Sugiyama scheme, left
to right, foundations on the left and theorems on the right.

1. cycles are broken by setting aside one edge per cycle (drawn in red, never crash);
2. layer of a node = length of the longest path reaching it from a source (sources are then
   moved right, just before their first user, to keep edges short);
3. the drawn edges are the transitive reduction (`extra`: the implied ones);
4. edges that span several layers get invisible dummy nodes, and barycenter sweeps (down and
   up, keeping the order with the fewest crossings) order each layer;
5. vertical positions are relaxed towards the neighbours' average, keeping order and spacing.

Grouped (`band=...`), each group is a horizontal band; the layers run across all bands.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

_KIND_RANK = ["definition", "derivation-step", "lemma", "proposition", "corollary", "theorem",
              "example"]
NODE_W, NODE_H, SMALL_H = 236, 44, 36
GAP_X, GAP_Y, DUMMY_GAP, MARGIN = 84, 18, 10, 16
BAND_GAP, BAND_LABEL = 22, 26          # between the bands of a grouped graph, and room for a label


def build_graph(results: dict[str, Any]) -> nx.DiGraph:
    """All edges lemma -> user: the document's edge list, `uses` lists and dangling entries."""
    claims = {c["id"]: c for c in results.get("claims") or [] if isinstance(c, dict) and "id" in c}
    g = nx.DiGraph()
    g.add_nodes_from(claims)
    graph = results.get("graph") or {}
    for edge in graph.get("edges") or []:
        if isinstance(edge, (list, tuple)) and len(edge) == 2:
            g.add_edge(str(edge[0]), str(edge[1]))
    for cid, claim in claims.items():
        for used in claim.get("uses") or []:
            g.add_edge(str(used), cid)
    for entry in graph.get("dangling") or []:
        pair = list(entry.values()) if isinstance(entry, dict) else entry
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            a, b = (str(x) for x in pair)
            g.add_edge(*((a, b) if b in claims and a not in claims else (b, a)))
    return g


@dataclass
class Layout:
    """Positions (left x, centre y) of real and dummy nodes, and each drawn edge's route."""

    x: dict[Any, float] = field(default_factory=dict)
    y: dict[Any, float] = field(default_factory=dict)
    routes: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    extra: list[tuple[str, str]] = field(default_factory=list)
    back: list[tuple[str, str]] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    bands: list[tuple[float, float]] = field(default_factory=list)   # (top, height) of each band


def _height(node: Any, kinds: dict[str, str]) -> float:
    if isinstance(node, tuple):
        return 0.0
    return SMALL_H if kinds.get(node) == "derivation-step" else NODE_H


def _crossings(order: list[list[Any]], succ: dict[Any, list[Any]]) -> int:
    """Edge crossings between adjacent layers (inversion count, O(E log E) per layer pair)."""
    total = 0
    for left, right in zip(order, order[1:]):
        pos = {n: i for i, n in enumerate(right)}
        seen: list[int] = []
        for i, n in enumerate(left):
            targets = sorted(pos[s] for s in succ.get(n, []) if s in pos)
            total += sum(len(seen) - bisect.bisect_right(seen, j) for j in targets)
            for j in targets:
                bisect.insort(seen, j)
    return total


def _isotonic(targets: list[float], seps: list[float]) -> list[float]:
    """Least-squares y close to targets with y[i] - y[i-1] >= seps[i] (pool adjacent violators)."""
    offs, acc = [], 0.0
    for s in seps:
        acc += s
        offs.append(acc)
    blocks: list[list[float]] = []  # [mean, weight]
    for t, o in zip(targets, offs):
        blocks.append([t - o, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2 = blocks.pop()
            m1, w1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2])
    out: list[float] = []
    for mean, weight in blocks:
        out.extend([mean] * int(weight))
    return [z + o for z, o in zip(out, offs)]


def break_cycles(g: nx.DiGraph, kinds: dict[str, str]) -> tuple[nx.DiGraph, list[tuple[str, str]]]:
    """An acyclic copy of `g` and the edges set aside (one per cycle; self-loops are dropped)."""
    dag = nx.DiGraph(g)
    dag.remove_edges_from(list(nx.selfloop_edges(dag)))
    rank = {k: i for i, k in enumerate(_KIND_RANK)}
    back: list[tuple[str, str]] = []
    while True:
        try:
            cycle = [tuple(e[:2]) for e in nx.find_cycle(dag)]
        except nx.NetworkXNoCycle:
            return dag, back
        # the suspicious edge is the one going "down": an example or theorem used by a lemma
        u, v = max(cycle, key=lambda e: (rank.get(kinds.get(e[0], ""), 3)
                                         - rank.get(kinds.get(e[1], ""), 3), str(e)))
        dag.remove_edge(u, v)
        back.append((u, v))


def drawn_edge_count(results: dict[str, Any]) -> tuple[int, int]:
    """(all edges, edges drawn by default: transitive reduction plus cycle-closing edges)."""
    g = build_graph(results)
    kinds = {str(c.get("id")): str(c.get("kind") or "") for c in results.get("claims") or []
             if isinstance(c, dict)}
    dag, back = break_cycles(g, kinds)
    return g.number_of_edges(), nx.transitive_reduction(dag).number_of_edges() + len(back)


def _barycenter(nodes: list[Any], ref_layer: list[Any], nbrs: dict[Any, list[Any]]) -> list[Any]:
    """`nodes` sorted by the mean position of their neighbours in `ref_layer` (stable)."""
    ref = {n: i for i, n in enumerate(ref_layer)}

    def key(item: tuple[int, Any]) -> tuple[float, int]:
        i, n = item
        ps = [ref[p] for p in nbrs.get(n, []) if p in ref]
        return (sum(ps) / len(ps) if ps else float(i), i)

    return [n for _, n in sorted(enumerate(nodes), key=key)]


def layout(g: nx.DiGraph, kinds: dict[str, str], band: dict[Any, int] | None = None) -> Layout:
    """Layers, dummy nodes, crossing reduction and coordinates (see the module docstring);
    with `band` (node -> band index), each band is a horizontal strip of its own."""
    lay = Layout()
    dag, lay.back = break_cycles(g, kinds)
    layer: dict[Any, int] = {}
    for n in nx.lexicographical_topological_sort(dag, key=str):
        layer[n] = max((layer[p] + 1 for p in dag.predecessors(n)), default=0)
    for n in dag.nodes:  # a source sits just before its first user, not far away at layer 0
        if dag.in_degree(n) == 0 and dag.out_degree(n) > 0:
            layer[n] = min(layer[s] for s in dag.successors(n)) - 1
    red = nx.transitive_reduction(dag)
    lay.extra = sorted(set(dag.edges()) - set(red.edges()))
    succ: dict[Any, list[Any]] = {}
    pred: dict[Any, list[Any]] = {}
    nlayers = max(layer.values(), default=-1) + 1
    members: list[list[Any]] = [[] for _ in range(nlayers)]
    for n in sorted(dag.nodes, key=str):
        members[layer[n]].append(n)
    for u, v in sorted(red.edges(), key=str):
        chain = [u] + [("dummy", u, v, k) for k in range(layer[u] + 1, layer[v])] + [v]
        for k, d in enumerate(chain[1:-1], start=layer[u] + 1):
            members[k].append(d)
        for a, b in zip(chain, chain[1:]):
            succ.setdefault(a, []).append(b)
            pred.setdefault(b, []).append(a)
        lay.routes[(u, v)] = chain
    order = _fewest_crossings(members, pred, succ)
    lay.width = MARGIN * 2 + max(nlayers, 1) * NODE_W + max(nlayers - 1, 0) * GAP_X
    if band is not None:
        return _banded(lay, order, band, kinds, pred, succ, nlayers)
    for li, nodes in enumerate(order):
        _stack(lay, li, nodes, kinds, 0.0)
    for _ in range(8):  # relax towards neighbours, keeping order and spacing
        for nodes in order:
            if not nodes:
                continue
            targets: list[float] = []
            for n in nodes:  # a node without neighbours follows the one above it
                ns = pred.get(n, []) + succ.get(n, [])
                targets.append(sum(lay.y[m] for m in ns) / len(ns) if ns
                               else (targets[-1] if targets else 0.0))
            for n, y in zip(nodes, _isotonic(targets, _seps(nodes, kinds))):
                lay.y[n] = y
    if lay.y:
        top = min(lay.y[n] - _height(n, kinds) / 2 for n in lay.y)
        for n in lay.y:
            lay.y[n] += MARGIN - top
        lay.height = max(lay.y[n] + _height(n, kinds) / 2 for n in lay.y) + MARGIN
    lay.height = max(lay.height, 2 * MARGIN + NODE_H)
    return lay


def _fewest_crossings(members: list[list[Any]], pred: dict[Any, list[Any]],
                      succ: dict[Any, list[Any]]) -> list[list[Any]]:
    """The order of each layer after barycenter sweeps down and up: the one with fewest crossings."""
    order = [list(m) for m in members]
    best, best_cross = [list(m) for m in order], _crossings(order, succ)
    for sweep in range(16):
        down = sweep % 2 == 0
        rng = range(1, len(order)) if down else range(len(order) - 2, -1, -1)
        for li in rng:
            order[li] = _barycenter(order[li], order[li - 1 if down else li + 1],
                                    pred if down else succ)
        cross = _crossings(order, succ)
        if cross < best_cross:
            best, best_cross = [list(m) for m in order], cross
    return best


def _stack(lay: Layout, li: int, nodes: list[Any], kinds: dict[str, str], y: float) -> None:
    """The nodes of layer `li` one below the other, from `y` down."""
    for n in nodes:
        h = _height(n, kinds)
        lay.y[n] = y + h / 2
        y += h + (DUMMY_GAP if h == 0 else GAP_Y)
        lay.x[n] = MARGIN + li * (NODE_W + GAP_X)


def _seps(nodes: list[Any], kinds: dict[str, str]) -> list[float]:
    """The least distance from each node's centre to the one above it (0 for the first)."""
    return [0.0] + [(_height(a, kinds) + _height(b, kinds)) / 2
                    + (DUMMY_GAP if 0 in (_height(a, kinds), _height(b, kinds)) else GAP_Y)
                    for a, b in zip(nodes, nodes[1:])]


def _banded(lay: Layout, order: list[list[Any]], band: dict[Any, int], kinds: dict[str, str],
            pred: dict[Any, list[Any]], succ: dict[Any, list[Any]], nlayers: int) -> Layout:
    """Coordinates with one horizontal band per group: a dummy node (a long edge's waypoint)
    travels in its source's band; within a band and a layer nodes keep their crossing-reduced
    order and relax towards their neighbours, without leaving the band."""
    def band_of(n: Any) -> int:
        return band.get(n[1], 0) if isinstance(n, tuple) else band.get(n, 0)

    nbands = max([band_of(n) for nodes in order for n in nodes] + [0]) + 1
    segments: dict[tuple[int, int], list[Any]] = {}
    for li, nodes in enumerate(order):
        for n in sorted(nodes, key=band_of):  # stable: the order within a band is kept
            segments.setdefault((li, band_of(n)), []).append(n)

    def extent(nodes: list[Any]) -> float:
        return sum(_seps(nodes, kinds)) + (_height(nodes[0], kinds) + _height(nodes[-1], kinds)) / 2 if nodes else 0.0

    heights = [max([extent(segments.get((li, b), [])) for li in range(nlayers)] + [NODE_H])
               for b in range(nbands)]
    tops, y = [], MARGIN
    for b in range(nbands):
        tops.append(y)
        y += BAND_LABEL + heights[b] + BAND_GAP
    lay.bands = [(tops[b], BAND_LABEL + heights[b]) for b in range(nbands)]
    for (li, b), nodes in segments.items():
        _stack(lay, li, nodes, kinds, tops[b] + BAND_LABEL)
    for _ in range(8):
        for (li, b), nodes in segments.items():
            top, bottom = tops[b] + BAND_LABEL, tops[b] + BAND_LABEL + heights[b]
            targets: list[float] = []
            for n in nodes:  # towards the neighbours in the band; a node without any stays
                ns = [m for m in pred.get(n, []) + succ.get(n, []) if band_of(m) == b]
                t = sum(lay.y[m] for m in ns) / len(ns) if ns else lay.y[n]
                targets.append(min(max(t, top), bottom))
            gaps = _seps(nodes, kinds)
            ys = _isotonic(targets, gaps)
            lo = top + _height(nodes[0], kinds) / 2
            hi = bottom - _height(nodes[-1], kinds) / 2
            if ys[0] < lo:
                ys = [y + lo - ys[0] for y in ys]
            if ys[-1] > hi:
                ys = [y - (ys[-1] - hi) for y in ys]
            if ys[0] < lo - 0.5:  # no room to relax: stacked from the top of the band
                ys = [lo + sum(gaps[1:i + 1]) for i in range(len(nodes))]
            for n, yy in zip(nodes, ys):
                lay.y[n] = yy
    lay.height = y - BAND_GAP + MARGIN
    return lay
