"""A relation decided at one instance, conjunct by conjunct, into one `Certificate`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from verify.errors import LimitExceeded
from verify.expr import nodes as N

from .ball import Ball
from .common import MAX_STEPS, EvalFailure, NotRational, Undecidable, Unsupported, arb, flint, fmt_ball, shape
from .evaluator import Budget, Eval, holds
from .rational import Rational

MAX_DETAIL = 300


@dataclass
class Certificate:
    holds: Optional[bool]   # True certified, False certified refutation, None undecided/unsupported
    engine: str             # "exact" | "arb" | "" (none applied)
    detail: str             # "rhs - lhs in [0.0123 +/- 1e-70]", "unsupported: grad", ...


def _conjuncts(node) -> Optional[list]:
    if isinstance(node, N.Compare):
        return [node]
    if isinstance(node, N.Logic) and node.op == "and":
        out = []
        for o in node.operands:
            parts = _conjuncts(o)
            if parts is None:
                return None
            out.extend(parts)
        return out
    return None


@dataclass
class _Part(Certificate):
    kind: str  # decided | undecided | unsupported | error


def _chain(ev, node: N.Compare) -> _Part:
    """Decide one comparison chain at the top level with the evaluator's domain."""
    dom = ev.dom
    vals = [ev.evaluate(o) for o in node.operands]
    notes, undecided = [], []
    for k, (op, a, b) in enumerate(zip(node.ops, vals, vals[1:])):
        where = f" (link {k + 1})" if len(node.ops) > 1 else ""
        if op in (">", ">="):  # shown as lhs - rhs, so that a positive margin holds
            s, diff = _top_sign(ev, "<" if op == ">" else "<=", b, a)
            s = None if s is None else -s
            name = "lhs - rhs"
        else:
            s, diff = _top_sign(ev, op, a, b)
            name = "rhs - lhs"
        text = f"{name} {'in' if diff.startswith('[') else '='} {diff}{where}"
        if s is None:
            undecided.append(f"{text}: the ball contains 0" if op not in ("==", "!=")
                             else f"{text}: an equality is not decided by balls")
            continue
        if not holds(op, s):
            return _Part(False, dom.name, f"{op} fails: {text}", "decided")
        notes.append(text)
    if undecided:
        return _Part(None, dom.name, "; ".join(undecided), "undecided")
    return _Part(True, dom.name, "; ".join(notes), "decided")


def _top_sign(ev, op, a, b):
    """(sign of b - a or None, a description of b - a). A ball decides the sign when it excludes
    0; it says 0 only when its radius is 0 (an exact value, e.g. integer counts), so an equality
    of inexact balls is never proved and `a <= b` with 0 inside the ball is undecided."""
    dom = ev.dom
    a, b = ev.resolve(a, b)
    if shape(a) != (1, 1) or shape(b) != (1, 1):
        s = ev.link_sign(op, a, b)  # ==/!= of matrices, or an error
        shown = "0 (entrywise)" if s == 0 else "a matrix with an entry != 0"
        if s is None:
            worst = max((e.rad() for e in (b - a).entries() if type(e) is arb), default=arb(0))
            shown = f"entries within +/- {worst.str(3, radius=False)}"
        return s, shown
    a, b = ev.scalar(a), ev.scalar(b)
    if dom.name == "exact":
        s = dom.cmp(b, a)
        try:
            shown = dom.fmt(dom.sub(b, a))
        except NotRational:  # unlike square roots: compared exactly, shown approximately
            shown = fmt_ball(dom.approx(b) - dom.approx(a))
        return s, shown
    d = dom.sub(b, a)
    return dom.sign(d), dom.fmt(d)  # 0 only when exact (fmpq, or a ball of radius 0)


def _evaluators(exact: dict) -> dict:
    """The exact and the ball evaluator of one call, sharing its budget of steps."""
    budget = Budget(MAX_STEPS)
    return {"exact": Eval(Rational(), exact, budget), "arb": Eval(Ball(), exact, budget)}


def _run_part(node, evs: dict) -> _Part:
    try:
        try:
            return _chain(evs["exact"], node)
        except NotRational:
            return _chain(evs["arb"], node)
    except (Unsupported, LimitExceeded) as exc:
        return _Part(None, "", f"unsupported: {exc}", "unsupported")
    except Undecidable as exc:
        return _Part(None, "arb", f"undecided: {exc}", "undecided")
    except EvalFailure as exc:
        return _Part(None, "", f"evaluation error: {exc}", "error")


def _clip(text: str) -> str:
    return text if len(text) <= MAX_DETAIL else text[:MAX_DETAIL - 3] + "..."


def certify(relation: N.Node, exact: dict, prec_bits: int = 300) -> Certificate:
    """Decide a relation at one exact instance: exactly where it is rational, else with arb balls at
    `prec_bits`; None (undecided) whenever neither gives a rigorous answer. Never raises on a
    well-formed tree."""
    parts = _conjuncts(relation)
    if parts is None:
        return Certificate(None, "", "unsupported: not a relation (a comparison or an `and` of them)")
    old = flint.ctx.prec
    try:
        flint.ctx.prec = max(2, int(prec_bits))
        evs = _evaluators(exact)
        results = [_run_part(p, evs) for p in parts]
    except RecursionError:
        return Certificate(None, "", "unsupported: the tree is too deep")
    except Exception as exc:  # a bug or a flint failure: never a verdict
        return Certificate(None, "", _clip(f"internal error: {type(exc).__name__}: {exc}"))
    finally:
        flint.ctx.prec = old
    return _combine(results, len(parts))


def evaluate(node: N.Node, exact: Optional[dict] = None, prec_bits: int = 300):
    """(domain, value) of an expression at one exact instance: ("exact", an fmpq, Surd or
    fmpq_mat) where the value is rational, else ("arb", a ball or ball matrix). Raises
    Unsupported, Undecidable or EvalFailure where a certificate would say so."""
    old = flint.ctx.prec
    try:
        flint.ctx.prec = max(2, int(prec_bits))
        evs = _evaluators(exact or {})
        try:
            return "exact", evs["exact"].evaluate(node)
        except NotRational:
            return "arb", evs["arb"].evaluate(node)
    finally:
        flint.ctx.prec = old


def _combine(results: list, n: int) -> Certificate:
    def tag(i, text):
        return f"part {i + 1}: {text}" if n > 1 else text

    for i, r in enumerate(results):
        if r.kind == "error":
            return Certificate(None, "", _clip(tag(i, r.detail)))
    for i, r in enumerate(results):
        if r.holds is False:
            return Certificate(False, r.engine, _clip(tag(i, r.detail)))
    if all(r.holds for r in results):
        engine = "arb" if any(r.engine == "arb" for r in results) else "exact"
        return Certificate(True, engine, _clip("; ".join(tag(i, r.detail) for i, r in enumerate(results))))
    open_ = [(i, r) for i, r in enumerate(results) if r.holds is None]
    engine = "" if any(r.kind == "unsupported" for _, r in open_) else "arb"
    return Certificate(None, engine, _clip("; ".join(tag(i, r.detail) for i, r in open_)))
