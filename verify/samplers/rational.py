"""Exact rational building blocks for samplers: grids, Gaussians, matrices with exact structure."""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any, Callable, Optional

from verify.errors import EvalError

Shape = Optional[tuple[int, int]]
Mat = list[list[Fraction]]


def frac_between(rng: random.Random, lo: Fraction, hi: Fraction, digits: int = 6) -> Fraction:
    """A uniform rational in [lo, hi] on a grid of 10**digits points."""
    return lo + (hi - lo) * Fraction(rng.randrange(10**digits + 1), 10**digits)


def gauss(rng: random.Random, scale: Fraction = Fraction(1)) -> Fraction:
    """A standard Gaussian rounded to 4 decimals, exact."""
    return Fraction(round(rng.gauss(0.0, 1.0) * 10_000), 10_000) * scale


def zeros(r: int, c: int) -> Mat:
    return [[Fraction(0)] * c for _ in range(r)]


def eye(n: int) -> Mat:
    return [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]


def matmul(a: Mat, b: Mat) -> Mat:
    return [[sum((a[i][k] * b[k][j] for k in range(len(b))), Fraction(0)) for j in range(len(b[0]))]
            for i in range(len(a))]


def transpose(a: Mat) -> Mat:
    return [list(r) for r in zip(*a)]


def inverse(a: Mat) -> Mat:
    """The exact inverse (python-flint's, as the exact ball domain takes it); EvalError when singular."""
    from flint import fmpq, fmpq_mat
    try:
        inv = fmpq_mat([[fmpq(x.numerator, x.denominator) for x in row] for row in a]).inv()
    except ZeroDivisionError:
        raise EvalError("singular matrix in a sampler") from None
    return [[Fraction(int(inv[i, j].p), int(inv[i, j].q)) for j in range(len(a))] for i in range(len(a))]


def orthogonal(rng: random.Random, n: int) -> Mat:
    """An exactly orthogonal rational matrix: Cayley transform of a skew matrix, random signs."""
    s = zeros(n, n)
    for i in range(n):
        for j in range(i + 1, n):
            s[i][j] = Fraction(round(rng.gauss(0.0, 0.5) * 100), 100)
            s[j][i] = -s[i][j]
    i_minus = [[eye(n)[i][j] - s[i][j] for j in range(n)] for i in range(n)]
    i_plus = [[eye(n)[i][j] + s[i][j] for j in range(n)] for i in range(n)]
    q = matmul(i_minus, inverse(i_plus))
    signs = [rng.choice((1, -1)) for _ in range(n)]
    return [[q[i][j] * signs[j] for j in range(n)] for i in range(n)]


def with_singular_values(rng: random.Random, r: int, c: int, svals: list[Fraction]) -> Mat:
    """U diag(s) V^T with exact orthogonal U, V: the singular values are exactly `svals`."""
    u, v = orthogonal(rng, r), orthogonal(rng, c)
    k = len(svals)
    us = [[u[i][j] * svals[j] for j in range(k)] for i in range(r)]
    return matmul(us, transpose([row[:k] for row in v]))


def symmetric_with(rng: random.Random, eigs: list[Fraction]) -> Mat:
    """Q diag(eigs) Q^T with exact orthogonal Q: the spectrum is exactly `eigs`."""
    q = orthogonal(rng, len(eigs))
    qd = [[q[i][j] * eigs[j] for j in range(len(eigs))] for i in range(len(eigs))]
    return matmul(qd, transpose(q))


def unit_vector(rng: random.Random, n: int) -> list[Fraction]:
    """An exactly unit rational vector (inverse stereographic projection of a rational point)."""
    if n == 1:
        return [Fraction(rng.choice((1, -1)))]
    t = [gauss(rng) for _ in range(n - 1)]
    s = sum(x * x for x in t)
    v = [2 * x / (s + 1) for x in t] + [(s - 1) / (s + 1)]
    return v if rng.random() < 0.5 else [-x for x in v]


def _pair(args, what: str) -> tuple[Fraction, Fraction]:
    if not isinstance(args, (list, tuple)) or len(args) != 2:
        raise EvalError(f"{what} takes [lo, hi]")
    lo, hi = args
    if lo > hi:
        raise EvalError(f"{what}: empty range [{lo}, {hi}]")
    return Fraction(lo), Fraction(hi)


def _need_shape(shape: Shape, what: str) -> tuple[int, int]:
    if shape is None:
        raise EvalError(f"sampler {what} needs a matrix or vector symbol")
    return shape


def _fill(shape: Shape, f: Callable[[], Any]):
    if shape is None:
        return f()
    r, c = shape
    return [[f() for _ in range(c)] for _ in range(r)]

