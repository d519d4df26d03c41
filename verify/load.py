"""Safe YAML loading that keeps line numbers.

Claim files are data. This module walks PyYAML's *event* stream (the C parser when available)
and builds plain Python values itself, so no YAML constructor ever runs: no tags, no anchors or
aliases, no duplicate keys, bounded size, node count and depth. Scalars are resolved with the
YAML 1.2 core schema (so `yes`, `on`, `1:30` and dates stay strings); every float is returned as
an exact `fractions.Fraction` taken from its source text.

`marks` maps a path from the root (keys and list indices, e.g. ("checks", 0, "numeric")) to the
1-based (line, col) of that node's value; path + ("__key__",) holds a mapping key's own position.
"""

from __future__ import annotations

import errno
import os
import pathlib
import re
import stat
from fractions import Fraction

import yaml

from verify.errors import ClaimFileError, Problem

MAX_BYTES = 256_000
MAX_NODES = 20_000
MAX_DEPTH = 100
MAX_NUMBER_CHARS = 200      # a longer numeric literal is refused (write it as an expression)
MAX_EXPONENT = 400          # |e| in 1e400; Fraction would compute 10**e exactly

Path = tuple
Marks = dict[tuple, tuple[int, int]]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null")}
_COLLECTION_TAGS = {_TAG + "map", _TAG + "seq"}
_NULL = re.compile(r"(?:~|null|Null|NULL|)\Z")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z|0o[0-7]+\Z|0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE]([-+]?[0-9]+))?\Z")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z|\.(?:nan|NaN|NAN)\Z")
# Characters YAML forbids in a stream (checked up front, so the error has a line and column).
_BAD_CHAR = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A valid escape in double quotes that is probably LaTeX: "\frac", "\beta", "\nabla", "\Phi".
_LATEX_ESCAPE = re.compile(r"\\[abefnrtv0LPN_](?=[A-Za-z])")

_SYNTAX_HINTS = [
    ("'\\t'", "indent with spaces; YAML does not allow tabs for indentation"),
    ("escape", "in double quotes a backslash starts an escape; write LaTeX in single "
                       "quotes ('\\|A\\|') or in a block scalar (|)"),
    ("mapping values are not allowed", "a value that contains ': ' must be quoted"),
    ("could not find expected ':'", "check the indentation, and that each key ends with ':'"),
    ("expected <block end>", "check the indentation of this line against the lines above"),
    ("end of stream", "a quote or bracket is not closed"),
    ("flow sequence", "a [ ... ] list is not closed, or an item needs quoting"),
    ("flow mapping", "a { ... } mapping is not closed, or a value needs quoting"),
]


class _Reject(Exception):
    """Internal: one problem found while walking the events."""

    def __init__(self, mark, message: str, hint: str = ""):
        super().__init__(message)
        self.mark, self.message, self.hint = mark, message, hint


def _pos(mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _describe(value: object) -> str:
    """A short name for the type of a loaded value, for messages."""
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", Fraction: "a number", str: "a string",
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


class _Builder:
    """Turns the event stream of one document into plain data and marks."""

    def __init__(self, loader, text: str):
        self.loader, self.text = loader, text
        self.marks: Marks = {}
        self.nodes = 0
        self._line_starts: list[int] | None = None

    def document(self) -> object:
        ev = self.loader.get_event()                      # StreamStartEvent
        ev = self.loader.get_event()
        if isinstance(ev, yaml.StreamEndEvent):
            raise _Reject(ev.start_mark, "the file is empty",
                          "a claim file is a mapping: id, kind, title, statement, ...")
        root = self.node((), 0)                           # after DocumentStartEvent
        self.loader.get_event()                           # DocumentEndEvent
        ev = self.loader.get_event()
        if not isinstance(ev, yaml.StreamEndEvent):
            raise _Reject(ev.start_mark, "the file holds more than one YAML document",
                          "one claim per file; remove the second '---' and what follows")
        return root

    def admit(self, ev) -> None:
        """Refuse aliases and anchors, and count the node."""
        if isinstance(ev, yaml.AliasEvent):
            raise _Reject(ev.start_mark, f"alias '*{ev.anchor}': anchors and aliases are not "
                          "allowed in claim files", "write the value out in full")
        if ev.anchor is not None:
            raise _Reject(ev.start_mark, f"anchor '&{ev.anchor}': anchors and aliases are not "
                          "allowed in claim files", "remove the anchor and write values in full")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Reject(ev.start_mark, f"the file has more than {MAX_NODES} YAML nodes",
                          "split the claim, or shorten long lists")

    def node(self, path: Path, depth: int) -> object:
        """Build the next node (recording its mark at `path`)."""
        ev = self.loader.get_event()
        self.admit(ev)
        self.marks[path] = _pos(ev.start_mark)
        if isinstance(ev, yaml.ScalarEvent):
            return self.scalar(ev)
        if depth >= MAX_DEPTH:
            raise _Reject(ev.start_mark, f"the YAML is nested more than {MAX_DEPTH} levels deep",
                          "flatten the structure")
        if ev.tag is not None and ev.tag not in _COLLECTION_TAGS:
            raise self._bad_tag(ev)
        if isinstance(ev, yaml.SequenceStartEvent):
            items = []
            while not self.loader.check_event(yaml.SequenceEndEvent):
                items.append(self.node(path + (len(items),), depth + 1))
            self.loader.get_event()
            return items
        return self.mapping(path, depth)

    def mapping(self, path: Path, depth: int) -> dict:
        """Build a mapping's entries: plain string keys, each once, with their marks."""
        result: dict[str, object] = {}
        while not self.loader.check_event(yaml.MappingEndEvent):
            kev = self.loader.get_event()
            self.admit(kev)
            if not isinstance(kev, yaml.ScalarEvent):
                raise _Reject(kev.start_mark, "a mapping key must be a plain string, "
                              "not a list or mapping", "write 'key: value'")
            key = self.scalar(kev)
            if not isinstance(key, str):
                raise _Reject(kev.start_mark, f"mapping key {kev.value!r} is {_describe(key)}, "
                              "not a string", f"quote the key: '{kev.value}':")
            kpath = path + (key,)
            if key in result:
                first = self.marks[kpath + ("__key__",)][0]
                raise _Reject(kev.start_mark, f"duplicate key {key!r} (first at line {first})",
                              "each key may appear once; merge or rename one of them")
            self.marks[kpath + ("__key__",)] = _pos(kev.start_mark)
            result[key] = self.node(kpath, depth + 1)
        self.loader.get_event()
        return result

    def scalar(self, ev) -> object:
        """A scalar's value: YAML 1.2 core resolution for plain ones, or its standard tag."""
        text = ev.value
        if ev.style == '"':
            self._check_escapes(ev)
        if ev.tag is None:
            if not ev.implicit[0]:                      # quoted, untagged: a string
                return text
            return self._resolve_plain(ev)
        if ev.tag not in _SCALAR_TAGS:
            raise self._bad_tag(ev)
        kind = ev.tag[len(_TAG):]
        if kind == "str":
            return text
        value = self._resolve_plain(ev)
        want = {"int": int, "float": Fraction, "bool": bool, "null": type(None)}[kind]
        if kind == "float" and type(value) is int:
            return Fraction(value)
        if type(value) is not want:
            raise _Reject(ev.start_mark, f"{text!r} is not a valid !!{kind}", "remove the tag")
        return value

    def _resolve_plain(self, ev) -> object:
        text = ev.value
        if _NULL.match(text):
            return None
        if text in _BOOL:
            return _BOOL[text]
        if _SPECIAL_FLOAT.match(text):
            raise _Reject(ev.start_mark, f"{text} (infinity / NaN) is not allowed as a number",
                          "write infinity as the string expression 'oo' (or '-oo')")
        is_int, m = _INT.match(text), _FLOAT.match(text)
        if not (is_int or m):
            return text
        if len(text) > MAX_NUMBER_CHARS:
            raise _Reject(ev.start_mark, f"a number with {len(text)} characters is too long",
                          f"at most {MAX_NUMBER_CHARS}; write it as an expression string")
        if is_int:
            return int(text, 0) if text[:2] in ("0o", "0x") else int(text)
        too_big = exponent_problem(text)
        if too_big:
            raise _Reject(ev.start_mark, *too_big)
        return Fraction(text)

    def _check_escapes(self, ev) -> None:
        raw = self._source(ev.start_mark, ev.end_mark)
        for m in re.finditer(r"\\.", raw):
            if _LATEX_ESCAPE.match(raw, m.start()):
                word = re.match(r"\\[A-Za-z]+", raw[m.start():]).group(0)
                raise _Reject(ev.start_mark, f"'{word}' in double quotes: YAML reads "
                              f"'{word[:2]}' as an escape (a control character), not LaTeX",
                              "write LaTeX in single quotes ('...') or in a block scalar (|)")

    def _source(self, start, end) -> str:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        ls = self._line_starts
        return self.text[ls[start.line] + start.column:ls[end.line] + end.column]

    @staticmethod
    def _bad_tag(ev) -> _Reject:
        tag = "!!" + ev.tag[len(_TAG):] if ev.tag.startswith(_TAG) else ev.tag
        return _Reject(ev.start_mark, f"the YAML tag '{tag}' is not allowed in claim files",
                       "remove the tag; claim files hold plain strings, numbers, lists "
                       "and mappings")


def mark_of(marks: Marks, path: tuple) -> tuple[int, int]:
    """The (line, col) of `path`, or of its nearest marked ancestor ((1, 1) when none is)."""
    while path not in marks and path:
        path = path[:-1]
    return marks.get(path, (1, 1))


_EXPONENT = re.compile(r"[eE]([-+]?)0*([0-9_]*)\Z")


def exponent_problem(text: str) -> tuple[str, str] | None:
    """(message, hint) when the decimal literal `text` has an exponent above MAX_EXPONENT in
    absolute value (`Fraction("1e999999999")` would compute 10**999999999 exactly), else None.
    The YAML loader and the expression parser both use it: one limit, one message."""
    m = _EXPONENT.search(text)
    if m is None:
        return None
    digits = m.group(2).replace("_", "")
    if len(digits) <= len(str(MAX_EXPONENT)) and int(digits or "0") <= MAX_EXPONENT:
        return None
    return (f"the exponent of {text} is too large", f"at most {MAX_EXPONENT} in absolute value")


def load_yaml_text(text: str, file: str) -> tuple[object, Marks]:
    """Parse one claim file's text into plain data and its marks, or raise ClaimFileError."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise _too_big(file, len(text.encode("utf-8", "surrogatepass")))
    text = text.removeprefix("\ufeff")
    bad = _BAD_CHAR.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        col = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise ClaimFileError(Problem(file, line, col, f"character {bad.group()!r} "
                             f"(U+{ord(bad.group()):04X}) is not allowed in YAML",
                             "remove it, or write it as an escape in double quotes"))
    loader = _Loader(text)
    builder = _Builder(loader, text)
    try:
        data = builder.document()
    except _Reject as r:
        raise ClaimFileError(Problem(file, *_pos(r.mark), r.message, r.hint)) from None
    except yaml.YAMLError as e:
        raise ClaimFileError(_syntax_problem(text, file, e)) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        line, col = builder.marks.get((), (1, 1))
        raise ClaimFileError(Problem(file, line, col, "the top level must be a mapping "
                             f"(key: value lines), got {_describe(data)}",
                             "a claim file starts with 'id: ...', 'kind: ...'"))
    return data, builder.marks


def load_yaml_file(path: pathlib.Path, display: str | None = None) -> tuple[object, Marks]:
    """Read and parse a claim file; `display` is the name used in messages (default: path)."""
    name = display if display is not None else str(path)
    return load_yaml_bytes(read_regular_file(pathlib.Path(path), name), name)


def load_yaml_bytes(raw: bytes, name: str) -> tuple[object, Marks]:
    """Parse a claim file's bytes (UTF-8) into plain data and its marks, or raise ClaimFileError."""
    if len(raw) > MAX_BYTES:
        raise _too_big(name, len(raw))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise ClaimFileError(Problem(name, line, col, f"the file is not valid UTF-8 (byte "
                             f"0x{raw[e.start]:02x})", "save the file as UTF-8")) from None
    return load_yaml_text(text, name)


def read_regular_file(path: pathlib.Path, name: str) -> bytes:
    """At most MAX_BYTES + 1 bytes of `path`, which must be a regular file (or a link to one).

    The file is opened without blocking and checked with fstat on the open descriptor, so a FIFO,
    a device or a socket named *.yaml is refused instead of blocking the run forever (and a file
    swapped for one between a check and the open is refused too)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ClaimFileError(Problem(name, 0, 0, "a symlink loop: the link never reaches a file",
                                         "remove the link, or point it at a claim file")) from None
        raise ClaimFileError(Problem(name, 0, 0, f"cannot read the file: {e.strerror or e}")) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ClaimFileError(Problem(name, 0, 0, f"this is {_file_type(st.st_mode)}, not a "
                                         "regular file: only regular files are read",
                                         "remove it from the claims folder, or rename it so that it "
                                         "does not end in .yaml"))
        if st.st_size > MAX_BYTES:
            raise _too_big(name, st.st_size)
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            return fh.read(MAX_BYTES + 1)
    except OSError as e:
        raise ClaimFileError(Problem(name, 0, 0, f"cannot read the file: {e.strerror or e}")) from None
    finally:
        if fd >= 0:
            os.close(fd)


def _file_type(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, what in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return what
    return "a special file"


def _too_big(file: str, size: int) -> ClaimFileError:
    return ClaimFileError(Problem(file, 0, 0, f"the file is {size} bytes, above the limit of "
                                  f"{MAX_BYTES} bytes", "split it into several claims"))


def _syntax_problem(text: str, file: str, err: yaml.YAMLError) -> Problem:
    """A Problem for a YAML error found by libyaml.

    The pure-Python parser's messages are more specific, so on this error path the text is parsed
    again with it - through the same builder, which stops at the first problem in the file, at
    MAX_DEPTH levels and at MAX_NODES nodes. That bounds the re-parse: the Python scanner's cost per
    token grows with the nesting depth, and libyaml itself stops only at 1000 levels (a file of
    10,000 brackets took 45 s to re-parse in full; now the 101st level is reported at once)."""
    if _Loader is not yaml.SafeLoader:
        loader = yaml.SafeLoader(text)
        try:
            _Builder(loader, text).document()
        except _Reject as r:
            return Problem(file, *_pos(r.mark), r.message, r.hint)
        except yaml.YAMLError as e:
            err = e
        finally:
            loader.dispose()
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    if "maximum nesting depth" in problem:  # newer libyaml stops deep nesting itself
        line, col = _pos(mark) if mark is not None else (0, 0)
        return Problem(file, line, col, f"the YAML is nested more than {MAX_DEPTH} levels deep",
                       "flatten the structure")
    context = getattr(err, "context", None)
    cmark = getattr(err, "context_mark", None)
    message = f"YAML syntax error: {problem}"
    if context:
        message += f" ({context}" + (f" started at line {cmark.line + 1})" if cmark else ")")
    hint = next((h for key, h in _SYNTAX_HINTS if key in f"{problem} {context}"), "")
    line, col = _pos(mark) if mark is not None else (0, 0)
    return Problem(file, line, col, message, hint)

