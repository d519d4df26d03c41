"""The symbolic evaluator: expression tree -> SymPy objects, built with SymPy's constructors.

No string ever reaches `sympify`/`parse_expr`: numbers become `Rational`, names become the
`Symbol`s or explicit symbolic matrices the claim declared, calls become SymPy functions.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable

import sympy as sp

from verify.errors import EvalError
from verify.expr import nodes as N
from verify.expr.bodies import Ops, can, runner
from verify.expr.walk import walk
from verify.expr.functions import BODIES
from verify.expr.numeric import IDENT  # `I` before its size is known, shared by the engines
from verify import limits

Mat = sp.MatrixBase


def is_mat(v) -> bool:
    return isinstance(v, Mat)


def _resolve(a, b, product: bool = False):
    """Give `I` the size the other operand needs (`A * I`: A's column count)."""
    if a is IDENT:
        a = sp.eye(b.rows).as_immutable() if is_mat(b) else sp.Integer(1)
    if b is IDENT:
        b = sp.eye(a.cols if product else a.rows).as_immutable() if is_mat(a) else sp.Integer(1)
    return a, b


def scalar(v):
    if v is IDENT:
        return sp.Integer(1)
    if is_mat(v):
        if v.shape == (1, 1):
            return v[0, 0]
        raise EvalError(f"a {v.rows}x{v.cols} matrix where a scalar is needed")
    return v


def _guard_power(base, exp):
    if isinstance(exp, sp.Integer) and isinstance(base, (sp.Integer, sp.Rational)):
        bits = max(abs(base.p).bit_length(), abs(base.q).bit_length())
        limits.check("max_exp_bits", "size of an exact power (bits)", bits * abs(int(exp)))
    if is_mat(base) and isinstance(exp, sp.Integer):
        limits.check("max_power", "matrix exponent", abs(int(exp)))


def binop(op, a, b):
    a, b = _resolve(a, b, product=op in ("*", "@"))
    if is_mat(a) and a.shape == (1, 1) and not is_mat(b):
        a = a[0, 0]
    if is_mat(b) and b.shape == (1, 1) and not is_mat(a):
        b = b[0, 0]
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op in ("*", "@"):
            if is_mat(a) and is_mat(b) and a.cols != b.rows:
                if a.shape == (1, 1):
                    return a[0, 0] * b
                if b.shape == (1, 1):
                    return a * b[0, 0]
            return a * b
        if op == "/":
            if is_mat(b):
                raise EvalError("division by a matrix; use inv(B)")
            return a / b
        if op == "**":
            b = scalar(b)
            _guard_power(a, b)
            return a ** b
    except (sp.ShapeError, TypeError, ValueError) as exc:
        raise EvalError(f"cannot apply {op}: {exc}") from None
    raise EvalError(f"unknown operator {op}")


def _as_mat(v):
    if v is IDENT:
        raise EvalError("I has no size here; use eye(n)")
    return v if is_mat(v) else sp.ImmutableMatrix([[v]])


def _entrywise(f, v):
    return v.applyfunc(f) if is_mat(v) else f(scalar(v))


def _int(v, what) -> int:
    v = scalar(v)
    if not (isinstance(v, sp.Integer) or (v.is_number and v == int(v))):
        raise EvalError(f"{what} must be an integer here, got {v}")
    return int(v)


def _entry_at(A, i: int, j: int):
    """The 1-based entry (i, j); an index outside the matrix is an error (SymPy would wrap
    a 0 or a negative index around to the last row or column)."""
    if not (1 <= i <= A.rows and 1 <= j <= A.cols):
        raise EvalError(f"index ({i}, {j}) is outside the {A.rows}x{A.cols} matrix (indices start at 1)")
    return A[i - 1, j - 1]


def _index(v, n: int, what: str) -> int:
    """A 1-based index as a 0-based one; outside 1..n is an error (SymPy would wrap 0 around)."""
    i = _int(v, f"a {what} index")
    if not 1 <= i <= n:
        raise EvalError(f"{what} index {i} is outside 1..{n}")
    return i - 1


def _svals(A):
    """The min(rows, cols) singular values (SymPy's own list of a wide matrix adds zeros)."""
    return (A if A.rows >= A.cols else A.T).singular_values()


def _dot(u, v):
    u, v = _as_mat(u), _as_mat(v)
    if u.shape != v.shape:
        raise EvalError(f"dot of shapes {u.shape} and {v.shape}")
    return sp.Add(*[u[i] * v[i] for i in range(len(u))])


def _eigs(A):
    A = _as_mat(A)
    ev = []
    for val, mult in A.eigenvals().items():
        ev += [val] * mult
    return ev


def _size(n):
    n = _int(n, "a size")
    limits.check("max_dim", "matrix size", n)
    return n


SYMBOLIC: dict[str, Callable] = {"ind": lambda ctx, c: sp.Piecewise((1, c), (0, True))}


class SymOps(Ops):
    """The operations of the functions written once, in SymPy."""
    __slots__ = ()
    is_mat, as_mat, scalar, index, size, entrywise = (
        staticmethod(f) for f in (is_mat, _as_mat, scalar, _index, _size, _entrywise))
    shape, transpose = staticmethod(lambda A: A.shape), staticmethod(lambda A: A.T)
    hadamard = staticmethod(lambda A, B: A.multiply_elementwise(B))
    at, total = staticmethod(lambda A, i, j: A[i, j]), staticmethod(lambda terms: sp.Add(*terms))
    mat = staticmethod(lambda rows, cols: sp.ImmutableMatrix(len(rows), cols, [e for row in rows for e in row]))

    @staticmethod
    def fail(message):
        raise EvalError(message)

    # linear algebra
    inv = staticmethod(lambda A: A.inv() if is_mat(A) else 1 / A)
    det, rank = staticmethod(lambda A: _as_mat(A).det()), staticmethod(lambda A: sp.Integer(_as_mat(A).rank()))
    opnorm = staticmethod(lambda A: _as_mat(A).norm(2) if is_mat(A) else sp.Abs(A))
    norm = staticmethod(lambda A: sp.sqrt(sp.Add(*[x**2 for x in A])) if is_mat(A) else sp.Abs(A))
    fro = staticmethod(lambda A: sp.sqrt(sp.Add(*[x**2 for x in _as_mat(A)])))
    lambda_min, lambda_max = staticmethod(lambda A: sp.Min(*_eigs(A))), staticmethod(lambda A: sp.Max(*_eigs(A)))
    sigma_min = staticmethod(lambda A: sp.Min(*_svals(_as_mat(A))))
    sigma_max = staticmethod(lambda A: sp.Max(*_as_mat(A).singular_values()))
    rho = staticmethod(lambda A: sp.Max(*[sp.Abs(e) for e in _eigs(A)]))
    dot, pinv = staticmethod(_dot), staticmethod(lambda A: _as_mat(A).pinv().as_immutable())
    outer = staticmethod(lambda u, v: _as_mat(u) * _as_mat(v).T)
    binomial, factorial = staticmethod(sp.binomial), staticmethod(lambda n: sp.factorial(_factorial_arg(n)))

    num, zero, one = staticmethod(lambda q: sp.Rational(q.numerator, q.denominator)), sp.Integer(0), sp.Integer(1)
    add, sub, mul, div = (staticmethod(f) for f in (operator.add, operator.sub, operator.mul, operator.truediv))
    neg, abs, floor, ceil = staticmethod(operator.neg), staticmethod(sp.Abs), staticmethod(sp.floor), staticmethod(sp.ceiling)
    max2, min2, step = staticmethod(sp.Max), staticmethod(sp.Min), staticmethod(lambda x: sp.Heaviside(x, 1))
    cbrt, log1p = staticmethod(lambda x: sp.real_root(x, 3)), staticmethod(lambda x: sp.log(1 + x))
    log, logb = staticmethod(sp.log), staticmethod(sp.log)
    sign, sqrt, exp, sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, sech = (
        staticmethod(getattr(sp, name)) for name in
        ("sign", "sqrt", "exp", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sech"))


SYMBOLIC.update({name: runner(fn, SymOps) for name, fn in BODIES.items() if can(SymOps, fn)})  # run(ctx, *args)


def _factorial_arg(n):
    n = scalar(n)
    if n.is_number:
        limits.check("max_factorial", "factorial argument", n)
    return n


_REL = {"==": sp.Eq, "!=": sp.Ne, "<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge}


def evaluate(node: N.Node, ctx: SymCtx):
    """Build the SymPy object of a tree."""
    return walk(ctx, node)


@dataclass
class SymCtx(SymOps):
    """The bindings of one build; the `Ops` of the functions written once and of the tree walk
    (verify.expr.walk)."""
    values: dict[str, Any]

    def lookup(self, name: str):
        try:
            return self.values[name]
        except KeyError:
            raise EvalError(f"symbol {name!r} has no symbolic value here") from None

    @staticmethod
    def const(name: str):
        return {"pi": sp.pi, "E": sp.E, "oo": sp.oo, "I": IDENT}[name]

    @staticmethod
    def negate(v):
        return sp.Integer(-1) if v is IDENT else -v

    def item(self, node: N.Item):
        """x[i], A[i, j] (a scalar reads as 1 x 1)."""
        base = _as_mat(self.values[node.base])
        idx = [_int(walk(self, i), "an index") for i in node.index]
        return _entry_at(base, idx[0], 1) if len(idx) == 1 else _entry_at(base, idx[0], idx[1])

    def decide(self, node: N.Compare):
        """A comparison chain as a SymPy relation (an `And` of links)."""
        vals = [scalar(walk(self, o)) for o in node.operands]
        rels = [_REL[op](a, b) for op, a, b in zip(node.ops, vals, vals[1:])]
        return rels[0] if len(rels) == 1 else sp.And(*rels)

    def logic(self, node: N.Logic):
        return {"and": sp.And, "or": sp.Or, "not": sp.Not}[node.op](*[walk(self, o) for o in node.operands])

    @staticmethod
    def no_function(name: str):
        raise EvalError(f"{name} has no symbolic form")

    evaluate, binop = walk, staticmethod(binop)


# -- binder forms -----------------------------------------------------------------------------

def _bound(ctx, var, value):
    values = dict(ctx.values)
    values[var] = value
    return SymCtx(values)


def _sum_like(node, ctx, combine, empty, concrete_fn):
    var = node.args[1].name
    lo, hi = scalar(evaluate(node.args[2], ctx)), scalar(evaluate(node.args[3], ctx))
    if lo.is_Integer and hi.is_Integer:
        limits.check("max_range", "range length", int(hi) - int(lo) + 1)
        total = None
        for k in range(int(lo), int(hi) + 1):
            term = evaluate(node.args[0], _bound(ctx, var, sp.Integer(k)))
            total = term if total is None else combine(total, term)
        return empty if total is None else total
    k = sp.Symbol(var, integer=True)
    body = evaluate(node.args[0], _bound(ctx, var, k))
    if is_mat(body):
        raise EvalError("a matrix-valued sum needs integer bounds; give the integers in `for:`")
    return concrete_fn(body, (k, lo, hi)).doit()


def _sum(ctx, node):
    return _sum_like(node, ctx, lambda a, b: binop("+", a, b), sp.Integer(0), sp.Sum)


def _prod(ctx, node):
    return _sum_like(node, ctx, lambda a, b: binop("*", a, b), IDENT, sp.Product)


def _entries(v):
    return list(v) if is_mat(v) else [v]


def _derivative(node, ctx, take):
    """Differentiate in the variable at argument 1. A variable with a fixed (numeric) value is
    replaced by fresh symbols, differentiated in, and its value substituted back afterwards:
    the derivative *at* the point."""
    var = node.args[1].name
    v = ctx.values.get(var)
    entries = _entries(v)
    if all(isinstance(x, sp.Symbol) for x in entries):
        return take(evaluate(node.args[0], ctx), v, entries)
    fresh = [sp.Dummy(f"{var}{k}", real=True) for k in range(len(entries))]
    shaped = sp.ImmutableMatrix(v.rows, v.cols, fresh) if is_mat(v) else fresh[0]
    out = take(evaluate(node.args[0], _bound(ctx, var, shaped)), shaped, fresh)
    back = dict(zip(fresh, entries))
    return out.xreplace(back) if not isinstance(out, sp.MatrixBase) else out.xreplace(back).as_immutable()


def _diff(ctx, node):
    order = _int(evaluate(node.args[2], ctx), "order") if len(node.args) > 2 else 1
    return _derivative(node, ctx, lambda f, v, syms: sp.diff(scalar(f), syms[0], order))


def _grad(ctx, node):
    def take(f, v, syms):
        f = scalar(f)
        if not is_mat(v):
            return sp.diff(f, v)
        return sp.ImmutableMatrix(v.rows, v.cols, [sp.diff(f, s) for s in syms])
    return _derivative(node, ctx, take)


def _hessian(ctx, node):
    return _derivative(node, ctx, lambda f, v, syms: sp.hessian(scalar(f), syms).as_immutable())


def _jacobian(ctx, node):
    return _derivative(node, ctx, lambda f, v, syms: sp.ImmutableMatrix(list(_as_mat(f))).jacobian(syms).as_immutable())


def _integral(ctx, node):
    var = node.args[1].name
    s = sp.Symbol(var, real=True)
    body = scalar(evaluate(node.args[0], _bound(ctx, var, s)))
    return sp.integrate(body, (s, scalar(evaluate(node.args[2], ctx)), scalar(evaluate(node.args[3], ctx))))


def _limit(ctx, node):
    var = node.args[1].name
    s = sp.Symbol(var, positive=True)
    body = scalar(evaluate(node.args[0], _bound(ctx, var, s)))
    return sp.limit(body, s, scalar(evaluate(node.args[2], ctx)))


def _at(ctx, node):
    """expr with var := value: var is bound to fresh symbols of value's shape (so derivatives in
    var are taken first), then the value is substituted."""
    var = node.args[1].name
    value = evaluate(node.args[2], ctx)
    entries = _entries(value)
    fresh = [sp.Dummy(f"{var}{k}", real=True) for k in range(len(entries))]
    shaped = sp.ImmutableMatrix(value.rows, value.cols, fresh) if is_mat(value) else fresh[0]
    out = evaluate(node.args[0], _bound(ctx, var, shaped))
    return out.xreplace(dict(zip(fresh, entries)))


def _piecewise(ctx, node):
    """Lazy where the conditions are decided (as the numeric evaluator is): a branch that is not
    taken is not evaluated, so `piecewise(t == 1, 0, y[t - 1])` is fine at t = 1."""
    args, pairs = node.args, []
    for k in range(0, len(args) - 1, 2):
        cond = evaluate(args[k], ctx)
        if cond is sp.false or cond is False:
            continue
        value = evaluate(args[k + 1], ctx)
        if cond is sp.true or cond is True:
            if not pairs:
                return value
            pairs.append((value, True))
            return sp.Piecewise(*pairs)
        pairs.append((value, cond))
    last = evaluate(args[-1], ctx)
    return sp.Piecewise(*pairs, (last, True)) if pairs else last


def _iterate(ctx, node):
    var = node.args[1].name
    x = evaluate(node.args[2], ctx)
    steps = _int(evaluate(node.args[3], ctx), "number of steps")
    limits.check("max_range", "iterations", steps)
    for _ in range(steps):
        x = evaluate(node.args[0], _bound(ctx, var, x))
    return x


def _first(ctx, node):
    var = node.args[1].name
    lo, hi = _int(evaluate(node.args[2], ctx), "lower bound"), _int(evaluate(node.args[3], ctx), "upper bound")
    limits.check("max_range", "range length", hi - lo + 1)
    for k in range(lo, hi + 1):
        cond = evaluate(node.args[0], _bound(ctx, var, sp.Integer(k)))
        if cond is sp.true:
            return sp.Integer(k)
        if cond is not sp.false:
            raise EvalError(f"first(): cannot decide the condition at {var} = {k} symbolically")
    return sp.oo


SPECIAL: dict[str, Callable] = {
    "sum": _sum, "prod": _prod, "diff": _diff, "grad": _grad, "hessian": _hessian,
    "jacobian": _jacobian, "limit": _limit, "piecewise": _piecewise, "iterate": _iterate,
    "first": _first, "at": _at, "integral": _integral,
}
SymCtx.binders, SymCtx.functions = SPECIAL, SYMBOLIC
