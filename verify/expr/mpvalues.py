"""The values of the numeric evaluator and their arithmetic: `mpf` scalars, `mp.matrix` (vectors
are n x 1), booleans and `I` before its size is known; conversion of exact inputs at the working
precision, operators with their shape rules, matrix powers (cached per evaluation)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

from mpmath import mp
from mpmath.libmp import from_int, mpf_div

from verify import limits
from verify.errors import EvalError
from verify.expr import mpmat
from verify.expr.powers import Powers


class Identity:
    """`I` before its size is known: it takes the size of the matrix it meets."""

    def __repr__(self) -> str:
        return "I"


IDENT = Identity()


def to_mp(v: Any) -> Any:
    """An exact input (Fraction, int, nested lists) as an mpmath value at the current precision:
    a Fraction as `mp.mpf(numerator) / denominator` computes it (both roundings), an int as
    `mp.mpf(v)`, a list as the matrix of its entries (a flat list: a column)."""
    t = type(v)
    if t is Fraction:
        prec, rnd = mp._prec_rounding
        return mp.make_mpf(mpf_div(from_int(v.numerator, prec, rnd), from_int(v.denominator), prec, rnd))
    if t is bool:
        return v
    if t is int:
        return mp.make_mpf(from_int(v, *mp._prec_rounding))
    if t is list:
        rows = v if v and type(v[0]) is list else [[x] for x in v]
        return mpmat.from_rows([[to_mp(x) for x in row] for row in rows])
    return v


_MATRIX = mp.matrix


def is_mat(v) -> bool:
    return type(v) is _MATRIX


def scalar(v, what: str = "value"):
    """A 1 x 1 matrix as a scalar; anything else non-scalar is an error."""
    if isinstance(v, Identity):
        return mp.mpf(1)
    if is_mat(v):
        if v.rows == 1 and v.cols == 1:
            return v[0, 0]
        raise EvalError(f"{what} is a {v.rows}x{v.cols} matrix where a scalar is needed")
    if isinstance(v, bool):
        return mp.mpf(int(v))
    return v


def maxabs(m) -> "mp.mpf":
    """The largest absolute entry of a matrix."""
    get, zero = mpmat.entries(m).get, mp.zero
    return max((abs(get((i, j), zero)) for i in range(m.rows) for j in range(m.cols)), default=mp.mpf(0))


def _resolve(a, b, product: bool = False):
    """Give `I` the size the other operand needs: in a product `A * I` it has A's column count,
    in `I * B` B's row count; in a sum or a comparison the other side's (square) size."""
    if isinstance(a, Identity):
        a = mp.eye(b.rows) if is_mat(b) else mp.mpf(1)
    if isinstance(b, Identity):
        b = mp.eye(a.cols if product else a.rows) if is_mat(a) else mp.mpf(1)
    return a, b


def _shape(v):
    return (v.rows, v.cols) if is_mat(v) else (1, 1)


def _check_dim(v):
    if is_mat(v):
        limits.check("max_dim", "matrix size", max(v.rows, v.cols), f"{v.rows}x{v.cols}")
    return v


def binop(op: str, a, b):
    a, b = _resolve(a, b, product=op in ("*", "@"))
    ma, mb = is_mat(a), is_mat(b)
    if ma and _shape(a) == (1, 1) and not mb:
        a, ma = a[0, 0], False
    if mb and _shape(b) == (1, 1) and not ma:
        b, mb = b[0, 0], False
    try:
        if op == "+" or op == "-":
            if ma != mb:
                raise EvalError(f"cannot {'add' if op == '+' else 'subtract'} a matrix and a scalar",
                                )
            if ma and _shape(a) != _shape(b):
                raise EvalError(f"shape mismatch in {op}: {_shape(a)} and {_shape(b)}")
            if ma:
                return mpmat.add(a, b, subtract=op == "-")
            return a + b if op == "+" else a - b
        if op in ("*", "@"):
            if ma and mb:
                if a.cols != b.rows:
                    if _shape(a) == (1, 1):
                        return mpmat.scale(a[0, 0], b)
                    if _shape(b) == (1, 1):
                        return mpmat.scale(b[0, 0], a)
                    raise EvalError(f"shape mismatch in product: {_shape(a)} times {_shape(b)}")
                return _check_dim(mpmat.mul(a, b))
            if ma or mb:
                return mpmat.scale(b, a) if ma else mpmat.scale(a, b)
            return a * b
        if op == "/":
            if mb:
                raise EvalError("division by a matrix; use inv(B)")
            if b == 0:
                raise EvalError("division by zero")
            return mpmat.divide(a, b) if ma else a / b
        if op == "**":
            return power(a, b)
    except ZeroDivisionError:
        raise EvalError("division by zero") from None
    raise EvalError(f"unknown operator {op}")


_POWERS: dict = {}  # (id(base), prec) -> Powers (the base is kept, so its id is not reused); cleared per evaluation


def clear_caches() -> None:
    _POWERS.clear()


def power(a, b):
    if is_mat(b):
        b = scalar(b, "an exponent")
    if is_mat(a):
        if a.rows != a.cols:
            raise EvalError(f"power of a non-square {a.rows}x{a.cols} matrix")
        if b != int(b) or b < 0:
            raise EvalError("matrix powers need a non-negative integer exponent")
        limits.check("max_power", "matrix exponent", int(abs(b)))
        key = (id(a), mp.prec)
        entry = _POWERS.get(key)
        if entry is None or entry.base is not a:
            entry = _POWERS[key] = Powers(a, mp.eye(a.rows))
        return entry.get(int(b), mpmat.mul)
    if a == 0 and b < 0:
        raise EvalError("0 to a negative power")
    if a < 0 and b != int(b):
        raise EvalError("negative base to a non-integer power")
    return mp.power(a, b)


def _entrywise(f: Callable, v):
    if is_mat(v):
        out = mpmat.apply(f, v)
        if out is None:
            raise EvalError("undefined at this instance: an entry is complex")
        return out
    return f(scalar(v))


def _as_mat(v):
    if isinstance(v, Identity):
        raise EvalError("I has no size here; use eye(n)")
    return v if is_mat(v) else mp.matrix([[v]])


def truth(v, ctx) -> bool:
    if isinstance(v, bool):
        return v
    raise EvalError("a condition must be a comparison, as x > 0")
