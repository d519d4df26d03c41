"""A note file read: its text, the text cleaned of the extraction's triple formulas (each formula
once, as `$LaTeX$`), and the map from each cleaned character back to its place in the file."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

NOTE_SUFFIXES = (".txt", ".md")


@dataclass
class NoteText:
    """A note file: its text, the cleaned text (formulas once, as `$LaTeX$`) and the map from each
    cleaned character to its offset in the file."""

    name: str
    path: Path
    text: str
    clean: str
    origin: list[int]                  # len(clean) + 1 offsets into `text`
    line_starts: list[int] = field(default_factory=list)
    _norm: Any = None                  # matching's caches: `clean` normalized, and with white space collapsed
    _collapsed: Any = None
    _digest: Optional[str] = None

    def __post_init__(self) -> None:
        if not self.line_starts:
            self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", self.text)]

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a file offset."""
        import bisect
        offset = max(0, min(offset, len(self.text)))
        i = bisect.bisect_right(self.line_starts, offset) - 1
        return i + 1, offset - self.line_starts[i] + 1

    def offset(self, line: int, col: int) -> Optional[int]:
        """The file offset of a 1-based line and column, or None outside the file."""
        if not 1 <= line <= len(self.line_starts):
            return None
        start = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.text)
        if not 1 <= col <= max(end - start, 0) + 1:
            return None
        return start + col - 1

    @property
    def lines(self) -> int:
        return len(self.line_starts)

    @property
    def digest(self) -> str:
        """A digest of the note's text: what a kept location of it is keyed by."""
        if self._digest is None:
            import hashlib
            self._digest = hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        return self._digest

    def to_file(self, clean_offset: int) -> int:
        return self.origin[max(0, min(clean_offset, len(self.origin) - 1))]

    @property
    def title(self) -> str:
        """The note's title: its first heading, else its first line of text."""
        for line in self.clean.splitlines():
            m = re.match(r"\s*#+\s+(.*)", line)
            if m:
                return _plain(m.group(1))
        for line in self.clean.splitlines():
            if line.strip():
                return _plain(line.strip())[:120]
        return self.name


def _plain(text: str) -> str:
    return re.sub(r"[*_`#]+", "", text).strip()


_ITALIC = re.compile("[\U0001D434-\U0001D467\U0001D6E2-\U0001D71B\u210e]")
_CSYMBOL = re.compile(r"(?:(?:subscript|superscript|norm|absent|formulae-sequence|for-all|similar-to|"
                      r"delimited-\S{0,2}|conditional-set|normal-\S|times|divide|plus|minus|"
                      r"approximately-equals|percent|exists|not-equals|rk|det|min|max)[0-9.]*)+$")


def _latex_ends(text: str, start: int) -> list[int]:
    """Where a LaTeX run beginning at `start` may end: at white space outside braces and
    environments; a space right after a control word (`\\leq d_{p}`) may be inside the formula or
    end it, so both ends are candidates (the last one is the longest reading)."""
    depth = env = 0
    i = start
    n = len(text)
    ends: list[int] = []
    while i < n:
        c = text[i]
        if c == "\\":
            m = re.match(r"\\(begin|end)\{[^}]*\}", text[i:])
            if m:
                env += 1 if m.group(1) == "begin" else -1
                i += len(m.group(0))
                continue
            m = re.match(r"\\[A-Za-z]+|\\.", text[i:])
            i += len(m.group(0)) if m else 1
            if i + 1 < n and text[i] == " " and depth == 0 and env <= 0 and not text[i + 1].isspace():
                ends.append(i)
                i += 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        elif c == "\n" or (c.isspace() and depth == 0 and env <= 0):
            break
        i += 1
    ends.append(i)
    return ends


_TEX_PLAIN = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
              "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "sigma": "σ", "Sigma": "Σ", "pi": "π",
              "rho": "ρ", "tau": "τ", "phi": "φ", "Phi": "Φ", "Omega": "Ω", "Delta": "Δ", "Lambda": "Λ",
              "infty": "∞", "times": "×", "nabla": "", "geq": "", "leq": "", "in": ""}


def _tex_plain(latex: str) -> str:
    """Roughly what a formula shows as plain text (to line it up with the extraction's copy)."""
    out = re.sub(r"\\(begin|end)\{[^}]*\}", "", latex)
    out = re.sub(r"\\(mathbb|mathcal)\{(\w)\}", lambda m: {"E": "𝔼", "R": "", "D": "𝒟", "N": "𝒩"}.get(
        m.group(2), m.group(2)) if m.group(1) == "mathbb" else ("𝒟" if m.group(2) == "D" else
                                                            "𝒩" if m.group(2) == "N" else ""), out)
    out = re.sub(r"\\([A-Za-z]+)", lambda m: _TEX_PLAIN.get(m.group(1), ""), out)
    return re.sub(r"[{}_^\\\s&-]", "", out)


def _similarity(latex: str, shown: str) -> float:
    shown = re.sub(r"\s", "", shown)
    if not shown:
        return 0.0
    return difflib.SequenceMatcher(None, _tex_plain(latex), shown, autojunk=False).ratio()


def _shown(text: str, a: int, b: int) -> str:
    """The plain copy of a formula between a and b: up to its first italic letter (where the
    content MathML begins), without the content MathML's operator words at its end."""
    first_it = _ITALIC.search(text, a, max(b, a))
    part = text[a:first_it.start()] if first_it else text[a:b]
    if first_it:
        part = _CSYMBOL.sub("", part) or part
    return part


def _clean_extraction(text: str) -> tuple[str, list[int]]:
    """`text` with each triple formula (plain + content MathML + LaTeX) replaced by `$LaTeX$`
    (a line that is one formula, with an optional `(N)` tag, by `$$LaTeX$$ (N)`). Only notes
    with the extraction's italic letters are touched; others are returned as they are."""
    if not _ITALIC.search(text):
        return text, list(range(len(text) + 1))
    out: list[str] = []
    out_origin: list[int] = []
    pos = 0
    i = 0
    n = len(text)
    glued = re.compile(r"(?<=\S)\\[A-Za-z]")

    def emit(s: str, at: int, step: bool = True) -> None:
        out.append(s)
        out_origin.extend(range(at, at + len(s)) if step else [at] * len(s))

    while i < n:
        m_it = _ITALIC.search(text, i)
        m_tex = glued.search(text, i)
        cands = [m for m in (m_it, m_tex) if m]
        if not cands:
            break
        anchor = min(m.start() for m in cands)
        line_start = text.rfind("\n", 0, anchor) + 1
        line_end = text.find("\n", anchor)
        line_end = n if line_end < 0 else line_end
        ws = max(text.rfind(" ", line_start, anchor), text.rfind("\t", line_start, anchor),
                 text.rfind("\xa0", line_start, anchor))
        v_start = max(line_start, ws + 1, pos)
        # the LaTeX copy starts after the last italic letter of this run (and by the first `\`)
        j = anchor
        last_it = -1
        while j < n and not text[j].isspace() and text[j] != "\\":
            if _ITALIC.match(text[j]):
                last_it = j
            j += 1
        lo = last_it + 1 if last_it >= 0 else v_start
        hi = j if j < n and text[j] == "\\" else min(j, lo + 12)
        best = None
        starts = list(range(lo, max(lo, hi) + 1))
        if j < n and text[j] != "\\":  # the content MathML has text in it: LaTeX at the next `\`
            nxt = text.find("\\", j, min(line_end, j + 200))
            if nxt > 0:
                starts.append(nxt)
        for s in starts:
            if s >= n or (text[s] not in "\\([|<>=+-{" and not text[s].isalnum()) or _ITALIC.match(text[s]):
                continue
            shown = _shown(text, v_start, s)
            for end in _latex_ends(text, s):
                latex = text[s:end]
                if not latex or _ITALIC.search(latex):
                    continue
                score = _similarity(latex, shown)
                if best is None or score > best[0] + 1e-9 or (abs(score - best[0]) <= 1e-9 and s == best[1]):
                    best = (score, s, end)
        if best is None:
            i = max(j, anchor + 1)
            continue
        if last_it < 0 and best[0] < 0.5 and best[1] > v_start:
            # LaTeX glued to prose, not to a plain copy of itself: keep the prose
            best = (best[0], text.rfind("\\", v_start, anchor + 1), best[2])
        _, s, end = best
        latex = text[s:end]
        # a formula whose plain copy has spaces (\text{...}) and fills its line
        rest = text[end:line_end]
        if v_start > line_start and re.fullmatch(r"[.,;:]?\s*(\(\d+\))?\s*", rest) and \
                _similarity(latex, _shown(text, line_start, s)) > max(0.6, best[0]):
            v_start = line_start
        tail = re.search(r"(?<=[}\w])(-[A-Za-z]{2,}[.,;:]?)$", latex)
        if tail and not latex.startswith("\\begin"):
            end -= len(tail.group(1))
            latex = text[s:end]
        while latex and latex[-1] in ".,;:" and latex.count("{") == latex.count("}"):
            end -= 1
            latex = latex[:-1]
        if not latex.strip():
            i = max(j, anchor + 1)
            continue
        emit(text[pos:v_start], pos)
        rest = text[end:line_end]
        display = v_start == line_start and re.fullmatch(r"[.,;:]?\s*(\(\d+\))?\s*", rest)
        delim = "$$" if display else "$"
        emit(delim, s, step=False)
        for k, ch in enumerate(latex):
            if ch != "$":
                emit(ch, s + k)
        emit(delim, end - 1, step=False)
        if display:
            end += len(rest) - len(rest.lstrip(".,;:"))
        pos = end
        i = end
    emit(text[pos:], pos)
    out_origin.append(n)
    return "".join(out), out_origin


_NOTES: dict[tuple[str, float, int], NoteText] = {}


def load_note(path: Path) -> NoteText:
    """The note at `path`, read once per content (cached by path, mtime and size)."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime, st.st_size)
    note = _NOTES.get(key)
    if note is None:
        text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        clean, origin = _clean_extraction(text)
        note = _NOTES[key] = NoteText(name=path.name, path=path, text=text, clean=clean, origin=origin)
    return note


def note_files(notes_dir: Path) -> list[Path]:
    """The note files of a notes folder, sorted by name."""
    try:
        return sorted(p for p in Path(notes_dir).iterdir()
                      if p.is_file() and p.suffix.lower() in NOTE_SUFFIXES and not p.name.startswith("."))
    except OSError:
        return []
