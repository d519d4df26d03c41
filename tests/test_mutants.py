"""Mutation test of the claim library: for claims from all five notes, a flipped relation, a
perturbed constant or a transposed factor must be rejected by the check, and dropping a
hypothesis (the claim's necessity cases) must break the conclusion."""

import random
from pathlib import Path

import pytest

from verify.check_claim import run_necessity, stable_seed
from verify.checks import CHECKS, Settings
from verify.validate import load_claim

ROOT = Path(__file__).resolve().parents[1] / "claims"
PASSING = {"proved", "certified", "supported", "statistical"}

# (claim, the check's text as written, a mutant) - note 000 .. 004
MUTANTS = [
    ("neumann_series_limit", "opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 1) / (1 - opnorm(A))",
     "opnorm(inv(I - A) - S(N)) > opnorm(A)**(N + 1) / (1 - opnorm(A))"),
    ("neumann_series_limit", "opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 1) / (1 - opnorm(A))",
     "opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 2) / (1 - opnorm(A))"),
    ("gd_ols_iterate_sum", "gd(zeros(d, 1), t) == eta * sum(G**k * T(X) * y, k, 0, t - 1)",
     "gd(zeros(d, 1), t) == eta * sum(G**k * T(X) * y, k, 0, t)"),
    ("gd_ols_iterate_sum", "w1 - eta * T(X) * (X * w1 - y) == G * w1 + eta * T(X) * y",
     "w1 - eta * T(X) * (X * w1 - y) == T(G) * w1 + 2 * eta * T(X) * y"),
    ("rayleigh_lower_bound", "T(z) * H * z >= lam0 * norm(z)**2", "T(z) * H * z < lam0 * norm(z)**2"),
    ("rayleigh_lower_bound", "T(z) * H * z >= lam0 * norm(z)**2", "T(z) * H * z >= 2 * lam0 * norm(z)**2"),
    ("nls_gradient_formula", "vec(grad(L(W), W)) == 2 * J * (h(W) - y)", "vec(grad(L(W), W)) == J * (h(W) - y)"),
    ("weyl_lambda_min_perturbation", "lambda_min(A + E) >= lambda_min(A) - opnorm(E)",
     "lambda_min(A + E) >= lambda_min(A) - opnorm(E) / 2"),
    ("weyl_lambda_min_perturbation", "lambda_min(A + E) >= lambda_min(A) - opnorm(E)",
     "lambda_min(A + E) < lambda_min(A) - opnorm(E)"),
    ("gd_sufficient_decrease", "f(w - eta * g(w)) <= f(w) - eta / 2 * norm(g(w))**2",
     "f(w - eta * g(w)) <= f(w) - eta * norm(g(w))**2"),
    ("gd_sufficient_decrease", "f(w - eta * g(w)) <= f(w) - eta / 2 * norm(g(w))**2",
     "f(w - eta * g(w)) > f(w) - eta / 2 * norm(g(w))**2"),
    ("beta_smooth_descent_lemma", "abs(f(w2) - f(w1) - dot(g(w1), D)) <= beta / 2 * norm(D)**2",
     "abs(f(w2) - f(w1) - dot(g(w1), D)) <= beta / 20 * norm(D)**2"),
    ("deep_linear_gradient_formula", "grad(l(W3 * W2 * W1), W2) == T(W3) * G * T(W1)",
     "grad(l(W3 * W2 * W1), W2) == T(W3) * T(G) * T(W1)"),
    ("deep_linear_gradient_formula", "grad(l(W3 * W2 * W1), W1) == T(W3 * W2) * G",
     "grad(l(W3 * W2 * W1), W1) == 2 * T(W3 * W2) * G"),
    ("relu_first_layer_hessian_psd", "hessian(L(W), W) == T(J) * J", "hessian(L(W), W) == 2 * T(J) * J"),
    ("ntk_relu_gram_formula", "J(W) * T(J(W)) == H", "J(W) * T(J(W)) == m * H"),
    ("escape_time_bound_strict_saddle", "first(escaped(t), t, 0, 5000) <= T1",
     "first(escaped(t), t, 0, 5000) <= T1 - 1"),
    ("saddle_quadratic_model_dynamics", "ft(wT) - fs == sum(lam[i] * q(i), i, 1, d) / 2",
     "ft(wT) - fs == sum(lam[i] * q(i), i, 1, d)"),
]


def _run_check_with(tmp_path, claim_id, original, mutant):
    text = (ROOT / f"{claim_id}.yaml").read_text()
    assert original in text, f"{claim_id}: the check text changed; update this test"
    p = tmp_path / f"{claim_id}.yaml"
    p.write_text(text.replace(original, mutant, 1))
    claim, problems = load_claim(p)
    assert not problems, problems
    settings = Settings(seed=stable_seed(claim_id))
    specs = [s for s in claim.checks if str(s.text) == mutant]
    assert specs
    return [CHECKS[s.kind].run(s, claim, settings) for s in specs]


def test_mutants_cover_all_five_notes_and_ten_claims():
    from verify.pipeline import load_folder
    claims = load_folder(ROOT).claims
    notes = {claims[m[0]].source["note"][:3] for m in MUTANTS}
    assert notes == {"000", "001", "002", "003", "004"}
    assert len({m[0] for m in MUTANTS}) >= 10


@pytest.mark.parametrize("claim_id,original,mutant", MUTANTS, ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTANTS)])
def test_mutant_is_rejected(tmp_path, claim_id, original, mutant):
    for rec in _run_check_with(tmp_path, claim_id, original, mutant):
        assert rec["outcome"] not in PASSING, (rec["outcome"], rec["message"])


@pytest.mark.parametrize("claim_id", sorted({m[0] for m in MUTANTS}))
def test_dropping_each_hypothesis_breaks_the_conclusion(claim_id):
    claim, problems = load_claim(ROOT / f"{claim_id}.yaml")
    assert not problems
    if not claim.necessity:
        assert claim.notes.strip(), f"{claim_id}: no necessity case and no note saying why"
        pytest.skip(f"{claim_id} has no hypothesis to drop (its notes say why)")
    settings = Settings(seed=stable_seed(claim_id))
    for i, case in enumerate(claim.necessity):
        rec = run_necessity(claim, case, settings, i)
        assert rec["outcome"] == "needed", (case.drop, rec["message"])
