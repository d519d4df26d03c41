"""The whitelist parser: claim text -> expression tree. Nothing here evaluates Python.

Python's `ast` module only tokenizes and parses the text; each `ast` node is then either mapped to
a node of `verify.expr.nodes` or rejected with a message that names the construct and what is
allowed. Names must be declared symbols, `define` names, constants or table functions.
"""

from __future__ import annotations

import ast
import re
import warnings
from fractions import Fraction
from typing import Callable, Iterable, Optional

from verify.errors import ExprError, did_you_mean
from verify.expr import nodes as N
from verify.expr.functions import FUNCTIONS
from verify.load import exponent_problem

NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
CONSTANTS = {"pi", "E", "oo", "I"}
MAX_TEXT = 4000        # characters in one expression
MAX_NODES = 3000       # tree nodes after `define` expansion
MAX_INT_DIGITS = 60    # digits of an integer literal
MAX_LITERAL_EXPONENT = 10_000  # a literal exponent like x**100000 is refused at parse time

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
           ast.MatMult: "@"}
_CMPOPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}

_FORBIDDEN = {
    ast.Attribute: "attribute access (a.b)",
    ast.Lambda: "lambda",
    ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string", ast.FormattedValue: "an f-string",
    ast.Starred: "starred arguments", ast.NamedExpr: "the walrus operator :=",
    ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
    ast.IfExp: "a conditional expression (use piecewise(cond, a, b))",
    ast.Dict: "a dict", ast.Set: "a set", ast.Slice: "a slice",
}


def check_name(name: str, what: str = "name") -> None:
    """Identifiers reach code generation elsewhere: only plain ASCII names."""
    if len(name) > 64:
        raise ExprError(f"{what} is {len(name)} characters long", "at most 64")
    if not NAME_RE.match(name):
        raise ExprError(f"{what} {name!r} is not a plain name",
                        "names are letters, digits and _, starting with a letter")


class Definition:
    """A `define` entry: name(params) = body."""

    def __init__(self, name: str, params: tuple[str, ...], body: N.Node):
        self.name, self.params, self.body = name, params, body


class Parser:
    """Parses expressions for one claim: `symbols` are its declared names, `defines` its macros."""

    def __init__(self, symbols: Iterable[str], defines: Optional[dict[str, Definition]] = None,
                 fold: bool = False):
        self.symbols = set(symbols)
        self.defines = dict(defines or {})
        self.fold = fold  # keep `define` names as names (for printing), instead of expanding them
        self._src = ""
        self._sizes: dict[int, tuple[N.Node, int]] = {}  # id(node) -> (node, size as a tree)

    # -- entry points -------------------------------------------------------------------------
    def parse(self, text) -> N.Node:
        if isinstance(text, bool) or not isinstance(text, (str, int, Fraction)):
            raise ExprError(f"expected an expression, got {type(text).__name__}",
                            "write the expression as a string")
        if isinstance(text, (int, Fraction)):
            return N.Num(Fraction(text))
        if len(text) > MAX_TEXT:
            raise ExprError(f"expression is {len(text)} characters long", f"at most {MAX_TEXT}")
        bad = next((i for i, ch in enumerate(text) if ord(ch) > 126 or (ord(ch) < 32 and ch not in "\t\n\r")), None)
        if bad is not None:
            raise ExprError(f"character {text[bad]!r} (U+{ord(text[bad]):04X}) at column {bad + 1} is not allowed",
                            "expressions are plain ASCII (look-alike letters are refused)", bad + 1)
        source = " ".join(text.splitlines()).strip()
        if not source:
            raise ExprError("empty expression")
        self._src = source
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # Python's SyntaxWarnings are not for claim authors
                tree = ast.parse(source, mode="eval")
        except SyntaxError as exc:
            col = exc.offset or 0
            raise ExprError(f"syntax error: {exc.msg}",
                            "expressions use Python syntax: ** for powers, * for products",
                            col) from None
        except (RecursionError, MemoryError, ValueError):
            raise ExprError("expression is nested too deeply") from None
        try:
            node = self._node(tree.body)
        except RecursionError:
            raise ExprError("expression is nested too deeply") from None
        size = self._tree_size(node)
        if size > MAX_NODES:
            raise ExprError(f"expression has {size} nodes after expanding definitions",
                            f"at most {MAX_NODES}")
        return node

    def _tree_size(self, node: N.Node) -> int:
        """The number of nodes of `node` written out as a tree (a subtree shared by several
        parents counts once per use), in time linear in the number of *distinct* subtrees:
        sizes are memoised by identity, so a deeply nested `define` is measured, not walked."""
        sizes = self._sizes
        stack = [node]
        while stack:
            cur = stack[-1]
            if id(cur) in sizes:
                stack.pop()
                continue
            kids = N.children(cur)
            pending = [k for k in kids if id(k) not in sizes]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            sizes[id(cur)] = (cur, 1 + sum(sizes[id(k)][1] for k in kids))
        return sizes[id(node)][1]

    # -- ast -> nodes ---------------------------------------------------------------------------
    def _node(self, a: ast.AST) -> N.Node:
        method: Optional[Callable] = getattr(self, "_" + type(a).__name__, None)
        if method is None:
            what = _FORBIDDEN.get(type(a), f"the construct {type(a).__name__}")
            raise ExprError(f"{what} is not allowed", _ALLOWED, getattr(a, "col_offset", -1) + 1)
        return method(a)

    def _Constant(self, a: ast.Constant) -> N.Node:
        v = a.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ExprError(f"literal {v!r} is not allowed", "only numbers", a.col_offset + 1)
        if isinstance(v, int):
            if abs(v) >= 10 ** MAX_INT_DIGITS:  # not len(str(v)): a long hex literal makes str() raise
                raise ExprError(f"integer literal has more than {MAX_INT_DIGITS} digits")
            return N.Num(Fraction(v))
        # A decimal literal: take its exact decimal value from the source text, never the float,
        # after bounding its exponent as the YAML loader does (Fraction computes 10**e exactly).
        text = ast.get_source_segment(self._src, a) or repr(v)
        too_big = exponent_problem(text)
        if too_big:
            raise ExprError(*too_big, a.col_offset + 1)
        return N.Num(Fraction(text))

    def _Name(self, a: ast.Name) -> N.Node:
        name = a.id
        check_name(name)
        if name in self.symbols:
            return N.Sym(name)
        if name in CONSTANTS:
            return N.Const(name)
        if name in self.defines:
            d = self.defines[name]
            if d.params:
                raise ExprError(f"{name} takes {len(d.params)} argument(s)", f"write {name}(...)")
            return N.Sym(name) if self.fold else d.body
        known = self.symbols | CONSTANTS | set(self.defines) | set(FUNCTIONS)
        raise ExprError(f"unknown symbol {name!r}{did_you_mean(name, known)}",
                        "declare it under symbols: or define:", a.col_offset + 1)

    def _BinOp(self, a: ast.BinOp) -> N.Node:
        op = _BINOPS.get(type(a.op))
        if op is None:
            raise ExprError(f"operator {type(a.op).__name__} is not allowed",
                            "use + - * / ** @", a.col_offset + 1)
        left, right = self._node(a.left), self._node(a.right)
        if op == "**" and isinstance(right, N.Num) and abs(right.value) > MAX_LITERAL_EXPONENT:
            raise ExprError(f"exponent {right.value} is above the limit {MAX_LITERAL_EXPONENT}")
        return N.BinOp(op, left, right)

    def _UnaryOp(self, a: ast.UnaryOp) -> N.Node:
        operand = self._node(a.operand)
        if isinstance(a.op, ast.USub):
            if isinstance(operand, N.Num):
                return N.Num(-operand.value)
            return N.Neg(operand)
        if isinstance(a.op, ast.UAdd):
            return operand
        if isinstance(a.op, ast.Not):
            return N.Logic("not", (operand,))
        raise ExprError("operator ~ is not allowed", col=a.col_offset + 1)

    def _Compare(self, a: ast.Compare) -> N.Node:
        ops = []
        for op in a.ops:
            if type(op) not in _CMPOPS:
                raise ExprError(f"comparison {type(op).__name__} is not allowed",
                                "use == != < <= > >=", a.col_offset + 1)
            ops.append(_CMPOPS[type(op)])
        operands = (self._node(a.left),) + tuple(self._node(c) for c in a.comparators)
        return N.Compare(tuple(ops), operands)

    def _BoolOp(self, a: ast.BoolOp) -> N.Node:
        op = "and" if isinstance(a.op, ast.And) else "or"
        return N.Logic(op, tuple(self._node(v) for v in a.values))

    def _Subscript(self, a: ast.Subscript) -> N.Node:
        if not isinstance(a.value, ast.Name) or a.value.id not in self.symbols:
            raise ExprError("indexing is only allowed on a declared symbol, as x[i] or A[i, j]",
                            col=a.col_offset + 1)
        idx = a.slice.elts if isinstance(a.slice, ast.Tuple) else [a.slice]
        if not 1 <= len(idx) <= 2:
            raise ExprError("use x[i] or A[i, j]", col=a.col_offset + 1)
        return N.Item(a.value.id, tuple(self._node(i) for i in idx))

    def _List(self, a: ast.List) -> N.Node:
        rows = []
        for elt in a.elts:
            row = elt.elts if isinstance(elt, ast.List) else [elt]
            rows.append(tuple(self._node(e) for e in row))
        if not rows or len({len(r) for r in rows}) != 1:
            raise ExprError("a matrix literal needs rows of equal length, as [[1, 2], [3, 4]]")
        nested = isinstance(a.elts[0], ast.List)
        flat = tuple(e for r in rows for e in r)
        shape = (N.Num(Fraction(len(rows))), N.Num(Fraction(len(rows[0]) if nested else 1)))
        return N.Call("matrix", shape + flat)

    def _Call(self, a: ast.Call) -> N.Node:
        if a.keywords:
            raise ExprError("keyword arguments are not allowed", _ALLOWED, a.col_offset + 1)
        if not isinstance(a.func, ast.Name):
            raise ExprError("only calls of named functions are allowed, as opnorm(A)",
                            _ALLOWED, a.col_offset + 1)
        name = a.func.id
        check_name(name, "function name")
        if name in self.defines:
            d = self.defines[name]
            if len(a.args) != len(d.params):
                raise ExprError(f"{name} takes {len(d.params)} argument(s), got {len(a.args)}")
            args = [self._node(x) for x in a.args]
            if self.fold:
                return N.Call(name, tuple(args))
            expanded = N.substitute(d.body, dict(zip(d.params, args)))
            size = self._tree_size(expanded)  # bounded here, as it grows, not after expansion
            if size > MAX_NODES:
                raise ExprError(f"expanding the definition {name}(...) gives {size} nodes, "
                                f"above the limit of {MAX_NODES}",
                                f"nest {name} less deeply: each level copies its argument once "
                                "for every use of the parameter in the definition", a.col_offset + 1)
            return expanded
        fn = FUNCTIONS.get(name)
        if fn is None:
            known = set(FUNCTIONS) | set(self.defines)
            from verify.hints import suggest_function
            raise ExprError(f"unknown function {name!r}{suggest_function(name, known)}",
                            "`verify functions` lists the functions", a.col_offset + 1)
        lo, hi = fn.arity
        if len(a.args) < lo or (hi >= 0 and len(a.args) > hi):
            want = str(lo) if lo == hi else f"{lo} to {'any' if hi < 0 else hi}"
            raise ExprError(f"{name} takes {want} argument(s), got {len(a.args)}",
                            fn.doc, a.col_offset + 1)
        args = []
        for i, x in enumerate(a.args):
            if fn.binds == i:
                if not isinstance(x, ast.Name):
                    raise ExprError(f"argument {i + 1} of {name} must be a variable name", fn.doc)
                check_name(x.id)
                if x.id not in self.symbols:
                    raise ExprError(f"bound variable {x.id!r} of {name} is not declared",
                                    f"add `{x.id}: index` under symbols:")
                args.append(N.Sym(x.id))
            else:
                args.append(self._node(x))
        return N.Call(name, tuple(args))


_ALLOWED = ("allowed: numbers, declared symbols, + - * / ** @, comparisons, and/or/not, "
            "x[i], and calls of the table's functions")


def parse(text, symbols: Iterable[str], defines: Optional[dict[str, Definition]] = None,
          fold: bool = False) -> N.Node:
    """Parse one expression of a claim (`fold`: keep define names, for printing)."""
    return Parser(symbols, defines, fold).parse(text)


DEF_RE = re.compile(r"\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\(([^()]*)\))?\s*\Z")


def parse_definitions(entries: list[tuple[str, object]], symbols: Iterable[str]) -> dict[str, Definition]:
    """Parse `define:` entries in order; later ones may use earlier ones.

    Raises ExprError with `.key` set to the offending entry's key.
    """
    syms = set(symbols)
    defs: dict[str, Definition] = {}
    for key, text in entries:
        try:
            m = DEF_RE.match(str(key))
            if not m:
                raise ExprError(f"definition name {key!r} is not name or name(a, b)")
            name = m.group(1)
            check_name(name, "definition name")
            params = tuple(p.strip() for p in m.group(2).split(",")) if m.group(2) else ()
            for prm in params:
                check_name(prm, "parameter")
            if name in syms or name in FUNCTIONS or name in CONSTANTS:
                raise ExprError(f"definition {name!r} shadows a symbol, constant or function",
                                "choose another name")
            body = parse(text, syms | set(params), defs)
            defs[name] = Definition(name, params, body)
        except ExprError as exc:
            exc.key = key
            raise
    return defs
