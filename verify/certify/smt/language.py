"""The part of the claim language z3 expresses: the bounds on a translation, the `Unsupported`
signal, folded constants kept small, trees shown in messages, and the functions and binder forms
that have a translation (scalars only: z3 has no matrices)."""

from __future__ import annotations

import math
import operator
from fractions import Fraction
from typing import Any, Callable, Optional

from verify.expr import nodes as N
from verify.expr.bodies import TRANSCENDENTAL, Ops, can, runner
from verify.expr.functions import BODIES

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
    text = N.text(node)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def bits(v: Fraction) -> int:
    return v.numerator.bit_length() + v.denominator.bit_length()


def small(v: Fraction, node: Optional[N.Node]) -> Fraction:
    """A folded constant, refused when it grows past MAX_CONST_BITS (hostile inputs)."""
    if bits(v) > MAX_CONST_BITS:
        where = f" in {show(node)}" if node is not None else ""
        raise Unsupported(f"a constant of {bits(v)} bits{where} (at most {MAX_CONST_BITS})")
    return v


def unsupported_fn(fn: str, op: str = "") -> str:
    if fn in TRANSCENDENTAL or op in TRANSCENDENTAL:
        return f"the function {fn} (transcendental: z3 cannot express it exactly)"
    return f"the function {fn}"


class Z3Ops(Ops):
    """The operations of the functions written once, over z3 reals, folding rational constants
    (`Val`). z3 has no matrices: a value is never one."""
    __slots__ = ("tr", "node", "guard")
    matrices = False
    zero, one = Fraction(0), Fraction(1)

    def __init__(self, tr, node: N.Call, guard):
        self.tr, self.node, self.guard = tr, node, guard

    def unsupported(self, op: str):
        raise Unsupported(unsupported_fn(self.node.fn, op))

    def num(self, q: Fraction) -> Fraction:
        return Fraction(q)

    @staticmethod
    def is_mat(v) -> bool:
        return False

    @staticmethod
    def scalar(v):
        return v

    @staticmethod
    def entrywise(f: Callable, v):
        return f(v)

    def div(self, a, b):
        return self.tr.divide(a, b, self.node, self.guard)

    def neg(self, a):
        return -a

    def abs(self, x):
        return abs(x) if isinstance(x, Fraction) else self.tr.z3.If(x >= 0, x, -x)

    def sign(self, x):
        if isinstance(x, Fraction):
            return Fraction((x > 0) - (x < 0))
        lift, z = self.tr.lift, self.tr.z3
        return z.If(x > 0, lift(Fraction(1)), z.If(x < 0, lift(Fraction(-1)), lift(Fraction(0))))

    def step(self, x):
        return Fraction(int(x >= 0)) if isinstance(x, Fraction) else self.tr.ite(x >= 0, Fraction(1), Fraction(0))

    def max2(self, a, b):
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return max(a, b)
        left, right = self.tr.lift(a), self.tr.lift(b)
        return self.tr.z3.If(left >= right, left, right)

    def min2(self, a, b):
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return min(a, b)
        left, right = self.tr.lift(a), self.tr.lift(b)
        return self.tr.z3.If(left <= right, left, right)

    def floor(self, x):
        return self.tr.floor(x, ceil=False)

    def ceil(self, x):
        return self.tr.floor(x, ceil=True)

    def sqrt(self, x):
        return self.tr.sqrt(x, self.node, self.guard)

    def cbrt(self, x):
        return self.tr.cbrt(x)

    def inv(self, x):
        return self.tr.divide(Fraction(1), x, self.node.args[0], self.guard)

    norm = opnorm = fro = abs  # of a scalar

    def binomial(self, n, k):
        if not all(isinstance(v, Fraction) and v.denominator == 1 and 0 <= v <= 10_000 for v in (n, k)):
            raise Unsupported(f"binomial with non-literal or out-of-range arguments: {show(self.node)}")
        return small(Fraction(math.comb(int(n), int(k))), self.node)

    def factorial(self, n):
        if not (isinstance(n, Fraction) and n.denominator == 1 and 0 <= n <= 200):
            raise Unsupported(f"factorial of a non-literal argument: {show(self.node)}")
        return Fraction(math.factorial(int(n)))


def _arith(f: Callable) -> Callable:
    """+, - or * with rational constants folded (and kept small)."""
    def op(self, a, b):
        if isinstance(a, Fraction) and isinstance(b, Fraction):
            return small(f(a, b), self.node)
        return f(self.tr.lift(a), self.tr.lift(b))
    return op


Z3Ops.add, Z3Ops.sub, Z3Ops.mul = (_arith(f) for f in (operator.add, operator.sub, operator.mul))


FUNCTIONS: dict[str, Callable] = {name: (lambda tr, a, node, guard, run=runner(fn, Z3Ops): run(Z3Ops(tr, node, guard), *a))
                                  for name, fn in BODIES.items() if can(Z3Ops, fn)}


def _b_iterate(tr, node, env, guard):
    var = tr.binder_var(node)
    x = tr.num(node.args[2], env, guard)
    steps = tr.int_bound(node.args[3], env, guard, "number of steps of iterate")
    if steps > MAX_UNROLL:
        raise Unsupported(f"iterate over {steps} steps (at most {MAX_UNROLL} are unrolled)")
    for _ in range(max(steps, 0)):
        x = tr.num(node.args[0], {**env, var: x}, guard)
    return x


def _b_at(tr, node, env, guard):
    var = tr.binder_var(node)
    value = tr.num(node.args[2], env, guard)
    return tr.num(node.args[0], {**env, var: value}, guard)


def _b_piecewise(tr, node, env, guard):
    args = node.args
    if len(args) % 2 == 0:
        raise Unsupported("piecewise with an even number of arguments (no 'otherwise')")
    z, g, branches = tr.z3, guard, []
    for c_node, v_node in zip(args[0:-1:2], args[1:-1:2]):
        c = tr.cond(c_node, env, g)
        branches.append((c, tr.num(v_node, env, tr.both(g, c))))
        g = tr.both(g, z.Not(c))
    out = tr.num(args[-1], env, g)
    for c, v in reversed(branches):
        out = tr.ite(c, v, out)
    return out


BINDERS: dict[str, Callable] = {
    "sum": lambda tr, node, env, guard: tr.total(tr.unroll(node, env, guard), "+"),
    "prod": lambda tr, node, env, guard: tr.total(tr.unroll(node, env, guard), "*"),
    "iterate": _b_iterate, "at": _b_at, "piecewise": _b_piecewise,
    "ind": lambda tr, node, env, guard: tr.ite(tr.cond(node.args[0], env, guard), Fraction(1), Fraction(0)),
}

#: The functions with a translation here (scalars only: z3 has no matrices).
SUPPORTED = frozenset(FUNCTIONS) | frozenset(BINDERS)
