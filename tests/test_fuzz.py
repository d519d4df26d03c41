"""Fuzzing the parser and the claim loader with Hypothesis.

No input may escape as a traceback: the parser answers a tree or an ExprError, the loader a Claim
or located problems. The default run is short; VERIFY_FUZZ=ci (or CI set, as .ci/run does) runs
70,000 expressions and 30,000 mutated claim files: 100,000 inputs in all.
"""

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from verify.errors import ExprError
from verify.expr.functions import FUNCTIONS
from verify.expr.parser import parse
from verify.validate import build_claim

LONG = os.environ.get("VERIFY_FUZZ") == "ci" or bool(os.environ.get("CI"))
PARSER_EXAMPLES = 70_000 if LONG else 1_500   # 100,000 inputs in all in CI
LOADER_EXAMPLES = 30_000 if LONG else 500
CANARY = Path("/tmp/verify-fuzz-canary")
SYMBOLS = ["x", "y", "A", "k", "N"]

TOKENS = st.sampled_from(
    ["x", "y", "A", "k", "N", "z", "__import__", "os", "system", "__class__", "__globals__", "lambda",
     "for", "in", "if", "else", ":", ".", ",", "(", ")", "[", "]", "{", "}", "'", '"', "f'", "*", "**",
     "@", "/", "//", "%", "+", "-", "<", "<=", "==", "!=", ">", ">=", "and", "or", "not", ":=", "~",
     "0", "1", "2.5", "1e400", "10**10**10", "oo", "pi", "I", "E", " ", "\\", "\n", "ｘ", "\x00",
     f"open('{CANARY}','w')", "exec", "eval"] + sorted(FUNCTIONS))


@st.composite
def grammar_expr(draw, depth=0):
    """A mostly well-formed expression of the claim language."""
    if depth > 3 or draw(st.booleans()):
        return draw(st.sampled_from(SYMBOLS + ["1", "2", "0.5", "pi", "oo"]))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        op = draw(st.sampled_from(["+", "-", "*", "/", "**", "@", "<=", "==", "<"]))
        return f"({draw(grammar_expr(depth + 1))} {op} {draw(grammar_expr(depth + 1))})"
    if kind == 1:
        fn = draw(st.sampled_from(sorted(FUNCTIONS)))
        n = draw(st.integers(0, 4))
        return f"{fn}({', '.join(draw(grammar_expr(depth + 1)) for _ in range(n))})"
    if kind == 2:
        return f"-{draw(grammar_expr(depth + 1))}"
    return f"{draw(st.sampled_from(['x', 'A']))}[{draw(grammar_expr(depth + 1))}]"


EXPRESSIONS = st.one_of(grammar_expr(), st.lists(TOKENS, max_size=25).map("".join),
                        st.text(max_size=60))

VALID_CLAIM = (Path(__file__).resolve().parents[1] / "claims" / "neumann_series_limit.yaml").read_text()


@st.composite
def mutated_claim(draw):
    """A valid claim file with a few random edits: deletions, insertions, duplicated or swapped lines."""
    lines = VALID_CLAIM.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.integers(0, 4))
        if action == 0:
            del lines[i]
        elif action == 1:
            lines.insert(i, lines[draw(st.integers(0, len(lines) - 1))])
        elif action == 2:
            pos = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:pos] + draw(TOKENS) + lines[i][pos:]
        elif action == 3:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            pos = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:pos] + lines[i][pos + draw(st.integers(1, 5)):]
        if not lines:
            lines = ["id: x"]
    return "\n".join(lines) + "\n"


def _settings(n):
    return settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@_settings(PARSER_EXAMPLES)
@given(EXPRESSIONS)
def test_parser_answers_a_tree_or_a_clear_error(text):
    try:
        parse(text, SYMBOLS)
    except ExprError as exc:
        assert exc.message and "Traceback" not in exc.message
    assert not CANARY.exists()


@_settings(LOADER_EXAMPLES)
@given(mutated_claim())
def test_loader_answers_a_claim_or_located_problems(text):
    from verify.load import load_yaml_text
    from verify.errors import ClaimFileError
    try:
        data, marks = load_yaml_text(text, "fuzz.yaml")
    except ClaimFileError as exc:
        assert all(p.message and p.line >= 0 for p in exc.problems)
        return
    claim, problems = build_claim(data, marks, "fuzz.yaml")
    assert (claim is None) == bool(problems)
    for p in problems:
        assert p.file == "fuzz.yaml" and p.message
    assert not CANARY.exists()
