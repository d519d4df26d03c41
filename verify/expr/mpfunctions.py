"""The function table of the numeric evaluator (`NUMERIC`: name -> body over mpmath values, given
the evaluation context for its tolerance band). Binder forms (`sum`, `diff`, ...) are in
verify.expr.numeric."""

from __future__ import annotations

import operator
from functools import partial
from typing import Callable

from mpmath import mp

from verify import limits
from verify.errors import EvalError, Undecided
from verify.expr import mpmat
from verify.expr.elementary import ELEMENTARY, Elementary, Scalars
from verify.expr.mpvalues import _as_mat, _check_dim, _entrywise, _shape, is_mat, scalar, to_mp, truth


def _idx(v, n: int, what: str) -> int:
    i = scalar(v)
    if i != int(i):
        raise EvalError(f"{what} index {i} is not an integer")
    i = int(i)
    if not 1 <= i <= n:
        raise EvalError(f"{what} index {i} is outside 1..{n}")
    return i - 1


def _sym_eigs(A, ctx):
    A = _as_mat(A)
    if A.rows != A.cols:
        raise EvalError(f"eigenvalues of a non-square {A.rows}x{A.cols} matrix")
    T = mpmat.transpose(A)
    if mpmat.mnorm(mpmat.add(A, T, subtract=True), 1) > ctx.band * max(1, mpmat.mnorm(A, 1)):
        raise EvalError("lambda_min/lambda_max need a symmetric matrix; use rho() or sigma_*()")
    return sorted(mp.eigsy(mpmat.divide(mpmat.add(A, T), _TWO), eigvals_only=True))


_TWO = mp.mpf(2)


def _svals(A):
    A = _as_mat(A)
    return sorted(mp.svd_r(A, compute_uv=False))


def _rank(ctx, A):
    s = _svals(A)
    top = max(s) if s else 0
    cut = ctx.band * max(1, top)
    for x in s:
        if abs(x - cut) <= cut / 2 and x != 0:
            raise Undecided(f"a singular value {mp.nstr(x, 5)} sits at the rank tolerance")
    return mp.mpf(sum(1 for x in s if x > cut))


def _matrix(ctx, r, c, *entries):
    r, c = int(scalar(r)), int(scalar(c))
    if r * c != len(entries):
        raise EvalError("matrix literal has the wrong number of entries")
    return mp.matrix([[scalar(entries[i * c + j]) for j in range(c)] for i in range(r)])


def _stack(parts, horizontal: bool):
    mats = [_as_mat(p) for p in parts]
    if horizontal:
        if len({m.rows for m in mats}) != 1:
            raise EvalError("hstack needs equal row counts")
        return mp.matrix([[m[i, j] for m in mats for j in range(m.cols)] for i in range(mats[0].rows)])
    if len({m.cols for m in mats}) != 1:
        raise EvalError("vstack needs equal column counts")
    return mp.matrix([[m[i, j] for j in range(m.cols)] for m in mats for i in range(m.rows)])


def _inv(A):
    if not is_mat(A):
        if A == 0:
            raise EvalError("inverse of 0")
        return 1 / A
    if A.rows != A.cols:
        raise EvalError(f"inverse of a non-square {A.rows}x{A.cols} matrix")
    try:
        return mp.inverse(A)
    except ZeroDivisionError:
        raise EvalError("inverse of a singular matrix") from None


def _pinv(ctx, A):
    """Moore-Penrose pseudo-inverse from the SVD; singular values inside the band count as 0."""
    A = _as_mat(A)
    U, S, V = mp.svd_r(A)
    top = max(S) if len(S) else 0
    cut = ctx.band * max(1, top)
    out = mp.zeros(A.cols, A.rows)
    for k in range(len(S)):
        if abs(S[k] - cut) <= cut / 2 and S[k] != 0:
            raise Undecided("a singular value sits at the pseudo-inverse's tolerance")
        if S[k] > cut:
            out += (V[k, :].T * U[:, k].T) / S[k]
    return out


def _hadamard(A, B):
    A, B = _as_mat(A), _as_mat(B)
    if _shape(A) != _shape(B):
        raise EvalError(f"hadamard of shapes {_shape(A)} and {_shape(B)}")
    return mpmat.hadamard(A, B)


def _dot(u, v):
    u, v = _as_mat(u), _as_mat(v)
    if _shape(u) != _shape(v):
        raise EvalError(f"dot of shapes {_shape(u)} and {_shape(v)}")
    ug, vg, zero = mpmat.entries(u).get, mpmat.entries(v).get, mp.zero
    return mp.fsum(ug((i, j), zero) * vg((i, j), zero) for i in range(u.rows) for j in range(u.cols))


NUMERIC: dict[str, Callable] = {
    "T": lambda ctx, A: mpmat.transpose(A) if is_mat(A) else A,
    "inv": lambda ctx, A: _inv(A),
    "det": lambda ctx, A: mp.det(_as_mat(A)),
    "trace": lambda ctx, A: mp.fsum(_as_mat(A)[i, i] for i in range(min(_shape(A)))),
    "opnorm": lambda ctx, A: max(_svals(A)) if is_mat(A) else abs(A),
    "norm": lambda ctx, A: mpmat.mnorm(A, "f") if is_mat(A) else abs(A),
    "lambda_min": lambda ctx, A: _sym_eigs(A, ctx)[0],
    "lambda_max": lambda ctx, A: _sym_eigs(A, ctx)[-1],
    "sigma_min": lambda ctx, A: _svals(A)[0],
    "sigma_max": lambda ctx, A: _svals(A)[-1],
    "rho": lambda ctx, A: max(abs(x) for x in mp.eig(_as_mat(A), left=False, right=False)),
    "rank": _rank,
    "dot": lambda ctx, u, v: _dot(u, v),
    "hadamard": lambda ctx, A, B: _hadamard(A, B),
    "pinv": lambda ctx, A: _pinv(ctx, A),
    "maxentry": lambda ctx, A: max(_as_mat(A)[i, j] for i in range(_as_mat(A).rows) for j in range(_as_mat(A).cols)),
    "minentry": lambda ctx, A: min(_as_mat(A)[i, j] for i in range(_as_mat(A).rows) for j in range(_as_mat(A).cols)),
    "outer": lambda ctx, u, v: _check_dim(_as_mat(u) * _as_mat(v).T),
    "diag": lambda ctx, v: mp.diag([_as_mat(v)[i] for i in range(len(_as_mat(v)))]),
    "eye": lambda ctx, n: mp.eye(_size(n)),
    "zeros": lambda ctx, r, c: mp.zeros(_size(r), _size(c)),
    "ones": lambda ctx, r, c: mp.ones(_size(r), _size(c)),
    "row": lambda ctx, A, i: _as_mat(A)[_idx(i, _as_mat(A).rows, "row"), :].T,
    "col": lambda ctx, A, j: _as_mat(A)[:, _idx(j, _as_mat(A).cols, "column")],
    "entry": lambda ctx, A, i, j: _as_mat(A)[_idx(i, _as_mat(A).rows, "row"),
                                             _idx(j, _as_mat(A).cols, "column")],
    "rows": lambda ctx, A: mp.mpf(_shape(A)[0]),
    "cols": lambda ctx, A: mp.mpf(_shape(A)[1]),
    "vec": lambda ctx, A: mp.matrix([e for r in _as_mat(A).tolist() for e in r]),
    "hstack": lambda ctx, *p: _stack(p, True),
    "vstack": lambda ctx, *p: _stack(p, False),
    "matrix": _matrix,
    "ind": lambda ctx, c: mp.mpf(1) if truth(c, ctx) else mp.mpf(0),
    "binomial": lambda ctx, n, k: mp.binomial(scalar(n), scalar(k)),
    "factorial": lambda ctx, n: _factorial(scalar(n)),
    "transpose": lambda ctx, A: mpmat.transpose(A) if is_mat(A) else A,
    "tr": lambda ctx, A: mp.fsum(_as_mat(A)[i, i] for i in range(min(_shape(A)))),
    "fro": lambda ctx, A: mpmat.mnorm(_as_mat(A), "f"),
}


def _size(n) -> int:
    n = scalar(n)
    if n != int(n) or n < 0:
        raise EvalError(f"a size must be a non-negative integer, got {n}")
    limits.check("max_dim", "matrix size", int(n))
    return int(n)


def _factorial(n):
    limits.check("max_factorial", "factorial argument", int(n))
    return mp.factorial(n)


class MpScalars(Scalars):
    """The elementary functions' operations in mpmath at the current precision; `ctx` gives the
    tolerance band (a kink of step, an asin argument past 1 by rounding)."""
    __slots__ = ("ctx",)

    def __init__(self, ctx):
        self.ctx = ctx

    num = staticmethod(to_mp)
    add, sub, mul, div = (staticmethod(f) for f in (operator.add, operator.sub, operator.mul, operator.truediv))
    neg, abs = staticmethod(operator.neg), staticmethod(abs)
    sign, floor, ceil = (staticmethod(f) for f in (mp.sign, mp.floor, mp.ceil))
    exp, log1p, sin, cos, tan, atan = (staticmethod(f) for f in (mp.exp, mp.log1p, mp.sin, mp.cos, mp.tan, mp.atan))
    sinh, cosh, tanh, sech = (staticmethod(f) for f in (mp.sinh, mp.cosh, mp.tanh, mp.sech))

    @staticmethod
    def max2(a, b):
        return max(a, b)

    @staticmethod
    def min2(a, b):
        return min(a, b)

    def cbrt(self, z):
        return mp.sign(z) * mp.cbrt(abs(z))

    @staticmethod
    def sqrt(x):
        if x < 0:
            raise EvalError(f"sqrt of a negative number {mp.nstr(x, 8)}")
        return mp.sqrt(x)

    @staticmethod
    def log(x):
        if x <= 0:
            raise EvalError(f"log of a non-positive number {mp.nstr(x, 8)}")
        return mp.log(x)

    def logb(self, x, base):
        return self.log(x) / self.log(base)

    def asin(self, z):
        return mp.asin(self._unit(z))

    def acos(self, z):
        return mp.acos(self._unit(z))

    def _unit(self, z):
        """An asin / acos argument on [-1, 1]; past +-1 by no more than the tolerance band (a cosine
        of unit vectors normalised in floating point) it is rounding and is taken at the edge;
        farther out the value is complex, which is undefined."""
        return mp.sign(z) if 1 < abs(z) <= 1 + self.ctx.band else z

    def step(self, z):
        if abs(z) <= self.ctx.band:
            raise Undecided("step(x) evaluated on a kink x = 0")
        return mp.one if z > 0 else mp.zero


def _lift(fn: Elementary) -> Callable:
    """An elementary function's body as an entry of NUMERIC."""
    if fn.entrywise:
        return lambda ctx, x: _entrywise(partial(fn.body, MpScalars(ctx)), x)
    return lambda ctx, *xs: fn.body(MpScalars(ctx), *[scalar(x) for x in xs])


NUMERIC.update({name: _lift(fn) for name, fn in ELEMENTARY.items()})
