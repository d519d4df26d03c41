"""statistical: a relation that should hold with probability at least `rate` over the samplers'
distribution, checked by seeded Monte Carlo with an exact binomial confidence bound.

With k of n draws holding and alpha = 1 - confidence, the check is refuted when
P(Binomial(n, rate) <= k) < alpha (so few successes are implausible if the rate held),
"statistical" when k/n >= rate (reported with the Clopper-Pearson lower bound on the
probability), otherwise undecided. This is evidence, not proof: the status says "statistical".

    - statistical: opnorm(H0 - Hinf) <= sqrt(2 * n**2 * log(2 * n**2 / delta) / m)
      rate: 0.95
      confidence: 0.99
      n: 200

A theorem that says "for every data set, with probability >= rate over the initialization" names
the random symbols with `over:`. Then `data_sets` data sets (the other symbols) are drawn first,
and on each the probability over `over` is tested from `n` draws, simultaneously over the data
sets (Bonferroni: alpha / data_sets each). One data set on which the rate is rejected refutes the
check, so a rare bad data set is not averaged away; the check is "statistical" when no data set
rejects the rate and the draws over all data sets hold at least at the rate.

    - statistical: norm(u(WT) - y)**2 <= (1 - lam0 / 8)**20 * norm(u(W0) - y)**2
      over: [W0, a]
      data_sets: 10
      n: 30
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Iterable, Optional

from verify.checks.records import counterexample, result
from verify.checks.registry import SHARED_OPTIONS, Settings, check_kind, common_options
from verify.checks.numeric import Sampling
from verify.confirm import decide
from verify.errors import EvalError, ExprError, HypothesisError, LimitExceeded
from verify.instances import dependents
from verify.model import CheckSpec, Claim
from verify.verdict import is_relation

SCHEMA = {"$ref": "#/$defs/expr",
          "description": "A relation that holds with probability >= rate, checked by Monte Carlo with a confidence bound."}
DEFAULT_DATA_SETS = 10


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
    if "over" in entry:
        opts["over"] = _over(entry["over"], claim)
        opts["data_sets"] = _data_sets(entry.get("data_sets", DEFAULT_DATA_SETS))
    elif "data_sets" in entry:
        raise ExprError("data_sets needs over: (the symbols the probability is over)")
    return CheckSpec("statistical", ctx.index, entry.get("name", ""), entry["statistical"], node, opts,
                     ctx.line)


def _over(val, claim: Claim) -> tuple[str, ...]:
    """The random symbols (the initialization): sampled symbols of the claim, not all of them."""
    if not (isinstance(val, list) and val and all(isinstance(v, str) for v in val)):
        raise ExprError("over must be a non-empty list of symbol names, e.g. over: [W0, a]")
    for name in val:
        spec = claim.symbols.get(name)
        if spec is None or spec.type == "index":
            raise ExprError(f"over: {name!r} is not a sampled symbol of this claim")
        if spec.value is not None:
            raise ExprError(f"over: {name!r} has a value:, it is not random")
    if not data_symbols(claim.symbols, val):
        raise ExprError("over lists every sampled symbol: there is no data set left; drop over:")
    return tuple(val)


def _data_sets(v) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 1000:
        raise ExprError("data_sets must be an integer from 1 to 1000")
    return v


def data_symbols(symbols: dict, over: Iterable[str]) -> set[str]:
    """The symbols a data set fixes: all but `over` and what depends on it (transitively)."""
    random_ = set(over).union(*(dependents(symbols, name) for name in over))
    return {name for name, spec in symbols.items() if spec.type != "index" and name not in random_}


@dataclass
class Tally:
    """Draws decided on one data set (or on the whole distribution)."""
    holds: int = 0
    fails: int = 0
    undecided: int = 0
    first_fail: Optional[dict] = None
    extra: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.holds + self.fails

    def rejects(self, rate: float, alpha: float) -> bool:
        """Is `rate` rejected (one-sided exact binomial test at level alpha)?"""
        return binom_cdf(self.holds, self.n, rate) < alpha

    def lower(self, alpha: float) -> float:
        """Clopper-Pearson lower confidence bound on P(holds) at level alpha."""
        return clopper_pearson_lower(self.holds, self.n, alpha)


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(Binomial(n, p) <= k), summed in log space (no overflow for n up to 10^5)."""
    if k >= n or p <= 0:
        return 1.0
    if p >= 1:
        return 0.0
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
            + i * math.log(p) + (n - i) * math.log1p(-p) for i in range(k + 1)]
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(x - top) for x in logs))


def clopper_pearson_lower(k: int, n: int, alpha: float) -> float:
    """The p with P(Binomial(n, p) >= k) = alpha (0 when k = 0), by bisection."""
    if k == 0:
        return 0.0
    lo, hi = 0.0, k / n
    for _ in range(60):
        mid = (lo + hi) / 2
        if 1 - binom_cdf(k - 1, n, mid) < alpha:
            lo = mid
        else:
            hi = mid
    return lo


def tally(s: Sampling, spec: CheckSpec) -> Tally:
    """Decide draws until n are decided (a failure counts only when confirmed)."""
    t = Tally()
    for inst in s.instances():
        d = decide(spec.nodes, inst, s.precisions, s.hyps)
        if d.holds is None:
            t.undecided += 1
        elif d.holds:
            t.holds += 1
        else:
            t.fails += 1
            t.first_fail = t.first_fail or counterexample(inst, d.verdict, confirmed_by=d.engine)
        if t.n >= s.n:
            break
    return t


@check_kind("statistical", example="statistical: x <= 2\n  rate: 0.9",
            options=SHARED_OPTIONS + ("rate", "confidence", "over", "data_sets"), engine="mpmath", mutated=True)
def run(spec: CheckSpec, claim: Claim, settings: Settings) -> dict:
    try:
        if "over" in spec.options:
            return _per_data_set(spec, claim, settings)
        return _pooled(spec, claim, settings)
    except HypothesisError as exc:
        return result(spec, "error", "error", str(exc), counterexample=counterexample(exc.instance, label="instance"))
    except (EvalError, LimitExceeded) as exc:
        return result(spec, "error", "error", f"evaluation failed: {exc}")


def _pooled(spec: CheckSpec, claim: Claim, settings: Settings) -> dict:
    s = Sampling(claim, spec, settings)
    t = tally(s, spec)
    ev = s.evidence(t.n, t.undecided)
    if t.n == 0:
        return result(spec, "vacuous", "vacuous", s.vacuous_message(t.undecided), evidence=ev)
    rate, conf = spec.options["rate"], spec.options["confidence"]
    p_hat, low = t.holds / t.n, t.lower(1 - conf)
    ev.update(holds=t.holds, fails=t.fails, p_hat=round(p_hat, 6), lower_bound=round(low, 6),
              rate=rate, confidence=conf)
    if t.rejects(rate, 1 - conf):
        return result(spec, "refuted", "refuted",
                      f"held in {t.holds} of {t.n} draws: a rate of {rate} is rejected at confidence {conf}",
                      evidence=ev, counterexample=t.first_fail)
    if p_hat >= rate:
        return result(spec, "statistical", "statistical",
                      f"held in {t.holds} of {t.n} draws; P(holds) >= {low:.3f} at confidence {conf}",
                      evidence=ev, counterexample=t.first_fail)
    return result(spec, "undecided", "undecided",
                  f"held in {t.holds} of {t.n} draws: not enough to confirm or reject a rate of {rate}", evidence=ev)


def _per_data_set(spec: CheckSpec, claim: Claim, settings: Settings) -> dict:
    """For every data set, P_over(relation) >= rate: data sets first, then draws of `over` on each."""
    over, k = spec.options["over"], spec.options["data_sets"]
    rate, conf = spec.options["rate"], spec.options["confidence"]
    outer = Sampling(claim, spec, settings)
    outer.max_draws = settings.draw_factor * k
    keep = data_symbols({**claim.symbols, **outer.overrides}, over)
    tallies: list[Tally] = []
    for j, data in enumerate(outer.instances()):
        inner = Sampling(claim, spec, settings)
        inner.fixed.update({name: v for name, v in data.items() if name in keep})
        inner.rng = random.Random(f"{settings.seed}:{spec.index}:data{j}")
        t = tally(inner, spec)
        t.extra = {"drawn": inner.drawn, "rejected": inner.rejected}
        tallies.append(t)
        if len(tallies) >= k:
            break
    decided = [t for t in tallies if t.n]
    ev = {"data_sets": len(tallies), "data_sets_decided": len(decided), "over": list(over),
          "drawn": sum(t.extra["drawn"] for t in tallies) + outer.drawn,
          "rejected": sum(t.extra["rejected"] for t in tallies) + outer.rejected,
          "checked": sum(t.n for t in tallies), "undecided": sum(t.undecided for t in tallies),
          "precisions": list(outer.precisions), "rate": rate, "confidence": conf}
    if not decided:
        return result(spec, "vacuous", "vacuous", outer.vacuous_message(ev["undecided"]), evidence=ev)
    alpha = (1 - conf) / len(decided)      # simultaneous over the data sets
    ev["per_data_set"] = [{"holds": t.holds, "fails": t.fails, "p_hat": round(t.holds / t.n, 6),
                           "lower_bound": round(t.lower(alpha), 6)} for t in decided]
    holds, n = sum(t.holds for t in decided), sum(t.n for t in decided)
    worst = min(decided, key=lambda t: binom_cdf(t.holds, t.n, rate))
    ev.update(holds=holds, fails=n - holds, p_hat=round(holds / n, 6),
              lower_bound=round(min(r["lower_bound"] for r in ev["per_data_set"]), 6))
    where = f"{len(decided)} data sets x {spec.options['n']} draws of {', '.join(over)}"
    if worst.rejects(rate, alpha):
        return result(spec, "refuted", "refuted",
                      f"on one data set it held in {worst.holds} of {worst.n} draws of {', '.join(over)}: "
                      f"a rate of {rate} for every data set is rejected at confidence {conf} ({where})",
                      evidence=ev, counterexample=worst.first_fail)
    first_fail = next((t.first_fail for t in decided if t.first_fail), None)
    if holds >= rate * n and len(decided) == len(tallies):
        return result(spec, "statistical", "statistical",
                      f"held in {holds} of {n} draws ({where}); no data set rejects a rate of {rate}; "
                      f"on each, P(holds) >= {ev['lower_bound']:.3f} at confidence {conf} (simultaneous)",
                      evidence=ev, counterexample=first_fail)
    return result(spec, "undecided", "undecided",
                  f"held in {holds} of {n} draws ({where}): not enough to confirm or reject a rate of {rate} "
                  f"on every data set", evidence=ev)
