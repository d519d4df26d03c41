"""Checking one claim: every check, every necessity case, and the claim's computed status.

This runs inside a worker process (see `verify.workers`); it never raises: a crashing check is
that check's error.
"""

from __future__ import annotations

import random
import time
import traceback
import zlib
from typing import Optional

from verify.checks import CHECKS, Settings, counterexample
from verify.checks.calc import chain_relation
from verify.errors import EvalError, LimitExceeded
from verify.expr import nodes as N
from verify.instances import draw, failed_hypotheses
from verify.model import Claim, NecessityCase
from verify.status import as_expected, claim_status, strongest
from verify.verdict import relation_verdict


def stable_seed(claim_id: str) -> int:
    """The default seed of a claim: crc32 of its id (not Python's randomized hash)."""
    return zlib.crc32(claim_id.encode("utf-8"))


def conclusions(claim: Claim) -> list:
    """The relations a necessity case must break: numeric checks and calc chains' endpoints."""
    out = []
    for spec in claim.checks:
        if spec.kind in ("numeric", "exact"):
            out.append(spec.nodes)
        elif spec.kind == "calc":
            rel = chain_relation([s["rel"] for s in spec.nodes["steps"]])
            if rel != "mixed":
                out.append(N.Compare((rel,), (spec.nodes["first"], spec.nodes["steps"][-1]["node"])))
    return out


def run_necessity(claim: Claim, case: NecessityCase, settings: Settings, index: int) -> dict:
    rec = {"drop": case.drop, "why": case.why, "line": case.line,
           "hypothesis_latex": next((h.latex for h in claim.assume if h.name == case.drop), "")}
    rels = conclusions(claim)
    if not rels:
        return {**rec, "outcome": "error", "message": "the claim has no numeric conclusion to break",
                "counterexample": None}
    kept = [h for h in claim.assume if h.name != case.drop]
    dropped = [h for h in claim.assume if h.name == case.drop]
    rng = random.Random(f"{settings.seed}:necessity:{index}")
    tries = 1 if case.instance is not None and case.sample is None and _complete(claim, case) else case.n
    satisfied_dropped = 0
    for i in range(tries):
        try:
            inst = draw(claim, rng, i, case.sample, case.instance)
        except (EvalError, LimitExceeded) as exc:
            return {**rec, "outcome": "error", "message": f"could not build the instance: {exc}",
                    "counterexample": None}
        if not failed_hypotheses(dropped, inst, settings.precisions[0]):
            satisfied_dropped += 1
            continue
        if failed_hypotheses(kept, inst, settings.precisions[0]):
            continue
        for rel in rels:
            try:
                v = relation_verdict(rel, inst, settings.precisions)
            except (EvalError, LimitExceeded, ArithmeticError, ValueError, TypeError) as exc:
                return {**rec, "outcome": "needed", "counterexample": counterexample(inst),
                        "message": f"without {case.drop} the conclusion is not even defined: {exc}"}
            if v.holds is False:
                return {**rec, "outcome": "needed", "counterexample": counterexample(inst, v),
                        "message": f"without {case.drop} the conclusion fails ({v.describe()})"}
    if satisfied_dropped == tries:
        msg = f"every instance satisfies {case.drop}: it does not show what the hypothesis is for"
    else:
        msg = (f"the conclusion held on every instance that violates {case.drop}: "
               "the hypothesis looks unneeded here")
    return {**rec, "outcome": "looks-unneeded", "message": msg, "counterexample": None}


def _complete(claim: Claim, case: NecessityCase) -> bool:
    sampled = [n for n, s in claim.symbols.items() if s.type not in ("index", "operator") and s.value is None]
    return all(n in case.instance for n in sampled)


def check_claim(claim: Claim, seed: Optional[int] = None, precisions=(50, 80)) -> dict:
    """Run every check and necessity case of a claim; return its result record (partial:
    graph-derived fields are added by the pipeline)."""
    start = time.perf_counter()
    seed = stable_seed(claim.id) if seed is None else seed
    settings = Settings(seed=seed, precisions=tuple(precisions))
    checks = []
    for spec in claim.checks:
        try:
            checks.append(CHECKS[spec.kind].run(spec, claim, settings))
        except Exception as exc:  # a crashing check is that check's error, not the run's
            checks.append({"kind": spec.kind, "name": spec.name, "expr": str(spec.text),
                           "outcome": "error", "rung": "error", "line": spec.line,
                           "message": f"the check crashed: {type(exc).__name__}: {exc}",
                           "evidence": {}, "counterexample": None,
                           "trace": traceback.format_exc(limit=4)})
    necessity = []
    for i, case in enumerate(claim.necessity):
        try:
            necessity.append(run_necessity(claim, case, settings, i))
        except Exception as exc:
            necessity.append({"drop": case.drop, "why": case.why, "outcome": "error",
                              "message": f"crashed: {type(exc).__name__}: {exc}", "counterexample": None})
    status = claim_status(checks)
    return {"id": claim.id, "status": status, "as_expected": as_expected(claim.expect, status, necessity),
            "strongest": strongest(checks), "seed": seed, "checks": checks, "necessity": necessity,
            "duration_s": round(time.perf_counter() - start, 3), "message": None}
