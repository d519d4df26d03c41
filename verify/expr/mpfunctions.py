"""The numeric evaluator's functions: `MpOps`, the operations of the functions written once
(verify.expr.bodies) in mpmath at the working precision, and `NUMERIC` (name -> run(ctx, *args)),
those functions as the evaluator calls them, and `ind`. Binder forms (`sum`, `diff`, ...) are in
verify.expr.numeric and verify.expr.walk."""

from __future__ import annotations

import operator
from typing import Any, Callable

from mpmath import mp

from verify import limits
from verify.errors import EvalError, Undecided
from verify.expr import mpmat
from verify.expr.bodies import Ops, can, runner
from verify.expr.functions import BODIES
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


def _dot(u, v):
    u, v = _as_mat(u), _as_mat(v)
    if _shape(u) != _shape(v):
        raise EvalError(f"dot of shapes {_shape(u)} and {_shape(v)}")
    ug, vg, zero = mpmat.entries(u).get, mpmat.entries(v).get, mp.zero
    return mp.fsum(ug((i, j), zero) * vg((i, j), zero) for i in range(u.rows) for j in range(u.cols))


NUMERIC: dict[str, Callable] = {"ind": lambda ctx, c: mp.mpf(1) if truth(c, ctx) else mp.mpf(0)}


def _size(n) -> int:
    n = scalar(n)
    if n != int(n) or n < 0:
        raise EvalError(f"a size must be a non-negative integer, got {n}")
    limits.check("max_dim", "matrix size", int(n))
    return int(n)


def _factorial(n):
    limits.check("max_factorial", "factorial argument", int(n))
    return mp.factorial(n)


class MpOps(Ops):
    """The operations of the functions written once, in mpmath at the current precision. The
    evaluation context (verify.expr.numeric.Ctx) is one: its `band` is the tolerance (a kink of
    step, an asin argument past 1 by rounding)."""
    __slots__ = ()
    band: Any

    num, zero, one = staticmethod(to_mp), mp.zero, mp.one
    add, sub, mul, div = (staticmethod(f) for f in (operator.add, operator.sub, operator.mul, operator.truediv))
    neg, abs = staticmethod(operator.neg), staticmethod(abs)
    sign, floor, ceil = (staticmethod(f) for f in (mp.sign, mp.floor, mp.ceil))
    exp, log1p, sin, cos, tan, atan = (staticmethod(f) for f in (mp.exp, mp.log1p, mp.sin, mp.cos, mp.tan, mp.atan))
    sinh, cosh, tanh, sech = (staticmethod(f) for f in (mp.sinh, mp.cosh, mp.tanh, mp.sech))

    is_mat, as_mat, scalar, transpose, total, entrywise, hadamard = (
        staticmethod(f) for f in (is_mat, _as_mat, scalar, mpmat.transpose, mp.fsum, _entrywise, mpmat.hadamard))
    size, index = staticmethod(lambda n: _size(n)), staticmethod(_idx)

    @staticmethod
    def shape(A):
        return A.rows, A.cols

    @staticmethod
    def at(A, i, j):
        return mpmat.entries(A).get((i, j), mp.zero)  # A[i, j] without mpmath's slicing checks

    @staticmethod
    def mat(rows, cols):
        limits.check("max_dim", "matrix size", max(len(rows), cols))
        return mpmat.from_rows(rows) if rows and cols else mp.zeros(len(rows), cols)

    @staticmethod
    def fail(message):
        raise EvalError(message)

    max2, min2 = staticmethod(max), staticmethod(min)

    # linear algebra
    inv, dot, pinv, rank = staticmethod(_inv), staticmethod(_dot), _pinv, _rank
    det = staticmethod(lambda A: mp.det(_as_mat(A)))
    opnorm = staticmethod(lambda A: max(_svals(A)) if is_mat(A) else abs(A))
    norm = staticmethod(lambda A: mpmat.mnorm(A, "f") if is_mat(A) else abs(A))
    fro = staticmethod(lambda A: mpmat.mnorm(_as_mat(A), "f"))
    lambda_min, lambda_max = (lambda self, A: _sym_eigs(A, self)[0]), (lambda self, A: _sym_eigs(A, self)[-1])
    sigma_min, sigma_max = staticmethod(lambda A: _svals(A)[0]), staticmethod(lambda A: _svals(A)[-1])
    rho = staticmethod(lambda A: max(abs(x) for x in mp.eig(_as_mat(A), left=False, right=False)))
    outer = staticmethod(lambda u, v: _check_dim(_as_mat(u) * _as_mat(v).T))
    binomial, factorial = staticmethod(mp.binomial), staticmethod(lambda n: _factorial(n))

    @staticmethod
    def cbrt(z):
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

    # asin / acos on [-1, 1]: an argument past +-1 by no more than the tolerance band (a cosine of
    # unit vectors normalised in floating point) is rounding and is taken at the edge; farther out
    # the value is complex, which is undefined.
    def asin(self, z):
        return mp.asin(mp.sign(z) if 1 < abs(z) <= 1 + self.band else z)

    def acos(self, z):
        return mp.acos(mp.sign(z) if 1 < abs(z) <= 1 + self.band else z)

    def step(self, z):
        if abs(z) <= self.band:
            raise Undecided("step(x) evaluated on a kink x = 0")
        return mp.one if z > 0 else mp.zero


NUMERIC.update({name: runner(fn, MpOps) for name, fn in BODIES.items() if can(MpOps, fn)})  # run(ctx, *args): the context is the Ops
