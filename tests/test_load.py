"""Tests for verify.load: safe YAML loading with line marks, and every rejection's message."""

from __future__ import annotations

from fractions import Fraction

import pytest
import yaml

from verify import load
from verify.errors import ClaimFileError
from verify.load import MAX_BYTES, MAX_NODES, load_yaml_file, load_yaml_text

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

PARSERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


@pytest.fixture(autouse=True, params=PARSERS, ids=lambda c: c.__name__)
def parser(request, monkeypatch):
    """Run every test with the C parser (when built) and the pure-Python one."""
    monkeypatch.setattr(load, "_Loader", request.param)


def problem(text: str, file: str = "c.yaml"):
    """The single Problem that loading `text` raises."""
    with pytest.raises(ClaimFileError) as info:
        load_yaml_text(text, file)
    assert len(info.value.problems) == 1
    return info.value.problems[0]


def test_valid_file_round_trip_with_marks():
    data, marks = load_yaml_text(VALID, "c.yaml")
    assert data["id"] == "neumann_series_limit"
    assert data["statement"] == r"\|A\| < 1 \implies \sum_k A^k = (I-A)^{-1}"
    assert data["uses"] == []
    assert data["symbols"]["A"] == {"matrix": ["d", "d"],
                                    "sample": {"spectral_norm": [Fraction(1, 10), Fraction(19, 20)]}}
    assert data["symbols"]["k"] == "index"
    assert data["checks"][0]["for"] == {"N": [0, 6]}
    assert data["checks"][1]["n"] == 40 and type(data["checks"][1]["n"]) is int
    assert data["necessity"][0]["instance"]["A"] == [[Fraction(3, 2)]]
    assert marks[()] == (1, 1)
    assert marks[("id",)] == (1, 5)
    assert marks[("id", "__key__")] == (1, 1)
    assert marks[("source", "quote")] == (5, 77)
    assert marks[("source", "quote", "__key__")] == (5, 70)
    assert marks[("uses", "__key__")] == (6, 1)
    assert marks[("checks", 0)] == (18, 5)
    assert marks[("checks", 0, "symbolic")] == (18, 15)
    assert marks[("checks", 1, "n")] == (22, 8)
    assert marks[("checks", 1, "n", "__key__")] == (22, 5)
    lines = VALID.splitlines()
    assert marks[("symbols", "A", "sample", "spectral_norm", 1)] == (11, lines[10].index("0.95") + 1)
    assert marks[("necessity", 0, "instance", "A", 0, 0)] == (24, lines[23].index("1.5") + 1)


def test_load_file_uses_display_name(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(VALID, encoding="utf-8")
    data, _ = load_yaml_file(path)
    assert data["kind"] == "lemma"
    path.write_text("id: [\n", encoding="utf-8")
    with pytest.raises(ClaimFileError) as info:
        load_yaml_file(path, display="claims/x.yaml")
    assert str(info.value).startswith("claims/x.yaml:2:1: YAML syntax error")


@pytest.mark.parametrize("text, value", [
    ("0.95", Fraction(19, 20)), ("1e-3", Fraction(1, 1000)), ("-2.5E2", Fraction(-250)),
    (".5", Fraction(1, 2)), ("1.", Fraction(1)), ("0.1", Fraction(1, 10)),
    ("!!float 2", Fraction(2)), ("3", 3), ("-7", -7), ("0x1F", 31), ("0o17", 15),
])
def test_numbers_are_exact(text, value):
    data, _ = load_yaml_text(f"x: {text}\n", "c.yaml")
    assert data["x"] == value and type(data["x"]) is type(value)


@pytest.mark.parametrize("text, value", [
    ("'0.5'", "0.5"), ("yes", "yes"), ("on", "on"), ("1:30", "1:30"), ("2024-01-01", "2024-01-01"),
    ("1_000", "1_000"), ("true", True), ("False", False), ("~", None), ("", None), ("null", None),
    ("!!str 12", "12"), ('"a\\t b"', "a\t b"), ("oo", "oo"),
])
def test_scalars_follow_yaml_1_2_core(text, value):
    data, _ = load_yaml_text(f"x: {text}\n", "c.yaml")
    assert data["x"] == value and type(data["x"]) is type(value)


@pytest.mark.parametrize("text", [".inf", "-.inf", ".NaN", "+.INF"])
def test_inf_and_nan_are_rejected(text):
    p = problem(f"id: a\nx: {text}\n")
    assert (p.line, p.col) == (2, 4)
    assert "infinity / NaN" in p.message and "'oo'" in p.hint


def test_huge_exponent_is_rejected_quickly():
    p = problem("x: 1e999999999\n")
    assert p.message == "the exponent of 1e999999999 is too large" and p.line == 1


def test_too_long_number():
    p = problem("x: " + "9" * 300 + "\n")
    assert "too long" in p.message and "expression" in p.hint


def test_syntax_error_has_line_and_message():
    p = problem("id: a\nuses: [b, c\nkind: lemma\n")
    assert p.line == 3
    assert p.message.startswith("YAML syntax error: ")
    assert "flow sequence started at line 2" in p.message


def test_mapping_value_syntax_error_hint():
    p = problem("id: a\ntitle: a: b\n")
    assert (p.line, p.col) == (2, 9)
    assert "mapping values are not allowed" in p.message and "quoted" in p.hint


def test_tab_indentation_hint():
    p = problem("source:\n\tnote: x\n")
    assert p.line == 2 and "tabs" in p.hint


def test_unknown_escape_in_double_quotes():
    p = problem('id: a\nstatement: "\\|A\\|"\n')
    assert p.line == 2 and "unknown escape" in p.message and "single quotes" in p.hint


@pytest.mark.parametrize("latex", ["\\xi", "\\underline{x}"])
def test_bad_hex_escape_in_double_quotes(latex):
    p = problem(f'id: a\nstatement: "{latex}"\n')
    assert p.line == 2 and "escape sequence" in p.message and "single quotes" in p.hint


def test_unclosed_quote():
    p = problem("id: a\ntitle: 'abc\n")
    assert p.line == 3 and "end of stream" in p.message and "not closed" in p.hint


@pytest.mark.parametrize("latex", ["\\Phi", "\\Lambda", "\\nabla", "\\theta", "\\varepsilon"])
def test_latex_escapes_are_caught(latex):
    p = problem(f'statement: "x + {latex}"\n')
    assert p.message.startswith(f"'{latex}' in double quotes")


def test_latex_swallowed_by_escape_in_double_quotes():
    p = problem('id: a\nstatement: "\\frac{1}{2} + \\beta"\n')
    assert (p.line, p.col) == (2, 12)
    assert "'\\frac' in double quotes" in p.message and "single quotes" in p.hint
    data, _ = load_yaml_text('a: "x\\\\frac"\nb: "line\\n"\n', "c.yaml")   # "\\frac" is fine
    assert data == {"a": "x\\frac", "b": "line\n"}


def test_alias_is_rejected():
    p = problem("id: a\nuses: *others\n")
    assert (p.line, p.col) == (2, 7)
    assert p.message == "alias '*others': anchors and aliases are not allowed in claim files"


def test_anchor_is_rejected():
    p = problem("id: a\nsymbols:\n  d: &dim {integer: [1, 4]}\n  e: *dim\n")
    assert (p.line, p.col) == (3, 6)
    assert p.message == "anchor '&dim': anchors and aliases are not allowed in claim files"


def test_python_tag_does_not_run_and_is_rejected(monkeypatch, capfd):
    import os
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    p = problem('id: a\nx: !!python/object/apply:os.system ["echo hi"]\n')
    assert calls == [] and "hi" not in capfd.readouterr().out
    assert (p.line, p.col) == (2, 4)
    assert p.message == "the YAML tag '!!python/object/apply:os.system' is not allowed in claim files"


@pytest.mark.parametrize("text", ["x: !!set {a: null}", "x: !!binary aGk=", "x: !custom 1",
                                  "x: !!timestamp 2024-01-01", "x: !!python/name:os.system"])
def test_other_tags_are_rejected(text):
    p = problem(text + "\n")
    assert p.line == 1 and "is not allowed in claim files" in p.message


def test_wrong_standard_tag_value():
    p = problem("x: !!int abc\n")
    assert p.message == "'abc' is not a valid !!int"


def test_duplicate_key_names_first_line():
    p = problem("id: a\nkind: lemma\ntitle: t\nkind: theorem\n")
    assert (p.line, p.col) == (4, 1)
    assert p.message == "duplicate key 'kind' (first at line 2)"


def test_nested_duplicate_key():
    p = problem("source:\n  note: a\n  note: b\n")
    assert (p.line, p.col) == (3, 3) and "first at line 2" in p.message


@pytest.mark.parametrize("key, what", [("1", "a number"), ("true", "a boolean"),
                                       ("0.5", "a number"), ("~", "null")])
def test_non_string_key(key, what):
    p = problem(f"id: a\n{key}: x\n")
    assert (p.line, p.col) == (2, 1)
    assert p.message == f"mapping key {key!r} is {what}, not a string"
    assert p.hint == f"quote the key: '{key}':"


def test_complex_key():
    p = problem("? [a, b]\n: 1\n")
    assert p.line == 1 and "mapping key must be a plain string" in p.message


def test_too_big_text_and_file(tmp_path):
    text = "x: '" + "a" * MAX_BYTES + "'\n"
    p = problem(text)
    assert p.line == 0 and f"above the limit of {MAX_BYTES} bytes" in p.message
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ClaimFileError, match="above the limit"):
        load_yaml_file(path)


def test_too_many_nodes():
    p = problem("x: [" + ", ".join(["1"] * (MAX_NODES + 5)) + "]\n")
    assert p.line == 1 and p.message == f"the file has more than {MAX_NODES} YAML nodes"


def test_billion_laughs_is_rejected_quickly():
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    p = problem("\n".join(lines) + "\n")
    assert (p.line, p.col) == (1, 4) and "anchors and aliases are not allowed" in p.message


def test_deep_flow_nesting():
    p = problem("x: " + "[" * 50_000 + "]" * 50_000 + "\n")
    assert p.message == "the YAML is nested more than 100 levels deep"
    assert p.line == 1  # the column depends on whether libyaml or our walker stops first


def test_deep_block_nesting():
    text = "".join(" " * i + f"k{i}:\n" for i in range(150))
    p = problem(text)
    assert p.line == 101 and "nested more than 100 levels" in p.message
    data, _ = load_yaml_text("".join(" " * i + f"k{i}:\n" for i in range(99)), "c.yaml")
    assert "k0" in data


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(text):
    p = problem(text)
    assert p.message == "the file is empty"


@pytest.mark.parametrize("text, got, line", [("- id: a\n- id: b\n", "a list", 1),
                                             ("just text\n", "a string", 1),
                                             ("---\n", "null", 2)])
def test_top_level_must_be_mapping(text, got, line):
    p = problem(text)
    assert p.message == f"the top level must be a mapping (key: value lines), got {got}"
    assert p.line == line


def test_multiple_documents():
    p = problem("id: a\n---\nid: b\n")
    assert (p.line, p.col) == (2, 1)
    assert p.message == "the file holds more than one YAML document"


def test_single_document_with_markers_is_fine():
    data, marks = load_yaml_text("---\nid: a\n...\n", "c.yaml")
    assert data == {"id": "a"} and marks[("id",)] == (2, 5)


def test_non_utf8_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"id: a\ntitle: caf\xe9\n")
    with pytest.raises(ClaimFileError) as info:
        load_yaml_file(path)
    p = info.value.problems[0]
    assert (p.line, p.col) == (2, 11)
    assert p.message == "the file is not valid UTF-8 (byte 0xe9)"


def test_control_character():
    p = problem("id: a\ntitle: a\x07b\n")
    assert (p.line, p.col) == (2, 9) and "U+0007" in p.message


def test_bom_and_unicode_columns():
    data, marks = load_yaml_text("\ufeffid: a\ntitle: é€ x\nk: v\n", "c.yaml")
    assert data["title"] == "é€ x" and marks[("k",)] == (3, 4)


def test_a_claim_file_is_read_once_and_its_schema_pass_remembered(tmp_path, monkeypatch, file_reads):
    """load_claim reads the file once (the schema pass's digest was taken by reading it again);
    bytes that passed the schema skip it next time, in this process and, through the signed list
    in the cache folder, in the next one."""
    import verify.cache
    import verify.schema
    from verify.validate import load_claim
    path = tmp_path / "neumann_series_limit.yaml"
    path.write_text(VALID + "# read once\n", encoding="utf-8")
    monkeypatch.setattr(verify.cache, "SCHEMA_PASSED", set())
    assert load_claim(path)[0] is not None and file_reads[path.resolve()] == 1
    verify.cache.save_schema_passes(tmp_path / "cache")
    monkeypatch.setattr(verify.cache, "SCHEMA_PASSED", set())
    verify.cache.load_schema_passes(tmp_path / "cache")
    monkeypatch.setattr(verify.schema, "schema_problems", lambda *a: pytest.fail("the schema ran again"))
    assert load_claim(path)[0] is not None and file_reads[path.resolve()] == 2
