"""verify lint warns where a sampler covers less than the hypotheses allow (issue 13): a check
that passes only because of its sampler is found before anyone trusts it."""

from pathlib import Path

from conftest import claim_text, load_text
from verify.coverage import sampler_gaps

# the scalar Neumann series: the tail bound 10^-20 after 1000 terms is false at a = 999/1000,
# which the hypothesis |a| < 1 allows and the sampler never draws
NARROW = """\
symbols:
  a: {real: [0, 1], sample: {uniform: [1/10, 19/20]}}
  k: index
assume:
  - {name: contraction, latex: 'a < 1', expr: 'a < 1'}
checks:
  - numeric: 1 / (1 - a) - sum(a**k, k, 0, 1000) <= 10**(-20)
"""


def _claim(tmp_path: Path, body: str):
    return load_text(tmp_path, claim_text(body=body))


def test_a_sampler_narrower_than_the_hypotheses_is_a_warning(tmp_path):
    warnings = sampler_gaps(_claim(tmp_path, NARROW))[0]
    assert len(warnings) == 1
    assert "a is sampled in [1/10, 19/20]" in warnings[0].message and "warning" in warnings[0].message


def test_a_sampler_that_covers_the_hypotheses_is_not(tmp_path):
    assert sampler_gaps(_claim(tmp_path, NARROW.replace("sample: {uniform: [1/10, 19/20]}", "sample: {uniform: [0, 1]}"))) == ([], [])


def test_the_check_that_hid_behind_its_sampler_is_refuted_once_the_sampler_covers(tmp_path):
    from verify.check_claim import check_claim
    wide = NARROW.replace("sample: {uniform: [1/10, 19/20]}", "sample: {uniform: [0, 1]}")
    assert check_claim(_claim(tmp_path, wide))["status"] == "refuted"


def test_a_positive_scale_no_hypothesis_bounds_is_a_choice(tmp_path):
    body = "symbols:\n  c: {real: positive, sample: {uniform: [1/10, 10]}}\nchecks:\n  - numeric: c > 0\n"
    assert sampler_gaps(_claim(tmp_path, body)) == ([], [])


def test_the_search_pushes_to_the_hypotheses_boundary_not_the_samplers(tmp_path):
    """Even with the narrow sampler, the local search moves a up to what `a < 1` allows."""
    from verify.check_claim import check_claim
    rec = check_claim(_claim(tmp_path, NARROW))
    assert rec["status"] == "refuted", rec["checks"][0]["message"]
    assert "local search" in rec["checks"][0]["message"]


def test_lint_prints_the_warning_and_still_passes(tmp_path, capsys):
    from verify.cli import main
    folder = tmp_path / "claims"
    folder.mkdir()
    (folder / "t.yaml").write_text(claim_text(body=NARROW))
    assert main(["lint", "--claims", str(folder)]) == 0
    out, err = capsys.readouterr()
    assert "warning: a is sampled in [1/10, 19/20]" in out and "1 warning(s)" in err


def test_a_claims_scope_is_shown_next_to_its_status(tmp_path, capsys):
    from verify.cli import main
    folder = tmp_path / "claims"
    folder.mkdir()
    text = claim_text(body="symbols:\n  x: {real: [1, 2]}\nchecks:\n  - numeric: x >= 1\n", extra="scope: checked at x in [1, 2]\n")
    (folder / "t.yaml").write_text(text)
    assert main(["check", str(folder / "t.yaml"), "--no-cache", "--cache-dir", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert "scope: checked at x in [1, 2]" in out


def test_a_narrower_sampler_with_its_reason_is_justified_not_warned(tmp_path, capsys):
    from verify.cli import main
    reason = "the tail after 1000 terms is the statement only for a <= 19/20"
    body = NARROW.replace("sample: {uniform: [1/10, 19/20]}}", f"sample: {{uniform: [1/10, 19/20]}}, narrow: '{reason}'}}")
    claim = _claim(tmp_path, body)
    assert sampler_gaps(claim) == ([], [("a", reason)])
    folder = tmp_path / "claims"
    folder.mkdir()
    (folder / "t.yaml").write_text(claim_text(body=body))
    assert main(["lint", "--claims", str(folder)]) == 0
    assert "1 narrower sampler(s) justified by narrow:" in capsys.readouterr().err


def test_a_reason_too_short_to_say_anything_is_a_problem(tmp_path):
    from conftest import problems_of
    body = NARROW.replace("sample: {uniform: [1/10, 19/20]}}", "sample: {uniform: [1/10, 19/20]}, narrow: 'deliberate'}")
    assert problems_of(tmp_path, claim_text(body=body))


def test_the_librarys_samplers_cover_their_hypotheses_or_say_why():
    """Every gap in claims/ is either closed or justified with narrow: (issue 13: there were 24)."""
    from verify.pipeline import load_folder
    root = Path(__file__).resolve().parents[1]
    loaded = load_folder(root / "claims")
    gaps = [w.message for c in loaded.claims.values() for w in sampler_gaps(c)[0]]
    assert gaps == []
