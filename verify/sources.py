"""Where each claim comes from: its `source` located as a span of its lecture note.

A claim's `source` names a note (a file in the notes folder) and quotes it. This module finds the
quote in the note and returns the span it covers (first line and column to last line and column,
1-based, columns counted in characters, the end column inclusive):

* **verbatim**: the quote is the note's own text, up to runs of white space;
* **fuzzy**: the quote is located by an approximate match that tolerates LaTeX spacing and
  markup (`\\nabla f(\\vec{w}_1)` and `grad f(w1)` read alike), ASCII paraphrases of symbols
  (`<=`, `||`, `beta`, `sum_{k=0}^t`) and OCR damage; its score is 1 - (edits / quote length), and
  `...` in a quote stands for an elided stretch of the note;
* **span**: the claim gives the span itself, `span: "123:1-125:40"` or
  `span: {line: 123, col: 1, end_line: 125, end_col: 40}` (then the quote is not searched).

A quote whose best match scores below `THRESHOLD` is a located problem for `verify lint`, which
reports the best location found as `note:line:col`.

Notes are read as they are, with one repair: text extracted from arXiv's HTML (LaTeXML) writes each
formula three times, glued together: as plain text, as content MathML (italic letters, words like
`subscript`) and as LaTeX (`l2subscript𝑙2l_{2}`). `NoteText.clean` keeps only the LaTeX, between
`$` signs, and maps every character back to its place in the file, so quotes may use the LaTeX and
spans are still reported in the file's own lines and columns. Nothing here needs more than the
standard library and NumPy.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

import numpy as np

__all__ = ["THRESHOLD", "NoteText", "Location", "load_note", "locate", "resolve", "parse_span",
           "normalize", "lint_sources", "notes_notice", "note_files"]

THRESHOLD = 0.8          # a fuzzy match below this score is not a location
_GAP = 0.02              # cost per note character skipped by a `...` of the quote
NOTE_SUFFIXES = (".txt", ".md")


# --------------------------------------------------------------------------------------------
# The note's text, cleaned, with a map back to the file
# --------------------------------------------------------------------------------------------

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
    _norm: Any = None                  # (normalized string, start offsets, end offsets) of `clean`
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

    def normalized(self):
        if self._norm is None:
            s, starts, ends = normalize(self.clean)
            self._norm = (s, np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32), starts, ends)
        return self._norm

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


# --------------------------------------------------------------------------------------------
# Normalization: LaTeX, ASCII paraphrase and OCR read alike
# --------------------------------------------------------------------------------------------

_GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
          "eps": "ε", "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "θ", "iota": "ι", "kappa": "κ",
          "lambda": "λ", "lam": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
          "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω"}
_WORDS = {"grad": "∇", "nabla": "∇", "hess": "∇2", "sqrt": "√", "sum": "∑", "prod": "∏", "infinity": "∞",
          "infty": "∞", "dagger": "†", "partial": "d", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
          "neq": "≠", "ne": "≠", "to": "→", "rightarrow": "→", "longrightarrow": "→", "mapsto": "→",
          "implies": "⇒", "leftarrow": "←", "gets": "←", "approx": "~", "sim": "~", "top": "t",
          "intercal": "t", "langle": "<", "rangle": ">", "lvert": "|", "rvert": "|", "vert": "|",
          "mid": "|", "lVert": "‖", "rVert": "‖", "Vert": "‖", "int": "∫", "in": "in",
          "Rightarrow": "⇒", "iff": "⇔", "Leftrightarrow": "⇔", "xrightarrow": "→", "forall": "forall",
          "exists": "exists", "subseteq": "⊆", "cup": "∪", "cap": "∩", "setminus": "\\"}
_DROP_CMDS = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "mathcal",
              "mathbb", "mathbf", "mathrm", "mathit", "mathsf", "boldsymbol", "bm", "vec", "hat", "widehat",
              "tilde", "widetilde", "bar", "overline", "underline", "text", "textbf", "textit", "textrm",
              "operatorname", "mathop", "displaystyle", "textstyle", "frac", "dfrac", "tfrac", "quad",
              "qquad", "limits", "nolimits", "underbrace", "overbrace", "overrightarrow", "cdot", "times",
              "ldots", "dots", "cdots", "vdots", "ddots", "star", "ast", "prime", "square", "qed",
              "label", "tag", "nonumber", "notag", "mathbf", "checkmark", "scriptstyle", "hline"}
_KEEP = set("abcdefghijklmnopqrstuvwxyz0123456789=≤≥≠<>+-‖|∇∑∏∫→←⇒⇔∞√~†∪∩⊆") | set("αβγδεζηθικλμνξπρστφχψω")
_DASHES = dict.fromkeys("—–−‐‑‒", "-")
_TOKEN = re.compile(r"""
    (?P<env>\\(?:begin|end)\{[^}]*\})
  | (?P<cmd>\\[A-Za-z]+)
  | (?P<esc>\\.)
  | (?P<tag></?[a-zA-Z][a-zA-Z0-9]{0,9}(?:\s[^<>]{0,60})?>)
  | (?P<op><=|>=|!=|\|\||->|<-|=>)
  | (?P<word>[A-Za-z]+)
  | (?P<ch>.)""", re.X | re.S)
_OPS = {"<=": "≤", ">=": "≥", "!=": "≠", "||": "‖", "->": "→", "<-": "←", "=>": "⇒"}
_CHARS = {"ϵ": "ε", "ϕ": "φ", "ϑ": "θ", "ς": "σ", "ℓ": "l", "⟨": "<", "⟩": ">", "∥": "‖", "≦": "≤", "≧": "≥",
          "⩽": "≤", "⩾": "≥", "→": "→", "⟶": "→", "↦": "→", "∀": "forall", "∃": "exists", "∈": "in", "…": "",
          "⋯": "", "ᵀ": "t", "⊤": "t", "\u2032": "", "’": "", "“": "", "”": ""}


def normalize(text: str) -> tuple[str, list[int], list[int]]:
    """`text` reduced to letters, digits and a few relation symbols, lower case, with LaTeX
    commands, Greek names and ASCII operators mapped to one spelling; for each character kept,
    the start and end offsets of the piece of `text` it came from."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []

    def put(s: str, a: int, b: int) -> None:
        for ch in s:
            out.append(ch)
            starts.append(a)
            ends.append(b)

    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        a, b = m.span()
        tok = m.group(0)
        if kind in ("env", "tag"):
            continue
        if kind == "cmd":
            name = tok[1:]
            if name in _DROP_CMDS:
                continue
            low = name.lower()
            if low in _GREEK:
                put(_GREEK[low], a, b)
            elif name in _WORDS:
                put(_WORDS[name], a, b)
            else:
                put(low, a, b)
            continue
        if kind == "esc":
            if tok == "\\|":
                put("‖", a, b)
            continue
        if kind == "op":
            put(_OPS[tok], a, b)
            continue
        if kind == "word":
            low = tok.lower()
            if low in _GREEK and not (low == "eta" and False):
                put(_GREEK[low], a, b)
            elif low in ("grad", "hess", "sqrt", "sum", "prod", "infinity", "infty", "dagger", "nabla"):
                put(_WORDS[low], a, b)
            else:
                put(low, a, b)
            continue
        ch = _CHARS.get(tok)
        if ch is None:
            ch = _DASHES.get(tok)
        if ch is None:
            ch = unicodedata.normalize("NFKC", tok).lower()
            ch = "".join(_CHARS.get(c, _DASHES.get(c, c)) for c in ch)
        put("".join(c for c in ch if c in _KEEP), a, b)
    return "".join(out), starts, ends


# --------------------------------------------------------------------------------------------
# Locating a quote
# --------------------------------------------------------------------------------------------

@dataclass
class Location:
    """Where a claim's source is in its note. `start`/`end` are offsets in the note file; lines
    and columns are 1-based, the end column inclusive. `method` is verbatim, fuzzy or span."""

    note: str
    start: int
    end: int
    line: int
    col: int
    end_line: int
    end_col: int
    method: str
    score: float

    @property
    def where(self) -> str:
        return f"{self.note}:{self.line}:{self.col}"

    @property
    def span_text(self) -> str:
        return f"{self.line}:{self.col}-{self.end_line}:{self.end_col}"

    def to_dict(self) -> dict[str, Any]:
        return {"note": self.note, "line": self.line, "col": self.col, "end_line": self.end_line,
                "end_col": self.end_col, "method": self.method, "score": round(self.score, 3),
                "span": self.span_text}


def _make_location(note: NoteText, start: int, end: int, method: str, score: float) -> Location:
    end = max(end, start + 1)
    line, col = note.line_col(start)
    end_line, end_col = note.line_col(end - 1)
    return Location(note.name, start, end, line, col, end_line, end_col, method, score)


def _collapsed(note: NoteText):
    """The cleaned text with white space runs collapsed to one space, and its map to offsets."""
    if note._collapsed is None:
        chars: list[str] = []
        where: list[int] = []
        prev_space = False
        for i, ch in enumerate(note.clean):
            if ch.isspace():
                if not prev_space:
                    chars.append(" ")
                    where.append(i)
                prev_space = True
            else:
                chars.append(ch)
                where.append(i)
                prev_space = False
        note._collapsed = ("".join(chars), where)
    return note._collapsed


def _verbatim(note: NoteText, quote: str, max_span: int = 6000) -> Optional[tuple[int, int]]:
    """The quote found as it is (white space runs aside); its `...` elide text of the note
    between pieces found in order, the whole within `max_span` characters."""
    pieces = [re.sub(r"\s+", " ", p.strip()) for p in re.split(r"\.\.\.+|…", quote)]
    pieces = [p for p in pieces if p]
    if not pieces or sum(map(len, pieces)) < 3:
        return None
    text, where = _collapsed(note)
    first = text.find(pieces[0])
    while first >= 0:
        at, ok = first + len(pieces[0]), True
        for p in pieces[1:]:
            k = text.find(p, at)
            if k < 0 or k + len(p) - first > max_span:
                ok = False
                break
            at = k + len(p)
        if ok:
            if len(pieces) > 1:  # the shortest such stretch: the last first piece before the second
                second = text.find(pieces[1], first + len(pieces[0]))
                later = text.rfind(pieces[0], first, second - len(pieces[0]) + 1)
                first = max(first, later)
            a, b = where[first], where[at - 1] + 1
            return note.to_file(a), note.to_file(b - 1) + 1
        if len(pieces) == 1:
            return None
        first = text.find(pieces[0], first + 1)
    return None


def _quote_items(quote: str) -> tuple[np.ndarray, list[bool]]:
    """The normalized quote as code points, and for each whether it is a `...` (an elision)."""
    codes: list[int] = []
    wild: list[bool] = []
    for k, part in enumerate(re.split(r"\.\.\.+|…", quote)):
        if k:
            if codes and not wild[-1]:
                codes.append(0)
                wild.append(True)
        s = normalize(part)[0]
        codes.extend(ord(c) for c in s)
        wild.extend([False] * len(s))
    while wild and wild[-1]:
        codes.pop()
        wild.pop()
    return np.array(codes, dtype=np.uint32), wild


def _align(t: np.ndarray, q: np.ndarray, wild: list[bool]) -> tuple[float, int, int]:
    """Semi-global alignment of the quote `q` inside the text `t` (edit distance; the match may
    start and end anywhere in `t`; a wildcard skips text at `_GAP` per character). Returns
    (cost, start, end) of the best match, end exclusive; the earliest among equals."""
    n = len(t)
    idx = np.arange(n + 1, dtype=np.float64)
    ar = np.arange(n + 1)
    prev = np.zeros(n + 1)
    pstart = ar.copy()
    for c, w in zip(q.tolist(), wild):
        if w:
            v = prev - _GAP * idx
            cm = np.minimum.accumulate(v)
            arg = np.maximum.accumulate(np.where(v == cm, ar, 0))
            prev = cm + _GAP * idx
            pstart = pstart[arg]
            continue
        cur = prev + 1.0                              # the quote's character left out
        cstart = pstart.copy()
        diag = prev[:-1] + (t != c)                   # matched or substituted
        better = diag < cur[1:]
        cur[1:] = np.where(better, diag, cur[1:])
        cstart[1:] = np.where(better, pstart[:-1], cstart[1:])
        v = cur - idx                                 # note characters inserted into the match
        cm = np.minimum.accumulate(v)
        arg = np.maximum.accumulate(np.where(v == cm, ar, 0))
        prev = cm + idx
        pstart = cstart[arg]
    j = int(np.argmin(prev))
    return float(prev[j]), int(pstart[j]), j


def _seed_windows(ts: str, q: np.ndarray, wild: list[bool], k: int = 5) -> list[tuple[int, int]]:
    """Stretches of the text `ts` worth aligning: where several of the quote's k-grams occur close
    to where the quote's order would put them. Empty when too few k-grams occur anywhere."""
    qs = "".join(chr(c) for c in q.tolist())
    m = len(qs)
    if m < 3 * k:
        return []
    votes: dict[int, int] = {}
    for i in range(0, m - k + 1, 2):
        gram = qs[i:i + k]
        if "\0" in gram:
            continue
        start = 0
        hits = 0
        while hits < 40:
            p = ts.find(gram, start)
            if p < 0:
                break
            bucket = (p - i) // 64
            votes[bucket] = votes.get(bucket, 0) + 1
            start = p + 1
            hits += 1
    if not votes:
        return []
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])[:6]
    span = m * (4 if any(wild) else 1) + 64
    out = []
    for bucket, _ in ranked:
        a = max(0, bucket * 64 - m // 2 - 64)
        out.append((a, min(len(ts), bucket * 64 + span + m // 2 + 64)))
    out.sort()
    merged: list[tuple[int, int]] = []
    for a, b in out:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def locate(note: NoteText, quote: str) -> Optional[Location]:
    """The best place of `quote` in `note` (verbatim when possible, else fuzzy with its score);
    None for an empty quote."""
    hit = _verbatim(note, quote)
    if hit is not None:
        return _make_location(note, hit[0], hit[1], "verbatim", 1.0)
    q, wild = _quote_items(quote)
    real = len(q) - sum(wild)
    if real == 0:
        return None
    s, tcodes, starts, ends = note.normalized()
    if len(tcodes) == 0:
        return None
    best = None
    for a, b in _seed_windows(s, q, wild):
        cost, i, j = _align(tcodes[a:b], q, wild)
        if best is None or cost < best[0]:
            best = (cost, a + i, a + j)
        if cost == 0:
            break
    if best is None or 1 - best[0] / real < THRESHOLD:
        cost, i, j = _align(tcodes, q, wild)
        if best is None or cost < best[0]:
            best = (cost, i, j)
    cost, i, j = best
    score = max(0.0, 1.0 - cost / real)
    if j <= i:
        j = i + 1
    i = min(i, len(starts) - 1)
    j = min(max(j, i + 1), len(ends))
    a = note.to_file(starts[i])
    b = note.to_file(ends[j - 1] - 1) + 1
    return _make_location(note, a, b, "fuzzy", score)


# --------------------------------------------------------------------------------------------
# A claim's source
# --------------------------------------------------------------------------------------------

_SPAN_TEXT = re.compile(r"^\s*(\d+)(?::(\d+))?\s*-\s*(\d+)(?::(\d+))?\s*$")


def parse_span(value: Any) -> Optional[tuple[int, int, int, Optional[int]]]:
    """(line, col, end_line, end_col) of a `span:` value, None when it is malformed. A missing
    column means the whole line (col 1; end_col None: to the end of the line)."""
    if isinstance(value, str):
        m = _SPAN_TEXT.match(value)
        if not m:
            return None
        l1, c1, l2, c2 = m.groups()
        return int(l1), int(c1 or 1), int(l2), (int(c2) if c2 else None)
    if isinstance(value, dict):
        try:
            line = int(value["line"])
            end_line = int(value.get("end_line", line))
            col = int(value.get("col", 1))
            end_col = value.get("end_col")
            return line, col, end_line, (int(end_col) if end_col is not None else None)
        except (KeyError, TypeError, ValueError):
            return None
    return None


@dataclass
class Resolution:
    """The outcome of resolving one claim's source: a location, or why there is none."""

    location: Optional[Location]
    problem: Optional[str] = None      # what is wrong (None: located)
    hint: str = ""
    field: str = "quote"               # the source field the problem is about


def _span_location(note: NoteText, span: Any) -> Resolution:
    parsed = parse_span(span)
    if parsed is None:
        return Resolution(None, f"span {span!r} is not LINE:COL-LINE:COL (or {{line, col, end_line, end_col}})",
                          'write it as span: "12:1-14:30"', "span")
    l1, c1, l2, c2 = parsed
    a = note.offset(l1, c1)
    if c2 is None:
        c2 = max(1, (note.line_starts[l2] - 1 if l2 < note.lines else len(note.text))
                 - note.line_starts[l2 - 1]) if 1 <= l2 <= note.lines else 1
    b = note.offset(l2, c2)
    if a is None or b is None or b < a:
        return Resolution(None, f"span {l1}:{c1}-{l2}:{c2} is outside {note.name} "
                                f"({note.lines} lines) or ends before it starts",
                          "give lines and columns of the note file, 1-based, end column inclusive", "span")
    loc = _make_location(note, a, b + 1, "span", 1.0)
    return Resolution(loc)


def resolve(source: Any, notes_dir: Optional[Path]) -> Resolution:
    """Locate a claim's `source` ({note, section, quote, span?}) in the notes folder."""
    if not isinstance(source, dict):
        return Resolution(None, "the source is not a mapping", field="note")
    name = source.get("note")
    if not isinstance(name, str) or not name:
        return Resolution(None, "the source names no note", field="note")
    if notes_dir is None:
        return Resolution(None, "no notes folder", field="note")
    path = Path(notes_dir) / name
    if os.sep in name or (os.altsep and os.altsep in name) or name.startswith("."):
        return Resolution(None, f"note {name!r} must be a file name in the notes folder", field="note")
    if not path.is_file():
        names = [p.name for p in note_files(Path(notes_dir))]
        from verify.errors import did_you_mean
        return Resolution(None, f"note {name!r} is not in the notes folder {notes_dir}"
                                f"{did_you_mean(name, names)}",
                          "the notes are: " + ", ".join(names) if names else "", "note")
    note = load_note(path)
    key = (id(note), repr(source.get("span")), str(source.get("quote")))
    if key not in _RESOLVED:
        stored = f"{name}|{note.digest}|{key[1]}|{key[2]}"
        found = _from_store(_STORE.get(stored))
        if found is None:
            found = _resolve_in(note, name, source)
            _STORE[stored] = _to_store(found)
            _STORE_STATE["dirty"] = True
        _RESOLVED[key] = found
    return _RESOLVED[key]


_RESOLVED: dict[tuple[int, str, str], Resolution] = {}   # per loaded note (notes are cached too)

# Resolutions kept between runs in the cache folder, by note name, the note's digest and the
# source's span and quote: an edited note, quote or span is located again.
_STORE: dict[str, list] = {}
_STORE_STATE = {"dirty": False}
_STORE_VERSION = "1:" + __import__("hashlib").sha256(Path(__file__).read_bytes()).hexdigest()[:12]
_LOCATION_FIELDS = ("note", "start", "end", "line", "col", "end_line", "end_col", "method", "score")


def _to_store(res: Resolution) -> list:
    loc = res.location
    return [None if loc is None else [getattr(loc, f) for f in _LOCATION_FIELDS], res.problem, res.hint, res.field]


def _from_store(item: Any) -> Optional[Resolution]:
    """A stored resolution, or None when the entry is malformed (then it is located again)."""
    try:
        loc, problem, hint, fld = item
        if not all(isinstance(x, str) for x in (hint, fld)) or not (problem is None or isinstance(problem, str)):
            return None
        if loc is None:
            return Resolution(None, problem, hint, fld)
        note, *ints, method, score = loc
        if not (isinstance(note, str) and isinstance(method, str) and all(type(i) is int for i in ints)
                and isinstance(score, (int, float))):
            return None
        return Resolution(Location(note, *ints, method, float(score)), problem, hint, fld)
    except (TypeError, ValueError):
        return None


def load_store(path: Path) -> None:
    """Read the resolutions an earlier run kept (signed with the cache's key; else ignored)."""
    import json
    from verify.cache import cache_secret, read_signed
    try:
        data = json.loads(read_signed(Path(path), cache_secret(Path(path).parent)) or "{}")
        if isinstance(data, dict) and data.get("version") == _STORE_VERSION and isinstance(data.get("items"), dict):
            _STORE.update(data["items"])
    except ValueError:
        pass


def save_store(path: Path) -> None:
    """Keep the resolutions for the next run (signed, atomically; only when one was added)."""
    import json
    from verify.cache import cache_secret, write_signed
    if _STORE_STATE["dirty"]:
        write_signed(Path(path), json.dumps({"version": _STORE_VERSION, "items": _STORE}),
                     cache_secret(Path(path).parent))
        _STORE_STATE["dirty"] = False


def _resolve_in(note: NoteText, name: str, source: dict) -> Resolution:
    if source.get("span") is not None:
        return _span_location(note, source["span"])
    quote = source.get("quote")
    if not isinstance(quote, str) or not quote.strip():
        return Resolution(None, "the source has no quote to locate", "quote the note, or give span:")
    loc = locate(note, quote)
    if loc is None:
        return Resolution(None, "the quote has no letters or symbols to look for",
                          "quote the note's own words, or give span:")
    if loc.score < THRESHOLD:
        return Resolution(loc, f"quote not found in {name}: the best match, {loc.where}, scores "
                               f"{loc.score:.2f} (at least {THRESHOLD:.2f} needed)",
                          "copy the note's own words into quote: (LaTeX as the note writes it), "
                          f'or give the place as span: "{loc.span_text}"')
    return Resolution(loc)


def notes_notice(notes_dir: Optional[Path]) -> Optional[str]:
    """One line saying why sources cannot be located (no folder configured, or it is missing);
    None when the folder is there."""
    if notes_dir is None:
        return ("no notes folder configured (--notes DIR, or notes = \"DIR\" in [tool.verify]): "
                "sources are not located")
    if not Path(notes_dir).is_dir():
        return f"notes folder {notes_dir} not found: sources are not located"
    return None


def lint_sources(claims: Iterable[Any], notes_dir: Optional[Path]) -> tuple[list, Optional[str], dict]:
    """Located problems of the claims' sources, the notice (folder missing) and counts by method.

    `claims` are verify.model.Claim objects (they carry the file and line marks)."""
    from verify.errors import Problem
    counts = {"verbatim": 0, "fuzzy": 0, "span": 0, "unresolved": 0}
    if notes_dir is None:  # not configured: sources are not located, silently
        return [], None, counts
    notice = notes_notice(notes_dir)
    if notice is not None:
        return [], notice, counts
    problems = []
    for c in claims:
        res = resolve(c.source, notes_dir)
        if res.problem is None and res.location is not None:
            counts[res.location.method] += 1
            continue
        counts["unresolved"] += 1
        problems.append(Problem(c.file, c.line_of("source", res.field), 1, res.problem, res.hint))
    return problems, None, counts
