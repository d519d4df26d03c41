"""The functions' bodies: `PLAIN` takes evaluated arguments, the binder forms of `SPECIAL` their tree."""

from __future__ import annotations

import math
from functools import partial, reduce
from typing import Callable

from verify import limits
from verify.expr import nodes as N
from verify.expr.elementary import ELEMENTARY, TRANSCENDENTAL, Elementary, Scalars

from .common import IDENT, EvalFailure, Undecidable, Unsupported, check_dims, is_mat, shape, square


def _total(dom, terms):
    """The sum of `terms` in the domain (its zero when there are none)."""
    out = dom.zero
    for t in terms:
        out = dom.add(out, t)
    return out


def _trace(ev, A):
    A = ev.as_mat(A)
    return _total(ev.dom, (A[i, i] for i in range(min(A.nrows(), A.ncols()))))


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


def _hadamard(ev, A, B):
    A, B = ev.as_mat(A), ev.as_mat(B)
    if shape(A) != shape(B):
        raise EvalFailure(f"hadamard of shapes {shape(A)} and {shape(B)}")
    mul = ev.dom.mul
    return ev.dom.mat([[mul(A[i, j], B[i, j]) for j in range(A.ncols())] for i in range(A.nrows())])


def _extreme_entry(ev, A, pick):
    entries = ev.as_mat(A).entries()
    if not entries:
        raise EvalFailure("an empty matrix has no entries")
    return reduce(pick, entries)


def _outer(ev, u, v):
    u, v = ev.as_mat(u), ev.as_mat(v)
    if u.ncols() != v.ncols():
        raise EvalFailure(f"shape mismatch in product: {shape(u)} times {(v.ncols(), v.nrows())}")
    check_dims(u.nrows(), v.nrows())
    return ev.dom.matmul(u, v.transpose())


def _diag(ev, v):
    v = ev.as_mat(v)
    if v.nrows() != 1 and v.ncols() != 1:
        raise EvalFailure("diag needs a vector")
    d = v.entries()
    check_dims(len(d), len(d))
    if not d:
        return ev.dom.new(0, 0)
    z = ev.dom.zero
    return ev.dom.mat([[e if i == j else z for j in range(len(d))] for i, e in enumerate(d)])


def _filled(ev, r, c, value):
    r, c = ev.size(r), ev.size(c)
    check_dims(r, c)
    m = ev.dom.new(r, c)
    if value:
        for i in range(r):
            for j in range(c):
                m[i, j] = value
    return m


def _col(ev, A, j, what: str = "column"):
    """Column j of A (1-based) as a vector; row j is column j of A's transpose (`what`: "row")."""
    A = ev.as_mat(A)
    k = ev.index(j, A.ncols(), what)
    return ev.dom.mat([[A[i, k]] for i in range(A.nrows())])


def _entry(ev, A, i, j):
    A = ev.as_mat(A)
    return A[ev.index(i, A.nrows(), "row"), ev.index(j, A.ncols(), "column")]


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
    check_dims(len(rows), len(rows[0]) if rows else 0)
    if rows and not rows[0]:
        return ev.dom.new(len(rows), 0)
    return ev.dom.mat(rows)


def _matrix(ev, r, c, *entries):
    r, c = ev.size(r), ev.size(c)
    if r * c != len(entries):
        raise EvalFailure("matrix literal has the wrong number of entries")
    check_dims(r, c)
    if r == 0 or c == 0:
        return ev.dom.new(r, c)
    return ev.dom.mat([[ev.scalar(entries[i * c + j]) for j in range(c)] for i in range(r)])


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


def _transpose(ev, A):
    return A.transpose() if is_mat(A) else A


PLAIN: dict[str, Callable] = {
    "T": _transpose,
    "transpose": _transpose,
    "inv": _inv,
    "det": _det,
    "trace": _trace,
    "tr": _trace,
    "opnorm": _opnorm,
    "norm": _norm,
    "fro": lambda ev, A: _norm(ev, ev.as_mat(A)),
    "lambda_min": lambda ev, A: _sym(ev, A, "lambda_min")[0],
    "lambda_max": lambda ev, A: _sym(ev, A, "lambda_max")[1],
    "sigma_min": lambda ev, A: ev.dom.svals(ev.as_mat(A), "sigma_min")[0],
    "sigma_max": lambda ev, A: ev.dom.svals(ev.as_mat(A), "sigma_max")[1],
    "rho": lambda ev, A: ev.dom.spectral_radius(square(ev.as_mat(A), "eigenvalues")),
    "rank": lambda ev, A: ev.dom.integer(ev.dom.rank(ev.as_mat(A))),
    "dot": _dot,
    "hadamard": _hadamard,
    "maxentry": lambda ev, A: _extreme_entry(ev, A, ev.dom.max2),
    "minentry": lambda ev, A: _extreme_entry(ev, A, ev.dom.min2),
    "outer": _outer,
    "diag": _diag,
    "eye": lambda ev, n: ev.dom.eye(ev.size(n)),
    "zeros": lambda ev, r, c: _filled(ev, r, c, 0),
    "ones": lambda ev, r, c: _filled(ev, r, c, 1),
    "row": lambda ev, A, i: _col(ev, ev.as_mat(A).transpose(), i, "row"),
    "col": _col,
    "entry": _entry,
    "rows": lambda ev, A: ev.dom.integer(shape(A)[0]),
    "cols": lambda ev, A: ev.dom.integer(shape(A)[1]),
    "vec": lambda ev, A: ev.dom.mat([[e] for e in ev.as_mat(A).entries()]),
    "hstack": lambda ev, *p: _stack(ev, p, True),
    "vstack": lambda ev, *p: _stack(ev, p, False),
    "matrix": _matrix,
    "ind": lambda ev, c: ev.dom.integer(1 if ev.truth(c) else 0),
    "binomial": _binomial,
    "factorial": _factorial,
}


class BallScalars(Scalars):
    """The elementary functions' operations in the evaluator's domain: exact rationals, or arb
    balls with exact rationals where they stay exact."""
    __slots__ = ("ev", "dom")

    def __init__(self, ev):
        self.ev, self.dom = ev, ev.dom

    def unsupported(self, op: str):
        raise Unsupported(op)

    def sign(self, x):
        return self.dom.integer(_sign(self.ev, x))

    def step(self, x):
        return self.dom.integer(int(_sign(self.ev, x, "step(x) on a ball containing the kink 0") >= 0))

    def logb(self, x, base):
        return self.dom.div(self.dom.fn("log", x), self.dom.fn("log", base))


for _op in ("num", "add", "sub", "mul", "div", "neg", "abs", "floor", "ceil", "max2", "min2", "sqrt", "cbrt"):
    setattr(BallScalars, _op, lambda self, *args, _op=_op: getattr(self.dom, _op)(*args))  # the domain's own
for _op in TRANSCENDENTAL - {"logb"}:
    setattr(BallScalars, _op, lambda self, x, _op=_op: self.dom.fn(_op, x))


def _lift(fn: Elementary) -> Callable:
    """An elementary function's body as an entry of PLAIN."""
    if fn.entrywise:
        return lambda ev, x: ev.entrywise(partial(fn.body, BallScalars(ev)), x)
    return lambda ev, *xs: fn.body(BallScalars(ev), *[ev.scalar(x) for x in xs])


PLAIN.update({name: _lift(fn) for name, fn in ELEMENTARY.items()})


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
    return ev.dom.const("oo")  # no index in lo..hi, every condition decided false: +oo by definition


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


SPECIAL: dict[str, Callable] = {
    "sum": _sum, "prod": _prod, "first": _first, "iterate": _iterate, "at": _at,
    "piecewise": _piecewise,
}

#: The functions with a body here (`verify functions` prints it beside the other engines').
SUPPORTED = frozenset(PLAIN) | frozenset(SPECIAL)
