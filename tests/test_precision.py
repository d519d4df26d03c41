"""The two-precision rule, on mpmath's own warning case."""

from verify.expr.parser import parse
from verify.verdict import relation_verdict

TRAP = "exp(pi * sqrt(163)) == 640320**3 + 744"


def test_one_low_precision_is_fooled():
    # At 30 digits alone the residual (7.5e-13 out of 2.6e17) is below the tolerance band.
    v = relation_verdict(parse(TRAP, []), {}, precisions=(30, 30))
    assert v.holds is True


def test_two_precisions_that_disagree_give_undecided():
    v = relation_verdict(parse(TRAP, []), {}, precisions=(30, 60))
    assert v.holds is None and "disagree" in v.message


def test_default_precisions_refute():
    v = relation_verdict(parse(TRAP, []), {})
    assert v.holds is False


def test_strict_inequality_inside_band_is_undecided():
    v = relation_verdict(parse("1 < 1 + 10**(-45)", []), {})
    assert v.holds is None


def test_non_strict_equality_case_holds():
    assert relation_verdict(parse("1 <= 1", []), {}).holds is True
