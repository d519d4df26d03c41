"""`verify mutate`: the mutants it makes, how it classifies them, and the command."""

import json

from conftest import claim_text, load_text
from verify.cli import main
from verify.mutate import mutants, mutate_claim, score

CLAIM = """
symbols:
  n: {integer: [1, 3]}
  A: {matrix: [n, n]}
  S: {matrix: [n, n], sample: {symmetric: [-1, 1]}}
  x: {vector: n}
  c: {real: [1, 2]}
assume:
  - {name: c_big, latex: 'c \\ge 1', expr: 'c >= 1'}
checks:
  - numeric: norm(A * x)**2 <= opnorm(A)**2 * norm(x)**2
  - numeric: dot(x, S * x) == dot(S * x, x)
  - numeric: c * norm(x)**2 >= norm(x)**2 / 2
necessity:
  - drop: c_big
    sample: {c: {uniform: [-2, 0]}}
    why: a negative c flips the bound
"""


def _claim(tmp_path, text=CLAIM):
    return load_text(tmp_path, claim_text(body=text))


def test_operators(tmp_path):
    ms = mutants(_claim(tmp_path))
    ops = {m.operator for m in ms}
    assert ops == {"flip", "constant", "transpose", "drop-hypothesis"}
    descs = [m.description for m in ms]
    assert "<= -> >" in descs and ">= -> <" in descs
    assert any(d.startswith("2 -> 3") for d in descs) and any(d.startswith("2 -> 1") for d in descs)
    assert "A -> T(A)" in descs and "S -> T(S)" in descs
    assert "drop c_big" in descs


def test_verdicts_and_reasons(tmp_path):
    rec = mutate_claim(_claim(tmp_path), seed=1)
    by = {(m["operator"], m["description"].split(" in ")[0]): m for m in rec["mutants"]}
    assert by[("flip", "<= -> >")]["verdict"] == "killed"
    assert by[("drop-hypothesis", "drop c_big")]["verdict"] == "killed"
    assert by[("drop-hypothesis", "drop c_big")]["killed_by"] == "necessity case"
    # S is symmetric: transposing it is an equivalent mutant, recognised as such
    sym = by[("transpose", "S -> T(S)")]
    assert sym["verdict"] == "survived" and sym["equivalent"]
    # ||A x||^2 <= ||A||^2 ||x||^2 with A^T: still true (same operator norm) - a survivor, named
    assert by[("transpose", "A -> T(A)")]["verdict"] == "survived"
    # a changed constant that survives while its opposite change is killed is marked equivalent
    for m in rec["mutants"]:
        if m.get("reason", "").startswith("a weaker statement"):
            assert m["equivalent"] and m["operator"] == "constant"
    s = score([rec])
    assert s["killed"] + s["survived"] + s["stillborn"] == s["total"] == len(rec["mutants"])
    assert 0 < s["score"] <= s["score_nonequivalent"] <= 1


def test_a_mutant_that_is_not_well_typed_is_stillborn_and_left_out(tmp_path):
    text = CLAIM.replace("  - numeric: dot(x, S * x) == dot(S * x, x)\n",
                         "  - numeric: dot(x, S * x) == dot(S * x, x)\n"
                         "  - numeric: trace(matrix(2, 2, c, 0, 0, c)) == 2 * c\n")
    rec = mutate_claim(_claim(tmp_path, text), seed=1)
    still = [m for m in rec["mutants"] if m["verdict"] == "stillborn"]
    assert still and all(m["outcome"] == "error" for m in still)
    s = score([rec])
    assert s["score"] == s["killed"] / (s["killed"] + s["survived"])


def _mutate_command(tmp_path):
    """`verify mutate` on a folder holding CLAIM; returns the folder and the records file."""
    folder = tmp_path / "claims"
    folder.mkdir()
    (folder / "t.yaml").write_text(claim_text(body=CLAIM))
    out = tmp_path / "m.json"
    assert main(["mutate", "--claims", str(folder), "--out", str(out), "-j", "1"]) == 0
    return folder, out


def test_command_writes_records_and_prints_the_score(tmp_path, capsys):
    folder, out = _mutate_command(tmp_path)
    data = json.loads(out.read_text())
    assert data["summary"]["claims"] == 1 and data["claims"][0]["id"] == "t"
    printed = capsys.readouterr().out
    assert "mutation score" in printed and "survivors:" in printed
    assert main(["mutate", "nope", "--claims", str(folder), "--out", str(out)]) == 2


def test_a_change_with_no_effect_is_recognised_as_equivalent(tmp_path):
    """max(x, 1/10**20) is a guard: changing 10**20 changes no side's value on any instance."""
    body = """
    symbols:
      x: {real: [1, 2]}
    checks:
      - numeric: x / max(x, 1/10**20) <= 1
    """
    rec = mutate_claim(_claim(tmp_path, body), seed=1)
    guard = [m for m in rec["mutants"] if m["operator"] == "constant"
             and m["description"].split(" in ")[1] in (r"\frac{1}{10^{20}}", "10^{20}")]
    assert guard and all(m["verdict"] == "survived" and m["equivalent"] for m in guard)
    assert all("unchanged" in m["reason"] for m in guard)
    assert len(guard) == 6
    # the bound itself is not a guard: 1 -> 0 on the right side is killed, 1 -> 2 is a weaker truth
    bound = {m["description"].split(" in ")[0]: m for m in rec["mutants"]
             if m["operator"] == "constant" and m["description"].endswith(r"\le 1")}
    assert bound["1 -> 0"]["verdict"] == "killed"
    assert bound["1 -> 2"]["equivalent"]  # x / max(x, 1e-20) <= 2: z3 proves the mutant itself
    assert bound["1 -> 2"]["reason"].startswith(("true mutant: the mutant itself is proved", "a weaker"))
    assert bound["1 -> 2"]["true_mutant"] or bound["1 -> 2"]["reason"].startswith("a weaker")


def test_reclassify_recomputes_reasons_of_a_stored_run(tmp_path, capsys):
    folder, out = _mutate_command(tmp_path)
    data = json.loads(out.read_text())
    for m in data["claims"][0]["mutants"]:  # forget the reasons, as an old classifier would have
        m.pop("equivalent", None)
        m["reason"] = "held on every instance"
    out.write_text(json.dumps(data))
    assert main(["mutate", "--claims", str(folder), "--reclassify", str(out)]) == 0
    again = json.loads(out.read_text())
    assert again["summary"]["reclassified"] and again["summary"]["equivalent"] >= 1


def test_a_mutant_that_is_not_decided_in_its_cpu_budget_survives(tmp_path):
    """A mutant gets a CPU budget of its own (a symbolic cancel() that ran for 18 CPU minutes on
    one mutant of pinv_min_norm_interpolator held a whole library run): past it, the mutant
    survives, reported as a timeout, and the next one runs."""
    rec = mutate_claim(_claim(tmp_path), seed=1, mutant_s=1e-3)
    timeouts = [m for m in rec["mutants"] if m["outcome"] == "timeout"]
    assert timeouts and all(m["verdict"] == "survived" and m["reason"].startswith("timeout") for m in timeouts)


def test_a_claims_mutants_share_one_cpu_budget(tmp_path):
    rec = mutate_claim(_claim(tmp_path), seed=1, budget_s=0)
    assert rec["mutants"] and all(m["outcome"] == "not run" and m["verdict"] == "survived" for m in rec["mutants"])


def test_the_worker_budget_is_the_mutate_budget_not_the_per_check_one(tmp_path):
    """run_all(budget=...) sets the worker's CPU limit: a job that spins is stopped near it."""
    import time
    from verify.workers import run_all

    def spin(claim, seed, precisions):
        while True:
            pass

    t0 = time.monotonic()
    out = run_all([_claim(tmp_path)], jobs=1, timeout_s=600, job=spin, budget=lambda claim: 1)
    rec = next(iter(out.values()))
    assert rec["status"] in ("error", "timeout") and time.monotonic() - t0 < 60
