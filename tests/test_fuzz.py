"""Fuzzing the parser and the claim loader with Hypothesis, and in bulk from a seeded generator.

No input may escape as a traceback: the parser answers a tree or an ExprError, the loader a Claim
or located problems. Hypothesis draws 1,500 expressions and 500 mutated claim files (and shrinks a
failure); the bulk tests draw the same kinds of input from `random.Random` with fixed seeds, which
costs a fraction of Hypothesis' per-example overhead, in chunks that `pytest -n 2` spreads over its
workers. The default run is short; VERIFY_FUZZ=ci (or CI set, as .ci/run does) runs 70,000
expressions and 30,000 mutated claim files in all: 100,000 inputs.
"""

import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from verify.errors import ExprError
from verify.expr.functions import FUNCTIONS
from verify.expr.parser import parse
from verify.validate import build_claim

LONG = os.environ.get("VERIFY_FUZZ") == "ci" or bool(os.environ.get("CI"))
PARSER_EXAMPLES = 1_500   # Hypothesis, every run
LOADER_EXAMPLES = 500
PARSER_TOTAL = 70_000 if LONG else 3_000   # with the bulk inputs: 100,000 in all in CI
LOADER_TOTAL = 30_000 if LONG else 800
CHUNKS = 10               # bulk tests per kind (pytest -n spreads them)
CANARY = Path("/tmp/verify-fuzz-canary")
SYMBOLS = ["x", "y", "A", "k", "N"]

TOKEN_LIST = (
    ["x", "y", "A", "k", "N", "z", "__import__", "os", "system", "__class__", "__globals__", "lambda",
     "for", "in", "if", "else", ":", ".", ",", "(", ")", "[", "]", "{", "}", "'", '"', "f'", "*", "**",
     "@", "/", "//", "%", "+", "-", "<", "<=", "==", "!=", ">", ">=", "and", "or", "not", ":=", "~",
     "0", "1", "2.5", "1e400", "10**10**10", "oo", "pi", "I", "E", " ", "\\", "\n", "ｘ", "\x00",
     f"open('{CANARY}','w')", "exec", "eval"] + sorted(FUNCTIONS))
TOKENS = st.sampled_from(TOKEN_LIST)
LEAVES = SYMBOLS + ["1", "2", "0.5", "pi", "oo"]
OPS = ["+", "-", "*", "/", "**", "@", "<=", "==", "<"]


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


# -- the same inputs from a seeded generator (the bulk of the CI profile) -------------------------

def random_grammar_expr(rng: random.Random, depth: int = 0) -> str:
    """grammar_expr, drawn with `rng`."""
    if depth > 3 or rng.random() < 0.5:
        return rng.choice(LEAVES)
    kind = rng.randint(0, 3)
    if kind == 0:
        op = rng.choice(OPS)
        return f"({random_grammar_expr(rng, depth + 1)} {op} {random_grammar_expr(rng, depth + 1)})"
    if kind == 1:
        fn = rng.choice(FUNCTION_NAMES)
        return f"{fn}({', '.join(random_grammar_expr(rng, depth + 1) for _ in range(rng.randint(0, 4)))})"
    if kind == 2:
        return f"-{random_grammar_expr(rng, depth + 1)}"
    return f"{rng.choice(['x', 'A'])}[{random_grammar_expr(rng, depth + 1)}]"


FUNCTION_NAMES = sorted(FUNCTIONS)
_ALPHABETS = [  # what st.text() favours: ASCII, then anything outside the surrogates
    [chr(c) for c in range(32, 127)],
    [chr(c) for c in range(0, 32)] + ["\x7f", "\u00a0", "\u2028", "\ufeff", "ｘ", "é", "λ", "∑", "𝑥"],
]


def random_text(rng: random.Random, max_size: int = 60) -> str:
    out = []
    for _ in range(rng.randint(0, max_size)):
        r = rng.random()
        if r < 0.7:
            out.append(rng.choice(_ALPHABETS[0]))
        elif r < 0.9:
            out.append(rng.choice(_ALPHABETS[1]))
        else:
            c = rng.randint(0, 0x10FFFF)
            out.append(chr(c) if not 0xD800 <= c <= 0xDFFF else "?")
    return "".join(out)


def random_expression(rng: random.Random) -> str:
    """EXPRESSIONS, drawn with `rng`: the grammar, token soup, or any text."""
    kind = rng.randint(0, 2)
    if kind == 0:
        return random_grammar_expr(rng)
    if kind == 1:
        return "".join(rng.choice(TOKEN_LIST) for _ in range(rng.randint(0, 25)))
    return random_text(rng)


def random_mutated_claim(rng: random.Random) -> str:
    """mutated_claim, drawn with `rng`."""
    lines = VALID_CLAIM.splitlines()
    for _ in range(rng.randint(1, 4)):
        i = rng.randint(0, len(lines) - 1)
        action = rng.randint(0, 4)
        if action == 0:
            del lines[i]
        elif action == 1:
            lines.insert(i, lines[rng.randint(0, len(lines) - 1)])
        elif action == 2:
            pos = rng.randint(0, len(lines[i]))
            lines[i] = lines[i][:pos] + rng.choice(TOKEN_LIST) + lines[i][pos:]
        elif action == 3:
            j = rng.randint(0, len(lines) - 1)
            lines[i], lines[j] = lines[j], lines[i]
        else:
            pos = rng.randint(0, len(lines[i]))
            lines[i] = lines[i][:pos] + lines[i][pos + rng.randint(1, 5):]
        if not lines:
            lines = ["id: x"]
    return "\n".join(lines) + "\n"


def _chunk(total: int, i: int) -> int:
    """The size of bulk chunk i when `total` inputs are split over CHUNKS chunks."""
    return total // CHUNKS + (1 if i < total % CHUNKS else 0)


def check_parse(text: str) -> None:
    try:
        parse(text, SYMBOLS)
    except ExprError as exc:
        assert exc.message and "Traceback" not in exc.message, repr(text)


def check_load(text: str) -> None:
    from verify.load import load_yaml_text
    from verify.errors import ClaimFileError
    try:
        data, marks = load_yaml_text(text, "fuzz.yaml")
    except ClaimFileError as exc:
        assert all(p.message and p.line >= 0 for p in exc.problems), repr(text)
        return
    claim, problems = build_claim(data, marks, "fuzz.yaml")
    assert (claim is None) == bool(problems), repr(text)
    for p in problems:
        assert p.file == "fuzz.yaml" and p.message, repr(text)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_parser_bulk(chunk):
    rng = random.Random(f"verify-fuzz:parser:{chunk}")
    for _ in range(_chunk(PARSER_TOTAL - PARSER_EXAMPLES, chunk)):
        text = random_expression(rng)
        try:
            check_parse(text)
        except Exception as exc:  # the input that escaped, for the report
            raise AssertionError(f"the parser raised {type(exc).__name__} on {text!r}") from exc
    assert not CANARY.exists()


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_loader_bulk(chunk):
    rng = random.Random(f"verify-fuzz:loader:{chunk}")
    for _ in range(_chunk(LOADER_TOTAL - LOADER_EXAMPLES, chunk)):
        text = random_mutated_claim(rng)
        try:
            check_load(text)
        except Exception as exc:
            raise AssertionError(f"the loader raised {type(exc).__name__} on {text!r}") from exc
    assert not CANARY.exists()


def test_bulk_counts():
    """The CI profile keeps its 100,000 inputs: Hypothesis' examples plus the bulk chunks."""
    parser = PARSER_EXAMPLES + sum(_chunk(PARSER_TOTAL - PARSER_EXAMPLES, i) for i in range(CHUNKS))
    loader = LOADER_EXAMPLES + sum(_chunk(LOADER_TOTAL - LOADER_EXAMPLES, i) for i in range(CHUNKS))
    assert (parser, loader) == (PARSER_TOTAL, LOADER_TOTAL)
    if LONG:
        assert parser + loader == 100_000


def _settings(n):
    return settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@_settings(PARSER_EXAMPLES)
@given(EXPRESSIONS)
def test_parser_answers_a_tree_or_a_clear_error(text):
    check_parse(text)
    assert not CANARY.exists()


@_settings(LOADER_EXAMPLES)
@given(mutated_claim())
def test_loader_answers_a_claim_or_located_problems(text):
    check_load(text)
    assert not CANARY.exists()
