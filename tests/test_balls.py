"""Certificates at one instance: exact rationals, arb balls, and what neither may claim."""

import itertools
import time
from fractions import Fraction as F
from pathlib import Path

import pytest

from verify.check_claim import stable_seed
from verify.checks import Settings
from verify.checks.numeric import Sampling
from verify.errors import EvalError, LimitExceeded
from verify.expr import nodes as N
from verify.expr.parser import parse
from verify.certify.balls import certify
from verify.validate import load_claim
from verify.verdict import relation_verdict

CLAIMS = Path(__file__).resolve().parent.parent / "claims"


def cert(text, inst=None, prec_bits=300):
    inst = inst or {}
    names = set(inst) | {"k", "i"}
    return certify(parse(text, names), inst, prec_bits)


def mat(rows):
    return [[F(x) for x in row] for row in rows]


# -- exact -------------------------------------------------------------------------------------

@pytest.mark.parametrize("x, y", [(F(1, 3), F(-7, 5)), (F(2), F(2)), (F(0), F(10**30 + 1, 7))])
def test_am_gm_is_exact(x, y):
    c = cert("x*y <= (x**2 + y**2)/2", {"x": x, "y": y})
    assert (c.holds, c.engine) == (True, "exact")


def test_exact_equalities():
    assert cert("(1/3)*3 == 1") .holds is True
    c = cert("inv(A)*A == I", {"A": mat([[1, 2], [3, F(5, 7)]])})
    assert (c.holds, c.engine) == (True, "exact")
    c = cert("A*inv(A) == eye(3) and det(inv(A)) * det(A) == 1",
             {"A": mat([[2, 1, 0], [F(1, 3), 4, 1], [0, 1, 5]])})
    assert (c.holds, c.engine) == (True, "exact")


def test_exact_refutes_a_tiny_difference():
    c = cert("(1/3)*3 == 1 + 1/10**60")
    assert (c.holds, c.engine) == (False, "exact")


def test_square_roots_stay_exact():
    # c*sqrt(r) values: squares, products and comparisons of unlike roots are exact.
    v = {"v": mat([[1], [2], [F(3, 7)]])}
    assert cert("norm(v)**2 == dot(v, v)", v).engine == "exact"
    assert cert("sqrt(2)**2 == 2").holds is True
    assert cert("sqrt(2) * sqrt(8) == 4").holds is True
    assert cert("sqrt(2) + sqrt(3) > sqrt(5)").holds is True
    c = cert("sqrt(2) < 1.4142135623730951")  # 1.41421356237309504... < 1.41421356237309510
    assert (c.holds, c.engine) == (True, "exact")
    assert cert("sqrt(2) < 1.4142135623730950").holds is False


def test_singular_inverse_is_an_error_not_a_verdict():
    c = cert("inv(A) * A == I", {"A": mat([[1, 2], [2, 4]])})
    assert c.holds is None and "singular" in c.detail


# -- arb balls -------------------------------------------------------------------------------

@pytest.mark.parametrize("x", [F(-3), F(-1, 2), F(1, 1000), F(1, 3), F(7)])
def test_exp_above_tangent(x):
    c = cert("exp(x) >= 1 + x", {"x": x})
    assert (c.holds, c.engine) == (True, "arb")


def test_equalities_of_balls_are_never_proved():
    # sqrt(2)**2 == 2 is exact above (square roots are kept exact); through balls it is not:
    c = cert("(sqrt(2) + 0 * pi)**2 == 2")
    assert (c.holds, c.engine) == (None, "arb")
    assert cert("sin(x)**2 + cos(x)**2 == 1", {"x": F(1, 3)}).holds is None
    assert cert("exp(log(x)) == x", {"x": F(2)}).holds is None
    # ... but they are refuted when the ball excludes 0
    assert cert("sin(x)**2 + cos(x)**2 == 1 + 1/10**80", {"x": F(1, 3)}).holds is False


def test_non_strict_tie_in_balls_is_undecided():
    assert cert("sin(x)**2 + cos(x)**2 <= 1", {"x": F(1, 3)}).holds is None


def test_exact_parts_of_a_ball_evaluation_decide():
    # ind() of a decided condition is exactly 1; floor of a ball away from integers is exact
    assert cert("ind(exp(x) > 1) == 1", {"x": F(1, 3)}).holds is True
    assert cert("floor(exp(2)) == 7").holds is True
    assert cert("ind(sin(pi) > 0) == 0").holds is None  # sin(pi) is a ball around 0


def test_ball_sqrt_comparison():
    c = cert("sqrt(2) + 0 * pi < 1.4142135623730951")
    assert (c.holds, c.engine) == (True, "arb")
    assert cert("sqrt(2) + 0 * pi > 1.4142135623730951").holds is False


def test_eigenvalues():
    A = {"A": mat([[1, 2], [3, F(5, 7)]])}
    assert cert("lambda_min(T(A) * A) > 0", A).holds is True
    assert cert("opnorm(A) <= norm(A)", A).holds is True
    assert cert("opnorm(A) > norm(A)", A).holds is False
    # a repeated eigenvalue (3, 3, 1): enclosures of clusters still decide
    S = {"S": mat([[2, 1, 0], [1, 2, 0], [0, 0, 3]])}
    assert cert("lambda_max(S) < 3 + 1/10**50 and lambda_min(S) > 1 - 1/10**50", S).holds is True
    assert cert("lambda_max(S) <= 3", S).holds is None  # tight: balls cannot decide
    assert cert("lambda_min(eye(3)) == 1").engine == "exact"  # diagonal: exact
    c = cert("lambda_min(A) > 0", A)
    assert c.holds is None and "non-symmetric" in c.detail


# -- broken variants are rejected -----------------------------------------------------------

def test_broken_variants_are_refuted():
    half = {"x": F(1, 2)}
    assert cert("exp(x) <= 1 + x", half).holds is False              # flipped
    assert cert("exp(x) >= 1 + 2 * x", half).holds is False          # changed constant: e^0.5 < 2
    # exp(-x) <= 1 needs x >= 0; dropped, x = -1 violates it
    assert cert("exp(-x) <= 1", {"x": F(-1)}).holds is False
    # Bernoulli (1 + x)**3 >= 1 + 3x needs x >= -2 (true for x >= -3); x = -4 violates it
    c = cert("(1 + x)**3 >= 1 + 3 * x", {"x": F(-4)})
    assert (c.holds, c.engine) == (False, "exact")


# -- thin cases and precision ---------------------------------------------------------------

RAMANUJAN = "exp(pi * sqrt(163)) {op} 640320**3 + 744"


def test_ramanujan_constant_is_decided_correctly():
    # e^(pi sqrt 163) = 640320^3 + 743.99999999999925007...: the difference is -7.5e-13
    assert cert(RAMANUJAN.format(op=">")).holds is False
    assert cert(RAMANUJAN.format(op="<")).holds is True
    assert cert(RAMANUJAN.format(op="==")).holds is False
    # too few bits: the ball is wider than the gap, so undecided (never a wrong answer)
    for prec in (20, 53, 60):
        assert cert(RAMANUJAN.format(op="<"), prec_bits=prec).holds in (None, True)
        assert cert(RAMANUJAN.format(op=">"), prec_bits=prec).holds in (None, False)
    assert cert(RAMANUJAN.format(op="<"), prec_bits=20).holds is None


def test_wide_ball_is_undecided():
    c = cert("exp(x) < exp(y)", {"x": F(1, 3), "y": F(1, 3) + F(1, 10**9)}, prec_bits=20)
    assert c.holds is None and c.engine == "arb"
    assert cert("exp(x) < exp(y)", {"x": F(1, 3), "y": F(1, 3) + F(1, 10**9)}).holds is True


# -- what is not supported -------------------------------------------------------------------

def test_unsupported_functions_are_named():
    c = cert("grad(x**2, x) == 2 * x", {"x": F(1)})
    assert (c.holds, c.engine) == (None, "") and "grad" in c.detail
    c = cert("norm(pinv(A)) >= 0", {"A": mat([[1, 2], [3, 4]])})
    assert c.holds is None and "pinv" in c.detail


def test_an_and_is_refuted_by_one_decided_part():
    c = cert("grad(x**2, x) == 2 * x and exp(x) < 1", {"x": F(1)})
    assert c.holds is False
    c = cert("grad(x**2, x) == 2 * x and exp(x) > 1", {"x": F(1)})
    assert c.holds is None


def test_never_raises_and_does_not_hang():
    start = time.perf_counter()
    assert cert("A + x == A", {"A": mat([[1, 2]]), "x": F(1)}).holds is None   # matrix + scalar
    assert cert("T(A) <= A", {"A": mat([[1, 2]])}).holds is None
    assert cert("x**(10**9) >= 0", {"x": F(3, 2)}).holds is None               # refused exponent
    assert cert("norm(zeros(100, 100)) == 0").holds is None                    # above max_dim
    assert cert("sum(sum(k*i, k, 1, 10**5), i, 1, 10**5) > 0").holds is None  # step budget
    big = {"A": mat([[F(1, 3), 1], [1, F(1, 7)]]), "n": 100_000}
    assert cert("A**n == A", big).holds is not True     # exact gives up, balls decide or not
    # a shared chain x_{k+1} = x_k * x_k: 2**60 bits if expanded; must fall back and stop
    node = N.Sym("x")
    for _ in range(60):
        node = N.BinOp("*", node, node)
    c = certify(N.Compare((">",), (node, N.Num(F(0)))), {"x": F(3, 2)})
    assert c.holds in (True, None)
    assert time.perf_counter() - start < 20


def test_sums_products_and_binders():
    assert cert("sum(k, k, 1, n) == n * (n + 1) / 2", {"n": 40}).holds is True
    assert cert("prod(1 + 1/k, k, 1, n) == n + 1", {"n": 30}).holds is True
    assert cert("sum(1/k**2, k, 1, n) < pi**2 / 6", {"n": 50}).holds is True
    assert cert("piecewise(x > 0, x, -x) == abs(x)", {"x": F(-2, 3)}).holds is True


def test_first_without_an_index_is_infinite_as_in_the_language():
    """first(cond, t, lo, hi) is +oo when no t in lo..hi satisfies cond (functions.py): the balls
    decide it when every condition is decided false, so a necessity case whose iteration diverges
    is confirmed by arb instead of by agreement at 150 digits (before: "unsupported")."""
    never = "first(2**k < 0, k, 0, 50)"
    assert cert(f"{never} <= 10").holds is False and cert(f"{never} <= 10").engine == "arb"
    assert cert(f"{never} > 10**9").holds is True
    assert cert(f"{never} - {never} >= 0").holds is None      # oo - oo: undefined, never decided
    assert cert(f"0 * {never} >= 0").holds is None
    assert cert("oo > 10**100").holds is True and cert("-oo < 0").holds is True
    assert cert("1 / oo == 0").holds is None or cert("1 / oo == 0").holds is True
    assert cert("sum(k, k, 1, oo) > 0").holds is None         # an infinite range is refused
    assert "oo" in cert(f"{never} <= 10").detail and "+/-" not in cert(f"{never} <= 10").detail


# -- agreement with the mpmath verdict on library claims -------------------------------------

AGREE = ["beta_smooth_descent_lemma", "compact_svd_identities", "gd_ols_power_via_svd",
         "gd_pl_linear_rate", "weyl_lambda_min_perturbation", "du_lambda0_positive",
         "gaussian_design_step_size_heuristic_as_written", "pinv_min_norm_interpolator_as_written",
         "hessian_bound_proof_step_as_written", "surrogate_regression_zero_loss_as_written"]


def _instances(claim, spec, n):
    s = Sampling(claim, spec, Settings(seed=stable_seed(claim.id)))
    return s, list(itertools.islice(s.instances(), n))


@pytest.mark.parametrize("claim_id", AGREE)
def test_agrees_with_relation_verdict(claim_id):
    claim, problems = load_claim(CLAIMS / f"{claim_id}.yaml")
    assert claim is not None, problems
    decided = 0
    for spec in claim.checks:
        if spec.kind != "numeric":
            continue
        s, insts = _instances(claim, spec, 3)
        for inst in insts:
            c = certify(spec.nodes, inst)
            if c.holds is None:
                continue
            decided += 1
            try:
                v = relation_verdict(spec.nodes, inst, s.precisions).holds
            except (EvalError, LimitExceeded):
                v = "error"
            assert v == c.holds, (claim_id, spec.index, c, v)
            if claim.expect == "fails" and v is False:
                assert c.holds is False
    assert decided > 0
