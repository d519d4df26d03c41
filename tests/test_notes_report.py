"""The notes in the report (verify/report/notes.py, outline.py, graph_svg.py's bands): a page per
note with every located claim anchored (a margin card with its status, linking to its page), each
erratum marked in place with its correction and counterexample one click away; a claim page links
back to its place ("read it in context"); coverage of the theorem-like passages, with the
uncovered ones listed as "not yet claimed" and the figures on the index; the graph grouped by
note; a theorem's proof outline. Checked on hand-made results with a small notes folder, on the
course's own notes (../shared/notes, every claim of claims/ anchored), and in headless Chromium:
anchors clickable both ways, no math left as raw LaTeX, nothing overflowing at 390 px."""

from __future__ import annotations

import os
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fixtures_results import make_results
from verify.config import load_config
from verify.report import write_report
from verify.report.graph_svg import short_title

REPO = Path(__file__).resolve().parents[1]

NOTE_000 = r"""# Lecture 0: series

**Definition 1.** The operator norm is $\|A\|_{op} = \sigma_{\max}(A)$.

**Lemma 2.** For every $N$: $(I - A)\sum_{k=0}^{N} A^k = I - A^{N+1}$.

**Lemma 3.** If $\|A\|_{op} < 1$ then $\left\|(I-A)^{-1} - \sum_{k=0}^{N} A^k\right\| \le \|A\|^{N}$.

$$\sum_{k=0}^{\infty} A^k = (I - A)^{-1} \tag{3}$$

**Remark 4.** Nobody claims this remark yet, and a long formula must not stick out on a phone: $a_1 + a_2 + a_3 + a_4 + a_5 + a_6 + a_7 + a_8 + a_9 + a_{10} + a_{11} + a_{12} + a_{13} + a_{14} + a_{15}$.
"""
NOTE_004 = r"""## 6.2.2 Escaping

A strict saddle is escaped after at most $T \le \frac{\log(1/\epsilon)}{\log(1 + \eta\gamma)}$ steps.
"""
SOURCES = {
    "operator_norm": {"quote": r"The operator norm is $\|A\|_{op} = \sigma_{\max}(A)$."},
    "neumann_telescoping": {"quote": "(I - A) sum_{k=0}^N A^k = I - A^(N+1)"},          # fuzzy
    "neumann_series_limit": {"quote": "the bound", "span": "7:1-7:16"},                  # span
    "neumann_limit_as_written": {"quote": r"\left\|(I-A)^{-1} - \sum_{k=0}^{N} A^k\right\| \le \|A\|^{N}"},
    "escape_time_bound_strict_saddle": {"quote": "A strict saddle is escaped after at most"},
    "saddle_escape_example": {"quote": "Every Hilbert space is separable"},              # not there
}
P000, P004 = "notes/000_a5c604ccae0ab764.html", "notes/004_7f289b81e43d985a.html"


def _results() -> dict:
    results = make_results()
    for c in results["claims"]:
        if c["id"] in SOURCES:
            c["source"] = {"note": c["source"]["note"], "section": "s", **SOURCES[c["id"]]}
    return results


def _notes(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "000_a5c604ccae0ab764.txt").write_text(NOTE_000, encoding="utf-8")
    (folder / "004_7f289b81e43d985a.txt").write_text(NOTE_004, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("notes-report")
    out = base / "reports"
    write_report(_results(), out, notes_dir=_notes(base / "notes"))
    return out


def _read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


class _Text(HTMLParser):
    """The text a reader sees: text nodes outside scripts and styles (MathML's are glyphs)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def _visible(html: str) -> str:
    p = _Text()
    p.feed(html)
    return " ".join(p.parts)


def _raw_latex(html: str) -> list[str]:
    return sorted(set(re.findall(r"\\[A-Za-z]{2,}|\$[^$\s]", _visible(html))))


def test_a_page_per_note_with_every_located_claim_anchored_both_ways(site):
    page = _read(site, P000)
    for cid in ("operator_norm", "neumann_telescoping", "neumann_series_limit", "neumann_limit_as_written"):
        card = re.search(rf'<div class="ncard[^"]*" id="claim-{cid}"[^>]*>.*?</div>', page, re.S)
        assert card, cid
        assert f'href="../claims/{cid}.html"' in card.group(0)
        claim = _read(site, f"claims/{cid}.html")
        assert f'href="../notes/000_a5c604ccae0ab764.html#claim-{cid}"' in claim and "Read it in context" in claim
    assert re.search(r'<mark class="claimed" data-claims="operator_norm">', page)
    telescoping = _read(site, "claims/neumann_telescoping.html")
    assert "located by fuzzy match, score" in telescoping
    assert "span given in the claim" in _read(site, "claims/neumann_series_limit.html")
    assert "quoted verbatim" in _read(site, "claims/operator_norm.html")
    assert "Read it in context" in _read(site, "claims/escape_time_bound_strict_saddle.html")


def test_an_erratum_is_marked_in_place_with_its_correction_and_counterexample(site):
    page = _read(site, P000)
    card = re.search(r'<div class="ncard ncard-erratum" id="claim-neumann_limit_as_written".*?</details>', page, re.S)
    assert card, "the erratum's card"
    text = card.group(0)
    assert "E10" in text and "refuted, as expected" in text
    assert 'href="../claims/neumann_series_limit.html"' in text and "Corrected" in text and "<math" in text
    assert "Counterexample" in text and "<details" in text  # one click away
    assert re.search(r'<mark class="claimed erratum" data-claims="[^"]*neumann_limit_as_written', page)


def test_coverage_and_not_yet_claimed(site):
    page = _read(site, P000)
    listed = page[page.index('id="not-yet-claimed"'):page.index("</details>", page.index('id="not-yet-claimed"'))]
    assert "Remark 4" in listed and "equation (3)" in listed and "Lemma 2" not in listed
    assert "<strong>3</strong> of 5 theorem-like passages have a claim" in page
    assert 'class="tag">not yet claimed</span>' in page
    index = _read(site, "index.html")
    notes = index[index.index('id="notes"'):index.index("</section>", index.index('id="notes"'))]
    assert "Lecture 0: series" in notes and "3 of 5" in notes and "1 not yet claimed" not in notes
    assert "5 of 114" not in notes and "located in their note" in notes


def test_a_claim_that_is_not_located_is_said_so(site):
    assert "Every Hilbert space" not in _read(site, P004).split('class="note-text"')[1]
    assert "saddle_escape_example" in _read(site, P004).split('class="note-text"')[0]
    assert "Not located in the note" in _read(site, "claims/saddle_escape_example.html")
    assert "is not in the notes folder" in _read(site, "claims/deep_linear_gradient_formula.html")


def test_no_raw_latex_and_everything_escaped(site):
    for rel in (P000, P004, "index.html", "claims/neumann_limit_as_written.html"):
        html = _read(site, rel)
        assert not _raw_latex(html), (rel, _raw_latex(html))
        assert "latex-failed" not in html, rel
    assert "<script>alert" not in _read(site, P004)


def test_missing_notes_folder_is_said_once_and_the_rest_is_as_before(tmp_path):
    write_report(_results(), tmp_path / "r", notes_dir=tmp_path / "gone")
    index = _read(tmp_path / "r", "index.html")
    assert index.count("not found") == 1 and "the report has no note pages" in index
    assert not (tmp_path / "r" / "notes").exists()
    assert "Read it in context" not in _read(tmp_path / "r", "claims/operator_norm.html")
    write_report(_results(), tmp_path / "n")  # none configured: nothing said
    assert "note pages" not in _read(tmp_path / "n", "index.html")


def test_proof_outline_nests_the_chain_and_the_claims_used(site):
    page = _read(site, "claims/neumann_series_limit.html")
    outline = page[page.index('id="outline-h"'):page.index("</section>", page.index('id="outline-h"'))]
    assert "bound by telescoping" in outline and outline.count("<math") >= 3
    step = outline[outline.index("by <a"):]
    assert step.index("neumann_telescoping") < step.index("operator_norm")  # nested under it
    assert "st-supported" in outline
    escape = _read(site, "claims/escape_time_bound_strict_saddle.html")
    outline = escape[escape.index('id="outline-h"'):escape.index("</section>", escape.index('id="outline-h"'))]
    assert "uses <a" in outline and "neumann_series_limit" in outline and "neumann_telescoping" in outline
    assert "erratum" in outline  # the as-written claim it rests on says so
    assert 'id="outline-h"' not in _read(site, "claims/operator_norm.html")  # a definition


def test_graph_grouped_by_note_and_short_labels(site):
    graph = _read(site, "graph-notes.html")
    assert '<g class="bands">' in graph and "Lecture 0: series" in graph and "6.2.2 Escaping" in graph
    assert len(re.findall(r'<a href="claims/', graph)) == len(_results()["claims"])
    assert "edge-cross" in graph  # escape_time_bound_strict_saddle (004) uses neumann_series_limit (000)
    plain = _read(site, "graph.html")
    assert ">The operator norm</text>" in plain and "<title>operator_norm (definition)" in plain
    assert short_title({"title": "Descent lemma - a beta-smooth function is within beta/2"}) == "Descent lemma"
    assert short_title({"title": "As written in the note: a beta-smooth function has a 1-Lipschitz"}) \
        .startswith("As written: a beta")
    assert len(short_title({"title": "x" * 80})) <= 31 and short_title(None, "some_id") == "some_id"


def test_verify_all_reads_the_notes_folder_from_the_configuration(tmp_path):
    from conftest import claim_text
    from verify.cli import main
    _notes(tmp_path / "notes")
    (tmp_path / "pyproject.toml").write_text('[tool.verify]\nnotes = "notes"\n', encoding="utf-8")
    (tmp_path / "claims").mkdir()
    text = claim_text("op", "checks:\n  - {cited: a book, reason: a definition}\n").replace(
        "source: {note: test.txt, section: s, quote: q}",
        "source: {note: 000_a5c604ccae0ab764.txt, section: s, quote: 'The operator norm is'}")
    (tmp_path / "claims" / "op.yaml").write_text(text, encoding="utf-8")
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(["all", "-j", "1"]) == 0
        assert main(["all", "-j", "1", "--notes", "elsewhere", "--out", "other"]) == 0
    finally:
        os.chdir(old)
    assert 'id="claim-op"' in _read(tmp_path / "reports", P000)
    assert "Read it in context" in _read(tmp_path / "reports", "claims/op.html")
    assert "notes folder elsewhere not found" in _read(tmp_path / "other", "index.html")


# ---- the course's own notes ------------------------------------------------------------------

def _library_notes() -> Path:
    notes = load_config(REPO).notes
    if notes is None or not notes.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the course's notes folder {notes} is missing (CI is set)")
        pytest.skip(f"the course's notes folder {notes} is not here")
    return notes


@pytest.fixture(scope="module")
def library_site(tmp_path_factory) -> Path:
    """The report of claims/ with the course's notes, without checking anything (every claim
    untested): note pages, anchors, coverage."""
    from verify.graph import build_graph
    from verify.pipeline import assemble, load_folder
    notes = _library_notes()
    loaded = load_folder(REPO / "claims")
    g, problems, summary = build_graph(loaded.claims)
    results = assemble(loaded, {}, problems, summary, g, time.time(), "test", "claims", None, 1)
    out = tmp_path_factory.mktemp("library-notes") / "reports"
    write_report(results, out, notes_dir=notes)
    return out


def test_every_claim_of_the_course_is_anchored_in_its_note(library_site):
    pages = sorted((library_site / "notes").glob("*.html"))
    assert len(pages) == 5
    claims = sorted(p.stem for p in (library_site / "claims").glob("*.html"))
    anchored = set()
    for page in pages:
        html = page.read_text(encoding="utf-8")
        anchored |= set(re.findall(r'<div class="ncard[^"]*" id="claim-([A-Za-z0-9_]+)"', html))
        assert "latex-failed" not in html, page.name
        assert not _raw_latex(html), (page.name, _raw_latex(html)[:10])
        assert "subscript" not in _visible(html), page.name  # the extraction's MathML words are gone
    assert anchored == set(claims) and len(claims) >= 114
    index = (library_site / "index.html").read_text(encoding="utf-8")
    assert re.search(r"Of \d+ claims, (\d+) are located", index).group(1) == str(len(claims))
    for cid in claims:
        assert "Read it in context" in (library_site / "claims" / f"{cid}.html").read_text(encoding="utf-8")


# ---- in the browser --------------------------------------------------------------------------

def test_notes_in_the_browser(site, library_site, tmp_path_factory):
    """Anchors clickable both ways, no raw LaTeX on screen, nothing sticking out at 390 px;
    screenshots of a note page at 1280 and 390 px (to $VERIFY_SCREENSHOTS when set)."""
    from test_browser import CHROMIUM_ARGS, DESKTOP, PHONE, _chromium, _page_problems, _unavailable
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not importable (pip install playwright)")
    exe = _chromium()
    if not exe:
        _unavailable("no chromium executable (apt-get install -y chromium)")
    shots = Path(os.environ["VERIFY_SCREENSHOTS"]) if os.environ.get("VERIFY_SCREENSHOTS") \
        else tmp_path_factory.mktemp("note-shots")
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport=DESKTOP)
        outside: list[str] = []
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                      else (outside.append(route.request.url), route.abort()))
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            # note -> claim: the margin card's link
            page.goto((site / P000).as_uri())
            with page.expect_navigation():
                page.locator("#claim-neumann_limit_as_written a.ncard-link").click()
            assert page.url.endswith("/claims/neumann_limit_as_written.html"), page.url
            # claim -> its place in the note, the card is the target
            with page.expect_navigation():
                page.locator("a.context-link").click()
            assert page.url.endswith(f"{P000}#claim-neumann_limit_as_written"), page.url
            assert page.evaluate("document.querySelector(':target').id") == "claim-neumann_limit_as_written"
            # the erratum's correction and counterexample: one click
            details = page.locator("#claim-neumann_limit_as_written details.nerr")
            assert not details.locator(".cx").is_visible()
            details.locator("summary").click()
            assert details.locator(".cx").is_visible() and details.locator("math").count() >= 1
            # index -> note -> not-yet-claimed passage
            page.goto((site / "index.html").as_uri())
            with page.expect_navigation():
                page.locator('#notes a[href="notes/000_a5c604ccae0ab764.html"]').click()
            page.locator('#not-yet-claimed a[href^="#passage-"]').first.click()
            assert page.evaluate("location.hash").startswith("#passage-")

            problems: list[str] = []
            lib_notes = sorted((library_site / "notes").glob("*.html"))
            for size, tag in ((DESKTOP, "desktop"), (PHONE, "phone")):
                page.set_viewport_size(size)
                for path in [site / P000, site / P004, site / "index.html", site / "graph-notes.html",
                             site / "claims/neumann_series_limit.html", *lib_notes]:
                    page.goto(path.as_uri())
                    page.wait_for_load_state("load")
                    text = page.inner_text("body")
                    raw = re.findall(r"\\[A-Za-z]{2,}", text)
                    assert not raw, f"raw LaTeX on {path.name} at {tag}: {raw[:5]}"
                    if tag == "phone":
                        problems += _page_problems(page, f"{path.relative_to(path.parents[1])} at 390 px")
                note = library_site / "notes" / "004_7f289b81e43d985a.html"
                page.goto(note.as_uri() + "#claim-escape_time_ceil_as_written")
                page.screenshot(path=str(shots / f"note-004-{tag}.png"))
                page.screenshot(path=str(shots / f"note-004-{tag}-full.png"), full_page=True)
            assert not problems, "\n".join(problems)
            assert not outside and not errors, (outside, errors)
        finally:
            context.close()
            browser.close()
