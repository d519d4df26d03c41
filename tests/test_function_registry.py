"""The function registry's meta-test (Hypothesis's style: one test parametrised over the registry).

Every function of verify.expr.functions has a doc line, examples, LaTeX and a use in a test or a
claim; each example evaluates in every engine that has a body for the function, and the engines
agree within each one's guarantee: mpmath at 50 digits is the reference, SymPy's value (evalf at
60 digits) and the exact / arb ball (widened by mpmath's tolerance) must contain it, and z3 must
prove the value lies within mpmath's tolerance. A known disagreement is an explicit xfail below.
"""

from __future__ import annotations

import ast
import re
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp
from mpmath import mp

from verify import support
from verify.certify import balls, smt
from verify.certify.balls.evaluator import Eval
from verify.certify.balls.functions import BallOps
from verify.certify.balls.rational import Rational
from verify.certify.smt.language import Unsupported as Z3Unsupported, Z3Ops
from verify.expr import numeric, symbolic
from verify.expr.bodies import BODIES as WRITTEN_ONCE, OPERATIONS, Ops, can, does
from verify.expr.mpfunctions import MpOps
from verify.expr.symbolic import SymOps
from verify.expr import nodes as N
from verify.expr.functions import EXAMPLE_SYMBOLS, FUNCTIONS
from verify.expr.latex import to_latex
from verify.expr.parser import parse

ROOT = Path(__file__).resolve().parents[1]
BODIES = support.bodies()
NAMES = sorted(FUNCTIONS)

# (function, engine) -> why its examples do not agree there yet (a finding, kept visible).
KNOWN: dict[tuple[str, str], str] = {}


def _cases(engine: str) -> list:
    """(function, example) pairs an engine must evaluate: those with a body there (z3 only on
    scalar examples: it has no matrices)."""
    out = []
    for name in NAMES:
        if name not in BODIES[engine]:
            continue
        for ex in FUNCTIONS[name].examples:
            if engine == "z3" and "[[" in ex:
                continue
            reason = KNOWN.get((name, engine))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            out.append(pytest.param(name, ex, marks=marks, id=f"{name}:{ex}"))
    return out


# -- the registry's own facts -------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_has_a_doc_line_examples_and_latex(name):
    fn = FUNCTIONS[name]
    assert fn.doc and "\n" not in fn.doc and fn.doc.startswith(name), fn.doc
    assert fn.examples, f"{name} has no example"
    for ex in fn.examples:
        tree = parse(ex, EXAMPLE_SYMBOLS)
        assert any(isinstance(n, N.Call) and n.fn == name for n in _walk(tree)), f"{ex} does not call {name}"
        assert not N.names(tree) - set(EXAMPLE_SYMBOLS), ex
        tex = to_latex(tree)
        assert tex and "None" not in tex, tex


def test_every_engine_table_names_only_registered_functions():
    for engine, names in BODIES.items():
        assert names <= set(FUNCTIONS), (engine, sorted(names - set(FUNCTIONS)))


def test_mpmath_and_sympy_support_every_function():
    """The numeric and symbolic checks accept the whole language; certificates may not."""
    assert BODIES["mpmath"] == BODIES["sympy"] == set(FUNCTIONS)


@pytest.mark.parametrize("name", NAMES)
def test_is_used_by_a_test_or_a_claim(name):
    pattern = re.compile(rf"(?<![\w.]){re.escape(name)}\(")
    assert any(pattern.search(text) for text in _uses()), f"no test or claim calls {name}(...)"


def test_the_docs_show_the_current_matrix():
    """docs/claim-format.md's table is what `verify functions --markdown` prints; regenerate it by
    replacing the text between the two markers with that output."""
    doc = (ROOT / "docs" / "claim-format.md").read_text(encoding="utf-8")
    start, end = doc.index(support.DOC_BEGIN), doc.index(support.DOC_END) + len(support.DOC_END)
    assert doc[start:end] == support.markdown_table()


# -- the functions written once: one body, every engine ------------------------------------------

ENGINE_OPS = {"mpmath": MpOps, "sympy": SymOps, "balls": BallOps, "z3": Z3Ops}


@pytest.mark.parametrize("engine", sorted(ENGINE_OPS))
def test_a_function_written_once_is_supported_where_its_domain_does_every_operation_it_uses(engine):
    """Support follows from the body: no engine keeps its own list of elementary functions."""
    ops = ENGINE_OPS[engine]
    for name, fn in WRITTEN_ONCE.items():
        assert fn.uses_on_scalars <= fn.uses <= OPERATIONS, (name, fn.uses)
        assert (name in BODIES[engine]) == can(ops, fn), (engine, name)
    defined = {op for op in OPERATIONS if does(ops, op)}
    extra = {name for name in vars(ops) if not name.startswith("_")} - set(ops.__slots__)
    assert not extra - defined - {"unsupported", "matrices"}, "a method that is not an operation of the bodies"


def test_an_operation_a_domain_lacks_is_refused_in_one_place():
    with pytest.raises(NotImplementedError, match="cannot do exp"):
        Ops().exp(1)
    tr = type("Tr", (), {})()
    with pytest.raises(Z3Unsupported, match="softplus .transcendental"):
        WRITTEN_ONCE["softplus"].body(Z3Ops(tr, parse("softplus(x)", ["x"]), None), Fraction(1))


def test_the_body_is_what_every_engine_evaluates():
    """softplus is written once (log1p(exp(x))); each engine's value of it is its value of that."""
    x = "-7/3"
    assert _mpmath(f"softplus({x})") == _mpmath(f"log1p(exp({x}))")
    sym = symbolic.evaluate(parse(f"softplus({x})", ()), symbolic.SymCtx({}))
    assert sym == symbolic.evaluate(parse(f"log(1 + exp({x}))", ()), symbolic.SymCtx({}))
    (_, ball), (_, ref) = balls.evaluate(parse(f"softplus({x})", ())), balls.evaluate(parse(f"log1p(exp({x}))", ()))
    assert ball.mid() == ref.mid() and ball.rad() == ref.rad()


WALK_NEEDS = ("evaluate", "lookup", "const", "binop", "negate", "item", "decide", "logic", "binders",
              "functions", "no_function", "num")


@pytest.mark.parametrize("context", [numeric.Ctx, symbolic.SymCtx, Eval], ids=lambda c: c.__name__)
def test_every_engine_that_walks_the_tree_gives_the_walk_what_it_needs(context):
    """verify.expr.walk is one walk for three engines: each context is an Ops that has what it calls."""
    assert issubclass(context, Ops)
    missing = [name for name in WALK_NEEDS if not hasattr(context, name)]
    assert not missing, missing
    assert set(context.binders) | set(context.functions) <= set(FUNCTIONS)


# -- the engines agree on every example -----------------------------------------------------------

@pytest.mark.parametrize("name, example", _cases("mpmath"))
def test_example_evaluates_in_mpmath(name, example):
    assert _entries(_mpmath(example))


@pytest.mark.parametrize("name, example", _cases("sympy"))
def test_sympy_agrees_with_mpmath(name, example):
    ref = _mpmath(example)
    value = symbolic.evaluate(parse(example, EXAMPLE_SYMBOLS), symbolic.SymCtx({}))
    got = [[_sym_to_mp(e) for e in row] for row in _entries(value)]
    _agree(ref, got, lambda m, s: abs(s - m) <= _tol(m))


@pytest.mark.parametrize("name, example", _cases("balls"))
def test_balls_contain_the_mpmath_value(name, example):
    ref = _mpmath(example)
    domain, value = balls.evaluate(parse(example, EXAMPLE_SYMBOLS))
    got = [[_ball(e) for e in row] for row in _entries(value)]
    _agree(ref, got, lambda m, b: abs(b[0] - m) <= b[1] + _tol(m))


@pytest.mark.parametrize("name, example", _cases("z3"))
def test_z3_proves_the_mpmath_value(name, example):
    (m,), = _entries(_mpmath(example))
    with mp.workdps(60):
        lo, hi = (_fraction(x) for x in (m - _tol(m), m + _tol(m)))
    assert smt.closed_within(parse(example, EXAMPLE_SYMBOLS), lo, hi) in ("exact", "proved")


# Arguments outside a function's domain: every engine with a body refuses them (SymPy used to
# wrap row(A, 0) around to the last row).
REFUSED = ["row([[1, 2], [3, 4]], 0)", "col([[1, 2], [3, 4]], 3)", "entry([[1, 2], [3, 4]], 0, 1)",
           "row([[1, 2], [3, 4]], 3/2)"]


@pytest.mark.parametrize("example", REFUSED)
def test_every_engine_refuses_an_index_outside_the_matrix(example):
    tree = parse(example, EXAMPLE_SYMBOLS)
    with pytest.raises(numeric.EvalError), mp.workdps(50):
        numeric.evaluate(tree, numeric.Ctx({}))
    with pytest.raises(numeric.EvalError):
        symbolic.evaluate(tree, symbolic.SymCtx({}))
    with pytest.raises(balls.EvalFailure):
        balls.evaluate(tree)


# -- helpers ----------------------------------------------------------------------------------------

def _walk(node):
    yield node
    for child in N.children(node):
        yield from _walk(child)


def _mpmath(example: str):
    with mp.workdps(50):
        numeric.clear_caches()
        return numeric.evaluate(parse(example, EXAMPLE_SYMBOLS), numeric.Ctx({}))


def _tol(m):
    """mpmath's guarantee at 50 digits: the tolerance band (10 guard digits) of the evaluator."""
    return mp.mpf(10) ** -40 * max(1, abs(m))


def _entries(v) -> list[list]:
    """A value of any engine as rows of scalars (a scalar is one 1 x 1 row)."""
    if isinstance(v, mp.matrix):
        return [[v[i, j] for j in range(v.cols)] for i in range(v.rows)]
    if isinstance(v, sp.MatrixBase):
        return [[v[i, j] for j in range(v.cols)] for i in range(v.rows)]
    if hasattr(v, "nrows"):  # fmpq_mat, arb_mat
        return [[v[i, j] for j in range(v.ncols())] for i in range(v.nrows())]
    return [[v]]


def _fraction(x) -> Fraction:
    sign, man, exp, _ = x._mpf_
    return (-1) ** sign * Fraction(int(man)) * Fraction(2) ** int(exp)


def _sym_to_mp(e):
    with mp.workdps(60):
        value = sp.N(e, 60)
        assert value.is_real, f"SymPy gives {value}"
        return mp.mpf(str(value))


def _ball(e) -> tuple:
    """(midpoint, radius) of an exact or ball value, as mpmath numbers."""
    from flint import arb, fmpq
    if isinstance(e, balls.Surd):
        e = Rational.approx(e)
    if isinstance(e, fmpq):
        return mp.mpf(int(e.p)) / int(e.q), mp.mpf(0)
    assert isinstance(e, arb), type(e)
    with mp.workdps(60):
        return tuple(mp.mpf(tuple(int(x) for x in part.man_exp())) for part in (e.mid(), e.rad()))


def _agree(ref, got, close) -> None:
    want = _entries(ref)
    assert [len(r) for r in got] == [len(r) for r in want], (want, got)
    with mp.workdps(60):
        bad = [(m, g) for rw, rg in zip(want, got) for m, g in zip(rw, rg) if not close(m, g)]
    assert not bad, f"disagree with mpmath (mpmath, this engine): {bad}"


_USES: list[str] = []


def _uses() -> list[str]:
    """The claims' texts and every string in the tests (but this file): where functions are used."""
    if not _USES:
        _USES.extend(p.read_text(encoding="utf-8") for p in sorted((ROOT / "claims").glob("*.yaml")))
        for p in sorted((ROOT / "tests").rglob("*.py")):
            if p.name != Path(__file__).name:
                tree = ast.parse(p.read_text(encoding="utf-8"))
                _USES.extend(n.value for n in ast.walk(tree)
                             if isinstance(n, ast.Constant) and isinstance(n.value, str))
        _USES.extend(p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests").rglob("*.yaml")))
    return _USES
