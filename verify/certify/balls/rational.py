"""The exact domain: `fmpq`, `fmpq_mat` and square roots kept as `c * sqrt(r)` (`Surd`)."""

from __future__ import annotations

from fractions import Fraction
from typing import Optional

from .common import (MAX_BITS, MAX_EXACT_EXPONENT, Domain, EvalFailure, NotRational, arb, fmpq, fmpq_mat,
                     fmpz, short)


class Surd:
    """c * sqrt(r): c != 0 and r > 0 rational, r not the square of a rational."""

    __slots__ = ("c", "r")

    def __init__(self, c, r):
        self.c, self.r = c, r

    def __repr__(self) -> str:
        return f"{self.c}*sqrt({self.r})"


def qsqrt(q):
    """The rational square root of q >= 0, or None."""
    try:
        return q.sqrt()
    except Exception:
        return None


EXACT_WORK = 4 * 10**7  # entry products x 64-bit limbs squared: ~0.1 s of exact matrix work


def maxbits(m) -> int:
    """The largest height (bits of numerator and denominator) of an exact matrix's entries."""
    return max((e.height_bits() for e in m.entries()), default=0)


def exact_cost(products: int, bits: int) -> None:
    """Refuse (to balls) an exact matrix operation whose cost estimate is too high."""
    limbs = bits // 64 + 1
    if products * limbs * limbs > EXACT_WORK:
        raise NotRational("an exact matrix operation too costly")


class Rational(Domain):
    name = "exact"

    # conversions
    def const(self, name: str):
        raise NotRational(name)

    # scalars
    def _chk(self, x):
        if x.height_bits() > MAX_BITS:
            raise NotRational("rationals too large")
        return x

    def _surd(self, c, r):
        if c == 0:
            return self.zero
        s = qsqrt(r)
        if s is not None:
            return self._chk(c * s)
        return Surd(self._chk(c), self._chk(r))

    @staticmethod
    def _parts(x):
        return (x.c, x.r) if type(x) is Surd else (x, None)

    def add(self, a, b):
        if type(a) is not Surd and type(b) is not Surd:
            return self._chk(a + b)
        (c1, r1), (c2, r2) = self._parts(a), self._parts(b)
        if c1 == 0:
            return b
        if c2 == 0:
            return a
        if r1 is not None and r2 is not None:
            if r1 == r2:
                return self._surd(c1 + c2, r1)
            k = qsqrt(r1 / r2)
            if k is not None:
                return self._surd(c1 * k + c2, r2)
        raise NotRational("a sum of unlike square roots")

    def sub(self, a, b):
        return self.add(a, self.neg(b))

    def neg(self, a):
        return Surd(-a.c, a.r) if type(a) is Surd else -a

    def mul(self, a, b):
        if type(a) is not Surd and type(b) is not Surd:
            return self._chk(a * b)
        (c1, r1), (c2, r2) = self._parts(a), self._parts(b)
        if r1 is None:
            return self._surd(c1 * c2, r2)
        if r2 is None:
            return self._surd(c1 * c2, r1)
        if r1 == r2:
            return self._chk(c1 * c2 * r1)
        return self._surd(c1 * c2, r1 * r2)

    def recip(self, a):
        if type(a) is Surd:
            return Surd(self._chk(1 / (a.c * a.r)), a.r)
        if a == 0:
            raise EvalFailure("division by zero")
        return 1 / a

    def div(self, a, b):
        if type(a) is not Surd and type(b) is not Surd:
            if b == 0:
                raise EvalFailure("division by zero")
            return self._chk(a / b)
        return self.mul(a, self.recip(b))

    def sign(self, x) -> int:
        """-1, 0 or 1 (always decided)."""
        c = x.c if type(x) is Surd else x
        return (c > 0) - (c < 0)

    def cmp(self, a, b) -> int:
        """The sign of a - b, decided exactly (also for unlike square roots)."""
        if type(a) is not Surd and type(b) is not Surd:
            return (a > b) - (a < b)
        sa, sb = self.sign(a), self.sign(b)
        if sa != sb:
            return 1 if sa > sb else -1
        try:
            return self.sign(self.sub(a, b))
        except NotRational:  # same sign, unlike roots: compare the squares
            a2, b2 = self.ipow(a, 2), self.ipow(b, 2)
            return sa * ((a2 > b2) - (a2 < b2))

    def abs(self, x):
        return Surd(abs(x.c), x.r) if type(x) is Surd else abs(x)

    def ipow(self, a, k: int):
        if abs(k) > MAX_EXACT_EXPONENT:
            raise NotRational("a large exponent")
        if type(a) is Surd:
            if k < 0:
                return self.ipow(self.recip(a), -k)
            if (a.c.height_bits() + a.r.height_bits()) * k > MAX_BITS:
                raise NotRational("rationals too large")
            base = a.c ** k * a.r ** (k // 2)
            return Surd(base, a.r) if k % 2 else base
        if a == 0 and k < 0:
            raise EvalFailure("0 to a negative power")
        if a.height_bits() * abs(k) > MAX_BITS:
            raise NotRational("rationals too large")
        return a ** k

    def rpow(self, a, b):
        """a ** b with b a non-integer scalar."""
        if type(b) is Surd:
            raise NotRational("an irrational exponent")
        if self.sign(a) < 0:
            raise EvalFailure("negative base to a non-integer power")
        if self.sign(a) == 0:
            if b > 0:
                return self.zero
            raise EvalFailure("0 to a negative power")
        if b.q == 2:
            return self.ipow(self.sqrt(a), int(b.p))
        raise NotRational("a fractional power")

    def cbrt(self, x):
        """The real cube root, exact when x is a rational cube."""
        if type(x) is Surd:
            raise NotRational("cbrt of a square root")
        p, q = fmpz(abs(x.p)).root(3), fmpz(x.q).root(3)
        if p ** 3 != abs(x.p) or q ** 3 != x.q:
            raise NotRational("cbrt of a rational that is not a cube")
        return fmpq(p if x >= 0 else -p, q)

    def sqrt(self, x):
        if type(x) is Surd:
            raise NotRational("sqrt of a square root")
        if x < 0:
            raise EvalFailure(f"sqrt of a negative number {x}")
        return self._surd(self.one, x)

    def sqrt_nonneg(self, x):
        return self.sqrt(x)

    def to_int(self, x, what: str) -> int:
        if type(x) is Surd or x.q != 1:
            raise EvalFailure(f"{what} {self.fmt(x)} is not an integer")
        return int(x.p)

    def floor(self, x):
        if type(x) is Surd:
            raise NotRational("floor of a square root")
        return fmpq(x.floor())

    def ceil(self, x):
        if type(x) is Surd:
            raise NotRational("ceil of a square root")
        return fmpq(x.ceil())

    def max2(self, a, b):
        return a if self.cmp(a, b) >= 0 else b

    def min2(self, a, b):
        return a if self.cmp(a, b) <= 0 else b

    _SPECIAL_POINTS = {  # the transcendental functions at their rational points
        "exp": (0, 1), "log": (1, 0), "log1p": (0, 0), "sin": (0, 0), "cos": (0, 1),
        "tan": (0, 0), "asin": (0, 0), "acos": (1, 0), "atan": (0, 0), "sinh": (0, 0),
        "cosh": (0, 1), "tanh": (0, 0), "sech": (0, 1),
    }

    def fn(self, name: str, x):
        point = self._SPECIAL_POINTS.get(name)
        if point is not None and type(x) is not Surd and x == point[0]:
            return self.num(Fraction(point[1]))
        if name in ("log", "log1p") and self.cmp(x, self.zero if name == "log" else -self.one) <= 0:
            raise EvalFailure(f"{name} of {self.fmt(x)}")
        raise NotRational(name)

    @staticmethod
    def approx(x):
        """A ball around an exact scalar (for messages)."""
        if type(x) is Surd:
            return arb(x.c) * arb(x.r).sqrt()
        return arb(x)

    def fmt(self, x) -> str:
        if type(x) is Surd:
            return f"{short(x.c)}*sqrt({short(x.r)})"
        return short(x)

    # matrices
    def mat(self, rows):
        for row in rows:
            for e in row:
                if type(e) is Surd:
                    raise NotRational("a square root inside a matrix")
        return fmpq_mat(rows) if rows and rows[0] else fmpq_mat(len(rows), 0)

    def smul(self, s, m):
        if type(s) is Surd:
            raise NotRational("a square root times a matrix")
        return m * s

    def matmul(self, a, b):
        exact_cost(a.nrows() * a.ncols() * b.ncols(), maxbits(a) + maxbits(b))
        return self.chk_mat(a * b)

    def chk_mat(self, m):
        if maxbits(m) > MAX_BITS:
            raise NotRational("rationals too large")
        return m

    def inv(self, m):
        exact_cost(m.nrows() ** 3, m.nrows() * maxbits(m))
        try:
            return self.chk_mat(m.inv())
        except ZeroDivisionError:
            raise EvalFailure("inverse of a singular matrix") from None

    def det(self, m):
        exact_cost(m.nrows() ** 3, m.nrows() * maxbits(m))
        return self._chk(m.det())

    def rank(self, m) -> int:
        exact_cost(m.nrows() * m.ncols() * min(m.nrows(), m.ncols()),
                   min(m.nrows(), m.ncols()) * maxbits(m))
        return m.rank()

    def sym_eigs(self, m, fn: str):
        """(min, max) eigenvalue of a symmetric matrix: exact only when it is diagonal."""
        n = m.nrows()
        if any(m[i, j] != 0 for i in range(n) for j in range(n) if i != j):
            raise NotRational(f"{fn} of a non-diagonal matrix")
        d = [m[i, i] for i in range(n)]
        return min(d), max(d)

    def svals(self, m, fn: str):
        """(min, max) singular value: exact for a diagonal (possibly rectangular) matrix or a vector."""
        r, c = m.nrows(), m.ncols()
        if r == 1 or c == 1:
            s = self.sqrt(sum((e * e for e in m.entries()), self.zero))
            return s, s
        if any(m[i, j] != 0 for i in range(r) for j in range(c) if i != j):
            raise NotRational(f"{fn} of a non-diagonal matrix")
        d = [abs(m[i, i]) for i in range(min(r, c))]
        return min(d), max(d)

    def spectral_radius(self, m):
        n = m.nrows()
        lower = all(m[i, j] == 0 for i in range(n) for j in range(i + 1, n))
        upper = all(m[i, j] == 0 for i in range(n) for j in range(i))
        if not (lower or upper):
            raise NotRational("rho of a non-triangular matrix")
        return max(abs(m[i, i]) for i in range(n))

    def is_symmetric(self, m) -> Optional[bool]:
        return m == m.transpose()

    def symmetrize(self, m):
        return m
