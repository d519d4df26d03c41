"""Tests for verify.schema: the claim JSON Schema and located, readable schema problems."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from verify.load import load_yaml_text
from verify.schema import claim_schema, schema_problems, to_json_data

VALID = r"""id: neumann_series_limit
kind: lemma
title: Neumann series partial sums
statement: '\|A\| < 1 \implies \sum_k A^k = (I-A)^{-1}'
source: {note: 000_a5c604ccae0ab764.txt, section: derivation slides, quote: "sum A^k = (I-A)^-1"}
uses: []
expect: holds
symbols:
  d: {integer: [1, 4]}
  N: {integer: [0, 40]}
  A: {matrix: [d, d], sample: {spectral_norm: [0.1, 0.95]}}
  k: index
define:
  S(M): sum(A**k, k, 0, M)
assume:
  - {name: contraction, latex: '\|A\|_{op} < 1', expr: 'opnorm(A) < 1'}
checks:
  - symbolic: (I - A) * S(N) == I - A**(N + 1)
    for: {N: [0, 6]}
    symbols: {A: operator}
  - numeric: opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 1) / (1 - opnorm(A))
    n: 40
necessity:
  - {drop: contraction, instance: {d: 1, N: 20, A: [[1.5]]}, why: partial sums diverge}
"""


def problems_of(text: str):
    data, marks = load_yaml_text(text, "c.yaml")
    return schema_problems(data, marks, "c.yaml")


def mutate(old: str, new: str):
    """Problems of VALID with one piece of text replaced."""
    assert old in VALID
    return problems_of(VALID.replace(old, new, 1))


def only(problems):
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_schema_is_valid_draft_2020_12_and_cached():
    schema = claim_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert claim_schema() is schema


def _walk(node, where="#"):
    if isinstance(node, dict):
        for key, sub in node.get("properties", {}).items():
            yield f"{where}/properties/{key}", sub
        for key, value in node.items():
            if key != "if":                     # conditions, not properties people write
                yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{where}/{i}")


def test_every_property_has_a_description():
    defs = claim_schema()["$defs"]
    for where, sub in _walk(claim_schema()):
        ref = sub.get("$ref", "").removeprefix("#/$defs/")
        assert sub.get("description") or defs.get(ref, {}).get("description"), where


def test_every_object_closes_additional_properties():
    for where, sub in _walk(claim_schema()):
        if isinstance(sub, dict) and "properties" in sub:
            assert sub.get("additionalProperties") is False, where


def test_valid_claim_passes():
    assert problems_of(VALID) == []


def test_valid_claim_with_optional_parts_passes():
    extra = VALID + """corrected_by: other_claim
erratum: E10
errata:
  - {id: E09, kind: proof-gap, text: "the proof only shows (I-A) S_N -> I", reading: literal}
notes: free text
status_note: checked at d <= 4
"""
    text = extra.replace("expect: holds", "expect: fails").replace(
        "    n: 40", "    n: 40\n    name: bound\n    dims: {d: 2}\n    precision: [50, 80]\n"
        "    max_draws: 500\n    instances: [{d: 1, N: 3, A: [[0.5]]}]\n"
        "  - calc:\n      - opnorm(A)\n      - {'<=': '1', by: other_claim}\n"
        "  - statistical: opnorm(A) < 1\n    confidence: 0.99\n"
        "  - cited: Du et al. 2019, Theorem 3.1\n    reason: not checkable\n")
    text = text.replace("  k: index", "  k: index\n  T: operator\n  x: {real: positive, latex: '\\eta'}"
                        "\n  v: {vector: d}\n  c: {real: [0, 1], value: 0.5, positive: true}")
    assert problems_of(text) == []


def test_fractions_become_floats_for_validation():
    data, _ = load_yaml_text(VALID, "c.yaml")
    plain = to_json_data(data)
    assert plain["symbols"]["A"]["sample"]["spectral_norm"] == [0.1, 0.95]
    assert data["symbols"]["A"]["sample"]["spectral_norm"][1].denominator == 20


def test_unknown_key_did_you_mean():
    p = only(mutate("uses: []", "uess: []"))
    assert (p.line, p.col) == (6, 1)
    assert p.message == "unknown key 'uess' (did you mean 'uses'?)"
    assert "uses" in p.hint


def test_nested_unknown_key_points_at_the_key():
    p = only(mutate("    n: 40", "    n: 40\n    nme: bound"))
    assert (p.line, p.col) == (23, 5)
    assert p.message == "checks[1]: unknown key 'nme' (did you mean 'name' or 'numeric'?)"


def test_unknown_key_in_flow_mapping():
    p = only(mutate("{drop: contraction,", "{drop: contraction, wy: x,"))
    assert (p.line, p.col) == (24, 25)
    assert p.message == "necessity[0]: unknown key 'wy' (did you mean 'why'?)"


def test_wrong_kind_lists_allowed_values():
    p = only(mutate("kind: lemma", "kind: lema"))
    assert (p.line, p.col) == (2, 7)
    assert p.message.startswith("kind: 'lema' is not allowed (did you mean 'lemma'?); expected ")
    for kind in ("definition", "lemma", "proposition", "theorem", "corollary", "example",
                 "derivation-step"):
        assert repr(kind) in p.message


def test_wrong_errata_kind():
    p = only(problems_of(VALID + "errata:\n  - {id: E09, kind: proofgap, text: t}\n"))
    assert p.line == 26
    assert "errata[0].kind: 'proofgap' is not allowed (did you mean 'proof-gap'?)" in p.message


def test_missing_required_key():
    p = only(mutate("title: Neumann series partial sums\n", ""))
    assert (p.line, p.col) == (1, 1)
    assert p.message == "missing required key 'title'"


def test_missing_nested_required_key():
    p = only(mutate(" quote: \"sum A^k = (I-A)^-1\"", ""))
    assert p.line == 5 and p.message == "source: missing required key 'quote'"


def test_fails_requires_corrected_by():
    p = only(mutate("expect: holds", "expect: fails"))
    assert p.message == "missing required key 'corrected_by'" and "fails" in p.hint


def test_wrong_type():
    p = only(mutate("    n: 40", "    n: many"))
    assert (p.line, p.col) == (22, 8)
    assert p.message == "checks[1].n: expected an integer, got a string ('many')"


def test_float_is_not_an_integer():
    p = only(mutate("    n: 40", "    n: 40.0"))
    assert p.message == "checks[1].n: expected an integer, got a number (40.0)"


def test_wrong_type_for_a_list():
    p = only(mutate("uses: []", "uses: other_claim"))
    assert (p.line, p.col) == (6, 7)
    assert p.message == "uses: expected a list, got a string ('other_claim')"


def test_check_with_two_kind_keys():
    p = only(mutate("    n: 40", "    n: 40\n    symbolic: A == A"))
    assert (p.line, p.col) == (23, 5)
    assert p.message == ("checks[1]: a check needs exactly one of the keys 'calc', 'cited', "
                         "'exact', 'numeric', 'statistical' or 'symbolic'; found 'numeric' and "
                         "'symbolic'")


def test_check_with_no_kind_key():
    p = only(mutate("  - numeric: opnorm(inv(I - A) - S(N)) <= opnorm(A)**(N + 1) / (1 - opnorm(A))\n"
                    "    n: 40", "  - n: 40"))
    assert (p.line, p.col) == (21, 5)
    assert p.message.endswith("; found none")


def test_symbol_forms():
    p = only(mutate("  k: index", "  k: indx"))
    assert (p.line, p.col) == (12, 6)
    assert p.message == ("symbols.k: 'indx' is not allowed (did you mean 'index'?); "
                         "expected 'index' or 'operator'")
    p = only(mutate("  k: index", "  k: {real: [0, 1], integer: [1, 2]}"))
    assert p.line == 12 and "a symbol needs exactly one of the keys 'real', 'integer', " \
                            "'matrix' or 'vector'; found 'real' and 'integer'" in p.message
    p = only(mutate("  k: index", "  k: {real: positiv}"))
    assert "(did you mean 'positive'?)" in p.message


def test_sample_has_exactly_one_sampler():
    p = only(mutate("{spectral_norm: [0.1, 0.95]}", "{spectral_norm: [0.1, 0.95], gaussian: []}"))
    assert p.line == 11 and p.message == "symbols.A.sample: expected exactly one key, got 2"


def test_bad_names():
    p = only(mutate("id: neumann_series_limit", "id: 9lives"))
    assert (p.line, p.col) == (1, 5) and "'9lives' does not have the required form" in p.message
    p = only(mutate("  d: {integer", "  2d: {integer"))
    assert (p.line, p.col) == (9, 3) and p.message == "symbols: '2d' is not a valid name"
    p = only(mutate("  S(M):", "  S(M:"))
    assert (p.line, p.col) == (14, 3) and p.message == "define: 'S(M' is not a valid name"


def test_out_of_range_and_sizes():
    p = only(mutate("    n: 40", "    n: 0"))
    assert p.message == "checks[1].n: 0 is out of range: it must be >= 1"
    p = only(mutate("    n: 40", "    n: 40\n    precision: [50]"))
    assert p.line == 23 and p.message == "checks[1].precision: expected at least 2 items, got 1"


def test_problems_sorted_by_line():
    text = VALID.replace("kind: lemma", "kind: lema").replace("uses: []", "uess: []").replace(
        "    n: 40", "    n: many")
    lines = [p.line for p in problems_of(text)]
    assert lines == [2, 6, 22]


def test_non_claims_do_not_crash():
    data, marks = load_yaml_text("id: x\n", "c.yaml")
    assert {p.message for p in schema_problems(data, marks, "c.yaml")} >= {
        "missing required key 'kind'", "missing required key 'source'"}
    assert schema_problems(["a"], {(): (1, 1)}, "c.yaml")[0].message == \
        "expected a mapping, got a list"


def test_published_schema_is_current():
    """docs/claim.schema.json (for editors) is what `verify schema` prints; regenerate with
    `verify schema > docs/claim.schema.json`."""
    import json
    from pathlib import Path
    from verify.schema import claim_schema
    published = json.loads((Path(__file__).resolve().parents[1] / "docs" / "claim.schema.json").read_text())
    assert published == claim_schema()
