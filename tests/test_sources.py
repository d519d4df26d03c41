"""Sources located in the notes (verify/sources/): verbatim, fuzzy (LaTeX and ASCII alike, OCR
damage, `...` elisions) and explicit spans; `verify lint` checks every source and reports the best
location as note:line:col; the notes folder is configuration (--notes, [tool.verify] notes); the
course's own 114 claims all resolve in ../shared/notes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import claim_text
from verify.cli import main
from verify.config import load_config
from verify.sources import THRESHOLD, NoteText, lint_sources, load_note, locate, normalize, parse_span, resolve
from verify.sources.note import _clean_extraction

REPO = Path(__file__).resolve().parents[1]

NOTE = """\
## 6.2.1 Convergence

**Definition 6.3.** A differentiable function  $f : \\mathbb{R}^d \\rightarrow \\mathbb{R}$  is  $\\beta$ -smooth if its gradient is  $\\beta$ -Lipschitz:

$$\\forall \\vec{w}_1, \\vec{w}_2 : \\|\\nabla f(\\vec{w}_1) - \\nabla f(\\vec{w}_2)\\| \\leq \\beta \\|\\vec{w}_1 - \\vec{w}_2\\|$$

Let f(w) be a f-smooth, u-PL function (l.e,, ” V., L(w) ” > u(L(w) — L*).
Then, GD with with step-size y = T satisfies
"""


@pytest.fixture
def note(tmp_path) -> NoteText:
    (tmp_path / "n.txt").write_text(NOTE, encoding="utf-8")
    return load_note(tmp_path / "n.txt")


def test_latex_and_ascii_read_alike():
    assert normalize(r"\|\nabla f(\vec{w}_1)\| \leq \beta")[0] == normalize("||grad f(w_1)|| <= beta")[0]
    assert normalize(r"\lambda_{\min}(X^\top X) \geq 0")[0] == normalize("lambda_min(X^T X) >= 0")[0]
    assert normalize(r"\frac{1}{2} \sum_{k=0}^t")[0] == normalize("1/2 sum_{k=0}^t")[0]


def test_verbatim_up_to_white_space(note):
    loc = locate(note, "is  $\\beta$ -smooth if its\ngradient is")
    assert loc.method == "verbatim" and loc.score == 1.0
    assert loc.line == 3 and loc.col == NOTE.splitlines()[2].index("is  $") + 1
    assert note.text[loc.start:loc.end].startswith("is  $\\beta$ -smooth")


def test_verbatim_with_elision_spans_the_pieces(note):
    loc = locate(note, "**Definition 6.3.** A differentiable function ... -Lipschitz:")
    assert loc.method == "verbatim"
    assert loc.line == 3 and loc.col == 1 and loc.end_line == 3
    assert note.text[loc.end - 1] == ":"


def test_fuzzy_paraphrase_is_located_with_a_score(note):
    loc = locate(note, "for all w1, w2: ||grad f(w1) - grad f(w2)|| <= beta ||w1 - w2||")
    assert loc.method == "fuzzy" and loc.score >= THRESHOLD
    assert loc.line == 5


def test_fuzzy_tolerates_ocr_damage(note):
    loc = locate(note, "Let f(w) be a B-smooth, mu-PL function (i.e., ||V L(w)|| > mu(L(w) - L*)).")
    assert loc.method == "fuzzy" and loc.score >= THRESHOLD and loc.line == 7


def test_unrelated_quote_scores_low_and_names_the_best_place(note, tmp_path):
    res = resolve({"note": "n.txt", "section": "s", "quote": "Every Hilbert space has an orthonormal basis"},
                  tmp_path)
    assert res.problem and "not found in n.txt" in res.problem and res.location.score < THRESHOLD
    assert f"n.txt:{res.location.line}:{res.location.col}" in res.problem


def test_explicit_span_text_and_mapping(note, tmp_path):
    assert parse_span("5:1-5:20") == (5, 1, 5, 20)
    assert parse_span("7-8") == (7, 1, 8, None)
    assert parse_span({"line": 3, "col": 2, "end_line": 4, "end_col": 1}) == (3, 2, 4, 1)
    assert parse_span("three") is None
    res = resolve({"note": "n.txt", "section": "s", "quote": "anything", "span": "7:1-7:9"}, tmp_path)
    assert res.problem is None and res.location.method == "span"
    assert note.text[res.location.start:res.location.end] == "Let f(w) "
    whole = resolve({"note": "n.txt", "section": "s", "quote": "q", "span": "7-8"}, tmp_path).location
    assert note.text[whole.start:whole.end].endswith("satisfies")
    bad = resolve({"note": "n.txt", "section": "s", "quote": "q", "span": "70:1-71:2"}, tmp_path)
    assert bad.problem and "outside n.txt" in bad.problem and bad.field == "span"


def test_missing_note_is_named_with_a_suggestion(note, tmp_path):
    res = resolve({"note": "m.txt", "section": "s", "quote": "q"}, tmp_path)
    assert res.location is None and "is not in the notes folder" in res.problem and "n.txt" in res.problem


def test_triple_formulas_of_an_html_extraction_become_latex():
    text = ("We begin with the simplest problem — l2subscript𝑙2l_{2}-regression, where as long as "
            "d1msubscript𝑑1𝑚d_{1}\\geq m and columns of X𝑋X are distinct:\n\n"
            "shallow(W)=12WxminW.subscript𝑠𝑎𝑙𝑙𝑜𝑤𝑊12subscript𝑊\\mathcal{L}_{shallow}(W)=\\frac{1}{2}Wx\\to\\min_{W}. (2)\n")
    clean, origin = _clean_extraction(text)
    assert "$l_{2}$-regression" in clean and "$d_{1}\\geq m$ and columns of $X$ are" in clean
    assert "$$\\mathcal{L}_{shallow}(W)=\\frac{1}{2}Wx\\to\\min_{W}$$ (2)" in clean
    assert "subscript" not in clean and len(origin) == len(clean) + 1
    k = clean.index("d_{1}")
    assert text[origin[k]:origin[k] + 5] == "d_{1}"


def _project(tmp_path: Path, quote: str, notes: str | None = "notes") -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.verify]\nclaims = "claims"\n' + (f'notes = "{notes}"\n' if notes else ""), encoding="utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "n.txt").write_text(NOTE, encoding="utf-8")
    (tmp_path / "claims").mkdir()
    text = claim_text("c", "checks:\n  - {cited: a book, reason: not checkable}\n").replace(
        "source: {note: test.txt, section: s, quote: q}",
        f"source:\n  note: n.txt\n  section: s\n  quote: '{quote}'")
    (tmp_path / "claims" / "c.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def _lint(cwd: Path, *args: str) -> int:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return main(["lint", *args])
    finally:
        os.chdir(old)


def test_lint_locates_every_source(tmp_path, capsys):
    _project(tmp_path, "gradient is  $\\beta$ -Lipschitz")
    assert _lint(tmp_path) == 0
    assert "sources in the notes: 1 verbatim" in capsys.readouterr().err


def test_lint_reports_an_unlocated_quote_at_its_line_with_the_best_place(tmp_path, capsys):
    _project(tmp_path, "Every Hilbert space has an orthonormal basis")
    assert _lint(tmp_path) == 2
    out = capsys.readouterr().out
    assert "claims/c.yaml:" in out and "quote not found in n.txt: the best match, n.txt:" in out
    line = next(x for x in out.splitlines() if "quote not found" in x)
    lines = (tmp_path / "claims" / "c.yaml").read_text().splitlines()
    assert line.split(":")[1] == str(lines.index(next(x for x in lines if x.startswith("  quote:"))) + 1)


def test_missing_notes_folder_is_said_once_and_nothing_fails(tmp_path, capsys):
    _project(tmp_path, "Every Hilbert space has an orthonormal basis", notes="gone")
    assert _lint(tmp_path) == 0
    err = capsys.readouterr().err
    assert err.count("notes folder gone not found") == 1
    assert _lint(tmp_path, "--notes", "notes") == 2  # the command line wins


def test_notes_key_is_relative_to_the_pyproject_and_only_for_its_own_claims(tmp_path):
    _project(tmp_path, "q")
    cfg = load_config(tmp_path / "claims")
    assert cfg.notes is not None and cfg.notes.resolve() == (tmp_path / "notes").resolve()
    assert cfg.notes_for(tmp_path / "claims") == cfg.notes
    assert cfg.notes_for(tmp_path.parent / "elsewhere") is None
    assert lint_sources([], None) == ([], None, {"verbatim": 0, "fuzzy": 0, "span": 0, "unresolved": 0})


def _library_notes() -> Path:
    notes = load_config(REPO).notes
    if notes is None or not notes.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the course's notes folder {notes} is missing (CI is set)")
        pytest.skip(f"the course's notes folder {notes} is not here")
    return notes


def test_the_repository_points_at_the_shared_notes():
    cfg = load_config(REPO)
    assert cfg.notes is not None
    assert (cfg.pyproject.parent / "../shared/notes").resolve() == cfg.notes.resolve()


def test_every_claim_of_the_library_is_located():
    from verify.pipeline import load_folder
    notes = _library_notes()
    loaded = load_folder(REPO / "claims")
    problems, notice, counts = lint_sources(loaded.claims.values(), notes)
    assert notice is None
    assert not problems, "\n".join(map(str, problems))
    assert counts["unresolved"] == 0 and sum(counts.values()) == len(loaded.claims) >= 114
    assert counts["verbatim"] >= 30, counts


PROOF_NOTE = """**Lemma 1.1.** Every $x$ satisfies $x^2 \\\\ge 0$.

**Theorem 1.2.** Sums of squares are nonnegative.

*Proof.* By Lemma 1.1, each term is nonnegative. □
"""


def test_lint_warns_when_the_notes_proof_cites_a_claimed_lemma_the_claim_does_not_use(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.verify]\nnotes = "notes"\n', encoding="utf-8")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "p.txt").write_text(PROOF_NOTE, encoding="utf-8")
    (tmp_path / "claims").mkdir()

    def claim(cid: str, quote: str, uses: str) -> None:
        text = claim_text(cid, "checks:\n  - {cited: a book, reason: not checkable}\n", uses=uses).replace(
            "source: {note: test.txt, section: s, quote: q}", f"source: {{note: p.txt, section: s, quote: '{quote}'}}")
        (tmp_path / "claims" / f"{cid}.yaml").write_text(text, encoding="utf-8")

    claim("sq", "Every $x$ satisfies", "[]")
    claim("sums", "Sums of squares are nonnegative.", "[]")
    assert _lint(tmp_path) == 0
    out = capsys.readouterr().out
    assert "claims/sums.yaml:" in out and "warning: the note's Theorem 1.2 (line 3) cites Lemma 1.1 (line 1), " \
        "claimed by sq, which sums does not use" in out
    claim("sums", "Sums of squares are nonnegative.", "[sq]")
    assert _lint(tmp_path) == 0 and "cites Lemma 1.1" not in capsys.readouterr().out
