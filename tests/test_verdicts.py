"""Verdicts at the edges (issue 12): no false refutation, no false pass, no silent vacuity, no
verdict that depends on the clock. Each test is a reproduction that failed before the fix."""

from fractions import Fraction as F

import pytest

from conftest import claim_text, run_text
from verify.confirm import confirm, decide
from verify.expr.parser import parse
from verify.status import as_expected, claim_status


def _one(tmp_path, body, seed=None, expect="holds"):
    return run_text(tmp_path, claim_text(body=body, expect=expect), seed=seed)


# -- 1. a refutation stands only when it is certain -------------------------------------------

LOGCOSH = "log(cosh(x + b)) - log(cosh(b)) - tanh(b) * x >= 0"   # convexity of log-cosh: true


def test_cancellation_is_not_a_counterexample():
    """At b = 1.7e12 the two sides cancel to about 10^-300; 50 digits see -4e-39, 80 see -1e-69:
    the old two-precision rule refuted a true relation (the descent lemma's convex variant)."""
    from verify.verdict import relation_verdict
    node = parse(LOGCOSH, ["x", "b"])
    inst = {"x": F(5, 3), "b": F(10**13) + F(1, 3)}
    assert relation_verdict(node, inst).holds is False     # the trap: 50 and 80 digits both fail
    c = confirm(node, inst)
    assert c.outcome == "holds", c.reason                  # the cancellation-aware band sees rounding
    assert decide(node, inst).holds is True


def test_descent_lemma_convex_variant_is_not_refuted(tmp_path):
    body = """\
    symbols:
      n: {integer: [1, 3]}
      d: {integer: [1, 2]}
      A: {matrix: [n, d]}
      B: {matrix: [n, d], sample: {gaussian: [1000000000000]}}
      b: {vector: n, sample: {gaussian: [1000000000000]}}
      w1: {vector: d}
      w2: {vector: d}
      i: index
    define:
      f(x): sum(log(cosh(dot(row(A, i), x) - b[i])), i, 1, n)
      g(x): T(A) * tanh(A * x - b)
    checks:
      - numeric: f(w2) - f(w1) - dot(g(w1), w2 - w1) >= 0
        n: 20
    """
    rec = _one(tmp_path, body)
    assert rec["status"] != "refuted", rec["checks"][0]["message"]


def test_a_real_failure_is_confirmed_and_says_by_what(tmp_path):
    rec = _one(tmp_path, "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: x**2 <= x\n")
    chk = rec["checks"][0]
    assert chk["outcome"] == "refuted"
    assert chk["evidence"]["confirmed_by"] in ("exact", "arb")
    assert chk["counterexample"]["confirmed_by"] == chk["evidence"]["confirmed_by"]


def test_without_a_certificate_rising_precision_confirms():
    """diff() has no certificate: the failure is confirmed by three agreeing precisions."""
    node = parse("diff(x**3, x) <= x", ["x"])
    c = confirm(node, {"x": F(2)})
    assert c.outcome == "refuted" and c.engine.startswith("mpmath") and "150" in c.engine


# -- 2. a pass hides no counterexample the tool already saw ------------------------------------

def test_zero_margin_on_a_strict_relation_is_a_failure(tmp_path):
    rec = _one(tmp_path, "symbols:\n  x: {real: [-9/2, 47/10]}\nchecks:\n  - numeric: ceil(x) + 0*exp(x) > x\n")
    assert rec["status"] == "refuted", rec["checks"][0]["message"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_near_misses_escalate_and_find_the_thin_failure(tmp_path, seed):
    body = "symbols:\n  x: {real: [0, 5]}\nchecks:\n  - numeric: x*exp(-x) <= exp(-1) - 10**-12\n"
    assert _one(tmp_path, body, seed)["status"] == "refuted"


def test_a_near_miss_that_holds_is_shown(tmp_path):
    body = "symbols:\n  x: {real: [0, 5]}\nchecks:\n  - numeric: x*exp(-x) <= exp(-1) + 10**-12\n"
    chk = _one(tmp_path, body, 1)["checks"][0]
    assert chk["outcome"] in ("certified", "supported")
    assert "near miss" in chk["message"] and "near_miss" in chk["evidence"]


def test_certified_on_instances_states_its_scope(tmp_path):
    chk = _one(tmp_path, "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: exp(x) >= 1 + x\n")["checks"][0]
    assert chk["outcome"] == "certified"
    assert "not a proof" in chk["message"] and "instances" in chk["evidence"]["scope"]


# -- 3. no check is silently ignored ----------------------------------------------------------

def test_an_undecided_check_makes_the_claim_undecided():
    checks = [{"outcome": "proved"}, {"outcome": "undecided"}]
    assert claim_status(checks) == "undecided"
    assert not as_expected("holds", "undecided", [])
    checks[1]["undecided_ok"] = "a Monte-Carlo estimate near its threshold"
    assert claim_status(checks) == "proved"


def test_a_vacuous_check_fails_its_claim():
    assert claim_status([{"outcome": "cited"}, {"outcome": "vacuous"}]) == "vacuous"
    assert not as_expected("holds", "vacuous", [])


def test_a_claim_without_checks_is_untested_and_fails(tmp_path):
    rec = _one(tmp_path, "symbols:\n  x: {real: [1, 2]}\nchecks: []\n")
    assert rec["status"] == "untested" and not rec["as_expected"]


def test_untested_ranks_below_undecided():
    from verify.status import LADDER
    assert LADDER.index("untested") < LADDER.index("undecided")


def test_in_band_equality_goes_to_the_certificates(tmp_path):
    rec = _one(tmp_path, "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: x == x + 10**-45\n")
    chk = rec["checks"][0]
    assert chk["outcome"] == "refuted" and chk["evidence"]["confirmed_by"] == "exact"
    assert "unsatisfiable" not in chk["message"]


def test_nan_is_undefined_not_refuted(tmp_path):
    chk = _one(tmp_path, "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: oo - oo == 0\n")["checks"][0]
    assert chk["outcome"] == "error" and "undefined" in chk["message"]


def test_mostly_rejected_draws_are_reported(tmp_path):
    body = ("symbols:\n  x: {real: [0, 100]}\nassume:\n  - {name: small, latex: 'x < 1', expr: 'x < 1'}\n"
            "checks:\n  - numeric: x <= 1\n    n: 5\n")
    chk = _one(tmp_path, body)["checks"][0]
    assert "rejected" in chk["evidence"].get("mostly_rejected", "")


# -- 4. errors are errors, not rejections -----------------------------------------------------

def test_a_hypothesis_that_cannot_be_evaluated_is_an_error(tmp_path):
    body = """\
    symbols:
      n: {integer: [2, 3]}
      u: {vector: n}
      v: {vector: n}
    assume:
      - {name: h, latex: h, expr: 'u * v > 0'}
    checks:
      - numeric: norm(u) >= 0
    """
    rec = _one(tmp_path, body)
    chk = rec["checks"][0]
    assert rec["status"] == "error" and "hypothesis h could not be evaluated" in chk["message"]
    assert chk["counterexample"]["label"] == "instance"


def test_a_complex_value_is_undefined(tmp_path):
    chk = _one(tmp_path, "symbols:\n  x: {real: [1, 3]}\nchecks:\n  - numeric: acos(x) >= 0\n")["checks"][0]
    assert chk["outcome"] == "error" and "complex" in chk["message"]


def test_an_empty_sum_has_the_shape_of_its_terms(tmp_path):
    body = ("symbols:\n  n: {integer: [2, 3]}\n  v: {vector: n}\n  k: index\n"
            "checks:\n  - numeric: norm(sum(k * v, k, 1, 0) + v) == norm(v)\n")
    assert _one(tmp_path, body)["status"] in ("supported", "certified", "proved")


def test_a_necessity_case_that_breaks_another_hypothesis_is_an_error(tmp_path):
    body = """\
    symbols:
      x: {real: [-2, 2]}
    assume:
      - {name: pos, latex: 'x > 0', expr: 'x > 0'}
      - {name: half, latex: 'x > 1/2', expr: 'x > 1/2'}
    checks:
      - numeric: x >= x / 2
    necessity:
      - {drop: pos, instance: {x: -1}}
    """
    nec = _one(tmp_path, body)["necessity"][0]
    assert nec["outcome"] == "error" and "half" in nec["message"]
    assert "held on every instance" not in nec["message"]


# -- 5. verdicts do not depend on the machine's load --------------------------------------------

def test_a_slow_check_times_out_alone(tmp_path):
    """The per-check budget is CPU time; a check past it is a timeout, the other verdicts stand."""
    from verify.check_claim import check_claim
    from verify.validate import load_claim
    body = ("symbols:\n  x: {real: [1, 2]}\n  k: index\nchecks:\n  - numeric: x**2 <= x\n"
            "  - numeric: sum(sum(sin(k*x*j), k, 1, 1000), j, 1, 1000) <= 10**9\n"
            "    n: 200\n")
    p = tmp_path / "t.yaml"
    p.write_text(claim_text(body=body.replace("  k: index\n", "  k: index\n  j: index\n")))
    claim, problems = load_claim(p)
    assert not problems
    rec = check_claim(claim, cpu_s=1.0)
    assert [c["outcome"] for c in rec["checks"]] == ["refuted", "timeout"]
    assert rec["status"] == "refuted" and "CPU time" in rec["checks"][1]["message"]


def test_the_worker_budget_counts_checks():
    from verify.workers import claim_budget
    from types import SimpleNamespace
    assert claim_budget(SimpleNamespace(checks=[1, 2], necessity=[1]), 10) == 40


# -- 6. exact means exact ---------------------------------------------------------------------

def test_an_exact_check_refuses_inputs_computed_in_floating_point(tmp_path):
    from conftest import problems_of
    body = """\
    symbols:
      c: {real: [1, 2]}
      X: {matrix: [2, 2]}
      eta: {real: [0, 8], value: 'c * 2 / opnorm(X)**2'}
    checks:
      - exact: eta >= 0
        n: 2
    """
    probs = problems_of(tmp_path, claim_text(body=body))
    assert any("computed in floating point" in str(p) for p in probs), probs


def test_given_instances_lie_in_the_declared_ranges(tmp_path):
    body = "symbols:\n  x: {real: [0, 2]}\nchecks:\n  - exact: exp(x) >= 3*x\n    instances: [{x: 10}]\n"
    chk = _one(tmp_path, body)["checks"][0]
    assert chk["outcome"] == "error" and "outside the declared range" in chk["message"]


def test_the_shrinker_respects_value_relations(tmp_path):
    body = """\
    symbols:
      c: {real: [1, 3]}
      s: {real: [1, 2]}
      eta: {real: [0, 100], value: '2 * c / s**2'}
    checks:
      - numeric: eta * s**2 <= 2
    """
    cex = _one(tmp_path, body)["checks"][0]["counterexample"]
    v = {k: F(x) for k, x in cex["values"].items()}
    assert v["eta"] == 2 * v["c"] / v["s"] ** 2


def test_a_define_expanded_into_a_binder_slot_is_a_located_problem(tmp_path):
    from conftest import problems_of
    body = """\
    symbols:
      w: {vector: 2}
      u: {vector: 2}
    define:
      J(v): jacobian(2 * v, v)
    checks:
      - numeric: opnorm(J(w + u)) <= 2
    """
    probs = problems_of(tmp_path, claim_text(body=body))
    assert any("needs a variable name" in str(p) for p in probs), probs


def test_max_of_complex_values_is_undefined_not_a_crash(tmp_path):
    chk = _one(tmp_path, "symbols:\n  x: {real: [2, 3]}\nchecks:\n  - numeric: max(asin(x), 1) >= 0\n")["checks"][0]
    assert chk["outcome"] == "error" and "complex" in chk["message"] and "crashed" not in chk["message"]


def test_an_evaluation_failure_is_not_labelled_a_counterexample(tmp_path):
    chk = _one(tmp_path, "symbols:\n  x: {real: [-2, -1]}\nchecks:\n  - numeric: log(x) <= 0\n")["checks"][0]
    assert chk["outcome"] == "error" and chk["counterexample"]["label"] == "instance"


def test_junit_carries_confirmation_scope_and_near_misses(tmp_path):
    from verify.junit import check_properties
    chk = _one(tmp_path, "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: x**2 <= x\n")["checks"][0]
    props = dict(check_properties(chk))
    assert props["outcome"].startswith("refuted") and props["confirmed_by"] in ("exact", "arb")
    body = "symbols:\n  x: {real: [0, 5]}\nchecks:\n  - numeric: x*exp(-x) <= exp(-1) + 10**-12\n"
    props = dict(check_properties(_one(tmp_path, body, 1)["checks"][0]))
    assert "near miss" in props["near_miss"]
    if props["outcome"].startswith("certified"):
        assert "not a proof" in props["scope"]


def test_a_matrix_counterexample_shows_its_values_and_the_label_says_what_it_is(tmp_path):
    from verify.explain import cex_heading
    body = "symbols:\n  A: {matrix: [2, 2]}\nchecks:\n  - numeric: A * T(A) == T(A) * A\n"
    cex = _one(tmp_path, body)["checks"][0]["counterexample"]
    assert cex["lhs"].startswith("[[") and "matrix" not in cex["lhs"] and cex["residual"]
    assert cex_heading(cex).startswith("counterexample") and "confirmed by" in cex_heading(cex)
    assert cex_heading({"label": "instance"}) == "evaluation failed at this instance"
    assert "not confirmed" in cex_heading({"label": "unconfirmed"})


def _abort(claim, seed, precisions):
    import faulthandler
    import os
    faulthandler.disable()  # a worker that dies on purpose: no "Fatal Python error" in the test log
    os.abort()


def _exhaust(claim, seed, precisions):
    raise MemoryError()


def test_a_worker_killed_by_sigabrt_is_that_claims_error(tmp_path):
    from verify.check_claim import check_claim  # noqa: F401  (the worker imports it)
    from verify.validate import load_claim
    from verify.workers import run_all
    p = tmp_path / "t.yaml"
    p.write_text(claim_text(body="symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: x >= 1\n"))
    claim, _ = load_claim(p)
    rec = run_all([claim], job=_abort, timeout_s=30)["t"]
    assert rec["status"] == "error" and "SIGABRT" in rec["message"] and not rec["as_expected"]
    rec = run_all([claim], job=_exhaust, timeout_s=30)["t"]
    assert rec["status"] == "error" and "memory" in rec["message"]


def test_a_check_out_of_memory_is_that_checks_error(tmp_path, monkeypatch):
    from verify.checks import CHECKS, CheckKind
    from verify.check_claim import check_claim
    from verify.validate import load_claim
    p = tmp_path / "t.yaml"
    p.write_text(claim_text(body="symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: x >= 1\n  - numeric: x <= 2\n"))
    claim, _ = load_claim(p)
    real = CHECKS["numeric"]
    calls = []

    def run(spec, claim, settings):
        calls.append(spec.index)
        if len(calls) == 1:
            raise MemoryError()
        return real.run(spec, claim, settings)

    monkeypatch.setitem(CHECKS, "numeric", CheckKind(real.name, real.doc, real.prepare, run, real.schema))
    rec = check_claim(claim)
    assert [c["outcome"] for c in rec["checks"]][0] == "error" and "out of memory" in rec["checks"][0]["message"]
    assert rec["checks"][1]["outcome"] in ("proved", "certified", "supported")


def test_an_instance_outside_a_hypothesis_by_rounding_refutes_nothing_it_only_grazes(tmp_path):
    """a = sqrt(2) computed at 60 digits is a hair above sqrt(2): `a**2 <= 2` fails by a hair, and
    so does the hypothesis. Not a counterexample (lazy_training_residual_recursion's step size
    at its bound 2 / (lambda_max + lambda_min) was such a case)."""
    body = ("symbols:\n  a: {real: [0, 2], value: 'sqrt(2)'}\n"
            "assume:\n  - {name: bound, latex: 'a^2 \\\\le 2', expr: 'a**2 <= 2'}\n"
            "checks:\n  - numeric: a**2 <= 2 - 0*a\n    n: 3\n")
    rec = _one(tmp_path, body)
    assert rec["status"] != "refuted", rec["checks"][0]["message"]


def test_a_robust_failure_at_an_instance_built_in_floating_point_stands(tmp_path):
    """A unit vector (cos 1, sin 1) is unit only to rounding, but `x1 >= 0.6` fails by 0.06: refuted."""
    body = ("symbols:\n  x: {vector: 2, value: [['cos(1)'], ['sin(1)']]}\n"
            "assume:\n  - {name: unit, latex: '\\\\|x\\\\| = 1', expr: 'norm(x) == 1'}\n"
            "checks:\n  - numeric: x[1] >= 6/10\n    n: 2\n")
    chk = _one(tmp_path, body)["checks"][0]
    assert chk["outcome"] == "refuted", chk["message"]


def test_an_identity_on_the_right_of_a_product_takes_the_column_count(tmp_path):
    """`A * I` and `A * prod(B, k, 1, 0)` for a non-square A were shape errors (found by issue 13's work)."""
    body = """\
    symbols:
      A: {matrix: [2, 3]}
      B: {matrix: [3, 3]}
      k: index
    checks:
      - numeric: A * prod(B, k, 1, 0) == A
        n: 2
      - numeric: A * I == A
        n: 2
      - exact: A * prod(B, k, 1, 0) == A
        n: 2
      - symbolic: I * A * I == A
    """
    rec = _one(tmp_path, body)
    assert all(c["outcome"] in ("proved", "certified", "supported") for c in rec["checks"]), \
        [c["message"] for c in rec["checks"]]


def test_a_for_loop_outside_a_symbolic_check_is_a_located_problem(tmp_path):
    from conftest import problems_of
    body = "symbols:\n  n: {integer: [1, 3]}\nchecks:\n  - numeric: n >= 1\n    for: {n: [1, 3]}\n"
    probs = problems_of(tmp_path, claim_text(body=body))
    assert any("for: loops only in symbolic checks" in str(p) for p in probs), probs


# -- a proof covers what the claim states, not what the sampler draws ---------------------------

NARROW_SAMPLER = """\
symbols:
  x: {real: [0, 10], sample: {uniform: [0, 1]}}
checks:
  - numeric: x <= 3
    search: 0
"""


def test_z3_quantifies_over_the_declared_range_not_the_samplers(tmp_path):
    """x in [0, 10] drawn in [0, 1]: z3 used to prove x <= 3 "for all real x in [0, 1]" and the
    claim read "proved"; over the declared range it finds x > 3, which is confirmed."""
    rec = _one(tmp_path, NARROW_SAMPLER)
    chk = rec["checks"][0]
    assert rec["status"] == "refuted" and chk["outcome"] == "refuted", chk["message"]
    assert "z3" in chk["message"]


def test_an_option_the_kind_does_not_read_is_a_located_problem(tmp_path):
    """instances: on a numeric check was accepted and never checked (x = 5 breaks x <= 3)."""
    from conftest import problems_of
    body = NARROW_SAMPLER.replace("    search: 0\n", "    search: 0\n    instances: [{x: 5}]\n")
    problems = problems_of(tmp_path, claim_text(body=body))
    assert any("instances: not an option of numeric checks" in p.message for p in problems), problems


def test_a_wrong_integral_over_an_infinite_range_is_refuted(tmp_path):
    """The quadrature's far nodes (r ~ 10^30) used to widen the cancellation band until every
    failure looked like rounding: the integral below is 2, and `== 1` passed."""
    body = "symbols:\n  c: {real: [1, 2]}\nchecks:\n  - numeric: integral(rr**3 * exp(-rr**2 / 2), rr, 0, oo) == c\n    n: 3\n"
    rec = _one(tmp_path, body.replace("symbols:\n", "symbols:\n  rr: index\n"))
    assert rec["checks"][0]["outcome"] == "refuted", rec["checks"][0]["message"]
    ok = _one(tmp_path, body.replace("symbols:\n", "symbols:\n  rr: index\n").replace("== c", "== 2 * c / c"))
    assert ok["checks"][0]["outcome"] in ("supported", "certified", "proved"), ok["checks"][0]["message"]


def test_a_wrong_limit_at_infinity_is_refuted_not_a_dead_worker(tmp_path):
    """Confirming the failure of `limit(2/(1 + 2 sqrt(x) + x), x, oo) == 1` at 250 digits ran
    mpmath's Shanks extrapolation until GMP aborted past the worker's 2 GB: the claim read "error:
    the worker died" (and a whole claim's mutation run was lost with it)."""
    import subprocess
    import sys
    p = tmp_path / "t.yaml"
    p.write_text(claim_text(body="symbols:\n  x: {real: positive}\nchecks:\n"
                                 "  - symbolic: limit(2 / (1 + 2 * sqrt(x) + x), x, oo) == 1\n"))
    out = subprocess.run([sys.executable, "-m", "verify.cli", "check", str(p), "--no-cache", "-j", "1"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert "status: refuted" in out.stdout and "worker died" not in out.stdout, out.stdout[-1500:]
