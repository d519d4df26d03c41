"""A claim's source resolved in the notes folder (a `span:`, or its quote located), the resolutions
kept between runs, and the problems `verify lint` reports."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

from .matching import THRESHOLD, Location, locate, make_location
from .note import NoteText, load_note, note_files


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
    loc = make_location(note, a, b + 1, "span", 1.0)
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
_CODE = b"".join(p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py")))  # this package's
_STORE_VERSION = "1:" + hashlib.sha256(_CODE).hexdigest()[:12]


def _to_store(res: Resolution) -> list:
    loc = res.location
    return [None if loc is None else list(astuple(loc)), res.problem, res.hint, res.field]


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
