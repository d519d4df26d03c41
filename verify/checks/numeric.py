"""numeric: a relation checked on seeded instances that satisfy the hypotheses, at two precisions.

    - numeric: opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 1) / (1 - opnorm(A))
      n: 40
"""

from __future__ import annotations

import random
from collections import Counter
from verify.checks import (Settings, check_kind, common_options, counterexample, result,
                           symbols_for)
from verify.errors import EvalError, ExprError, LimitExceeded
from verify.expr import nodes as N
from verify.instances import draw, failed_hypotheses
from verify.model import CheckSpec, Claim
from verify.shrink import shrink
from verify.verdict import is_relation, Worst, relation_verdict


SCHEMA = {"$ref": "#/$defs/expr",
          "description": "A relation checked on seeded instances that satisfy `assume`, at two precisions."}


def prepare(entry: dict, claim: Claim, ctx) -> CheckSpec:
    node = ctx.parse(entry["numeric"])
    if not is_relation(node):
        raise ExprError("a numeric check needs a relation", "write lhs == rhs, lhs <= rhs, ...")
    return CheckSpec("numeric", ctx.index, entry.get("name", ""), entry["numeric"], node,
                     common_options(entry, claim, ctx.parse_symbol), ctx.line)


class Sampling:
    """Draws instances for one check and filters them by the hypotheses."""

    def __init__(self, claim: Claim, spec: CheckSpec, settings: Settings, hypotheses=None):
        self.claim, self.spec = claim, spec
        self.overrides = spec.options.get("symbols", {})
        self.fixed = dict(spec.options.get("dims", {}))
        self.hyps = claim.assume if hypotheses is None else hypotheses
        self.precisions = spec.options.get("precision", settings.precisions)
        self.n = spec.options.get("n", settings.default_n)
        self.max_draws = spec.options.get("max_draws", settings.draw_factor * self.n)
        self.rng = random.Random(f"{settings.seed}:{spec.index}")
        self.drawn = self.rejected = 0
        self.rejections: Counter = Counter()

    def instances(self):
        """Yield instances that satisfy the hypotheses, up to max_draws draws."""
        while self.drawn < self.max_draws:
            inst = draw(self.claim, self.rng, self.drawn, self.overrides, self.fixed)
            self.drawn += 1
            bad = failed_hypotheses(self.hyps, inst, self.precisions[0])
            if bad:
                self.rejected += 1
                self.rejections.update(bad)
                continue
            yield inst

    def evidence(self, checked: int, undecided: int) -> dict:
        return {"drawn": self.drawn, "rejected": self.rejected, "checked": checked,
                "undecided": undecided, "precisions": list(self.precisions),
                "rejected_by": dict(sorted(self.rejections.items()))}

    def vacuous_message(self) -> str:
        top = ", ".join(f"{k} rejected {v}" for k, v in self.rejections.most_common(3))
        return (f"hypotheses look unsatisfiable: all {self.drawn} draws were rejected ({top}); "
                "check the samplers against the assumptions")

    def shrink(self, inst: dict, fails) -> tuple[dict, bool]:
        ints = {name: _lower(s) for name, s in symbols_for(self.claim, self.spec).items()
                if s.type == "integer" and name not in self.fixed}

        def redraw(rng, fixed):
            try:
                cand = draw(self.claim, rng, 99, self.overrides, {**self.fixed, **fixed})
            except (EvalError, LimitExceeded, ZeroDivisionError):
                return None
            return cand

        def still(cand):
            if failed_hypotheses(self.hyps, cand, self.precisions[0]):
                return False
            try:
                return fails(cand)
            except (EvalError, LimitExceeded):
                return False

        return shrink(inst, still, redraw, ints, random.Random(1))


def _lower(spec) -> int:
    if spec.range is not None and isinstance(spec.range[0], N.Num):
        return int(spec.range[0].value)
    if isinstance(spec.sampler_args, list) and spec.sampler_args and isinstance(spec.sampler_args[0], N.Num):
        return int(spec.sampler_args[0].value)
    return 0


def run_relation(node, claim, spec, settings, hypotheses=None):
    """Check one relation on instances. Returns (outcome, message, evidence, counterexample, worst)."""
    s = Sampling(claim, spec, settings, hypotheses)
    checked = undecided = 0
    worst = Worst()
    for inst in s.instances():
        try:
            v = relation_verdict(node, inst, s.precisions)
        except (EvalError, LimitExceeded) as exc:
            return ("error", f"evaluation failed on a drawn instance: {exc}",
                    s.evidence(checked, undecided), counterexample(inst), worst)
        if v.holds is None:
            undecided += 1
            continue
        checked += 1
        worst.update(v)
        if v.holds is False:
            small, shrunk = s.shrink(inst, lambda c: relation_verdict(node, c, s.precisions).holds is False)
            final = relation_verdict(node, small, s.precisions) if shrunk else v
            cex = counterexample(small, final, shrunk)
            msg = f"fails on instance {checked} of {s.n} ({final.describe()})"
            return "refuted", msg, s.evidence(checked, undecided), cex, worst
        if checked >= s.n:
            break
    ev = {**s.evidence(checked, undecided), **worst.evidence()}
    if checked == 0:
        return "vacuous", s.vacuous_message(), ev, None, worst
    if checked < s.n:
        return ("undecided", f"only {checked} of {s.n} instances decided in {s.drawn} draws "
                f"({undecided} undecided, {s.rejected} rejected)", ev, None, worst)
    p = " and ".join(str(x) for x in s.precisions)
    return "supported", f"{checked} instances hold at {p} digits", ev, None, worst


@check_kind("numeric", example="numeric: opnorm(A) <= 1")
def run(spec: CheckSpec, claim: Claim, settings: Settings) -> dict:
    try:
        outcome, msg, ev, cex, _ = run_relation(spec.nodes, claim, spec, settings)
    except (EvalError, LimitExceeded) as exc:
        return result(spec, "error", "error", f"evaluation failed: {exc}")
    rung = {"supported": "numeric", "refuted": "refuted"}.get(outcome, outcome)
    return result(spec, outcome, rung, msg, evidence=ev, counterexample=cex)

