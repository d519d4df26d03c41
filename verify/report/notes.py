"""The lecture notes as pages of the report, each claim anchored at its place.

`build_notes(results, notes_dir)` reads every note the claims cite (verify.sources), renders it
(its Markdown and LaTeX: headings, lists, emphasis, `$...$` and `$$...$$` as MathML, offline),
and anchors each located claim at its span: the span is marked in the text, and a card in the
margin gives the claim's status and links to its page; a claim that records an erratum (the note,
as written, is false) is marked as such, with the erratum's id, the corrected statement and the
counterexample one click away.

It also finds the note's theorem-like passages (Theorem, Lemma, Proposition, Corollary,
Definition, Remark, Hypothesis, and numbered displayed equations) and says which a claim covers:
the uncovered ones are listed on the page as "not yet claimed", the figures go to the index.

Everything is escaped: the note's text is data. Only MathML from `to_mathml` (whitelisted) and
the markup built here are HTML.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any, Optional

from markupsafe import Markup

from verify.sources import Location, NoteText, load_note, notes_notice, resolve
from .graph_svg import STATUS_STYLE, page_name
from .math import to_mathml

__all__ = ["NotesSite", "NotePage", "Passage", "build_notes", "render_inline", "note_page_name"]

_KEYWORDS = ("Theorem", "Lemma", "Proposition", "Corollary", "Definition", "Remark", "Hypothesis")
_KEYWORD_AT_START = re.compile(
    r"^(?:[-*•]\s+|\d+\.\s+)?[*_]*(?P<kw>" + "|".join(_KEYWORDS) + r")\b(?P<num>\s*[0-9]+(?:\.[0-9]+)*)?"
    r"(?P<rest>.*)$", re.S)
_KEYWORD_STATES = re.compile(
    r"(?:^|(?<=\. ))(?P<kw>Theorem|Lemma|Proposition|Corollary)\s+(?P<num>[0-9]+(?:\.[0-9]+)*)"
    r"(?:\s+of\s+\[[^\]]{1,60}\])?\s+states\b")
_EQ_TAG = re.compile(r"(?:\\tag\{(?P<t1>[0-9.]+)\}\s*\$\$|\$\$\s*\((?P<t2>[0-9.]+)\)|"
                     r"(?<=[.\w)])\s+\((?P<t3>[0-9]+(?:\.[0-9]+)?)\))\s*$")


def note_page_name(note_name: str) -> str:
    """The page of a note in the report's notes/ folder."""
    stem = Path(note_name).stem
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,150}", stem):
        return f"{stem}.html"
    import hashlib
    return "note-" + hashlib.sha256(note_name.encode()).hexdigest()[:16] + ".html"


# --------------------------------------------------------------------------------------------
# Inline Markdown and LaTeX
# --------------------------------------------------------------------------------------------

_INLINE = re.compile(r"""
    (?P<dd>\$\$(?P<dtex>.+?)\$\$)
  | (?P<d>\$(?P<tex>[^$]+?)\$)
  | (?P<b>\*\*)
  | (?P<i>\*)
  | (?P<link>\[(?P<ltext>[^\]\n]{1,300})\]\((?P<url>[^)\s]{0,300})\))
  | (?P<tag></?(?:sup|sub)>)
  | (?P<cmd>\\[A-Za-z]+(?:\{[^{}$]{0,80}\})*(?:[_^](?:\{[^{}$]{0,40}\}|[A-Za-z0-9*]))*)
  | (?P<text>[^$*\[<\\]+|.)""", re.X | re.S)


@dataclass
class _Tok:
    start: int            # offsets in the text the tokens were made from
    end: int
    html: str
    kind: str = "text"    # text, math, display


def _pairs(text: str, marker: str) -> set[int]:
    """Positions of `marker` that pair up (an unpaired last one is literal text)."""
    if marker == "**":
        found = [m.start() for m in re.finditer(r"\*\*", text)]
    else:
        found = [m.start() for m in re.finditer(r"(?<!\*)\*(?!\*)", text)]
    if len(found) % 2:
        found = found[:-1]
    return set(found)


def _tokens(text: str, base: int = 0, cuts: Optional[list[int]] = None) -> list[_Tok]:
    """`text` as self-contained HTML pieces (each carries its own emphasis), with offsets; runs
    of plain text are also cut at the offsets `cuts` (where a marked span begins or ends)."""
    bold_at, ital_at = _pairs(text, "**"), _pairs(text, "*")
    bold = ital = False
    sup: list[str] = []
    out: list[_Tok] = []
    for m in _INLINE.finditer(text):
        a, b = m.start() + base, m.end() + base
        kind = m.lastgroup
        if kind in ("dd", "d"):
            tex = _tex(m.group("dtex") if kind == "dd" else m.group("tex"))
            out.append(_Tok(a, b, str(to_mathml(tex, display=kind == "dd")),
                            "display" if kind == "dd" else "math"))
            continue
        if kind == "b" and m.start() in bold_at:
            bold = not bold
            continue
        if kind == "i" and m.start() in ital_at:
            ital = not ital
            continue
        if kind == "tag":
            tag = m.group(0)
            if tag.startswith("</"):
                if sup and sup[-1] == tag[2:-1]:
                    sup.pop()
            else:
                sup.append(tag[1:-1])
            continue
        if kind == "cmd":
            html = _loose_command(m.group("cmd"))
            out.append(_Tok(a, b, html, "math"))
            continue
        piece = m.group("ltext") if kind == "link" else m.group(0)
        if out and out[-1].kind == "display" and re.fullmatch(r"\s*\([0-9]+(?:\.[0-9]+)*\)\s*", piece):
            out.append(_Tok(a, b, f'<span class="eqno">{escape(piece.strip())}</span>', "text"))
            continue
        inner = sorted({c for c in cuts or () if a < c < b}) if kind == "text" else []
        for s, e in zip([a, *inner], [*inner, b]):
            html = escape(piece[s - a:e - a] if kind == "text" else piece)
            for t in sup:
                html = f"<{t}>{html}</{t}>"
            if ital:
                html = f"<em>{html}</em>"
            if bold:
                html = f"<strong>{html}</strong>"
            out.append(_Tok(s, e, html, "text"))
    return out


def _tex(latex: str) -> str:
    """The note's LaTeX, in what the converter reads: `aligned` as `split` (same layout)."""
    latex = re.sub(r"\\(begin|end)\{aligned\}", r"\\\1{split}", latex)
    return latex.replace("\\operatorname*{", "\\operatorname{")


def _loose_command(cmd: str) -> str:
    """A LaTeX command in the running text (outside `$`, an extraction's leftover) as math;
    when it does not convert, its name without the backslash."""
    html = str(to_mathml(cmd))
    if "latex-failed" in html:
        return escape(re.sub(r"\\([A-Za-z]+)", r"\1", cmd))
    return html


def render_inline(text: str) -> Markup:
    """A piece of a note (a quote) as HTML: emphasis and math, everything else escaped."""
    return Markup("".join(t.html for t in _tokens(text or "")))


# --------------------------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------------------------

@dataclass
class _Block:
    kind: str              # heading, para, item, display
    start: int             # clean offsets of the content (markers excluded)
    end: int
    line_start: int        # clean offset of the block's first line
    level: int = 0
    marker: str = ""
    gap: bool = False      # a blank line before it


_HEADING = re.compile(r"(#{1,6})\s+(.*)")
_NUM_HEADING = re.compile(r"(\d+(?:\.\d+){0,3})\s+[A-Z][^.!?]{0,70}")
_ITEM = re.compile(r"(\s*)([-*•]|\d+(?:\.\d+)*\.)\s+(?=\S)")
_LISTNUM = re.compile(r"\s*(\d+)\.\s+\1\.\s*")


def _blocks(clean: str) -> list[_Block]:
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in clean.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    out: list[_Block] = []
    gap = False
    pending = ""
    i = 0
    while i < len(lines):
        at, line = lines[i]
        stripped = line.strip()
        if not stripped:
            gap = True
            i += 1
            continue
        lead = len(line) - len(line.lstrip())
        if _LISTNUM.fullmatch(line):
            pending = line.strip().split()[0]
            i += 1
            continue
        if stripped.startswith("$$") and stripped.count("$$") % 2 == 1:  # a display over lines
            j = i + 1
            while j < len(lines) and "$$" not in lines[j][1]:
                j += 1
            j = min(j, len(lines) - 1)
            end = lines[j][0] + len(lines[j][1])
            out.append(_Block("display", at + lead, end, at, gap=gap))
            gap = False
            i = j + 1
            continue
        m = _HEADING.fullmatch(stripped)
        if m:
            out.append(_Block("heading", at + lead + len(m.group(1)) + 1, at + len(line.rstrip()), at,
                              level=len(m.group(1)), gap=gap))
        elif _NUM_HEADING.fullmatch(stripped) and gap and len(stripped) < 80:
            out.append(_Block("heading", at + lead, at + len(line.rstrip()), at,
                              level=min(2 + stripped.split()[0].count("."), 4), gap=gap))
        elif stripped in ("References",):
            out.append(_Block("heading", at + lead, at + len(line.rstrip()), at, level=2, gap=gap))
        else:
            mi = _ITEM.match(line)
            if mi and not (mi.group(2) in "*-" and stripped.startswith(("**", "--"))):
                marker = "•" if mi.group(2) in "-*•" else mi.group(2)
                out.append(_Block("item", at + mi.end(), at + len(line.rstrip()), at,
                                  level=len(mi.group(1)) // 2, marker=marker, gap=gap))
            elif stripped.startswith("$$") and re.search(r"\$\$\s*(\([0-9.]+\))?\s*$", stripped):
                out.append(_Block("display", at + lead, at + len(line.rstrip()), at, gap=gap))
            else:
                out.append(_Block("para", at + lead, at + len(line.rstrip()), at, gap=gap,
                                  level=min(lead // 4, 2)))
        if pending and out:
            out[-1].marker, out[-1].kind = out[-1].marker or pending, ("item" if out[-1].kind == "para"
                                                                       else out[-1].kind)
            pending = ""
        gap = False
        i += 1
    return out


# --------------------------------------------------------------------------------------------
# Passages and coverage
# --------------------------------------------------------------------------------------------

@dataclass
class Passage:
    """A theorem-like passage of a note: where (clean offsets), what, and the claims on it."""

    kind: str             # theorem, lemma, ..., equation
    label: str            # "Theorem 6.7", "equation (6.2)"
    start: int
    end: int
    line: int
    excerpt: str
    anchor: str = ""
    claims: list[str] = field(default_factory=list)
    repeats: int = 1      # the same passage again later (slides built up frame by frame)
    also: list[tuple[int, int]] = field(default_factory=list)   # where it is repeated

    def spans(self) -> list[tuple[int, int]]:
        return [(self.start, self.end), *self.also]

    @property
    def covered(self) -> bool:
        return bool(self.claims)


def _excerpt(text: str, limit: int = 170) -> str:
    """The start of `text` on one line, cut at a word outside math (formulas stay whole, and
    inline)."""
    text = re.sub(r"\$\$(.+?)\$\$", lambda m: "$" + m.group(1) + "$", re.sub(r"\s+", " ", text).strip())
    if len(text) <= limit:
        return text
    cut = 0
    for m in re.finditer(r"\$\$.+?\$\$|\$[^$]+?\$|\S+", text):
        if m.end() > limit and cut:
            break
        cut = m.end()
    return text[:cut].rstrip(" ,;:") + " \u2026"


_PROOF = re.compile(r"^[*_]*(?:Proof|Proof sketch)\b")
_QED = re.compile(r"□|\\square|\\qed|∎")


def _passages(note: NoteText, blocks: list[_Block]) -> list[Passage]:
    """The theorem-like passages: a block that opens with a keyword (with what states it: a bare
    label takes the next paragraphs, a statement ending in ":" its displays, and the proof that
    follows), a sentence "Theorem N (of [ref]) states", a numbered displayed equation."""
    clean = note.clean
    out: list[Passage] = []

    def line_of(clean_offset: int) -> int:
        return note.line_col(note.to_file(clean_offset))[0]

    def text_of(j: int) -> str:
        return clean[blocks[j].start:blocks[j].end]

    for k, b in enumerate(blocks):
        text = text_of(k)
        m = _KEYWORD_AT_START.match(text) if b.kind in ("para", "item", "heading") else None
        after = m.group("rest").lstrip()[:1] if m else ""
        if m and (m.group("num") or after in ("", "(", ":", ".", "*", "[", "_") or
                  (m.group("kw") == "Remark" and len(text) < 90)):
            kw = m.group("kw")
            num = (m.group("num") or "").strip()
            end = b.end
            j = k + 1
            said = re.sub(r"[^A-Za-z]+", "", m.group("rest"))
            # a bare label ("**Theorem 6.7.** [1]", "Remark on ...", "Theorem" alone) takes what follows
            while len(said) < 40 and j < len(blocks) and j <= k + 3 and \
                    blocks[j].kind in ("para", "item", "display") and not _KEYWORD_AT_START.match(text_of(j)):
                end = blocks[j].end
                said += re.sub(r"[^A-Za-z]+", "", text_of(j))
                j += 1
            while j < len(blocks) and blocks[j].kind == "display" and \
                    clean[b.start:end].rstrip().rstrip("*_").endswith(":"):
                end = blocks[j].end
                j += 1
            if j < len(blocks) and _PROOF.match(text_of(j)):  # and its proof
                while j < len(blocks) and blocks[j].kind != "heading":
                    end = blocks[j].end
                    if _QED.search(text_of(j)):
                        break
                    j += 1
                    if j < len(blocks) and _KEYWORD_AT_START.match(text_of(j)):
                        break
            label = f"{kw} {num}".strip()
            if kw == "Remark" and not num:
                label = _excerpt(re.sub(r"\*", "", text), 70).rstrip(".")
            out.append(Passage(kw.lower(), label, b.start, end, line_of(b.start),
                               _excerpt(" ".join(text_of(i) for i in range(k, j) if i < len(blocks)
                                                 and blocks[i].start < end)[:600])))
        elif b.kind in ("para", "item"):
            for s in _KEYWORD_STATES.finditer(text):
                kw, num = s.group("kw"), s.group("num")
                end = b.end
                j = k + 1
                while j < len(blocks) and blocks[j].kind == "display" and \
                        clean[b.start:end].rstrip().endswith(":"):
                    end = blocks[j].end
                    j += 1
                out.append(Passage(kw.lower(), f"{kw} {num}", b.start + s.start(), end,
                                   line_of(b.start + s.start()), _excerpt(text[s.start():])))
        tag = _EQ_TAG.search(text) if b.kind in ("display", "para") else None
        if tag:
            number = tag.group("t1") or tag.group("t2") or tag.group("t3")
            if b.kind == "display" or len(text) < 400:
                out.append(Passage("equation", f"equation ({number})", b.start, b.end, line_of(b.start),
                                   _excerpt(text, 120)))
    # the same passage again (a slide shown frame by frame, a theorem cited twice) counts once:
    # it is covered when a claim covers any of its occurrences
    seen: dict[Any, Passage] = {}
    unique: list[Passage] = []
    for p in out:
        numbered = bool(re.search(r"\d", p.label))
        key = p.label if numbered else (p.label, re.sub(r"\W+", "", clean[p.start:p.end])[:400])
        if key in seen:
            seen[key].repeats += 1
            seen[key].also.append((p.start, p.end))
            continue
        seen[key] = p
        unique.append(p)
    for n, p in enumerate(unique, 1):
        p.anchor = f"passage-{n}"
    return unique


# --------------------------------------------------------------------------------------------
# The note's page
# --------------------------------------------------------------------------------------------

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
    folder: str = ""

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


def _badge(status: str, extra: str = "") -> str:
    icon = STATUS_STYLE.get(status, ("", "\u00b7"))[1]
    token = re.sub(r"[^a-z0-9-]", "-", status.lower() or "none")
    return f'<span class="badge st-{token} small{extra}">{escape(icon)} {escape(status or "none")}</span>'


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
             f'<a class="ncard-link" href="{escape(href)}" title="{escape(title)}">{_badge(status)} '
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
                           f'{_badge(str(fixed.get("status") or ""))}</p>'
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


def _render_note(note: NoteText, blocks: list[_Block], anchored: list[Anchored],
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

    html: list[str] = ['<div class="note-text">']
    for k, b in enumerate(blocks):
        cuts = [x for an in anchored for x in (an.start, an.end) if b.start < x < b.end]
        toks = _tokens(clean[b.start:b.end], b.start, cuts)
        pieces: list[str] = []
        current: tuple[str, ...] = ()
        for t in toks:
            ids = tuple(sorted(a.id for a in anchored if t.start < a.end and t.end > a.start))
            if t.kind == "display" or not t.html.strip():  # a display is marked as a block
                if current:
                    pieces.append("</mark>")
                    current = ()
                if ids and t.kind == "display":
                    err = any(a.erratum for a in anchored if a.id in ids)
                    pieces.append(f'<span class="dmark claimed{" erratum" if err else ""}" '
                                  f'data-claims="{escape(" ".join(ids))}">{t.html}</span>')
                else:
                    pieces.append(t.html)
                continue
            if ids != current:
                if current:
                    pieces.append("</mark>")
                if ids:
                    err = any(a.erratum for a in anchored if a.id in ids)
                    pieces.append(f'<mark class="claimed{" erratum" if err else ""}" '
                                  f'data-claims="{escape(" ".join(ids))}">')
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


def build_notes(results: dict[str, Any], notes_dir: Optional[Path], counterexample=None) -> NotesSite:
    """The notes site for `results`: a page per note (every note in the folder that a claim
    cites, and every other note of the folder too), each claim's location, the coverage."""
    if notes_dir is None:
        return NotesSite(available=False)
    notice = notes_notice(Path(notes_dir))
    if notice is not None:
        return NotesSite(available=False, notice=notice, folder=str(notes_dir))
    from verify.sources import note_files
    claims = [c for c in results.get("claims") or [] if isinstance(c, dict) and "id" in c]
    by_id = {str(c["id"]): c for c in claims}
    site = NotesSite(available=True, folder=str(notes_dir))
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
    if counterexample is None:
        counterexample = lambda cx, claim: ""  # noqa: E731
    for name, page in pages.items():
        note = notes[name]
        blocks = _blocks(note.clean)
        page.passages = _passages(note, blocks)
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
            notes[name] = (note, _passages(note, _blocks(note.clean)))
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
