"""Tests of the HTML report (verify.report), from the hand-made results in fixtures_results."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import jinja2
import networkx as nx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fixtures_results import XSS_TITLE, make_results  # noqa: E402  (beside this file, any import mode)
from markupsafe import escape  # noqa: E402

from verify.report import write_report  # noqa: E402
from verify.report.graph_svg import focus_svg, graph_svg, page_name  # noqa: E402
from verify.report.math import latex_problems, to_mathml  # noqa: E402

SVG_RE = re.compile(r'<svg class="depgraph".*?</svg>', re.S)


@pytest.fixture()
def report(tmp_path: Path) -> Path:
    out = tmp_path / "reports"
    write_report(make_results(), out)
    return out


def _pages(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_all_pages_exist_and_are_small(report: Path) -> None:
    results = make_results()
    expected = {"index.html", "graph.html", "graph-notes.html", "results.json", "static/report.css",
                "static/notes.css", "static/report.js", ".inputs.json"}
    expected |= {f"claims/{c['id']}.html" for c in results["claims"]}
    found = {str(p.relative_to(report)) for p in _pages(report)}
    assert found == expected
    for page in _pages(report):
        assert page.stat().st_size < 1_000_000, page
    assert (report / "results.json").read_text() == json.dumps(results, indent=1, sort_keys=True)


def test_title_is_escaped(report: Path) -> None:
    page = (report / "claims" / "saddle_escape_example.html").read_text()
    index = (report / "index.html").read_text()
    for html in (page, index):
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and str(escape(XSS_TITLE)) in html
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page  # free-text notes are escaped too
    for path in _pages(report):
        if path.suffix == ".html":  # the only script is the report's own file
            assert path.read_text().count("<script") == 1, path


def test_latex_becomes_mathml(report: Path) -> None:
    page = (report / "claims" / "neumann_series_limit.html").read_text()
    assert page.count("<math") >= 5
    assert 'display="block"' in page
    assert "\\left\\|" not in re.sub(r'alttext="[^"]*"', "", page)  # raw LaTeX is not shown
    broken = (report / "claims" / "saddle_escape_example.html").read_text()
    assert 'class="latex-failed display"' in broken and "\\frac{1" in broken


def test_index_svg_has_one_link_per_claim(report: Path) -> None:
    index = (report / "index.html").read_text()
    svg = SVG_RE.search(index).group(0)
    links = re.findall(r'<a href="claims/([^"]+)\.html"', svg)
    assert sorted(links) == sorted(c["id"] for c in make_results()["claims"])
    assert "http" not in svg


def test_focus_view_is_ancestors_and_descendants(report: Path) -> None:
    results = make_results()
    g = nx.DiGraph([tuple(e) for e in results["graph"]["edges"]])
    for claim in results["claims"]:
        cid = claim["id"]
        want = {cid} | nx.ancestors(g, cid) | nx.descendants(g, cid)
        svg = focus_svg(results, cid)
        assert set(re.findall(r'data-id="([^"]+)"', svg)) == want
        assert set(re.findall(r'<a href="([^"]+)\.html"', svg)) == want  # same folder links
        assert svg.count("node-focus") == 1
    assert set(re.findall(r'data-id="([^"]+)"', focus_svg(results, "neumann_series_limit"))) == {
        "operator_norm", "neumann_telescoping", "neumann_series_limit",
        "escape_time_bound_strict_saddle", "saddle_escape_example"}
    page = (report / "claims" / "neumann_series_limit.html").read_text()
    assert 'href="escape_time_bound_strict_saddle.html"' in page


def test_transitive_edges_hidden_behind_toggle() -> None:
    svg = graph_svg(make_results())
    extra = re.search(r'<g class="edges-extra" display="none">(.*?)</g>', svg, re.S).group(1)
    assert extra.count("<path") == 1  # operator_norm -> neumann_series_limit is implied
    assert 'id="all-edges"' in (Path(__file__).parents[1] / "verify/report/templates/graph.html").read_text()


def test_report_is_replaced_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "reports"
    write_report(make_results(), out)
    (out / "junit.xml").write_text("<testsuite/>")  # not ours: must survive
    before = {p: p.read_bytes() for p in _pages(out)}

    changed = make_results()
    next(c for c in changed["claims"] if c["id"] == "operator_norm")["title"] = "A NEW TITLE"
    real_render = jinja2.Template.render
    calls = {"n": 0}

    def flaky(self: jinja2.Template, *args: object, **kwargs: object) -> str:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("boom in the middle")
        return real_render(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "render", flaky)
    with pytest.raises(RuntimeError, match="boom"):
        write_report(changed, out)
    assert {p: p.read_bytes() for p in _pages(out)} == before
    assert "A NEW TITLE" not in (out / "index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]  # no temp folder left

    monkeypatch.setattr(jinja2.Template, "render", real_render)
    changed["claims"] = [c for c in changed["claims"] if c["id"] != "deep_linear_gradient_formula"]
    write_report(changed, out)
    assert "A NEW TITLE" in (out / "index.html").read_text()
    assert not (out / "claims" / "deep_linear_gradient_formula.html").exists()
    assert (out / "junit.xml").read_text() == "<testsuite/>"


def test_no_remote_resources(report: Path) -> None:
    for path in _pages(report):
        text = path.read_text()
        assert "http://" not in text and "https://" not in text, path
        assert not re.search(r"(src|href)\s*=\s*[\"']?//", text), path
        assert "@import" not in text and "url(http" not in text


def test_index_content(report: Path) -> None:
    index = (report / "index.html").read_text()
    assert "<strong>2</strong> of 7" in index and "<strong>3</strong> of 7" in index
    assert "claims/bad.yaml:3:5" in index and "did you mean" in index
    assert "E10" in index and "E09" in index
    assert 'href="claims/neumann_series_limit.html"' in index
    assert 'id="f-search"' in index and 'data-kind="lemma"' in index
    reading = index[index.index('id="reading"'):]
    order = re.findall(r'href="claims/([^"]+)\.html"', reading)
    assert order.index("operator_norm") < order.index("neumann_telescoping") < order.index(
        "neumann_series_limit")


def test_claim_page_content(report: Path) -> None:
    page = (report / "claims" / "neumann_series_limit.html").read_text()
    assert "verify check neumann_series_limit --seed 1234" in page
    assert 'by <a href="../claims/neumann_telescoping.html"' in page
    assert "partial sums diverge" in page and "instances drawn" in page
    assert "neumann_limit_as_written" in page  # corrects
    assert "opnorm(inv(I - A) * A**(N + 1))" in page and "worst margin 2.5e-2" in page  # calc
    example = (report / "claims" / "saddle_escape_example.html").read_text()
    reading = example[example.index("prerequisites first"):]
    order = re.findall(r'href="\.\./claims/([^"]+)\.html"', reading[:reading.index("</ol>")])
    assert order[-1] == "escape_time_bound_strict_saddle" and order[0] in (
        "operator_norm", "neumann_limit_as_written") and len(order) == 5
    wrong = (report / "claims" / "neumann_limit_as_written.html").read_text()
    assert "the note as written" in wrong and "neumann_series_limit.html" in wrong
    rests = (report / "claims" / "escape_time_bound_strict_saddle.html").read_text()
    assert "holds on its own, rests on" in rests
    error = (report / "claims" / "deep_linear_gradient_formula.html").read_text()
    assert "ShapeError" in error and "unexpected" in error


def test_cycles_dangling_and_odd_documents(tmp_path: Path) -> None:
    results = make_results()
    results["graph"]["edges"].append(["saddle_escape_example", "operator_norm"])
    results["graph"]["cycles"] = [["operator_norm", "neumann_telescoping", "neumann_series_limit",
                                   "escape_time_bound_strict_saddle", "saddle_escape_example"]]
    results["claims"][0]["uses"].append("ghost_lemma")
    results["graph"]["dangling"] = [["deep_linear_gradient_formula", "ghost_lemma"]]
    write_report(results, tmp_path / "r")
    index = (tmp_path / "r" / "index.html").read_text()
    assert "edge-cycle" in index and "node-missing" in index and "ghost_lemma" in index
    focus_svg(results, "operator_norm")

    write_report({"schema_version": 1, "claims": []}, tmp_path / "empty")
    assert (tmp_path / "empty" / "index.html").exists()
    odd = {"claims": [{"id": "../../evil", "title": "t"}]}
    write_report(odd, tmp_path / "odd")
    assert [p.parent.name for p in (tmp_path / "odd").rglob("claim-*.html")] == ["claims"]
    assert page_name("../../evil").startswith("claim-")


def test_math_conversion_and_lint() -> None:
    assert str(to_mathml(r"\frac{a}{b}")).startswith("<math")
    assert 'display="block"' in to_mathml("x", display=True)
    assert latex_problems(r"\|A\|_{op} \le 1") is None
    assert latex_problems(r"\Big\| x \Big\|") is None and "\u2016" in to_mathml(r"\Big\| x \Big\|")
    for bad in (r"\frac{1", r"\left( x", r"\foo{x}", r"\frac{1}", r"\text{<script>alert(1)</script>}"):
        assert latex_problems(bad), bad
        html = str(to_mathml(bad))
        assert "latex-failed" in html and "<script>" not in html and "\u26a0" in html
    for hostile in (r"\href{javascript:alert(1)}{x}", r"\class{x}{y}", r"a<b>c & d"):
        html = str(to_mathml(hostile))
        assert "href=" not in html and "class=" not in html.split(">", 1)[1]
        assert "<b>" not in html
    from verify.report import math as m

    to_mathml(r"\sum_{k=0}^{N} A^k")
    assert "i|\\sum_{k=0}^{N} A^k" in m._STORE  # converted once, kept for later runs


def test_conversions_are_kept_between_runs(tmp_path):
    from verify.report import math as m
    m.to_mathml(r"\frac{a}{b} + \gamma_{kept}")
    m.save_store(tmp_path / "mathml.json")
    m._STORE.clear()
    m.load_store(tmp_path / "mathml.json")
    assert r"i|\frac{a}{b} + \gamma_{kept}" in m._STORE
    (tmp_path / "mathml.json").write_text("{corrupt")
    m.load_store(tmp_path / "mathml.json")  # ignored, never fatal


# --- issue 15: the title from the configuration, symbols as math, hypotheses without a case -----

def _claim(results: dict, cid: str) -> dict:
    return next(c for c in results["claims"] if c["id"] == cid)


def test_title_comes_from_the_run(tmp_path: Path) -> None:
    results = make_results()
    write_report(results, tmp_path / "plain")
    assert "<h1>Claims, checked</h1>" in (tmp_path / "plain" / "index.html").read_text()
    results["run"]["title"] = "Claims of the course, checked"
    write_report(results, tmp_path / "course")
    index = (tmp_path / "course" / "index.html").read_text()
    assert "<h1>Claims of the course, checked</h1>" in index
    assert "<title>Claims of the course, checked: " in index


def test_statuses_are_drawn_as_the_results_say(tmp_path: Path) -> None:
    from verify.status import status_table
    results = make_results()
    write_report(results, tmp_path / "default")  # no `statuses`: verify.status's own
    results["statuses"] = status_table()
    write_report(results, tmp_path / "same")
    for page in ("index.html", "graph.html", "claims/neumann_series_limit.html"):
        assert (tmp_path / "default" / page).read_text() == (tmp_path / "same" / page).read_text()
    proved = next(r for r in results["statuses"] if r["status"] == "proved")
    proved.update(fill="#123456", icon="P")
    results["statuses"] = [r for r in results["statuses"] if r["status"] != "supported"] + \
        [{"status": "supported", "label": "supported", "fill": "#abcdef", "icon": "S"}]  # now the strongest
    write_report(results, tmp_path / "own")
    index = (tmp_path / "own" / "index.html").read_text()
    assert 'fill="#123456"' in index and "P proved" in index and "\u220e" not in index
    legend = index[index.index('class="legend"'):]
    assert legend.index("S supported") < legend.index("P proved")  # strongest first, as the results rank them
    write_report(make_results(), tmp_path / "again")  # the next document is drawn with its own statuses
    assert (tmp_path / "again" / "index.html").read_text() == (tmp_path / "default" / "index.html").read_text()


def test_sampler_parameters_are_math(tmp_path: Path) -> None:
    results = make_results()
    symbols = _claim(results, "neumann_series_limit")["symbols"]
    symbols["A"]["sampler_latex"] = r"\text{spectral norm } \left[\frac{1}{10}, \frac{19}{20}\right]"
    write_report(results, tmp_path / "r")
    page = (tmp_path / "r" / "claims" / "neumann_series_limit.html").read_text()
    table = page[page.index('id="sym-h"'):]
    table = table[:table.index("</table>")]
    assert table.count("<mfrac>") == 2 and "spectral norm" in table
    assert "integer [0, 40]" in table  # a record without sampler_latex keeps its text


def test_hypothesis_without_a_necessity_case_is_listed(tmp_path: Path) -> None:
    results = make_results()
    claim = _claim(results, "neumann_series_limit")
    claim["assume"].append({"name": "square", "latex": r"A \in \mathbb{R}^{d \times d}", "expr": "rows(A) == cols(A)",
                            "checked_latex": "d = d"})
    write_report(results, tmp_path / "r")
    page = (tmp_path / "r" / "claims" / "neumann_series_limit.html").read_text()
    section = page[page.index('id="nec-h"'):]
    section = section[:section.index("</section>")]
    assert "without <code>contraction</code>" in section
    assert "no case given" in section and "without <code>square</code>" in section
    assert section.index("contraction") < section.index("square")


def test_error_message_gets_its_hint(tmp_path: Path) -> None:
    results = make_results()
    claim = _claim(results, "neumann_series_limit")
    claim["checks"][0] = {**claim["checks"][0], "outcome": "error",
                          "message": "evaluation failed at this instance: negative base to a non-integer power"}
    write_report(results, tmp_path / "r")
    page = (tmp_path / "r" / "claims" / "neumann_series_limit.html").read_text()
    assert "Hint:" in page and "sign(x)*abs(x)**(1/3)" in page


def test_foundation_names_each_weak_dependency_with_its_status(tmp_path: Path) -> None:
    write_report(make_results(), tmp_path / "r")
    page = (tmp_path / "r" / "claims" / "escape_time_bound_strict_saddle.html").read_text()
    found = page[page.index("<dt>foundation</dt>"):]
    found = found[:found.index("</dd>")]
    for weak in _claim(make_results(), "escape_time_bound_strict_saddle")["foundation"]["weak"]:
        assert f"<code>{weak}</code>" in found
    assert "badge" in found


def test_write_report_writes_nothing_outside_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_report(make_results(), tmp_path / "r")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no .verify_cache/ in the current folder
