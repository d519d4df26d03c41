"""LaTeX to MathML for the report, with a safe fallback.

`latex2mathml` does the conversion, but its output is not safe to embed as is: text inside
``\\text{...}`` passes through unescaped and ``\\href``/``\\class`` produce attributes. So the
output is re-parsed and rebuilt here from a whitelist of MathML elements and attributes, with
every text node and attribute value escaped again. Anything that does not survive this
(a conversion error, an unknown command, unbalanced braces, a malformed fraction, a foreign
element) is shown as the escaped LaTeX source in ``<code class="latex-failed">`` with a visible
warning marker, never as half-rendered math.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from html import escape as _esc
from html.parser import HTMLParser

from markupsafe import Markup

# MathML elements latex2mathml emits (and a few harmless relatives). Anything else is refused.
_ELEMENTS = frozenset(
    "math mrow mi mn mo ms mtext mspace msub msup msubsup mfrac msqrt mroot mover munder"
    " munderover mtable mtr mtd mlabeledtr mstyle mpadded mphantom menclose merror mfenced"
    " mmultiscripts mprescripts none maligngroup malignmark".split()
)
_VOID = frozenset({"mspace", "none", "mprescripts", "maligngroup", "malignmark"})
# Presentation attributes only: no href, class, style, id or event handlers.
_ATTRS = frozenset(
    "display mathvariant stretchy fence form minsize maxsize accent accentunder movablelimits"
    " linethickness columnalign rowalign columnlines rowlines columnspacing rowspacing frame"
    " width height depth lspace rspace voffset scriptlevel displaystyle separator separators"
    " largeop symmetric linebreak notation open close mathcolor mathbackground mathsize"
    " columnspan rowspan".split()
)
_SAFE_VALUE = re.compile(r"^[#\w .,+%-]*$")
# Elements whose children are positional: (element, required number of children).
_ARITY = {"mfrac": 2, "msub": 2, "msup": 2, "msubsup": 3, "mroot": 2, "mover": 2, "munder": 2,
          "munderover": 3}
_UNKNOWN_COMMAND = re.compile(r"\\(?:[A-Za-z]+|[|{}])")
# latex2mathml leaves delimiters after \big, \Big, ... as LaTeX source: put the symbols back.
_DELIMITERS = {
    "\\|": "\u2016", "\\Vert": "\u2016", "\\lVert": "\u2016", "\\rVert": "\u2016", "\\vert": "|",
    "\\lvert": "|", "\\rvert": "|", "\\{": "{", "\\}": "}", "\\lbrace": "{", "\\rbrace": "}",
    "\\langle": "\u27e8", "\\rangle": "\u27e9", "\\lfloor": "\u230a", "\\rfloor": "\u230b",
    "\\lceil": "\u2308", "\\rceil": "\u2309", "\\lbrack": "[", "\\rbrack": "]",
}


class _Node:
    """A parsed MathML element: tag, attributes, children (nodes or text)."""

    __slots__ = ("tag", "attrs", "children")

    def __init__(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[_Node | str] = []


class _Rebuilder(HTMLParser):
    """Parses latex2mathml's output leniently into `_Node`s and records what looks wrong."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", [])
        self.stack = [self.root]
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ELEMENTS:
            self.problems.append(f"unexpected markup <{tag}> in the formula")
        node = _Node(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ELEMENTS:
            self.problems.append(f"unexpected markup <{tag}> in the formula")
        self.stack[-1].children.append(_Node(tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
        self.problems.append(f"unbalanced markup </{tag}> in the formula")

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _text_of(node: _Node) -> str:
    return "".join(c if isinstance(c, str) else _text_of(c) for c in node.children)


def _serialize(node: _Node | str, out: list[str], problems: list[str]) -> None:
    """Writes `node` back as MathML, escaping everything; appends to `problems`."""
    if isinstance(node, str):
        out.append(_esc(node, quote=False))
        return
    if node.tag not in _ELEMENTS:
        return
    if node.tag == "mo" and len(node.children) == 1 and isinstance(node.children[0], str):
        node.children = [_DELIMITERS.get(node.children[0].strip(), node.children[0])]
    problems += _node_problems(node)
    parts = [node.tag]
    for name, value in node.attrs:
        if name in _ATTRS and value is not None and _SAFE_VALUE.match(value):
            parts.append(f'{name}="{_esc(value)}"')
    if node.tag in _VOID:
        out.append("<" + " ".join(parts) + "/>")
        return
    out.append("<" + " ".join(parts) + ">")
    for child in node.children:
        _serialize(child, out, problems)
    out.append(f"</{node.tag}>")


def _brace_problem(latex: str) -> str | None:
    depth = 0
    i = 0
    while i < len(latex):
        ch = latex[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return f"unmatched '}}' at position {i + 1}"
        i += 1
    return f"{depth} unclosed '{{'" if depth > 0 else None


# Standard LaTeX operators that latex2mathml does not know, written as \operatorname.
_ALIAS_MAP = {r"\arg": r"\operatorname{arg}", r"\argmin": r"\operatorname{arg\,min}",
              r"\argmax": r"\operatorname{arg\,max}", r"\sech": r"\operatorname{sech}",
              r"\rank": r"\operatorname{rank}", r"\tr": r"\operatorname{tr}", r"\diag": r"\operatorname{diag}"}
_ALIASES = re.compile("|".join(re.escape(k) + r"(?![A-Za-z])" for k in sorted(_ALIAS_MAP, key=len, reverse=True)))


def _store_version() -> str:
    from importlib.metadata import version
    import hashlib
    return version("latex2mathml") + ":" + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


_STORE_VERSION = _store_version()
_STORE: dict[str, list] = {}   # "d|latex" -> [mathml, problem]: conversions kept between runs
_UNCHECKED: set[str] = set()   # keys read from the cache: untrusted until re-checked in `_convert`
_STORE_DIRTY = False


def load_store(path) -> None:
    """Read the conversions a previous run saved. The file is signed with the cache's key (an
    unsigned or edited file is ignored), and each entry still passes the whitelist again before
    use (`_convert`): MathML from disk is never put into a page as it is."""
    global _STORE, _UNCHECKED
    from verify.cache import cache_secret, read_signed
    path = Path(path)
    try:
        data = json.loads(read_signed(path, cache_secret(path.parent)) or "{}")
        if isinstance(data, dict) and data.get("version") == _STORE_VERSION:
            _STORE = {k: v for k, v in data["items"].items()
                      if isinstance(k, str) and isinstance(v, list) and len(v) == 2}
            _UNCHECKED = set(_STORE)
    except (ValueError, KeyError, AttributeError, TypeError):
        pass


def save_store(path) -> None:
    """Save the conversions atomically and signed, for the next run (only when something new
    was added)."""
    from verify.cache import cache_secret, write_signed
    if not _STORE_DIRTY:
        return
    path = Path(path)
    write_signed(path, json.dumps({"version": _STORE_VERSION, "items": _STORE}), cache_secret(path.parent))


def _convert(latex: str, display: bool) -> tuple[str | None, str | None]:
    """Returns (safe MathML or None, problem or None), from the store when converted before.
    A stored conversion is rebuilt through the same whitelist as fresh converter output."""
    global _STORE_DIRTY
    key = ("d|" if display else "i|") + latex
    hit = _STORE.get(key)
    if key in _UNCHECKED:  # read from disk: checked against the whitelist; a stored failure is redone
        _UNCHECKED.discard(key)
        stored = hit[0] if hit else None
        if isinstance(stored, str) and stored and _is_own_output(stored, latex.strip(), display):
            hit = [stored, None]
        else:
            hit = list(_whitelisted(stored, latex.strip(), display)) if isinstance(stored, str) and stored else None
        if hit is not None and hit[0] is None:
            hit = None
    if hit is None:
        hit = list(_convert_now(latex, display))
        _STORE_DIRTY = True
    _STORE[key] = hit
    return hit[0], hit[1]


def _convert_now(latex: str, display: bool) -> tuple[str | None, str | None]:
    """Returns (safe MathML or None, problem or None)."""
    source = latex.strip()
    if not source:
        return "", None
    problem = _brace_problem(source)
    if problem:
        return None, problem
    try:
        from latex2mathml.converter import convert

        raw = convert(_ALIASES.sub(lambda m: _ALIAS_MAP[m.group(0)], source),
                      display="block" if display else "inline")
    except Exception as exc:  # the library raises many private exception types
        detail = str(exc).strip()
        return None, f"{type(exc).__name__}{': ' + detail if detail else ''}"
    return _whitelisted(raw, source, display)


def _whitelisted(raw: str, source: str, display: bool) -> tuple[str | None, str | None]:
    """MathML rebuilt from `raw` with whitelisted elements and attributes only, every text and
    value escaped, and `source` as its alttext; (None, problem) when it does not survive.
    Our own output passes unchanged, so stored conversions are re-checked with it."""
    parser = _Rebuilder()
    try:
        parser.feed(raw)
        parser.close()
    except Exception as exc:  # pragma: no cover - HTMLParser is lenient
        return None, f"unreadable converter output ({exc})"
    problems = list(parser.problems)
    out: list[str] = []
    maths = [c for c in parser.root.children if isinstance(c, _Node) and c.tag == "math"]
    if len(maths) != 1:
        problems.append("converter produced no single <math> element")
    else:
        math = maths[0]
        math.attrs = [("display", "block" if display else "inline")]
        _serialize(math, out, problems)
    if problems:
        return None, "; ".join(dict.fromkeys(problems))
    body = "".join(out)
    # alttext keeps the source available to screen readers and copy/paste.
    body = body.replace("<math ", f'<math alttext="{_esc(source)}" ', 1)
    return body, None


_OWN_TOKEN = re.compile(r'<(/?)([a-z]+)((?: [a-z]+="[^"<>&]*")*)(/?)>|([^<>]+)')
_OWN_ATTR = re.compile(r' ([a-z]+)="([^"<>&]*)"')
_OWN_TEXT = re.compile(r"(?:[^<>&]|&amp;|&lt;|&gt;)*")


def _is_own_output(stored: str, source: str, display: bool) -> bool:
    """True when `stored` is exactly what `_whitelisted` makes of it: MathML as this module writes
    it (whitelisted elements and attributes, safe values, escaped text, balanced tags), for this
    `source` and `display`, with no problem to report. A strict scan, about 2.5 times cheaper than
    the rebuild; anything else (an older or foreign form, a problem) goes through the rebuild."""
    head = f'<math alttext="{_esc(source)}" display="{"block" if display else "inline"}">'
    if not (stored.startswith(head) and stored.endswith("</math>")):
        return False
    stack = [_Node("math", [])]
    pos, end = len(head), len(stored) - len("</math>")
    while pos < end:
        m = _OWN_TOKEN.match(stored, pos, end)
        if m is None or not _own_token(m, stack):
            return False
        pos = m.end()
    return len(stack) == 1 and _own_node(stack[0])


def _own_token(m: re.Match, stack: list[_Node]) -> bool:
    """Apply one token of `_is_own_output`'s scan to the open elements; False when it is not ours."""
    closing, tag, attrs, void, text = m.groups()
    if text is not None:
        if not _OWN_TEXT.fullmatch(text):
            return False
        stack[-1].children.append(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
        return True
    if closing:
        if attrs or void or stack[-1].tag != tag or len(stack) == 1 or not _own_node(stack[-1]):
            return False
        stack.pop()
        return True
    pairs = _OWN_ATTR.findall(attrs)
    if tag not in _ELEMENTS or bool(void) != (tag in _VOID) or \
            not all(n in _ATTRS and _SAFE_VALUE.match(v) for n, v in pairs):
        return False
    node = _Node(tag, pairs)
    stack[-1].children.append(node)
    if not void:
        stack.append(node)
    return True


def _node_problems(node: _Node) -> list[str]:
    """What is wrong with a complete element: an unknown command in a token, a wrong number of parts."""
    problems = []
    found = _UNKNOWN_COMMAND.search(_text_of(node)) if node.tag in {"mi", "mo", "mtext"} else None
    if found:
        problems.append(f"unknown command {found.group(0)}")
    want = _ARITY.get(node.tag)
    got = sum(1 for c in node.children if not isinstance(c, str) or c.strip())
    if want is not None and got != want:
        problems.append(f"\\{node.tag[1:]}-like construct has {got} parts, expected {want} (missing braces?)")
    return problems


def _own_node(node: _Node) -> bool:
    """The checks `_serialize` makes of a complete element: delimiters already mapped, no problem."""
    kids = node.children
    if node.tag == "mo" and len(kids) == 1 and isinstance(kids[0], str) and kids[0].strip() in _DELIMITERS:
        return False
    return not _node_problems(node)


def latex_problems(latex: str) -> str | None:
    """Says what is wrong with `latex` for rendering (None when it renders cleanly)."""
    return _convert(latex or "", False)[1]


def to_mathml(latex: str | None, display: bool = False) -> Markup:
    """Renders LaTeX as MathML; on failure, the escaped source with a visible warning."""
    if latex is None:
        return Markup("")
    mathml, problem = _convert(str(latex), bool(display))
    if mathml is not None:
        return Markup(mathml)
    title = f"LaTeX could not be rendered: {problem}"
    if display:  # room for the reason in plain sight
        return Markup(
            '<code class="latex-failed display" title="{title}"><span class="latex-warn" '
            'aria-hidden="true">\u26a0</span>{src}<span class="latex-reason">{title}</span></code>'
        ).format(title=title, src=str(latex))
    return Markup(
        '<code class="latex-failed" title="{title}"><span class="latex-warn" aria-hidden="true">'
        '\u26a0</span><span class="sr-only">LaTeX not rendered: </span>{src}</code>'
    ).format(title=title, src=str(latex))
