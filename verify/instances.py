"""Instances: drawing exact values for a claim's symbols and filtering them by its hypotheses."""

from __future__ import annotations

import graphlib
import random
from fractions import Fraction
from typing import Any, Iterable, Optional

from mpmath import mp

from verify import limits
from verify.errors import EvalError, Undecided
from verify.expr import nodes as N
from verify.expr import numeric as num
from verify.model import Claim, Hypothesis, SymbolSpec
from verify.samplers import SAMPLERS

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
    """An mpmath value (or exact number) as an exact Fraction (30 significant digits)."""
    if isinstance(x, (Fraction, int)):
        return Fraction(x)
    if mp.isinf(x):
        raise EvalError("a sampler bound is infinite")
    return Fraction(mp.nstr(x, 30))


def exact_value(v) -> Exact:
    """An evaluated constant value (mpf or matrix) as an exact value."""
    if num.is_mat(v):
        return [[to_fraction(v[i, j]) for j in range(v.cols)] for i in range(v.rows)]
    return to_fraction(v)


def mp_env(exact: dict[str, Exact]) -> dict[str, Any]:
    return {k: num.to_mp(v) for k, v in exact.items()}


def eval_const(node, exact: dict[str, Exact]):
    with mp.workdps(SETUP_DPS):
        return num.evaluate(node, num.Ctx(mp_env(exact)))


def _int_of(node, exact, what) -> int:
    v = num.scalar(eval_const(node, exact))
    if v != int(v):
        raise EvalError(f"{what} evaluates to {v}, not an integer")
    return int(v)


def _eval_args(args, exact):
    if isinstance(args, (list, tuple)):
        return [_eval_args(a, exact) for a in args]
    if args is None:
        return None
    return exact_value(eval_const(args, exact))


def draw_symbol(spec: SymbolSpec, rng: random.Random, i: int, exact: dict[str, Exact]) -> Exact:
    """Draw one symbol's value given the values drawn so far."""
    if spec.value is not None:
        v = exact_value(eval_const(spec.value, exact))
        return int(v) if spec.type == "integer" else v
    shape = None
    if spec.shape is not None:
        shape = (_int_of(spec.shape[0], exact, "a row count"), _int_of(spec.shape[1], exact, "a column count"))
        if min(shape) < 1:
            raise EvalError(f"shape of {spec.name} is {shape[0]}x{shape[1]}: sizes start at 1")
        limits.check("max_draw_dim", f"shape of {spec.name}", max(shape), f"{shape[0]}x{shape[1]}")
    args = spec.sampler_args
    if spec.range is not None and args is None:
        args = list(spec.range)
    value = SAMPLERS[spec.sampler].draw(rng, shape, _eval_args(args, exact), i)
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


def failed_hypotheses(hyps: Iterable[Hypothesis], exact: dict[str, Exact], dps: int) -> list[str]:
    """Names of hypotheses the instance violates (or that cannot be decided on it)."""
    bad = []
    with mp.workdps(dps):
        ctx = num.Ctx(mp_env(exact))
        for h in hyps:
            try:
                ok = num.truth(num.evaluate(h.node, ctx), ctx)
            except (Undecided, EvalError):
                ok = False
            if not ok:
                bad.append(h.name)
    return bad
