"""calc: a calculational proof `e0 = e1 <= e2 < e3`, each step checked on the same instances.

Each step may cite the lemma that justifies it (`by:`, which must be in `uses`). Every step gets
its own verdict; the chain holds when every step does, and then proves `e0 rel e_last`.

    - calc:
        - f(w2)
        - {'<=': 'f(w1) + dot(g(w1), w2 - w1) + beta/2 * norm(w2 - w1)**2', by: beta_smooth_descent_lemma}
        - {'==': '...'}
"""

from __future__ import annotations

from typing import Optional

from verify.checks.records import counterexample, result
from verify.checks.registry import Settings, check_kind, common_options
from verify.checks.numeric import Sampling
from verify.errors import EvalError, ExprError, HypothesisError, LimitExceeded
from verify.expr import nodes as N
from verify.model import CheckSpec, Claim
from verify.certify.upgrade import for_all
from verify.confirm import decide
from verify.verdict import Worst

RELS = ("==", "<=", "<", ">=", ">")


SCHEMA = {"type": "array", "minItems": 2, "prefixItems": [{"$ref": "#/$defs/term"}],
          "items": {"$ref": "#/$defs/calc_step"},
          "description": "A chain e0, {rel: e1, by: id}, ...: each step checked, proving e0 rel* e_last."}


def prepare(entry: dict, claim: Claim, ctx) -> CheckSpec:
    steps = entry["calc"]
    if not isinstance(steps, list) or len(steps) < 2:
        raise ExprError("calc needs a list: a first expression, then steps like {'<=': expr, by: lemma}")
    first = ctx.parse(steps[0])
    parsed = []
    for k, step in enumerate(steps[1:], start=1):
        if not isinstance(step, dict):
            raise ExprError(f"calc step {k} must be a mapping like {{'<=': expr, by: lemma}}")
        rels = [r for r in step if r in RELS]
        extra = set(step) - set(RELS) - {"by", "why"}
        if len(rels) != 1 or extra:
            raise ExprError(f"calc step {k} needs exactly one relation key among {', '.join(RELS)}"
                            + (f"; unknown keys {sorted(extra)}" if extra else ""),
                            "plus optional by: and why:")
        by = step.get("by")
        if by is not None and by not in claim.uses:
            raise ExprError(f"calc step {k} cites {by!r}, which is not in uses",
                            f"add {by} to uses:")
        parsed.append({"rel": rels[0], "text": step[rels[0]], "node": ctx.parse(step[rels[0]]),
                       "by": by, "why": step.get("why", "")})
    return CheckSpec("calc", ctx.index, entry.get("name", ""), [steps[0]] + [s["text"] for s in parsed],
                     {"first": first, "steps": parsed}, common_options(entry, claim, ctx.parse_symbol),
                     ctx.line)


def chain_relation(ops: list[str]) -> str:
    """The relation a chain proves: == if all equal, < if any strict, else <=."""
    kinds = set(ops) - {"=="}
    if not kinds:
        return "=="
    if kinds <= {"<", "<="}:
        return "<" if "<" in kinds else "<="
    if kinds <= {">", ">="}:
        return ">" if ">" in kinds else ">="
    return "mixed"


def conclusion(spec: CheckSpec) -> Optional[N.Node]:
    """The chain's end-to-end relation (first vs last term), unless its steps mix directions."""
    rel = chain_relation([s["rel"] for s in spec.nodes["steps"]])
    return None if rel == "mixed" else N.Compare((rel,), (spec.nodes["first"], spec.nodes["steps"][-1]["node"]))


@check_kind("calc", example="calc: [x**2 + 1, {'>=': '2*x'}]",
            engine="mpmath", mutated=True, conclusion=conclusion)
def run(spec: CheckSpec, claim: Claim, settings: Settings) -> dict:
    steps = spec.nodes["steps"]
    exprs = [spec.nodes["first"]] + [s["node"] for s in steps]
    rels = [N.Compare((s["rel"],), (a, b)) for s, a, b in zip(steps, exprs, exprs[1:])]
    tallies = [{"checked": 0, "undecided": 0, "worst": Worst(), "cex": None, "error": None, "instance": None,
                "unconfirmed": None} for _ in steps]
    s = Sampling(claim, spec, settings)
    checked = 0
    try:
        for inst in s.instances():
            decided = True
            for t, rel in zip(tallies, rels):
                if t["cex"] is not None or t["error"] is not None:
                    continue
                try:
                    d = decide(rel, inst, s.precisions, s.hyps)
                except (EvalError, LimitExceeded) as exc:
                    t["error"] = str(exc)
                    t["instance"] = inst
                    continue
                if d.holds is None:
                    t["undecided"] += 1
                    if d.unconfirmed_failure and t["unconfirmed"] is None:
                        t["unconfirmed"] = (inst, d)
                    decided = False
                    continue
                t["checked"] += 1
                if not d.overturned:
                    t["worst"].update(d.verdict)
                if d.holds is False:
                    t["cex"] = counterexample(inst, d.verdict, confirmed_by=d.engine)
            checked += decided
            if checked >= s.n or any(t["cex"] or t["error"] for t in tallies):
                break
    except HypothesisError as exc:
        return result(spec, "error", "error", str(exc), counterexample=counterexample(exc.instance, label="instance"))
    except (EvalError, LimitExceeded) as exc:
        return result(spec, "error", "error", f"could not draw instances: {exc}")
    records = [_step_record(step, t, s.n) for step, t in zip(steps, tallies)]
    ev = s.evidence(checked, sum(t["undecided"] for t in tallies))
    outcomes = [r["outcome"] for r in records]
    overall = chain_relation([st["rel"] for st in steps])
    if "refuted" in outcomes:
        k = outcomes.index("refuted") + 1
        cex = tallies[k - 1]["cex"]
        ev["confirmed_by"] = cex.get("confirmed_by", "")
        return result(spec, "refuted", "refuted", f"step {k} fails (confirmed by {ev['confirmed_by']})",
                      evidence=ev, steps=records, counterexample=cex)
    if "error" in outcomes:
        k = outcomes.index("error") + 1
        inst = tallies[k - 1]["instance"]
        return result(spec, "error", "error", f"step {k} could not be evaluated at this instance: "
                      f"{tallies[k - 1]['error']}", evidence=ev, steps=records,
                      counterexample=counterexample(inst, label="instance") if inst else None)
    unconfirmed = next((t["unconfirmed"] for t in tallies if t["unconfirmed"]), None)
    if unconfirmed is not None:
        inst, d = unconfirmed
        ev["unconfirmed"] = d.reason
        return result(spec, "undecided", "undecided", "a possible counterexample to a step could not be "
                      f"confirmed or dismissed: {d.reason}", evidence=ev, steps=records,
                      counterexample=counterexample(inst, d.verdict, label="unconfirmed"))
    if checked == 0:
        return result(spec, "vacuous", "vacuous", s.vacuous_message(ev["undecided"]), evidence=ev, steps=records)
    if checked < s.n:
        return result(spec, "undecided", "undecided", f"only {checked} of {s.n} instances decided",
                      evidence=ev, steps=records)
    msg = f"all {len(steps)} steps hold on {checked} instances, so first {overall} last"
    if settings.certify:
        proved = _prove_steps(rels, records, claim, spec, s, settings, ev)
        if proved is not None:
            return proved
    return result(spec, "supported", "numeric", msg, evidence=ev, steps=records, engine="mpmath")


def _prove_steps(rels, records, claim, spec, s, settings, ev):
    """z3 on each step: a chain whose every step is proved for all values is proved; a step z3
    refutes (its model confirmed numerically) refutes the chain."""
    outcomes, seconds = [], 0.0
    for k, (rel, rec) in enumerate(zip(rels, records), start=1):
        fa = for_all(rel, claim, spec, s.hyps, s.precisions, f"{settings.seed}:{spec.index}:{k}:z3", s.fixed)
        seconds += fa.seconds
        rec["z3"] = fa.outcome
        if fa.outcome == "refuted":
            rec["outcome"], rec["message"] = "refuted", (f"z3 found a counterexample ({fa.verdict.describe()}; "
                                                         f"confirmed by {fa.decision.engine})")
            rec["counterexample"] = counterexample(fa.instance, fa.verdict, confirmed_by=fa.decision.engine)
            ev["confirmed_by"] = fa.decision.engine
            return result(spec, "refuted", "refuted", f"step {k} fails (found by z3)", steps=records,
                          counterexample=rec["counterexample"], engine="z3", timings={"z3_s": round(seconds, 3)},
                          evidence=ev)
        outcomes.append(fa.outcome)
    if all(o == "proved" for o in outcomes):
        for rec in records:
            rec["outcome"], rec["message"] = "proved", rec["message"] + "; z3 proved it for all values"
        return result(spec, "proved", "proved", "every step proved for all values by z3",
                      steps=records, engine="z3", timings={"z3_s": round(seconds, 3)}, evidence=ev)
    return None


def _step_record(step: dict, t: dict, n: int) -> dict:
    if t["cex"] is not None:
        outcome, msg = "refuted", f"fails ({t['cex'].get('measure', '')})"
    elif t["error"] is not None:
        outcome, msg = "error", t["error"]
    elif t["unconfirmed"] is not None:
        outcome, msg = "undecided", f"a possible failure could not be confirmed: {t['unconfirmed'][1].reason}"
    elif t["checked"] == 0:
        outcome, msg = "undecided", "no instance decided"
    else:
        outcome = "supported" if t["checked"] >= n else "undecided"
        msg = f"holds on {t['checked']} instances"
    rec = {"rel": step["rel"], "expr": str(step["text"]), "by": step["by"], "why": step["why"],
           "outcome": outcome, "message": msg, "counterexample": t["cex"]}
    rec.update(t["worst"].evidence())
    return rec
