"""Matrix samplers with exact structure: spectra, norms, ranks, orthogonality, unit vectors."""

from __future__ import annotations

from fractions import Fraction

from verify.errors import EvalError
from verify.samplers.rational import (_need_shape, _pair, frac_between, gauss, inverse, matmul,
                                      orthogonal as _orthogonal, symmetric_with, unit_vector,
                                      with_singular_values)
from verify.samplers.registry import sampler


def _square(shape, what):
    r, c = _need_shape(shape, what)
    if r != c:
        raise EvalError(f"{what} needs a square matrix, got {r}x{c}")
    return r


@sampler("orthogonal", ("matrix",), "")
def orthogonal(rng, shape, args, i):
    """An exactly orthogonal rational matrix (Cayley transform with random column signs)."""
    return _orthogonal(rng, _square(shape, "orthogonal"))


@sampler("unit", ("vector",), "")
def unit(rng, shape, args, i):
    """A unit vector with rational entries (exactly norm 1)."""
    r, c = _need_shape(shape, "unit")
    return [[x] for x in unit_vector(rng, r * c)]


@sampler("unit_rows", ("matrix",), "")
def unit_rows(rng, shape, args, i):
    """A data matrix whose rows are exact unit vectors, no two parallel."""
    n, d = _need_shape(shape, "unit_rows")
    if d == 1 and n > 1:
        raise EvalError("unit_rows: in dimension 1 every two unit rows are parallel; use d >= 2 or n = 1")
    rows: list[list[Fraction]] = []
    for _ in range(100 * n):
        v = unit_vector(rng, d)
        if all(v != w and v != [-x for x in w] for w in rows):
            rows.append(v)
            if len(rows) == n:
                return rows
    raise EvalError("unit_rows: could not draw non-parallel rows")


@sampler("spectrum", ("matrix",), "[l1, l2, ...] eigenvalues")
def spectrum(rng, shape, args, i):
    """A symmetric matrix with exactly the given eigenvalues (Q diag Q^T, Q orthogonal)."""
    n = _square(shape, "spectrum")
    if not isinstance(args, list) or len(args) != n:
        raise EvalError(f"spectrum needs {n} eigenvalues")
    return symmetric_with(rng, [Fraction(x) for x in args])


def _eigs_in(rng, n, lo, hi, i):
    eigs = [frac_between(rng, lo, hi) for _ in range(n)]
    if i % 3 == 0 and n > 1:  # structured: hit both ends of the range
        eigs[0], eigs[-1] = lo, hi
    return eigs


@sampler("symmetric", ("matrix",), "[lo, hi] eigenvalue range")
def symmetric(rng, shape, args, i):
    """A symmetric matrix with eigenvalues drawn in [lo, hi] (ends included in some draws)."""
    lo, hi = _pair(args, "symmetric")
    return symmetric_with(rng, _eigs_in(rng, _square(shape, "symmetric"), lo, hi, i))


@sampler("psd", ("matrix",), "[lo, hi] eigenvalue range, lo >= 0 (default [0, 2])")
def psd(rng, shape, args, i):
    """A positive semidefinite matrix; eigenvalues in [lo, hi], some draws singular."""
    lo, hi = _pair(args or [0, 2], "psd")
    if lo < 0:
        raise EvalError("psd needs lo >= 0")
    return symmetric_with(rng, _eigs_in(rng, _square(shape, "psd"), lo, hi, i))


@sampler("pd", ("matrix",), "[lo, hi] eigenvalue range, lo > 0 (default [1/10, 2])")
def pd(rng, shape, args, i):
    """A positive definite matrix with eigenvalues in [lo, hi]."""
    lo, hi = _pair(args or [Fraction(1, 10), 2], "pd")
    if lo <= 0:
        raise EvalError("pd needs lo > 0")
    return symmetric_with(rng, _eigs_in(rng, _square(shape, "pd"), lo, hi, i))


@sampler("spectral_norm", ("matrix", "vector"), "[lo, hi]")
def spectral_norm(rng, shape, args, i):
    """A matrix whose spectral norm is exactly a value drawn in [lo, hi] (U diag(s) V^T)."""
    lo, hi = _pair(args, "spectral_norm")
    r, c = _need_shape(shape, "spectral_norm")
    top = hi if i == 0 else frac_between(rng, lo, hi)
    k = min(r, c)
    s = [top] + [frac_between(rng, Fraction(0), top) for _ in range(k - 1)]
    return with_singular_values(rng, r, c, s)


@sampler("rank", ("matrix",), "r (exact rank)")
def rank(rng, shape, args, i):
    """A matrix of exactly rank r, singular values in [1/2, 2]."""
    r_, c = _need_shape(shape, "rank")
    k = int(args[0] if isinstance(args, list) else args)
    if not 0 <= k <= min(r_, c):
        raise EvalError(f"rank {k} is impossible for a {r_}x{c} matrix")
    s = [frac_between(rng, Fraction(1, 2), Fraction(2)) for _ in range(k)]
    return with_singular_values(rng, r_, c, s) if k else [[Fraction(0)] * c for _ in range(r_)]


@sampler("radius", ("matrix",), "[lo, hi] spectral radius")
def radius(rng, shape, args, i):
    """A non-normal matrix P T P^-1 with real eigenvalues and spectral radius in [lo, hi];
    its spectral norm is usually larger than its radius."""
    lo, hi = _pair(args, "radius")
    n = _square(shape, "radius")
    top = frac_between(rng, lo, hi)
    eigs = [top * (1 if rng.random() < 0.5 else -1)] + [frac_between(rng, -top, top) for _ in range(n - 1)]
    t = [[eigs[a] if a == b else (gauss(rng, Fraction(2)) if b > a else Fraction(0))
          for b in range(n)] for a in range(n)]
    for _ in range(20):
        p = [[gauss(rng) for _ in range(n)] for _ in range(n)]
        try:
            return matmul(matmul(p, t), inverse(p))
        except EvalError:
            continue
    raise EvalError("radius: could not draw an invertible change of basis")
