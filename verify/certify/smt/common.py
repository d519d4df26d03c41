"""What the parts of the z3 translation share: the bounds on a translation, the `Unsupported`
signal, folded constants kept small, and trees shown in messages."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Optional

from verify.expr import nodes as N

MAX_VARS = 8            # quantified symbols
MAX_UNROLL = 50         # terms of one sum / prod / iterate
MAX_POWER = 64          # literal exponent on a non-constant base
MAX_CONST_BITS = 10_000  # size of an exactly folded constant (numerator + denominator bits)
MAX_STEPS = 50_000      # translated nodes (after unrolling)

Val = Any  # Fraction (folded constant) or a z3 real term


class Unsupported(Exception):
    """A construct z3 cannot express exactly; the message names it."""


def show(node: N.Node, limit: int = 80) -> str:
    """A short plain-text rendering of a tree, for messages (cut at `limit` characters)."""
    text = _show(node)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _show(node: N.Node) -> str:
    t = type(node)
    if t is N.Num:
        return str(node.value)
    if t in (N.Sym, N.Const):
        return node.name
    if t is N.Neg:
        return f"-{_wrap(node.operand)}"
    if t is N.BinOp:
        left = _wrap(node.left, node.op == "**" or isinstance(node.left, N.BinOp) and node.left.op != node.op)
        return f"{left} {node.op} {_wrap(node.right)}"
    if t is N.Call:
        return f"{node.fn}({', '.join(_show(a) for a in node.args)})"
    if t is N.Item:
        return f"{node.base}[{', '.join(_show(i) for i in node.index)}]"
    if t is N.Compare:
        out = _show(node.operands[0])
        for op, o in zip(node.ops, node.operands[1:]):
            out += f" {op} {_show(o)}"
        return out
    if t is N.Logic:
        if node.op == "not":
            return f"not ({_show(node.operands[0])})"
        return f" {node.op} ".join(f"({_show(o)})" for o in node.operands)
    return t.__name__


def _wrap(node: N.Node, strict: bool = True) -> str:
    """An operand, in parentheses when it is compound (and `strict`: not a left operand that
    reads the same without them)."""
    text = _show(node)
    negative = isinstance(node, N.Num) and node.value < 0
    return f"({text})" if strict and (isinstance(node, (N.BinOp, N.Neg)) or negative) else text


def bits(v: Fraction) -> int:
    return v.numerator.bit_length() + v.denominator.bit_length()


def small(v: Fraction, node: Optional[N.Node]) -> Fraction:
    """A folded constant, refused when it grows past MAX_CONST_BITS (hostile inputs)."""
    if bits(v) > MAX_CONST_BITS:
        where = f" in {show(node)}" if node is not None else ""
        raise Unsupported(f"a constant of {bits(v)} bits{where} (at most {MAX_CONST_BITS})")
    return v
