"""statistical: a relation that should hold with probability at least `rate` over the samplers'
distribution, checked by seeded Monte Carlo with a Hoeffding confidence bound.

With k of n draws holding, p_hat = k/n and h = sqrt(log(1/(1-confidence)) / (2n)): the check is
refuted when p_hat + h < rate (the rate is implausible at that confidence), "statistical" when
p_hat >= rate (reported with the lower bound p_hat - h), otherwise undecided. This is evidence,
not proof: the status says "statistical".

    - statistical: opnorm(H0 - Hinf) <= sqrt(2 * n**2 * log(2 * n**2 / delta) / m)
      rate: 0.95
      confidence: 0.99
      n: 200
"""

from __future__ import annotations

import math

from verify.checks import Settings, check_kind, common_options, counterexample, result
from verify.checks.numeric import Sampling
from verify.errors import EvalError, ExprError, HypothesisError, LimitExceeded

from verify.model import CheckSpec, Claim
from verify.confirm import decide
from verify.verdict import is_relation

SCHEMA = {"$ref": "#/$defs/expr",
          "description": "A relation that holds with probability >= rate, checked by Monte Carlo with a confidence bound."}


def prepare(entry: dict, claim: Claim, ctx) -> CheckSpec:
    node = ctx.parse(entry["statistical"])
    if not is_relation(node):
        raise ExprError("a statistical check needs a relation")
    opts = common_options(entry, claim, ctx.parse_symbol)
    rate = entry.get("rate", 0.95)
    conf = entry.get("confidence", 0.99)
    if not (0 < float(rate) <= 1 and 0 < float(conf) < 1):
        raise ExprError("rate must be in (0, 1] and confidence in (0, 1)")
    opts.update(rate=float(rate), confidence=float(conf))
    opts.setdefault("n", 200)
    return CheckSpec("statistical", ctx.index, entry.get("name", ""), entry["statistical"], node, opts,
                     ctx.line)


@check_kind("statistical", example="statistical: x <= 2\n  rate: 0.9")
def run(spec: CheckSpec, claim: Claim, settings: Settings) -> dict:
    s = Sampling(claim, spec, settings)
    holds = fails = undecided = 0
    first_fail = None
    try:
        for inst in s.instances():
            d = decide(spec.nodes, inst, s.precisions, s.hyps)   # a failure counts only when confirmed
            if d.holds is None:
                undecided += 1
                continue
            if d.holds:
                holds += 1
            else:
                fails += 1
                first_fail = first_fail or counterexample(inst, d.verdict, confirmed_by=d.engine)
            if holds + fails >= s.n:
                break
    except HypothesisError as exc:
        return result(spec, "error", "error", str(exc), counterexample=counterexample(exc.instance, label="instance"))
    except (EvalError, LimitExceeded) as exc:
        return result(spec, "error", "error", f"evaluation failed: {exc}")
    n = holds + fails
    ev = s.evidence(n, undecided)
    if n == 0:
        return result(spec, "vacuous", "vacuous", s.vacuous_message(undecided), evidence=ev)
    rate, conf = spec.options["rate"], spec.options["confidence"]
    p_hat = holds / n
    h = math.sqrt(math.log(1 / (1 - conf)) / (2 * n))
    ev.update(holds=holds, fails=fails, p_hat=round(p_hat, 6), lower_bound=round(max(0.0, p_hat - h), 6),
              rate=rate, confidence=conf)
    if p_hat + h < rate:
        return result(spec, "refuted", "refuted",
                      f"held in {holds} of {n} draws: a rate of {rate} is rejected at confidence {conf}",
                      evidence=ev, counterexample=first_fail)
    if p_hat >= rate:
        return result(spec, "statistical", "statistical",
                      f"held in {holds} of {n} draws; P(holds) >= {max(0.0, p_hat - h):.3f} at confidence {conf}",
                      evidence=ev, counterexample=first_fail)
    return result(spec, "undecided", "undecided",
                  f"held in {holds} of {n} draws: not enough to confirm or reject a rate of {rate}", evidence=ev)
