"""A note's text read for the report: inline Markdown and LaTeX as HTML pieces with their offsets,
its blocks, its theorem-like passages (Theorem, Lemma, ..., numbered equations). The note's text
is data: everything is escaped but MathML from `to_mathml` and the markup built here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from typing import Any, Optional

from markupsafe import Markup

from verify.sources import NoteText

from .math import to_mathml

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


def inline_tokens(text: str, base: int = 0, cuts: Optional[list[int]] = None) -> list[_Tok]:
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
    return Markup("".join(t.html for t in inline_tokens(text or "")))


# --------------------------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------------------------

@dataclass
class Block:
    kind: str              # heading, para, item, display
    start: int             # clean offsets of the content (markers excluded)
    end: int
    level: int = 0
    marker: str = ""
    gap: bool = False      # a blank line before it


_HEADING = re.compile(r"(#{1,6})\s+(.*)")
_NUM_HEADING = re.compile(r"(\d+(?:\.\d+){0,3})\s+[A-Z][^.!?]{0,70}")
_ITEM = re.compile(r"(\s*)([-*•]|\d+(?:\.\d+)*\.)\s+(?=\S)")
_LISTNUM = re.compile(r"\s*(\d+)\.\s+\1\.\s*")


def note_blocks(clean: str) -> list[Block]:
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in clean.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    out: list[Block] = []
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
            out.append(Block("display", at + lead, end, gap=gap))
            gap = False
            i = j + 1
            continue
        m = _HEADING.fullmatch(stripped)
        if m:
            out.append(Block("heading", at + lead + len(m.group(1)) + 1, at + len(line.rstrip()),
                              level=len(m.group(1)), gap=gap))
        elif _NUM_HEADING.fullmatch(stripped) and gap and len(stripped) < 80:
            out.append(Block("heading", at + lead, at + len(line.rstrip()),
                              level=min(2 + stripped.split()[0].count("."), 4), gap=gap))
        elif stripped in ("References",):
            out.append(Block("heading", at + lead, at + len(line.rstrip()), level=2, gap=gap))
        else:
            mi = _ITEM.match(line)
            if mi and not (mi.group(2) in "*-" and stripped.startswith(("**", "--"))):
                marker = "•" if mi.group(2) in "-*•" else mi.group(2)
                out.append(Block("item", at + mi.end(), at + len(line.rstrip()),
                                  level=len(mi.group(1)) // 2, marker=marker, gap=gap))
            elif stripped.startswith("$$") and re.search(r"\$\$\s*(\([0-9.]+\))?\s*$", stripped):
                out.append(Block("display", at + lead, at + len(line.rstrip()), gap=gap))
            else:
                out.append(Block("para", at + lead, at + len(line.rstrip()), gap=gap, level=min(lead // 4, 2)))
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

_KEYWORDS = ("Theorem", "Lemma", "Proposition", "Corollary", "Definition", "Remark", "Hypothesis")
_KEYWORD_AT_START = re.compile(
    r"^(?:[-*•]\s+|\d+\.\s+)?[*_]*(?P<kw>" + "|".join(_KEYWORDS) + r")\b(?P<num>\s*[0-9]+(?:\.[0-9]+)*)?"
    r"(?P<rest>.*)$", re.S)
_KEYWORD_STATES = re.compile(
    r"(?:^|(?<=\. ))(?P<kw>Theorem|Lemma|Proposition|Corollary)\s+(?P<num>[0-9]+(?:\.[0-9]+)*)"
    r"(?:\s+of\s+\[[^\]]{1,60}\])?\s+states\b")
_EQ_TAG = re.compile(r"(?:\\tag\{(?P<t1>[0-9.]+)\}\s*\$\$|\$\$\s*\((?P<t2>[0-9.]+)\)|"
                     r"(?<=[.\w)])\s+\((?P<t3>[0-9]+(?:\.[0-9]+)?)\))\s*$")


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


def find_passages(note: NoteText, blocks: list[Block]) -> list[Passage]:
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
