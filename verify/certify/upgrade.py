"""Raising a check's evidence above floating point, where it is cheap.

After a relation held on its instances, two engines may strengthen (or overturn) the verdict:

- z3 (`smt.smt_prove`): a scalar polynomial statement proved for ALL values of the domain that
  satisfy the hypotheses -> "proved". A z3 model is a candidate counterexample: it is rebuilt as
  an instance, checked against the hypotheses and re-evaluated by the numeric engine at every
  precision before it is reported; unconfirmed, it is no evidence.
- exact rationals / arb balls (`balls.certify`) at each checked instance -> "certified on
  instances" when every instance is certified. A certificate that contradicts the floating-point
  verdict (an equality true to 70 digits but not exactly) refutes the claim at that instance.

"unknown", "unsupported" and undecided balls are recorded as evidence and change nothing.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional

from verify.errors import EvalError, LimitExceeded, Undecided
from verify.expr import nodes as N
from verify.instances import draw, failed_hypotheses
from verify.model import CheckSpec, Claim, SymbolSpec
from verify.confirm import decide


@dataclass
class ForAll:
    """What z3 said about a relation for all values."""

    outcome: str                        # proved | refuted | unknown | unsupported | vacuous
    detail: str
    seconds: float
    instance: Optional[dict] = None     # refuted: the model as a full instance, confirmed
    verdict: object = None
    decision: object = None             # refuted: its confirmation (verify.confirm.Decision)

    def evidence(self) -> dict:
        return {"z3": f"{self.outcome}: {self.detail}" if self.detail else self.outcome}


@dataclass
class AtInstances:
    """Certificates at the checked instances."""

    total: int = 0
    certified: int = 0
    engines: Counter = field(default_factory=Counter)
    undecided: Counter = field(default_factory=Counter)   # reason -> count
    refuting: Optional[tuple[dict, str]] = None           # (instance, detail)
    seconds: float = 0.0

    @property
    def all_certified(self) -> bool:
        return self.total > 0 and self.certified == self.total

    def engine_text(self) -> str:
        return engine_text(self.engines)

    def evidence(self) -> dict:
        out = {"certified_instances": f"{self.certified} of {self.total}"
               + (f" ({self.engine_text()})" if self.engines else "")}
        if self.undecided:
            reason, k = self.undecided.most_common(1)[0]
            out["not_certified"] = f"{sum(self.undecided.values())} ({reason})"
        return out


def engine_text(engines: Counter) -> str:
    """How many instances each engine decided: `exact rationals 3, arb balls 2`."""
    names = {"exact": "exact rationals", "arb": "arb balls"}
    return ", ".join(f"{names.get(e, e)} {k}" for e, k in sorted(engines.items()))


def check_symbols(claim: Claim, spec: CheckSpec) -> dict[str, SymbolSpec]:
    """The check's symbols with its `dims` fixed as values and its `for` loops as ranges."""
    out = dict(claim.symbols)
    out.update(spec.options.get("symbols", {}))
    for name, v in spec.options.get("dims", {}).items():
        out[name] = dataclasses.replace(out[name], value=N.Num(Fraction(v)), sampler=None, sampler_args=None)
    for name, (lo, hi) in spec.options.get("for", {}).items():
        pair = (N.Num(Fraction(lo)), N.Num(Fraction(hi)))
        out[name] = dataclasses.replace(out[name], range=pair, sampler="integer", sampler_args=list(pair))
    return out


def for_all(relation: N.Node, claim: Claim, spec: CheckSpec, hyps, precisions, seed: str,
            fixed: Optional[dict] = None) -> ForAll:
    """Ask z3 to prove the relation for all values; confirm a model before calling it a refutation."""
    from verify.certify.smt import smt_prove
    symbols = check_symbols(claim, spec)
    res = smt_prove(relation, claim, symbols, list(hyps))
    if res.outcome == "proved" and res.vacuous:
        return ForAll("vacuous", "z3 found the hypotheses unsatisfiable: the proof says nothing", res.seconds)
    if res.outcome != "refuted":
        return ForAll(res.outcome, res.detail, res.seconds)
    inst = _instance_from_model(claim, spec, res.model or {}, seed, fixed or {})
    try:
        outside = inst is None or failed_hypotheses(hyps, inst, precisions[0])
    except EvalError:
        outside = True
    if outside:
        return ForAll("unknown", "z3's model could not be confirmed as an instance satisfying the hypotheses",
                      res.seconds)
    try:
        d = decide(relation, inst, precisions, hyps)
    except (EvalError, LimitExceeded, Undecided) as exc:
        return ForAll("unknown", f"z3's model is a point where the relation is undefined ({exc})", res.seconds)
    if d.holds is not False:
        return ForAll("unknown", "z3's model did not fail when re-evaluated and confirmed", res.seconds)
    return ForAll("refuted", res.detail, res.seconds, inst, d.verdict, d)


def _instance_from_model(claim: Claim, spec: CheckSpec, model: dict, seed: str, fixed: dict) -> Optional[dict]:
    values = {k: (int(v) if claim.symbols[k].type == "integer" else Fraction(v))
              for k, v in model.items() if k in claim.symbols}
    try:
        return draw(claim, random.Random(seed), 0, spec.options.get("symbols", {}), {**fixed, **values})
    except (EvalError, LimitExceeded, Undecided, ZeroDivisionError, KeyError):
        return None


def at_instances(relation: N.Node, instances: list[dict]) -> AtInstances:
    """Exact or ball certificates at each instance (the first refuting one stops the loop)."""
    from verify.certify.balls import certify
    out = AtInstances(total=len(instances))
    start = time.perf_counter()
    for inst in instances:
        cert = certify(relation, inst)
        if cert.holds is True:
            out.certified += 1
            out.engines[cert.engine] += 1
        elif cert.holds is False:
            out.refuting = (inst, f"{cert.engine}: {cert.detail}")
            break
        else:
            out.undecided[_short(cert.detail)] += 1
            if not out.certified and sum(out.undecided.values()) >= 3:
                break  # the same construct will not be certified on the next instances either
    out.seconds = time.perf_counter() - start
    return out


def _short(detail: str) -> str:
    return detail.split(";")[0][:80]
