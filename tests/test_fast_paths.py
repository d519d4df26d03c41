"""The work the checks do not need, removed (issue 18), without changing a verdict: loop-invariant
subtrees evaluated once per outer binding, exact checks through python-flint first, a numeric
screen before `simplify`."""

from fractions import Fraction

import pytest
from mpmath import mp

from conftest import claim_text, run_text
from verify.expr import numeric as num
from verify.expr.parser import parse


def _eval(text, values, dps=50, peak=False):
    num.clear_caches()
    with mp.workdps(dps):
        ctx = num.Ctx({k: num.to_mp(v) for k, v in values.items()}, peak=[mp.mpf(1)] if peak else None)
        return num.evaluate(parse(text, list(values) + ["k", "j", "y"]), ctx), ctx


def test_free_names_leave_out_what_a_binder_binds():
    node = parse("sum(k * x + sum(j, j, 1, k), k, 1, n)", ["x", "n", "k", "j"])
    assert num.free_names(node) == {"x", "n"}
    assert num.free_names(node.args[0]) == {"k", "x"}
    assert num.free_names(parse("grad(x[1]**2, x)", ["x"])) == {"x"}  # diff-like forms read x


def test_a_loop_invariant_gradient_is_computed_once(monkeypatch):
    calls = []
    real = mp.diff

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(num.mp, "diff", counting)
    text = "first(k * dot(grad(x[1]**2 + x[2]**3, x), v) > 40, k, 0, 60)"
    values = {"x": [Fraction(1), Fraction(2)], "v": [Fraction(1), Fraction(1)]}
    value, _ = _eval(text, values)
    assert value == 3  # the gradient (2, 12): 14 k > 40 first at k = 3
    assert len(calls) == 2  # one partial derivative per entry, not per step


def test_a_subtree_of_an_inner_loop_is_shared_across_the_outer_loop(monkeypatch):
    """exp(x * i) reads the inner variable i but not the outer t: computed once per i, not once
    per (t, i); keyed by i's value in the context outside the t loop."""
    calls = []
    real = num.NUMERIC["exp"]

    def counting(ctx, z):
        calls.append(z)
        return real(ctx, z)

    monkeypatch.setitem(num.NUMERIC, "exp", counting)
    value, _ = _eval("first(sum(exp(x * j) * k, j, 1, 3) > 1000, k, 0, 100)", {"x": 1})
    assert value == 34  # (e + e^2 + e^3) k = 30.19 k > 1000 first at k = 34
    assert len(calls) == 3


def test_iterates_are_reused_when_only_the_step_count_changes(monkeypatch):
    """W(k) = iterate(...) inside first(..., k): each GD step computed once, not once per k."""
    steps = []
    real = num._bound
    counting = lambda ctx, var, value, tracked=True: steps.append(var) or real(ctx, var, value, tracked)  # noqa: E731
    monkeypatch.setattr(num, "_bound", counting)  # iterate's steps
    monkeypatch.setattr(num.Ctx, "bind", counting)  # first's steps (the binder forms the engines share)
    value, _ = _eval("first(iterate(y / 2 + x, y, 0, k) > 39 / 10, k, 0, 50)", {"x": 2})
    assert value == 6  # 0, 2, 3, 7/2, 15/4, 31/8, 63/16
    assert steps.count("y") == 6 and steps.count("k") == 7


@pytest.mark.parametrize("text, expected", [
    ("sum(sum(k, k, 1, 3), k, 1, 2)", 12),              # the inner k shadows the outer one
    ("sum(k * sum(j * x, j, 1, k), k, 1, 3)", 2 + 12 + 36),  # the inner sum uses k: not hoisted
    ("prod(x + 1, k, 1, 3) + sum(x**2, j, 1, 4)", 27 + 16),
    ("iterate(y / 2 + x, y, 0, 3)", Fraction(7, 2)),
    ("sum(iterate(y / 2 + x, y, 0, k), k, 0, 3)", 0 + 2 + 3 + Fraction(7, 2)),
    ("sum(iterate(y / 2 + k, y, 0, 2), k, 1, 3)", Fraction(3, 2) * (1 + 2 + 3)),  # body reads k
    ("sum(sum(j * k + x, j, 1, 2) + sum(j**2, j, 1, 3), k, 1, 2)", 21 + 24),
])
def test_hoisting_keeps_values(text, expected):
    value, _ = _eval(text, {"x": 2})
    assert value == expected


def test_values_at_a_raised_precision_are_kept_apart():
    """mp.diff evaluates its function at a raised precision: a hoisted value is keyed by precision,
    so the outer context's value (and the derivative) are exactly those of a fresh evaluation."""
    text = "diff(x * exp(c), x) - exp(c)"
    value, _ = _eval(text, {"x": Fraction(1, 3), "c": Fraction(1, 7)})
    assert abs(value) < mp.mpf(10) ** -45


def test_the_largest_magnitude_is_still_tracked():
    _, ctx = _eval("sum(10**30 * x - 10**30 * x, k, 1, 5)", {"x": Fraction(1, 3)}, peak=True)
    assert ctx.peak[0] >= mp.mpf(10) ** 29


EXACT_RATIONAL = """\
symbols:
  v: {vector: 3}
  w: {vector: 3}
checks:
  - exact: norm(v + w) <= norm(v) + norm(w)
    n: 6
"""


def test_exact_checks_go_to_flint_first(tmp_path, monkeypatch):
    from verify.checks import exact
    monkeypatch.setattr(exact, "holds_at", lambda *a, **k: pytest.fail("SymPy was asked"))
    rec = run_text(tmp_path, claim_text(body=EXACT_RATIONAL))
    chk = rec["checks"][0]
    assert chk["outcome"] == "certified" and chk["engine"] in ("exact", "arb", "arb + exact")
    assert chk["evidence"]["certified_instances"].startswith("6 of 6 (")


def test_exact_checks_keep_sympy_for_derivatives_and_refutations(tmp_path):
    body = """\
    symbols:
      a: {real: [0, 3]}
      t: index
    checks:
      - exact: at(diff(t**3, t), t, a) == 3 * a**2
        n: 2
      - exact: a**2 <= a
        instances:
          - {a: 2}
    """
    rec = run_text(tmp_path, claim_text(body=body))
    deriv, wrong = rec["checks"]
    assert deriv["outcome"] == "certified" and deriv["engine"] == "sympy exact"
    assert wrong["outcome"] == "refuted" and "4 vs 2" in wrong["message"]
    assert wrong["engine"] == "sympy exact"


def test_a_false_identity_is_refuted_without_simplify(tmp_path, monkeypatch):
    from verify.checks import symbolic
    monkeypatch.setattr(symbolic, "simplifies_to_zero", lambda *a, **k: pytest.fail("simplify was asked"))
    body = """\
    symbols:
      x: {real: [0, 2]}
    checks:
      - symbolic: sin(x)**2 + cos(x)**2 == 1 + x / 10**6
    """
    rec = run_text(tmp_path, claim_text(body=body))
    chk = rec["checks"][0]
    assert chk["outcome"] == "refuted" and chk["counterexample"]["confirmed_by"]


def test_a_true_identity_still_goes_to_simplify(tmp_path):
    body = """\
    symbols:
      x: {real: [0, 2]}
    checks:
      - symbolic: sin(x)**2 + cos(x)**2 == 1
    """
    rec = run_text(tmp_path, claim_text(body=body))
    assert rec["checks"][0]["outcome"] == "proved"


def test_a_screen_that_cannot_confirm_falls_through_to_simplify(tmp_path, monkeypatch):
    """A failure the confirmation does not uphold is no refutation: simplify decides."""
    from verify.checks import symbolic
    monkeypatch.setattr(symbolic, "_confirmed", lambda *a, **k: "")
    asked = []
    real = symbolic.simplifies_to_zero
    monkeypatch.setattr(symbolic, "simplifies_to_zero", lambda e, *a: asked.append(e) or real(e, *a))
    body = """\
    symbols:
      x: {real: [0, 2]}
    checks:
      - symbolic: sin(x)**2 + cos(x)**2 == 1 + x / 10**6
    """
    rec = run_text(tmp_path, claim_text(body=body))
    assert asked and rec["checks"][0]["outcome"] == "undecided"
