"""Checking one claim: every check, every necessity case, and the claim's computed status.

This runs inside a worker process (see `verify.workers`); it never raises: a crashing check is
that check's error.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from collections import Counter
from contextlib import contextmanager
import traceback
import zlib
from typing import Optional

from verify.checks.records import counterexample, necessity_result, result
from verify.checks.registry import CHECKS, Settings
from verify.errors import EvalError, LimitExceeded
from verify.instances import draw, failed_hypotheses
from verify.model import Claim, NecessityCase
from verify.status import as_expected, claim_status, strongest
from verify.confirm import decide


class CheckTimeout(BaseException):
    """A check used up its CPU budget (BaseException: no `except Exception` in a check eats it)."""


@contextmanager
def cpu_budget(seconds: Optional[float]):
    """Raise CheckTimeout in this process after `seconds` of CPU time (ITIMER_PROF counts CPU,
    not wall-clock time: a loaded machine reaches it no sooner than a quiet one), and again every
    REFIRE_S of CPU until the block ends: an exception raised from a signal handler is swallowed
    when it lands in a gc callback or a finalizer ("Exception ignored in ..."), and a budget must
    not be lost that way."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise CheckTimeout()

    old = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, float(seconds), REFIRE_S)
    try:
        yield
    finally:
        try:
            signal.setitimer(signal.ITIMER_PROF, 0)
        finally:  # (a second timeout landing on the line above must not leave the timer running)
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, old)


REFIRE_S = 1.0  # CPU seconds between repeated timeouts after the first


def stable_seed(claim_id: str) -> int:
    """The default seed of a claim: crc32 of its id (not Python's randomized hash)."""
    return zlib.crc32(claim_id.encode("utf-8"))


def conclusions(claim: Claim) -> list:
    """The relations a necessity case must break: each check kind's `conclusion` (numeric and
    exact checks, calc chains' endpoints)."""
    rels = [(CHECKS[spec.kind].conclusion or (lambda _: None))(spec) for spec in claim.checks]
    return [r for r in rels if r is not None]


def run_necessity(claim: Claim, case: NecessityCase, settings: Settings, index: int) -> dict:
    rels = conclusions(claim)
    if not rels:
        return necessity_result(claim, case, "error", "the claim has no numeric conclusion to break")
    kept = [h for h in claim.assume if h.name != case.drop]
    dropped = [h for h in claim.assume if h.name == case.drop]
    rng = random.Random(f"{settings.seed}:necessity:{index}")
    tries = 1 if case.instance is not None and case.sample is None and _complete(claim, case) else case.n
    satisfied_dropped = evaluated = 0
    also_violated: Counter = Counter()
    unconfirmed = None
    for i in range(tries):
        try:
            inst = draw(claim, rng, i, case.sample, case.instance)
            if not failed_hypotheses(dropped, inst, settings.precisions[0]):
                satisfied_dropped += 1
                continue
            others = failed_hypotheses(kept, inst, settings.precisions[0])
        except (EvalError, LimitExceeded) as exc:
            return necessity_result(claim, case, "error", f"could not build the instance: {exc}")
        if others:
            also_violated.update(others)
            continue
        evaluated += 1
        for rel in rels:
            try:
                d = decide(rel, inst, settings.precisions, kept)
            except (EvalError, LimitExceeded, ArithmeticError, ValueError, TypeError) as exc:
                return necessity_result(claim, case, "needed", f"without {case.drop} the conclusion is not "
                                        f"even defined: {exc}", counterexample(inst, label="instance"))
            if d.holds is False:
                return necessity_result(claim, case, "needed", f"without {case.drop} the conclusion fails "
                                        f"({d.verdict.describe()}; confirmed by {d.engine})",
                                        counterexample(inst, d.verdict, confirmed_by=d.engine), confirmed_by=d.engine)
            if d.unconfirmed_failure and unconfirmed is None:
                unconfirmed = (inst, d)
    return necessity_result(claim, case, *_unbroken(case, tries, satisfied_dropped, evaluated, also_violated,
                                                    unconfirmed))


def _unbroken(case: NecessityCase, tries: int, satisfied: int, evaluated: int, also: Counter,
              unconfirmed) -> tuple[str, str]:
    """Why a necessity case did not break the conclusion, as (outcome, message): each cause named,
    never a claim made over zero instances."""
    if satisfied == tries:
        return "looks-unneeded", f"every instance satisfies {case.drop}: it does not show what the hypothesis is for"
    if evaluated == 0:
        names = ", ".join(f"{k} ({v} of {tries - satisfied})" for k, v in also.most_common())
        return "error", (f"every instance that violates {case.drop} also violates {names}: the case "
                         "tests nothing; make it satisfy the other hypotheses")
    if unconfirmed is not None:
        return "undecided", f"a possible failure without {case.drop} could not be confirmed: {unconfirmed[1].reason}"
    return "looks-unneeded", (f"the conclusion held on all {evaluated} instances that violate {case.drop} "
                              "(and satisfy the other hypotheses): the hypothesis looks unneeded here")


def _complete(claim: Claim, case: NecessityCase) -> bool:
    sampled = [n for n, s in claim.symbols.items() if s.type not in ("index", "operator") and s.value is None]
    return all(n in case.instance for n in sampled)


def check_claim(claim: Claim, seed: Optional[int] = None, precisions=(50, 80),
                cpu_s: Optional[float] = None) -> dict:
    """Run every check and necessity case of a claim; return its result record (partial:
    graph-derived fields are added by the pipeline). `cpu_s`: each check's CPU-time budget, a
    safety net (a check past it is that check's timeout; the other checks' verdicts stand)."""
    start = time.perf_counter()
    seed = stable_seed(claim.id) if seed is None else seed
    settings = Settings(seed=seed, precisions=tuple(precisions))
    checks = []
    for spec in claim.checks:
        try:
            with cpu_budget(cpu_s):
                checks.append(CHECKS[spec.kind].run(spec, claim, settings))
        except CheckTimeout:
            checks.append(result(spec, "timeout", "timeout", f"stopped by the safety net: more than {cpu_s:g} s "
                                 "of CPU time (raise it with --timeout if you mean it)"))
        except MemoryError:
            checks.append(result(spec, "error", "error", "out of memory: the check needed more than the worker's "
                                 "memory limit (raise it with --memory-mb if you mean it)"))
        except Exception as exc:  # a crashing check is that check's error, not the run's
            checks.append(result(spec, "error", "error", f"the check crashed: {type(exc).__name__}: {exc}",
                                 trace=traceback.format_exc(limit=4)))
    necessity = []
    for i, case in enumerate(claim.necessity):
        try:
            with cpu_budget(cpu_s):
                necessity.append(run_necessity(claim, case, settings, i))
        except CheckTimeout:
            necessity.append(necessity_result(claim, case, "error",
                                              f"stopped by the safety net: more than {cpu_s:g} s of CPU time"))
        except Exception as exc:
            necessity.append(necessity_result(claim, case, "error", f"crashed: {type(exc).__name__}: {exc}"))
    status = claim_status(checks)
    return {"id": claim.id, "status": status, "as_expected": as_expected(claim.expect, status, necessity),
            "strongest": strongest(checks), "seed": seed, "checks": checks, "necessity": necessity,
            "duration_s": round(time.perf_counter() - start, 3), "message": None}
