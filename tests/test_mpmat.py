"""verify.expr.mpmat gives mpmath's own matrix values bit for bit (the numeric verdicts and every
margin in results.json depend on it), and falls back to mpmath where it could differ."""

import random

import pytest
from mpmath import mp

from verify.expr import mpmat


def _entry(rng: random.Random):
    kind = rng.random()
    if kind < 0.15:
        return mp.zero
    if kind < 0.2:
        return mp.mpf(rng.randint(-3, 3))
    scale = mp.mpf(2) ** rng.choice([0, 0, 0, 5, -7, 40, -60, 300, -400])
    return mp.mpf(rng.random() - 0.5) / 3 * scale + mp.mpf(1) / rng.randint(1, 97)


def _matrix(rng, rows, cols):
    return mp.matrix([[_entry(rng) for _ in range(cols)] for _ in range(rows)])


def _same(x, y) -> bool:
    """Equal shapes and the same stored entries, bit for bit (mpmath stores only non-zeros)."""
    return (x.rows, x.cols) == (y.rows, y.cols) and {k: v._mpf_ for k, v in x._matrix__data.items()} \
        == {k: v._mpf_ for k, v in y._matrix__data.items()}


@pytest.mark.parametrize("dps", [15, 30, 50, 80])
def test_operations_equal_mpmaths_bit_for_bit(dps):
    rng = random.Random(dps)
    with mp.workdps(dps):
        for _ in range(60):
            r, k, c = rng.randint(1, 5), rng.randint(1, 5), rng.randint(1, 5)
            a, b, a2 = _matrix(rng, r, k), _matrix(rng, k, c), _matrix(rng, r, k)
            s = _entry(rng)
            assert _same(mpmat.mul(a, b), a * b)
            assert _same(mpmat.add(a, a2), a + a2)
            assert _same(mpmat.add(a, a2, subtract=True), a - a2)
            assert _same(mpmat.scale(s, a), s * a)
            assert _same(mpmat.transpose(a), a.T)
            assert mpmat.mnorm(a, 1)._mpf_ == mp.mnorm(a, 1)._mpf_
            assert mpmat.mnorm(a, "f")._mpf_ == mp.mnorm(a, "f")._mpf_
            assert _same(mpmat.apply(mp.exp, a), a.apply(mp.exp))
            assert _same(mpmat.hadamard(a, a2), mp.matrix([[a[i, j] * a2[i, j] for j in range(k)]
                                                           for i in range(r)]))
            if s:
                assert _same(mpmat.divide(a, s), a / s)


def test_entries_at_a_higher_precision_are_rounded_as_mpmath_rounds_them():
    with mp.workdps(80):
        a, b = mp.matrix([[mp.pi, mp.e]]), mp.matrix([[mp.sqrt(2)], [mp.sqrt(3)]])
    with mp.workdps(20):
        assert _same(mpmat.mul(a, b), a * b)
        assert _same(mpmat.add(a, a, subtract=True), a - a)
        assert _same(mpmat.scale(mp.mpf(3), a), mp.mpf(3) * a)


def test_wide_exponent_spreads_and_special_values_fall_back_to_mpmath():
    with mp.workdps(20):
        wide = mp.matrix([[mp.mpf(2) ** 400, 1], [1, mp.mpf(2) ** -400]])
        assert _same(mpmat.mul(wide, wide), wide * wide)
        huge = mp.matrix([[mp.mpf(2) ** -(10 ** 12), 1]])  # aligning it would need 10^12 bits
        assert _same(mpmat.mul(huge, huge.T), huge * huge.T)
        inf = mp.matrix([[mp.inf, 1], [0, 1]])
        assert mpmat.mul(inf, inf).tolist()[0][0] == mp.inf
        assert _same(mpmat.scale(mp.inf, wide), mp.inf * wide)
        cplx = mp.matrix([[mp.mpc(1, 1)]])
        assert mpmat.mul(cplx, cplx)[0, 0] == mp.mpc(0, 2)


def test_apply_reports_a_complex_entry():
    assert mpmat.apply(mp.sqrt, mp.matrix([[-1]])) is None


@pytest.mark.parametrize("dps", [15, 50, 80])
def test_exact_inputs_convert_as_mpmaths_own_arithmetic_does(dps):
    from fractions import Fraction

    from verify.expr.mpvalues import to_mp
    rng = random.Random(dps)
    with mp.workdps(dps):
        for _ in range(300):
            f = Fraction(rng.randint(-10 ** rng.randint(1, 90), 10 ** 90), rng.randint(1, 10 ** rng.randint(1, 90)))
            assert to_mp(f)._mpf_ == (mp.mpf(f.numerator) / f.denominator)._mpf_
            n = rng.randint(-10 ** 80, 10 ** 80)
            assert to_mp(n)._mpf_ == mp.mpf(n)._mpf_
        rows = [[Fraction(1, 3), 0, Fraction(-2, 7)], [5, Fraction(0), Fraction(10 ** 60, 3)]]
        assert _same(to_mp(rows), mp.matrix([[mp.mpf(x.numerator) / x.denominator if isinstance(x, Fraction)
                                              else mp.mpf(x) for x in r] for r in rows]))
        assert _same(to_mp([Fraction(1, 3), 2]), mp.matrix([[mp.mpf(1) / 3], [mp.mpf(2)]]))


def test_powers_cost_one_product_per_consecutive_exponent():
    """verify.expr.powers, shared by the mpmath and the ball evaluators: A**0..A**N in turn cost
    one product each (no scan of the known powers: found by bisection), a jump square-and-
    multiply; the values are those of repeated products."""
    from fractions import Fraction

    from verify.expr.powers import Powers
    products = []

    def mul(a, b):
        products.append(1)
        return a * b
    p = Powers(Fraction(3, 2), Fraction(1))
    assert [p.get(k, mul) for k in range(0, 2001)] == [Fraction(3, 2) ** k for k in range(0, 2001)]
    assert len(products) == 1999
    products.clear()
    assert p.get(2 ** 20 + 1, mul) == Fraction(3, 2) ** (2 ** 20 + 1) and len(products) == 21
    assert 2 ** 20 + 1 not in p.known   # a jump is not kept: values depend on the exponents asked
