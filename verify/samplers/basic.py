"""Scalar and entrywise samplers: intervals, integers, fractions, Gaussians, signs."""

from __future__ import annotations

import math
from fractions import Fraction

from verify.errors import EvalError
from verify.samplers.rational import _fill, _pair, frac_between, gauss
from verify.samplers.registry import sampler

# Structured values come first, as Fungrim does: the ends of the range, its middle, simple
# fractions; then random draws. Hypotheses filter out what they exclude.
_STRUCTURED_DRAWS = 4


def _structured_real(lo: Fraction, hi: Fraction, i: int):
    simple = [lo, hi, (lo + hi) / 2, lo + (hi - lo) / 3]
    return simple[i] if i < len(simple) else None


@sampler("uniform", ("real", "matrix", "vector"), "[lo, hi]", bounded=True, continuous=True, z3="interval")
def uniform(rng, shape, args, i):
    """Uniform rationals in [lo, hi] (entrywise for matrices); first draws try lo, hi, the middle."""
    lo, hi = _pair(args, "uniform")
    if shape is None and i < _STRUCTURED_DRAWS:
        return _structured_real(lo, hi, i)
    return _fill(shape, lambda: frac_between(rng, lo, hi))


@sampler("loguniform", ("real",), "[lo, hi] with 0 < lo", bounded=True, continuous=True, z3="interval")
def loguniform(rng, shape, args, i):
    """Log-uniform in [lo, hi] (both > 0): tiny and large values equally often."""
    lo, hi = _pair(args, "loguniform")
    if lo <= 0:
        raise EvalError("loguniform needs lo > 0")
    if i < 2:
        return (lo, hi)[i]
    t = rng.uniform(math.log10(lo), math.log10(hi))
    x = Fraction(f"{10 ** t:.6e}")
    return min(max(x, lo), hi)


@sampler("integer", ("integer",), "[lo, hi]", bounded=True, z3="interval")
def integer(rng, shape, args, i):
    """Integers in [lo, hi]; the first draws are lo and hi."""
    lo, hi = _pair(args, "integer")
    lo, hi = math.ceil(lo), math.floor(hi)
    if i < 2:
        return (lo, hi)[i]
    return rng.randint(lo, hi)


@sampler("fractions", ("real", "matrix", "vector"), "[lo, hi]", bounded=True, continuous=True, z3="interval")
def fractions(rng, shape, args, i):
    """Simple fractions p/q (q <= 6) in [lo, hi]."""
    lo, hi = _pair(args, "fractions")

    def one():
        for _ in range(100):
            q = rng.randint(1, 6)
            p = rng.randint(math.ceil(lo * q), math.floor(hi * q)) if math.ceil(lo * q) <= math.floor(hi * q) else None
            if p is not None:
                return Fraction(p, q)
        return lo
    return _fill(shape, one)


@sampler("gaussian", ("real", "matrix", "vector"), "[scale] (default 1)", continuous=True, z3="free")
def gaussian(rng, shape, args, i):
    """Independent N(0, scale^2) entries, rounded to 4 decimals (exact rationals)."""
    scale = Fraction(args[0] if isinstance(args, list) and args else (args or 1))
    return _fill(shape, lambda: gauss(rng, scale))


@sampler("signs", ("vector", "matrix", "real"), "", z3="signs")
def signs(rng, shape, args, i):
    """Entries +1 or -1 with equal probability."""
    return _fill(shape, lambda: Fraction(rng.choice((1, -1))))


@sampler("choice", ("real", "integer", "matrix", "vector"), "[v1, v2, ...]", z3="values")
def choice(rng, shape, args, i):
    """One of the listed values (cycled through first, then at random)."""
    if not isinstance(args, list) or not args:
        raise EvalError("choice takes a non-empty list of values")
    return args[i] if i < len(args) else rng.choice(args)
