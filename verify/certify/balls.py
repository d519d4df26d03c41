"""Certificates for one instance: exact rational arithmetic where the tree allows it, arb balls
otherwise.

`certify(relation, exact)` decides a relation (a comparison chain or an `and` of them) at one
exact instance without a tolerance band, conjunct by conjunct:

- **exact** (`_Rational`): python-flint `fmpq` / `fmpq_mat`, plus square roots kept exactly as
  `c * sqrt(r)` (`Surd`), so `norm(v)**2 == dot(v, v)` or `norm(u) <= norm(w)` stay exact. Every
  comparison, equalities too, is decided exactly. Anything without an exact value here (exp, pi,
  eigenvalues of a non-diagonal matrix, rationals above MAX_BITS, ...) raises `NotRational` and the
  conjunct falls through to
- **arb** (`_Ball`): python-flint `arb` / `arb_mat` balls at `prec_bits`, keeping values exact
  (`fmpq`) for as long as they stay rational, so only what is really irrational carries a radius.
  A comparison is decided when the ball of (rhs - lhs) excludes 0 (certified, or refuted when it
  lies on the wrong side). A ball that contains 0 decides nothing: `a <= b` is then undecided, and
  an equality of balls is never proved (only refuted). Only an exact value (a rational, or a ball
  of radius 0) can be exactly 0.

The evaluator (`_Eval`) is written once over the tree and takes the number domain as a parameter,
as mpmath's functions run under its mp/fp/iv contexts. Its semantics mirror the mpmath evaluator
(verify/expr/numeric.py): `I` takes the size of the other operand, vectors are n x 1 matrices,
1 x 1 matrices act as scalars, indices are 1-based, `sum`/`prod` bounds are inclusive integers.

Conditions inside an expression (`ind`, `piecewise`, `step`, `sign`, `floor`, `first`, `and`) must
be decided by the balls, else the conjunct is undecided. Eigenvalues of symmetric matrices (also
`opnorm`, `sigma_*` through the Gram matrix, and `rho`) come from arb's rigorous enclosures
(`acb_mat.eig(multiple=True)`), with Gershgorin bounds when they cannot be isolated; a ball
matrix whose (i, j) and (j, i) balls overlap is taken as symmetric. Derivatives, integrals,
limits, `pinv` and other functions without a rigorous evaluation here leave the relation
undecided, with the function named in `detail`. Never raises on a well-formed tree: sizes,
exponents, rational sizes and the number of evaluation steps are bounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Optional

from verify import limits
from verify.errors import LimitExceeded
from verify.expr import nodes as N

try:  # python-flint; without it every certificate is "unsupported"
    import flint
    from flint import acb_mat, arb, arb_mat, fmpq, fmpq_mat, fmpz
except ImportError:  # pragma: no cover - the project depends on it
    flint = None

# -- bounds: a hostile tree must not hang the engine ------------------------------------------

MAX_EXACT_EXPONENT = 10**4      # integer powers evaluated exactly; beyond: balls
MAX_BALL_EXPONENT = 10**6       # integer powers of balls cost log2(exponent) products
MAX_BITS = 1 << 13              # bits of one exact rational; beyond: balls
MAX_STEPS = 1_000_000           # nodes evaluated (loops included) per certify() call
MAX_DETAIL = 300


@dataclass
class Certificate:
    holds: Optional[bool]   # True certified, False certified refutation, None undecided/unsupported
    engine: str             # "exact" | "arb" | "" (none applied)
    detail: str             # "rhs - lhs in [0.0123 +/- 1e-70]", "unsupported: grad", ...


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


class _Identity:
    """`I` before its size is known."""

    def __repr__(self) -> str:
        return "I"


IDENT = _Identity()


# -- exact domain: fmpq, fmpq_mat and quadratic surds -----------------------------------------

class Surd:
    """c * sqrt(r): c != 0 and r > 0 rational, r not the square of a rational."""

    __slots__ = ("c", "r")

    def __init__(self, c, r):
        self.c, self.r = c, r

    def __repr__(self) -> str:
        return f"{self.c}*sqrt({self.r})"


def _qsqrt(q):
    """The rational square root of q >= 0, or None."""
    try:
        return q.sqrt()
    except Exception:
        return None


EXACT_WORK = 4 * 10**7  # entry products x 64-bit limbs squared: ~0.1 s of exact matrix work


def _maxbits(m) -> int:
    """The largest height (bits of numerator and denominator) of an exact matrix's entries."""
    return max((e.height_bits() for e in m.entries()), default=0)


def _exact_cost(products: int, bits: int) -> None:
    """Refuse (to balls) an exact matrix operation whose cost estimate is too high."""
    limbs = bits // 64 + 1
    if products * limbs * limbs > EXACT_WORK:
        raise NotRational("an exact matrix operation too costly")


class _Rational:
    name = "exact"

    def __init__(self):
        self.zero, self.one = fmpq(0), fmpq(1)

    # conversions
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
            _check_dims(len(rows), len(rows[0]) if rows else 0)
            return self.mat([[self.value(x) for x in row] for row in rows])
        raise Unsupported(f"an input value of type {type(v).__name__}")

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
        s = _qsqrt(r)
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
            k = _qsqrt(r1 / r2)
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
        "cosh": (0, 1), "tanh": (0, 0), "sech": (0, 1), "sigmoid": (0, Fraction(1, 2)),
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
            return f"{_short(x.c)}*sqrt({_short(x.r)})"
        return _short(x)

    # matrices
    def mat(self, rows):
        for row in rows:
            for e in row:
                if type(e) is Surd:
                    raise NotRational("a square root inside a matrix")
        return fmpq_mat(rows) if rows and rows[0] else fmpq_mat(len(rows), 0)

    def new(self, r: int, c: int):
        return fmpq_mat(r, c)

    def eye(self, n: int):
        m = fmpq_mat(n, n)
        for i in range(n):
            m[i, i] = 1
        return m

    def smul(self, s, m):
        if type(s) is Surd:
            raise NotRational("a square root times a matrix")
        return m * s

    def matmul(self, a, b):
        _exact_cost(a.nrows() * a.ncols() * b.ncols(), _maxbits(a) + _maxbits(b))
        return self.chk_mat(a * b)

    def chk_mat(self, m):
        if _maxbits(m) > MAX_BITS:
            raise NotRational("rationals too large")
        return m

    def inv(self, m):
        _exact_cost(m.nrows() ** 3, m.nrows() * _maxbits(m))
        try:
            return self.chk_mat(m.inv())
        except ZeroDivisionError:
            raise EvalFailure("inverse of a singular matrix") from None

    def det(self, m):
        _exact_cost(m.nrows() ** 3, m.nrows() * _maxbits(m))
        return self._chk(m.det())

    def rank(self, m) -> int:
        _exact_cost(m.nrows() * m.ncols() * min(m.nrows(), m.ncols()),
                    min(m.nrows(), m.ncols()) * _maxbits(m))
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


# -- ball domain: arb, arb_mat ----------------------------------------------------------------

def _A(x):
    """A scalar as a ball (exact rationals are rounded at the working precision)."""
    return x if type(x) is arb else arb(x)


def _AM(m):
    return m if type(m) is arb_mat else arb_mat(m)


class _Ball:
    """arb balls, keeping rationals exact (fmpq, fmpq_mat) for as long as they stay rational and
    small: so the diagonal of X X^T with unit rows is exactly 1 (and acos of it exactly 0),
    integer counts are exact, and only what is really irrational carries a radius."""

    name = "arb"

    def __init__(self):
        self.q = _Rational()
        self.zero, self.one = self.q.zero, self.q.one
        self._eig_cache: dict = {}
        self._derived: dict = {}  # (tag, id(matrix)) -> (matrix, value): Gram, symmetric part

    def _once(self, tag: str, m, make):
        key = (tag, id(m))
        hit = self._derived.get(key)
        if hit is None or hit[0] is not m:
            hit = self._derived[key] = (m, make(m))
        return hit[1]

    # conversions
    def num(self, q: Fraction):
        return fmpq(q.numerator, q.denominator)

    def integer(self, k: int):
        return fmpq(k)

    def value(self, v):
        return self.q.value(v)

    def const(self, name: str):
        if name == "pi":
            return arb.pi()
        if name == "E":
            return arb.const_e()
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
        if type(x) is fmpq:
            try:
                return self.q.cbrt(x)
            except NotRational:
                x = arb(x)
        if x > 0:
            return x.root(3)
        if x < 0:
            return -(-x).root(3)
        r = (abs(x.mid()) + x.rad()).root(3)
        return arb(0).union(r).union(-r)

    def sqrt(self, x):
        if type(x) is fmpq:
            if x < 0:
                raise EvalFailure(f"sqrt of a negative number {_short(x)}")
            r = _qsqrt(x)
            return r if r is not None else arb(x).sqrt()
        if x < 0:
            raise EvalFailure(f"sqrt of a negative number {self.fmt(x)}")
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
        if type(x) is fmpq:
            try:
                return self.q.fn(name, x)
            except NotRational:
                x = arb(x)
        if name == "sigmoid":
            return 1 / (1 + (-x).exp())
        if name == "log" and x <= 0:
            raise EvalFailure(f"log of a non-positive number {self.fmt(x)}")
        return getattr(x, name)()

    def fmt(self, x) -> str:
        return _short(x) if type(x) is fmpq else _fmt_ball(x)

    # matrices
    def mat(self, rows):
        if not rows or not rows[0]:
            return fmpq_mat(len(rows), 0)
        if all(type(e) is fmpq for row in rows for e in row):
            return fmpq_mat(rows)
        return arb_mat([[_A(e) for e in row] for row in rows])

    def new(self, r: int, c: int):
        return fmpq_mat(r, c)

    def eye(self, n: int):
        return self.q.eye(n)

    def smul(self, s, m):
        if type(s) is fmpq and type(m) is fmpq_mat:
            return self.chk_mat(m * s)
        return _AM(m) * _A(s)

    def matmul(self, a, b):
        if type(a) is fmpq_mat and type(b) is fmpq_mat:
            try:
                _exact_cost(a.nrows() * a.ncols() * b.ncols(), _maxbits(a) + _maxbits(b))
                return self.chk_mat(a * b)
            except NotRational:
                pass
        return _AM(a) * _AM(b)

    def chk_mat(self, m):
        if type(m) is fmpq_mat and _maxbits(m) > MAX_BITS:
            return arb_mat(m)
        return m

    def inv(self, m):
        if type(m) is fmpq_mat:
            try:
                return self.q.inv(m)
            except NotRational:
                m = arb_mat(m)
        try:
            return m.inv()
        except ZeroDivisionError:
            raise Undecidable("inverse of a matrix that may be singular at this precision") from None

    def det(self, m):
        if type(m) is fmpq_mat:
            try:
                return self.q.det(m)
            except NotRational:
                m = arb_mat(m)
        return m.det()

    def rank(self, m) -> int:
        """Exact rank of an exact matrix (also of balls of radius 0); for balls, full rank when the
        determinant of the smaller Gram matrix excludes 0; else undecided (balls cannot show a
        rank deficiency)."""
        if type(m) is fmpq_mat:
            try:
                _exact_cost(m.nrows() * m.ncols() * min(m.nrows(), m.ncols()),
                            min(m.nrows(), m.ncols()) * _maxbits(m))
                return m.rank()
            except NotRational:
                m = arb_mat(m)
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
        key = id(m)
        hit = self._eig_cache.get(key)
        if hit is not None and hit[0] is m:
            return hit[1]
        if m.nrows() == 0:
            raise EvalFailure("eigenvalues of an empty matrix")
        try:
            eigs = acb_mat(_AM(m)).eig(multiple=True)
        except (ValueError, ArithmeticError):
            eigs = None
        if eigs is not None:
            if hermitian:
                eigs = [e.real for e in eigs]
            if not all(e.is_finite() for e in eigs):
                eigs = None
        self._eig_cache[key] = (m, eigs)
        return eigs

    def _exact_or(self, fn_exact, m, *args):
        """An exact special case (diagonal, triangular, vector) of an exact matrix, or None."""
        if type(m) is not fmpq_mat:
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


def _short(q) -> str:
    s = str(q)
    if len(s) <= 40:
        return s
    return _fmt_ball(arb(q)) if isinstance(q, fmpq) else s[:37] + "..."


def _fmt_ball(x) -> str:
    if not x.is_finite():
        return "[nan]" if x.is_nan() else str(x)
    if x.is_exact():
        return x.str(12)
    return f"[{x.mid().str(12, radius=False)} +/- {x.rad().str(3, radius=False)}]"


def _check_dims(r: int, c: int) -> None:
    top = limits.LIMITS["max_dim"]
    if r > top or c > top:
        raise Unsupported(f"a {r}x{c} matrix (above {top})")


# -- the evaluator, once for both domains -----------------------------------------------------

def _is_mat(v) -> bool:
    return isinstance(v, (fmpq_mat, arb_mat))


def _shape(v):
    return (v.nrows(), v.ncols()) if _is_mat(v) else (1, 1)


class _Budget:
    __slots__ = ("left",)

    def __init__(self, n: int):
        self.left = n

    def spend(self, n: int = 1) -> None:
        self.left -= n
        if self.left < 0:
            raise Unsupported(f"evaluation budget of {MAX_STEPS} steps exceeded")


class _Eval:
    """One evaluation context: the domain, the instance (converted lazily), bound variables."""

    def __init__(self, dom, exact: dict, budget: _Budget, converted=None, bound=None, powers=None):
        self.dom, self.exact, self.budget = dom, exact, budget
        self.converted = {} if converted is None else converted
        self.powers = {} if powers is None else powers  # id(matrix) -> (matrix, {k: matrix**k})
        self.bound = bound or {}
        self.memo: dict = {}

    def bind(self, var: str, value) -> "_Eval":
        bound = dict(self.bound)
        bound[var] = value
        return _Eval(self.dom, self.exact, self.budget, self.converted, bound, self.powers)

    def lookup(self, name: str, default=KeyError):
        if name in self.bound:
            return self.bound[name]
        v = self.converted.get(name)
        if v is None:
            if name not in self.exact:
                if default is KeyError:
                    raise EvalFailure(f"symbol {name!r} has no value here")
                return default
            v = self.converted[name] = self.dom.value(self.exact[name])
        return v

    # -- values -------------------------------------------------------------------------------
    def scalar(self, v, what: str = "value"):
        if v is IDENT:
            return self.dom.one
        if _is_mat(v):
            if v.nrows() == 1 and v.ncols() == 1:
                return v[0, 0]
            raise EvalFailure(f"{what} is a {v.nrows()}x{v.ncols()} matrix where a scalar is needed")
        if isinstance(v, bool):
            return self.dom.integer(int(v))
        return v

    def as_mat(self, v):
        if v is IDENT:
            raise EvalFailure("I has no size here; use eye(n)")
        if isinstance(v, bool):
            v = self.dom.integer(int(v))
        return v if _is_mat(v) else self.dom.mat([[v]])

    def resolve(self, a, b):
        if a is IDENT:
            a = self.dom.eye(b.nrows()) if _is_mat(b) else self.dom.one
        if b is IDENT:
            b = self.dom.eye(a.nrows()) if _is_mat(a) else self.dom.one
        return a, b

    def size(self, v) -> int:
        n = self.dom.to_int(self.scalar(v), "a size")
        if n < 0:
            raise EvalFailure(f"a size must be a non-negative integer, got {n}")
        _check_dims(n, 0)
        return n

    def index(self, v, n: int, what: str) -> int:
        i = self.dom.to_int(self.scalar(v), f"{what} index")
        if not 1 <= i <= n:
            raise EvalFailure(f"{what} index {i} is outside 1..{n}")
        return i - 1

    def entrywise(self, f: Callable, v):
        if _is_mat(v):
            r, c = v.nrows(), v.ncols()
            return self.dom.mat([[f(v[i, j]) for j in range(c)] for i in range(r)])
        return f(self.scalar(v))

    def truth(self, v) -> bool:
        if isinstance(v, bool):
            return v
        raise EvalFailure("a condition must be a comparison, as x > 0")

    # -- arithmetic ---------------------------------------------------------------------------
    def binop(self, op: str, a, b):
        dom = self.dom
        a, b = self.resolve(a, b)
        if isinstance(a, bool):
            a = dom.integer(int(a))
        if isinstance(b, bool):
            b = dom.integer(int(b))
        ma, mb = _is_mat(a), _is_mat(b)
        if ma and not mb and a.nrows() == 1 and a.ncols() == 1:
            a, ma = a[0, 0], False
        if mb and not ma and b.nrows() == 1 and b.ncols() == 1:
            b, mb = b[0, 0], False
        if op == "+" or op == "-":
            if ma != mb:
                raise EvalFailure(f"cannot {'add' if op == '+' else 'subtract'} a matrix and a scalar")
            if ma:
                if _shape(a) != _shape(b):
                    raise EvalFailure(f"shape mismatch in {op}: {_shape(a)} and {_shape(b)}")
                return dom.chk_mat(a + b if op == "+" else a - b)
            return dom.add(a, b) if op == "+" else dom.sub(a, b)
        if op == "*" or op == "@":
            if ma and mb:
                if a.ncols() != b.nrows():
                    if _shape(a) == (1, 1):
                        return dom.chk_mat(dom.smul(a[0, 0], b))
                    if _shape(b) == (1, 1):
                        return dom.chk_mat(dom.smul(b[0, 0], a))
                    raise EvalFailure(f"shape mismatch in product: {_shape(a)} times {_shape(b)}")
                _check_dims(a.nrows(), b.ncols())
                self.budget.spend(a.nrows() * b.ncols() * a.ncols() // 8)
                return dom.matmul(a, b)
            if ma:
                return dom.chk_mat(dom.smul(b, a))
            if mb:
                return dom.chk_mat(dom.smul(a, b))
            return dom.mul(a, b)
        if op == "/":
            if mb:
                raise EvalFailure("division by a matrix; use inv(B)")
            if ma:
                return dom.chk_mat(dom.smul(dom.recip(b), a))
            return dom.div(a, b)
        if op == "**":
            return self.power(a, b)
        raise Unsupported(f"operator {op}")

    def matpow(self, a, k: int):
        """a**k, reusing the powers of `a` already computed (sum(A**k, k, 0, N) costs one
        product per term, as in the mpmath evaluator)."""
        dom = self.dom
        entry = self.powers.get(id(a))
        if entry is None or entry[0] is not a:
            entry = self.powers[id(a)] = (a, {0: dom.eye(a.nrows()), 1: a})
        known = entry[1]
        hit = known.get(k)
        if hit is not None:
            return hit
        cost = a.nrows() ** 3 // 8 + 1
        m = max(j for j in known if j <= k)
        if k - m <= 4:
            result = known[m]
            for j in range(m + 1, k + 1):
                self.budget.spend(cost)
                result = known[j] = dom.matmul(result, a)
            return result
        result, base, n = None, a, k
        while n:
            self.budget.spend(cost)
            if n & 1:
                result = base if result is None else dom.matmul(result, base)
            n >>= 1
            if n:
                base = dom.matmul(base, base)
        known[k] = result
        return result

    def power(self, a, b):
        dom = self.dom
        b = self.scalar(b, "an exponent")
        if _is_mat(a):
            if a.nrows() != a.ncols():
                raise EvalFailure(f"power of a non-square {a.nrows()}x{a.ncols()} matrix")
            k = dom.to_int(b, "a matrix exponent")
            if k < 0:
                raise EvalFailure("matrix powers need a non-negative integer exponent")
            top = MAX_EXACT_EXPONENT if dom.name == "exact" else MAX_BALL_EXPONENT
            if k > top:
                if dom.name == "exact":
                    raise NotRational("a large matrix exponent")
                raise Unsupported(f"a matrix exponent {k} above {top}")
            return self.matpow(a, k)
        try:
            k = dom.to_int(b, "an exponent")
        except (EvalFailure, Undecidable):
            return dom.rpow(a, b)
        return dom.ipow(a, k)

    # -- the tree -----------------------------------------------------------------------------
    def evaluate(self, node):
        t = type(node)
        if t is N.Num:
            return self.dom.num(node.value)
        if t is N.Sym:
            return self.lookup(node.name)
        key = id(node)
        hit = self.memo.get(key)
        if hit is None:
            self.budget.spend()
            hit = self.memo[key] = self._evaluate(node)
        return hit

    def _evaluate(self, node):
        t = type(node)
        dom = self.dom
        if t is N.Const:
            if node.name == "I":
                return IDENT
            return dom.const(node.name)
        if t is N.BinOp:
            return self.binop(node.op, self.evaluate(node.left), self.evaluate(node.right))
        if t is N.Neg:
            v = self.evaluate(node.operand)
            if v is IDENT:
                return dom.mat([[dom.neg(dom.one)]])
            if isinstance(v, bool):
                return dom.integer(-int(v))
            return -v if _is_mat(v) else dom.neg(v)
        if t is N.Item:
            base = self.lookup(node.base, None)
            idx = [self.evaluate(i) for i in node.index]
            if not _is_mat(base):
                raise EvalFailure(f"{node.base} is not a vector or matrix")
            if len(idx) == 1:
                if base.ncols() != 1:
                    raise EvalFailure(f"{node.base} is a matrix: use {node.base}[i, j]")
                return base[self.index(idx[0], base.nrows(), "vector"), 0]
            return base[self.index(idx[0], base.nrows(), "row"), self.index(idx[1], base.ncols(), "column")]
        if t is N.Compare:
            return self.decide(node)
        if t is N.Logic:
            if node.op == "not":
                return not self.truth(self.evaluate(node.operands[0]))
            if node.op == "and":
                return all(self.truth(self.evaluate(o)) for o in node.operands)
            return any(self.truth(self.evaluate(o)) for o in node.operands)
        if t is N.Call:
            special = _SPECIAL.get(node.fn)
            if special is not None:
                return special(self, node)
            body = _PLAIN.get(node.fn)
            if body is None:
                raise Unsupported(node.fn)
            return body(self, *[self.evaluate(a) for a in node.args])
        raise Unsupported(f"a {t.__name__} node")

    def decide(self, node: N.Compare) -> bool:
        """A comparison inside an expression: decided, or Undecidable."""
        vals = [self.evaluate(o) for o in node.operands]
        for op, a, b in zip(node.ops, vals, vals[1:]):
            s = self.link_sign(op, a, b)
            if s is None:
                raise Undecidable(f"a condition {op} is not decided by the balls")
            if not _holds(op, s):
                return False
        return True

    def link_sign(self, op: str, a, b) -> Optional[int]:
        """The sign of b - a (for ==/!= on matrices: 0 equal, 1 different), None if unknown."""
        a, b = self.resolve(a, b)
        if _is_mat(a) or _is_mat(b):
            if _shape(a) == (1, 1) and _shape(b) == (1, 1):
                a, b = self.scalar(a), self.scalar(b)
            elif op in ("==", "!=") and _is_mat(a) and _is_mat(b):
                if _shape(a) != _shape(b):
                    raise EvalFailure(f"comparing shapes {_shape(a)} and {_shape(b)}")
                d = b - a
                unknown = False
                for e in d.entries():
                    s = self.dom.sign(e)
                    if s:
                        return 1
                    if s is None:
                        unknown = True
                return None if unknown else 0
            else:
                raise EvalFailure(f"matrices cannot be compared with {op}; compare norms or eigenvalues")
        a, b = self.scalar(a), self.scalar(b)
        return self.dom.cmp(b, a)


def _holds(op: str, s: int) -> bool:
    """Whether `a op b` holds given the sign s of b - a (for matrices ==/!=: 0 or 1)."""
    if op == "==":
        return s == 0
    if op == "!=":
        return s != 0
    if op == "<":
        return s > 0
    if op == "<=":
        return s >= 0
    if op == ">":
        return s < 0
    return s <= 0  # >=


# -- the function table -------------------------------------------------------------------------

def _trace(ev, A):
    A = ev.as_mat(A)
    dom = ev.dom
    out = dom.zero
    for i in range(min(A.nrows(), A.ncols())):
        out = dom.add(out, A[i, i])
    return out


def _inv(ev, A):
    if not _is_mat(A):
        if A is IDENT:
            return IDENT
        return ev.dom.recip(ev.scalar(A))
    if A.nrows() != A.ncols():
        raise EvalFailure(f"inverse of a non-square {A.nrows()}x{A.ncols()} matrix")
    ev.budget.spend(A.nrows() ** 3 // 4 + 1)
    return ev.dom.inv(A)


def _det(ev, A):
    A = ev.as_mat(A)
    if A.nrows() != A.ncols():
        raise EvalFailure(f"determinant of a non-square {A.nrows()}x{A.ncols()} matrix")
    ev.budget.spend(A.nrows() ** 3 // 4 + 1)
    return ev.dom.det(A)


def _sumsq(ev, A):
    dom = ev.dom
    out = dom.zero
    for e in A.entries():
        out = dom.add(out, dom.mul(e, e))
    return out


def _norm(ev, A):
    if _is_mat(A):
        return ev.dom.sqrt_nonneg(_sumsq(ev, A))
    return ev.dom.abs(ev.scalar(A))


def _fro(ev, A):
    return _norm(ev, ev.as_mat(A))


def _sym(ev, A, fn: str):
    A = ev.as_mat(A)
    if A.nrows() != A.ncols():
        raise EvalFailure(f"eigenvalues of a non-square {A.nrows()}x{A.ncols()} matrix")
    if not ev.dom.is_symmetric(A):
        raise Unsupported(f"{fn} of a non-symmetric matrix")
    return ev.dom.sym_eigs(ev.dom.symmetrize(A), fn)


def _svals(ev, A, fn: str):
    return ev.dom.svals(ev.as_mat(A), fn)


def _opnorm(ev, A):
    if _is_mat(A):
        return ev.dom.svals(A, "opnorm")[1]
    return ev.dom.abs(ev.scalar(A))


def _rho(ev, A):
    A = ev.as_mat(A)
    if A.nrows() != A.ncols():
        raise EvalFailure(f"eigenvalues of a non-square {A.nrows()}x{A.ncols()} matrix")
    return ev.dom.spectral_radius(A)


def _rank(ev, A):
    return ev.dom.integer(ev.dom.rank(ev.as_mat(A)))


def _dot(ev, u, v):
    u, v = ev.as_mat(u), ev.as_mat(v)
    if _shape(u) != _shape(v):
        raise EvalFailure(f"dot of shapes {_shape(u)} and {_shape(v)}")
    dom = ev.dom
    if u.ncols() == 1:
        return dom.matmul(u.transpose(), v)[0, 0]
    out = dom.zero
    for x, y in zip(u.entries(), v.entries()):
        out = dom.add(out, dom.mul(x, y))
    return out


def _hadamard(ev, A, B):
    A, B = ev.as_mat(A), ev.as_mat(B)
    if _shape(A) != _shape(B):
        raise EvalFailure(f"hadamard of shapes {_shape(A)} and {_shape(B)}")
    mul = ev.dom.mul
    return ev.dom.mat([[mul(A[i, j], B[i, j]) for j in range(A.ncols())] for i in range(A.nrows())])


def _extreme_entry(ev, A, pick):
    A = ev.as_mat(A)
    entries = A.entries()
    if not entries:
        raise EvalFailure("an empty matrix has no entries")
    out = entries[0]
    for e in entries[1:]:
        out = pick(out, e)
    return out


def _outer(ev, u, v):
    u, v = ev.as_mat(u), ev.as_mat(v)
    if u.ncols() != v.ncols():
        raise EvalFailure(f"shape mismatch in product: {_shape(u)} times {(v.ncols(), v.nrows())}")
    _check_dims(u.nrows(), v.nrows())
    return ev.dom.matmul(u, v.transpose())


def _diag(ev, v):
    v = ev.as_mat(v)
    if v.nrows() != 1 and v.ncols() != 1:
        raise EvalFailure("diag needs a vector")
    d = v.entries()
    _check_dims(len(d), len(d))
    if not d:
        return ev.dom.new(0, 0)
    z = ev.dom.zero
    return ev.dom.mat([[e if i == j else z for j in range(len(d))] for i, e in enumerate(d)])


def _filled(ev, r, c, value):
    r, c = ev.size(r), ev.size(c)
    _check_dims(r, c)
    m = ev.dom.new(r, c)
    if value:
        for i in range(r):
            for j in range(c):
                m[i, j] = value
    return m


def _row(ev, A, i):
    A = ev.as_mat(A)
    k = ev.index(i, A.nrows(), "row")
    return ev.dom.mat([[A[k, j]] for j in range(A.ncols())])


def _col(ev, A, j):
    A = ev.as_mat(A)
    k = ev.index(j, A.ncols(), "column")
    return ev.dom.mat([[A[i, k]] for i in range(A.nrows())])


def _entry(ev, A, i, j):
    A = ev.as_mat(A)
    return A[ev.index(i, A.nrows(), "row"), ev.index(j, A.ncols(), "column")]


def _vec(ev, A):
    return ev.dom.mat([[e] for e in ev.as_mat(A).entries()])


def _stack(ev, parts, horizontal: bool):
    mats = [ev.as_mat(p) for p in parts]
    if horizontal:
        if len({m.nrows() for m in mats}) != 1:
            raise EvalFailure("hstack needs equal row counts")
        rows = [[m[i, j] for m in mats for j in range(m.ncols())] for i in range(mats[0].nrows())]
    else:
        if len({m.ncols() for m in mats}) != 1:
            raise EvalFailure("vstack needs equal column counts")
        rows = [[m[i, j] for j in range(m.ncols())] for m in mats for i in range(m.nrows())]
    _check_dims(len(rows), len(rows[0]) if rows else 0)
    if rows and not rows[0]:
        return ev.dom.new(len(rows), 0)
    return ev.dom.mat(rows)


def _matrix(ev, r, c, *entries):
    r, c = ev.size(r), ev.size(c)
    if r * c != len(entries):
        raise EvalFailure("matrix literal has the wrong number of entries")
    _check_dims(r, c)
    if r == 0 or c == 0:
        return ev.dom.new(r, c)
    return ev.dom.mat([[ev.scalar(entries[i * c + j]) for j in range(c)] for i in range(r)])


def _sign(ev, z):
    s = ev.dom.sign(z)
    if s is None:
        raise Undecidable(f"sign of a ball containing 0: {ev.dom.fmt(z)}")
    return ev.dom.integer(s)


def _step(ev, z):
    s = ev.dom.sign(z)
    if s is None:
        raise Undecidable(f"step(x) on a ball containing the kink 0: {ev.dom.fmt(z)}")
    return ev.dom.integer(1 if s >= 0 else 0)


def _relu(ev, z):
    dom = ev.dom
    return dom.max2(z, dom.zero)


def _fn(name: str):
    return lambda ev, x: ev.entrywise(lambda z: ev.dom.fn(name, z), x)


def _log(ev, x, base=None):
    dom = ev.dom
    v = dom.fn("log", ev.scalar(x))
    if base is None:
        return v
    return dom.div(v, dom.fn("log", ev.scalar(base)))


def _minmax(ev, xs, pick):
    vals = [ev.scalar(x) for x in xs]
    out = vals[0]
    for v in vals[1:]:
        out = pick(out, v)
    return out


def _binomial(ev, n, k):
    dom = ev.dom
    try:
        n, k = dom.to_int(ev.scalar(n), "binomial n"), dom.to_int(ev.scalar(k), "binomial k")
    except EvalFailure:  # binomial(1/2, 2) = -1/8 is defined: not evaluated here, not an error
        raise Unsupported("binomial of a non-integer") from None
    if n < 0 or k < 0:
        raise Unsupported("binomial with a negative argument")
    if n > limits.LIMITS["max_factorial"]:
        raise Unsupported(f"binomial({n}, {k}) above the factorial limit")
    return dom.integer(math.comb(n, k))


def _factorial(ev, n):
    dom = ev.dom
    k = dom.to_int(ev.scalar(n), "factorial argument")
    if k < 0:
        raise EvalFailure("factorial of a negative integer")
    if k > limits.LIMITS["max_factorial"]:
        raise Unsupported(f"factorial({k}) above the limit")
    return dom.integer(math.factorial(k))


def _transpose(ev, A):
    return A.transpose() if _is_mat(A) else A


_PLAIN: dict[str, Callable] = {
    "T": _transpose,
    "transpose": _transpose,
    "inv": _inv,
    "det": _det,
    "trace": _trace,
    "tr": _trace,
    "opnorm": _opnorm,
    "norm": _norm,
    "fro": _fro,
    "lambda_min": lambda ev, A: _sym(ev, A, "lambda_min")[0],
    "lambda_max": lambda ev, A: _sym(ev, A, "lambda_max")[1],
    "sigma_min": lambda ev, A: _svals(ev, A, "sigma_min")[0],
    "sigma_max": lambda ev, A: _svals(ev, A, "sigma_max")[1],
    "rho": _rho,
    "rank": _rank,
    "dot": _dot,
    "hadamard": _hadamard,
    "maxentry": lambda ev, A: _extreme_entry(ev, A, ev.dom.max2),
    "minentry": lambda ev, A: _extreme_entry(ev, A, ev.dom.min2),
    "outer": _outer,
    "diag": _diag,
    "eye": lambda ev, n: ev.dom.eye(ev.size(n)),
    "zeros": lambda ev, r, c: _filled(ev, r, c, 0),
    "ones": lambda ev, r, c: _filled(ev, r, c, 1),
    "row": _row,
    "col": _col,
    "entry": _entry,
    "rows": lambda ev, A: ev.dom.integer(_shape(A)[0]),
    "cols": lambda ev, A: ev.dom.integer(_shape(A)[1]),
    "vec": _vec,
    "hstack": lambda ev, *p: _stack(ev, p, True),
    "vstack": lambda ev, *p: _stack(ev, p, False),
    "matrix": _matrix,
    "abs": lambda ev, x: ev.entrywise(ev.dom.abs, x),
    "sign": lambda ev, x: ev.entrywise(lambda z: _sign(ev, z), x),
    "min": lambda ev, *xs: _minmax(ev, xs, ev.dom.min2),
    "max": lambda ev, *xs: _minmax(ev, xs, ev.dom.max2),
    "floor": lambda ev, x: ev.dom.floor(ev.scalar(x)),
    "ceil": lambda ev, x: ev.dom.ceil(ev.scalar(x)),
    "sqrt": lambda ev, x: ev.entrywise(ev.dom.sqrt, x),
    "cbrt": lambda ev, x: ev.entrywise(ev.dom.cbrt, x),
    "log": _log,
    "relu": lambda ev, x: ev.entrywise(lambda z: _relu(ev, z), x),
    "step": lambda ev, x: ev.entrywise(lambda z: _step(ev, z), x),
    "ind": lambda ev, c: ev.dom.integer(1 if ev.truth(c) else 0),
    "binomial": _binomial,
    "factorial": _factorial,
}
for _name in ("exp", "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
              "sech", "sigmoid"):
    _PLAIN[_name] = _fn(_name)


# -- binder forms -------------------------------------------------------------------------------

def _int_bound(ev, node, what) -> int:
    return ev.dom.to_int(ev.scalar(ev.evaluate(node)), what)


def _range(ev, node):
    lo = _int_bound(ev, node.args[2], "lower bound")
    hi = _int_bound(ev, node.args[3], "upper bound")
    if hi - lo + 1 > limits.LIMITS["max_range"]:
        raise Unsupported(f"a range of {hi - lo + 1} terms")
    return lo, hi


def _var(node) -> str:
    v = node.args[1]
    if not isinstance(v, N.Sym):
        raise EvalFailure(f"{node.fn} needs a variable name")
    return v.name


def _fold(op: str, empty):
    """sum / prod over an inclusive integer range (empty: 0, or I for a product)."""
    def fold(ev, node):
        var = _var(node)
        lo, hi = _range(ev, node)
        total = None
        for k in range(lo, hi + 1):
            ev.budget.spend()
            term = ev.bind(var, ev.dom.integer(k)).evaluate(node.args[0])
            total = term if total is None else ev.binop(op, total, term)
        if total is not None:
            return total
        return ev.dom.zero if empty is None else empty
    return fold


_sum, _prod = _fold("+", None), _fold("*", IDENT)


def _first(ev, node):
    var = _var(node)
    lo, hi = _range(ev, node)
    for k in range(lo, hi + 1):
        ev.budget.spend()
        if ev.truth(ev.bind(var, ev.dom.integer(k)).evaluate(node.args[0])):
            return ev.dom.integer(k)
    raise Unsupported("first found no index (its value is oo)")


def _iterate(ev, node):
    var = _var(node)
    x = ev.evaluate(node.args[2])
    steps = _int_bound(ev, node.args[3], "number of steps")
    if steps > limits.LIMITS["max_range"]:
        raise Unsupported(f"{steps} iterations")
    for _ in range(steps):
        ev.budget.spend()
        x = ev.bind(var, x).evaluate(node.args[0])
    return x


def _at(ev, node):
    value = ev.evaluate(node.args[2])
    return ev.bind(_var(node), value).evaluate(node.args[0])


def _piecewise(ev, node):
    args = node.args
    for c, v in zip(args[0:-1:2], args[1:-1:2]):
        if ev.truth(ev.evaluate(c)):
            return ev.evaluate(v)
    if len(args) % 2 == 0:
        raise EvalFailure("piecewise(c1, v1, ..., otherwise) needs an odd number of arguments")
    return ev.evaluate(args[-1])


_SPECIAL: dict[str, Callable] = {
    "sum": _sum, "prod": _prod, "first": _first, "iterate": _iterate, "at": _at,
    "piecewise": _piecewise,
}

#: The functions with a body here (`verify functions` prints it beside the other engines').
SUPPORTED = frozenset(_PLAIN) | frozenset(_SPECIAL)


# -- the relation ---------------------------------------------------------------------------------

def _conjuncts(node) -> Optional[list]:
    if isinstance(node, N.Compare):
        return [node]
    if isinstance(node, N.Logic) and node.op == "and":
        out = []
        for o in node.operands:
            parts = _conjuncts(o)
            if parts is None:
                return None
            out.extend(parts)
        return out
    return None


@dataclass
class _Part:
    holds: Optional[bool]
    engine: str
    detail: str
    kind: str  # decided | undecided | unsupported | error


def _chain(ev, node: N.Compare) -> _Part:
    """Decide one comparison chain at the top level with the evaluator's domain."""
    dom = ev.dom
    vals = [ev.evaluate(o) for o in node.operands]
    notes, undecided = [], []
    for k, (op, a, b) in enumerate(zip(node.ops, vals, vals[1:])):
        where = f" (link {k + 1})" if len(node.ops) > 1 else ""
        if op in (">", ">="):  # shown as lhs - rhs, so that a positive margin holds
            s, diff = _top_sign(ev, "<" if op == ">" else "<=", b, a)
            s = None if s is None else -s
            name = "lhs - rhs"
        else:
            s, diff = _top_sign(ev, op, a, b)
            name = "rhs - lhs"
        text = f"{name} {'in' if diff.startswith('[') else '='} {diff}{where}"
        if s is None:
            undecided.append(f"{text}: the ball contains 0" if op not in ("==", "!=")
                             else f"{text}: an equality is not decided by balls")
            continue
        if not _holds(op, s):
            return _Part(False, dom.name, f"{op} fails: {text}", "decided")
        notes.append(text)
    if undecided:
        return _Part(None, dom.name, "; ".join(undecided), "undecided")
    return _Part(True, dom.name, "; ".join(notes), "decided")


def _top_sign(ev, op, a, b):
    """(sign of b - a or None, a description of b - a). A ball decides the sign when it excludes
    0; it says 0 only when its radius is 0 (an exact value, e.g. integer counts), so an equality
    of inexact balls is never proved and `a <= b` with 0 inside the ball is undecided."""
    dom = ev.dom
    a, b = ev.resolve(a, b)
    if _is_mat(a) or _is_mat(b):
        if not (_shape(a) == (1, 1) and _shape(b) == (1, 1)):
            s = ev.link_sign(op, a, b)  # ==/!= of matrices, or an error
            shown = "0 (entrywise)" if s == 0 else "a matrix with an entry != 0"
            if s is None:
                d = b - a
                worst = max((e.rad() for e in d.entries() if type(e) is arb), default=arb(0))
                shown = f"entries within +/- {worst.str(3, radius=False)}"
            return s, shown
        a, b = ev.scalar(a), ev.scalar(b)
    a, b = ev.scalar(a), ev.scalar(b)
    if dom.name == "exact":
        s = dom.cmp(b, a)
        try:
            shown = dom.fmt(dom.sub(b, a))
        except NotRational:  # unlike square roots: compared exactly, shown approximately
            shown = _fmt_ball(dom.approx(b) - dom.approx(a))
        return s, shown
    d = dom.sub(b, a)
    return dom.sign(d), dom.fmt(d)  # 0 only when exact (fmpq, or a ball of radius 0)


def _run_part(node, evs: dict, exact: dict, budget: _Budget) -> _Part:
    try:
        ev = evs.get("exact")
        if ev is None:
            ev = evs["exact"] = _Eval(_Rational(), exact, budget)
        try:
            return _chain(ev, node)
        except NotRational:
            pass
        ev = evs.get("arb")
        if ev is None:
            ev = evs["arb"] = _Eval(_Ball(), exact, budget)
        return _chain(ev, node)
    except Unsupported as exc:
        return _Part(None, "", f"unsupported: {exc}", "unsupported")
    except Undecidable as exc:
        return _Part(None, "arb", f"undecided: {exc}", "undecided")
    except EvalFailure as exc:
        return _Part(None, "", f"evaluation error: {exc}", "error")
    except LimitExceeded as exc:
        return _Part(None, "", f"unsupported: {exc}", "unsupported")


def _clip(text: str) -> str:
    return text if len(text) <= MAX_DETAIL else text[:MAX_DETAIL - 3] + "..."


def certify(relation: N.Node, exact: dict, prec_bits: int = 300) -> Certificate:
    """Decide a relation at one exact instance: exactly where it is rational, else with arb balls at
    `prec_bits`; None (undecided) whenever neither gives a rigorous answer. Never raises on a
    well-formed tree."""
    if flint is None:
        return Certificate(None, "", "unsupported: python-flint is not installed")
    parts = _conjuncts(relation)
    if parts is None:
        return Certificate(None, "", "unsupported: not a relation (a comparison or an `and` of them)")
    old = flint.ctx.prec
    try:
        flint.ctx.prec = max(2, int(prec_bits))
        budget = _Budget(MAX_STEPS)
        evs: dict = {}
        results = [_run_part(p, evs, exact, budget) for p in parts]
    except RecursionError:
        return Certificate(None, "", "unsupported: the tree is too deep")
    except Exception as exc:  # a bug or a flint failure: never a verdict
        return Certificate(None, "", _clip(f"internal error: {type(exc).__name__}: {exc}"))
    finally:
        flint.ctx.prec = old
    return _combine(results, len(parts))


def evaluate(node: N.Node, exact: Optional[dict] = None, prec_bits: int = 300):
    """(domain, value) of an expression at one exact instance: ("exact", an fmpq, Surd or
    fmpq_mat) where the value is rational, else ("arb", a ball or ball matrix). Raises
    Unsupported, Undecidable or EvalFailure where a certificate would say so."""
    if flint is None:
        raise Unsupported("python-flint is not installed")
    old = flint.ctx.prec
    try:
        flint.ctx.prec = max(2, int(prec_bits))
        budget = _Budget(MAX_STEPS)
        try:
            return "exact", _Eval(_Rational(), exact or {}, budget).evaluate(node)
        except NotRational:
            return "arb", _Eval(_Ball(), exact or {}, budget).evaluate(node)
    finally:
        flint.ctx.prec = old


def _combine(results: list, n: int) -> Certificate:
    def tag(i, text):
        return f"part {i + 1}: {text}" if n > 1 else text

    errors = [(i, r) for i, r in enumerate(results) if r.kind == "error"]
    if errors:
        i, r = errors[0]
        return Certificate(None, "", _clip(tag(i, r.detail)))
    false = [(i, r) for i, r in enumerate(results) if r.holds is False]
    if false:
        i, r = false[0]
        return Certificate(False, r.engine, _clip(tag(i, r.detail)))
    if all(r.holds for r in results):
        engine = "arb" if any(r.engine == "arb" for r in results) else "exact"
        return Certificate(True, engine, _clip("; ".join(tag(i, r.detail) for i, r in enumerate(results))))
    open_ = [(i, r) for i, r in enumerate(results) if r.holds is None]
    engine = "" if any(r.kind == "unsupported" for _, r in open_) else "arb"
    return Certificate(None, engine, _clip("; ".join(tag(i, r.detail) for i, r in open_)))
