"""Checks as strong as the notes (issue 13): each false variant of a claim that a reader could
mistake for the note's statement must be refuted by the claim's own checks.

Each case copies a claim file, replaces the text of its checks (or of a `define:` entry, for a
wrong definition) with the wrong statement (plain string replacement), loads it with verify's
loader and runs verify.check_claim.check_claim on the checks that the replacement changed (all of
them when a definition changed; the others are left out to keep the test fast, and so are the
necessity cases). The claim must come out "refuted": a confirmed counterexample, never a float
accident.
"""

from dataclasses import replace as dc_replace
from pathlib import Path

import pytest

from verify.check_claim import check_claim
from verify.validate import load_claim

CLAIMS = Path(__file__).resolve().parents[1] / "claims"
SCALAR_OPTIONS = ("n", "dims", "for", "search", "precision", "max_draws")


def run_variant(tmp_path, claim_id, replacements, count_each=None, text=None):
    """The claim `claim_id` with each (old, new) replacement applied to its file text (or to
    `text`, another version of the file); returns check_claim's record over the checks whose text
    the replacements changed."""
    if text is None:
        text = (CLAIMS / f"{claim_id}.yaml").read_text()
    (tmp_path / "original").mkdir(exist_ok=True)
    (tmp_path / "original" / f"{claim_id}.yaml").write_text(text)
    original, _ = load_claim(tmp_path / "original" / f"{claim_id}.yaml")
    for old, new in replacements:
        assert old in text, f"{claim_id}: {old!r} is no longer in the claim; update this test"
        if count_each is not None:
            assert text.count(old) == count_each, (old, text.count(old))
        text = text.replace(old, new)
    path = tmp_path / f"{claim_id}.yaml"
    path.write_text(text)
    claim, problems = load_claim(path)
    assert claim is not None and not problems, [str(p) for p in problems]
    def key(s):  # a check's identity: its text and its scalar options (not parsed symbol overrides)
        return s.kind, s.name, str(s.text), repr({k: v for k, v in s.options.items() if k in SCALAR_OPTIONS})

    before = {key(s) for s in original.checks}
    changed = [s for s in claim.checks if key(s) not in before]
    if not changed:  # a definition (`define:`) changed: every check is the variant's
        assert claim.defines != original.defines, f"{claim_id}: the replacements changed nothing"
        changed = claim.checks
    return check_claim(dc_replace(claim, checks=changed, necessity=[]))


def assert_refuted(record):
    outcomes = [(c["name"], c["outcome"], c["message"][:200]) for c in record["checks"]]
    assert record["status"] == "refuted", outcomes


# --- 1. the descent lemma and the Hessian bound meet negative curvature -------------------------

DESCENT = "beta_smooth_descent_lemma"
HESSIAN = "hessian_bound_from_smoothness"

# every family's bound with the constant beta/3 in place of beta/2
DESCENT_BETA_OVER_3 = [
    ("<= beta / 2 * norm(D)**2\n", "<= beta / 3 * norm(D)**2\n"),
    ("-beta_c / 2 * norm(D)**2 <=", "-beta_c / 3 * norm(D)**2 <="),
    ("<= beta_c / 2 * norm(D)**2\n", "<= beta_c / 3 * norm(D)**2\n"),
    ("-beta_m / 2 * norm(D)**2 <=", "-beta_m / 3 * norm(D)**2 <="),
    ("<= beta_m / 2 * norm(D)**2\n", "<= beta_m / 3 * norm(D)**2\n"),
    ("-beta_q / 2 * norm(D)**2 <=", "-beta_q / 3 * norm(D)**2 <="),
    ("<= beta_q / 2 * norm(D)**2\n", "<= beta_q / 3 * norm(D)**2\n"),
]

# "beta-smooth implies convex": the lower bound 0 <= f(w2) - f(w1) - <grad f(w1), D>
DESCENT_CONVEX = [
    ("numeric: abs(f(w2) - f(w1) - dot(g(w1), D)) <= beta / 2 * norm(D)**2",
     "numeric: 0 <= f(w2) - f(w1) - dot(g(w1), D) <= beta / 2 * norm(D)**2"),
    ("-beta_c / 2 * norm(D)**2 <=", "0 <="),
    ("-beta_m / 2 * norm(D)**2 <=", "0 <="),
    ("-beta_q / 2 * norm(D)**2 <=", "0 <="),
]

# the lower end of the spectrum at 0 instead of -beta
HESSIAN_PSD = [
    ("-beta <= lambda_min(H(w))", "0 <= lambda_min(H(w))"),
    ("-beta_c <= lambda_min(Hc(w))", "0 <= lambda_min(Hc(w))"),
    ("-beta_m <= lambda_min(Hm(w))", "0 <= lambda_min(Hm(w))"),
    ("-beta_q <= lambda_min(hessian(fq(w), w))", "0 <= lambda_min(hessian(fq(w), w))"),
]


def test_descent_lemma_with_beta_over_3_is_refuted(tmp_path):
    assert_refuted(run_variant(tmp_path, DESCENT, DESCENT_BETA_OVER_3, count_each=1))


@pytest.mark.parametrize("family", ["beta_c", "beta_m", "beta_q"])
def test_descent_lemma_with_beta_over_3_is_refuted_on_each_nonconvex_family(tmp_path, family):
    pairs = [p for p in DESCENT_BETA_OVER_3 if family in p[0]]
    assert_refuted(run_variant(tmp_path, DESCENT, pairs))


def test_smooth_implies_convex_is_refuted(tmp_path):
    assert_refuted(run_variant(tmp_path, DESCENT, DESCENT_CONVEX, count_each=1))


@pytest.mark.parametrize("family", ["beta_c", "beta_m", "beta_q"])
def test_smooth_implies_convex_is_refuted_on_each_nonconvex_family(tmp_path, family):
    assert_refuted(run_variant(tmp_path, DESCENT, [p for p in DESCENT_CONVEX if family in p[0]]))


def test_hessian_bound_with_psd_lower_end_is_refuted(tmp_path):
    assert_refuted(run_variant(tmp_path, HESSIAN, HESSIAN_PSD, count_each=1))


@pytest.mark.parametrize("family", ["beta_c", "beta_m", "beta_q"])
def test_hessian_bound_with_psd_lower_end_is_refuted_on_each_nonconvex_family(tmp_path, family):
    assert_refuted(run_variant(tmp_path, HESSIAN, [p for p in HESSIAN_PSD if family in p[0]]))


def test_hessian_equality_case_refutes_a_psd_lower_end(tmp_path):
    """f = -beta/2 ||w||^2 alone: its Hessian is -beta I, so 0 <= lambda_min fails."""
    assert_refuted(run_variant(tmp_path, HESSIAN, [
        ("-beta <= lambda_min(hessian(-beta / 2 * dot(w, w), w))", "0 <= lambda_min(hessian(-beta / 2 * dot(w, w), w))")]))


# --- 2. a check follows from the hypotheses, not from the sampler -------------------------------

NEUMANN = "neumann_series_limit"
NEUMANN_LIMIT = "opnorm(inv(I - A) - S(1000)) <= opnorm(A)**1001 / (1 - opnorm(A))"


def test_neumann_sampler_covers_the_hypothesis():
    """||A||_op < 1 is the hypothesis: the sampler must reach norms close to 1, not stop at 0.95."""
    claim, _ = load_claim(CLAIMS / f"{NEUMANN}.yaml")
    lo, hi = (float(x) for x in claim.raw["symbols"]["A"]["sample"]["spectral_norm"])
    assert lo == 0 and hi >= 0.999


def test_neumann_absolute_tolerance_at_n_1000_is_refuted(tmp_path):
    """The old check: false under ||A|| < 1 (A = 999/1000 gives an error of about 367)."""
    assert_refuted(run_variant(tmp_path, NEUMANN, [(NEUMANN_LIMIT, "opnorm(inv(I - A) - S(1000)) <= 10**(-20)")]))


def test_neumann_bound_at_n_1000_with_a_smaller_exponent_is_refuted(tmp_path):
    assert_refuted(run_variant(tmp_path, NEUMANN, [(NEUMANN_LIMIT, "opnorm(inv(I - A) - S(1000)) <= opnorm(A)**1100 / (1 - opnorm(A))")]))


# --- 3. definitions whose checks discriminate ----------------------------------------------------

EPS_STAT = "eps_stationary_definition"
EPS_STAT_DEF = "stat(y, e): norm(gq(y)) <= e"


@pytest.mark.parametrize("wrong", [
    "stat(y, e): norm(gq(y))**2 <= e",      # the squared norm
    "stat(y, e): norm(gq(y)) <= e / 2",     # a different constant
    "stat(y, e): norm(gq(y)) < e",          # strict: then no point is 0-stationary
    "stat(y, e): norm(gq(y)) <= 2 * e",
])
def test_eps_stationary_wrong_definitions_are_refuted(tmp_path, wrong):
    assert_refuted(run_variant(tmp_path, EPS_STAT, [(EPS_STAT_DEF, wrong)], count_each=1))


BETA_DEF = "beta_smooth_definition"
BETA_DEF_LIP = "lip(u1, u2, L): norm(u1 - u2) <= L * norm(w1 - w2)"


@pytest.mark.parametrize("wrong", [
    "lip(u1, u2, L): norm(u1 - u2) <= L * norm(w1 - w2)**2",   # the squared distance
    "lip(u1, u2, L): norm(u1 - u2) <= L / 2 * norm(w1 - w2)",
    "lip(u1, u2, L): norm(u1 - u2) <= L**2 * norm(w1 - w2)",
    "lip(u1, u2, L): norm(u1 - u2) <= norm(w1 - w2)",          # E34: the display as written
    "lip(u1, u2, L): norm(u1 - u2) <= 2 * L * norm(w1 - w2)",  # weaker: true of every example,
    "lip(u1, u2, L): norm(u1 - u2) <= (L + 1) * norm(w1 - w2)",  # refuted by the tight case only
])
def test_beta_smooth_wrong_definitions_are_refuted(tmp_path, wrong):
    assert_refuted(run_variant(tmp_path, BETA_DEF, [(BETA_DEF_LIP, wrong)], count_each=1))


SOSP = "second_order_stationarity"
SOSP_DEF = "sosp(G, H): norm(G) == 0 and lambda_min(H) >= 0"
ESOSP_DEF = "esosp(G, H, e): norm(G) <= e and lambda_min(H) >= -sqrt(rho * e)"


@pytest.mark.parametrize("old,wrong", [
    (SOSP_DEF, "sosp(G, H): norm(G) == 0 and lambda_min(H) > 0"),        # Hessian positive definite
    (SOSP_DEF, "sosp(G, H): lambda_min(H) >= 0"),                         # no gradient condition
    (ESOSP_DEF, "esosp(G, H, e): norm(G) <= e and lambda_min(H) >= -rho * e"),
    (ESOSP_DEF, "esosp(G, H, e): norm(G) <= e and lambda_min(H) >= -sqrt(e / rho)"),
    (ESOSP_DEF, "esosp(G, H, e): norm(G) <= e**2 and lambda_min(H) >= -sqrt(rho * e)"),
    (ESOSP_DEF, "esosp(G, H, e): norm(G) < e and lambda_min(H) >= -sqrt(rho * e)"),
    (ESOSP_DEF, "esosp(G, H, e): norm(G) <= e and lambda_min(H) > -sqrt(rho * e)"),
    (ESOSP_DEF, "esosp(G, H, e): norm(G) <= e and lambda_min(H) >= 0"),  # the exact SOSP's curvature
])
def test_second_order_stationarity_wrong_definitions_are_refuted(tmp_path, old, wrong):
    assert_refuted(run_variant(tmp_path, SOSP, [(old, wrong)], count_each=1))


STRICT = "strict_saddle_definition"
STRICT_DEF = "strict(G, H): norm(G) == 0 and lambda_min(H) < 0"


@pytest.mark.parametrize("wrong", [
    "strict(G, H): norm(G) == 0 and lambda_min(H) <= 0",   # would make x^2 + y^3 strict
    "strict(G, H): lambda_min(H) < 0",                      # no stationarity
    "strict(G, H): norm(G) == 0 and lambda_max(H) < 0",    # a local maximum only
    "strict(G, H): norm(G) == 0 and lambda_min(H) < -1",   # a margin the note does not ask for
])
def test_strict_saddle_wrong_definitions_are_refuted(tmp_path, wrong):
    assert_refuted(run_variant(tmp_path, STRICT, [(STRICT_DEF, wrong)], count_each=1))


PL = "pl_condition_definition"
PL_DEF = "pl(x, m): norm(gf(x))**2 >= m * (f(x) - fstar)"


@pytest.mark.parametrize("wrong", [
    "pl(x, m): norm(gf(x))**2 / 2 >= m * (f(x) - fstar)",   # the literature's convention
    "pl(x, m): norm(gf(x)) >= m * (f(x) - fstar)",          # the OCR's unsquared norm
    "pl(x, m): norm(gf(x))**2 >= m * (f(x) - fstar)**2",
    "pl(x, m): norm(gf(x))**2 >= m * f(x)",                 # f* forgotten
    "pl(x, m): norm(gf(x))**2 >= m / 2 * (f(x) - fstar)",   # weaker: refuted by the tight case only
])
def test_pl_wrong_definitions_are_refuted(tmp_path, wrong):
    assert_refuted(run_variant(tmp_path, PL, [(PL_DEF, wrong)], count_each=1))


# --- 4. the generality the note states --------------------------------------------------------

DEEP = "deep_linear_gradient_formula"


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_deep_linear_gradient_wrong_at_one_depth_is_refuted(tmp_path, depth):
    """The formula is checked at every depth N = 2, 3, 4: a version wrong only at one depth fails."""
    assert_refuted(run_variant(tmp_path, DEEP, [
        ("numeric: grad(lN(P), W1) == T(above(1)) * GN",
         f"numeric: grad(lN(P), W1) == T(piecewise(N == {depth}, 2 * above(1), above(1))) * GN")]))


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_deep_linear_gradient_symbolic_check_covers_every_depth(tmp_path, depth):
    assert_refuted(run_variant(tmp_path, DEEP, [
        ("symbolic: grad(lpN(P), W2) == T(above(2)) * GpN * T(below(2))",
         f"symbolic: grad(lpN(P), W2) == T(above(2)) * GpN * T(below(2)) * (1 + ind(N == {depth}))")]))


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_deep_linear_hessian_wrong_at_one_depth_is_refuted(tmp_path, depth):
    assert_refuted(run_variant(tmp_path, "deep_linear_hessian_formula", [
        ("numeric: at(diff(lN(PN(s)), s, 2), s, 0) == at(diff(lN(EN + s * LN), s, 2), s, 0) + 2 * dot(GN, QN)",
         f"numeric: at(diff(lN(PN(s)), s, 2), s, 0) == at(diff(lN(EN + s * LN), s, 2), s, 0) + 2 * dot(GN, QN) * (1 + ind(N == {depth}))")]))


def test_depth_ge3_sign_of_s_argument_fails_at_even_depth(tmp_path):
    """The old checks flipped the sign of s to go below and above l(0): right at N = 3, false at
    N = 4, where Phi(s D) = l(s^4 E) does not change with the sign of s. (At one scale, 2^-8:
    the claim's first(...) over 61 scales is correct but slow to shrink when it fails.)"""
    rec = run_variant(tmp_path, "depth_ge3_nonstrict_saddle", [
        ("first(Phis(1 / 2**k, -sg) <= l(O) - 10**(-30), k, 0, 60) <= 60\n    n: 10",
         "Phi(-sg / 2**8) < l(O)\n    n: 6"),
        ("first(Phis(1 / 2**k, sg) >= l(O) + 10**(-30), k, 0, 60) <= 60\n    n: 10",
         "Phi(sg / 2**8) > l(O)\n    n: 6")])
    assert_refuted(rec)
    failing = [c["counterexample"]["values"] for c in rec["checks"] if c["outcome"] == "refuted"]
    assert failing and all(v["N"] == "4" for v in failing), failing


def test_depth_ge3_witnesses_at_one_scale_hold_with_the_sign_on_d1(tmp_path):
    """The same single-scale witnesses with the sign put on D_1 (the claim's form) hold at N = 3, 4."""
    rec = run_variant(tmp_path, "depth_ge3_nonstrict_saddle", [
        ("first(Phis(1 / 2**k, -sg) <= l(O) - 10**(-30), k, 0, 60) <= 60\n    n: 10",
         "Phis(1 / 2**8, -sg) < l(O)\n    n: 6"),
        ("first(Phis(1 / 2**k, sg) >= l(O) + 10**(-30), k, 0, 60) <= 60\n    n: 10",
         "Phis(1 / 2**8, sg) > l(O)\n    n: 6")])
    assert rec["status"] in ("supported", "certified"), [(c["outcome"], c["message"][:200]) for c in rec["checks"]]


# --- 5. thin failure regions ----------------------------------------------------------------

GD_STEP = "gd_eps_stationary_step_bound"


@pytest.mark.parametrize("old,wrong", [
    ("first(norm(gq(wq(t))) <= epsq, t, 0, 3000) <= 2 * q(w0) / (eta * epsq**2)",
     "first(norm(gq(wq(t))) <= epsq, t, 0, 3000) <= 2 * q(w0) / (eta * epsq**1)"),
    ("first(norm(g(W(t))) <= eps, t, 0, 200) <= 2 * (f(w0) - n) / (eta * eps**2)\n    n: 8",
     "first(norm(g(W(t))) <= eps, t, 0, 200) <= 2 * (f(w0) - n) / (eta * eps**1)\n    n: 8"),
], ids=["quadratics", "pseudo-huber"])
def test_gd_step_bound_with_eps_to_the_first_power_is_refuted(tmp_path, old, wrong):
    """eps**1 for eps**2 fails in about 2% of the draws (small eps, eta near 1/beta)."""
    assert_refuted(run_variant(tmp_path, GD_STEP, [(old, wrong)], count_each=1))


def test_sgd_abc_rate_with_bq_to_the_first_power_is_refuted(tmp_path):
    """bq**1 for bq**2 fails in about 1.5% of the draws (bq < 1)."""
    assert_refuted(run_variant(tmp_path, "sgd_abc_condition_rate",
                               [("numeric: bq**2 * sumq / Kq <= ep**2", "numeric: bq**1 * sumq / Kq <= ep**2")],
                               count_each=1))


# --- 6. the graph and the errata say what the notes say ----------------------------------------

@pytest.fixture(scope="module")
def library():
    from verify.pipeline import load_folder
    loaded = load_folder(CLAIMS)
    assert not loaded.problems, [str(p) for p in loaded.problems]
    return loaded.claims


@pytest.mark.parametrize("claim_id,dependency", [
    ("du_gradient_norm_bound", "du_thm32_convergence"),          # its last step is (11)
    ("global_convergence_poly_width", "ntk_infinite_width_arccos"),  # lambda_0 by the arc-cosine kernel
    ("global_convergence_poly_width", "ntk_relu_gram_formula"),
    ("global_convergence_poly_width", "du_lambda0_positive"),
    ("noise_injected_gd_poly_time", "second_order_stationarity"),    # its output is an eps-SOSP
    ("noise_injected_gd_poly_time", "strict_saddle_definition"),
    ("pgd_jin_et_al", "second_order_stationarity"),
    ("du_thm32_convergence", "gram_concentration_hoeffding"),       # the proof sketch's two parts
    ("du_thm32_convergence", "weyl_lambda_min_perturbation"),
    ("du_thm32_convergence", "du_lemmas_32_33_34"),
    ("yu_chen_wide_sigmoid_no_bad_minima", "surrogate_regression_zero_loss"),
    ("yu_chen_wide_sigmoid_no_bad_minima", "sigmoid_feature_rank_generic"),
])
def test_proof_edges_from_the_notes(library, claim_id, dependency):
    assert dependency in library[claim_id].uses


def test_e01_is_classified_once_with_its_reading(library):
    entries = [e for c in library.values() for e in c.errata if e.get("id") == "E01"]
    assert len(entries) >= 5
    assert {e["kind"] for e in entries} == {"confirmed"}
    readings = {" ".join(e.get("reading", "").split()) for e in entries}
    assert len(readings) == 1 and "2 / sigma_max(X)^2" in readings.pop()
    assert library["gd_ols_min_norm_limit_as_written"].erratum == "E01"


@pytest.mark.parametrize("erratum,claim_id", [("E04", "pinv_min_norm_interpolator"), ("E21", "nls_jacobian_pl")])
def test_possible_ocr_damage_is_marked_suspected_with_the_reading(library, erratum, claim_id):
    entry = next(e for e in library[claim_id].errata if e["id"] == erratum)
    assert entry.get("status") == "suspected" and entry.get("reading")


def test_errata_status_is_in_the_schema_and_the_report(tmp_path):
    import json
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from fixtures_results import make_results
    from verify.report import write_report
    root = Path(__file__).resolve().parents[1]
    schema = json.loads((root / "verify" / "schemas" / "claim.schema.json").read_text())
    props = schema["properties"]["errata"]["items"]["properties"]
    assert props["status"]["enum"] == ["confirmed", "suspected"]
    docs = json.loads((root / "docs" / "claim.schema.json").read_text())
    assert docs["properties"]["errata"]["items"]["properties"]["status"] == props["status"]
    results = make_results()
    claim = next(c for c in results["claims"] if c.get("errata"))
    claim["errata"].append({"id": "E04", "kind": "confirmed", "status": "suspected",
                            "text": "X^T y for X^+ y", "reading": "a dagger read as a T"})
    write_report(results, tmp_path / "r")
    index = (tmp_path / "r" / "index.html").read_text()
    row = index[index.index("<td>E04</td>"):].split("</tr>")[0]
    assert "suspected" in row and "a dagger read as a T" in row
    page = next((tmp_path / "r" / "claims").glob(f"{claim['id']}*.html")).read_text()
    item = page[page.index(">E04<"):].split("</li>")[0]
    assert "suspected" in item and "a dagger read as a T" in item
