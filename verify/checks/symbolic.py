"""symbolic: a relation decided by SymPy on symbols and explicit symbolic matrices.

An identity is proved when `lhs - rhs` simplifies to zero (expand, cancel, together, then
simplify); an inequality when the difference is provably non-negative (positive) under the
symbols' assumptions. Otherwise the difference is evaluated at exact instances that satisfy the
hypotheses: a non-zero value (a wrong sign) is a counterexample; else the check is undecided.

    - symbolic: (I - A) * S(N) == I - A**(N + 1)
      for: {N: [0, 6]}
      symbols: {A: operator}
"""

from __future__ import annotations

from verify.lazy import sp, S  # SymPy is imported on first use, not on `verify --help`

import itertools
import random
from typing import Optional

from verify import limits
from verify.checks.records import counterexample, result
from verify.checks.registry import SHARED_OPTIONS, Settings, check_kind, common_options, symbols_for
from verify.errors import EvalError, ExprError, LimitExceeded
from verify.expr import nodes as N
from verify.instances import draw, draw_order, failed_hypotheses
from verify.model import CheckSpec, Claim, SymbolSpec

REFUTE_POINTS = 6
SCREEN_POINTS = 2   # instances tried before simplify: a false identity is refuted without it


SCHEMA = {"$ref": "#/$defs/expr",
          "description": "A relation proved with SymPy (difference simplified to zero, or an inequality decided)."}


def prepare(entry: dict, claim: Claim, ctx) -> CheckSpec:
    node = ctx.parse(entry["symbolic"])
    if not isinstance(node, N.Compare):
        raise ExprError("a symbolic check needs a relation", "write lhs == rhs or lhs <= rhs")
    return CheckSpec("symbolic", ctx.index, entry.get("name", ""), entry["symbolic"], node,
                     common_options(entry, claim, ctx.parse_symbol), ctx.line)


def _lower_bound(spec: SymbolSpec) -> Optional[sp.Rational]:
    lo = spec.range[0] if spec.range else None
    if isinstance(lo, N.Num):
        return sp.Rational(lo.value.numerator, lo.value.denominator)
    return None


def needed(symbols: dict[str, SymbolSpec], node: N.Node) -> dict[str, SymbolSpec]:
    """The symbols a tree uses, with the symbols their shapes and values refer to."""
    todo, out = list(N.names(node)), {}
    while todo:
        name = todo.pop()
        if name in symbols and name not in out:
            out[name] = symbols[name]
            spec = symbols[name]
            for part in (spec.shape or ()) + ((spec.value,) if spec.value is not None else ()):
                todo.extend(N.names(part))
    return out


def sympy_env(symbols: dict[str, SymbolSpec], ints: dict[str, int]) -> dict:
    """SymPy values for the symbols: integers fixed by dims/for, symbols, symbolic matrices."""
    env: dict = {}
    order = draw_order(symbols) + [n for n, s in symbols.items() if s.type == "operator"]
    for name in order:
        spec = symbols[name]
        ctx = S.SymCtx(env)
        if name in ints:
            env[name] = sp.Integer(ints[name])
        elif spec.value is not None:
            env[name] = S.evaluate(spec.value, ctx)
        elif spec.type == "operator":
            env[name] = sp.Symbol(name, commutative=False)
        elif spec.type in ("matrix", "vector"):
            r, c = (S._int(S.evaluate(x, ctx), f"the shape of {name} (give it in dims:)") for x in spec.shape)
            limits.check("max_symbolic_entries", f"entries of the symbolic matrix {name}", r * c)
            sep = "_" if max(r, c) > 9 else ""
            if c == 1:
                env[name] = sp.ImmutableMatrix(r, 1, [sp.Symbol(f"{name}_{i + 1}", real=True) for i in range(r)])
            else:
                env[name] = sp.ImmutableMatrix(r, c, [sp.Symbol(f"{name}_{i + 1}{sep}{j + 1}", real=True)
                                                      for i in range(r) for j in range(c)])
        else:
            lo = _lower_bound(spec)
            kw = {"integer": True} if spec.type == "integer" else {"real": True}
            if spec.positive or (lo is not None and lo > 0):
                kw["positive"] = True
            elif lo is not None and lo >= 0:
                kw["nonnegative"] = True
            env[name] = sp.Symbol(name, **kw)
    return env


def open_entries(e) -> list:
    """The entries of e (e itself for a scalar) that the cheap steps do not show to be 0."""
    return [x for x in (e if isinstance(e, sp.MatrixBase) else [e]) if not cheap_zero(x)]


def cheap_zero(e) -> bool:
    """True when the scalar e is 0 after expand, cancel or together: the cheap steps, before
    `simplify`."""
    if e == 0:
        return True
    for step in (sp.expand, sp.cancel, sp.together):
        try:
            if step(e) == 0:
                return True
        except (TypeError, ValueError, NotImplementedError, AttributeError):
            continue
    return False


SIMPLIFY_SECONDS = 20.0   # CPU seconds: a loaded machine gives simplify no less work than a quiet one
SIMPLIFY_WALL_FACTOR = 10  # the wall-clock safety net, in multiples of the CPU budget


def simplifies_to_zero(e, seconds: float = SIMPLIFY_SECONDS) -> Optional[bool]:
    """sp.simplify(e) == 0, in a forked child with a CPU-time budget: SymPy's simplify can run
    for ever, and a step that does not finish is undecided (None), never a pass. The budget is
    CPU time (RLIMIT_CPU), so load does not change the answer; the wall-clock wait is only a
    safety net. (A plain os.fork: the claim's worker is itself a daemonic process, which
    multiprocessing forbids to fork.)"""
    import os
    import resource
    import select
    import signal
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        try:
            cpu = max(1, int(seconds))
            hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
            hard = cpu + 1 if hard == resource.RLIM_INFINITY else min(cpu + 1, hard)
            resource.setrlimit(resource.RLIMIT_CPU, (min(cpu, hard), hard))  # SIGXCPU ends it: undecided
            ok = bool(sp.simplify(e) == 0)
        except BaseException:  # noqa: BLE001
            ok = False
        os.write(write_fd, b"1" if ok else b"0")
        os._exit(0)
    os.close(write_fd)
    try:
        ready, _, _ = select.select([read_fd], [], [], seconds * SIMPLIFY_WALL_FACTOR)
        answer = os.read(read_fd, 1) if ready else b""
    finally:
        os.close(read_fd)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    return True if answer == b"1" else None


def nonzero_polynomial(e) -> bool:
    """True when e is a rational function of its symbols (commutative or not) whose canonical
    form is not zero: then the identity is false, with no sampling needed."""
    entries = list(e) if isinstance(e, sp.MatrixBase) else [e]
    for x in entries:
        if x.has(sp.Function, sp.Piecewise, sp.Abs) or x.atoms(sp.Pow) and any(
                not p.exp.is_Integer for p in x.atoms(sp.Pow)):
            return False
    for x in entries:
        canon = sp.expand(x) if not x.is_commutative else sp.cancel(sp.expand(x))
        if canon != 0:
            return True
    return False


def _sign_known(d, strict: bool) -> Optional[bool]:
    d = sp.simplify(d)
    return d.is_positive if strict else d.is_nonnegative


def _difference(op, a, b):
    a, b = S._resolve(a, b)
    if isinstance(a, sp.MatrixBase) != isinstance(b, sp.MatrixBase):
        a, b = S.scalar(a), S.scalar(b)
    if op in ("==", "!="):
        return a - b
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        a, b = S.scalar(a), S.scalar(b)
    return (b - a) if op in ("<", "<=") else (a - b)


def _value_at(d, subs: dict, dps: int):
    v = d.xreplace(subs)
    if isinstance(v, sp.MatrixBase):
        vals = [sp.N(x, dps) for x in v]
        return max((abs(x) for x in vals), default=sp.Integer(0)), vals
    return sp.N(v, dps), None


def _refute(op, d, claim, symbols, ints, env, settings, index, link,
            points: Optional[int] = None) -> Optional[dict]:
    """Evaluate the difference at exact instances; return a counterexample if it is wrong there,
    confirmed (verify.confirm on the comparison `link`, else SymPy at rising precision).
    `points`: stop after that many instances that satisfy the hypotheses (the screen before
    `simplify`); the instances are the first ones of the full search, in the same order."""
    if any(s.type == "operator" for s in symbols.values()):
        return None
    rng = random.Random(f"{settings.seed}:{index}:refute")
    tried = 0
    for i in range(REFUTE_POINTS * 4):
        if points is not None and tried >= points:
            return None
        try:
            inst = draw(claim, rng, i, symbols, ints)
        except (EvalError, LimitExceeded):
            continue
        if failed_hypotheses(claim.assume, inst, settings.precisions[0]):
            continue
        tried += 1
        subs = {}
        for name, val in inst.items():
            target = env.get(name)
            if isinstance(target, sp.MatrixBase):
                flat = [x for row in val for x in row] if isinstance(val, list) else [val]
                subs.update({s: sp.Rational(x.numerator, x.denominator) for s, x in zip(target, flat)})
            elif isinstance(target, sp.Symbol):
                subs[target] = sp.Rational(val) if not isinstance(val, int) else sp.Integer(val)
        vals = _wrong_at(op, d, subs, settings.precisions)
        if vals is None:
            continue
        engine = _confirmed(op, d, subs, inst, link, claim, settings)
        if engine:
            cex = counterexample(inst, confirmed_by=engine)
            cex["difference"] = str(sp.N(vals[-1], 15))
            return cex
    return None


def _wrong_at(op, d, subs, precisions) -> Optional[list]:
    """The difference's values at `precisions` when every one of them says the relation fails."""
    vals = [_value_at(d, subs, p)[0] for p in precisions]
    if not all(v.is_number and v.is_real is not False for v in vals):
        return None
    band = [sp.Float(10) ** (-(p - 10)) for p in precisions]
    if op == "==":
        wrong = all(abs(v) > b for v, b in zip(vals, band))
    elif op in ("<=", ">="):
        wrong = all(v < -b for v, b in zip(vals, band))
    else:
        wrong = all(v <= b for v, b in zip(vals, band))
    return vals if wrong else None


def _confirmed(op, d, subs, inst, link, claim, settings) -> str:
    """The engine that confirms the failure ('' when nothing does): the shared confirmation on the
    comparison, else (where mpmath cannot evaluate it) SymPy's values at 150 and 250 digits, which
    must fail and agree with the working precisions' value within its band."""
    from verify.confirm import confirm
    try:
        c = confirm(link, inst, settings.precisions, claim.assume)
    except (EvalError, LimitExceeded, TypeError, ValueError, ArithmeticError):
        c = None
    if c is not None and c.refuted:
        return c.engine
    if c is not None and c.outcome in ("holds", "outside"):
        return ""
    high = _wrong_at(op, d, subs, (150, 250))
    if high is None:
        return ""
    low = _value_at(d, subs, settings.precisions[-1])[0]
    band = sp.Float(10) ** (-(settings.precisions[-1] - 10)) * max(1, abs(high[-1]))
    return "sympy evalf 150/250 digits" if abs(low - high[-1]) <= band else ""


def _scope(ints: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in sorted(ints.items()))


def _loop_values(spec: CheckSpec):
    loops = spec.options.get("for", {})
    names = sorted(loops)
    ranges = [range(loops[n][0], loops[n][1] + 1) for n in names]
    for combo in itertools.product(*ranges):
        yield {**spec.options.get("dims", {}), **dict(zip(names, combo))}


@check_kind("symbolic", example="symbolic: (a + b)**2 == a**2 + 2*a*b + b**2",
            options=SHARED_OPTIONS + ("for",), engine="sympy", mutated=True)
def run(spec: CheckSpec, claim: Claim, settings: Settings) -> dict:
    symbols = symbols_for(claim, spec)
    node: N.Compare = spec.nodes
    proved = 0
    undecided_at = []
    for ints in _loop_values(spec):
        try:
            env = sympy_env(needed(symbols, node), ints)
            vals = [S.evaluate(o, S.SymCtx(env)) for o in node.operands]
            for k, (op, a, b) in enumerate(zip(node.ops, vals, vals[1:])):
                d = _difference(op, a, b)
                link = N.Compare((op,), (node.operands[k], node.operands[k + 1]))
                cex = None
                if op == "==":  # d is 0 entrywise: the cheap steps, then a screen before simplify
                    rest = open_entries(d)
                    if rest:
                        # an identity that fails, confirmed, at one of the first points of the
                        # refutation search is not sent to simplify (which cannot prove it): the
                        # verdict is the one simplify's failure would have led to
                        cex = _refute(op, d, claim, symbols, ints, env, settings, spec.index, link,
                                      points=SCREEN_POINTS)
                    ok = None if cex is not None else \
                        (True if all(simplifies_to_zero(x) for x in rest) else None)
                else:  # an inequality, from the simplified difference's sign (!= is never decided)
                    ok = None if op == "!=" else _sign_known(d, strict=op in ("<", ">"))
                if ok is True:
                    continue
                if op == "==" and nonzero_polynomial(d):
                    where = f" at {_scope(ints)}" if ints else ""
                    shown = d if not isinstance(d, sp.MatrixBase) else next(x for x in d if sp.expand(x) != 0)
                    return result(spec, "refuted", "refuted",
                                  f"== fails{where}: lhs - rhs expands to the non-zero "
                                  f"{sp.sstr(sp.expand(shown))[:300]}",
                                  evidence={"scope": _scope(ints), "confirmed_by": "sympy exact (non-zero polynomial)"},
                                  engine="sympy exact")
                if cex is None:
                    cex = _refute(op, d, claim, symbols, ints, env, settings, spec.index, link)
                if cex is not None:
                    where = f" at {_scope(ints)}" if ints else ""
                    return result(spec, "refuted", "refuted",
                                  f"{op} fails{where}: the difference is {cex['difference']} on the instance "
                                  f"(confirmed by {cex['confirmed_by']})", counterexample=cex,
                                  evidence={"scope": _scope(ints), "confirmed_by": cex["confirmed_by"]},
                                  engine=cex["confirmed_by"])
                undecided_at.append(_scope(ints) or "all symbols")
                break
            else:
                proved += 1
        except (EvalError, LimitExceeded) as exc:
            return result(spec, "error", "error", f"could not build the expression: {exc}")
        except (TypeError, ValueError, NotImplementedError, AttributeError, sp.ShapeError) as exc:
            return result(spec, "error", "error", f"SymPy could not handle it: {type(exc).__name__}: {exc}")
    scope = _scope_text(spec)
    if undecided_at:
        return result(spec, "undecided", "undecided",
                      f"SymPy could not decide it at {undecided_at[0]} (no counterexample found either)",
                      evidence={"scope": scope, "proved_cases": proved})
    return result(spec, "proved", "symbolic", f"proved symbolically{' for ' + scope if scope else ''}",
                  evidence={"scope": scope, "proved_cases": proved}, engine="sympy")


def _scope_text(spec: CheckSpec) -> str:
    parts = [f"{k} = {v[0]}..{v[1]}" for k, v in sorted(spec.options.get("for", {}).items())]
    parts += [f"{k} = {v}" for k, v in sorted(spec.options.get("dims", {}).items())]
    return ", ".join(parts)
