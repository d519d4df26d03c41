"""Every check kind accepts a true claim and rejects broken variants of it: a flipped relation,
a changed constant, a dropped hypothesis, a transposed factor. A check that cannot fail is a defect."""

import pytest

from conftest import claim_text, problems_of, run_text
from verify.checks import CHECKS

NEUMANN = """\
symbols:
  d: {integer: [1, 3]}
  N: {integer: [0, 12]}
  A: {matrix: [d, d], sample: {spectral_norm: [0.1, 0.9]}}
  k: index
define:
  S(M): sum(A**k, k, 0, M)
assume:
  - {name: contraction, latex: 'x', expr: 'opnorm(A) < 1'}
"""
NEUMANN_WILD = NEUMANN.replace("[0.1, 0.9]", "[0.5, 2]").split("assume:")[0]

# kind -> (claim body that holds, [broken variants])
CASES = {
    "numeric": (
        NEUMANN + "checks:\n  - numeric: opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 1) / (1 - opnorm(A))\n    n: 15\n",
        [
            NEUMANN + "checks:\n  - numeric: opnorm(inv(I - A) - S(N)) >= opnorm(A)**(N + 1) / (1 - opnorm(A))\n    n: 15\n",
            NEUMANN + "checks:\n  - numeric: opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 2) / (1 - opnorm(A))\n    n: 15\n",
            NEUMANN_WILD + "checks:\n  - numeric: opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 1) / (1 - opnorm(A))\n    n: 15\n",
            NEUMANN + "checks:\n  - numeric: inv(I - A) - S(N) == T(inv(I - A)) * A**(N + 1)\n    n: 15\n",
        ]),
    "symbolic": (
        """\
        symbols:
          A: operator
          N: {integer: [0, 6]}
          k: index
        checks:
          - symbolic: (1 - A) * sum(A**k, k, 0, N) == 1 - A**(N + 1)
            for: {N: [0, 6]}
        """,
        [
            """\
            symbols:
              A: operator
              N: {integer: [0, 6]}
              k: index
            checks:
              - symbolic: (1 - A) * sum(A**k, k, 0, N) == 1 - A**(N + 2)
                for: {N: [0, 6]}
            """,
            """\
            symbols:
              A: operator
              B: operator
              N: {integer: [0, 6]}
              k: index
            checks:
              - symbolic: (B - A) * sum(A**k, k, 0, N) == B - A**(N + 1)
                for: {N: [1, 3]}
            """,
            """\
            symbols:
              x: {real: [-3, 3]}
            checks:
              - symbolic: x**2 + 1 >= 3 * x
            """,
            """\
            symbols:
              n: {integer: [3, 3]}
              d: {integer: [2, 2]}
              B: {matrix: [n, d]}
              w: {vector: d}
            checks:
              - symbolic: grad(T(w) * T(B) * B * w / 2, w) == T(B) * B * w * 2
                dims: {n: 3, d: 2}
            """,
        ]),
    "exact": (
        """\
        symbols:
          a: {real: [1, 2]}
          t: index
        checks:
          - exact: first(2**(2*t) > 64 * a, t, 0, 20) == floor(log(64 * a) / (2 * log(2))) + 1
            instances: [{a: 1}, {a: 2}]
        """,
        [
            """\
            symbols:
              a: {real: [1, 2]}
              t: index
            checks:
              - exact: first(2**(2*t) > 64 * a, t, 0, 20) <= ceil(log(64 * a) / (2 * log(2)))
                instances: [{a: 1}]
            """,
            """\
            symbols:
              a: {real: [1, 2]}
              t: index
            checks:
              - exact: first(2**(2*t) > 64 * a, t, 0, 20) == floor(log(64 * a) / (2 * log(2))) + 2
                instances: [{a: 1}]
            """,
            """\
            symbols:
              a: {real: [1, 2]}
              t: index
            checks:
              - exact: first(2**(2*t) > 64 * a, t, 0, 20) > floor(log(64 * a) / (2 * log(2))) + 1
                instances: [{a: 2}]
            """,
        ]),
    "calc": (
        NEUMANN + """checks:
  - n: 10
    calc:
      - opnorm(inv(I - A) - S(N))
      - {'==': 'opnorm(inv(I - A) * A**(N + 1))'}
      - {'<=': 'opnorm(inv(I - A)) * opnorm(A)**(N + 1)'}
      - {'<=': 'opnorm(A)**(N + 1) / (1 - opnorm(A))'}
""",
        [
            NEUMANN + """checks:
  - n: 10
    calc:
      - opnorm(inv(I - A) - S(N))
      - {'==': 'opnorm(inv(I - A) * A**(N + 1))'}
      - {'>=': 'opnorm(inv(I - A)) * opnorm(A)**(N + 1)'}
      - {'<=': 'opnorm(A)**(N + 1) / (1 - opnorm(A))'}
""",
            NEUMANN + """checks:
  - n: 10
    calc:
      - opnorm(inv(I - A) - S(N))
      - {'==': 'opnorm(inv(I - A) * A**(N + 1))'}
      - {'<=': 'opnorm(inv(I - A)) * opnorm(A)**(N + 1)'}
      - {'<=': 'opnorm(A)**(N + 1) / (2 - opnorm(A))'}
""",
            NEUMANN_WILD + """checks:
  - n: 10
    calc:
      - opnorm(inv(I - A) - S(N))
      - {'==': 'opnorm(inv(I - A) * A**(N + 1))'}
      - {'<=': 'opnorm(inv(I - A)) * opnorm(A)**(N + 1)'}
      - {'<=': 'opnorm(A)**(N + 1) / (1 - opnorm(A))'}
""",
        ]),
    "statistical": (
        "symbols:\n  x: {real: [-10, 10], sample: {gaussian: [1]}}\nchecks:\n  - statistical: abs(x) <= 3\n    rate: 0.95\n    n: 300\n",
        [
            "symbols:\n  x: {real: [-10, 10], sample: {gaussian: [1]}}\nchecks:\n  - statistical: abs(x) >= 3\n    rate: 0.95\n    n: 300\n",
            "symbols:\n  x: {real: [-10, 10], sample: {gaussian: [1]}}\nchecks:\n  - statistical: abs(x) <= 1\n    rate: 0.95\n    n: 300\n",
            "symbols:\n  x: {real: [-10, 10], sample: {gaussian: [3]}}\nchecks:\n  - statistical: abs(x) <= 3\n    rate: 0.95\n    n: 300\n",
        ]),
}

PASSING = {"proved", "certified", "supported", "statistical"}


def test_every_check_kind_has_cases():
    assert set(CHECKS) - {"cited"} <= set(CASES), "each check kind needs a true claim and broken variants"


@pytest.mark.parametrize("kind", sorted(CASES))
def test_true_claim_passes(tmp_path, kind):
    rec = run_text(tmp_path, claim_text(body=CASES[kind][0]))
    assert [c["outcome"] for c in rec["checks"]] == [c["outcome"] for c in rec["checks"] if c["outcome"] in PASSING]
    assert rec["as_expected"], rec


@pytest.mark.parametrize("kind,i", [(k, i) for k in sorted(CASES) for i in range(len(CASES[k][1]))])
def test_broken_variant_is_rejected(tmp_path, kind, i):
    rec = run_text(tmp_path, claim_text(body=CASES[kind][1][i]))
    outcomes = [c["outcome"] for c in rec["checks"]]
    assert outcomes and all(o not in PASSING for o in outcomes), rec["checks"]
    assert rec["status"] == "refuted", (rec["status"], [c["message"] for c in rec["checks"]])
    assert not rec["as_expected"]


def test_each_kind_rejects_at_least_three_variants():
    assert all(len(v[1]) >= 3 for v in CASES.values())


def test_functions_no_library_claim_uses(tmp_path):
    """Functions that no claim of the library calls yet, in checks of their own (the function
    registry's meta-test requires every function to be used somewhere)."""
    body = """\
    symbols:
      x: {real: [1/10, 5]}
      n: {integer: [2, 30]}
      A: {matrix: [2, 3]}
    checks:
      - numeric: atan(x) + atan(1 / x) == pi / 2
      - numeric: tan(atan(x)) == x
      - numeric: sinh(x) == (exp(x) - exp(-x)) / 2
      - numeric: binomial(n, 2) == n * (n - 1) / 2
      - numeric: minentry(A) <= entry(A, 1, 1) <= maxentry(A)
      - numeric: transpose(transpose(A)) == A
      - symbolic: binomial(n, 2) == n * (n - 1) / 2
      - numeric: cbrt(-x**3) == -x
      - numeric: abs(cbrt(x - 2))**3 == abs(x - 2)
      - symbolic: cbrt(x)**3 == x
    """
    rec = run_text(tmp_path, claim_text(body=body))
    assert [c["outcome"] for c in rec["checks"] if c["outcome"] not in PASSING] == [], rec["checks"]


def test_cited_needs_a_reason_and_never_counts_as_checked(tmp_path):
    bad = claim_text(body="checks:\n  - cited: Du et al. 2019\n")
    assert any("reason" in p.message for p in problems_of(tmp_path, bad))
    rec = run_text(tmp_path, claim_text(body="checks:\n  - cited: Du et al. 2019\n    reason: infinite width\n"))
    assert rec["status"] == "cited"


def test_expected_false_claim_must_be_refuted(tmp_path, write_claim):
    text = claim_text(body=CASES["numeric"][0], expect="fails", extra="corrected_by: t\n")
    rec = run_text(tmp_path, text)
    assert rec["status"] == "supported" and not rec["as_expected"]


def test_necessity_case_that_does_not_break_is_reported(tmp_path):
    body = NEUMANN + """checks:
  - numeric: opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 1) / (1 - opnorm(A))
    n: 5
necessity:
  - drop: contraction
    sample: {A: {spectral_norm: [0.1, 0.5]}}
"""
    rec = run_text(tmp_path, claim_text(body=body))
    assert rec["necessity"][0]["outcome"] == "looks-unneeded"
    assert not rec["as_expected"]


def test_necessity_case_that_breaks(tmp_path):
    body = NEUMANN + """checks:
  - numeric: opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 1) / (1 - opnorm(A))
    n: 5
necessity:
  - drop: contraction
    instance: {d: 2, N: 5, A: [[0.5, 10], [0, 0.5]]}
"""
    rec = run_text(tmp_path, claim_text(body=body))
    nec = rec["necessity"][0]
    assert nec["outcome"] == "needed" and nec["counterexample"]["values"]["A"] == "[[1/2, 10], [0, 1/2]]"
    assert rec["as_expected"]


def test_unsatisfiable_hypotheses_never_pass(tmp_path):
    body = """\
    symbols:
      x: {real: [0, 1]}
    assume:
      - {name: impossible, latex: 'x > 2', expr: 'x > 2'}
    checks:
      - numeric: x <= 1
        n: 5
    """
    rec = run_text(tmp_path, claim_text(body=body))
    chk = rec["checks"][0]
    assert chk["outcome"] == "vacuous" and "all 100 draws were rejected" in chk["message"]
    assert "impossible rejected 100" in chk["message"]
    assert rec["status"] == "vacuous" and not rec["as_expected"]


def test_counterexample_is_minimal(tmp_path):
    rec = run_text(tmp_path, claim_text(body=NEUMANN_WILD + "checks:\n  - numeric: opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 1) / (1 - opnorm(A))\n    n: 15\n"))
    cex = rec["checks"][0]["counterexample"]
    assert cex["values"] == {"A": "[[-2]]", "N": "0", "d": "1"}


def test_shrink_reduces_dimensions_and_digits():
    import random
    from fractions import Fraction
    from verify.shrink import shrink

    start = {"d": 4, "x": Fraction(123457, 100000)}

    def redraw(rng, fixed):
        return {"d": fixed["d"], "x": start["x"]}

    small, changed = shrink(start, lambda i: i["x"] > 1, redraw, {"d": 1}, random.Random(0))
    assert changed and small == {"d": 1, "x": Fraction(11, 9)}


def test_simplify_that_does_not_finish_is_undecided():
    import sympy as sp
    from verify.checks.symbolic import simplifies_to_zero
    x = sp.Symbol("x")
    assert simplifies_to_zero(sp.sin(x)**2 + sp.cos(x)**2 - 1) is True
    assert simplifies_to_zero(sp.Integer(0) + sp.sin(x), seconds=0.0) is None


def test_exact_decides_a_value_too_long_to_print(tmp_path):
    """A divergent iteration in exact arithmetic gives integers beyond Python's 4300-digit str limit:
    decided and shown as an approximation, not an error (found by the library run)."""
    rec = run_text(tmp_path, claim_text(body="""
    checks:
      - exact: (3**9000)**2 + 1/3 <= 1
        n: 1
    """))
    c = rec["checks"][0]
    assert c["outcome"] == "refuted", c["message"]
    assert "≈" in c["counterexample"]["lhs"]
