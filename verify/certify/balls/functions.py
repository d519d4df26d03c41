"""The balls' functions: `BallOps`, the operations of the functions written once (verify.expr.bodies)
in exact rationals and arb balls; `PLAIN` (name -> run(ev, *args)) takes evaluated arguments, the
binder forms of `SPECIAL` their tree (most of them shared with mpmath: verify.expr.walk)."""

from __future__ import annotations

import math

from typing import Callable

from verify import limits
from verify.expr.bodies import TRANSCENDENTAL, Ops, can, runner
from verify.expr.functions import BODIES
from verify.expr.walk import BINDERS, binder_var

from .common import IDENT, EvalFailure, Undecidable, Unsupported, check_dims, is_mat, shape, square


def _total(dom, terms):
    """The sum of `terms` in the domain (its zero when there are none)."""
    out = dom.zero
    for t in terms:
        out = dom.add(out, t)
    return out


def _inv(ev, A):
    if not is_mat(A):
        if A is IDENT:
            return IDENT
        return ev.dom.recip(ev.scalar(A))
    square(A, "inverse")
    ev.budget.spend(A.nrows() ** 3 // 4 + 1)
    return ev.dom.inv(A)


def _det(ev, A):
    A = square(ev.as_mat(A), "determinant")
    ev.budget.spend(A.nrows() ** 3 // 4 + 1)
    return ev.dom.det(A)


def _norm(ev, A):
    dom = ev.dom
    if is_mat(A):
        return dom.sqrt_nonneg(_total(dom, (dom.mul(e, e) for e in A.entries())))
    return dom.abs(ev.scalar(A))


def _sym(ev, A, fn: str):
    A = square(ev.as_mat(A), "eigenvalues")
    if not ev.dom.is_symmetric(A):
        raise Unsupported(f"{fn} of a non-symmetric matrix")
    return ev.dom.sym_eigs(ev.dom.symmetrize(A), fn)


def _opnorm(ev, A):
    if is_mat(A):
        return ev.dom.svals(A, "opnorm")[1]
    return ev.dom.abs(ev.scalar(A))


def _dot(ev, u, v):
    u, v = ev.as_mat(u), ev.as_mat(v)
    if shape(u) != shape(v):
        raise EvalFailure(f"dot of shapes {shape(u)} and {shape(v)}")
    dom = ev.dom
    if u.ncols() == 1:
        return dom.matmul(u.transpose(), v)[0, 0]
    return _total(dom, (dom.mul(x, y) for x, y in zip(u.entries(), v.entries())))


def _outer(ev, u, v):
    u, v = ev.as_mat(u), ev.as_mat(v)
    if u.ncols() != v.ncols():
        raise EvalFailure(f"shape mismatch in product: {shape(u)} times {(v.ncols(), v.nrows())}")
    check_dims(u.nrows(), v.nrows())
    return ev.dom.matmul(u, v.transpose())


def _sign(ev, z, what: str = "sign of a ball containing 0") -> int:
    """The sign of z (-1, 0 or 1), or Undecidable (`what`: the message) when the ball contains 0."""
    s = ev.dom.sign(z)
    if s is None:
        raise Undecidable(f"{what}: {ev.dom.fmt(z)}")
    return s


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


PLAIN: dict[str, Callable] = {"ind": lambda ev, c: ev.dom.integer(1 if ev.truth(c) else 0)}


def _spectral_radius(ev, A):
    return ev.dom.spectral_radius(square(ev.as_mat(A), "eigenvalues"))


def _rank(ev, A):
    return ev.dom.integer(ev.dom.rank(ev.as_mat(A)))


class BallOps(Ops):
    """The operations of the functions written once, in an evaluation's domain: exact rationals,
    or arb balls with exact rationals where they stay exact. The evaluation context
    (verify.certify.balls.evaluator.Eval) is one."""
    __slots__ = ()

    def unsupported(self, op: str):
        raise Unsupported(op)

    def sign(self, x):
        return self.dom.integer(_sign(self, x))

    def step(self, x):
        return self.dom.integer(int(_sign(self, x, "step(x) on a ball containing the kink 0") >= 0))

    def logb(self, x, base):
        return self.dom.div(self.dom.fn("log", x), self.dom.fn("log", base))

    is_mat, shape = staticmethod(is_mat), staticmethod(shape)

    @property
    def zero(self):
        return self.dom.zero

    @property
    def one(self):
        return self.dom.one

    def scalar(self, v, what: str = "value"):
        if v is IDENT:
            return self.dom.one
        if is_mat(v):
            if v.nrows() == 1 and v.ncols() == 1:
                return v[0, 0]
            raise EvalFailure(f"{what} is a {v.nrows()}x{v.ncols()} matrix where a scalar is needed")
        return self.number(v)

    def as_mat(self, v):
        if v is IDENT:
            raise EvalFailure("I has no size here; use eye(n)")
        v = self.number(v)
        return v if is_mat(v) else self.dom.mat([[v]])

    def size(self, v) -> int:
        n = self.dom.to_int(self.scalar(v), "a size")
        if n < 0:
            raise EvalFailure(f"a size must be a non-negative integer, got {n}")
        check_dims(n, 0)
        return n

    def index(self, v, n: int, what: str) -> int:
        i = self.dom.to_int(self.scalar(v), f"{what} index")
        if not 1 <= i <= n:
            raise EvalFailure(f"{what} index {i} is outside 1..{n}")
        return i - 1

    def entrywise(self, f: Callable, v):
        if is_mat(v):
            r, c = v.nrows(), v.ncols()
            return self.dom.mat([[f(v[i, j]) for j in range(c)] for i in range(r)])
        return f(self.scalar(v))

    @staticmethod
    def at(A, i, j):
        return A[i, j]

    @staticmethod
    def transpose(A):
        return A.transpose()

    def hadamard(self, A, B):
        mul = self.dom.mul
        return self.dom.mat([[mul(A[i, j], B[i, j]) for j in range(A.ncols())] for i in range(A.nrows())])

    def mat(self, rows, cols):
        check_dims(len(rows), cols)
        return self.dom.mat(rows) if rows and cols else self.dom.new(len(rows), cols)

    def total(self, terms):
        return _total(self.dom, terms)

    @staticmethod
    def fail(message):
        raise EvalFailure(message)

    # linear algebra
    inv, det, opnorm, norm, dot, outer, binomial, factorial = (
        _inv, _det, _opnorm, _norm, _dot, _outer, _binomial, _factorial)
    fro, lambda_min, lambda_max = ((lambda self, A: _norm(self, self.as_mat(A))),
                                   (lambda self, A: _sym(self, A, "lambda_min")[0]),
                                   (lambda self, A: _sym(self, A, "lambda_max")[1]))
    sigma_min, sigma_max = ((lambda self, A: self.dom.svals(self.as_mat(A), "sigma_min")[0]),
                            (lambda self, A: self.dom.svals(self.as_mat(A), "sigma_max")[1]))
    rho = _spectral_radius
    rank = _rank


for _op in ("num", "add", "sub", "mul", "div", "neg", "abs", "floor", "ceil", "max2", "min2", "sqrt", "cbrt"):
    setattr(BallOps, _op, lambda self, *args, _op=_op: getattr(self.dom, _op)(*args))  # the domain's own
for _op in TRANSCENDENTAL - {"logb"}:
    setattr(BallOps, _op, lambda self, x, _op=_op: self.dom.fn(_op, x))


PLAIN.update({name: runner(fn, BallOps) for name, fn in BODIES.items() if can(BallOps, fn)})  # run(ev, *args): the context is the Ops


# -- binder forms -------------------------------------------------------------------------------

def _int_bound(ev, node, what) -> int:
    return ev.dom.to_int(ev.scalar(ev.evaluate(node)), what)


def binder_range(ev, node) -> tuple[int, int]:
    lo = _int_bound(ev, node.args[2], "lower bound")
    hi = _int_bound(ev, node.args[3], "upper bound")
    if hi - lo + 1 > limits.LIMITS["max_range"]:
        raise Unsupported(f"a range of {hi - lo + 1} terms")
    return lo, hi


def _iterate(ev, node):
    var = binder_var(ev, node)
    x = ev.evaluate(node.args[2])
    steps = _int_bound(ev, node.args[3], "number of steps")
    if steps > limits.LIMITS["max_range"]:
        raise Unsupported(f"{steps} iterations")
    for _ in range(steps):
        ev.budget.spend()
        x = ev.bind(var, x).evaluate(node.args[0])
    return x


SPECIAL: dict[str, Callable] = {
    **BINDERS, "iterate": _iterate,
}

#: The functions with a body here (`verify functions` prints it beside the other engines').
SUPPORTED = frozenset(PLAIN) | frozenset(SPECIAL)
