"""Evidence above floating point: z3 proves or refutes for all values, exact / arb certificates at the
instances - each shown to reject a broken variant, and never to pass on no evidence."""

from conftest import claim_text, run_first


def run(tmp_path, body, **settings):
    return run_first(tmp_path, claim_text(body=body), **settings)


DESCENT = """
symbols:
  beta: {real: [1, 10]}
  eta: {real: [0, 1]}
  w: {real: [-3, 3]}
assume:
  - {name: step, latex: 'x', expr: "0 < eta <= 1 / beta"}
checks:
  - numeric: beta/2*(w - eta*beta*w)**2 <= beta/2*w**2 - %s*eta/2*(beta*w)**2
"""


def test_z3_proves_the_descent_step_for_all_values(tmp_path):
    c = run(tmp_path, DESCENT % "1")
    assert c["outcome"] == "proved" and c["engine"] == "z3", c["message"]
    assert c["evidence"]["z3"].startswith("proved") and "z3_s" in c["timings"]


def test_z3_rejects_a_changed_constant_and_a_dropped_hypothesis(tmp_path):
    assert run(tmp_path, DESCENT % "2", search=0)["outcome"] == "refuted"          # changed constant
    dropped = (DESCENT % "1").replace('0 < eta <= 1 / beta', '0 < eta <= 3 / beta')
    c = run(tmp_path, dropped, search=0)
    assert c["outcome"] == "refuted", c["message"]
    v = {k: __import__("fractions").Fraction(x) for k, x in c["counterexample"]["values"].items()}
    assert v["eta"] * v["beta"] > 1                    # the model violates the dropped hypothesis


def test_a_z3_model_where_the_relation_is_undefined_is_not_a_counterexample(tmp_path):
    body = """
    symbols:
      x: {real: [0, 1]}
    checks:
      - numeric: x / x <= 1
    """
    c = run(tmp_path, body, search=0)
    assert c["outcome"] != "refuted", c["message"]      # x = 0 only: undefined, not false
    assert "z3" not in c["evidence"] or not c["evidence"]["z3"].startswith("proved")


def test_exact_certificate_refutes_what_floating_point_accepts(tmp_path):
    body = """
    symbols:
      x: {real: [1, 2]}
      A: {matrix: [2, 2]}
    checks:
      - numeric: A * x + matrix(2, 2, 1, 0, 0, 1) / 10**75 == x * A
    """
    floating = run(tmp_path, body, certify=False)
    assert floating["outcome"] == "supported"           # 1e-75 is inside the 50-digit band
    c = run(tmp_path, body)
    assert c["outcome"] == "refuted" and "certificate" in c["message"], c["message"]


def test_matrix_identity_is_certified_exactly_on_every_instance(tmp_path):
    body = """
    symbols:
      A: {matrix: [2, 3]}
      B: {matrix: [3, 2]}
    checks:
      - numeric: T(A * B) == T(B) * T(A)
        n: 10
    """
    c = run(tmp_path, body)
    assert c["outcome"] == "certified" and c["engine"] == "exact", c["message"]
    assert c["evidence"]["certified_instances"].startswith("10 of 10")
    broken = run(tmp_path, body.replace("T(B) * T(A)", "T(A) * T(B)"))
    assert broken["outcome"] in ("refuted", "error")    # 3x3 vs 2x2: not even the same shape


def test_balls_certify_transcendental_bounds_and_leave_unsupported_ones_supported(tmp_path):
    body = """
    symbols:
      x: {real: [-2, 2]}
    checks:
      - numeric: exp(x) >= 1 + x
        n: 10
    """
    c = run(tmp_path, body)
    assert c["outcome"] == "certified" and "arb" in c["engine"], c["message"]
    assert run(tmp_path, body.replace("1 + x", "1 + 2 * x"))["outcome"] == "refuted"
    grad = """
    symbols:
      x: {vector: 2}
    checks:
      - numeric: norm(grad(dot(x, x), x)) <= 2 * norm(x) + 1
        n: 5
    """
    c = run(tmp_path, grad)
    assert c["outcome"] == "supported" and "grad" in c["evidence"]["not_certified"]


def test_an_exact_check_is_raised_to_proved_by_z3_and_still_refutes_a_changed_constant(tmp_path):
    body = """
    symbols:
      x: {real: [0, 1]}
      y: {real: [0, 1]}
    checks:
      - exact: x * y <= (x**2 + y**2) / 2
        n: 3
    """
    c = run(tmp_path, body)
    assert c["outcome"] == "proved" and c["engine"] == "z3" and "z3_s" in c["timings"], c["message"]
    assert run(tmp_path, body.replace("/ 2", "/ 3"))["outcome"] == "refuted"
