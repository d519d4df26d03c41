"""Instances: drawing exact values for a claim's symbols and filtering them by its hypotheses."""

from __future__ import annotations

import graphlib
import math
import random
from fractions import Fraction
from typing import Any, Iterable, Optional

from mpmath import mp

from verify import limits
from verify.errors import EvalError, HypothesisError, Undecided
from verify.expr import nodes as N
from verify.expr import numeric as num
from verify.model import Claim, Hypothesis, SymbolSpec
from verify.samplers.rational import eye, matmul, transpose
from verify.samplers.registry import SAMPLERS, facts

Exact = Any  # Fraction | int | list[list[Fraction]]
SETUP_DPS = 60


def symbol_deps(spec: SymbolSpec) -> set[str]:
    """Names a symbol's shape, range, sampler arguments or value refer to."""
    out: set[str] = set()
    for part in (spec.shape or ()) + (spec.range or ()):
        out |= N.names(part)
    for node in _arg_nodes(spec.sampler_args):
        out |= N.names(node)
    if spec.value is not None:
        out |= N.names(spec.value)
    return out - {spec.name}


def dependents(symbols: dict[str, SymbolSpec], name: str) -> set[str]:
    """The symbols whose shape, range, sampler arguments or value refer to `name`, transitively."""
    out, todo = set(), [name]
    while todo:
        cur = todo.pop()
        for other, spec in symbols.items():
            if other not in out and other != name and cur in symbol_deps(spec):
                out.add(other)
                todo.append(other)
    return out


def _arg_nodes(args) -> list[N.Node]:
    if isinstance(args, (list, tuple)):
        return [n for a in args for n in _arg_nodes(a)]
    return [args] if isinstance(args, (N.Num, N.Sym, N.BinOp, N.Call, N.Neg, N.Const, N.Item)) else []


def draw_order(symbols: dict[str, SymbolSpec]) -> list[str]:
    """Symbols in an order where each comes after what its shape and sampler refer to."""
    ts = graphlib.TopologicalSorter()
    for name in sorted(symbols):
        ts.add(name, *sorted(d for d in symbol_deps(symbols[name]) if d in symbols))
    return [n for n in ts.static_order() if symbols[n].type not in ("index", "operator")]


def to_fraction(x) -> Fraction:
    """An mpmath value (or exact number) as the exact Fraction it stores (no rounding)."""
    if isinstance(x, (Fraction, int)):  # a bool too: Fraction(True) == 1
        return Fraction(x)
    if not mp.isfinite(x):
        raise EvalError(f"a computed value is {x}, not a finite number")
    sign, man, exp, _ = (x if isinstance(x, mp.mpf) else mp.mpf(x))._mpf_  # no re-rounding
    value = Fraction(int(man)) * (Fraction(2) ** int(exp))
    return -value if sign else value


def exact_value(v) -> Exact:
    """An evaluated constant value (mpf or matrix) as an exact value."""
    if num.is_mat(v):
        return [[to_fraction(v[i, j]) for j in range(v.cols)] for i in range(v.rows)]
    return to_fraction(v)


def mp_env(exact: dict[str, Exact], *nodes) -> dict[str, Any]:
    """The instance's values as mpmath values at the working precision; given trees, only the
    values they read (an evaluation reads nothing else)."""
    if not nodes:
        return {k: num.to_mp(v) for k, v in exact.items()}
    names = frozenset().union(*[num.free_names(n) for n in nodes])
    return {k: num.to_mp(v) for k, v in exact.items() if k in names}


def eval_const(node, exact: dict[str, Exact]):
    """A constant expression of earlier values, as an mpmath value at SETUP_DPS digits."""
    with mp.workdps(SETUP_DPS):
        return num.evaluate(node, num.Ctx(mp_env(exact, node)))


def const_value(node, exact: dict[str, Exact]) -> Exact:
    """A constant expression as an exact value: by rational arithmetic where it is rational
    (so 1/3 stays 1/3), else the exact binary value computed at SETUP_DPS digits."""
    value = exact_arith(node, exact)
    return value if value is not None else exact_value(eval_const(node, exact))


def exact_arith(node, exact: dict[str, Exact]):
    """Evaluate numbers, symbols, + - * / ** (integer powers), negation, matrix literals,
    matrix sums and products, T, zeros, ones, eye, sign and abs exactly; None when the tree
    needs anything else (it is then computed in floating point: see `const_value`)."""
    t = type(node)
    if t is N.Num:
        return node.value
    if t is N.Sym:
        v = exact.get(node.name)
        if isinstance(v, list):
            return _as_rows(v)
        return Fraction(v) if isinstance(v, (int, Fraction)) else None
    if t is N.Neg:
        v = exact_arith(node.operand, exact)
        return None if v is None else entrywise(lambda x: -x, v)
    if t is N.BinOp and node.op in ("+", "-", "*", "/", "**"):
        a, b = exact_arith(node.left, exact), exact_arith(node.right, exact)
        return None if a is None or b is None else _exact_binop(node.op, a, b)
    if t is N.Call:
        args = [exact_arith(x, exact) for x in node.args]
        if any(a is None for a in args):
            return None
        return _exact_call(node.fn, args)
    return None


def _as_rows(v) -> Optional[list]:
    rows = v if v and isinstance(v[0], list) else [[x] for x in v]
    return [[Fraction(x) for x in r] for r in rows]


def entrywise(f, *values: Exact) -> Exact:
    """`f` applied to exact values entry by entry: to numbers, or down nested lists of one shape."""
    return [entrywise(f, *xs) for xs in zip(*values)] if isinstance(values[0], list) else f(*values)


def entries(v: Exact) -> list:
    """The numbers of an exact value (a number, or nested lists of them)."""
    return [x for e in v for x in entries(e)] if isinstance(v, list) else [v]


def _exact_binop(op: str, a, b):
    ma, mb = isinstance(a, list), isinstance(b, list)
    if not ma and not mb:
        if op == "**":
            if b.denominator != 1 or abs(b) > 64 or (a == 0 and b < 0):
                return None
            return a ** int(b)
        if op == "/" and b == 0:
            return None
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None}[op]
    if op in "+-" and ma and mb and len(a) == len(b) and len(a[0]) == len(b[0]):
        sign = 1 if op == "+" else -1
        return entrywise(lambda x, y: x + sign * y, a, b)
    if op == "*" and ma != mb:
        k, m = (b, a) if ma else (a, b)
        return entrywise(lambda x: k * x, m)
    if op == "*" and len(a[0]) == len(b):
        return matmul(a, b)
    if op == "/" and ma and not mb and b != 0:
        return entrywise(lambda x: x / b, a)
    return None


def _exact_call(fn: str, args: list):
    def size(x) -> Optional[int]:
        return int(x) if not isinstance(x, list) and x.denominator == 1 and 0 < x <= limits.LIMITS["max_dim"] else None

    if fn == "matrix":
        if any(isinstance(v, list) for v in args):
            return None
        r, c = int(args[0]), int(args[1])
        return [[args[2 + i * c + j] for j in range(c)] for i in range(r)] if len(args) == 2 + r * c else None
    if fn in ("zeros", "ones") and len(args) == 2 and size(args[0]) and size(args[1]):
        fill = Fraction(0 if fn == "zeros" else 1)
        return [[fill] * size(args[1]) for _ in range(size(args[0]))]
    if fn == "eye" and len(args) == 1 and size(args[0]):
        return eye(size(args[0]))
    if fn in ("T", "transpose") and len(args) == 1:
        return transpose(args[0]) if isinstance(args[0], list) else args[0]
    if fn == "sign" and len(args) == 1:
        return entrywise(lambda x: Fraction((x > 0) - (x < 0)), args[0])
    if fn == "abs" and len(args) == 1:
        return entrywise(abs, args[0])
    return None


def exactly_computable(node) -> bool:
    """Whether `exact_arith` can compute this tree exactly (whatever the values): the functions
    it knows, integer powers; anything else is computed in floating point."""
    if isinstance(node, (N.Num, N.Sym)):
        return True
    if isinstance(node, N.Neg):
        return exactly_computable(node.operand)
    if isinstance(node, N.BinOp):
        if node.op == "**":
            return (exactly_computable(node.left) and isinstance(node.right, N.Num)
                    and node.right.value.denominator == 1)
        return node.op in "+-*/" and exactly_computable(node.left) and exactly_computable(node.right)
    if isinstance(node, N.Call) and node.fn in EXACT_FUNCTIONS:
        return all(exactly_computable(a) for a in node.args)
    return False


EXACT_FUNCTIONS = ("matrix", "zeros", "ones", "eye", "T", "transpose", "sign", "abs")


def _int_of(node, exact, what) -> int:
    v = const_value(node, exact)
    if isinstance(v, list):
        raise EvalError(f"{what} is a matrix, not an integer")
    if v != int(v):
        raise EvalError(f"{what} evaluates to {v}, not an integer")
    return int(v)


def _eval_args(args, exact):
    if isinstance(args, (list, tuple)):
        return [_eval_args(a, exact) for a in args]
    if args is None:
        return None
    return const_value(args, exact)


def draw_symbol(spec: SymbolSpec, rng: random.Random, i: int, exact: dict[str, Exact]) -> Exact:
    """Draw one symbol's value given the values drawn so far."""
    if spec.value is not None:
        v = const_value(spec.value, exact)
        return int(v) if spec.type == "integer" else v
    shape = None
    if spec.shape is not None:
        shape = (_int_of(spec.shape[0], exact, "a row count"), _int_of(spec.shape[1], exact, "a column count"))
        if min(shape) < 1:
            raise EvalError(f"shape of {spec.name} is {shape[0]}x{shape[1]}: sizes start at 1")
        limits.check("max_draw_dim", f"shape of {spec.name}", max(shape), f"{shape[0]}x{shape[1]}")
    value = SAMPLERS[spec.sampler].draw(rng, shape, _eval_args(spec.params(), exact), i)
    if spec.type == "integer":
        return int(value)
    return value


def draw(claim: Claim, rng: random.Random, i: int, overrides: Optional[dict[str, SymbolSpec]] = None,
         fixed: Optional[dict[str, Exact]] = None) -> dict[str, Exact]:
    """One exact instance of all sampled symbols."""
    symbols = dict(claim.symbols)
    symbols.update(overrides or {})
    exact: dict[str, Exact] = {}
    for name in draw_order(symbols):
        if fixed and name in fixed:
            exact[name] = fixed[name]
        else:
            exact[name] = draw_symbol(symbols[name], rng, i, exact)
    return exact


def outside_domain(symbols: dict[str, SymbolSpec], exact: dict[str, Exact]) -> list[str]:
    """Sampled scalars whose value lies outside their sampler's [lo, hi] (evaluated on the
    instance): a shrunk or searched instance must stay in the domain the claim is stated on."""
    bad = []
    for name, spec in symbols.items():
        v = exact.get(name)
        if spec.value is not None or not facts(spec.sampler).bounded or isinstance(v, list) or v is None:
            continue
        try:
            lo, hi = _eval_args(spec.params(), exact)
        except (EvalError, Undecided, ValueError, TypeError, ZeroDivisionError):
            continue
        if spec.sampler == "integer":
            lo, hi = math.ceil(lo), math.floor(hi)
        if not lo <= v <= hi:
            bad.append(name)
    return bad


def outside_declared(symbols: dict[str, SymbolSpec], exact: dict[str, Exact]) -> list[str]:
    """Scalars given by hand outside their declared range (`real: [lo, hi]`, `positive`): the
    claim is not stated there. (The sampler's own range may be narrower; that one binds draws.)"""
    bad = []
    for name, spec in symbols.items():
        v = exact.get(name)
        if spec.value is not None or v is None or isinstance(v, list):
            continue
        if spec.positive and not v > 0:
            bad.append(name)
            continue
        if spec.range is None:
            continue
        try:
            lo, hi = _eval_args(list(spec.range), exact)
        except (EvalError, Undecided, ValueError, TypeError, ZeroDivisionError):
            continue
        if not lo <= v <= hi:
            bad.append(name)
    return bad


def failed_hypotheses(hyps: Iterable[Hypothesis], exact: dict[str, Exact], dps: int) -> list[str]:
    """Names of hypotheses the instance violates (or that sit on their boundary, inside the
    tolerance band). A hypothesis that cannot be evaluated raises HypothesisError: an ill-typed
    claim must not lose its draws in silence."""
    bad = []
    with mp.workdps(dps):
        hyps = list(hyps)
        ctx = num.Ctx(mp_env(exact, *[h.node for h in hyps]) if hyps else {})
        for h in hyps:
            try:
                ok = num.truth(num.evaluate(h.node, ctx), ctx)
            except Undecided:
                ok = False
            except (EvalError, ArithmeticError, TypeError, ValueError, AttributeError) as exc:
                raise HypothesisError(h.name, str(exc) or type(exc).__name__, exact) from None
            if not ok:
                bad.append(h.name)
    return bad
