"""Meta-tests over the registries (Hypothesis's style): every sampler and every check kind carries
its facts, its documentation and a working example."""

from __future__ import annotations

import json
import random
import re
from fractions import Fraction
from pathlib import Path

import pytest

from verify.checks.registry import CHECKS, option_keys
from verify.samplers.registry import SAMPLERS
from verify.schema import claim_schema
from verify.validate import load_claim

DOCS = (Path(__file__).resolve().parent.parent / "docs" / "claim-format.md").read_text(encoding="utf-8")
Z3_DOMAINS = {"interval", "values", "signs", "free", ""}
HEADER = """\
id: example
kind: lemma
title: an example check
statement: 'x'
source: {note: test.txt, section: s, quote: q}
uses: []
expect: holds
symbols:
  x: {real: [1, 2]}
  a: {real: [0, 1]}
  b: {real: [0, 1]}
  A: {matrix: [2, 2], sample: {spectral_norm: [0, 1]}}
checks:
"""


def section(title: str) -> str:
    """The text of one `## ` section of docs/claim-format.md."""
    return re.search(rf"^## {title}.*?(?=^## )", DOCS, re.S | re.M).group(0)


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_each_sampler_has_its_facts_and_a_docs_entry(name):
    s = SAMPLERS[name]
    assert s.doc and s.types, "a docstring and the symbol types it draws"
    assert isinstance(s.bounded, bool) and isinstance(s.continuous, bool) and s.z3 in Z3_DOMAINS
    assert s.bounded == (s.z3 == "interval"), "z3 states a bounded sampler's domain as its [lo, hi]"
    assert not s.continuous or "real" in s.types, "the search moves continuous scalars"
    assert f"`{name}" in section("Samplers"), f"docs/claim-format.md's Samplers section lists {name}"


@pytest.mark.parametrize("name", sorted(n for n, s in SAMPLERS.items() if s.bounded))
def test_a_bounded_sampler_draws_in_its_range(name):
    lo, hi = Fraction(1, 3), Fraction(5, 2)
    rng = random.Random(name)
    draws = [SAMPLERS[name].draw(rng, None, [lo, hi], i) for i in range(40)]
    assert all(lo <= v <= hi for v in draws)
    assert SAMPLERS[name].continuous == (len(set(draws)) > 10)


@pytest.mark.parametrize("kind", sorted(CHECKS))
def test_each_check_kind_has_an_example_options_an_engine_and_a_docs_entry(kind, tmp_path):
    k = CHECKS[kind]
    assert k.doc and k.example.startswith(f"{kind}: ")
    assert "name" in k.options and set(k.options) <= set(claim_schema()["$defs"]["check"]["properties"])
    assert k.engine or not k.mutated, "a kind no engine decides has nothing to mutate"
    assert f"| `{kind}:" in section("Checks"), f"docs/claim-format.md's table of checks has a row for {kind}"
    path = tmp_path / "example.yaml"
    path.write_text(HEADER + "- " + k.example + "\n", encoding="utf-8")
    claim, problems = load_claim(path)
    assert not problems and [c.kind for c in claim.checks] == [kind], problems


def test_the_schema_allows_exactly_the_kinds_and_their_options():
    properties = claim_schema()["$defs"]["check"]["properties"]
    assert set(properties) == set(CHECKS) | option_keys(), json.dumps(sorted(properties))
