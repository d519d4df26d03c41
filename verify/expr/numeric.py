"""The numeric evaluator: expression tree -> mpmath values at the current working precision.

Values are `mpf` scalars, `mp.matrix` (vectors are n x 1), or booleans (verify.expr.mpvalues). The
context `Ctx` is the `Ops` of the functions written once (verify.expr.bodies, with the operations of
verify.expr.mpfunctions) and of the tree walk (verify.expr.walk, shared with the balls); the memo of
subtrees and the binder forms of its own (`iterate`, `diff`, `grad`, `limit`, ...) are here. Inputs
are exact (`Fraction`), converted at the working precision, so two precisions see the same numbers.
A comparison inside an expression (in `ind`, `piecewise`, `first`, `and`) that falls in the
tolerance band raises `Undecided` instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from mpmath import mp
from mpmath.libmp import fnan

from verify import limits
from verify.errors import EvalError, Undecided
from verify.expr import nodes as N
from verify.expr.mpfunctions import NUMERIC, MpOps
from verify.expr.walk import BINDERS, item, logic, walk
from verify.expr.mpvalues import (IDENT, Identity, _as_mat, _resolve, _shape, binop, clear_caches,
                                  is_mat, maxabs, scalar, to_mp, truth)

__all__ = ["Ctx", "evaluate", "free_names", "NUMERIC", "SPECIAL", "clear_caches", "is_mat", "maxabs",
           "scalar", "to_mp", "truth", "IDENT", "Identity"]


@dataclass
class Ctx(MpOps):
    """Bindings and the tolerance of one evaluation at one precision; the `Ops` of the functions
    written once and of the tree walk (verify.expr.walk). A binder (`sum`, `first`,
    `diff`, ...) evaluates its body in a child context per step that binds one more variable
    (`var`); the child's `parent` is the context it extends."""

    values: dict[str, Any]
    guard_digits: int = 10
    memo: dict = field(default_factory=dict)  # id(node) -> value, for these bindings only
    peak: Any = None  # a one-item list: the largest magnitude of any value computed (when tracked)
    parent: Optional["Ctx"] = None
    var: Optional[str] = None  # the variable this context binds on top of its parent's

    def lookup(self, name: str, default=KeyError):
        if default is not KeyError:
            return self.values.get(name, default)
        try:
            return self.values[name]
        except KeyError:
            raise EvalError(f"symbol {name!r} has no value here") from None

    @staticmethod
    def const(name: str):
        return {"pi": mp.pi, "E": mp.e, "oo": mp.inf, "I": IDENT}[name]

    @staticmethod
    def negate(v):
        return mp.eye(1) * -1 if isinstance(v, Identity) else -v

    def truth(self, v) -> bool:
        return truth(v, self)

    @staticmethod
    def no_function(name: str):
        raise EvalError(f"{name} has no numeric evaluation; use it in a symbolic check")

    @property
    def band(self):
        key = (mp.prec, self.guard_digits)
        band = _BANDS.get(key)
        if band is None:
            band = _BANDS[key] = mp.mpf(10) ** (-(mp.dps - self.guard_digits))
        return band


_BANDS: dict = {}  # (precision in bits, guard digits) -> the tolerance band at that precision


def _compare_scalar(ctx, a, b, op):
    a, b = scalar(a), scalar(b)
    if mp.isinf(a) or mp.isinf(b):
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
    band = ctx.band * max(1, abs(a), abs(b))
    diff = b - a
    if diff == 0:  # exactly equal (exact inputs): decided
        return op in ("==", "<=", ">=")
    if op == "==":
        return abs(diff) <= band
    if op == "!=":
        return abs(diff) > band
    if abs(diff) <= band:
        if op in ("<=", ">="):
            return True
        raise Undecided(f"{mp.nstr(a, 8)} {op} {mp.nstr(b, 8)} is within the tolerance band")
    return {"<": diff > 0, "<=": diff > 0, ">": diff < 0, ">=": diff < 0}[op]


def decide(ctx, node: N.Compare) -> bool:
    """A comparison chain inside an expression, as a decided boolean (or Undecided)."""
    vals = [evaluate(o, ctx) for o in node.operands]
    for op, a, b in zip(node.ops, vals, vals[1:]):
        if is_mat(a) or is_mat(b):
            a, b = _resolve(a, b)
            if op not in ("==", "!=") or not (is_mat(a) and is_mat(b)):
                if _shape(a) == (1, 1) and _shape(b) == (1, 1):
                    a, b = scalar(a), scalar(b)
                else:
                    raise EvalError(f"cannot compare matrices with {op}")
            else:
                res = maxabs(a - b)
                scale = max(1, maxabs(a), maxabs(b))
                eq = res <= ctx.band * scale
                if eq != (op == "=="):
                    return False
                continue
        if not _compare_scalar(ctx, a, b, op):
            return False
    return True


def evaluate(node: N.Node, ctx: Ctx):
    """Evaluate a tree at the current mpmath precision (see `Ctx.evaluate`)."""
    return _memoised(ctx, node)


def _memoised(ctx: Ctx, node: N.Node):
    """Evaluate a tree at the current mpmath precision. A subtree shared by several places (a
    `define` used twice) is computed once per binding context. Inside a binder, a subtree that
    does not use the variables bound since some outer context (loop-invariant: a gradient `G0`
    inside `first(..., k, 0, 60)`) is computed once in that outer context, not at every step."""
    t = type(node)
    if t is N.Sym:  # the leaves, the most frequent nodes, without the walk's call
        try:
            return ctx.values[node.name]
        except KeyError:
            return ctx.lookup(node.name)
    if t is N.Num:
        return to_mp(node.value)
    if t is N.Const:
        return walk(ctx, node)
    home, key = ctx, id(node)
    if ctx.var is not None:
        home, bound = _home(ctx, free_names(node))
        # a binder may run its body at another precision (mp.diff raises it): an entry hoisted
        # to an outer context is keyed by the precision too, so each precision keeps its own values
        if home is not ctx:
            key = (id(node), mp.prec, bound)
    hit = home.memo.get(key)
    if hit is None:
        hit = home.memo[key] = _defined(walk(ctx, node))
        if ctx.peak is not None:
            _note_magnitude(ctx.peak, hit)
    return hit


def _home(ctx: "Ctx", free: frozenset):
    """(the outermost context whose bindings decide a subtree reading `free`, the values that key
    it there): past every binder that binds none of `free`, then past a binder that does when a
    binder farther out binds none (see _outer_home)."""
    home = ctx
    while home.var is not None and home.var not in free:
        home = home.parent
    if home.var is not None and home.parent.var is not None:  # a binder inside a binder
        return _outer_home(home, free)
    return home, ()


def _outer_home(inner: "Ctx", free: frozenset):
    """`inner` binds a name the subtree reads; when a binder farther out binds none (L(i) inside
    sum(..., i) inside first(..., t)), the subtree's value is a function of the scalar values of
    the read names bound in between: it is memoised in the context outside that binder, keyed by
    those values (so L(1), L(2), ... are computed once, not once per t). (inner, ()) otherwise."""
    best, best_bound, bound, c = inner, (), (), inner
    while c.var is not None:
        if c.var in free:
            v = c.values[c.var]
            if type(v) is not _MPF:  # a matrix value cannot key a memo
                break
            bound += ((c.var, v),)
        elif bound:  # an outer binder the subtree does not read: its steps can share the value
            best, best_bound = c.parent, bound
        c = c.parent
    return best, best_bound


_MPF, _MPC = type(mp.mpf(0)), type(mp.mpc(0))


_BINDERS = frozenset(("sum", "prod", "first", "iterate", "at", "limit", "integral"))  # bind args[1] in args[0]


_FREE: dict = {}  # id(node) -> (node, names): the node is kept, so its id is not reused


def free_names(node: N.Node) -> frozenset:
    """The names a subtree reads from its context: its symbols, minus the variable a binder binds
    in its body. (`diff`, `grad`, `hessian`, `jacobian` read their variable's value: it stays.)"""
    hit = _FREE.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    t = type(node)
    if t is N.Sym:
        out = frozenset((node.name,))
    elif t is N.Item:
        out = frozenset((node.base,)).union(*[free_names(i) for i in node.index])
    elif t is N.Call and node.fn in _BINDERS and len(node.args) >= 2 and type(node.args[1]) is N.Sym:
        out = (free_names(node.args[0]) - {node.args[1].name}).union(*[free_names(a) for a in node.args[2:]])
    else:
        out = frozenset().union(*[free_names(c) for c in N.children(node)])
    _FREE[id(node)] = (node, out)
    return out


def _defined(v):
    """A value the relation can use: complex and NaN scalars are undefined, never compared."""
    t = type(v)
    if t is _MPF:
        if v._mpf_ == fnan:
            raise EvalError("undefined at this instance: the value is not a number (as oo - oo, 0 * oo)")
    elif t is _MPC:
        raise EvalError(f"undefined at this instance: the value is complex ({mp.nstr(v, 8)})")
    return v


def _note_magnitude(peak: list, v) -> None:
    """Keep the largest finite magnitude seen: the scale of the rounding errors of a result
    computed from it (cancellation makes a small result carry a large value's error)."""
    if is_mat(v):
        m = maxabs(v) if v.rows * v.cols <= 400 else mp.mpf(0)
    elif type(v) is mp.mpf:
        m = abs(v)
    else:
        return
    if mp.isfinite(m) and m > peak[0]:
        peak[0] = m


def _int_bound(node, ctx, what):
    v = scalar(evaluate(node, ctx))
    if mp.isinf(v):
        raise EvalError(f"{what} is infinite; give a finite bound")
    if v != int(v):
        raise EvalError(f"{what} {v} is not an integer")
    return int(v)


def _range(ctx, node):
    lo, hi = _int_bound(node.args[2], ctx, "lower bound"), _int_bound(node.args[3], ctx, "upper bound")
    limits.check("max_range", "range length", hi - lo + 1)
    return lo, hi


def _bound(ctx: Ctx, var: str, value, tracked: bool = True) -> Ctx:
    """`ctx` with `var` bound to `value`. Untracked: the magnitudes met inside do not widen the
    cancellation band (a quadrature or a limit evaluates its integrand at nodes far out, 10^30 on
    [0, oo), which says nothing about the rounding of the value it returns)."""
    values = dict(ctx.values)
    values[var] = value
    return Ctx(values, ctx.guard_digits, peak=ctx.peak if tracked else None, parent=ctx, var=var)


def _empty_sum(ctx, node, var, lo):
    """An empty sum is the zero of its terms' shape: the term is evaluated once, at the lower
    bound, only to learn that shape (a scalar 0 when it cannot be evaluated there)."""
    try:
        term = evaluate(node.args[0], _bound(ctx, var, mp.mpf(lo)))
    except (EvalError, Undecided, ArithmeticError):
        return mp.mpf(0)
    return mp.zeros(term.rows, term.cols) if is_mat(term) else mp.mpf(0)


TRAIL_MAX = 10_000  # iterates kept for reuse per iterate(...) and context


def _iterate(ctx, node):
    var = node.args[1].name
    x = evaluate(node.args[2], ctx)
    steps = _int_bound(node.args[3], ctx, "number of steps")
    limits.check("max_range", "iterations", steps)
    trail = _trail(node, ctx) if steps > 0 else None
    if trail is None:
        for _ in range(steps):
            x = evaluate(node.args[0], _bound(ctx, var, x))
        return x
    if not trail:
        trail.append(x)
    x = trail[min(steps, len(trail) - 1)]
    for k in range(len(trail), steps + 1):
        x = evaluate(node.args[0], _bound(ctx, var, x))
        if k < TRAIL_MAX:
            trail.append(x)
    return x


def _trail(node, ctx):
    """The iterates x0, x1, ... of `iterate(body, x, x0, n)` computed so far, when only n changes
    from one evaluation to the next (W(t) = iterate(..., t) inside first(..., t, 0, 200) is then
    computed in 200 steps, not 200 * 201 / 2): kept in the outermost context whose bindings decide
    the body and x0 (as a loop-invariant subtree is). None when nothing encloses it to share it."""
    if ctx.var is None:
        return None
    free = _FREE_ITER.get(id(node))
    if free is None or free[0] is not node:
        names = (free_names(node.args[0]) - {node.args[1].name}) | free_names(node.args[2])
        free = _FREE_ITER[id(node)] = (node, names)
    home, bound = _home(ctx, free[1])
    if home is ctx:
        return None
    return home.memo.setdefault(("iterates", id(node), mp.prec, bound), [])


_FREE_ITER: dict = {}


def _partial(node_expr, ctx, var, i, j, order=1):
    """d^order/d(var[i,j])^order of a scalar expression, by mpmath's numerical differentiation."""
    base = ctx.values[var]

    def f(t):
        if is_mat(base):
            m = base.copy()
            m[i, j] = t
            val = m
        else:
            val = t
        return scalar(evaluate(node_expr, _bound(ctx, var, val)), "a differentiated expression")

    x0 = base[i, j] if is_mat(base) else base
    return mp.diff(f, x0, order)


def _entries(v):
    if is_mat(v):
        return [(i, j) for i in range(v.rows) for j in range(v.cols)]
    return [(0, 0)]


def _diff(ctx, node):
    var = node.args[1].name
    order = _int_bound(node.args[2], ctx, "order") if len(node.args) > 2 else 1
    if is_mat(ctx.values.get(var)):
        raise EvalError(f"diff needs a scalar variable; use grad({var}) for a matrix")
    return _partial(node.args[0], ctx, var, 0, 0, order)


def _grad(ctx, node):
    var = node.args[1].name
    base = ctx.values.get(var)
    if not is_mat(base):
        return _partial(node.args[0], ctx, var, 0, 0)
    out = mp.matrix(base.rows, base.cols)
    for i, j in _entries(base):
        out[i, j] = _partial(node.args[0], ctx, var, i, j)
    return out


def _hessian(ctx, node):
    var = node.args[1].name
    base = ctx.values.get(var)
    idx = _entries(base)
    n = len(idx)
    limits.check("max_dim", "Hessian size", n)
    H = mp.matrix(n, n)
    flat = [base[i, j] if is_mat(base) else base for i, j in idx]

    def f(*xs):
        if is_mat(base):
            m = base.copy()
            for (i, j), x in zip(idx, xs):
                m[i, j] = x
        else:
            m = xs[0]
        return scalar(evaluate(node.args[0], _bound(ctx, var, m)))

    for a in range(n):
        for b in range(a, n):
            orders = [0] * n
            orders[a] += 1
            orders[b] += 1
            H[a, b] = H[b, a] = mp.diff(f, flat, tuple(orders))
    return H


def _jacobian(ctx, node):
    var = node.args[1].name
    base = ctx.values.get(var)
    idx = _entries(base)
    F0 = _as_mat(evaluate(node.args[0], ctx))
    outs = [(i, j) for i in range(F0.rows) for j in range(F0.cols)]
    J = mp.matrix(len(outs), len(idx))
    for b, (i, j) in enumerate(idx):
        seen: dict = {}  # (t, precision) -> F there: every output's derivative samples the same t

        def f(t, i=i, j=j, seen=seen):
            key = (t._mpf_ if type(t) is _MPF else t, mp.prec)
            if key not in seen:
                if is_mat(base):
                    m = base.copy()
                    m[i, j] = t
                else:
                    m = t
                seen[key] = _as_mat(evaluate(node.args[0], _bound(ctx, var, m)))
            return seen[key]
        x0 = base[i, j] if is_mat(base) else base
        for a, (r, c) in enumerate(outs):
            J[a, b] = mp.diff(lambda t: f(t)[r, c], x0)
    return J


def _limit(ctx, node):
    var = node.args[1].name
    point = scalar(evaluate(node.args[2], ctx))
    return mp.limit(lambda t: scalar(evaluate(node.args[0], _bound(ctx, var, t, tracked=False))), point,
                    method="richardson")  # Shanks at 250+ digits blew GMP past 2 GB on 2/(1 + 2 sqrt(x) + x)


def _integral(ctx, node):
    var = node.args[1].name
    a, b = scalar(evaluate(node.args[2], ctx)), scalar(evaluate(node.args[3], ctx))
    return mp.quad(lambda t: scalar(evaluate(node.args[0], _bound(ctx, var, t, tracked=False)), "an integrand"), [a, b])


SPECIAL: dict[str, Callable] = {
    **BINDERS, "iterate": _iterate, "diff": _diff,
    "grad": _grad, "hessian": _hessian, "jacobian": _jacobian, "limit": _limit,
    "integral": _integral,
}
Ctx.evaluate, Ctx.decide, Ctx.binop, Ctx.bind, Ctx.range = _memoised, decide, staticmethod(binop), _bound, _range
Ctx.integer, Ctx.empty_sum, Ctx.tick = staticmethod(mp.mpf), _empty_sum, staticmethod(lambda: None)
Ctx.binders, Ctx.functions = SPECIAL, NUMERIC
Ctx.item, Ctx.logic = item, logic
