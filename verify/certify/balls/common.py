"""What both domains share: python-flint's types, the bounds, the signals that end an evaluation,
shapes, and values shown in messages."""

from __future__ import annotations

from fractions import Fraction

import flint
from flint import acb_mat, arb, arb_mat, fmpq, fmpq_mat, fmpz

from verify import limits
from verify.expr.numeric import IDENT  # noqa: F401 - `I` before its size is known, shared by the engines

# -- bounds: a hostile tree must not hang the engine ------------------------------------------

MAX_EXACT_EXPONENT = 10**4      # integer powers evaluated exactly; beyond: balls
MAX_BALL_EXPONENT = 10**6       # integer powers of balls cost log2(exponent) products
MAX_BITS = 1 << 13              # bits of one exact rational; beyond: balls
MAX_STEPS = 1_000_000           # nodes evaluated (loops included) per certify() call


class _Stop(Exception):
    """Base of the signals that end one evaluation."""


class NotRational(_Stop):
    """The rational domain cannot represent this value: evaluate with balls instead."""


class Unsupported(_Stop):
    """No rigorous evaluation of this tree here (a function, a size, a budget)."""


class Undecidable(_Stop):
    """A ball straddles a decision boundary (a condition, an index, a singular matrix)."""


class EvalFailure(_Stop):
    """The expression has no value at this instance (division by zero, shapes, ...)."""


class Domain:
    """What both number domains do alike: the instance's values, numbers and new matrices are exact."""

    def __init__(self):
        self.zero, self.one = fmpq(0), fmpq(1)

    def num(self, q: Fraction):
        return fmpq(q.numerator, q.denominator)

    def integer(self, k: int):
        return fmpq(k)

    def value(self, v):
        """An `Exact` instance value (Fraction, int, nested lists)."""
        if isinstance(v, bool):
            return v
        if isinstance(v, (int, Fraction)):
            v = Fraction(v)
            return fmpq(v.numerator, v.denominator)
        if isinstance(v, list):
            rows = v if v and isinstance(v[0], list) else [[x] for x in v]
            check_dims(len(rows), len(rows[0]) if rows else 0)
            rows = [[self.value(x) for x in row] for row in rows]
            return fmpq_mat(rows) if rows and rows[0] else fmpq_mat(len(rows), 0)
        raise Unsupported(f"an input value of type {type(v).__name__}")

    def new(self, r: int, c: int):
        return fmpq_mat(r, c)

    def eye(self, n: int):
        m = fmpq_mat(n, n)
        for i in range(n):
            m[i, i] = 1
        return m


def is_mat(v) -> bool:
    return isinstance(v, (fmpq_mat, arb_mat))


def shape(v):
    return (v.nrows(), v.ncols()) if is_mat(v) else (1, 1)


def square(A, what: str):
    """`A`, refused (naming `what`) when it is not a square matrix."""
    if A.nrows() != A.ncols():
        raise EvalFailure(f"{what} of a non-square {A.nrows()}x{A.ncols()} matrix")
    return A


def short(q) -> str:
    s = str(q)
    if len(s) <= 40:
        return s
    return fmt_ball(arb(q)) if isinstance(q, fmpq) else s[:37] + "..."


def fmt_ball(x) -> str:
    if not x.is_finite():
        if x.is_exact() and not x.is_nan():  # arb prints an infinite point as "[+/- inf]"
            return "oo" if x > 0 else "-oo"
        return "[nan]" if x.is_nan() else str(x)
    if x.is_exact():
        return x.str(12)
    return f"[{x.mid().str(12, radius=False)} +/- {x.rad().str(3, radius=False)}]"


def check_dims(r: int, c: int) -> None:
    top = limits.LIMITS["max_dim"]
    if r > top or c > top:
        raise Unsupported(f"a {r}x{c} matrix (above {top})")
