"""Statistical checks with the theorem's quantifiers (issue 13): "for every data set, with
probability >= rate over the initialization". Data sets are drawn first and each is tested on its
own, so a rare bad data set is not averaged away."""

from pathlib import Path

import pytest

from conftest import claim_text, problems_of, run_text
from verify.checks.statistical import binom_cdf, clopper_pearson_lower, data_symbols

ROOT = Path(__file__).resolve().parents[1]

# data c in [0, 1]; the initialization u in [0, 1]. On the 10% of data sets with c >= 9/10 the
# relation holds with probability 1/10 over u; elsewhere always: 91% pooled, but not "for every c".
RARE_BAD = """\
symbols:
  c: {{real: [0, 1]}}
  u: {{real: [0, 1]}}
checks:
  - statistical: u <= 1 - 9 * ind(c >= 9/10) / 10
    rate: 0.9
    confidence: 0.99
{extra}"""


def _check(tmp_path, body, name="t"):
    return run_text(tmp_path, claim_text(id_=name, body=body), name, seed=7)["checks"][0]


def test_pooled_draws_average_a_rare_bad_data_set_away(tmp_path):
    chk = _check(tmp_path, RARE_BAD.format(extra="    n: 200\n"))
    assert chk["outcome"] == "statistical", chk["message"]      # the old reading passes it


def test_per_data_set_reading_refutes_it(tmp_path):
    chk = _check(tmp_path, RARE_BAD.format(extra="    over: [u]\n    data_sets: 30\n    n: 10\n"))
    assert chk["outcome"] == "refuted", chk["message"]
    assert "on one data set" in chk["message"]
    ev = chk["evidence"]
    assert ev["data_sets"] == 30 and len(ev["per_data_set"]) == 30 and ev["over"] == ["u"]
    from fractions import Fraction
    assert Fraction(chk["counterexample"]["values"]["c"]) >= Fraction(9, 10)


def test_per_data_set_reading_passes_a_true_statement(tmp_path):
    chk = _check(tmp_path, RARE_BAD.format(extra="    over: [u]\n    data_sets: 30\n    n: 10\n")
                 .replace("9 * ind(c >= 9/10) / 10", "ind(c >= 9/10) / 100"))
    assert chk["outcome"] == "statistical", chk["message"]
    assert "no data set rejects" in chk["message"] and chk["evidence"]["lower_bound"] > 0


@pytest.mark.parametrize("extra, message", [
    ("    over: [zz]\n", "not a sampled symbol"),
    ("    over: [c, u]\n", "no data set left"),
    ("    over: u\n", "expected a list"),
    ("    data_sets: 5\n", "data_sets needs over"),
    ("    over: [u]\n    data_sets: 0\n", "data_sets"),
])
def test_over_is_validated(tmp_path, extra, message):
    problems = problems_of(tmp_path, claim_text(body=RARE_BAD.format(extra=extra)))
    assert any(message in p.message for p in problems), [p.message for p in problems]


def test_data_symbols_leave_out_what_depends_on_the_initialization():
    from verify.validate import load_claim
    claim, _ = load_claim(ROOT / "claims" / "du_thm32_convergence.yaml")
    data = data_symbols(claim.symbols, ["W0", "a"])
    assert {"X", "y", "n", "d", "m"} <= data and not {"W0", "a"} & data


def test_exact_binomial_bounds():
    assert binom_cdf(6, 15, 0.8) == pytest.approx(0.000784985391104, rel=1e-9)
    assert clopper_pearson_lower(60, 60, 0.01) == pytest.approx(0.926118728, rel=1e-7)
    assert clopper_pearson_lower(0, 10, 0.01) == 0.0
    assert binom_cdf(100, 1000, 0.5) < 1e-150


# -- the library's cited results: false versions an independent mutation test let through ------

def _library_variant(tmp_path, claim_id, old, new):
    from verify.check_claim import check_claim, stable_seed
    from verify.validate import load_claim
    text = (ROOT / "claims" / f"{claim_id}.yaml").read_text()
    assert old in text
    p = tmp_path / f"{claim_id}.yaml"
    p.write_text(text.replace(old, new))
    claim, problems = load_claim(p)
    assert not problems, problems
    return check_claim(claim, stable_seed(claim_id))


@pytest.mark.parametrize("claim_id, old, new", [
    ("du_thm32_convergence", "Goff: hadamard(G, ones(n, n) - eye(n))", "Goff: hadamard(G, ones(n, n) - eye(n)) / 2"),
    ("gram_concentration_hoeffding", "S: step(W * T(X))", "S: step(W * T(X)) / 2"),
    ("global_convergence_poly_width", "(1 - eta * lam0 / 2)**K * L(W0)\n", "(1 - eta * lam0)**K * L(W0)\n"),
])
def test_false_versions_of_cited_results_are_refuted(tmp_path, claim_id, old, new):
    rec = _library_variant(tmp_path, claim_id, old, new)
    refuted = [c for c in rec["checks"] if c["outcome"] == "refuted"]
    assert refuted and refuted[0]["kind"] == "statistical", [c["message"] for c in rec["checks"]]
