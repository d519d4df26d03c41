"""numeric: a relation checked on seeded instances that satisfy the hypotheses, at two precisions.

    - numeric: opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 1) / (1 - opnorm(A))
      n: 40
"""

from __future__ import annotations

import random
from collections import Counter
from fractions import Fraction

from mpmath import mp

from verify.checks.records import certified_scope, counterexample, for_all_record, result
from verify.checks.registry import Settings, check_kind, common_options, relation, symbols_for
from verify.errors import EvalError, ExprError, HypothesisError, LimitExceeded, Undecided
from verify.expr import nodes as N
from verify.instances import draw, failed_hypotheses, outside_domain
from verify.model import CheckSpec, Claim
from verify.certify.upgrade import at_instances, for_all
from verify.search import LocalSearch
from verify.shrink import shrink
from verify.confirm import _display, decide
from verify.verdict import is_relation, Worst, relation_verdict, scale_free_margin


REJECTED_SHARE = 0.9   # a check whose hypotheses reject more than this share of draws says so

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

    def __init__(self, claim: Claim, spec: CheckSpec, settings: Settings):
        self.claim, self.spec = claim, spec
        self.overrides = spec.options.get("symbols", {})
        self.fixed = dict(spec.options.get("dims", {}))
        self.hyps = claim.assume
        self.precisions = spec.options.get("precision", settings.precisions)
        self.n = spec.options.get("n", settings.default_n)
        self.max_draws = spec.options.get("max_draws", settings.draw_factor * self.n)
        self.rng = random.Random(f"{settings.seed}:{spec.index}")
        self.drawn = self.rejected = 0
        self.rejections: Counter = Counter()
        self.held: list[dict] = []   # the instances on which the relation held (for certificates)

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
        ev = {"drawn": self.drawn, "rejected": self.rejected, "checked": checked,
              "undecided": undecided, "precisions": list(self.precisions),
              "rejected_by": dict(sorted(self.rejections.items()))}
        if self.drawn and self.rejected > REJECTED_SHARE * self.drawn:
            ev["mostly_rejected"] = self.rejection_note()
        return ev

    def rejection_note(self) -> str:
        top = ", ".join(f"{k} {v}" for k, v in self.rejections.most_common(3))
        return (f"the hypotheses rejected {self.rejected} of {self.drawn} draws "
                f"({100 * self.rejected / self.drawn:.0f}%, more than {100 * REJECTED_SHARE:.0f}%: {top})")

    def vacuous_message(self, undecided: int = 0) -> str:
        """Why nothing was checked: the hypotheses rejected every draw, or none was decided."""
        if self.rejected == self.drawn:
            top = ", ".join(f"{k} rejected {v}" for k, v in self.rejections.most_common(3))
            return (f"vacuous: all {self.drawn} draws were rejected by the hypotheses ({top}); "
                    "check the samplers against the assumptions")
        return (f"vacuous: no instance was decided ({undecided} of {self.drawn} draws undecided, "
                f"{self.rejected} rejected)")

    def shrink(self, inst: dict, fails) -> tuple[dict, bool]:
        ints = {name: _lower(s) for name, s in symbols_for(self.claim, self.spec).items()
                if s.type == "integer" and name not in self.fixed}

        def redraw(rng, fixed):
            try:
                cand = draw(self.claim, rng, 99, self.overrides, {**self.fixed, **fixed})
            except (EvalError, LimitExceeded, Undecided, ZeroDivisionError):
                return None
            return cand

        symbols = symbols_for(self.claim, self.spec)

        def still(cand):
            try:
                if outside_domain(symbols, cand) or failed_hypotheses(self.hyps, cand, self.precisions[0]):
                    return False
                return fails(cand)
            except (EvalError, LimitExceeded, Undecided):
                return False

        derived = frozenset(n for n, sp_ in symbols.items() if sp_.value is not None)
        return shrink(inst, still, redraw, ints, random.Random(1), derived)


def _lower(spec) -> int:
    if spec.range is not None and isinstance(spec.range[0], N.Num):
        return int(spec.range[0].value)
    if isinstance(spec.sampler_args, list) and spec.sampler_args and isinstance(spec.sampler_args[0], N.Num):
        return int(spec.sampler_args[0].value)
    return 0


def run_relation(spec: CheckSpec, claim: Claim, settings: Settings):
    """Check the check's relation on instances, then search near the tightest ones. Every failure is
    confirmed (verify.confirm) before it refutes; one that cannot be confirmed leaves the check
    undecided, never passed. Returns (outcome, message, evidence, counterexample, sampling)."""
    node = spec.nodes
    s = Sampling(claim, spec, settings)
    checked = undecided = overturned = 0
    unconfirmed = None   # the first failure seen that could be neither confirmed nor dismissed
    worst = Worst()
    tight: list = []  # the three instances with the smallest margins, where the search starts
    for inst in s.instances():
        try:
            d = decide(node, inst, s.precisions, s.hyps)
        except (EvalError, LimitExceeded) as exc:
            return ("error", f"evaluation failed at this instance: {exc}",
                    s.evidence(checked, undecided), counterexample(inst, label="instance"), s)
        if d.holds is None:
            undecided += 1
            unconfirmed = unconfirmed or ((inst, d) if d.unconfirmed_failure else None)
            continue
        checked += 1
        if d.holds is False:
            msg = f"fails on instance {checked} of {s.n}"
            return ("refuted", *_refutation(node, s, inst, d, msg, s.evidence(checked, undecided)), s)
        overturned += d.overturned
        if not d.overturned:
            worst.update(d.verdict)
        s.held.append(inst)
        if d.verdict.margin is not None and not d.overturned:
            tight = sorted(tight + [(d.verdict.margin, inst)], key=lambda mi: mi[0])[:3]
        if checked >= s.n:
            break
    ev = {**s.evidence(checked, undecided), **worst.evidence()}
    if overturned:
        ev["failures_overturned"] = overturned
    found = _search(node, s, tight, settings) if checked >= s.n else None
    if found is not None:
        ev.update(found.evidence(lambda m: mp.nstr(m, 6)))
        if found.decision is not None and found.decision.holds is False:
            msg = (f"held on {checked} random instances; the local search found a failure after "
                   f"{found.evaluations} evaluations")
            return ("refuted", *_refutation(node, s, found.failing, found.decision, msg, ev), s)
        unconfirmed = unconfirmed or found.unconfirmed
    if unconfirmed is not None:
        inst, d = unconfirmed
        ev["unconfirmed"] = d.reason
        return ("undecided", f"a possible counterexample could not be confirmed or dismissed: {d.reason}",
                ev, counterexample(inst, d.verdict, label="unconfirmed"), s)
    if checked == 0:
        return "vacuous", s.vacuous_message(undecided), ev, None, s
    if checked < s.n:
        return ("undecided", f"only {checked} of {s.n} instances decided in {s.drawn} draws "
                f"({undecided} undecided, {s.rejected} rejected)", ev, None, s)
    return "supported", _supported_message(checked, s, found, ev), ev, None, s


def _supported_message(checked: int, s: "Sampling", found, ev: dict) -> str:
    p = " and ".join(str(x) for x in s.precisions)
    msg = f"{checked} instances hold at {p} digits"
    if ev.get("mostly_rejected"):
        msg += f" (note: {ev['mostly_rejected']})"
    if found is not None and found.evaluations:
        msg += (f"; a local search ({found.evaluations} evaluations) found no failure, its tightest "
                f"relative slack {mp.nstr(found.best_margin, 3)}")
        if found.near_miss:
            what = ("tight: equality attained" if found.best_margin == 0
                    else f"near miss: margin {mp.nstr(found.best_margin, 3)}")
            ev["near_miss"] = f"{what} at {_short_instance(found.best)}"
            msg += f"; {ev['near_miss']}"
    return msg


def _short_instance(inst: dict) -> str:
    parts = []
    for k, v in sorted(inst.items()):
        if isinstance(v, list):
            continue
        parts.append(f"{k} = {v if isinstance(v, int) or Fraction(v).denominator < 10**6 else mp.nstr(mp.mpf(Fraction(v).numerator) / Fraction(v).denominator, 12)}")
    return ", ".join(parts[:6]) or "a matrix instance"


def _refutation(node, s: "Sampling", inst: dict, d, msg: str, ev: dict):
    """(message, evidence, counterexample) for a confirmed failure, shrunk first; the shrunk
    instance is confirmed again, else the confirmed original is shown."""
    small, shrunk = s.shrink(inst, lambda c: relation_verdict(node, c, s.precisions).holds is False)
    if shrunk:
        again = decide(node, small, s.precisions, s.hyps)
        if again.holds is False:
            d = again
        else:
            small, shrunk = inst, False
    ev["confirmed_by"] = d.engine
    text = d.verdict.describe() if d.verdict is not None else ""
    return (f"{msg} ({text}; confirmed by {d.engine})", ev,
            counterexample(small, d.verdict, shrunk, confirmed_by=d.engine))


def _search(node, s: "Sampling", tight: list, settings: Settings):
    """The local search from the tightest instances (inequalities only; equalities have no margin)."""
    budget = s.spec.options.get("search", min(settings.search, s.n))
    if not tight or budget <= 0:
        return None
    rng = random.Random(f"{settings.seed}:{s.spec.index}:search")

    def margin(inst):
        return scale_free_margin(node, inst, s.precisions[0])

    def redraw(keep):
        return draw(s.claim, rng, 99, s.overrides, {**s.fixed, **keep})

    search = LocalSearch(symbols_for(s.claim, s.spec), s.hyps, margin, redraw, s.precisions[0],
                         f"{settings.seed}:{s.spec.index}", s.fixed,
                         judge=lambda inst: decide(node, inst, s.precisions, s.hyps))
    return search.run(tight, budget)


@check_kind("numeric", example="numeric: opnorm(A) <= 1",
            engine="mpmath", mutated=True, conclusion=relation)
def run(spec: CheckSpec, claim: Claim, settings: Settings) -> dict:
    try:
        outcome, msg, ev, cex, s = run_relation(spec, claim, settings)
        if outcome == "supported" and settings.certify:
            return upgrade(spec, claim, settings, s, msg, ev)
    except HypothesisError as exc:
        return result(spec, "error", "error", str(exc), counterexample=counterexample(exc.instance, label="instance"))
    except (EvalError, LimitExceeded) as exc:
        return result(spec, "error", "error", f"evaluation failed: {exc}")
    rung = {"supported": "numeric", "refuted": "refuted"}.get(outcome, outcome)
    return result(spec, outcome, rung, msg, evidence=ev, counterexample=cex,
                  engine=ev.get("confirmed_by") or "mpmath")


def upgrade(spec: CheckSpec, claim: Claim, settings: Settings, s: Sampling, msg: str, ev: dict) -> dict:
    """A relation that held on its instances: try z3 for all values, then certificates at the
    instances (see verify.certify.upgrade). Their run times go to `timings` (not evidence: the
    evidence of a seed is the same on every machine)."""
    node = spec.nodes
    fa = for_all(node, claim, spec, s.hyps, s.precisions, f"{settings.seed}:{spec.index}:z3", s.fixed)

    def shrunk(fa):
        m, _, cex = _refutation(node, s, fa.instance, fa.decision, "z3 found a counterexample the "
                                "instances missed", ev)
        return m, cex

    decided, timings = for_all_record(spec, fa, msg, ev, shrunk)
    if decided is not None:
        return decided
    cert = at_instances(node, s.held)
    timings["certify_s"] = round(cert.seconds, 3)
    ev.update(cert.evidence())
    if cert.refuting is not None:
        inst, detail = cert.refuting
        engine = detail.split(":")[0]
        ev["confirmed_by"] = engine
        cex = counterexample(inst, _display(node, inst, s.precisions), confirmed_by=engine)
        return result(spec, "refuted", "refuted", f"held in floating point, but the certificate fails ({detail})",
                      evidence=ev, counterexample=cex, engine=engine, timings=timings)
    if cert.all_certified:
        scope = certified_scope(len(s.held), ev)
        ev["scope"] = scope
        return result(spec, "certified", "certified",
                      f"{msg}; every instance certified ({cert.engine_text()}): {scope}", evidence=ev,
                      engine=" + ".join(sorted(cert.engines)), timings=timings)
    return result(spec, "supported", "numeric", msg, evidence=ev, engine="mpmath", timings=timings)
