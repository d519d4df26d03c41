"""The dependency graph as SVG, laid out by verify.report.layout (no Graphviz).

Nodes: shape by kind, fill by status, plus cues that do not rely on colour: a status icon and
word inside the node, a dashed border when the claim rests on a weak foundation. A node shows a
short title (its id and full title on hover) and links to the claim's page; ids referenced but
not present are grey "missing" boxes. Implied edges are hidden (``<g class="edges-extra">``)
until the page's "all edges" toggle shows them, edges closing a cycle are red, and grouped by
note (`groups=...`) each lecture is a band, with the edges between lectures in their own colour.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import networkx as nx
from markupsafe import Markup, escape

from . import statuses
from .layout import MARGIN, NODE_H, NODE_W, SMALL_H, build_graph, layout
from .statuses import STATUS_STYLE, UNKNOWN_STYLE

KIND_LABELS = {"definition": "rectangle", "lemma": "rounded box", "proposition": "hexagon",
               "theorem": "double hexagon", "corollary": "slanted box", "example": "ellipse",
               "derivation-step": "small pill"}
MAX_LABEL = 31


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


def page_name(name: str, prefix: str = "claim", whole: str = "") -> str:
    """File name of a page (a claim's, by its id): `name` itself when it is a safe file name, else
    `prefix-` and a digest of `whole` (default: `name`)."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,150}", name):
        return f"{name}.html"
    return f"{prefix}-" + hashlib.sha256((whole or name).encode()).hexdigest()[:16] + ".html"


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
    text = f"{STATUS_STYLE.get(status, UNKNOWN_STYLE)[1]} {status}"
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
    fill = STATUS_STYLE.get(status, UNKNOWN_STYLE)[0]
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
    statuses.use(results)
    claims = _indexed(results)[1]
    kinds = {n: str((claims.get(n) or {}).get("kind") or "") for n in g.nodes}
    band = None
    names: list[str] = []
    if groups is not None:
        names = sorted({groups.get(str(n), "") for n in g.nodes}, key=lambda k: (k == "", k))
        band = {n: names.index(groups.get(str(n), "")) for n in g.nodes}
    lay = layout(g, kinds, band)

    def anchor(n: Any, side: str) -> tuple[float, float]:
        x = lay.x[n] + (NODE_W if side == "out" else 0)
        return (x, lay.y[n])

    height = lay.height + (40 if lay.back else 0)  # room below for the cycle arcs
    parts = [f'<svg class="depgraph" viewBox="0 0 {lay.width:.0f} {height:.0f}" '
             f'width="{lay.width:.0f}" height="{height:.0f}" role="group" '
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
    return Markup("".join(parts))


def graph_svg(results: dict[str, Any], link_prefix: str = "claims/", groups: dict[str, str] | None = None,
              group_labels: dict[str, str] | None = None) -> Markup:
    """The whole dependency graph; node links are `link_prefix + <id>.html`. With `groups`
    (claim id -> group, say its note) one band per group, labelled by `group_labels`."""
    return _render(results, build_graph(results), link_prefix, None, "g" if groups is None else "n",
                   "dependency graph of all claims" + ("" if groups is None else ", one band per note"),
                   groups, group_labels)


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
    statuses.use(results)
    present_kinds = {str(c.get("kind")) for c in results.get("claims") or []}
    present_status = {str(c.get("status")) for c in results.get("claims") or []}
    items = ['<div class="legend"><div class="legend-group"><h4>Shape = kind</h4><ul>']
    for kind, shape in KIND_LABELS.items():
        if kind in present_kinds:
            items.append(f"<li>{_swatch(kind)}<span>{escape(kind)} ({shape})</span></li>")
    items.append('</ul></div><div class="legend-group"><h4>Fill = status (icon and word in the node)'
                 "</h4><ul>")
    for status in statuses.LADDER:
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
