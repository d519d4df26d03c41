"""The numeric evaluator: expression tree -> mpmath values at the current working precision.

Values are `mpf` scalars, `mp.matrix` (vectors are n x 1), or booleans. Inputs are exact
(`Fraction`), converted at the working precision, so two precisions see the same numbers.
A comparison inside an expression (in `ind`, `piecewise`, `first`, `and`) that falls in the
tolerance band raises `Undecided` instead of guessing.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Optional

from mpmath import mp

from verify import limits
from verify.errors import EvalError, Undecided
from verify.expr import mpmat, nodes as N



class Identity:
    """`I` before its size is known: it takes the size of the matrix it meets."""

    def __repr__(self) -> str:
        return "I"


IDENT = Identity()


@dataclass
class Ctx:
    """Bindings and the tolerance of one evaluation at one precision. A binder (`sum`, `first`,
    `diff`, ...) evaluates its body in a child context per step that binds one more variable
    (`var`); the child's `parent` is the context it extends."""

    values: dict[str, Any]
    guard_digits: int = 10
    memo: dict = field(default_factory=dict)  # id(node) -> value, for these bindings only
    peak: Any = None  # a one-item list: the largest magnitude of any value computed (when tracked)
    parent: Optional["Ctx"] = None
    var: Optional[str] = None  # the variable this context binds on top of its parent's

    @property
    def band(self):
        key = (mp.prec, self.guard_digits)
        band = _BANDS.get(key)
        if band is None:
            band = _BANDS[key] = mp.mpf(10) ** (-(mp.dps - self.guard_digits))
        return band


_BANDS: dict = {}  # (precision in bits, guard digits) -> the tolerance band at that precision


def to_mp(v: Any) -> Any:
    """An exact input (Fraction, int, nested lists) as an mpmath value at the current precision."""
    if isinstance(v, bool):
        return v
    if isinstance(v, Fraction):
        return mp.mpf(v.numerator) / v.denominator
    if isinstance(v, int):
        return mp.mpf(v)
    if isinstance(v, list):
        rows = v if v and isinstance(v[0], list) else [[x] for x in v]
        return mp.matrix([[to_mp(x) for x in row] for row in rows])
    return v


def is_mat(v) -> bool:
    return isinstance(v, mp.matrix)


def scalar(v, what: str = "value"):
    """A 1 x 1 matrix as a scalar; anything else non-scalar is an error."""
    if isinstance(v, Identity):
        return mp.mpf(1)
    if is_mat(v):
        if v.rows == 1 and v.cols == 1:
            return v[0, 0]
        raise EvalError(f"{what} is a {v.rows}x{v.cols} matrix where a scalar is needed")
    if isinstance(v, bool):
        return mp.mpf(int(v))
    return v


def maxabs(m) -> "mp.mpf":
    """The largest absolute entry of a matrix."""
    return max((abs(m[i, j]) for i in range(m.rows) for j in range(m.cols)), default=mp.mpf(0))


def _resolve(a, b, product: bool = False):
    """Give `I` the size the other operand needs: in a product `A * I` it has A's column count,
    in `I * B` B's row count; in a sum or a comparison the other side's (square) size."""
    if isinstance(a, Identity):
        a = mp.eye(b.rows) if is_mat(b) else mp.mpf(1)
    if isinstance(b, Identity):
        b = mp.eye(a.cols if product else a.rows) if is_mat(a) else mp.mpf(1)
    return a, b


def _shape(v):
    return (v.rows, v.cols) if is_mat(v) else (1, 1)


def _check_dim(v):
    if is_mat(v):
        limits.check("max_dim", "matrix size", max(v.rows, v.cols), f"{v.rows}x{v.cols}")
    return v


def binop(op: str, a, b):
    a, b = _resolve(a, b, product=op in ("*", "@"))
    ma, mb = is_mat(a), is_mat(b)
    if ma and _shape(a) == (1, 1) and not mb:
        a, ma = a[0, 0], False
    if mb and _shape(b) == (1, 1) and not ma:
        b, mb = b[0, 0], False
    try:
        if op == "+" or op == "-":
            if ma != mb:
                raise EvalError(f"cannot {'add' if op == '+' else 'subtract'} a matrix and a scalar",
                                )
            if ma and _shape(a) != _shape(b):
                raise EvalError(f"shape mismatch in {op}: {_shape(a)} and {_shape(b)}")
            if ma:
                return mpmat.add(a, b, subtract=op == "-")
            return a + b if op == "+" else a - b
        if op in ("*", "@"):
            if ma and mb:
                if a.cols != b.rows:
                    if _shape(a) == (1, 1):
                        return mpmat.scale(a[0, 0], b)
                    if _shape(b) == (1, 1):
                        return mpmat.scale(b[0, 0], a)
                    raise EvalError(f"shape mismatch in product: {_shape(a)} times {_shape(b)}")
                return _check_dim(mpmat.mul(a, b))
            if ma or mb:
                return mpmat.scale(b, a) if ma else mpmat.scale(a, b)
            return a * b
        if op == "/":
            if mb:
                raise EvalError("division by a matrix; use inv(B)")
            if b == 0:
                raise EvalError("division by zero")
            return mpmat.divide(a, b) if ma else a / b
        if op == "**":
            return power(a, b)
    except ZeroDivisionError:
        raise EvalError("division by zero") from None
    raise EvalError(f"unknown operator {op}")


_POWERS: dict = {}  # (id(base), prec) -> (base, {n: base**n}, sorted n); cleared per evaluation


def clear_caches() -> None:
    _POWERS.clear()


def power(a, b):
    if is_mat(b):
        b = scalar(b, "an exponent")
    if is_mat(a):
        if a.rows != a.cols:
            raise EvalError(f"power of a non-square {a.rows}x{a.cols} matrix")
        if b != int(b) or b < 0:
            raise EvalError("matrix powers need a non-negative integer exponent")
        limits.check("max_power", "matrix exponent", int(abs(b)))
        n = int(b)
        entry = _POWERS.get((id(a), mp.prec))
        if entry is None or entry[0] is not a:
            entry = _POWERS[(id(a), mp.prec)] = (a, {0: mp.eye(a.rows), 1: a}, [0, 1])
        _, known, exponents = entry
        if n in known:
            return known[n]
        m = exponents[bisect.bisect_right(exponents, n) - 1]  # the largest known power below n
        if n - m <= 4:  # sums of A**k: one product per term
            result = known[m]
            for j in range(m + 1, n + 1):
                result = known[j] = mpmat.mul(result, a)
                bisect.insort(exponents, j)
            return result
        result = mp.eye(a.rows)
        base = a
        while n:
            if n & 1:
                result = mpmat.mul(result, base)
            base = mpmat.mul(base, base) if n > 1 else base
            n >>= 1
        return result
    if a == 0 and b < 0:
        raise EvalError("0 to a negative power")
    if a < 0 and b != int(b):
        raise EvalError("negative base to a non-integer power")
    return mp.power(a, b)


def _entrywise(f: Callable, v):
    if is_mat(v):
        out = mpmat.apply(f, v)
        if out is None:
            raise EvalError("undefined at this instance: an entry is complex")
        return out
    return f(scalar(v))


def _idx(v, n: int, what: str) -> int:
    i = scalar(v)
    if i != int(i):
        raise EvalError(f"{what} index {i} is not an integer")
    i = int(i)
    if not 1 <= i <= n:
        raise EvalError(f"{what} index {i} is outside 1..{n}")
    return i - 1


def _sym_eigs(A, ctx):
    A = _as_mat(A)
    if A.rows != A.cols:
        raise EvalError(f"eigenvalues of a non-square {A.rows}x{A.cols} matrix")
    if mp.mnorm(A - A.T, 1) > ctx.band * max(1, mp.mnorm(A, 1)):
        raise EvalError("lambda_min/lambda_max need a symmetric matrix; use rho() or sigma_*()")
    return sorted(mp.eigsy((A + A.T) / 2, eigvals_only=True))


def _as_mat(v):
    if isinstance(v, Identity):
        raise EvalError("I has no size here; use eye(n)")
    return v if is_mat(v) else mp.matrix([[v]])


def _svals(A):
    A = _as_mat(A)
    return sorted(mp.svd_r(A, compute_uv=False))


def _rank(ctx, A):
    s = _svals(A)
    top = max(s) if s else 0
    cut = ctx.band * max(1, top)
    for x in s:
        if abs(x - cut) <= cut / 2 and x != 0:
            raise Undecided(f"a singular value {mp.nstr(x, 5)} sits at the rank tolerance")
    return mp.mpf(sum(1 for x in s if x > cut))


def _matrix(ctx, r, c, *entries):
    r, c = int(scalar(r)), int(scalar(c))
    if r * c != len(entries):
        raise EvalError("matrix literal has the wrong number of entries")
    return mp.matrix([[scalar(entries[i * c + j]) for j in range(c)] for i in range(r)])


def _stack(parts, horizontal: bool):
    mats = [_as_mat(p) for p in parts]
    if horizontal:
        if len({m.rows for m in mats}) != 1:
            raise EvalError("hstack needs equal row counts")
        return mp.matrix([[m[i, j] for m in mats for j in range(m.cols)] for i in range(mats[0].rows)])
    if len({m.cols for m in mats}) != 1:
        raise EvalError("vstack needs equal column counts")
    return mp.matrix([[m[i, j] for j in range(m.cols)] for m in mats for i in range(m.rows)])


def _inv(A):
    if not is_mat(A):
        if A == 0:
            raise EvalError("inverse of 0")
        return 1 / A
    if A.rows != A.cols:
        raise EvalError(f"inverse of a non-square {A.rows}x{A.cols} matrix")
    try:
        return mp.inverse(A)
    except ZeroDivisionError:
        raise EvalError("inverse of a singular matrix") from None


def _pinv(ctx, A):
    """Moore-Penrose pseudo-inverse from the SVD; singular values inside the band count as 0."""
    A = _as_mat(A)
    U, S, V = mp.svd_r(A)
    top = max(S) if len(S) else 0
    cut = ctx.band * max(1, top)
    out = mp.zeros(A.cols, A.rows)
    for k in range(len(S)):
        if abs(S[k] - cut) <= cut / 2 and S[k] != 0:
            raise Undecided("a singular value sits at the pseudo-inverse's tolerance")
        if S[k] > cut:
            out += (V[k, :].T * U[:, k].T) / S[k]
    return out


def _hadamard(A, B):
    A, B = _as_mat(A), _as_mat(B)
    if _shape(A) != _shape(B):
        raise EvalError(f"hadamard of shapes {_shape(A)} and {_shape(B)}")
    return mpmat.hadamard(A, B)


def _dot(u, v):
    u, v = _as_mat(u), _as_mat(v)
    if _shape(u) != _shape(v):
        raise EvalError(f"dot of shapes {_shape(u)} and {_shape(v)}")
    return mp.fsum(u[i, j] * v[i, j] for i in range(u.rows) for j in range(u.cols))


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


def truth(v, ctx) -> bool:
    if isinstance(v, bool):
        return v
    raise EvalError("a condition must be a comparison, as x > 0")


NUMERIC: dict[str, Callable] = {
    "T": lambda ctx, A: mpmat.transpose(A) if is_mat(A) else A,
    "inv": lambda ctx, A: _inv(A),
    "det": lambda ctx, A: mp.det(_as_mat(A)),
    "trace": lambda ctx, A: mp.fsum(_as_mat(A)[i, i] for i in range(min(_shape(A)))),
    "opnorm": lambda ctx, A: max(_svals(A)) if is_mat(A) else abs(A),
    "norm": lambda ctx, A: mp.mnorm(A, "f") if is_mat(A) else abs(A),
    "lambda_min": lambda ctx, A: _sym_eigs(A, ctx)[0],
    "lambda_max": lambda ctx, A: _sym_eigs(A, ctx)[-1],
    "sigma_min": lambda ctx, A: _svals(A)[0],
    "sigma_max": lambda ctx, A: _svals(A)[-1],
    "rho": lambda ctx, A: max(abs(x) for x in mp.eig(_as_mat(A), left=False, right=False)),
    "rank": _rank,
    "dot": lambda ctx, u, v: _dot(u, v),
    "hadamard": lambda ctx, A, B: _hadamard(A, B),
    "pinv": lambda ctx, A: _pinv(ctx, A),
    "maxentry": lambda ctx, A: max(_as_mat(A)[i, j] for i in range(_as_mat(A).rows) for j in range(_as_mat(A).cols)),
    "minentry": lambda ctx, A: min(_as_mat(A)[i, j] for i in range(_as_mat(A).rows) for j in range(_as_mat(A).cols)),
    "outer": lambda ctx, u, v: _check_dim(_as_mat(u) * _as_mat(v).T),
    "diag": lambda ctx, v: mp.diag([_as_mat(v)[i] for i in range(len(_as_mat(v)))]),
    "eye": lambda ctx, n: mp.eye(_size(n)),
    "zeros": lambda ctx, r, c: mp.zeros(_size(r), _size(c)),
    "ones": lambda ctx, r, c: mp.ones(_size(r), _size(c)),
    "row": lambda ctx, A, i: _as_mat(A)[_idx(i, _as_mat(A).rows, "row"), :].T,
    "col": lambda ctx, A, j: _as_mat(A)[:, _idx(j, _as_mat(A).cols, "column")],
    "entry": lambda ctx, A, i, j: _as_mat(A)[_idx(i, _as_mat(A).rows, "row"),
                                             _idx(j, _as_mat(A).cols, "column")],
    "rows": lambda ctx, A: mp.mpf(_shape(A)[0]),
    "cols": lambda ctx, A: mp.mpf(_shape(A)[1]),
    "vec": lambda ctx, A: mp.matrix([e for r in _as_mat(A).tolist() for e in r]),
    "hstack": lambda ctx, *p: _stack(p, True),
    "vstack": lambda ctx, *p: _stack(p, False),
    "matrix": _matrix,
    "abs": lambda ctx, x: _entrywise(abs, x),
    "sign": lambda ctx, x: _entrywise(mp.sign, x),
    "min": lambda ctx, *xs: min(scalar(x) for x in xs),
    "max": lambda ctx, *xs: max(scalar(x) for x in xs),
    "floor": lambda ctx, x: mp.floor(scalar(x)),
    "ceil": lambda ctx, x: mp.ceil(scalar(x)),
    "sqrt": lambda ctx, x: _entrywise(_sqrt, x),
    "cbrt": lambda ctx, x: _entrywise(lambda z: mp.sign(z) * mp.cbrt(abs(z)), x),
    "exp": lambda ctx, x: _entrywise(mp.exp, x),
    "log": lambda ctx, x, base=None: _log(scalar(x)) / (_log(scalar(base)) if base is not None else 1),
    "log1p": lambda ctx, x: _entrywise(mp.log1p, x),
    "sin": lambda ctx, x: _entrywise(mp.sin, x), "cos": lambda ctx, x: _entrywise(mp.cos, x),
    "tan": lambda ctx, x: _entrywise(mp.tan, x), "asin": lambda ctx, x: _entrywise(_unit_arg(ctx, mp.asin), x),
    "acos": lambda ctx, x: _entrywise(_unit_arg(ctx, mp.acos), x), "atan": lambda ctx, x: _entrywise(mp.atan, x),
    "sinh": lambda ctx, x: _entrywise(mp.sinh, x), "cosh": lambda ctx, x: _entrywise(mp.cosh, x),
    "tanh": lambda ctx, x: _entrywise(mp.tanh, x), "sech": lambda ctx, x: _entrywise(mp.sech, x),
    "sigmoid": lambda ctx, x: _entrywise(lambda z: 1 / (1 + mp.exp(-z)), x),
    "relu": lambda ctx, x: _entrywise(lambda z: z if z > 0 else mp.zero, x),
    "step": lambda ctx, x: _entrywise(lambda z: _step(ctx, z), x),
    "ind": lambda ctx, c: mp.mpf(1) if truth(c, ctx) else mp.mpf(0),
    "binomial": lambda ctx, n, k: mp.binomial(scalar(n), scalar(k)),
    "factorial": lambda ctx, n: _factorial(scalar(n)),
    "transpose": lambda ctx, A: mpmat.transpose(A) if is_mat(A) else A,
    "tr": lambda ctx, A: mp.fsum(_as_mat(A)[i, i] for i in range(min(_shape(A)))),
    "fro": lambda ctx, A: mp.mnorm(_as_mat(A), "f"),
}


def _unit_arg(ctx, f: Callable) -> Callable:
    """asin / acos on [-1, 1]; an argument past +-1 by no more than the tolerance band (a cosine
    of unit vectors normalised in floating point) is rounding and is taken at the edge; farther
    out the value is complex, which is undefined."""
    def g(z):
        if 1 < abs(z) <= 1 + ctx.band:
            z = mp.sign(z)
        return f(z)
    return g


def _size(n) -> int:
    n = scalar(n)
    if n != int(n) or n < 0:
        raise EvalError(f"a size must be a non-negative integer, got {n}")
    limits.check("max_dim", "matrix size", int(n))
    return int(n)


def _sqrt(x):
    if x < 0:
        raise EvalError(f"sqrt of a negative number {mp.nstr(x, 8)}")
    return mp.sqrt(x)


def _log(x):
    if x <= 0:
        raise EvalError(f"log of a non-positive number {mp.nstr(x, 8)}")
    return mp.log(x)


def _step(ctx, z):
    if abs(z) <= ctx.band:
        raise Undecided("step(x) evaluated on a kink x = 0")
    return mp.one if z > 0 else mp.zero


def _factorial(n):
    limits.check("max_factorial", "factorial argument", int(n))
    return mp.factorial(n)


_LEAVES = (N.Num, N.Sym, N.Const)


def evaluate(node: N.Node, ctx: Ctx):
    """Evaluate a tree at the current mpmath precision. A subtree shared by several places (a
    `define` used twice) is computed once per binding context. Inside a binder, a subtree that
    does not use the variables bound since some outer context (loop-invariant: a gradient `G0`
    inside `first(..., k, 0, 60)`) is computed once in that outer context, not at every step."""
    if type(node) in _LEAVES:
        return _evaluate(node, ctx)
    home, key = ctx, id(node)
    if ctx.var is not None:
        home, bound = _home(ctx, free_names(node))
        # a binder may run its body at another precision (mp.diff raises it): an entry hoisted
        # to an outer context is keyed by the precision too, so each precision keeps its own values
        if home is not ctx:
            key = (id(node), mp.prec, bound)
    hit = home.memo.get(key)
    if hit is None:
        hit = home.memo[key] = _defined(_evaluate(node, ctx))
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


_MPF = type(mp.mpf(0))


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
    if type(v) is mp.mpc:
        raise EvalError(f"undefined at this instance: the value is complex ({mp.nstr(v, 8)})")
    if type(v) is mp.mpf and mp.isnan(v):
        raise EvalError("undefined at this instance: the value is not a number (as oo - oo, 0 * oo)")
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


def _evaluate(node: N.Node, ctx: Ctx):
    t = type(node)
    if t is N.Num:
        return mp.mpf(node.value.numerator) / node.value.denominator
    if t is N.Sym:
        try:
            return ctx.values[node.name]
        except KeyError:
            raise EvalError(f"symbol {node.name!r} has no value here") from None
    if t is N.Const:
        return {"pi": mp.pi, "E": mp.e, "oo": mp.inf, "I": IDENT}[node.name]
    if t is N.BinOp:
        return binop(node.op, evaluate(node.left, ctx), evaluate(node.right, ctx))
    if t is N.Neg:
        v = evaluate(node.operand, ctx)
        return mp.eye(1) * -1 if isinstance(v, Identity) else -v
    if t is N.Item:
        base = ctx.values.get(node.base)
        idx = [evaluate(i, ctx) for i in node.index]
        if not is_mat(base):
            raise EvalError(f"{node.base} is not a vector or matrix")
        if len(idx) == 1:
            if base.cols != 1:
                raise EvalError(f"{node.base} is a matrix: use {node.base}[i, j]")
            return base[_idx(idx[0], base.rows, "vector"), 0]
        return base[_idx(idx[0], base.rows, "row"), _idx(idx[1], base.cols, "column")]
    if t is N.Compare:
        return decide(ctx, node)
    if t is N.Logic:
        if node.op == "not":
            return not truth(evaluate(node.operands[0], ctx), ctx)
        if node.op == "and":
            return all(truth(evaluate(o, ctx), ctx) for o in node.operands)
        return any(truth(evaluate(o, ctx), ctx) for o in node.operands)
    if t is N.Call:
        special = SPECIAL.get(node.fn)
        if special is not None:
            return special(node, ctx)
        body = NUMERIC.get(node.fn)
        if body is None:
            raise EvalError(f"{node.fn} has no numeric evaluation; use it in a symbolic check")
        return body(ctx, *[evaluate(a, ctx) for a in node.args])
    raise EvalError(f"cannot evaluate {t.__name__}")


# -- binder forms -----------------------------------------------------------------------------

def _int_bound(node, ctx, what):
    v = scalar(evaluate(node, ctx))
    if mp.isinf(v):
        raise EvalError(f"{what} is infinite; give a finite bound")
    if v != int(v):
        raise EvalError(f"{what} {v} is not an integer")
    return int(v)


def _range(node, ctx):
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


def _sum(node, ctx):
    var = node.args[1].name
    lo, hi = _range(node, ctx)
    total = None
    for k in range(lo, hi + 1):
        term = evaluate(node.args[0], _bound(ctx, var, mp.mpf(k)))
        total = term if total is None else binop("+", total, term)
    return _empty_sum(node, ctx, var, lo) if total is None else total


def _empty_sum(node, ctx, var, lo):
    """An empty sum is the zero of its terms' shape: the term is evaluated once, at the lower
    bound, only to learn that shape (a scalar 0 when it cannot be evaluated there)."""
    try:
        term = evaluate(node.args[0], _bound(ctx, var, mp.mpf(lo)))
    except (EvalError, Undecided, ArithmeticError):
        return mp.mpf(0)
    return mp.zeros(term.rows, term.cols) if is_mat(term) else mp.mpf(0)


def _prod(node, ctx):
    var = node.args[1].name
    lo, hi = _range(node, ctx)
    total = None
    for k in range(lo, hi + 1):
        term = evaluate(node.args[0], _bound(ctx, var, mp.mpf(k)))
        total = term if total is None else binop("*", total, term)
    return IDENT if total is None else total


def _first(node, ctx):
    var = node.args[1].name
    lo, hi = _range(node, ctx)
    for k in range(lo, hi + 1):
        if truth(evaluate(node.args[0], _bound(ctx, var, mp.mpf(k))), ctx):
            return mp.mpf(k)
    return mp.inf


TRAIL_MAX = 10_000  # iterates kept for reuse per iterate(...) and context


def _iterate(node, ctx):
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


def _diff(node, ctx):
    var = node.args[1].name
    order = _int_bound(node.args[2], ctx, "order") if len(node.args) > 2 else 1
    if is_mat(ctx.values.get(var)):
        raise EvalError(f"diff needs a scalar variable; use grad({var}) for a matrix")
    return _partial(node.args[0], ctx, var, 0, 0, order)


def _grad(node, ctx):
    var = node.args[1].name
    base = ctx.values.get(var)
    if not is_mat(base):
        return _partial(node.args[0], ctx, var, 0, 0)
    out = mp.matrix(base.rows, base.cols)
    for i, j in _entries(base):
        out[i, j] = _partial(node.args[0], ctx, var, i, j)
    return out


def _hessian(node, ctx):
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


def _jacobian(node, ctx):
    var = node.args[1].name
    base = ctx.values.get(var)
    idx = _entries(base)
    F0 = _as_mat(evaluate(node.args[0], ctx))
    outs = [(i, j) for i in range(F0.rows) for j in range(F0.cols)]
    J = mp.matrix(len(outs), len(idx))
    for b, (i, j) in enumerate(idx):
        def f(t, i=i, j=j):
            if is_mat(base):
                m = base.copy()
                m[i, j] = t
            else:
                m = t
            return _as_mat(evaluate(node.args[0], _bound(ctx, var, m)))
        x0 = base[i, j] if is_mat(base) else base
        for a, (r, c) in enumerate(outs):
            J[a, b] = mp.diff(lambda t: f(t)[r, c], x0)
    return J


def _limit(node, ctx):
    var = node.args[1].name
    point = scalar(evaluate(node.args[2], ctx))
    return mp.limit(lambda t: scalar(evaluate(node.args[0], _bound(ctx, var, t, tracked=False))), point,
                    method="richardson")  # Shanks at 250+ digits blew GMP past 2 GB on 2/(1 + 2 sqrt(x) + x)


def _integral(node, ctx):
    var = node.args[1].name
    a, b = scalar(evaluate(node.args[2], ctx)), scalar(evaluate(node.args[3], ctx))
    return mp.quad(lambda t: scalar(evaluate(node.args[0], _bound(ctx, var, t, tracked=False)), "an integrand"), [a, b])


def _at(node, ctx):
    value = evaluate(node.args[2], ctx)
    return evaluate(node.args[0], _bound(ctx, node.args[1].name, value))


def _piecewise(node, ctx):
    args = node.args
    for c, v in zip(args[0:-1:2], args[1:-1:2]):
        if truth(evaluate(c, ctx), ctx):
            return evaluate(v, ctx)
    if len(args) % 2 == 0:
        raise EvalError("piecewise(c1, v1, ..., otherwise) needs an odd number of arguments")
    return evaluate(args[-1], ctx)


SPECIAL: dict[str, Callable] = {
    "sum": _sum, "prod": _prod, "first": _first, "iterate": _iterate, "diff": _diff,
    "grad": _grad, "hessian": _hessian, "jacobian": _jacobian, "limit": _limit,
    "piecewise": _piecewise, "at": _at, "integral": _integral,
}
