"""verify/checks/records.py: every CHECK, NECESSITY and unfinished-claim record has one shape,
whoever builds it (a check kind, check_claim's safety nets, the worker supervisor, an executor)."""

from __future__ import annotations

import dataclasses
from concurrent.futures import Executor, Future

from conftest import claim_text, load_text
from verify.cache import cacheable
from verify.checks.records import claim_error

BODY = """\
symbols:
  x: {real: [1, 2]}
assume:
  - {name: pos, latex: 'x > 0', expr: 'x > 0'}
checks:
  - numeric: x >= 1
  - calc:
      - x
      - {'<=': 'x + 1'}
necessity:
  - {drop: pos, instance: {x: -1}}
"""


def _died(claim, seed, precisions):
    import faulthandler
    import os
    faulthandler.disable()  # a worker that dies on purpose: no "Fatal Python error" in the test log
    os.abort()


def _raised(claim, seed, precisions):
    raise RuntimeError("boom")


def _exhausted(claim, seed, precisions):
    raise MemoryError()


class _LostCluster(Executor):
    """An executor whose every task fails, as a cluster that lost its worker."""

    def submit(self, fn, *args, **kwargs):
        fut: Future = Future()
        fut.set_exception(ConnectionError("the worker went away"))
        return fut


def test_every_unfinished_claim_has_one_shape_and_is_never_cached(tmp_path):
    from verify.check_claim import check_claim  # noqa: F401  (the worker imports it)
    from verify.executors import run_on_executor
    from verify.workers import run_all
    claim = load_text(tmp_path, claim_text(body=BODY))
    records = {crash: run_all([claim], job=job, timeout_s=30)["t"]
               for crash, job in (("died", _died), ("exception", _raised), ("memory", _exhausted))}
    records["executor"] = run_on_executor(_LostCluster(), [claim])["t"]
    shape = set(claim_error("t", "error", "", ""))
    for crash, rec in records.items():
        assert set(rec) == shape and rec["crash"] == crash and rec["status"] == "error", rec
        assert not cacheable(rec), f"a verdict of a {crash} was cached: it may pass on a quieter machine"
    assert "boom" in records["exception"]["message"] and "went away" in records["executor"]["message"]


def test_a_stopped_check_has_the_shape_of_a_finished_one(tmp_path, monkeypatch):
    """A calc check stopped by its CPU budget shows its expression as every calc record does:
    the list of its terms (it was the list's Python repr, a string)."""
    from verify.check_claim import CheckTimeout, check_claim
    from verify.checks import CHECKS

    def stopped(spec, claim, settings):
        raise CheckTimeout()

    claim = load_text(tmp_path, claim_text(body=BODY))
    finished = check_claim(claim)["checks"][1]
    monkeypatch.setitem(CHECKS, "calc", dataclasses.replace(CHECKS["calc"], run=stopped))
    rec = check_claim(claim, cpu_s=5)["checks"][1]
    assert rec["outcome"] == rec["rung"] == "timeout" and "safety net" in rec["message"]
    assert rec["expr"] == finished["expr"] == ["x", "x + 1"]
    assert set(finished) - set(rec) <= {"engine", "steps", "timings", "strength", "first_latex"}


def test_a_stopped_necessity_case_has_the_shape_of_a_finished_one(tmp_path, monkeypatch):
    """A necessity case stopped by its CPU budget, or crashed, keeps its line and the LaTeX of the
    hypothesis it drops (they were missing)."""
    import verify.check_claim as cc
    claim = load_text(tmp_path, claim_text(body=BODY))
    finished = cc.check_claim(claim)["necessity"][0]

    def stopped(*args):
        raise cc.CheckTimeout()

    def crashed(*args):
        raise ZeroDivisionError("oops")

    for run, words in ((stopped, "safety net"), (crashed, "ZeroDivisionError")):
        monkeypatch.setattr(cc, "run_necessity", run)
        rec = cc.check_claim(claim, cpu_s=5)["necessity"][0]
        assert rec["outcome"] == "error" and words in rec["message"]
        assert set(rec) == set(finished) - {"confirmed_by"}
        assert (rec["line"], rec["hypothesis_latex"]) == (finished["line"], "x > 0") and rec["line"] > 0
