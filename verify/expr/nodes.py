"""The expression tree of the claim language: small immutable nodes, no Python objects inside.

The parser builds these from Python's `ast`; the SymPy and mpmath evaluators walk them.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator, Union


@dataclass(frozen=True)
class Num:
    value: Fraction


@dataclass(frozen=True)
class Const:
    name: str  # pi, E, oo, I


@dataclass(frozen=True)
class Sym:
    name: str


@dataclass(frozen=True)
class Item:
    """`x[i]` or `A[i, j]`, 1-based, on a declared symbol."""

    base: str
    index: tuple["Node", ...]


@dataclass(frozen=True)
class BinOp:
    op: str  # + - * / ** @
    left: "Node"
    right: "Node"


@dataclass(frozen=True)
class Neg:
    operand: "Node"


@dataclass(frozen=True)
class Compare:
    """A chain `a op1 b op2 c ...`; a single comparison has one op."""

    ops: tuple[str, ...]  # == != < <= > >=
    operands: tuple["Node", ...]


@dataclass(frozen=True)
class Logic:
    op: str  # and, or, not
    operands: tuple["Node", ...]


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple["Node", ...]


Node = Union[Num, Const, Sym, Item, BinOp, Neg, Compare, Logic, Call]


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of `node`."""
    if isinstance(node, (BinOp,)):
        return (node.left, node.right)
    if isinstance(node, Neg):
        return (node.operand,)
    if isinstance(node, (Compare, Logic)):
        return node.operands
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Item):
        return node.index
    return ()


def walk(node: Node) -> Iterator[Node]:
    """All nodes of the tree, parents first."""
    stack = [node]
    while stack:
        cur = stack.pop()
        yield cur
        stack.extend(reversed(children(cur)))


def size(node: Node) -> int:
    return sum(1 for _ in walk(node))


def names(node: Node) -> set[str]:
    """Symbol names used (free or bound) in the tree."""
    out = set()
    for n in walk(node):
        if isinstance(n, Sym):
            out.add(n.name)
        elif isinstance(n, Item):
            out.add(n.base)
    return out


def rebuild(node: Node, kids: tuple) -> Node:
    """`node` with its direct sub-nodes replaced by `kids` (in the order of `children`)."""
    if isinstance(node, BinOp):
        return BinOp(node.op, kids[0], kids[1])
    if isinstance(node, Neg):
        return Neg(kids[0])
    if isinstance(node, Compare):
        return Compare(node.ops, kids)
    if isinstance(node, Logic):
        return Logic(node.op, kids)
    if isinstance(node, Call):
        return Call(node.fn, kids)
    if isinstance(node, Item):
        return Item(node.base, kids)
    return node


def substitute(node: Node, mapping: dict[str, Node]) -> Node:
    """Replace symbols by trees (used to expand `define` macros). Subtrees that do not mention a
    replaced name are returned as they are (shared), so evaluators can compute them once."""
    if isinstance(node, Sym):
        return mapping.get(node.name, node)
    kids = children(node)
    new = tuple(substitute(k, mapping) for k in kids)
    if isinstance(node, Item) and node.base in mapping:
        target = mapping[node.base]
        return Item(target.name, new) if isinstance(target, Sym) else Call("entry", (target, *new))
    if _same(new, kids):
        return node
    if isinstance(node, Call):
        _check_bound_slot(node, new)
    return rebuild(node, new)


def _check_bound_slot(node: "Call", args: tuple) -> None:
    """A binder's variable (sum's i, jacobian's w) must stay a name when a define is expanded."""
    from verify.errors import ExprError
    from verify.expr.functions import FUNCTIONS
    fn = FUNCTIONS.get(node.fn)
    k = fn.binds if fn is not None else None
    if k is not None and k < len(args) and not isinstance(args[k], Sym):
        raise ExprError(f"a define passes an expression where {node.fn} needs a variable name "
                        f"(argument {k + 1} of {node.fn})",
                        "call the define with a symbol there, or write the binder outside the define")


def _same(a: tuple, b: tuple) -> bool:
    return all(x is y for x, y in zip(a, b))


def text(node) -> str:
    """A tree (or a list of trees) printed back in the claim language, for people."""
    if isinstance(node, (list, tuple)):
        return "[" + ", ".join(text(x) for x in node) + "]"
    t = type(node)
    if t is Num:
        return str(node.value)
    if t in (Sym, Const):
        return node.name
    if t is Neg:
        return "-" + _operand(node.operand, 4)
    if t is BinOp:
        p = _PREC[node.op]
        left = _operand(node.left, p + (node.op == "**"))
        right = _operand(node.right, p + (node.op in "-/@"))
        return f"{left}**{right}" if node.op == "**" else f"{left} {node.op} {right}"
    if t is Call:
        return f"{node.fn}({', '.join(text(a) for a in node.args)})"
    if t is Item:
        return f"{node.base}[{', '.join(text(i) for i in node.index)}]"
    if t is Compare:
        out = text(node.operands[0])
        for op, o in zip(node.ops, node.operands[1:]):
            out += f" {op} {text(o)}"
        return out
    if t is Logic:
        if node.op == "not":
            return "not " + _operand(node.operands[0], 2)
        return f" {node.op} ".join(_operand(o, 1) for o in node.operands)
    return str(node)


_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "**": 4}


def _operand(node, need: int = 5) -> str:
    """`node` printed as an operand that binds at least as tightly as `need`."""
    out = text(node)
    if isinstance(node, BinOp):
        prec = _PREC[node.op]
    elif isinstance(node, Neg):
        prec = 3
    elif isinstance(node, (Compare, Logic)):
        prec = 0
    elif isinstance(node, Num) and node.value < 0:
        prec = 3
    elif isinstance(node, Num) and node.value.denominator != 1:
        prec = 2
    else:
        prec = 5
    return f"({out})" if prec < need else out
