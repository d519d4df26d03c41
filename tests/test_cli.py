"""The command line end to end: exit codes, messages for bad input, the report always written."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import claim_text
from verify.cli import main

GOOD = claim_text("good", """\
symbols:
  x: {real: [1, 4]}
checks:
  - numeric: sqrt(x) <= (x + 1) / 2
    n: 5
""")
BROKEN = claim_text("broken", """\
symbols:
  x: {real: [1, 4]}
checks:
  - numeric: sqrt(x) >= (x + 1) / 2
    n: 5
""")


def run(args, cwd):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return main(args)
    finally:
        os.chdir(old)


def test_all_exit_0_and_report(tmp_path, write_claim, capsys):
    write_claim("good", GOOD)
    code = run(["all", "-j", "1"], tmp_path)
    assert code == 0
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert results["schema_version"] == 1 and results["claims"][0]["status"] == "proved"  # z3
    assert (tmp_path / "reports" / "index.html").exists()
    assert "[1/1]" in capsys.readouterr().err


def test_broken_claim_exit_1_names_it_and_writes_report(tmp_path, write_claim, capsys):
    write_claim("good", GOOD)
    write_claim("broken", BROKEN)
    assert run(["all", "-j", "2"], tmp_path) == 1
    out = capsys.readouterr().out
    assert "not as expected: broken" in out
    page = tmp_path / "reports" / "claims" / "broken.html"
    assert page.exists() and "refuted" in page.read_text()


def test_invalid_file_exit_2_others_still_checked(tmp_path, write_claim, capsys):
    write_claim("good", GOOD)
    write_claim("bad", GOOD.replace("id: good", "id: bad").replace("uses: []", "uess: []"))
    assert run(["all"], tmp_path) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:6:1: unknown key 'uess' (did you mean 'uses'?)" in err
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert [c["id"] for c in results["claims"]] == ["good"]
    assert results["problems"][0]["file"].endswith("bad.yaml")


@pytest.mark.parametrize("mutate, message", [
    (lambda t: t.replace("id: good", "id: good\nid: again"), "duplicate key 'id'"),
    (lambda t: t.replace("kind: lemma", "kind: lema"), "kind"),
    (lambda t: t.replace("{real: [1, 4]}", "{real: [1, 4]}\n  y: {real: oops}"), "expected"),
    (lambda t: t.replace("sqrt(x) <=", "sqrt(z) <="), "unknown symbol 'z'"),
    (lambda t: t.replace("sqrt(x) <=", "sqr(x) <="), "did you mean 'sqrt'"),
    (lambda t: t.replace("sqrt(x) <=", "__import__('os') <="), "not a plain name"),
    (lambda t: t.replace("sqrt(x) <=", "x.real <="), "attribute access"),
    (lambda t: t.replace("numeric: sqrt(x) <=", "numeric: '(lambda y: 1) <=").replace("/ 2\n", "/ 2'\n", 1), "lambda"),
    (lambda t: t.replace("checks:", "checks: [\n"), "YAML"),
    (lambda t: t.replace("uses: []", "uses: [goood]"), "no claim has the id 'goood' (did you mean 'good'?)"),
])
def test_bad_input_messages(tmp_path, write_claim, capsys, mutate, message):
    write_claim("good", mutate(GOOD))
    code = run(["lint"], tmp_path)
    out = capsys.readouterr()
    assert code == 2
    assert message in out.out + out.err


def test_duplicate_id_and_cycle(tmp_path, write_claim, capsys):
    write_claim("a", claim_text("a", uses="[b]"))
    write_claim("b", claim_text("b", uses="[a]"))
    write_claim("c", claim_text("a"))
    assert run(["lint"], tmp_path) == 2
    out = capsys.readouterr().out
    assert "duplicate id 'a'" in out
    assert "dependency cycle: a -> b -> a" in out


def test_new_scaffold_passes_check(tmp_path, capsys):
    assert run(["new", "my_claim"], tmp_path) == 0
    assert run(["check", "claims/my_claim.yaml"], tmp_path) == 0
    out = capsys.readouterr().out
    assert "my_claim" in out and "as expected" in out and "replay: verify check my_claim --seed" in out


def test_check_by_id_replays_with_seed(tmp_path, write_claim, capsys):
    write_claim("broken", BROKEN)
    assert run(["check", "broken", "--seed", "7"], tmp_path) == 1
    out = capsys.readouterr().out
    assert "refuted" in out and "--seed 7" in out and "counterexample" in out


def test_help_explains_with_examples():
    out = subprocess.run([sys.executable, "-m", "verify.cli", "check", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "examples:" in out.stdout and "--seed" in out.stdout


def test_help_does_not_import_sympy():
    code = "import sys; from verify.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\nprint('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip().endswith("False")


def test_repo_claims_all_as_expected(request):
    """The product itself: every claim in the repository comes out as expected (exit 0)."""
    import time
    repo = Path(__file__).resolve().parents[1]
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "verify.cli", "all", "--no-cache", "--out", str(repo / "reports")],
                         cwd=repo, capture_output=True, text=True, timeout=3000)
    elapsed = time.perf_counter() - start
    summary = out.stdout.strip().splitlines()[0] if out.stdout.strip() else out.stderr[-500:]
    request.config._verify_all = getattr(request.config, "_verify_all", []) + [f"{summary} [verify all --no-cache: {elapsed:.1f} s]"]
    print(out.stdout[-3000:], out.stderr[-3000:])
    assert out.returncode == 0


def test_results_json_matches_its_published_schema(tmp_path, write_claim):
    import jsonschema
    from importlib import resources
    write_claim("good", GOOD)
    write_claim("broken", BROKEN)
    run(["all", "-j", "1", "--no-cache"], tmp_path)
    schema = json.loads(resources.files("verify").joinpath("schemas", "results.schema.json").read_text())
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(results)
    results["claims"][0]["status"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(results)


def test_cache_rechecks_an_edited_lemma_and_what_rests_on_it(tmp_path, write_claim):
    body = "symbols:\n  x: {real: [1, 4]}\nchecks:\n  - numeric: x >= 1\n    n: 3\n"
    write_claim("a", claim_text("a", body))
    write_claim("b", claim_text("b", body, uses="[a]"))
    write_claim("c", claim_text("c", body))
    run(["all", "-j", "1"], tmp_path)
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert (results["run"]["checked"], results["run"]["cached"]) == (3, 0)
    run(["all", "-j", "1"], tmp_path)
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert (results["run"]["checked"], results["run"]["cached"]) == (0, 3)
    a = write_claim.folder / "a.yaml"
    a.write_text(a.read_text().replace("title: a test claim", "title: edited"))
    run(["all", "-j", "1"], tmp_path)
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert (results["run"]["checked"], results["run"]["cached"]) == (2, 1)
    (tmp_path / ".verify_cache").joinpath("durations.json").write_text("{corrupt")
    for entry in (tmp_path / ".verify_cache").rglob("*.json"):
        entry.write_text("not json")
    assert run(["all", "-j", "1"], tmp_path) == 0  # a corrupt cache is ignored, never fatal


def test_instance_value_of_the_wrong_type_is_a_clear_error(tmp_path, write_claim, capsys):
    text = GOOD.replace("checks:", "  N: {integer: [1, 2]}\nchecks:") + \
        "necessity:\n  - {drop: pos, instance: {N: [[1, 2]]}}\n"
    text = text.replace("symbols:", "assume:\n  - {name: pos, latex: 'x', expr: 'x > 0'}\nsymbols:")
    write_claim("good", text)
    assert run(["lint"], tmp_path) == 2
    assert "N is a integer symbol: its value must be a number" in capsys.readouterr().out


def test_lint_reports_latex_that_will_not_render(tmp_path, write_claim, capsys):
    write_claim("good", GOOD.replace("statement: 'x'", "statement: '\\\\frac{1'"))
    assert run(["lint"], tmp_path) == 2
    assert "LaTeX that will not render" in capsys.readouterr().out
