"""The ball domain: `arb`, `arb_mat`, with values kept exact (`fmpq`) while they stay rational."""

from __future__ import annotations

from typing import Optional

from .common import (MAX_BALL_EXPONENT, MAX_BITS, MAX_EXACT_EXPONENT, Domain, EvalFailure, NotRational,
                     Undecidable, Unsupported, acb_mat, arb, arb_mat, fmpq, fmpq_mat, fmpz, fmt_ball, short)
from .rational import Rational, Surd, exact_cost, maxbits, qsqrt


def _A(x):
    """A scalar as a ball (exact rationals are rounded at the working precision)."""
    return x if type(x) is arb else arb(x)


def _AM(m):
    return m if type(m) is arb_mat else arb_mat(m)


class Ball(Domain):
    """arb balls, keeping rationals exact (fmpq, fmpq_mat) for as long as they stay rational and
    small: so the diagonal of X X^T with unit rows is exactly 1 (and acos of it exactly 0),
    integer counts are exact, and only what is really irrational carries a radius."""

    name = "arb"

    def __init__(self):
        super().__init__()
        self.q = Rational()
        self._derived: dict = {}  # (tag, id(matrix)) -> (matrix, value): Gram, symmetric part, eigenvalues

    def _once(self, tag: str, m, make):
        key = (tag, id(m))
        hit = self._derived.get(key)
        if hit is None or hit[0] is not m:
            hit = self._derived[key] = (m, make(m))
        return hit[1]

    # conversions
    def const(self, name: str):
        if name == "pi":
            return arb.pi()
        if name == "E":
            return arb.const_e()
        if name == "oo":
            return arb.pos_inf()
        raise Unsupported(name)

    @staticmethod
    def _q(x):
        return x if x.height_bits() <= MAX_BITS else arb(x)

    # scalars
    def add(self, a, b):
        if type(a) is fmpq and type(b) is fmpq:
            return self._q(a + b)
        return _A(a) + _A(b)

    def sub(self, a, b):
        if type(a) is fmpq and type(b) is fmpq:
            return self._q(a - b)
        return _A(a) - _A(b)

    def neg(self, a):
        return -a

    def mul(self, a, b):
        if type(a) is fmpq and type(b) is fmpq:
            return self._q(a * b)
        return _A(a) * _A(b)

    def recip(self, a):
        if (a == 0) if type(a) is fmpq else a.is_zero():
            raise EvalFailure("division by zero")
        return 1 / a

    def div(self, a, b):
        if type(b) is fmpq and b == 0 or type(b) is arb and b.is_zero():
            raise EvalFailure("division by zero")
        if type(a) is fmpq and type(b) is fmpq:
            return self._q(a / b)
        return _A(a) / _A(b)

    @staticmethod
    def sign(x) -> Optional[int]:
        """-1, 0, 1 when decided (0 only for an exact zero), else None."""
        if type(x) is fmpq:
            return (x > 0) - (x < 0)
        if x > 0:
            return 1
        if x < 0:
            return -1
        if x.is_zero():
            return 0
        return None

    def cmp(self, a, b) -> Optional[int]:
        if type(a) is fmpq and type(b) is fmpq:
            return (a > b) - (a < b)
        return self.sign(_A(a) - _A(b))

    def abs(self, x):
        return abs(x)

    def ipow(self, a, k: int):
        if abs(k) > MAX_BALL_EXPONENT:
            raise Unsupported(f"an exponent {k} above {MAX_BALL_EXPONENT}")
        if type(a) is fmpq:
            if a == 0 and k < 0:
                raise EvalFailure("0 to a negative power")
            if abs(k) <= MAX_EXACT_EXPONENT and a.height_bits() * abs(k) <= MAX_BITS:
                return a ** k
            a = arb(a)
        if k < 0 and a.is_zero():
            raise EvalFailure("0 to a negative power")
        # Binary powering by ball products: python-flint's `arb ** int` returns nan (or a very
        # wide ball) for a base whose ball contains or nears 0.
        n, result, base = abs(k), arb(1), a
        if n % 2 == 0:
            base = abs(base)
        while n:
            if n & 1:
                result = result * base
            n >>= 1
            if n:
                base = base * base
        return 1 / result if k < 0 else result

    def rpow(self, a, b):
        if type(a) is fmpq and type(b) is fmpq:
            try:
                r = self.q.rpow(a, b)
                if type(r) is fmpq:
                    return r
            except NotRational:
                pass
        a, b = _A(a), _A(b)
        s = self.sign(a)
        if s == 1:
            return a ** b
        if s == 0:
            if b > 0:
                return self.zero
            if b < 0:
                raise EvalFailure("0 to a negative power")
            raise Undecidable("0 to a power whose sign is not decided")
        if b.contains_integer():
            raise Undecidable("a power whose exponent may be an integer and base may be negative")
        if s == -1:
            raise EvalFailure("negative base to a non-integer power")
        raise Undecidable("a non-integer power of a base whose sign is not decided")

    def cbrt(self, x):
        """The real cube root of a ball: odd and increasing, so a ball straddling 0 maps into
        +-cbrt(|mid| + rad)."""
        hit = self._exact_or(self.q.cbrt, x)
        if hit is not None:
            return hit
        x = _A(x)
        if x > 0:
            return x.root(3)
        if x < 0:
            return -(-x).root(3)
        r = (abs(x.mid()) + x.rad()).root(3)
        return arb(0).union(r).union(-r)

    def sqrt(self, x):
        if x < 0:
            raise EvalFailure(f"sqrt of a negative number {self.fmt(x)}")
        if type(x) is fmpq:
            r = qsqrt(x)
            return r if r is not None else arb(x).sqrt()
        return x.sqrt()  # nan when the ball straddles 0: undecided downstream

    def sqrt_nonneg(self, x):
        """sqrt of a value known to be >= 0 (a sum of squares, a Gram eigenvalue)."""
        if type(x) is fmpq:
            return self.sqrt(x)
        return x.nonnegative_part().sqrt()

    def to_int(self, x, what: str) -> int:
        if type(x) is fmpq:
            return self.q.to_int(x, what)
        if x.is_exact() and x.is_integer():
            return int(x.unique_fmpz())
        if x.is_finite() and x.contains_integer():
            raise Undecidable(f"{what} {self.fmt(x)} is not decided to be an integer")
        raise EvalFailure(f"{what} {self.fmt(x)} is not an integer")

    @staticmethod
    def _rounded(y, what):
        if y.is_exact():
            return y
        raise Undecidable(f"{what} of a ball that straddles an integer")

    def floor(self, x):
        return fmpq(x.floor()) if type(x) is fmpq else self._rounded(x.floor(), "floor")

    def ceil(self, x):
        return fmpq(x.ceil()) if type(x) is fmpq else self._rounded(x.ceil(), "ceil")

    def max2(self, a, b):
        if type(a) is fmpq and type(b) is fmpq:
            return a if a >= b else b
        return _A(a).max(_A(b))

    def min2(self, a, b):
        if type(a) is fmpq and type(b) is fmpq:
            return a if a <= b else b
        return _A(a).min(_A(b))

    def fn(self, name: str, x):
        hit = self._exact_or(lambda v: self.q.fn(name, v), x)
        if hit is not None:
            return hit
        x = _A(x)
        if name == "log" and x <= 0:
            raise EvalFailure(f"log of a non-positive number {self.fmt(x)}")
        return getattr(x, name)()

    def fmt(self, x) -> str:
        return short(x) if type(x) is fmpq else fmt_ball(x)

    # matrices
    def mat(self, rows):
        if not rows or not rows[0]:
            return fmpq_mat(len(rows), 0)
        if all(type(e) is fmpq for row in rows for e in row):
            return fmpq_mat(rows)
        return arb_mat([[_A(e) for e in row] for row in rows])

    def smul(self, s, m):
        if type(s) is fmpq and type(m) is fmpq_mat:
            return self.chk_mat(m * s)
        return _AM(m) * _A(s)

    def matmul(self, a, b):
        if type(a) is fmpq_mat and type(b) is fmpq_mat:
            try:
                exact_cost(a.nrows() * a.ncols() * b.ncols(), maxbits(a) + maxbits(b))
                return self.chk_mat(a * b)
            except NotRational:
                pass
        return _AM(a) * _AM(b)

    def chk_mat(self, m):
        if type(m) is fmpq_mat and maxbits(m) > MAX_BITS:
            return arb_mat(m)
        return m

    def inv(self, m):
        hit = self._exact_or(self.q.inv, m)
        if hit is not None:
            return hit
        try:
            return _AM(m).inv()
        except ZeroDivisionError:
            raise Undecidable("inverse of a matrix that may be singular at this precision") from None

    def det(self, m):
        hit = self._exact_or(self.q.det, m)
        return _AM(m).det() if hit is None else hit

    def rank(self, m) -> int:
        """Exact rank of an exact matrix (also of balls of radius 0); for balls, full rank when the
        determinant of the smaller Gram matrix excludes 0; else undecided (balls cannot show a
        rank deficiency)."""
        hit = self._exact_or(self.q.rank, m)
        if hit is not None:
            return hit
        m = _AM(m)
        r, c = m.nrows(), m.ncols()
        if all(e.is_exact() for e in m.entries()):
            rows = [[_dyadic(m[i, j]) for j in range(c)] for i in range(r)]
            return fmpq_mat(rows).rank() if r and c else 0
        if r == 0 or c == 0:
            return 0
        g = m.transpose() * m if c <= r else m * m.transpose()
        d = g.det()
        if d > 0:
            return min(r, c)
        raise Undecidable("rank of a matrix that may be rank-deficient at this precision")

    def _eigs(self, m, hermitian: bool):
        if m.nrows() == 0:
            raise EvalFailure("eigenvalues of an empty matrix")
        return self._once("eigs", m, lambda a: _enclosures(a, hermitian))

    def _exact_or(self, fn_exact, m, *args):
        """The exact domain's answer for an exact value (an exact matrix's special cases: diagonal,
        triangular, vector), its square roots as balls; None where it has none."""
        if type(m) not in (fmpq, fmpq_mat):
            return None
        try:
            out = fn_exact(m, *args)
        except NotRational:
            return None
        return tuple(self.q.approx(v) if type(v) is Surd else v for v in out) \
            if isinstance(out, tuple) else (self.q.approx(out) if type(out) is Surd else out)

    def sym_eigs(self, m, fn: str):
        """Enclosures of the least and the largest eigenvalue of a symmetric matrix: exact for a
        diagonal one, else from arb's rigorous eigenvalue enclosures or, when they cannot be
        isolated, from Gershgorin discs and the diagonal (Rayleigh quotients of unit vectors)."""
        hit = self._exact_or(self.q.sym_eigs, m, fn)
        if hit is not None:
            return hit
        eigs = self._eigs(m, True)
        if eigs is None:
            return self._gershgorin(_AM(m), fn)
        lo = hi = eigs[0]
        for e in eigs[1:]:
            lo, hi = lo.min(e), hi.max(e)
        return lo, hi

    @staticmethod
    def _gershgorin(m, fn: str):
        """lambda_min in [min_i (a_ii - R_i), min_i a_ii], lambda_max in [max_i a_ii, max_i (a_ii + R_i)]
        with R_i = sum_{j != i} |a_ij|: both hold for every symmetric matrix in the ball."""
        n = m.nrows()
        diag = [m[i, i] for i in range(n)]
        radii = [sum((abs(m[i, j]) for j in range(n) if j != i), arb(0)) for i in range(n)]
        if not all(x.is_finite() for x in diag + radii):
            raise Undecidable(f"{fn}: eigenvalues not isolated at this precision")
        lo_lo = min(((d - r).lower() for d, r in zip(diag, radii)))  # exact points: decided
        lo_hi = min(d.upper() for d in diag)
        hi_lo = max(d.lower() for d in diag)
        hi_hi = max(((d + r).upper() for d, r in zip(diag, radii)))
        if not all(x.is_finite() for x in (lo_lo, lo_hi, hi_lo, hi_hi)):
            raise Undecidable(f"{fn}: eigenvalues not isolated at this precision")
        return lo_lo.union(lo_hi), hi_lo.union(hi_hi)

    def svals(self, m, fn: str):
        hit = self._exact_or(self.q.svals, m, fn)
        if hit is not None:
            return hit
        lo, hi = self.sym_eigs(self._once("gram", m, _gram), fn)
        return _A(lo).nonnegative_part().sqrt(), _A(hi).nonnegative_part().sqrt()

    def spectral_radius(self, m):
        hit = self._exact_or(self.q.spectral_radius, m)
        if hit is not None:
            return hit
        eigs = self._eigs(m, False)
        if eigs is None:
            raise Undecidable("rho: eigenvalues not isolated at this precision")
        out = abs(eigs[0])
        for e in eigs[1:]:
            out = out.max(abs(e))
        return out

    def is_symmetric(self, m) -> Optional[bool]:
        """Exact matrices: exactly. Balls: False when some A[i,j] - A[j,i] excludes 0."""
        if type(m) is fmpq_mat:
            return m == m.transpose()
        n = m.nrows()
        for i in range(n):
            for j in range(i + 1, n):
                if not (m[i, j] - m[j, i]).contains(0):
                    return False
        return True

    def symmetrize(self, m):
        if type(m) is fmpq_mat:
            return m
        return self._once("sym", m, lambda a: (a + a.transpose()) * arb(0.5))


def _enclosures(m, hermitian: bool):
    """arb's rigorous enclosures of the eigenvalues (their real parts when `hermitian`), or None."""
    try:
        eigs = acb_mat(_AM(m)).eig(multiple=True)
    except (ValueError, ArithmeticError):
        return None
    if hermitian:
        eigs = [e.real for e in eigs]
    return eigs if all(e.is_finite() for e in eigs) else None


def _gram(m):
    """The smaller Gram matrix of a ball matrix, symmetrized (the true one is symmetric)."""
    m = _AM(m)
    g = m.transpose() * m if m.ncols() <= m.nrows() else m * m.transpose()
    return (g + g.transpose()) * arb(0.5)


def _dyadic(x):
    """An exact ball (radius 0) as the rational it is."""
    man, exp = x.mid().man_exp()
    exp = int(exp)
    return fmpq(man) * fmpq(2) ** exp if exp >= 0 else fmpq(man, fmpz(2) ** (-exp))
