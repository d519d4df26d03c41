"""Every sampler draws what it promises (a property that holds on all its draws) and the property's
broken variants are refuted on its draws."""

import random
from fractions import Fraction

import pytest

from conftest import claim_text, run_first, run_text
from verify.samplers import SAMPLERS

# sampler -> (symbols block, property that holds, [broken properties])
CASES = {
    "uniform": ("x: {real: [2, 3]}", "2 <= x <= 3", ["x <= 5/2", "x >= 5/2", "x < 2"]),
    "loguniform": ("x: {real: [0, 1], sample: {loguniform: [1e-6, 1e-2]}}", "1e-6 <= x <= 1e-2",
                   ["x <= 1e-4", "x >= 1e-5", "x > 1e-2"]),
    "integer": ("k: {integer: [2, 5]}", "2 <= k <= 5 and floor(k) == k", ["k <= 4", "k >= 3", "k == 2"]),
    "fractions": ("x: {real: [0, 2], sample: {fractions: [0, 2]}}", "0 <= x <= 2 and floor(60 * x) == 60 * x",
                  ["x <= 1", "floor(x) == x", "x > 2"]),
    "gaussian": ("A: {matrix: [3, 2], sample: {gaussian: [1]}}", "norm(A) <= 20",
                 ["norm(A) <= 1", "entry(A, 1, 1) >= 0", "rank(A) <= 1"]),
    "signs": ("a: {vector: 4, sample: {signs: []}}", "hadamard(a, a) == ones(4, 1)",
              ["sum(a[i], i, 1, 4) == 0", "a[1] == 1", "norm(a) == 1"]),
    "choice": ("x: {real: [0, 9], sample: {choice: [1, 3, 5]}}", "(x - 1) * (x - 3) * (x - 5) == 0",
               ["x <= 3", "x >= 3", "x == 1"]),
    "orthogonal": ("U: {matrix: [3, 3], sample: {orthogonal: []}}", "T(U) * U == eye(3)",
                   ["U == eye(3)", "U == T(U)", "det(U) == 1"]),
    "unit": ("v: {vector: 3, sample: {unit: []}}", "norm(v) == 1", ["norm(v) == 2", "v[1] >= 0", "v[3] <= 1/2"]),
    "unit_rows": ("X: {matrix: [3, 2], sample: {unit_rows: []}}",
                  "sum(abs(norm(row(X, i)) - 1), i, 1, 3) == 0 and abs(dot(row(X, 1), row(X, 2))) < 1",
                  ["norm(X) == 1", "entry(X, 1, 1) >= 0", "abs(dot(row(X, 1), row(X, 2))) == 1"]),
    "spectrum": ("S: {matrix: [3, 3], sample: {spectrum: [-1, 2, 5]}}",
                 "S == T(S) and lambda_min(S) == -1 and lambda_max(S) == 5 and trace(S) == 6",
                 ["lambda_min(S) >= 0", "lambda_max(S) == 2", "trace(S) == 7"]),
    "symmetric": ("S: {matrix: [3, 3], sample: {symmetric: [-2, 2]}}", "S == T(S) and opnorm(S) <= 2",
                  ["lambda_min(S) >= 0", "opnorm(S) <= 1", "S == eye(3)"]),
    "psd": ("S: {matrix: [3, 3], sample: {psd: [0, 2]}}", "S == T(S) and lambda_min(S) >= 0 and lambda_max(S) <= 2",
            ["lambda_min(S) > 1/100", "lambda_max(S) <= 1", "det(S) >= 1"]),
    "pd": ("S: {matrix: [3, 3], sample: {pd: [1/2, 2]}}", "S == T(S) and lambda_min(S) >= 1/2 and lambda_max(S) <= 2",
           ["lambda_min(S) >= 1", "lambda_max(S) <= 1", "det(S) <= 1/8"]),
    "spectral_norm": ("A: {matrix: [3, 2], sample: {spectral_norm: [0.5, 0.9]}}", "1/2 <= opnorm(A) <= 9/10",
                      ["opnorm(A) <= 0.6", "opnorm(A) >= 0.8", "rank(A) <= 1"]),
    "rank": ("A: {matrix: [4, 3], sample: {rank: [2]}}", "rank(A) == 2", ["rank(A) == 3", "rank(A) <= 1", "sigma_min(A) > 1/2"]),
    "radius": ("A: {matrix: [3, 3], sample: {radius: [0.5, 0.9]}}", "1/2 <= rho(A) <= 9/10",
               ["opnorm(A) <= 9/10", "rho(A) <= 0.6", "A == T(A)"]),
}


def _claim(symbols: str, rel: str) -> str:
    return claim_text(body=f"symbols:\n  {symbols}\n  i: index\nchecks:\n  - numeric: {rel}\n    n: 12\n")


def test_every_sampler_has_cases():
    assert set(SAMPLERS) <= set(CASES)


def _sampled_only(tmp_path, text):
    """The check on the sampler's draws alone: no local search and no z3, which reason about the
    whole declared domain (a gaussian matrix has no bound on its norm; a real in [0, 2] need not
    be a simple fraction), not about what the sampler draws."""
    return run_first(tmp_path, text, seed=1, certify=False, search=0)


@pytest.mark.parametrize("name", sorted(CASES))
def test_sampler_property_holds(tmp_path, name):
    symbols, rel, _ = CASES[name]
    rec = _sampled_only(tmp_path, _claim(symbols, rel))
    assert rec["outcome"] == "supported", rec["message"]


@pytest.mark.parametrize("name,i", [(n, i) for n in sorted(CASES) for i in range(3)])
def test_broken_property_is_refuted(tmp_path, name, i):
    symbols, _, broken = CASES[name]
    rec = _sampled_only(tmp_path, _claim(symbols, broken[i]))
    assert rec["outcome"] == "refuted", rec["message"]


def test_draws_are_exact_and_seeded():
    a = SAMPLERS["orthogonal"].draw(random.Random("s"), (3, 3), None, 5)
    b = SAMPLERS["orthogonal"].draw(random.Random("s"), (3, 3), None, 5)
    assert a == b and all(isinstance(x, Fraction) for row in a for x in row)


def test_computed_values_are_exact():
    from mpmath import mp
    from verify.instances import const_value, to_fraction
    from verify.expr.parser import parse
    assert to_fraction(mp.mpf(-0.125)) == Fraction(-1, 8)
    assert const_value(parse("c * 2 / 3", ["c"]), {"c": Fraction(-1, 4)}) == Fraction(-1, 6)
    assert const_value(parse("c * 2 / sqrt(4)", ["c"]), {"c": Fraction(-1, 4)}) == Fraction(-1, 4)
    with mp.workdps(60):
        third = mp.mpf(1) / 3
    assert abs(to_fraction(third) - Fraction(1, 3)) < Fraction(1, 10**55)
