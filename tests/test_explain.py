"""The one failure explainer (verify.explain): what the terminal, the pytest plugin, JUnit and
`verify all`'s summary print for a claim that is not as expected."""

import xml.etree.ElementTree as ET

from verify.explain import explain, replay_command
from verify.junit import junit_xml

CEX = {"values": {"x": "4"}, "lhs": "2.0", "rhs": "2.5", "margin": "-0.2", "shrunk": True,
       "confirmed_by": "exact"}


def _record(**extra):
    rec = {"id": "broken", "file": "claims/broken.yaml", "line": 1, "expect": "holds", "status": "refuted",
           "as_expected": False, "seed": 7, "replay": "verify check /abs/claims/broken.yaml --seed 7",
           "message": None, "kind": "lemma", "checks": [
               {"kind": "numeric", "name": "", "line": 9, "outcome": "supported", "message": "held"},
               {"kind": "numeric", "name": "bound", "line": 11, "outcome": "refuted", "engine": "exact",
                "message": "fails on instance 2 of 5", "counterexample": CEX},
               {"kind": "numeric", "line": 13, "outcome": "undecided", "message": "inside tolerance",
                "undecided_ok": "the bound is tight"}],
           "necessity": [{"drop": "pos", "outcome": "needed", "message": "fails without it"},
                         {"drop": "small", "outcome": "looks-unneeded", "message": "every instance satisfies small"}]}
    rec.update(extra)
    return rec


def test_a_failure_is_located_with_its_counterexample_margin_and_replay():
    assert explain(_record()) == [
        "claims/broken.yaml:1: broken: refuted (expected holds)",
        "  claims/broken.yaml:11: numeric bound: refuted by exact - fails on instance 2 of 5",
        "    counterexample (shrunk; confirmed by exact): x = 4",
        "    lhs = 2.0, rhs = 2.5, margin -0.2",
        "  without small: looks-unneeded - every instance satisfies small",
        "  replay: verify check /abs/claims/broken.yaml --seed 7"]


def test_a_run_that_failed_as_a_whole_says_what_happened():
    lines = explain(_record(status="timeout", checks=[], necessity=[], message="stopped by the safety net"))
    assert lines[:2] == ["claims/broken.yaml:1: broken: timeout (expected holds)", "  stopped by the safety net"]


def test_junit_failure_text_is_the_explanation():
    rec = _record()
    results = {"claims": [rec], "problems": [], "run": {"duration_s": 1}}
    failure = ET.fromstring(junit_xml(results)).find("testcase/failure")
    assert failure.get("message") == "refuted (expected holds)"
    assert failure.text == "\n".join(explain(rec))


def test_the_replay_command_names_the_file_by_absolute_path(tmp_path):
    f = tmp_path / "a b.yaml"
    assert replay_command(str(f), 3, " --precision 30,60") == f"verify check '{f}' --seed 3 --precision 30,60"
    assert replay_command(str(f), None) == f"verify check '{f}'"
