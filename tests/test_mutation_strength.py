"""Per-claim strength (issue 13): `verify mutate`'s records reach `verify all`'s results and
report; a claim whose checks reject fewer than 80% of its non-equivalent mutants is flagged."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixtures_results import make_results  # noqa: E402

from verify.report import write_report  # noqa: E402
from verify.strength import WEAK_BELOW, attach, claim_strength  # noqa: E402


def _m(verdict, **kw):
    return {"operator": "constant", "check": 0, "description": "2 -> 3 in x", "verdict": verdict, **kw}


WEAK = {"id": "neumann_series_limit", "mutants": [_m("killed"), _m("killed"), _m("survived", reason="held"),
                                                   _m("survived", reason="held"), _m("stillborn"),
                                                   _m("survived", equivalent=True, reason="equivalent: ...")]}
STRONG = {"id": "operator_norm", "mutants": [_m("killed")] * 9 + [
    _m("survived", equivalent=True, true_mutant=True, reason="true mutant: proved to hold")]}


def test_the_score_leaves_out_equivalent_and_true_mutants():
    s = claim_strength(WEAK)
    assert (s["killed"], s["survived"], s["equivalent"], s["stillborn"]) == (2, 3, 1, 1)
    assert s["score"] == 0.5 and s["weak"] and WEAK_BELOW == 0.8
    strong = claim_strength(STRONG)
    assert strong["score"] == 1.0 and not strong["weak"]


def test_the_report_shows_strength_and_flags_weak_checks(tmp_path):
    records = tmp_path / "mutation.json"
    records.write_text(json.dumps({"summary": {}, "claims": [WEAK, STRONG]}))
    results = make_results()
    attach(results, records)
    by_id = {c["id"]: c for c in results["claims"]}
    assert by_id["neumann_series_limit"]["strength"]["weak"]
    write_report(results, tmp_path / "out")
    index = (tmp_path / "out" / "index.html").read_text()
    assert "Strength of the checks" in index and "weak checks" in index
    assert index.index("neumann_series_limit", index.index('id="strength"')) < \
        index.index("operator_norm", index.index('id="strength"'))       # weakest first
    page = next((tmp_path / "out" / "claims").glob("neumann_series_limit*.html")).read_text()
    assert "weak checks" in page and "2 wrong variants rejected" in page


def test_no_records_no_section(tmp_path):
    results = make_results()
    attach(results, tmp_path / "absent.json")
    write_report(results, tmp_path / "out")
    assert "Strength of the checks" not in (tmp_path / "out" / "index.html").read_text()


def test_the_project_names_its_mutation_records_in_pyproject(tmp_path, monkeypatch):
    """[tool.verify] mutation = FILE: the repository's own `verify all` shows the stored run."""
    from conftest import claim_text
    from verify.cli import main
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "t.yaml").write_text(claim_text(id_="t", body="symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: x >= 1\n    n: 3\n"))
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "m.json").write_text(json.dumps({"summary": {}, "claims": [dict(WEAK, id="t")]}))
    (tmp_path / "pyproject.toml").write_text('[tool.verify]\nmutation = "runs/m.json"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["all", "-j", "1"]) == 0
    claim = json.loads((tmp_path / "reports" / "results.json").read_text())["claims"][0]
    assert claim["strength"]["weak"] and claim["strength"]["killed"] == 2
