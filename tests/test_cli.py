"""The command line end to end: exit codes, messages for bad input, the report always written."""

import io
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import claim_text
from verify.cli import main
from verify.status import LADDER

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
    assert "not as expected: claims/broken.yaml:1: broken: refuted (expected holds)" in out
    assert "counterexample" in out and "replay: verify check " in out  # the explanation (verify.explain)
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
    assert "my_claim" in out and "as expected" in out
    assert f"replay: verify check {tmp_path / 'claims' / 'my_claim.yaml'} --seed" in out  # works from anywhere


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


@pytest.mark.library
def test_repo_claims_all_as_expected(request, tmp_path_factory):
    """The product itself: every claim in the repository comes out as expected (exit 0). The run
    writes its report and cache into the session's temporary folder: the repository's reports/ and
    cache are left as they were."""
    from library_run import library_run, shared_folder
    run = library_run(tmp_path_factory)
    summary = run["stdout"].strip().splitlines()[0] if run["stdout"].strip() else run["stderr"][-500:]
    request.config._verify_all = getattr(request.config, "_verify_all", []) + [
        f"{summary} [verify all --no-cache: {run['seconds']:.1f} s]"]
    print(run["stdout"][-3000:], run["stderr"][-3000:])
    assert run["returncode"] == 0
    session_temp = shared_folder(tmp_path_factory.getbasetemp())  # the same for every xdist worker
    assert Path(run["out"], "index.html").is_file() and session_temp in Path(run["out"]).parents
    assert not run["changed_in_repo"], "the run wrote into the repository"


@pytest.mark.library
def test_repo_verdicts_are_the_recorded_ones(tmp_path_factory):
    """Every claim's status, each check's outcome and rung and each necessity case's outcome are
    those recorded in tests/data/library_verdicts.json: a change to the engines that moves any
    verdict (a certified check now only supported, a refuted one undecided) fails here, even when
    the claim stays as expected. After changing claims on purpose, record the new verdicts with
    `python tests/library_run.py reports/results.json` and review the diff."""
    from library_run import VERDICTS, library_run, verdicts
    run = library_run(tmp_path_factory)
    got = verdicts(json.loads(Path(run["out"], "results.json").read_text()))
    want = json.loads(VERDICTS.read_text())
    moved = {cid: {"recorded": want.get(cid), "now": got.get(cid)}
             for cid in sorted(set(want) | set(got)) if want.get(cid) != got.get(cid)}
    assert not moved, json.dumps(moved, indent=1)[:4000]


def test_recorded_verdicts_see_a_moved_rung_or_necessity_outcome():
    """The comparison the library test makes can fail: a check certified before and only
    supported now, or a necessity case that stopped being needed, is a moved verdict."""
    import copy

    from library_run import verdicts
    res = {"claims": [{"id": "a", "status": "certified", "as_expected": True, "necessity": [
        {"drop": "h", "outcome": "needed"}], "checks": [
        {"kind": "numeric", "name": "n", "outcome": "certified", "rung": "certified"}]}]}
    rung, case = copy.deepcopy(res), copy.deepcopy(res)
    rung["claims"][0]["checks"][0].update(outcome="supported", rung="numeric")
    case["claims"][0]["necessity"][0]["outcome"] = "looks-unneeded"
    assert verdicts(res) == verdicts(copy.deepcopy(res))
    assert verdicts(rung) != verdicts(res) and verdicts(case) != verdicts(res)


def test_results_json_matches_its_published_schema(tmp_path, write_claim):
    import jsonschema
    from importlib import resources
    write_claim("good", GOOD)
    write_claim("broken", BROKEN)
    run(["all", "-j", "1", "--no-cache"], tmp_path)
    schema = json.loads(resources.files("verify").joinpath("schemas", "results.schema.json").read_text())
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(results)
    assert [s["status"] for s in results["statuses"]] == list(LADDER)  # weakest first, with label, fill, icon
    results["claims"][0]["status"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(results)


def test_cache_rechecks_an_edited_lemma_alone(tmp_path, write_claim):
    """b rests on a, but no verdict of b reads a's file: editing a checks a again, not b."""
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
    assert (results["run"]["checked"], results["run"]["cached"]) == (1, 2)
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


# --- issue 15: a newcomer's first hour ------------------------------------------------------------

NOTED = claim_text("noted", """\
symbols:
  x: {real: [1, 4]}
checks:
  - numeric: x >= 2
    n: 5
""", expect="fails", extra="corrected_by: good\n")


def test_progress_lines_say_refuted_as_expected(tmp_path, write_claim, capsys):
    """Not a terminal (here, as in CI logs): one plain line per claim, no bar."""
    write_claim("good", GOOD)
    write_claim("noted", NOTED)
    assert run(["all", "-j", "1", "--no-cache"], tmp_path) == 0
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("[")]
    assert len(lines) == 2, err
    assert any(ln.startswith("[") and "noted: refuted, as expected" in ln for ln in lines), err
    assert not any(" ok " in f" {ln} " for ln in lines) and "\r" not in err and "%|" not in err


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal(tmp_path, write_claim, monkeypatch):
    """On a terminal: a live bar with the count, the claims being checked and the time left."""
    write_claim("good", GOOD)
    write_claim("broken", BROKEN)
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    assert run(["all", "-j", "1", "--no-cache"], tmp_path) == 1
    out = term.getvalue()
    assert "\r" in out and "2/2" in out and "left" in out and "now: " in out
    assert "good: proved" not in out  # a plain line only for what went wrong
    assert "broken: refuted, NOT as expected" in out  # printed above the bar, stays in the scrollback


def test_progress_bar_names_the_running_claims_in_order():
    from verify.terminal import Progress
    term = _Terminal()
    p = Progress(jobs=2, stream=term)
    p.start(3, 1, ["slow", "mid", "fast"])
    assert "now: slow, mid" in term.getvalue()
    p({"id": "mid", "status": "proved", "as_expected": True, "duration_s": 1.0})
    assert term.getvalue().rstrip().endswith("now: slow, fast")
    p({"id": "slow", "status": "refuted", "as_expected": True})
    p({"id": "fast", "status": "supported", "as_expected": True})
    assert p.bar is None and "3/3" in term.getvalue()


def test_check_into_a_closed_pipe_prints_no_traceback(tmp_path, write_claim):
    """`verify check ... | head`: the reader goes away; no BrokenPipeError traceback."""
    write_claim("broken", BROKEN)
    for args in (["functions"], ["check", "claims/broken.yaml", "--no-cache"]):
        proc = subprocess.Popen([sys.executable, "-m", "verify.cli", *args], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.close()  # as `head` does once it has its lines
        err = proc.stderr.read().decode()
        proc.wait(timeout=300)
        assert "Traceback" not in err and "BrokenPipeError" not in err, err
        assert proc.returncode == 141


def test_replay_commands_work_from_any_folder(tmp_path, capsys):
    project = tmp_path / "project"
    held = project / "held"
    held.mkdir(parents=True)
    (held / "broken.yaml").write_text(BROKEN)
    (held / "good.yaml").write_text(GOOD)
    assert run(["all", "--claims", "held", "-j", "1", "--no-cache"], project) == 1
    results = json.loads((project / "reports" / "results.json").read_text())
    replay = {r["id"]: r["replay"] for r in results["claims"]}
    page = (project / "reports" / "claims" / "broken.html").read_text()
    assert str(held / "broken.yaml") in page
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    capsys.readouterr()
    assert run(shlex.split(replay["broken"])[1:] + ["--no-cache"], elsewhere) == 1
    out = capsys.readouterr().out
    assert "refuted" in out and f"replay: {replay['broken']}" in out
    assert run(shlex.split(replay["good"])[1:] + ["--no-cache"], elsewhere) == 0


def test_lint_with_nothing_to_lint_says_so(tmp_path, capsys):
    assert run(["lint"], tmp_path) == 2
    assert "nothing to lint" in capsys.readouterr().err
    (tmp_path / "claims").mkdir()
    assert run(["lint"], tmp_path) == 2
    assert "nothing to lint: no claim files" in capsys.readouterr().err
    assert run(["lint", "claims"], tmp_path) == 2


def test_lint_takes_a_folder(tmp_path, write_claim, capsys):
    write_claim("good", GOOD)
    assert run(["lint", "claims"], tmp_path) == 0
    assert "1 of 1 files valid" in capsys.readouterr().err


def test_new_writes_into_the_claims_folder_given(tmp_path, capsys):
    assert run(["new", "mine", "--claims", "held"], tmp_path) == 0
    text = (tmp_path / "held" / "mine.yaml").read_text()
    assert "verify check held/mine.yaml" in text and "claims/" not in text
    assert not (tmp_path / "claims").exists()
    assert "verify check held/mine.yaml" in capsys.readouterr().out
    assert run(["check", "held/mine.yaml", "--no-cache"], tmp_path) == 0


def test_scaffold_lists_the_hypothesis_without_a_case(tmp_path, capsys):
    """The scaffold gives a necessity case for a_positive only: b_positive is listed as such."""
    assert run(["new", "mine"], tmp_path) == 0
    assert run(["check", "mine", "--no-cache"], tmp_path) == 0
    out = capsys.readouterr().out
    assert "without a_positive: needed" in out and "without b_positive: no case given" in out
    assert run(["all", "-j", "1", "--no-cache"], tmp_path) == 0
    page = (tmp_path / "reports" / "claims" / "mine.html").read_text()
    assert "no case given" in page and "b_positive" in page[page.index("no case given"):]


PYPROJECT = """\
[project]
name = "mine"

[tool.verify]
claims = "held"
out = "site"
cache = "build/cache"
title = "My own claims, checked"
"""


def test_pyproject_sets_folders_cache_and_title(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "held").mkdir()
    (tmp_path / "held" / "good.yaml").write_text(GOOD)
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    assert run(["all", "-j", "1"], sub) == 0  # found by walking up; its paths are relative to it
    index = (tmp_path / "site" / "index.html").read_text()
    assert "<h1>My own claims, checked</h1>" in index
    assert any((tmp_path / "build" / "cache").rglob("*.json"))
    assert not any(p.name == ".verify_cache" for p in tmp_path.rglob("*"))
    capsys.readouterr()
    assert run(["lint"], sub) == 0 and run(["check", "good"], sub) == 0
    assert "1 of 1 files valid" in capsys.readouterr().err


def test_pyproject_with_an_unknown_key_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.replace("out =", "output ="))
    assert run(["lint"], tmp_path) == 2
    assert "unknown key 'output' (did you mean 'out'?)" in capsys.readouterr().err


def test_cache_dir_flag_environment_and_default_place(tmp_path, write_claim, monkeypatch):
    write_claim("good", GOOD)
    assert run(["all", "-j", "1", "--cache-dir", "c1"], tmp_path) == 0
    assert any((tmp_path / "c1").rglob("*.json")) and not (tmp_path / ".verify_cache").exists()
    monkeypatch.setenv("VERIFY_CACHE_DIR", str(tmp_path / "c2"))
    assert run(["all", "-j", "1"], tmp_path) == 0
    assert any((tmp_path / "c2").rglob("*.json")) and not (tmp_path / ".verify_cache").exists()
    monkeypatch.delenv("VERIFY_CACHE_DIR")
    # run inside the claims folder: the cache goes beside the report folder, never into claims/
    claims = write_claim.folder
    assert run(["check", "good.yaml"], claims) == 0
    assert run(["all", "--claims", ".", "--out", "../out", "-j", "1"], claims) == 0
    assert (tmp_path / ".verify_cache").is_dir()
    assert not any(p.name == ".verify_cache" for p in claims.rglob("*"))


def test_report_title_neutral_default_and_the_repository_s_own():
    from verify.config import DEFAULT_TITLE, load_config
    repo = Path(__file__).resolve().parents[1]
    assert DEFAULT_TITLE == "Claims, checked"
    cfg = load_config(repo / "claims")
    assert cfg.title == "Claims of the course, checked" and cfg.claims.resolve() == repo / "claims"
    assert cfg.cache_dir(env={}).resolve() == repo / ".verify_cache"


def test_default_title_without_configuration(tmp_path, write_claim):
    write_claim("good", GOOD)
    assert run(["all", "-j", "1", "--no-cache"], tmp_path) == 0
    index = (tmp_path / "reports" / "index.html").read_text()
    assert "<h1>Claims, checked</h1>" in index and "of the course" not in index


@pytest.mark.parametrize("written, suggestion", [
    ("determinant(A)", "'det'"), ("ln(x)", "'log'"), ("arctan(x)", "'atan'"), ("inverse(A)", "'inv'"),
    ("norm2(A)", "'norm'"), ("eig(A)", "lambda_min or lambda_max"), ("frobenius(A)", "'fro'"),
    ("spectral_norm(A)", "'opnorm'"),
])
def test_unknown_function_suggests_the_name_meant(tmp_path, write_claim, capsys, written, suggestion):
    text = GOOD.replace("x: {real: [1, 4]}", "x: {real: [1, 4]}\n  A: {matrix: [2, 2]}").replace(
        "sqrt(x) <= (x + 1) / 2", f"{written} <= 10**6")
    write_claim("good", text)
    assert run(["lint"], tmp_path) == 2
    out = capsys.readouterr().out
    assert f"unknown function '{written.split('(')[0]}' (did you mean {suggestion}?)" in out, out


def test_a_function_the_language_lacks_says_how_to_write_it(tmp_path, write_claim, capsys):
    write_claim("good", GOOD.replace("sqrt(x) <= (x + 1) / 2", "log10(x) <= x"))
    assert run(["lint"], tmp_path) == 2
    assert "unknown function 'log10' (write log(x, 10))" in capsys.readouterr().out


def test_negative_base_to_a_fractional_power_gets_a_hint(tmp_path, write_claim, capsys):
    write_claim("gm", claim_text("gm", """\
    symbols:
      a: {real: [-2, -1]}
      b: {real: [1, 2]}
      c: {real: [1, 2]}
    checks:
      - numeric: (a*b*c)**(1/3) <= (a + b + c) / 3
        n: 3
    """))
    assert run(["check", "gm", "--no-cache"], tmp_path) == 1
    out = capsys.readouterr().out
    assert "negative base to a non-integer power" in out
    assert "hint:" in out and "sign(x)*abs(x)**(1/3)" in out
    assert run(["all", "-j", "1", "--no-cache"], tmp_path) == 1
    page = (tmp_path / "reports" / "claims" / "gm.html").read_text()
    assert "Hint:" in page and "sign(x)*abs(x)**(1/3)" in page


def test_foundation_names_each_dependency_and_its_status(tmp_path, write_claim, capsys):
    body = "symbols:\n  x: {real: [1, 4]}\nchecks:\n  - numeric: x >= 1\n    n: 3\n"
    write_claim("base", claim_text("base", body))
    write_claim("wrong", BROKEN.replace("id: broken", "id: wrong"))
    write_claim("top", claim_text("top", body, uses="[base, wrong]"))
    assert run(["check", "top"], tmp_path) == 0
    out = capsys.readouterr().out
    assert "not checked here or not sound" not in out
    assert "rests on base: not checked by this command" in out and "wrong: not checked by this command" in out
    assert run(["all", "-j", "1"], tmp_path) == 1
    capsys.readouterr()
    assert run(["check", "top"], tmp_path) == 0
    out = capsys.readouterr().out
    assert "wrong: refuted, NOT as expected, from the cache" in out and "base: proved" in out
    page = (tmp_path / "reports" / "claims" / "top.html").read_text()
    found = page[page.index("<dt>foundation</dt>"):page.index("</dd>", page.index("<dt>foundation</dt>"))]
    assert "wrong" in found and "not as expected" in found and "base" not in found


def test_symbols_table_shows_sampler_parameters_as_math(tmp_path, write_claim):
    write_claim("good", GOOD.replace("x: {real: [1, 4]}",
                                     "a: {real: [1, 4]}\n  x: {real: [1, 4], sample: {uniform: [1, 1 + 1/a]}}"))
    assert run(["all", "-j", "1", "--no-cache"], tmp_path) == 0
    page = (tmp_path / "reports" / "claims" / "good.html").read_text()
    symbols = page[page.index('id="sym-h"'):]
    symbols = symbols[:symbols.index("</table>")]
    assert "<mfrac>" in symbols and "uniform" in symbols
    for leak in ("Num(", "BinOp(", "Sym(", "Fraction("):
        assert leak not in page
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    assert results["claims"][0]["symbols"]["x"]["sampler"] == "uniform [1, 1 + 1 / a]"


@pytest.mark.parametrize("target", ["claims/top.yaml", "top"])
def test_check_reads_its_file_once(tmp_path, write_claim, capsys, file_reads, target):
    """`verify check FILE` (or ID) loads its file once: it was read again by the pipeline, and again
    for the cached verdicts of what it rests on."""
    body = "symbols:\n  x: {real: [1, 4]}\nchecks:\n  - numeric: x >= 1\n    n: 3\n"
    write_claim("base", claim_text("base", body))
    top = write_claim("top", claim_text("top", body, uses="[base]"))
    assert run(["all", "-j", "1"], tmp_path) == 0
    file_reads.clear()
    assert run(["check", target], tmp_path) == 0
    assert "rests on (base) came out as expected" in capsys.readouterr().out  # base's cached verdict
    assert file_reads[top.resolve()] == 1
