"""A theorem's proof outline: its calc chains and the claims it uses, nested as the proof uses
them, each line with its status.

For a claim: each calc chain (a check with steps) is a line with the chain's outcome, then its
steps, each with its own outcome; a step justified `by` a claim nests that claim, whose own
outline follows beneath it. The claims in `uses` that no step cites come after, each nested the
same way. A claim already outlined higher up is named, not expanded again; depth is bounded.
"""

from __future__ import annotations

from html import escape
from typing import Any

from markupsafe import Markup

from .graph_svg import page_name
from .math import to_mathml
from .statuses import badge

REL_LATEX = {"==": "=", "=": "=", "<=": r"\le", "<": "<", ">=": r"\ge", ">": ">", "!=": r"\ne"}


def _claim_line(cid: str, by_id: dict[str, dict[str, Any]], root: str) -> str:
    c = by_id.get(cid)
    if c is None:
        return f'<code class="missing">{escape(cid)}</code> <span class="badge st-missing small">\u2205 missing</span>'
    extra = ""
    if c.get("expect") == "fails":
        extra = ' <span class="tag" title="an erratum: the note as written is false">erratum</span>'
    elif c.get("as_expected") is False:
        extra = ' <span class="tag tag-bad">not as expected</span>'
    return (f'<a href="{escape(root + "claims/" + page_name(cid))}"><code>{escape(cid)}</code></a> '
            f'{badge(c.get("status"))}{extra} <span class="otitle">{escape(str(c.get("title") or ""))}</span>')


def _outline(cid: str, by_id: dict[str, dict[str, Any]], root: str, depth: int, seen: set[str]) -> list[str]:
    """The <li> items of `cid`'s outline (empty when it has no chain and uses nothing)."""
    c = by_id.get(cid) or {}
    items: list[str] = []
    cited: set[str] = set()
    for chk in c.get("checks") or []:
        if not isinstance(chk, dict) or not chk.get("steps"):
            continue
        lines = []
        first = chk.get("first_latex") or chk.get("checked_latex")
        if first:
            lines.append(f'<li><span class="oline"><span class="orel"></span><span class="oexpr">'
                         f'{to_mathml(first)}</span></span></li>')
        for step in chk.get("steps") or []:
            if not isinstance(step, dict):
                continue
            rel = to_mathml(REL_LATEX.get(str(step.get("rel")), str(step.get("rel") or "")))
            expr = to_mathml(step["checked_latex"]) if step.get("checked_latex") else \
                Markup(f"<code>{escape(str(step.get('expr') or ''))}</code>")
            why = f' <em class="otitle">{escape(str(step["why"]))}</em>' if step.get("why") else ""
            sub = ""
            by = step.get("by")
            if by:
                cited.add(str(by))
                inner = _nested(str(by), by_id, root, depth, seen)
                sub = f'<ol><li><span class="oline">by {_claim_line(str(by), by_id, root)}</span>{inner}</li></ol>'
            lines.append(f'<li><span class="oline"><span class="orel">{rel}</span><span class="oexpr">{expr}</span>'
                         f'{badge(step.get("outcome"))}{why}</span>{sub}</li>')
        name = escape(str(chk.get("name") or "calc chain"))
        items.append(f'<li><span class="oline"><strong>{name}</strong> {badge(chk.get("outcome"))}</span>'
                     f'<ol>{"".join(lines)}</ol></li>')
    for used in c.get("uses") or []:
        if str(used) in cited:
            continue
        inner = _nested(str(used), by_id, root, depth, seen)
        items.append(f'<li><span class="oline">uses {_claim_line(str(used), by_id, root)}</span>{inner}</li>')
    return items


def _nested(cid: str, by_id: dict[str, dict[str, Any]], root: str, depth: int, seen: set[str]) -> str:
    if cid in seen:
        return '<div class="oseen">outlined above</div>' if by_id.get(cid, {}).get("uses") else ""
    seen.add(cid)
    if depth <= 1:
        more = by_id.get(cid, {}).get("uses")
        return f'<div class="oseen">rests on {len(more)} more: see its page</div>' if more else ""
    items = _outline(cid, by_id, root, depth - 1, seen)
    return f'<ol>{"".join(items)}</ol>' if items else ""


def proof_outline(claim: dict[str, Any], by_id: dict[str, dict[str, Any]], root: str = "../",
                  depth: int = 4) -> Markup:
    """The outline of `claim` as nested lists (empty markup when there is nothing to outline)."""
    cid = str(claim.get("id"))
    seen = {cid}
    items = _outline(cid, {**by_id, cid: claim}, root, depth, seen)
    return Markup(f'<ol class="outline">{"".join(items)}</ol>') if items else Markup("")
