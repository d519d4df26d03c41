"""The prover: the relation, the hypotheses connected to it and the symbols' domains handed to
z3, and its answer read back as a proof, a counterexample or neither."""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Optional, Union

from verify.expr import nodes as N
from verify.model import Claim, Hypothesis, SymbolSpec

from .language import MAX_VARS, Unsupported
from .translate import Translator


@dataclass
class SmtResult:
    outcome: str          # "proved" | "refuted" | "unknown" | "unsupported"
    detail: str
    seconds: float
    model: Optional[dict[str, Union[Fraction, int]]] = None
    variables: tuple[str, ...] = ()
    vacuous: Optional[bool] = None  # proved: are the kept assumptions unsatisfiable? None: unknown


def smt_prove(relation: N.Node, claim: Claim, symbols: Optional[dict[str, SymbolSpec]] = None,
              hypotheses: Optional[list[Hypothesis]] = None, rlimit: int = 5_000_000,
              timeout_ms: int = 5000) -> SmtResult:
    """Prove `relation` for all values of the domain that satisfy the hypotheses (see the module
    docstring). Never raises: anything unexpected comes back as "unsupported" with the reason."""
    start = time.perf_counter()
    try:
        res = _prove(relation, claim.symbols if symbols is None else symbols,
                     claim.assume if hypotheses is None else hypotheses, rlimit, timeout_ms)
    except Unsupported as exc:
        res = SmtResult("unsupported", str(exc), 0.0)
    except RecursionError:
        res = SmtResult("unsupported", "the expression is nested too deeply", 0.0)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raise"
        res = SmtResult("unsupported", f"internal error ({type(exc).__name__}: {exc})", 0.0)
    res.seconds = time.perf_counter() - start
    return res


@dataclass
class _Problem:
    """The translated problem: assumptions, goal parts, and what was left out."""

    goal: Any
    goal_conds: list
    assumptions: list
    used: set
    domain_text: dict          # symbol -> list of constraint texts kept
    kept_hyps: list
    dropped: list              # "name: reason" of assumptions left out


def _prove(relation, symbols, hyps, rlimit, timeout_ms) -> SmtResult:
    import z3
    _check_symbols(relation, symbols)
    tr = Translator(z3, z3.Context(), symbols)
    prob = _build(tr, relation, hyps)
    if len(prob.used) > MAX_VARS:
        raise Unsupported(f"{len(prob.used)} variables ({', '.join(sorted(prob.used))}); at most {MAX_VARS}")
    solver = _solver(z3, tr, rlimit, timeout_ms)
    solver.add(*prob.assumptions)
    solver.add(z3.Not(z3.And(*[c for _, c in prob.goal_conds], prob.goal)))
    answer = solver.check()
    variables = tuple(sorted(prob.used))
    if answer == z3.unsat:
        vacuous = _vacuous(z3, tr, prob, rlimit, timeout_ms)
        return SmtResult("proved", _proved_detail(prob, symbols, vacuous), 0.0, None, variables, vacuous)
    if answer == z3.sat:
        return _refuted(z3, tr, prob, solver.model(), variables)
    return SmtResult("unknown", f"z3 gave up: {solver.reason_unknown()}", 0.0, None, variables)


def closed_within(node: N.Node, lo: Fraction, hi: Fraction, rlimit: int = 5_000_000,
                  timeout_ms: int = 5000) -> str:
    """For a tree without symbols (a function's registry example): "exact" when it folds to a
    Fraction in [lo, hi]; "proved" when z3 proves lo <= value <= hi from the definitions the
    translation made (square roots) and its definedness conditions; "outside" or "unknown"
    otherwise. Raises Unsupported for what z3 cannot express."""
    import z3
    tr = Translator(z3, z3.Context(), {})
    v, acc = tr.run(lambda: tr.num(node, {}, None))
    if isinstance(v, Fraction):
        return "exact" if lo <= v <= hi else "outside"
    solver = _solver(z3, tr, rlimit, timeout_ms)
    solver.add(*tr.axioms, *[c for _, c in acc.conds])
    solver.add(z3.Not(z3.And(tr.lift(lo) <= v, v <= tr.lift(hi))))
    answer = solver.check()
    return "proved" if answer == z3.unsat else "outside" if answer == z3.sat else "unknown"


def _check_symbols(relation: N.Node, symbols: dict) -> None:
    """Fail fast, naming the symbol, when the relation mentions a matrix, vector or operator."""
    for name in sorted(N.names(relation)):
        spec = symbols.get(name)
        if spec is not None and spec.type in ("matrix", "vector", "operator"):
            raise Unsupported(f"{name} is a{'n' if spec.type == 'operator' else ''} {spec.type} symbol")


def _solver(z3, tr: Translator, rlimit: int, timeout_ms: int):
    s = z3.Solver(ctx=tr.ctx) if tr.has_int else z3.SolverFor("QF_NRA", ctx=tr.ctx)
    s.set("rlimit", int(rlimit))
    s.set("timeout", int(timeout_ms))
    return s


def _build(tr: Translator, relation, hyps) -> _Problem:
    """Translate the relation, then grow the set of symbols: their domains and every hypothesis
    sharing a symbol with what is already in. Unexpressible assumptions are dropped (sound for
    proofs: fewer assumptions prove more)."""
    goal, acc = tr.formula(relation)
    prob = _Problem(goal, list(acc.conds), list(), set(acc.used), {}, [], [])
    names, pending, done = set(acc.names), list(hyps), set()
    changed = True
    while changed:
        changed = False
        for name in sorted(prob.used - done):
            done.add(name)
            changed = True
            _add_domain(tr, prob, names, name)
        for h in list(pending):
            if N.names(h.node) & names:
                pending.remove(h)
                changed = True
                try:
                    b, a = tr.formula(h.node)
                except Unsupported as exc:
                    prob.dropped.append(f"hypothesis {h.name} ({exc})")
                    continue
                prob.assumptions.append(z3_and(tr, [c for _, c in a.conds] + [b]))
                prob.kept_hyps.append(h.name)
                prob.used |= a.used
                names |= a.names
    prob.goal_conds += tr.value_conds
    prob.assumptions += tr.axioms
    return prob


def z3_and(tr: Translator, parts: list):
    return parts[0] if len(parts) == 1 else tr.z3.And(*parts)


def _add_domain(tr: Translator, prob: _Problem, names: set, name: str) -> None:
    texts = prob.domain_text.setdefault(name, [])
    for text, build in tr.domain_parts(name):
        try:
            b, a = tr.run(build)
        except Unsupported as exc:
            prob.dropped.append(f"the bound {name} {text} ({exc})")
            continue
        prob.assumptions.append(b)
        prob.goal_conds += a.conds
        prob.used |= a.used
        names |= a.names
        if text not in texts:
            texts.append(text)


def _vacuous(z3, tr: Translator, prob: _Problem, rlimit: int, timeout_ms: int) -> Optional[bool]:
    """Are the kept assumptions unsatisfiable? None when z3 cannot tell (it gets a fifth of the
    budget) or when some assumptions were dropped."""
    s = _solver(z3, tr, max(rlimit // 5, 1), max(timeout_ms // 5, 1))
    s.add(*prob.assumptions)
    answer = s.check()
    if answer == z3.unsat:
        return True
    return False if answer == z3.sat and not prob.dropped else None


def _describe_domain(prob: _Problem, symbols: dict) -> str:
    out = []
    for name in sorted(prob.used):
        texts = prob.domain_text.get(name, [])
        lo = _tightest([t[3:] for t in texts if t.startswith(">= ")], max)
        hi = _tightest([t[3:] for t in texts if t.startswith("<= ")], min)
        parts = [f"{name} {t}" for t in texts if not t.startswith((">= ", "<= "))]
        if len(lo) == 1 and len(hi) == 1:
            parts.append(f"{name} in [{lo[0]}, {hi[0]}]")
        else:
            parts += [f"{name} >= {t}" for t in lo] + [f"{name} <= {t}" for t in hi]
        out.append(f"{symbols[name].type} " + (", ".join(parts) if parts else name))
    return "; ".join(out)


def _tightest(texts: list[str], pick: Callable) -> list[str]:
    """Bounds as written, with the numeric ones reduced to the tightest."""
    nums, rest = [], []
    for t in texts:
        try:
            nums.append(Fraction(t.replace(" ", "")))
        except (ValueError, ZeroDivisionError):
            rest.append(t)
    return ([str(pick(nums))] if nums else []) + rest


def _proved_detail(prob: _Problem, symbols: dict, vacuous: Optional[bool]) -> str:
    n = len(prob.kept_hyps)
    hyps = "" if n == 0 else f" with the hypothes{'is' if n == 1 else 'es'} {', '.join(prob.kept_hyps)}"
    where = _describe_domain(prob, symbols)
    text = f"z3 proved it for all {where}{hyps}" if where else f"z3 proved it (no variables){hyps}"
    if prob.dropped:
        text += f"; without {_dropped_text(prob)}"
    if vacuous:
        text += "; VACUOUS: these assumptions are unsatisfiable"
    return text


def _dropped_text(prob: _Problem, shown: int = 2) -> str:
    more = len(prob.dropped) - shown
    return "; ".join(prob.dropped[:shown]) + (f"; and {more} more" if more > 0 else "")


def _refuted(z3, tr: Translator, prob: _Problem, model, variables) -> SmtResult:
    values, approximated = {}, False
    for name in variables:
        v = model.eval(tr.raw[name], model_completion=True)
        if z3.is_int_value(v):
            values[name] = v.as_long()
            continue
        if z3.is_algebraic_value(v):
            v, approximated = v.approx(40), True
        values[name] = Fraction(v.numerator_as_long(), v.denominator_as_long())
    shown = ", ".join(f"{k} = {v}" for k, v in values.items()) or "any values"
    undefined = [d for d, c in prob.goal_conds if z3.is_false(model.eval(c, model_completion=True))]
    notes = []
    if undefined:
        notes.append("the relation is undefined there: " + "; ".join(undefined[:2]))
    if approximated:
        notes.append("irrational values approximated to 40 digits")
    tail = f" ({'; '.join(notes)})" if notes else ""
    if prob.dropped:
        return SmtResult("unknown", f"z3 found a candidate {shown}{tail}, but only without "
                         f"{_dropped_text(prob)}: not evidence", 0.0, values, variables)
    return SmtResult("refuted", f"z3 found a counterexample: {shown}{tail}", 0.0, values, variables)
