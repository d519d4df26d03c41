"""Hostile claim files: no code runs, nothing hangs, nothing is lost.

Every known payload family is placed in every string field of a valid claim. Each must give a
clear, located error or be kept as inert text (escaped in the report), and never run: a canary
file that every payload tries to create must not appear.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from verify.check_claim import check_claim
from verify.report import write_report
from verify.validate import load_claim

CANARY = Path("/tmp/verify-canary-do-not-create")

PAYLOADS = [
    f"__import__('os').system('touch {CANARY}')",
    f"().__class__.__bases__[0].__subclasses__()[0].__init__.__globals__['os'].system('touch {CANARY}')",
    "x.__globals__",
    "__builtins__",
    f"(lambda: __import__('os').system('touch {CANARY}'))()",
    f"[__import__('os').system('touch {CANARY}') for _ in [1]]",
    f"f'{{__import__(\"os\").system(\"touch {CANARY}\")}}'",
    f"exec('open(\"{CANARY}\", \"w\")')",
    f"open('{CANARY}', 'w')",
    "eval('1')",
    "(y := 1)",
    "max(*[1, 2])",
    "ｘ + 1",
    "a" * 5000,
    "<script>alert(1)</script>",
    "{{ 7*7 }} {% print(1) %}",
    "../../etc/passwd",
    "!!python/object/apply:os.system ['touch /tmp/x']",
]

VALID = {
    "id": "hostile",
    "kind": "lemma",
    "title": "t",
    "statement": "x \\ge 0",
    "source": {"note": "n.txt", "section": "s", "quote": "q"},
    "uses": [],
    "expect": "holds",
    "errata": [{"id": "E01", "kind": "notation", "text": "t"}],
    "notes": "n",
    "symbols": {"x": {"real": [0, 2]}, "N": {"integer": [1, 3]}, "k": "index"},
    "define": {"sq(u)": "u * u"},
    "assume": [{"name": "pos", "latex": "x \\ge 0", "expr": "x >= 0"}],
    "checks": [{"name": "c", "numeric": "sq(x) >= 0", "n": 3}],
    "necessity": [{"drop": "pos", "instance": {"x": -1}, "why": "w"}],
}

FIELDS = [
    ("id",), ("title",), ("statement",), ("source", "note"), ("source", "section"), ("source", "quote"),
    ("notes",), ("errata", 0, "text"), ("symbols", "x", "real", 1), ("define", "sq(u)"),
    ("assume", 0, "name"), ("assume", 0, "latex"), ("assume", 0, "expr"), ("checks", 0, "name"),
    ("checks", 0, "numeric"), ("necessity", 0, "why"), ("necessity", 0, "instance", "x"),
    ("uses", "+"), ("expect",), ("kind",), ("necessity", 0, "drop"),
]


def _with(path, payload):
    data = json.loads(json.dumps(VALID))
    node = data
    for key in path[:-1]:
        node = node[key]
    if path[-1] == "+":
        node.append(payload)
    else:
        node[path[-1]] = payload
    return data


@pytest.fixture(autouse=True, scope="module")
def canary_absent():
    CANARY.unlink(missing_ok=True)
    yield
    assert not CANARY.exists(), "a payload ran code"


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: ".".join(map(str, f)))
def test_payloads_in_every_field(tmp_path, field):
    for payload in PAYLOADS:
        p = tmp_path / "hostile.yaml"
        p.write_text(yaml.safe_dump(_with(field, payload), allow_unicode=True), encoding="utf-8")
        claim, problems = load_claim(p)
        if problems:
            for prob in problems:  # a clear, located message, never a traceback
                assert prob.file.endswith("hostile.yaml") and prob.line >= 1 and prob.message
                assert "Traceback" not in prob.message
            continue
        # accepted: the payload was inert text; checking and reporting must keep it inert
        rec = check_claim(claim)
        assert rec["status"] in ("supported", "proved", "refuted", "undecided", "error")
    assert not CANARY.exists()


def test_yaml_tags_and_aliases_are_refused(tmp_path):
    p = tmp_path / "t.yaml"
    p.write_text(f"id: !!python/object/apply:os.system ['touch {CANARY}']\n")
    assert "tag" in load_claim(p)[1][0].message
    p.write_text("a: &x [1, 2]\nb: *x\n")
    assert "alias" in load_claim(p)[1][0].message.lower() or "anchor" in load_claim(p)[1][0].message.lower()


def test_script_title_is_escaped_in_report(tmp_path):
    from verify.pipeline import run_pipeline
    folder = tmp_path / "claims"
    folder.mkdir()
    data = _with(("title",), "<script>alert(1)</script>")
    (folder / "hostile.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    os.chdir(tmp_path)
    results = run_pipeline(folder, use_cache=False)
    write_report(results, tmp_path / "out")
    html = (tmp_path / "out" / "claims" / "hostile.html").read_text()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _claim(id_, body):
    from conftest import claim_text
    return claim_text(id_, body)


COSTLY = {
    "tower": "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - symbolic: x <= 10**10**10\n",
    "exactpow": "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - symbolic: 3**(10**10) * x >= 0\n",
    "exacttower": "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - exact: x <= 9**9**9\n    n: 2\n",
    "factorial": "symbols:\n  n: {integer: [1, 2]}\nchecks:\n  - numeric: factorial(10**7 * n) >= 1\n",
    "longsum": "symbols:\n  k: index\n  x: {real: [1, 2]}\nchecks:\n  - numeric: sum(k, k, 1, 10**9) >= x\n",
    "bigmatrix": "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: norm(eye(10**6)) >= x\n",
    "hugedim": "symbols:\n  d: {integer: [1000, 1000]}\n  A: {matrix: [d, d]}\nchecks:\n  - numeric: norm(A) >= 0\n",
}


@pytest.mark.parametrize("name", sorted(COSTLY))
def test_costly_expressions_are_bounded_before_work(tmp_path, name):
    from conftest import claim_text
    p = tmp_path / f"{name}.yaml"
    p.write_text(claim_text(name, COSTLY[name]))
    claim, problems = load_claim(p)
    if problems:
        assert any("limit" in x.message or "exponent" in x.message for x in problems), problems
    else:
        rec = check_claim(claim)
        assert rec["status"] == "error" and "limit" in rec["checks"][0]["message"], rec["checks"][0]["message"]


def test_hang_and_memory_hog_are_contained(tmp_path, write_claim):
    """A claim that hangs and one that eats memory end as timeout / error; the others still run."""
    from conftest import claim_text
    write_claim("good", claim_text("good", "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: x >= 1\n    n: 3\n"))
    write_claim("slow", claim_text("slow", "symbols:\n  k: index\n  j: index\n  x: {real: [1, 2]}\nchecks:\n"
                                   "  - numeric: sum(sum(log(k + j + x), k, 1, 90000), j, 1, 90000) >= 0\n"))
    write_claim("hog", claim_text("hog", "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: x**2 >= 0\n"
                                  "    precision: [1999, 2000]\n    n: 100000\n"))
    # in a fresh process: a worker forked from this one would inherit the test session's mappings
    # (about 280 MB once every test module is imported) under its 300 MB address-space limit
    code = subprocess.run([sys.executable, "-m", "verify.cli", "all", "--timeout", "3", "--memory-mb", "300",
                           "-j", "2", "--no-cache"], cwd=tmp_path, capture_output=True, text=True).returncode
    results = json.loads((tmp_path / "reports" / "results.json").read_text())
    status = {c["id"]: c["status"] for c in results["claims"]}
    assert status["good"] == "proved"  # x >= 1 on [1, 2], by z3
    assert status["slow"] == "timeout"
    assert status["hog"] in ("timeout", "error")
    assert code == 1


def test_hostile_folder_is_fast(tmp_path):
    """A few hundred bad files: every one reported, well under a minute."""
    folder = tmp_path / "claims"
    folder.mkdir()
    from conftest import claim_text
    for i, payload in enumerate(PAYLOADS * 12):
        body = f"symbols:\n  x: {{real: [0, 1]}}\nchecks:\n  - numeric: '{payload.replace(chr(39), chr(34))}'\n"
        (folder / f"bad{i}.yaml").write_text(claim_text(f"bad{i}", body))
    (folder / "laughs.yaml").write_text("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n")
    out = subprocess.run([sys.executable, "-m", "verify.cli", "all", "--claims", str(folder), "--out",
                          str(tmp_path / "out"), "--no-cache"], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 2
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["summary"]["invalid_files"] >= len(PAYLOADS * 12) - 12


def test_same_seed_same_results_across_jobs_and_hash_seeds(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    claims = [repo / "claims" / f"{c}.yaml" for c in ("neumann_series_limit", "strict_saddle_definition",
                                                      "escape_time_ceil_as_written", "saddle_quadratic_model_dynamics")]
    folder = tmp_path / "claims"
    folder.mkdir()
    for c in claims:
        (folder / c.name).write_text(c.read_text())
    outputs = []
    for jobs, hashseed in (("1", "0"), ("2", "12345")):
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        subprocess.run([sys.executable, "-m", "verify.cli", "all", "--claims", str(folder), "--out",
                        str(tmp_path / f"out{jobs}"), "-j", jobs, "--no-cache"], cwd=tmp_path, env=env,
                       capture_output=True, check=False)
        data = json.loads((tmp_path / f"out{jobs}" / "results.json").read_text())
        outputs.append(_strip_timings(data))
    assert outputs[0] == outputs[1]


def _strip_timings(obj):
    if isinstance(obj, dict):
        return {k: _strip_timings(v) for k, v in obj.items()
                if k not in ("duration_s", "started", "jobs", "command", "claims_dir", "timings")}
    if isinstance(obj, list):
        return [_strip_timings(v) for v in obj]
    return obj


def test_killed_run_leaves_previous_report_intact(tmp_path):
    """Kill a run midway: the previous report and results stay complete and unchanged."""
    import signal
    from conftest import claim_text
    folder = tmp_path / "claims"
    folder.mkdir()
    (folder / "good.yaml").write_text(claim_text("good", "symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: x >= 1\n    n: 3\n"))
    cmd = [sys.executable, "-m", "verify.cli", "all", "--claims", str(folder), "--out", str(tmp_path / "out"), "--no-cache"]
    subprocess.run(cmd, cwd=tmp_path, capture_output=True, check=False)
    before = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    (folder / "slow.yaml").write_text(claim_text("slow", "symbols:\n  k: index\n  x: {real: [1, 2]}\nchecks:\n"
                                                 "  - numeric: sum(log(k + x), k, 1, 100000) >= 0\n    n: 1000\n"))
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    for line in proc.stderr:  # wait until the checks are under way, then kill the whole group
        if b"checking" in line:
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    after = {p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert after == before
    json.loads((tmp_path / "out" / "results.json").read_text())


def test_symlinks_out_of_the_claims_folder_are_not_followed(tmp_path):
    from verify.pipeline import claim_files
    from conftest import claim_text
    outside = tmp_path / "outside.yaml"
    outside.write_text(claim_text("outside"))
    folder = tmp_path / "claims"
    folder.mkdir()
    (folder / "inside.yaml").write_text(claim_text("inside"))
    (folder / "link.yaml").symlink_to(outside)
    assert [p.name for p in claim_files(folder)] == ["inside.yaml"]
