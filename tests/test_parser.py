"""The whitelist parser: what it accepts, and clear errors for everything else."""

from fractions import Fraction

import pytest

from verify.errors import ExprError
from verify.expr import nodes as N
from verify.expr.parser import parse, parse_definitions


def test_decimal_literals_are_exact():
    node = parse("0.1 + x", ["x"])
    assert node.left == N.Num(Fraction(1, 10))


def test_chained_comparison_and_functions():
    node = parse("opnorm(A) <= 1 < 2", ["A"])
    assert isinstance(node, N.Compare) and node.ops == ("<=", "<")


@pytest.mark.parametrize("text, message", [
    ("__import__('os')", "not a plain name"),
    ("__import__('os').system('true')", "only calls of named functions"),
    ("().__class__.__bases__[0].__subclasses__()", "only calls of named functions"),
    ("x.__class__", "attribute access"),
    ("lambda: 1", "lambda"),
    ("[y for y in x]", "comprehension"),
    ("f'{x}'", "f-string"),
    ("exec('1')", "unknown function 'exec'"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("max(*x)", "starred"),
    ("(y := 2)", "walrus"),
    ("x if x else 1", "conditional expression"),
    ("opnorm(A, ord=2)", "keyword arguments"),
    ("'text'", "literal"),
    ("x[0:2]", "slice"),
    ("y", "unknown symbol 'y'"),
    ("opnrm(x)", "did you mean 'opnorm'"),
    ("x ** 100001", "exponent"),
    ("1" * 70, "digits"),
    ("x +", "syntax error"),
    ("ｘ + 1", "U+FF58"),
    ("x\x00", "U+0000"),
    ("a" * 80, "characters long"),
    ("(" * 300 + "x" + ")" * 300, "nested"),
])
def test_rejections_are_clear(text, message):
    with pytest.raises(ExprError) as exc:
        parse(text, ["x", "A"])
    assert message in str(exc.value)


def test_unicode_lookalike_names_rejected_even_if_declared():
    with pytest.raises(ExprError, match="look-alike"):
        parse("ｘ", ["ｘ"])


def test_definitions_expand_with_parameters():
    defs = parse_definitions([("sq(u)", "u * u"), ("S", "sq(x) + 1")], ["x"])
    node = parse("S == 2", ["x"], defs)
    assert N.names(node) == {"x"}


def test_definition_may_not_shadow_a_function():
    with pytest.raises(ExprError, match="shadows"):
        parse_definitions([("norm(u)", "u")], ["x"])


def test_bound_variable_must_be_declared():
    with pytest.raises(ExprError, match="not declared"):
        parse("sum(x, k, 1, 3)", ["x"])


def test_symbolic_index_zero_is_an_error_not_a_wraparound():
    """Found by `verify mutate`: SymPy reads A[-1] as the last row, so entry(v, 1, 0) equalled entry(v, 1, 1)."""
    import sympy as sp
    from verify.errors import EvalError
    from verify.expr import symbolic as S
    from verify.expr.parser import parse
    v = sp.ImmutableMatrix([[1], [2]])
    for text in ("entry(v, 1, 0)", "entry(v, 0, 1)", "v[3]", "v[0]"):
        with pytest.raises(EvalError, match="outside"):
            S.evaluate(parse(text, ["v"]), S.SymCtx({"v": v}))


@pytest.mark.parametrize("text", ["x + y * 2 <= 3", "-(x - 1)**2 >= -x", "not (x > 1 and y < 2)",
                                  "x > 1 or not y < 2", "f(x, 2) / (x - y) == x - (y - 1)",
                                  "(x + y)**(1/2) < 2 ** -1", "not x > 1"])
def test_a_tree_printed_back_parses_to_the_same_tree(text):
    """verify.expr.nodes.text (messages, sampler descriptions, z3's reasons) reads as the claim
    language: printed and parsed again, the tree is the same (`not` was dropped once)."""
    from verify.expr import nodes as N
    names = {"x", "y", "f"}
    tree = parse(text.replace("f(x, 2)", "max(x, 2)"), names)
    assert parse(N.text(tree), names) == tree
