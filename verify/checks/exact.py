"""exact: a relation decided with exact arithmetic on given or drawn rational instances.

Every input is an exact rational. Each instance goes first to python-flint (`certify`: exact
`fmpq` rationals and quadratic surds, else arb balls), which decides most instances in well
under a millisecond and whose "holds" is rigorous. What flint cannot decide (derivatives, an
equality of irrational values, ...) and every failure go to SymPy, as before: SymPy evaluates both
sides exactly and decides the relation without a tolerance (an integer T* stays an integer, so
ceil and floor are exact); where it leaves a transcendental difference it is simplified, then
evaluated with SymPy's evalf at two precisions; a value that stays inside the band is undecided.
A refutation is always SymPy's (confirmed when it came from evalf), so its values are shown as
before. Holding on every instance is "certified on instances", not a proof of the general
statement; the evidence says which engine decided how many instances.

    - exact: first(escaped(t), t, 0, 100) <= ceil(Tstar)
      instances:
        - {d: 1, lam: [-1], theta: [1], eta: 1, beta: 1, eps: 8}
"""

from __future__ import annotations

from verify.lazy import sp, S  # SymPy is imported on first use, not on `verify --help`

import random
import time
from collections import Counter
from typing import Optional

from verify.certify.upgrade import engine_text, for_all
from verify.checks.records import counterexample, for_all_record, result
from verify.checks.registry import (SHARED_OPTIONS, Settings, check_kind, common_options, relation,
                                    symbols_for)
from verify.errors import EvalError, ExprError, LimitExceeded
from verify.expr import nodes as N
from verify.confirm import confirm
from verify.instances import draw, exactly_computable, failed_hypotheses, outside_declared
from verify.model import CheckSpec, Claim
from verify.verdict import is_relation


SCHEMA = {"$ref": "#/$defs/expr",
          "description": "A relation decided exactly (rational inputs, SymPy) on the given `instances` and `n` drawn ones."}


def prepare(entry: dict, claim: Claim, ctx) -> CheckSpec:
    node = ctx.parse(entry["exact"])
    if not is_relation(node):
        raise ExprError("an exact check needs a relation", "write lhs == rhs, lhs <= rhs, ...")
    opts = common_options(entry, claim, ctx.parse_symbol)
    opts["instances"] = [ctx.instance(i, inst) for i, inst in enumerate(entry.get("instances", []))]
    if not opts["instances"] and "n" not in opts:
        opts["n"] = 10
    symbols = {**claim.symbols, **opts.get("symbols", {})}
    for name, sym in sorted(symbols.items()):
        if sym.value is not None and not exactly_computable(sym.value):
            raise ExprError(f"an exact check needs exact inputs, but {name} is computed in floating point "
                            f"from its value ({sym.describe()})",
                            f"give {name} as an exact number: override it in this check's `symbols:` "
                            f"(e.g. {name}: {{real: [lo, hi]}}) and set it in each instance")
    return CheckSpec("exact", ctx.index, entry.get("name", ""), entry["exact"], node, opts, ctx.line)


def to_sympy(v):
    """An exact instance value as a SymPy number or matrix."""
    if isinstance(v, list):
        rows = v if v and isinstance(v[0], list) else [[x] for x in v]
        return sp.ImmutableMatrix([[sp.Rational(x.numerator, x.denominator) for x in r] for r in rows])
    if isinstance(v, int):
        return sp.Integer(v)
    return sp.Rational(v.numerator, v.denominator)


def decide(op: str, a, b, precisions, how: list) -> Optional[bool]:
    """Decide `a op b` for exact SymPy values; None when it cannot be decided. A sign read from
    floating-point values adds "evalf" to `how`."""
    a, b = S._resolve(a, b)
    if isinstance(a, sp.MatrixBase) and a.shape == (1, 1) and not isinstance(b, sp.MatrixBase):
        a = a[0, 0]
    if isinstance(b, sp.MatrixBase) and b.shape == (1, 1) and not isinstance(a, sp.MatrixBase):
        b = b[0, 0]
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        if op not in ("==", "!="):
            a, b = S.scalar(a), S.scalar(b)
        else:
            if a.shape != b.shape:
                raise EvalError(f"comparing shapes {a.shape} and {b.shape}")
            zero = [decide("==", x, y, precisions, how) for x, y in zip(a, b)]
            eq = True if all(z is True for z in zero) else (False if False in zero else None)
            return eq if op == "==" or eq is None else not eq
    if a == sp.oo or b == sp.oo or a == -sp.oo or b == -sp.oo:
        rel = {"==": sp.Eq, "!=": sp.Ne, "<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge}[op](a, b)
        return bool(rel) if rel in (sp.true, sp.false) else None
    d = b - a
    sign = _sign(d)
    if sign is None and not d.is_Rational:  # simplify only when the sign is not plain: it prints
        d = sp.simplify(d)                  # the expression, which fails past 4300 digits
        sign = _sign(d)
    if sign is None:
        vals = [sp.N(d, p) for p in precisions]
        if not all(v.is_real for v in vals):
            return None
        bands = [sp.Float(10) ** (-(p - 10)) for p in precisions]
        signs = {1 if v > bd else (-1 if v < -bd else None) for v, bd in zip(vals, bands)}
        if len(signs) != 1 or None in signs:
            return None
        sign = signs.pop()
        how.append("evalf")
    return {"==": sign == 0, "!=": sign != 0, "<": sign > 0, "<=": sign >= 0,
            ">": sign < 0, ">=": sign <= 0}[op]


def _sign(d) -> Optional[int]:
    """-1, 0, 1 when SymPy's assumptions decide the sign of d, else None."""
    if d.is_zero:
        return 0
    if d.is_positive:
        return 1
    if d.is_negative:
        return -1
    return None


def holds_at(node, inst: dict, precisions, how: list) -> tuple[Optional[bool], list]:
    """Decide a relation (a chain, or an `and` of relations) exactly on one instance."""
    if isinstance(node, N.Logic):
        verdict, vals = True, []
        for part in node.operands:
            ok, vals = holds_at(part, inst, precisions, how)
            if ok is False:
                return False, vals
            if ok is None:
                verdict = None
        return verdict, vals
    env = {k: to_sympy(v) for k, v in inst.items()}
    vals = [S.evaluate(o, S.SymCtx(env)) for o in node.operands]
    verdict: Optional[bool] = True
    for op, a, b in zip(node.ops, vals, vals[1:]):
        ok = decide(op, a, b, precisions, how)
        if ok is False:
            return False, vals
        if ok is None:
            verdict = None
    return verdict, vals


@check_kind("exact", example="exact: floor(7/2) + 1 == 4",
            options=SHARED_OPTIONS + ("instances",), engine="sympy exact", mutated=True, conclusion=relation)
def run(spec: CheckSpec, claim: Claim, settings: Settings) -> dict:
    from verify.certify.balls import certify  # python-flint: imported when a check runs, not on a warm run
    symbols = symbols_for(claim, spec)
    rng = random.Random(f"{settings.seed}:{spec.index}")
    given = spec.options["instances"]
    n_random = spec.options.get("n", 0)
    instances, drawn, rejected = [], 0, 0
    try:
        for inst in given:
            instances.append(draw(claim, rng, 0, symbols, inst))
        while sum(1 for _ in instances) < len(given) + n_random and drawn < 20 * max(1, n_random):
            inst = draw(claim, rng, drawn, symbols, spec.options.get("dims", {}))
            drawn += 1
            if failed_hypotheses(claim.assume, inst, settings.precisions[0]):
                rejected += 1
                continue
            instances.append(inst)
    except (EvalError, LimitExceeded) as exc:
        return result(spec, "error", "error", f"could not build the instances: {exc}")
    checked = undecided = 0
    engines: Counter = Counter()   # which engine decided the instances that held
    certify_s = 0.0
    for k, inst in enumerate(instances):
        outside = outside_declared(symbols, inst) if k < len(given) else []
        if outside:
            return result(spec, "error", "error", f"given instance {k + 1} puts {', '.join(outside)} outside "
                          "the declared range: the claim is not stated there", counterexample=counterexample(inst, label="instance"))
        bad = failed_hypotheses(claim.assume, inst, settings.precisions[0]) if k < len(given) else []
        if bad:
            return result(spec, "error", "error", f"given instance {k + 1} violates {', '.join(bad)}",
                          counterexample=counterexample(inst, label="instance"))
        start = time.perf_counter()
        cert = certify(spec.nodes, inst)   # never raises; holds=True is rigorous
        certify_s += time.perf_counter() - start
        if cert.holds is True:
            checked += 1
            engines[cert.engine] += 1
            continue
        try:
            how: list = []   # "evalf" when a sign was read from a floating-point value
            ok, vals = holds_at(spec.nodes, inst, settings.precisions, how)
        except (EvalError, LimitExceeded, TypeError, ValueError) as exc:
            return result(spec, "error", "error", f"exact evaluation failed on instance {k + 1}: {exc}",
                          counterexample=counterexample(inst, label="instance"))
        if ok is None:
            undecided += 1
            continue
        checked += 1
        if ok is True:
            engines["sympy exact"] += 1
        if ok is False:
            engine = "sympy exact"
            if how:  # decided from evalf at two precisions: confirm rigorously first
                c = confirm(spec.nodes, inst, settings.precisions, claim.assume)
                if c.outcome != "refuted":
                    checked -= 1
                    undecided += 1
                    continue
                engine = c.engine
            cex = counterexample(inst, confirmed_by=engine)
            cex["lhs"], cex["rhs"] = _show(vals[0]), _show(vals[-1])
            ev = _ev(drawn, rejected, checked, undecided, settings, engines)
            ev["confirmed_by"] = engine
            return result(spec, "refuted", "refuted",
                          f"fails exactly on instance {k + 1}: {cex['lhs']} vs {cex['rhs']} (confirmed by {engine})",
                          counterexample=cex, evidence=ev, engine=engine, timings=_timings(certify_s))
    ev = _ev(drawn, rejected, checked, undecided, settings, engines)
    if checked == 0:
        return result(spec, "undecided", "undecided", "no instance could be decided exactly", evidence=ev,
                      timings=_timings(certify_s))
    if undecided:
        return result(spec, "undecided", "undecided", f"{undecided} instance(s) undecided", evidence=ev,
                      timings=_timings(certify_s))
    msg = f"holds exactly on {checked} instance(s) (rational inputs, no tolerance)"
    if settings.certify:
        fa = for_all(spec.nodes, claim, spec, claim.assume, settings.precisions, f"{settings.seed}:{spec.index}:z3")
        decided, timings = for_all_record(spec, fa, msg, ev)
        if decided is not None:
            decided.setdefault("timings", {}).update(_timings(certify_s))
            return decided
        timings.update(_timings(certify_s))
    else:
        timings = _timings(certify_s)
    return result(spec, "certified", "certified", msg, evidence=ev, engine=" + ".join(sorted(engines)),
                  timings=timings)


def _timings(certify_s: float) -> dict:
    return {"certify_s": round(certify_s, 3)}


def _ev(drawn, rejected, checked, undecided, settings, engines: Counter) -> dict:
    ev = {"drawn": drawn, "rejected": rejected, "checked": checked, "undecided": undecided,
          "precisions": list(settings.precisions)}
    if engines:
        ev["certified_instances"] = f"{sum(engines.values())} of {checked + undecided} ({engine_text(engines)})"
    return ev


def _show(v) -> str:
    """A value for the report: exact when it is short, else its 15-digit approximation."""
    if isinstance(v, sp.MatrixBase):
        return "[" + ", ".join(_show(x) for x in v) + "]" if len(v) <= 16 else f"{v.rows}x{v.cols} matrix"
    approx = sp.N(v, 15) if v.is_number else v
    if any(max(abs(a.p), a.q).bit_length() > 200 for a in v.atoms(sp.Rational)):
        return f"≈ {approx}"  # printing a 4300-digit integer fails (and helps nobody)
    return f"{v} ≈ {approx}" if not v.is_Rational and v.is_number else str(v)
