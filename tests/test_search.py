"""The local search after the random phase: it finds failures that random sampling misses, never
leaves the claim's domain, and reports how hard it pushed."""

from fractions import Fraction

from conftest import claim_text, run_first

THIN = """
symbols:
  x: {real: [0, 1]}
checks:
  - numeric: abs(x - 0.3137) >= 0.0001
    n: 50%s
"""

# A descent bound written with a constant 1.01 too strong: false only for eta close to 1/beta,
# a thin slice of the region the hypotheses allow.
EDGE = """
symbols:
  beta: {real: [1, 10]}
  eta: {real: [0, 1]}
  w: {real: [-3, 3]}
assume:
  - {name: step, latex: '0 < \\eta \\le 1/\\beta', expr: "0 < eta <= 1 / beta"}
checks:
  - numeric: beta/2*(w - eta*beta*w)**2 <= beta/2*w**2 - 1.01*eta/2*(beta*w)**2 + 0.0001%s
"""


def _check(tmp_path, text, certify=False):
    """The first check's record; z3 and the certificates are off unless asked for, so that
    what is measured here is the sampling and the search."""
    return run_first(tmp_path, claim_text(body=text), certify=certify)


def test_random_sampling_alone_misses_the_thin_window(tmp_path):
    c = _check(tmp_path, THIN % "\n    search: 0")
    assert c["outcome"] == "supported"
    assert "search_evaluations" not in c["evidence"]


def test_search_finds_the_thin_window_and_shrinks_it_to_a_simple_fraction(tmp_path):
    c = _check(tmp_path, THIN % "")
    assert c["outcome"] == "refuted", c["message"]
    assert "local search" in c["message"]
    x = Fraction(c["counterexample"]["values"]["x"])
    assert abs(x - Fraction(3137, 10000)) < Fraction(1, 10000)       # really inside the window
    assert x.denominator < 1000 and c["counterexample"]["shrunk"]


def test_search_finds_a_failure_at_the_edge_of_a_hypothesis(tmp_path):
    assert _check(tmp_path, EDGE % "\n    search: 0")["outcome"] == "supported"
    c = _check(tmp_path, EDGE % "")
    assert c["outcome"] == "refuted", c["message"]
    v = {k: Fraction(x) for k, x in c["counterexample"]["values"].items()}
    assert 0 < v["eta"] <= 1 / v["beta"]                              # inside the hypothesis
    lhs = v["beta"] / 2 * (v["w"] - v["eta"] * v["beta"] * v["w"]) ** 2
    rhs = v["beta"] / 2 * v["w"] ** 2 - Fraction(101, 100) * v["eta"] / 2 * (v["beta"] * v["w"]) ** 2 + Fraction(1, 10**4)
    assert lhs > rhs                                                  # a real counterexample


def test_a_true_bound_survives_the_search_and_reports_the_smallest_margin(tmp_path):
    c = _check(tmp_path, EDGE.replace("1.01*", "") % "")
    assert c["outcome"] == "supported"
    ev = c["evidence"]
    assert ev["search_evaluations"] > 0
    assert float(ev["search_best_margin"]) <= float(ev["search_start_margin"])
    assert float(ev["search_best_margin"]) >= 0
    assert "found no failure, its tightest relative slack" in c["message"]


def test_search_keeps_structured_symbols_in_their_family(tmp_path):
    """Q is drawn orthogonal and nothing in `assume` says so: nudging its entries would leave the
    claim's domain and 'refute' a true bound. The search redraws it instead."""
    text = """
    symbols:
      n: {integer: [1, 4]}
      Q: {matrix: [n, n], sample: {orthogonal: []}}
      x: {vector: n}
    checks:
      - numeric: norm(Q * x) <= norm(x)
    """
    c = _check(tmp_path, text)
    assert c["outcome"] == "supported", c["message"]


def test_search_is_deterministic(tmp_path):
    a = _check(tmp_path, EDGE % "")
    b = _check(tmp_path, EDGE % "")
    assert a["counterexample"] == b["counterexample"] and a["evidence"] == b["evidence"]


def test_search_option_is_validated(tmp_path):
    from conftest import problems_of
    probs = problems_of(tmp_path, claim_text(body=THIN % "\n    search: -1"))
    assert any("search" in str(p) for p in probs)


def test_z3_alone_finds_the_thin_window_too(tmp_path):
    c = _check(tmp_path, THIN % "\n    search: 0", certify=True)
    assert c["outcome"] == "refuted" and c["engine"] == "z3", c["message"]
    x = Fraction(c["counterexample"]["values"]["x"])
    assert abs(x - Fraction(3137, 10000)) < Fraction(1, 10000)


def test_a_candidate_on_a_kink_is_skipped_not_a_crash(tmp_path):
    """The inward push reaches x = 0 exactly, where step(x) is undecided: that candidate is not an
    instance the engines can evaluate, so the search passes it by (found by the library run)."""
    c = _check(tmp_path, """
    symbols:
      x: {real: [-1, 1]}
    checks:
      - numeric: step(x) * x >= 0 - 1/10
    """)
    assert c["outcome"] == "supported", c["message"]


def test_a_shrunk_counterexample_stays_in_the_samplers_ranges(tmp_path):
    """d is drawn from [m, 5]: shrinking towards smaller integers must not fix d below m (it did:
    a rank claim was 'refuted' at d1 = 1 < m = 4)."""
    c = _check(tmp_path, """
    symbols:
      m: {integer: [2, 4]}
      d: {integer: ['m', 5]}
    checks:
      - numeric: d - d >= 1
        search: 0
    """)
    assert c["outcome"] == "refuted"
    v = {k: int(x) for k, x in c["counterexample"]["values"].items()}
    assert v["m"] <= v["d"] <= 5
