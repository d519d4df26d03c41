"""The dependency graph as SVG, laid out in pure Python (no Graphviz).

Layout (a small Sugiyama scheme, left to right: foundations on the left, theorems on the right):

1. cycles are broken by setting aside one edge per cycle (drawn in red, never crash);
2. layer of a node = length of the longest path reaching it from a source (sources are then
   moved right, just before their first user, to keep edges short);
3. the drawn edges are the transitive reduction; the implied ones are drawn too but hidden
   (``<g class="edges-extra">``) until the page's "all edges" toggle shows them;
4. edges that span several layers get invisible dummy nodes, and barycenter sweeps (down and
   up, keeping the order with the fewest crossings) order each layer;
5. vertical positions are relaxed towards the neighbours' average, keeping order and spacing.

Nodes: shape by kind, fill by status, plus cues that do not rely on colour: a status icon and
word inside the node, a dashed border when the claim rests on a weak foundation. A node shows a
short title (its id and full title on hover). Every claim node is a link to its page; ids
referenced but not present are drawn as grey "missing" boxes.

Grouped by note (`graph_svg(..., groups=...)`), each lecture gets a horizontal band: the layers
stay left to right across all bands, a layer's nodes are ordered band by band, and the edges
between lectures are drawn in their own colour.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from markupsafe import Markup, escape

__all__ = ["STATUS_LADDER", "STATUS_STYLE", "KIND_LABELS", "page_name", "graph_svg",
           "focus_svg", "legend_html", "build_graph", "break_cycles", "drawn_edge_count",
           "status_text", "short_title"]

STATUS_LADDER = ["proved", "certified", "supported", "statistical", "cited", "undecided",
                 "untested", "vacuous", "timeout", "error", "refuted"]  # strongest first
STATUS_STYLE: dict[str, tuple[str, str]] = {  # status -> (fill colour, icon)
    "proved": ("#74c69d", "\u220e"), "certified": ("#8ecae6", "\u25c6"),
    "supported": ("#b7e4c7", "\u2713"), "statistical": ("#d8f0a8", "\u2248"),
    "cited": ("#d7c6f0", "\u00a7"), "untested": ("#e9ecef", "\u25cb"),
    "undecided": ("#ffe08a", "?"), "vacuous": ("#ffd6a5", "\u2205"), "timeout": ("#ffc285", "\u25d4"),
    "error": ("#ff9f6e", "\u26a0"), "refuted": ("#f28482", "\u2717"),
}
_UNKNOWN_STYLE = ("#ffffff", "\u00b7")
KIND_LABELS = {"definition": "rectangle", "lemma": "rounded box", "proposition": "hexagon",
               "theorem": "double hexagon", "corollary": "slanted box", "example": "ellipse",
               "derivation-step": "small pill"}

_KIND_RANK = ["definition", "derivation-step", "lemma", "proposition", "corollary", "theorem",
              "example"]
NODE_W, NODE_H, SMALL_H = 236, 44, 36
GAP_X, GAP_Y, DUMMY_GAP, MARGIN = 84, 18, 10, 16
MAX_LABEL = 31
BAND_GAP, BAND_LABEL = 22, 26          # between the bands of a grouped graph, and room for a label


def short_title(claim: dict[str, Any] | None, node: str = "", limit: int = MAX_LABEL) -> str:
    """A node's label: the claim's title up to its first dash, colon or parenthesis, cut to
    `limit` characters at a word; the id when there is no title."""
    title = re.sub(r"\s+", " ", str((claim or {}).get("title") or "")).strip()
    if not title:
        return node if len(node) <= limit else node[: limit - 1] + "\u2026"
    prefix = ""
    m = re.match(r"As written(?: in [^:]{0,40})?:\s*", title)
    if m:
        prefix, title = "As written: ", title[m.end():]
    for sep in (" - ", " \u2014 ", ": ", "; ", " ("):
        k = title.find(sep)
        if k >= 8:
            title = title[:k]
            break
    room = limit - len(prefix)
    if len(title) > room:
        cut = title[: room - 1].rsplit(" ", 1)[0] if " " in title[: room - 1] else title[: room - 1]
        title = cut.rstrip(" ,;:-") + "\u2026"
    return prefix + title


def page_name(claim_id: str) -> str:
    """File name of a claim's page: the id itself when it is a safe file name."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,150}", claim_id):
        return f"{claim_id}.html"
    return "claim-" + hashlib.sha256(claim_id.encode()).hexdigest()[:16] + ".html"


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
class _Layout:
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


def _layout(g: nx.DiGraph, kinds: dict[str, str], band: dict[Any, int] | None = None) -> _Layout:
    """Layers, dummy nodes, crossing reduction and coordinates (see the module docstring);
    with `band` (node -> band index), each band is a horizontal strip of its own."""
    lay = _Layout()
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

    order = [list(m) for m in members]
    best, best_cross = [list(m) for m in order], _crossings(order, succ)
    for sweep in range(16):
        down = sweep % 2 == 0
        rng = range(1, nlayers) if down else range(nlayers - 2, -1, -1)
        for li in rng:
            order[li] = _barycenter(order[li], order[li - 1 if down else li + 1],
                                    pred if down else succ)
        cross = _crossings(order, succ)
        if cross < best_cross:
            best, best_cross = [list(m) for m in order], cross
    order = best
    if band is not None:
        return _banded(lay, order, band, kinds, pred, succ, nlayers)

    for li, nodes in enumerate(order):
        y = 0.0
        for n in nodes:
            h = _height(n, kinds)
            lay.y[n] = y + h / 2
            y += h + (DUMMY_GAP if h == 0 else GAP_Y)
            lay.x[n] = MARGIN + li * (NODE_W + GAP_X)
    for _ in range(8):  # relax towards neighbours, keeping order and spacing
        for nodes in order:
            if not nodes:
                continue
            targets: list[float] = []
            for n in nodes:  # a node without neighbours follows the one above it
                ns = pred.get(n, []) + succ.get(n, [])
                targets.append(sum(lay.y[m] for m in ns) / len(ns) if ns
                               else (targets[-1] if targets else 0.0))
            seps = [0.0] + [(_height(a, kinds) + _height(b, kinds)) / 2
                            + (DUMMY_GAP if 0 in (_height(a, kinds), _height(b, kinds)) else GAP_Y)
                            for a, b in zip(nodes, nodes[1:])]
            for n, y in zip(nodes, _isotonic(targets, seps)):
                lay.y[n] = y
    if lay.y:
        top = min(lay.y[n] - _height(n, kinds) / 2 for n in lay.y)
        for n in lay.y:
            lay.y[n] += MARGIN - top
        lay.height = max(lay.y[n] + _height(n, kinds) / 2 for n in lay.y) + MARGIN
    lay.width = MARGIN * 2 + max(nlayers, 1) * NODE_W + max(nlayers - 1, 0) * GAP_X
    lay.height = max(lay.height, 2 * MARGIN + NODE_H)
    return lay


def _banded(lay: _Layout, order: list[list[Any]], band: dict[Any, int], kinds: dict[str, str],
            pred: dict[Any, list[Any]], succ: dict[Any, list[Any]], nlayers: int) -> _Layout:
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

    def seps(nodes: list[Any]) -> list[float]:
        return [0.0] + [(_height(a, kinds) + _height(b, kinds)) / 2
                        + (DUMMY_GAP if 0 in (_height(a, kinds), _height(b, kinds)) else GAP_Y)
                        for a, b in zip(nodes, nodes[1:])]

    def extent(nodes: list[Any]) -> float:
        return sum(seps(nodes)) + (_height(nodes[0], kinds) + _height(nodes[-1], kinds)) / 2 if nodes else 0.0

    heights = [max([extent(segments.get((li, b), [])) for li in range(nlayers)] + [NODE_H])
               for b in range(nbands)]
    tops, y = [], MARGIN
    for b in range(nbands):
        tops.append(y)
        y += BAND_LABEL + heights[b] + BAND_GAP
    lay.bands = [(tops[b], BAND_LABEL + heights[b]) for b in range(nbands)]
    for (li, b), nodes in segments.items():
        yy = tops[b] + BAND_LABEL
        for n in nodes:
            h = _height(n, kinds)
            lay.y[n] = yy + h / 2
            yy += h + (DUMMY_GAP if h == 0 else GAP_Y)
            lay.x[n] = MARGIN + li * (NODE_W + GAP_X)
    for _ in range(8):
        for (li, b), nodes in segments.items():
            top, bottom = tops[b] + BAND_LABEL, tops[b] + BAND_LABEL + heights[b]
            targets: list[float] = []
            for n in nodes:  # towards the neighbours in the band; a node without any stays
                ns = [m for m in pred.get(n, []) + succ.get(n, []) if band_of(m) == b]
                t = sum(lay.y[m] for m in ns) / len(ns) if ns else lay.y[n]
                targets.append(min(max(t, top), bottom))
            gaps = seps(nodes)
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
    lay.width = MARGIN * 2 + max(nlayers, 1) * NODE_W + max(nlayers - 1, 0) * GAP_X
    lay.height = y - BAND_GAP + MARGIN
    return lay


def _shape(kind: str, x: float, y: float, w: float, h: float, attrs: str) -> str:
    top, bot, mid, right = y - h / 2, y + h / 2, y, x + w
    if kind in ("theorem", "proposition"):
        d = 12
        pts = f"{x},{mid} {x + d},{top} {right - d},{top} {right},{mid} {right - d},{bot} {x + d},{bot}"
        out = f'<polygon points="{pts}" {attrs}/>'
        if kind == "theorem":
            e = 4
            inner = (f"{x + e},{mid} {x + d + e / 2},{top + e} {right - d - e / 2},{top + e} "
                     f"{right - e},{mid} {right - d - e / 2},{bot - e} {x + d + e / 2},{bot - e}")
            out += f'<polygon points="{inner}" fill="none" stroke="#333" stroke-width="1"/>'
        return out
    if kind == "corollary":
        s = 10
        return f'<polygon points="{x + s},{top} {right},{top} {right - s},{bot} {x},{bot}" {attrs}/>'
    if kind == "example":
        return f'<ellipse cx="{x + w / 2}" cy="{mid}" rx="{w / 2}" ry="{h / 2}" {attrs}/>'
    rx = {"definition": 0, "lemma": min(9, h / 5), "derivation-step": h / 2}.get(kind, 3)
    return f'<rect x="{x}" y="{top}" width="{w}" height="{h}" rx="{rx}" {attrs}/>'


def status_text(claim: dict[str, Any]) -> str:
    """Short words for a node: icon, status, and whether it matches what was expected."""
    status = str(claim.get("status") or "unknown")
    text = f"{STATUS_STYLE.get(status, _UNKNOWN_STYLE)[1]} {status}"
    if claim.get("expect") == "fails" and status == "refuted":
        text += " (as expected)"
    elif claim.get("as_expected") is False:
        text += " \u00b7 UNEXPECTED"
    if (claim.get("foundation") or {}).get("status") not in (None, "sound"):
        text += " \u00b7 rests on"
    return text


def _node_svg(node: str, claim: dict[str, Any] | None, x: float, y: float, kind_h: float,
              link_prefix: str, focus: str | None) -> str:
    label = short_title(claim, node)
    cx = x + NODE_W / 2
    if claim is None:
        shape = _shape("definition", x, y, NODE_W, kind_h,
                       'fill="#fff" stroke="#888" stroke-width="1.5" stroke-dasharray="2 3"')
        return (f'<g class="node node-missing" data-id="{escape(node)}"><title>'
                f"{escape(node)}: referenced but not found</title>{shape}"
                f'<text x="{cx}" y="{y - 3}" class="nid">{escape(label)}</text>'
                f'<text x="{cx}" y="{y + 12}" class="nst">\u2205 missing</text></g>')
    status = str(claim.get("status") or "")
    fill = STATUS_STYLE.get(status, _UNKNOWN_STYLE)[0]
    weak = (claim.get("foundation") or {}).get("status") not in (None, "sound")
    width = 3.5 if node == focus else (2.5 if claim.get("as_expected") is False else 1.3)
    attrs = f'fill="{fill}" stroke="#222" stroke-width="{width}"'
    if weak:
        attrs += ' stroke-dasharray="6 4"'
    kind = str(claim.get("kind") or "")
    tip = f"{node} ({kind}): {claim.get('title') or ''} \u2014 {status_text(claim)}"
    cls = "node" + (" node-focus" if node == focus else "") + (" node-weak" if weak else "")
    return (f'<a href="{escape(link_prefix + page_name(node))}" class="{cls}" '
            f'data-id="{escape(node)}" data-status="{escape(status)}">'
            f"<title>{escape(tip)}</title>{_shape(kind, x, y, NODE_W, kind_h, attrs)}"
            f'<text x="{cx}" y="{y - 3}" class="nid"{_fit(label, 26)}>{escape(label)}</text>'
            f'<text x="{cx}" y="{y + 12}" class="nst"{_fit(status_text(claim), 34)}>'
            f"{escape(status_text(claim))}</text></a>")


def _fit(text: str, limit: int) -> str:
    """Squeezes long text into the node (fonts differ, so lengths are only estimates)."""
    return f' textLength="{NODE_W - 40}" lengthAdjust="spacingAndGlyphs"' if len(text) > limit else ""


def _route_path(points: list[tuple[float, float]]) -> str:
    d = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if abs(y1 - y0) < 0.5:
            d += f" L{x1:.1f},{y1:.1f}"
        else:
            dx = (x1 - x0) / 2
            d += f" C{x0 + dx:.1f},{y0:.1f} {x1 - dx:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"
    return d


def _render(results: dict[str, Any], g: nx.DiGraph, link_prefix: str, focus: str | None,
            uid: str, label: str, groups: dict[str, str] | None = None,
            group_labels: dict[str, str] | None = None) -> Markup:
    claims = _indexed(results)[1]
    kinds = {n: str((claims.get(n) or {}).get("kind") or "") for n in g.nodes}
    band = None
    names: list[str] = []
    if groups is not None:
        names = sorted({groups.get(str(n), "") for n in g.nodes}, key=lambda k: (k == "", k))
        band = {n: names.index(groups.get(str(n), "")) for n in g.nodes}
    lay = _layout(g, kinds, band)

    def anchor(n: Any, side: str) -> tuple[float, float]:
        x = lay.x[n] + (NODE_W if side == "out" else 0)
        return (x, lay.y[n])

    parts = [f'<svg class="depgraph" viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" '
             f'width="{lay.width:.0f}" height="{lay.height:.0f}" role="group" '
             f'style="max-width:100%;height:auto;min-width:{0.75 * lay.width:.0f}px" '
             f'aria-label="{escape(label)}">',
             "<defs>"]
    for name, colour in (("a", "#555"), ("c", "#c0392b"), ("x", "#999"), ("p", "#7b3fa0")):
        parts.append(f'<marker id="{uid}-{name}" viewBox="0 0 10 10" refX="10" refY="5" '
                     f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
                     f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    parts.append("</defs>")
    if band is not None:
        parts.append('<g class="bands">')
        for b, (top, height) in enumerate(lay.bands):
            key = names[b] if b < len(names) else ""
            text = (group_labels or {}).get(key) or key or "(no note)"
            count = sum(1 for n in g.nodes if band.get(n) == b)
            parts.append(f'<rect x="0" y="{top - 6:.0f}" width="{lay.width:.0f}" height="{height + 12:.0f}" '
                         f'fill="{"#f3f6fa" if b % 2 == 0 else "#fbfcfd"}" stroke="#d9dde2"/>'
                         f'<text x="{MARGIN}" y="{top + 13:.0f}" class="band-label">{escape(text)}'
                         f'<tspan class="band-sub" dx="10">{escape(key)} \u00b7 {count} claim'
                         f'{"s" if count != 1 else ""}</tspan></text>')
        parts.append("</g>")
    parts.append('<g class="edges-extra" display="none">')
    for u, v in lay.extra:
        pts = [anchor(u, "out"), anchor(v, "in")]
        parts.append(f'<path d="{_route_path(pts)}" class="edge edge-extra" fill="none" '
                     f'stroke="#999" stroke-dasharray="2 3" marker-end="url(#{uid}-x)"/>')
    parts.append('</g><g class="edges">')
    for (u, v), chain in sorted(lay.routes.items(), key=str):
        pts = [anchor(u, "out")]
        for d in chain[1:-1]:
            pts += [(lay.x[d], lay.y[d]), (lay.x[d] + NODE_W, lay.y[d])]
        pts.append(anchor(v, "in"))
        cross = band is not None and band.get(u) != band.get(v)
        style = ('class="edge edge-cross" fill="none" stroke="#7b3fa0" stroke-width="1.8"' if cross else
                 'class="edge" fill="none" stroke="#555" stroke-width="1.3"')
        parts.append(f'<path d="{_route_path(pts)}" {style} marker-end="url(#{uid}-{"p" if cross else "a"})"><title>'
                     f"{escape(u)} \u2192 {escape(v)}{' (across notes)' if cross else ''}</title></path>")
    for u, v in lay.back:
        x0, y0 = anchor(u, "out")
        x1, y1 = anchor(v, "in")
        bend = max(lay.y.values()) + 30 if lay.y else 0
        d = f"M{x0:.1f},{y0:.1f} C{x0 + 60:.1f},{bend:.1f} {x1 - 60:.1f},{bend:.1f} {x1:.1f},{y1:.1f}"
        parts.append(f'<path d="{d}" class="edge edge-cycle" fill="none" stroke="#c0392b" '
                     f'stroke-width="2" stroke-dasharray="8 4" marker-end="url(#{uid}-c)">'
                     f"<title>cycle: {escape(u)} \u2192 {escape(v)}</title></path>")
    parts.append('</g><g class="nodes">')
    for n in sorted(g.nodes, key=str):
        parts.append(_node_svg(str(n), claims.get(n), lay.x[n], lay.y[n],
                               SMALL_H if kinds[n] == "derivation-step" else NODE_H,
                               link_prefix, focus))
    parts.append("</g></svg>")
    if lay.back:  # make room below for the cycle arcs
        parts[0] = parts[0].replace(f'0 0 {lay.width:.0f} {lay.height:.0f}',
                                    f'0 0 {lay.width:.0f} {lay.height + 40:.0f}').replace(
            f'height="{lay.height:.0f}"', f'height="{lay.height + 40:.0f}"')
    return Markup("".join(parts))


def graph_svg(results: dict[str, Any], link_prefix: str = "claims/", groups: dict[str, str] | None = None,
              group_labels: dict[str, str] | None = None) -> Markup:
    """The whole dependency graph; node links are `link_prefix + <id>.html`. With `groups`
    (claim id -> group, say its note) one band per group, labelled by `group_labels`."""
    if groups is not None:
        return _render(results, build_graph(results), link_prefix, None, "n",
                       "dependency graph of all claims, one band per note", groups, group_labels)
    return _render(results, build_graph(results), link_prefix, None, "g",
                   "dependency graph of all claims")


_INDEX: list = []  # [(results, graph, claims by id)] for the results being rendered


def _indexed(results: dict[str, Any]) -> tuple[nx.DiGraph, dict]:
    """The graph and the claims by id of `results`, built once per results document (a page per
    claim would otherwise rebuild them: quadratic in the number of claims)."""
    if not _INDEX or _INDEX[0][0] is not results:
        claims = {c["id"]: c for c in results.get("claims") or [] if isinstance(c, dict) and "id" in c}
        _INDEX[:] = [(results, build_graph(results), claims)]
    return _INDEX[0][1], _INDEX[0][2]


def focus_svg(results: dict[str, Any], claim_id: str, link_prefix: str = "") -> Markup:
    """Only `claim_id`, what it rests on (ancestors) and what rests on it (descendants)."""
    g, _ = _indexed(results)
    if claim_id not in g:
        g = g.copy()
        g.add_node(claim_id)
    keep = {claim_id} | nx.ancestors(g, claim_id) | nx.descendants(g, claim_id)
    return _render(results, g.subgraph(keep).copy(), link_prefix, claim_id, "f",
                   f"claims {claim_id} rests on and claims resting on it")


def _swatch(kind: str, fill: str = "#fff", dash: bool = False) -> str:
    attrs = f'fill="{fill}" stroke="#222" stroke-width="1.3"' + (' stroke-dasharray="5 3"' if dash else "")
    h = SMALL_H * 0.5 if kind == "derivation-step" else 20
    return (f'<svg class="swatch" viewBox="-2 -13 60 26" width="60" height="26" aria-hidden="true">'
            f"{_shape(kind, 0, 0, 56, h, attrs)}</svg>")


def legend_html(results: dict[str, Any]) -> Markup:
    """Legend: shapes by kind, fills by status (with icon and word), borders and edges."""
    present_kinds = {str(c.get("kind")) for c in results.get("claims") or []}
    present_status = {str(c.get("status")) for c in results.get("claims") or []}
    items = ['<div class="legend"><div class="legend-group"><h4>Shape = kind</h4><ul>']
    for kind, shape in KIND_LABELS.items():
        if kind in present_kinds:
            items.append(f"<li>{_swatch(kind)}<span>{escape(kind)} ({shape})</span></li>")
    items.append('</ul></div><div class="legend-group"><h4>Fill = status (icon and word in the node)'
                 "</h4><ul>")
    for status in STATUS_LADDER:
        if status in present_status:
            fill, icon = STATUS_STYLE[status]
            items.append(f'<li>{_swatch("lemma", fill)}<span>{icon} {status}</span></li>')
    items.append('</ul></div><div class="legend-group"><h4>Border and edges</h4><ul>'
                 f'<li>{_swatch("lemma")}<span>solid border: foundation sound</span></li>'
                 f'<li>{_swatch("lemma", dash=True)}<span>dashed border: rests on a claim that does '
                 "not hold as expected</span></li>"
                 '<li><svg class="swatch" viewBox="0 0 60 26" width="60" height="26" aria-hidden="true">'
                 '<path d="M2,13 H52" stroke="#555" stroke-width="1.5"/><path d="M50,8 L58,13 L50,18z" '
                 'fill="#555"/></svg><span>arrow: lemma \u2192 claim that uses it</span></li>'
                 '<li><svg class="swatch" viewBox="0 0 60 26" width="60" height="26" aria-hidden="true">'
                 '<path d="M2,13 H56" stroke="#999" stroke-dasharray="2 3" stroke-width="1.5"/></svg>'
                 "<span>dotted: implied by other edges (shown with \u201call edges\u201d)</span></li>"
                 '<li><svg class="swatch" viewBox="0 0 60 26" width="60" height="26" aria-hidden="true">'
                 '<path d="M2,13 H56" stroke="#c0392b" stroke-dasharray="8 4" stroke-width="2"/></svg>'
                 "<span>red dashed: edge closing a cycle</span></li></ul></div></div>")
    return Markup("".join(items))
