"""A note's theorem-like passages (Theorem, Lemma, Proposition, Corollary, Definition, Remark,
Hypothesis, and numbered displayed equations), found so that the report can say which a claim
covers: the uncovered ones are listed on the note's page as "not yet claimed"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from verify.sources import NoteText

from .note_markup import Block

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
