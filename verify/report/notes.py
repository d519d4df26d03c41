"""The lecture notes as pages of the report, each claim anchored at its place.

`build_notes(results, notes_dir)` reads every note the claims cite (verify.sources), renders it
and finds its theorem-like passages (note_text.py), and anchors each located claim at its span:
the span is marked in the text, and a card in the margin gives the claim's status and links to its
page; a claim that records an erratum (the note, as written, is false) is marked as such, with the
erratum's id, the corrected statement and the counterexample one click away. The passages no claim
covers are listed as "not yet claimed", the figures go to the index. `proof_citations` compares
the passages a note's proofs cite with the claims' `uses`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any, Optional

from markupsafe import Markup

from verify.sources import Location, NoteText, load_note, note_files, notes_notice, resolve
from .graph_svg import page_name
from .math import to_mathml
from .note_text import Block, Passage, find_passages, inline_tokens, note_blocks, render_inline
from .statuses import badge


def note_page_name(note_name: str) -> str:
    """The page of a note in the report's notes/ folder."""
    return page_name(Path(note_name).stem, "note", note_name)


@dataclass
class Anchored:
    """A claim located in a note: the claim record and its location (file and clean offsets)."""

    claim: dict[str, Any]
    location: Location
    start: int
    end: int

    @property
    def id(self) -> str:
        return str(self.claim["id"])

    @property
    def erratum(self) -> bool:
        return self.claim.get("expect") == "fails"


@dataclass
class NotePage:
    name: str
    page: str
    title: str
    lines: int
    html: Markup = Markup("")
    anchored: list[Anchored] = field(default_factory=list)
    unlocated: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)

    @property
    def covered(self) -> int:
        return sum(1 for p in self.passages if p.covered)

    @property
    def uncovered(self) -> list[Passage]:
        return [p for p in self.passages if not p.covered]

    @property
    def errata(self) -> list[Anchored]:
        return [a for a in self.anchored if a.erratum]

    def percent(self) -> Optional[float]:
        return round(100 * self.covered / len(self.passages), 1) if self.passages else None


@dataclass
class NotesSite:
    """Everything the report needs about the notes. `available` is False when no notes folder
    is configured or it is missing (`notice` then says which, once)."""

    available: bool
    notice: Optional[str] = None
    pages: list[NotePage] = field(default_factory=list)
    by_claim: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def passages(self) -> int:
        return sum(len(p.passages) for p in self.pages)

    @property
    def covered(self) -> int:
        return sum(p.covered for p in self.pages)

    def percent(self) -> Optional[float]:
        return round(100 * self.covered / self.passages, 1) if self.passages else None

    def methods(self) -> dict[str, int]:
        counts = {"verbatim": 0, "fuzzy": 0, "span": 0}
        for info in self.by_claim.values():
            if info.get("location") is not None:
                counts[info["location"].method] += 1
        return counts


def _to_clean(note: NoteText, file_offset: int) -> int:
    return bisect.bisect_left(note.origin, file_offset)


def _margin_card(a: Anchored, by_id: dict[str, dict[str, Any]], counterexample) -> str:
    c = a.claim
    status = str(c.get("status") or "")
    href = "../claims/" + page_name(a.id)
    loc = a.location
    how = {"verbatim": "quoted verbatim", "fuzzy": f"located by fuzzy match, score {loc.score:.2f}",
           "span": "span given in the claim"}[loc.method]
    title = f"{a.id}: {c.get('title') or ''} \u2014 {status}; {loc.note}:{loc.span_text} ({how})"
    cls = "ncard" + (" ncard-erratum" if a.erratum else "")
    parts = [f'<div class="{cls}" id="claim-{escape(a.id)}" data-claim="{escape(a.id)}">',
             f'<a class="ncard-link" href="{escape(href)}" title="{escape(title)}">{badge(status)} '
             f'<code>{escape(a.id)}</code></a>']
    if a.erratum:
        tag = escape(str(c.get("erratum") or "erratum"))
        parts.append(f'<span class="tag tag-bad">{tag}</span>')
        if status == "refuted":
            parts.append('<span class="tag tag-ok">refuted, as expected</span>')
        details = []
        fixed = by_id.get(str(c.get("corrected_by") or ""))
        if fixed:
            details.append(f'<p class="nfix"><strong>Corrected:</strong> <a href="../claims/'
                           f'{escape(page_name(str(fixed["id"])))}"><code>{escape(str(fixed["id"]))}</code></a> '
                           f'{badge(str(fixed.get("status") or ""))}</p>'
                           f'<div class="nfix-statement">{to_mathml(fixed.get("statement") or "", display=True)}</div>')
        cx = next((chk.get("counterexample") for chk in c.get("checks") or []
                   if isinstance(chk, dict) and chk.get("outcome") == "refuted" and chk.get("counterexample")),
                  None)
        if cx:
            details.append(str(counterexample(cx, c)))
        if details:
            parts.append('<details class="nerr"><summary>correction and counterexample</summary>'
                         + "".join(details) + "</details>")
    for e in c.get("errata") or []:
        if isinstance(e, dict) and e.get("id"):
            parts.append(f'<details class="nann"><summary><span class="tag">{escape(str(e["id"]))}</span> '
                         f'{escape(str(e.get("kind") or ""))}</summary><p>{escape(str(e.get("text") or ""))}</p>'
                         "</details>")
    parts.append("</div>")
    return "".join(parts)


def _render_note(note: NoteText, blocks: list[Block], anchored: list[Anchored],
                 passages: list[Passage], by_id: dict[str, dict[str, Any]], counterexample) -> Markup:
    clean = note.clean
    starts = [b.start for b in blocks]

    def block_of(offset: int) -> int:
        k = bisect.bisect_right(starts, offset) - 1
        if k < 0:
            return 0
        if offset >= blocks[k].end and k + 1 < len(blocks):
            return k + 1
        return k

    cards: dict[int, list[str]] = {}
    for a in sorted(anchored, key=lambda a: (a.start, a.id)):
        cards.setdefault(block_of(a.start), []).append(_margin_card(a, by_id, counterexample))
    open_passages: dict[int, list[Passage]] = {}
    for p in passages:
        open_passages.setdefault(block_of(p.start), []).append(p)

    def claimed(ids: tuple[str, ...], cls: str = "") -> str:
        """The attributes that mark text the claims `ids` cover (an erratum's in its own colour)."""
        err = any(a.erratum for a in anchored if a.id in ids)
        return f'class="{cls}claimed{" erratum" if err else ""}" data-claims="{escape(" ".join(ids))}"'

    html: list[str] = ['<div class="note-text">']
    for k, b in enumerate(blocks):
        cuts = [x for an in anchored for x in (an.start, an.end) if b.start < x < b.end]
        toks = inline_tokens(clean[b.start:b.end], b.start, cuts)
        pieces: list[str] = []
        current: tuple[str, ...] = ()
        for t in toks:
            ids = tuple(sorted(a.id for a in anchored if t.start < a.end and t.end > a.start))
            if t.kind == "display" or not t.html.strip():  # a display is marked as a block
                if current:
                    pieces.append("</mark>")
                    current = ()
                if ids and t.kind == "display":
                    pieces.append(f'<span {claimed(ids, "dmark ")}>{t.html}</span>')
                else:
                    pieces.append(t.html)
                continue
            if ids != current:
                if current:
                    pieces.append("</mark>")
                if ids:
                    pieces.append(f"<mark {claimed(ids)}>")
                current = ids
            pieces.append(t.html)
        if current:
            pieces.append("</mark>")
        body = "".join(pieces)
        if b.kind == "heading":
            level = min(max(b.level, 2), 4)
            inner = f"<h{level}>{body}</h{level}>"
        elif b.kind == "item":
            inner = (f'<p class="nitem" style="--level:{b.level}"><span class="nmarker">'
                     f"{escape(b.marker)}</span> {body}</p>")
        elif b.kind == "display":
            inner = f'<div class="ndisplay">{body}</div>'
        else:
            inner = f'<p style="--level:{b.level}">{body}</p>'
        ps = open_passages.get(k, [])
        margin = "".join(cards.get(k, []))
        for p in ps:
            if not p.covered:
                margin += (f'<div class="ncard ncard-open"><span class="tag">not yet claimed</span> '
                           f"{render_inline(p.label)}</div>")
        cls = "nblock" + (" gap" if b.gap else "") + (" has-cards" if margin else "")
        ids = "".join(f'<span id="{escape(p.anchor)}" class="nanchor"></span>' for p in ps)
        line = note.line_col(note.to_file(b.start))[0]
        html.append(f'<div class="{cls}" data-line="{line}">{ids}<div class="nbody">{inner}</div>'
                    + (f'<aside class="nmargin">{margin}</aside>' if margin else "") + "</div>")
    html.append("</div>")
    return Markup("".join(html))


def build_notes(results: dict[str, Any], notes_dir: Optional[Path], counterexample) -> NotesSite:
    """The notes site for `results`: a page per note (every note in the folder that a claim
    cites, and every other note of the folder too), each claim's location, the coverage;
    `counterexample(cx, claim)` renders an erratum's counterexample in its margin card."""
    if notes_dir is None:
        return NotesSite(available=False)
    notice = notes_notice(Path(notes_dir))
    if notice is not None:
        return NotesSite(available=False, notice=notice)
    claims = [c for c in results.get("claims") or [] if isinstance(c, dict) and "id" in c]
    by_id = {str(c["id"]): c for c in claims}
    site = NotesSite(available=True)
    pages: dict[str, NotePage] = {}
    notes: dict[str, NoteText] = {}
    for path in note_files(Path(notes_dir)):
        note = load_note(path)
        notes[path.name] = note
        pages[path.name] = NotePage(path.name, note_page_name(path.name), note.title, note.lines)
    for c in sorted(claims, key=lambda c: str(c["id"])):
        source = c.get("source") or {}
        name = source.get("note") if isinstance(source, dict) else None
        res = resolve(source, Path(notes_dir))
        info: dict[str, Any] = {"location": None, "problem": res.problem}
        if name in pages and res.location is not None and res.problem is None:
            note = notes[name]
            a = Anchored(c, res.location, _to_clean(note, res.location.start), _to_clean(note, res.location.end))
            pages[name].anchored.append(a)
            info.update(location=res.location, page=pages[name].page, anchor=f"claim-{c['id']}")
        elif name in pages:
            pages[name].unlocated.append((c, res.problem or "not located"))
        site.by_claim[str(c["id"])] = info
    for name, page in pages.items():
        note = notes[name]
        blocks = note_blocks(note.clean)
        page.passages = find_passages(note, blocks)
        for p in page.passages:
            p.claims = sorted({a.id for a in page.anchored for (ps, pe) in p.spans()
                               if a.start < pe and a.end > ps})
        page.html = _render_note(note, blocks, page.anchored, page.passages, by_id, counterexample)
    site.pages = [pages[n] for n in sorted(pages)]
    return site


# --------------------------------------------------------------------------------------------
# The note's proofs against the graph
# --------------------------------------------------------------------------------------------

_CITED = re.compile(r"\b(?P<kw>Lemma|Theorem|Proposition|Corollary|Definition)\s+(?P<num>\d+(?:\.\d+)+)"
                    r"|\b(?P<kw2>lemma|theorem|proposition|corollary|definition)\s*\((?P<num2>\d+(?:\.\d+)*)\)",
                    re.I)


def proof_citations(claims: list[Any], notes_dir: Optional[Path]) -> list[tuple[Any, str]]:
    """Where a note's statement or proof that a claim covers cites another passage of the note
    ("Lemma 6.4", "the previous lemma (6.4)") and a claim covers that passage, but the citing
    claim does not list it in `uses`: (claim, message) pairs. `claims` are verify.model.Claim
    objects; claims recording an erratum are never the cited ones."""
    if notes_dir is None or not Path(notes_dir).is_dir():
        return []
    located: dict[str, tuple[str, int, int]] = {}
    notes: dict[str, tuple[NoteText, list[Passage]]] = {}
    for c in claims:
        res = resolve(c.source, Path(notes_dir))
        if res.location is None or res.problem is not None:
            continue
        name = res.location.note
        if name not in notes:
            note = load_note(Path(notes_dir) / name)
            notes[name] = (note, find_passages(note, note_blocks(note.clean)))
        note = notes[name][0]
        located[c.id] = (name, _to_clean(note, res.location.start), _to_clean(note, res.location.end))
    by_id = {c.id: c for c in claims}
    out: list[tuple[Any, str]] = []
    for c in claims:
        if c.id not in located or c.expect == "fails":
            continue
        name, a, b = located[c.id]
        note, passages = notes[name]

        def covers(cid: str, p: Passage) -> bool:
            n, s, e = located[cid]
            return n == name and any(s < pe and e > ps for ps, pe in p.spans())

        for p in passages:
            if p.kind == "equation" or not covers(c.id, p):
                continue
            for m in _CITED.finditer(note.clean[p.start:p.end]):
                label = f"{(m.group('kw') or m.group('kw2')).capitalize()} {m.group('num') or m.group('num2')}"
                if label == p.label:
                    continue
                for q in passages:
                    if q.label != label:
                        continue
                    owners = sorted(o for o in located if o != c.id and by_id[o].expect != "fails"
                                    and covers(o, q))
                    if owners and not set(owners) & set(c.uses):
                        out.append((c, f"the note's {p.label} (line {p.line}) cites {label} (line {q.line}), "
                                       f"claimed by {', '.join(owners)}, which {c.id} does not use"))
    return out
