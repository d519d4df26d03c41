"""A fully cached `verify all` (issue 18): the run's results reused whole (verify/reuse.py), the
report left untouched when its inputs are unchanged (verify/report/digest.py), the sources'
places in the notes kept between runs (verify/sources/resolution.py). Each invalidation is
tested: an edited claim, note, template or verify file builds again what depends on it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import claim_text
from verify.cli import main

NOTE = "# Lecture 0\n\nThe operator norm is the largest singular value.\n\nA second paragraph follows.\n"
CITED = "checks:\n  - {cited: a book, reason: a definition}\n"
NUMERIC = "symbols:\n  x: {real: [1, 4]}\nchecks:\n  - numeric: x >= 1\n    n: 3\n"


def _claim(cid: str, body: str, quote: str = "The operator norm is", uses: str = "[]") -> str:
    return claim_text(cid, body, uses=uses).replace(
        "source: {note: test.txt, section: s, quote: q}",
        f"source: {{note: n.txt, section: s, quote: '{quote}'}}")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder: claims/ (a lemma and a claim that uses it), notes/, pyproject.toml."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "n.txt").write_text(NOTE, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.verify]\nnotes = "notes"\n', encoding="utf-8")
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "lem.yaml").write_text(_claim("lem", NUMERIC), encoding="utf-8")
    (tmp_path / "claims" / "thm.yaml").write_text(_claim("thm", CITED, "A second paragraph", "[lem]"),
                                                 encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(capsys) -> str:
    assert main(["all", "-j", "1"]) == 0
    return capsys.readouterr().out


def _mtimes(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in sorted(out.rglob("*")) if p.is_file()}


def _results(project: Path) -> dict:
    return json.loads((project / "reports" / "results.json").read_text(encoding="utf-8"))


def test_nothing_changed_leaves_every_report_file_untouched(project, capsys):
    _run(capsys)
    _run(capsys)  # the first cached run: run.checked differs from the cold run, so it writes once
    before = _mtimes(project / "reports")
    out = _run(capsys)
    assert "report unchanged" in out
    assert _mtimes(project / "reports") == before
    assert (project / "reports" / ".inputs.json").is_file()


def test_a_missing_report_file_is_written_again(project, capsys):
    _run(capsys)
    _run(capsys)
    (project / "reports" / "claims" / "thm.html").unlink()
    assert "report unchanged" not in _run(capsys)
    assert (project / "reports" / "claims" / "thm.html").is_file()


def test_an_edited_claim_changes_its_page(project, capsys):
    _run(capsys)
    _run(capsys)
    path = project / "claims" / "thm.yaml"
    path.write_text(path.read_text().replace("title: a test claim", "title: A NEW TITLE"))
    out = _run(capsys)
    assert "report unchanged" not in out
    assert "A NEW TITLE" in (project / "reports" / "claims" / "thm.html").read_text()
    assert _results(project)["run"]["checked"] == 1


def test_an_edited_lemma_is_checked_alone_and_its_new_status_reaches_what_rests_on_it(project, capsys):
    _run(capsys)
    lemma = project / "claims" / "lem.yaml"
    lemma.write_text(lemma.read_text().replace("x >= 1", "x >= 2"))  # now false: refuted
    assert main(["all", "-j", "1"]) == 1
    capsys.readouterr()
    results = _results(project)
    assert results["run"]["checked"] == 1  # the lemma; thm's verdict reads nothing of lem's file
    thm = next(c for c in results["claims"] if c["id"] == "thm")
    assert [w["id"] if isinstance(w, dict) else w for w in thm["foundation"]["weak"]] == ["lem"]


def test_an_edited_note_is_located_again(project, capsys):
    _run(capsys)
    _run(capsys)
    page = (project / "reports" / "notes").glob("*.html")
    assert 'id="claim-lem"' in next(page).read_text()
    note = project / "notes" / "n.txt"
    note.write_text("# Lecture 0\n\nAn inserted line.\nAnother one.\n\n" + NOTE.split("\n", 2)[2])
    out = _run(capsys)
    assert "report unchanged" not in out
    assert _results(project)["run"]["checked"] == 0  # no verdict depends on the note
    html = next((project / "reports" / "notes").glob("*.html")).read_text()
    assert "An inserted line." in html and "n.txt:6:1-6:20" in html  # the quote moved from line 3 to 6
    assert '<mark class="claimed" data-claims="lem">The operator norm is</mark>' in html


def test_a_kept_place_in_an_edited_note_is_not_reused(tmp_path, monkeypatch):
    from verify.sources import resolution as sources
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "n.txt").write_text(NOTE)
    src = {"note": "n.txt", "quote": "The operator norm is"}
    monkeypatch.setattr(sources, "_STORE", {})
    sources._RESOLVED.clear()
    assert sources.resolve(src, notes).location.line == 3
    sources.save_store(tmp_path / "sources.json")
    assert (tmp_path / "sources.json").is_file()
    sources._RESOLVED.clear()
    sources._STORE.clear()
    sources.load_store(tmp_path / "sources.json")
    calls = []
    monkeypatch.setattr(sources, "locate", lambda *a: calls.append(a) or pytest.fail("located again"))
    assert sources.resolve(src, notes).location.line == 3  # kept: not located again
    (notes / "n.txt").write_text("\n\n" + NOTE)
    sources._RESOLVED.clear()
    monkeypatch.undo()
    assert sources.resolve(src, notes).location.line == 5  # the note changed: located again


def test_a_changed_template_or_verify_file_builds_the_report_again(project, capsys, monkeypatch):
    _run(capsys)
    _run(capsys)
    import verify.cache
    import verify.reuse
    monkeypatch.setattr(verify.cache, "package_digest", lambda: "another version of verify")
    monkeypatch.setattr(verify.reuse, "package_digest", lambda: "another version of verify")
    assert "report unchanged" not in _run(capsys)


def test_the_package_digest_covers_templates_and_static_files():
    from verify.reuse import package_digest
    root = Path(__file__).parents[1] / "verify"
    files = [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert any(p.suffix == ".html" for p in files) and any(p.suffix == ".css" for p in files)
    import hashlib
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(str(path.relative_to(root)).encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    assert package_digest() == h.hexdigest()


def test_a_reused_run_gives_the_results_of_a_full_cached_run(project, capsys):
    from verify.pipeline import run_pipeline
    _run(capsys)
    full = run_pipeline(Path("claims"), cache_dir=Path(".verify_cache"))  # loads, reads each verdict
    kept = run_pipeline(Path("claims"), cache_dir=Path(".verify_cache"), reuse=True)
    assert kept["run"]["checked"] == 0 and full["run"]["checked"] == 0
    for r in (full, kept):
        del r["run"]["started"], r["run"]["duration_s"]
    assert json.dumps(kept, sort_keys=True) == json.dumps(full, sort_keys=True)


def test_a_kept_run_larger_than_a_cache_file_is_reused(project, capsys, monkeypatch):
    """The kept results grow with the library (141 MB for 11,400 claims, bench/bench.py at 100x):
    a cap of 32 MB for every cache file made each warm run of a large library load and validate
    every claim again (5.4 ms per claim at 100x, 0.4 at 10x). Here the cap is made smaller than
    the kept run: the kept run's own cap, which grows with the number of claim files, still lets it
    be reused; any other cache file keeps the fixed cap."""
    import verify.cache
    import verify.pipeline
    import verify.reuse
    _run(capsys)
    _run(capsys)  # keeps the run
    kept = project / ".verify_cache" / "last-run.json"
    size = kept.stat().st_size
    monkeypatch.setattr(verify.cache, "MAX_FILE_BYTES", size // 2)
    monkeypatch.setattr(verify.reuse, "MAX_FILE_BYTES", size // 2, raising=False)
    monkeypatch.setattr(verify.pipeline, "load_folder", lambda *a, **k: pytest.fail("loaded the claims"))
    assert main(["all", "-j", "1"]) == 0
    assert verify.cache.read_signed(kept, verify.cache.cache_secret(project / ".verify_cache")) is None


def test_a_reused_run_misses_on_any_change_to_its_inputs(project, capsys, monkeypatch):
    from verify.reuse import run_key
    _run(capsys)
    key = run_key(Path("claims"), (50, 80), None)
    assert run_key(Path("claims"), (50, 80), 7) != key
    assert run_key(Path("claims"), (30, 60), None) != key
    (project / "claims" / "new.yaml").write_text(_claim("new", CITED))
    assert run_key(Path("claims"), (50, 80), None) != key
    (project / "claims" / "new.yaml").unlink()
    assert run_key(Path("claims"), (50, 80), None) == key
    monkeypatch.setenv("MPMATH_NOGMPY", "1")
    assert run_key(Path("claims"), (50, 80), None) != key


def test_a_timeout_is_never_reused(project, capsys, monkeypatch):
    import verify.workers
    real = verify.workers.run_all

    def timing_out(claims, **kw):
        out = real(claims, **kw)
        return {cid: dict(rec, status="timeout") for cid, rec in out.items()}

    monkeypatch.setattr(verify.workers, "run_all", timing_out)
    main(["all", "-j", "1"])
    assert "2 timeout" in capsys.readouterr().out
    assert not (project / ".verify_cache" / "last-run.json").exists()


def test_a_fully_cached_run_imports_neither_sympy_nor_jinja(project, capsys):
    _run(capsys)
    command = [sys.executable, "-X", "importtime", "-m", "verify.cli", "all", "-j", "1"]
    subprocess.run(command, cwd=project, capture_output=True, timeout=600)  # its own command line
    out = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "report unchanged" in out.stdout
    imported = {line.split("|")[-1].strip().split(".")[0] for line in out.stderr.splitlines()
                if line.startswith("import time:")}
    assert not imported & {"sympy", "jinja2", "networkx", "mpmath", "yaml", "numpy"}, imported


LATEX = [r"\|A\|_{op} = \sigma_{\max}(A)", r"\sum_{k=0}^{N} A^k", r"\frac{a+b}{2} \ge \sqrt{ab}",
         r"\text{if } x < 1 \text{ and } y > 2", r"W_{i,j}^{(t)} \to \infty", r"\left( x \right)",
         r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", r"\hat{w} \in \mathbb{R}^d", r"a \& b", r"\Big\| x \Big\|",
         r"\frac{1}{2}", r"x^{2} + \tilde{y}", r"\operatorname{tr}(A)", r"\overline{z}", r"\sqrt[3]{x}"]
NASTY = ['<img src=x onerror=alert(1)>', '<mi onclick="x">', '<script>', '</mrow>', '<mrow/>', '<mspace>',
         '</mspace>', '&#x3c;', '&lt;script&gt;', '"', "'", ' href="x"', ' style="a:b"', '<mi>\\foo</mi>',
         '<mfrac><mi>a</mi></mfrac>', '<mo>\\|</mo>', '&', '<math>', '</math>', '<!-- -->', '<![CDATA[x]]>',
         ' mathvariant="bold"', ' display="block"', '<mtext>&amp;</mtext>', '\x00', '<mi', 'mi>']


def test_stored_mathml_the_strict_scan_accepts_is_what_the_whitelist_makes_of_it():
    """The scan that lets a stored conversion skip the rebuild accepts our own output, and
    anything it accepts, however mangled, the whitelist's rebuild leaves exactly as it is."""
    import random
    from verify.report import math as m
    rng = random.Random(18)
    accepted = 0
    for display in (False, True):
        for latex in LATEX:
            own, problem = m._convert_now(latex, display)
            assert problem is None and m._is_own_output(own, latex, display), latex
            assert m._whitelisted(own, latex, display) == (own, None)
            assert not m._is_own_output(own, latex + " ", not display)
            for _ in range(150):
                i, j = sorted(rng.randrange(len(own) + 1) for _ in range(2))
                mangled = own[:i] + rng.choice(NASTY) + own[j if rng.random() < 0.3 else i:]
                if m._is_own_output(mangled, latex, display):
                    accepted += 1
                    assert m._whitelisted(mangled, latex, display) == (mangled, None), mangled
    assert accepted > 50  # the mangling also makes well-formed MathML that must pass unchanged
