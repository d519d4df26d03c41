"""Matrix arithmetic on mpmath matrices: the values of mpmath's own operators, bit for bit, without
their per-entry Python overhead (a cold run spent most of its time in `matrix.__mul__`,
`__setitem__` and `fdot`).

mpmath computes an entry of a product as one correctly rounded dot product (`fdot`: the exact sum
of exact products, rounded once), a sum or a scaled entry as one rounded operation, and stores only
non-zero entries. So do these functions: a product is formed in integers over a common exponent per
matrix and rounded once per entry. Where that could differ from mpmath (complex or infinite
entries, an exponent spread past the window inside which `mpf_sum` adds exactly) they return
mpmath's own result.
"""

from __future__ import annotations

from typing import Callable

from mpmath import mp
from mpmath.libmp import from_man_exp, fzero, mpf_add, mpf_div, mpf_mul, mpf_neg

_ZERO = mp.zero


def entries(m) -> dict:
    """mpmath's storage of a matrix: (i, j) -> entry, zeros absent (read it, never write it)."""
    return m._matrix__data


def _new(rows: int, cols: int, data: dict):
    out = mp.matrix(rows, cols)
    out._matrix__data = data
    return out


def from_rows(rows: list):
    """The matrix of a list of rows, as `mp.matrix(rows)` builds it (entries mpf or convertible)."""
    if not rows or not rows[0] or len({len(r) for r in rows}) != 1:
        return mp.matrix(rows)
    data, mpf, convert = {}, mp.mpf, mp.convert
    for i, row in enumerate(rows):
        for j, x in enumerate(row):
            if type(x) is not mpf:
                x = convert(x)
            if x:
                data[(i, j)] = x
    return _new(len(rows), len(rows[0]), data)


def _raw(m):
    """The raw (sign, man, exp, bc) of every stored entry, or None if one is not a finite real."""
    mpf = mp.mpf
    raws = {}
    for key, v in entries(m).items():
        if type(v) is not mpf:
            return None
        r = v._mpf_
        if not r[1] and r[2]:  # inf or nan
            return None
        raws[key] = r
    return raws


def _spread(raws: dict) -> tuple[int, int]:
    """(the lowest exponent, the spread of exponents) of the entries."""
    if not raws:
        return 0, 0
    exps = [r[2] for r in raws.values()]
    low = min(exps)
    return low, max(exps) - low


def _aligned(raws: dict, low: int) -> dict:
    """The entries as signed integers over the exponent `low`."""
    return {key: (-man if sign else man) << (exp - low) for key, (sign, man, exp, _) in raws.items()}


def mul(a, b):
    """The matrix product a * b (shapes already checked), as mpmath's `a * b` computes it."""
    ra, rb = _raw(a), _raw(b)
    prec, rnd = mp._prec_rounding
    if ra is None or rb is None:
        return a * b
    (ea, spread_a), (eb, spread_b) = _spread(ra), _spread(rb)
    if spread_a + spread_b > 2 * prec:  # mpf_sum may drop a term: let mpmath round as it does
        return a * b
    ia, ib = _aligned(ra, ea), _aligned(rb, eb)
    rows, inner, cols = a.rows, a.cols, b.cols
    arows = [[ia.get((i, k)) for k in range(inner)] for i in range(rows)]
    bcols = [[ib.get((k, j)) for k in range(inner)] for j in range(cols)]
    exp, make = ea + eb, mp.make_mpf
    data = {}
    for i, row in enumerate(arows):
        for j, col in enumerate(bcols):
            total = 0
            for x, y in zip(row, col):
                if x is not None and y is not None:
                    total += x * y
            if total:
                data[(i, j)] = make(from_man_exp(total, exp, prec, rnd))
    return _new(rows, cols, data)


def add(a, b, subtract: bool = False):
    """a + b or a - b of equal shapes, as mpmath computes them (a - b is a + (-1) * b)."""
    ra, rb = _raw(a), _raw(b)
    if ra is None or rb is None:
        return a - b if subtract else a + b
    prec, rnd = mp._prec_rounding
    make, data = mp.make_mpf, {}
    for i in range(a.rows):
        for j in range(a.cols):
            x, y = ra.get((i, j), fzero), rb.get((i, j), fzero)
            if subtract:
                y = mpf_neg(y, prec, rnd)
            s = mpf_add(x, y, prec, rnd)
            if s != fzero:
                data[(i, j)] = make(s)
    return _new(a.rows, a.cols, data)


def scale(c, m):
    """The scalar c (an mpf) times the matrix m, as mpmath's `c * m` computes it."""
    rm = _raw(m)
    if rm is None or type(c) is not mp.mpf or (not c._mpf_[1] and c._mpf_[2]):
        return c * m
    return _new(m.rows, m.cols, _products(rm, rm, lambda key: c._mpf_))


def _products(keys, left: dict, right: Callable) -> dict:
    """key -> left[key] * right(key), rounded at the working precision; zeros left out."""
    prec, rnd = mp._prec_rounding
    make, data = mp.make_mpf, {}
    for key in keys:
        p = mpf_mul(left[key], right(key), prec, rnd)
        if p != fzero:
            data[key] = make(p)
    return data


def hadamard(a, b):
    """The entrywise product of equal shapes, as `mp.matrix([[a[i, j] * b[i, j] ...]])`."""
    ra, rb = _raw(a), _raw(b)
    if ra is None or rb is None:
        return mp.matrix([[a[i, j] * b[i, j] for j in range(a.cols)] for i in range(a.rows)])
    return _new(a.rows, a.cols, _products(ra.keys() & rb.keys(), ra, rb.get))


def divide(m, c):
    """The matrix m divided by the non-zero scalar c (an mpf), as mpmath's `m / c`."""
    rm = _raw(m)
    if rm is None or type(c) is not mp.mpf or not c._mpf_[1]:
        return m / c
    prec, rnd = mp._prec_rounding
    make, raw_c, data = mp.make_mpf, c._mpf_, {}
    for key, r in rm.items():
        q = mpf_div(r, raw_c, prec, rnd)
        if q != fzero:
            data[key] = make(q)
    return _new(m.rows, m.cols, data)


def apply(f: Callable, m):
    """f on every entry (zeros included), as mpmath's `m.apply(f)`; returns None if an entry
    comes out complex."""
    data, get, mpf, make = {}, entries(m).get, mp.mpf, mp.convert
    for i in range(m.rows):
        for j in range(m.cols):
            v = f(get((i, j), _ZERO))
            if type(v) is not mpf:
                v = make(v)
                if type(v) is not mpf:
                    return None
            if v:
                data[(i, j)] = v
    return _new(m.rows, m.cols, data)


def transpose(m):
    """m.T, without copying entries one call at a time."""
    return _new(m.cols, m.rows, {(j, i): v for (i, j), v in entries(m).items()})


def mnorm(m, p):
    """mpmath's `mp.mnorm(m, p)` for p = 1 (the largest absolute column sum) and "f" (Frobenius),
    without its copy of the matrix."""
    get, zero, rows, cols = entries(m).get, mp.zero, range(m.rows), range(m.cols)
    if p == 1:
        return max(mp.fsum((get((i, j), zero) for i in rows), absolute=1) for j in cols)
    if p == "f":
        return mp.sqrt(mp.fsum((get((i, j), zero) for i in rows for j in cols), absolute=1, squared=1))
    return mp.mnorm(m, p)
