"""Confirming a failure before it refutes anything.

A relation that fails in floating point at one instance is only a *candidate* counterexample:
heavy cancellation can make a true relation fail at 50 and 80 digits alike (a difference of two
values near 10^12 that is really 10^-300). Every path that refutes (the random phase, the local
search, z3's models, shrinking, necessity cases, and so `verify mutate`) sends its candidate here:

1. **certificates**: exact rationals or arb balls decide the relation at the instance
   (`certify.balls`); their answer is rigorous, either way;
2. **escalated precision**, where no certificate can evaluate the expression (derivatives,
   for now): the relation is re-evaluated at rising precisions (the run's own, then 150, 250,
   500 digits) with a cancellation-aware band, 10^-(digits - guard) times the largest magnitude
   computed on the way; it is refuted when three consecutive precisions fail beyond that band
   and their margins agree within it, and it holds when two consecutive precisions say so.

Anything else is "undecided", with the reason: never a refutation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from mpmath import mp

from verify.errors import EvalError, LimitExceeded, Undecided
from verify.expr import nodes as N
from verify.verdict import GUARD_DIGITS, Verdict, _at_precision, is_relation, relation_verdict

ESCALATION = (150, 250, 500)   # digits, after the run's own precisions
AGREEING = 3                   # consecutive precisions that must fail and agree
EVAL_FAILURES = (EvalError, LimitExceeded, Undecided, ArithmeticError, ValueError, TypeError)


@dataclass
class Confirmation:
    outcome: str               # refuted | holds | undecided | outside (violates a hypothesis)
    engine: str = ""           # what decided it: exact, arb, or "mpmath 50/80/150 digits"
    verdict: Optional[Verdict] = None   # the numeric view of the instance, for display
    reason: str = ""

    @property
    def refuted(self) -> bool:
        return self.outcome == "refuted"


def confirm(node: N.Node, inst: dict, precisions=(50, 80), hyps=(), shown: Optional[Verdict] = None) -> Confirmation:
    """Decide a candidate counterexample rigorously, or say why it cannot be decided. A
    refutation also needs the hypotheses confirmed at the instance: a point on a hypothesis'
    boundary only within rounding (a step size computed in floating point a hair above its bound)
    is "outside", not a counterexample."""
    shown = shown or _display(node, inst, precisions)
    cert = _certificate(node, inst)
    if cert is not None and cert.holds is False:
        return _admissible(hyps, inst, precisions, _failure_size(shown)) or \
            Confirmation("refuted", cert.engine, shown, f"{cert.engine}: {cert.detail}")
    if cert is not None and cert.holds is True:
        return Confirmation("holds", cert.engine, shown,
                            f"the floating-point failure was rounding: {cert.engine} shows it holds here")
    c = _escalate(node, inst, precisions, shown)
    return (_admissible(hyps, inst, precisions, _failure_size(shown)) or c) if c.refuted else c


def _admissible(hyps, inst: dict, precisions, failure=None) -> Optional[Confirmation]:
    """None when the hypotheses hold at the instance: each by a certificate, or at rising
    precision, or violated only within the working precision's rounding by far less than the
    relation fails (an instance built in floating point, as unit vectors normalised by a square
    root: the exact point nearby fails too). Otherwise why not, as a Confirmation that is not a
    refutation (a step size a hair above its bound where the relation fails by a hair too)."""
    from verify.instances import SETUP_DPS
    band = _band(min(SETUP_DPS, min(precisions)))  # the rounding of values computed for an instance
    for h in hyps:
        cert = _certificate(h.node, inst)
        if cert is not None and cert.holds is True:
            continue
        try:
            sizes = [_violation(h.node, inst, dps) for dps in ESCALATION[:2]]
        except EVAL_FAILURES as exc:
            return Confirmation("undecided", "", None, f"hypothesis {h.name} could not be confirmed: {exc}")
        if all(v == 0 for v in sizes):
            continue
        v = max(sizes)
        if failure is not None and v <= band and failure >= ROBUST * v:
            continue
        return Confirmation("outside", "", None,
                            f"the instance violates {h.name} by {mp.nstr(v, 3)} at {ESCALATION[0]} digits (it held "
                            "only within rounding at the working precision), and the relation fails by no more")
    return None


ROBUST = mp.mpf(10) ** 10   # a failure this many times larger than a rounding-size violation stands


def _violation(node, inst, dps):
    """How far (relative) an instance is outside a hypothesis at `dps` digits; 0 when inside."""
    if isinstance(node, N.Logic) and node.op == "and":
        return max(_violation(o, inst, dps) for o in node.operands)
    if not isinstance(node, N.Compare):
        from verify.instances import failed_hypotheses
        from verify.model import Hypothesis
        bad = failed_hypotheses([Hypothesis("h", "", "", node)], inst, dps)
        return mp.inf if bad else mp.mpf(0)
    holds, margin, residual, _, _ = _at_precision(node, inst, dps)
    if holds is True:
        return mp.mpf(0)
    out = mp.mpf(0)
    if margin is not None and margin < 0:
        out = max(out, -margin)
    if residual is not None:
        out = max(out, residual)
    return out if out > 0 else _band(dps)


def _failure_size(v: Optional[Verdict]):
    if v is None:
        return None
    sizes = [abs(x) for x in (v.margin, v.residual) if x is not None]
    return max(sizes) if sizes else None


def _certificate(node, inst):
    from verify.certify.balls import certify
    try:
        return certify(node, inst)
    except Exception:  # noqa: BLE001 - no certificate is no evidence, never a crash
        return None


def _display(node, inst, precisions) -> Optional[Verdict]:
    try:
        return relation_verdict(node, inst, precisions)
    except EVAL_FAILURES:
        return None


def _escalate(node, inst, precisions, shown) -> Confirmation:
    ladder = sorted(set(precisions) | {p for p in ESCALATION if p > max(precisions)})
    streak: list[tuple[int, object]] = []
    held = 0
    seen = []
    for dps in ladder:
        try:
            holds, value = _tracked(node, inst, dps)
        except EVAL_FAILURES as exc:
            return Confirmation("undecided", "", shown, f"could not evaluate at {dps} digits: {exc}")
        seen.append(f"{dps}: {'n/a' if value is None else mp.nstr(value, 3)}")
        if holds is False and value is not None:
            if streak and abs(streak[-1][1] - value) > _band(streak[-1][0]):
                streak = []
            streak.append((dps, value))
            held = 0
            if len(streak) >= AGREEING:
                used = "/".join(str(p) for p, _ in streak)
                return Confirmation("refuted", f"mpmath {used} digits", shown,
                                    f"fails beyond the cancellation-aware band at {used} digits, "
                                    f"margins agreeing ({'; '.join(seen)})")
        else:
            streak = []
            held = held + 1 if holds is True else 0
            if held >= 2:
                return Confirmation("holds", f"mpmath to {dps} digits", shown,
                                    "the floating-point failure was rounding: with the cancellation-aware "
                                    f"band it holds at {ladder[ladder.index(dps) - 1]} and {dps} digits")
    return Confirmation("undecided", "", shown,
                        "a possible counterexample that rising precision could not confirm "
                        f"(relative margins {'; '.join(seen)})")


def _band(dps: int):
    return mp.mpf(10) ** (-(dps - GUARD_DIGITS))


def _tracked(node, inst, dps):
    """(holds, signed margin) at one precision, margins relative to the largest magnitude."""
    if isinstance(node, N.Logic) and is_relation(node):
        parts = [_tracked(o, inst, dps) for o in node.operands]
        failing = [p for p in parts if p[0] is False]
        if failing:
            return min(failing, key=lambda p: p[1] if p[1] is not None else 0)
        if any(p[0] is None for p in parts):
            return None, None
        return True, min((p[1] for p in parts if p[1] is not None), default=None)
    if not isinstance(node, N.Compare):
        raise EvalError("a relation is needed")
    holds, margin, residual, _, _ = _at_precision(node, inst, dps, tracked=True)
    values = [v for v in (margin, None if residual is None else -residual) if v is not None]
    return holds, (min(values) if values else None)


@dataclass
class Decision:
    """An instance's verdict after confirmation: holds True (possibly after a floating-point
    failure was overturned), False (a confirmed counterexample, `engine` says how), or None."""

    holds: Optional[bool]
    verdict: Optional[Verdict]
    engine: str = ""
    reason: str = ""
    overturned: bool = False      # mpmath said fails or undecided; a rigorous look says it holds
    suspect: bool = False         # undecided where mpmath saw a failure or a zero margin
    outside: bool = False         # the instance violates a hypothesis when looked at rigorously

    @property
    def unconfirmed_failure(self) -> bool:
        return self.holds is None and self.suspect


def decide(node: N.Node, inst: dict, precisions=(50, 80), hyps=()) -> Decision:
    """The relation at one instance: mpmath at two precisions; anything but a pass confirmed
    (with the hypotheses `hyps` confirmed too: an instance outside them decides nothing)."""
    v = relation_verdict(node, inst, precisions)
    if v.holds is True:
        return Decision(True, v)
    c = confirm(node, inst, precisions, hyps, shown=v)
    if c.outcome == "outside":
        return Decision(None, v, c.engine, c.reason, outside=True)
    if c.outcome == "refuted":
        return Decision(False, c.verdict or v, c.engine, c.reason)
    if c.outcome == "holds":
        return Decision(True, v, c.engine, c.reason, overturned=True)
    suspect = v.holds is False or v.margin is not None or v.residual is not None
    return Decision(None, v, "", c.reason, suspect=suspect)
