"""CHECK and NECESSITY records, and those of claims that did not finish: built here only (docs/results-format.md)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Optional

from verify.certify.upgrade import ForAll
from verify.checks.registry import CHECKS
from verify.model import CheckSpec, Claim, NecessityCase


def result(spec: CheckSpec, outcome: str, rung: str, message: str, **extra) -> dict:
    """A CHECK record (`engine`: what decided it; by default the kind's own engine)."""
    rec = {"kind": spec.kind, "name": spec.name, "expr": _text(spec.text), "outcome": outcome,
           "rung": rung, "message": message, "evidence": {}, "counterexample": None, "line": spec.line}
    engine = CHECKS[spec.kind].engine if spec.kind in CHECKS else None
    if engine and outcome not in ("error", "timeout", "vacuous"):
        rec["engine"] = engine
    rec.update(extra)
    if outcome == "undecided" and spec.options.get("undecided_ok"):
        rec["undecided_ok"] = spec.options["undecided_ok"]
    return rec


def necessity_result(claim: Claim, case: NecessityCase, outcome: str, message: str,
                     cex: Optional[dict] = None, **extra) -> dict:
    """A NECESSITY record: what dropping the hypothesis `case.drop` did to the conclusion
    (needed | looks-unneeded | undecided | error)."""
    return {"drop": case.drop, "why": case.why, "line": case.line,
            "hypothesis_latex": next((h.latex for h in claim.assume if h.name == case.drop), ""),
            "outcome": outcome, "message": message, "counterexample": cex, **extra}


def claim_error(claim_id: str, status: str, message: str, crash: str) -> dict:
    """The record of a claim whose checking did not finish (status error or timeout); `crash` names
    what stopped it (memory, exception, died, wall-clock, executor). Such a record is never cached."""
    return {"id": claim_id, "status": status, "as_expected": False, "checks": [], "necessity": [],
            "message": message, "duration_s": None, "crash": crash}


def _text(t) -> Any:
    return str(t) if isinstance(t, (str, int, Fraction)) else t


def exact_str(v) -> str:
    """An exact value as text: 3/2, [[1, 0], [0, 1]]."""
    if isinstance(v, list):
        return "[" + ", ".join(exact_str(x) for x in v) + "]"
    return str(v)


def exact_latex(v) -> str:
    """An exact value as LaTeX; long rationals are shown as 15-digit decimals with \\approx."""
    if isinstance(v, list):
        rows = v if v and isinstance(v[0], list) else [[x] for x in v]
        body = r" \\ ".join(" & ".join(_frac_latex(x) for x in r) for r in rows)
        return r"\begin{pmatrix}" + body + r"\end{pmatrix}"
    return _frac_latex(v)


def _frac_latex(x) -> str:
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    if x.denominator <= 10**6 and abs(x.numerator) <= 10**9:
        sign = "-" if x < 0 else ""
        return rf"{sign}\frac{{{abs(x.numerator)}}}{{{x.denominator}}}"
    return f"{float(x):.12g}"


def counterexample(values: dict, verdict=None, shrunk: bool = False, confirmed_by: str = "",
                   label: str = "counterexample") -> dict:
    """An instance shown in the report: a `counterexample` (a confirmed failure; `confirmed_by`
    names the engine), or an `instance` where evaluation failed, or an `unconfirmed` failure."""
    rec = {"values": {k: exact_str(v) for k, v in sorted(values.items())},
           "values_latex": {k: exact_latex(v) for k, v in sorted(values.items())},
           "shrunk": shrunk, "label": label}
    if confirmed_by:
        rec["confirmed_by"] = confirmed_by
    if verdict is not None:
        rec.update(lhs=verdict.lhs, rhs=verdict.rhs, margin=verdict.margin_str(),
                   residual=verdict.residual_str(), measure=verdict.describe())
    return rec


def certified_scope(instances: int, ev: dict) -> str:
    """What 'certified on instances' covers, in words: never to be mistaken for a proof."""
    searched = ev.get("search_evaluations")
    how = "seeded random instances satisfying the hypotheses"
    if searched:
        how += f", plus {searched} local-search candidates"
    best = ev.get("search_best_margin") or ev.get("worst_margin")
    tail = f"; tightest relative slack {best}" if best is not None else ""
    return f"certified at {instances} {how} (not a proof for all values){tail}"


def for_all_record(spec: CheckSpec, fa: ForAll, msg: str, ev: dict, refutation=None) -> tuple[Optional[dict], dict]:
    """Add z3's evidence to `ev`; return the check's record when z3 decided it (else None) and the
    timings. `refutation(fa) -> (message, counterexample)` lets a caller shrink the model first."""
    timings = {}
    if fa.outcome != "unsupported":  # an unsupported construct is found before z3 runs
        ev.update(fa.evidence())
        timings["z3_s"] = round(fa.seconds, 3)
    if fa.outcome == "proved":
        return result(spec, "proved", "proved", f"{msg}; z3 proved it for all values ({fa.detail})",
                      evidence=ev, engine="z3", timings=timings), timings
    if fa.outcome == "refuted":
        m, cex = refutation(fa) if refutation else (
            f"z3 found a counterexample the instances missed ({fa.verdict.describe()}; "
            f"confirmed by {fa.decision.engine})",
            counterexample(fa.instance, fa.verdict, confirmed_by=fa.decision.engine))
        ev["confirmed_by"] = fa.decision.engine
        return result(spec, "refuted", "refuted", m, evidence=ev, counterexample=cex, engine="z3",
                      timings=timings), timings
    return None, timings
