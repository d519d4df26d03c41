"""A quote found in a note: verbatim (up to white space), else by an approximate match of the
normalized texts (LaTeX, ASCII paraphrase and OCR damage read alike), with its score."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .note import NoteText

THRESHOLD = 0.8          # a fuzzy match below this score is not a location
_GAP = 0.02              # cost per note character skipped by a `...` of the quote


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
_WORD_SYMBOLS = ("grad", "hess", "sqrt", "sum", "prod", "infinity", "infty", "dagger", "nabla")  # as words too
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
        kind, tok = m.lastgroup, m.group(0)
        if kind == "cmd":
            name, low = tok[1:], tok[1:].lower()
            s = "" if name in _DROP_CMDS else _GREEK[low] if low in _GREEK else _WORDS.get(name, low)
        elif kind == "word":
            low = tok.lower()
            s = _GREEK[low] if low in _GREEK else _WORDS[low] if low in _WORD_SYMBOLS else low
        elif kind == "op":
            s = _OPS[tok]
        elif kind in ("env", "tag", "esc"):
            s = "‖" if tok == "\\|" else ""  # of the escapes, only \| is kept
        else:
            ch = _CHARS.get(tok)
            if ch is None:
                ch = _DASHES.get(tok)
            if ch is None:
                ch = unicodedata.normalize("NFKC", tok).lower()
                ch = "".join(_CHARS.get(c, _DASHES.get(c, c)) for c in ch)
            s = "".join(c for c in ch if c in _KEEP)
        put(s, *m.span())
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


def make_location(note: NoteText, start: int, end: int, method: str, score: float) -> Location:
    end = max(end, start + 1)
    line, col = note.line_col(start)
    end_line, end_col = note.line_col(end - 1)
    return Location(note.name, start, end, line, col, end_line, end_col, method, score)


def _normalized(note: NoteText):
    """The cleaned text normalized, as a string and as code points, with its map to offsets."""
    if note._norm is None:
        s, starts, ends = normalize(note.clean)
        note._norm = (s, np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32), starts, ends)
    return note._norm


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
        return make_location(note, hit[0], hit[1], "verbatim", 1.0)
    q, wild = _quote_items(quote)
    real = len(q) - sum(wild)
    if real == 0:
        return None
    s, tcodes, starts, ends = _normalized(note)
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
    i = min(i, len(starts) - 1)
    j = min(max(j, i + 1), len(ends))
    a = note.to_file(starts[i])
    b = note.to_file(ends[j - 1] - 1) + 1
    return make_location(note, a, b, "fuzzy", score)
