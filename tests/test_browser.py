"""The report in a real browser: headless Chromium driven by Playwright, with the network blocked.

Builds a small report (four claims: a uses-edge, an erratum refuted as expected, LaTeX with
\\frac and \\sqrt), opens it from file:// and checks that it works offline: no request leaves
file://, no console error, math rendered as MathML, the graph links to every claim, the search
box filters the claims list, and on every page, at phone width (390 px), no element sticks out of
the window (wide math and tables scroll inside their own box) and no internal representation
(`Num(`, `BinOp(`, `Sym(`, `Fraction(`) shows. The test marked `library` does the same over every
page of the repository's own report. Screenshots go to a temporary folder, or to
$VERIFY_SCREENSHOTS when it is set, for a human to look at.

Skipped when Playwright or a Chromium executable is missing, except when CI is set: then it fails.
Uses Debian's chromium (never `playwright install`).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import claim_text
from verify.cli import main

REPO = Path(__file__).resolve().parents[1]
REPRS = ("Num(", "BinOp(", "Sym(", "Fraction(")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def _chromium() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def _claim(id_: str, title: str, statement: str, body: str, **kw) -> str:
    text = claim_text(id_, body, **kw)
    text = text.replace("title: a test claim", f"title: {title}", 1)
    # A single-quoted YAML scalar keeps backslashes as they are.
    return text.replace("statement: 'x'", f"statement: '{statement}'", 1)


CLAIMS = {
    "amgm": _claim(
        "amgm", "Square root below the arithmetic mean", r"\sqrt{x} \le \frac{x + 1}{2}", """\
        symbols:
          x: {real: [1, 4]}
        checks:
          - numeric: sqrt(x) <= (x + 1) / 2
            n: 5
        """),
    "amgm_half": _claim(
        "amgm_half", "Halved, the bound still holds", r"\frac{\sqrt{x}}{2} \le \frac{x + 1}{4}", """\
        symbols:
          x: {real: [1, 4]}
        checks:
          - numeric: sqrt(x) / 2 <= (x + 1) / 4
            n: 5
        """, uses="[amgm]"),
    "amgm_as_written": _claim(
        "amgm_as_written", "The note's version, with the inequality reversed",
        r"\sqrt{x} \ge \frac{x + 1}{2}", """\
        symbols:
          x: {real: [1, 4]}
        checks:
          - numeric: sqrt(x) >= (x + 1) / 2
            n: 5
        """, expect="fails", extra="corrected_by: amgm\n"),
    # wide on a phone: a long statement, a long hypothesis, a matrix counterexample, sampler
    # parameters that are expressions, a word too long for the line, a hypothesis with no case
    "wide_statement": _claim(
        "wide_statement", "A sum long enough to be wider than a phone, with a_very_long_identifier_that_does_not_break",
        r"\sum_{k=0}^{N} \frac{a^{k} + a^{k+1} + a^{k+2}}{1 + a^{2k}} \le \frac{N + 1}{1 - a} + "
        r"\frac{a_1 a_2 a_3 a_4 a_5 a_6 a_7 a_8}{b_1 b_2 b_3 b_4 b_5 b_6 b_7 b_8} + \sqrt{x_1^2 + x_2^2 + x_3^2 + x_4^2}", r"""
        symbols:
          a: {real: [1, 2]}
          x: {real: [0, 1], sample: {uniform: [0, 1/(1 + a**2)]}}
          M: {matrix: [2, 2], sample: {uniform: [-1/a, 1/a]}}
        assume:
          - name: a_long_hypothesis_name_that_is_wider_than_a_phone
            latex: 'a^{2} + a^{3} + a^{4} + a^{5} + a^{6} + a^{7} + a^{8} + a^{9} + a^{10} + a^{11} + a^{12} \ge 1 + x'
            expr: a**2 + a**3 + a**4 + a**5 + a**6 + a**7 + a**8 + a**9 + a**10 + a**11 + a**12 >= 1 + x
          - {name: small_x, latex: 'x \le 1', expr: 'x <= 1'}
        checks:
          - numeric: x <= 1
            n: 3
        necessity:
          - {drop: small_x, instance: {a: 1, x: 2, M: [[1, 0], [0, 1]]}}
        notes: see_the_corrected_version_in_the_claim_named_product_perturbation_expansion_as_written_for_details
        """),
    "matrix_as_written": _claim(
        "matrix_as_written", "A matrix identity the note gets wrong", r"M M^{\top} = M^{\top} M", r"""
        symbols:
          M: {matrix: [4, 4], sample: {fractions: [-2, 2]}}
        checks:
          - numeric: fro(M @ T(M) - T(M) @ M) == 0
            n: 3
        """, expect="fails", extra="corrected_by: square_def\n"),
    "square_def": _claim(
        "square_def", "The square of a number", r"x^2 = x \cdot x", """\
        symbols:
          x: {real: [-2, 2]}
        checks:
          - symbolic: x**2 == x * x
        """).replace("kind: lemma", "kind: definition", 1),
}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """Build the report once for all the browser checks; return index.html."""
    base = tmp_path_factory.mktemp("browser")
    claims = base / "claims"
    claims.mkdir()
    for name, text in CLAIMS.items():
        (claims / f"{name}.yaml").write_text(text, encoding="utf-8")
    out = base / "reports"
    old = os.getcwd()
    os.chdir(base)
    try:
        code = main(["all", "--claims", str(claims), "--out", str(out), "-j", "1"])
    finally:
        os.chdir(old)
    assert code == 0, f"verify all exited {code}"
    index = out / "index.html"
    assert index.exists()
    return index


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not importable (pip install playwright)")
    exe = _chromium()
    if not exe:
        _unavailable("no chromium executable (apt-get install -y chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class Watch:
    """A page whose every request outside file:// is aborted and recorded, with its errors."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport=DESKTOP)
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.context.on("request", self._request)
        self.page = self.context.new_page()
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url}: {r.failure}"))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(
            f"console error: {m.text} ({m.location.get('url', '')})"))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def _route(self, route):
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    def _request(self, request):
        if not request.url.startswith("file://"):
            self.outside.append(request.url)

    def clean(self):
        assert not self.outside, f"requests outside file://: {self.outside}"
        assert not self.failed, f"failed requests: {self.failed}"
        assert not self.errors, "\n".join(self.errors)


@pytest.fixture
def watch(browser):
    w = Watch(browser)
    try:
        yield w
    finally:
        w.context.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where screenshots go: $VERIFY_SCREENSHOTS, else a temporary folder (never the repository)."""
    folder = Path(os.environ["VERIFY_SCREENSHOTS"]) if os.environ.get("VERIFY_SCREENSHOTS") \
        else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {folder}")
    return folder


# Elements whose box sticks out of the window sideways, unless a scrolling (or clipping) box inside
# the window holds them: wide math and tables may scroll inside their own box, nothing may be cut.
_OVERFLOWING = """() => {
  const W = window.innerWidth, out = [];
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  // [box, element it belongs to, first element that may hold it in a scrolling box]: elements, and
  // runs of text (a long word sticks out of its element's box without widening the element)
  const boxes = Array.from(document.querySelectorAll('body *'), el => [el.getBoundingClientRect(), el, el.parentElement]);
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walk.nextNode(); t; t = walk.nextNode()) {
    if (!t.textContent.trim() || !t.parentElement) continue;
    const range = document.createRange();
    range.selectNodeContents(t);
    boxes.push([range.getBoundingClientRect(), t.parentElement, t.parentElement]);
  }
  for (const [r, el, first] of boxes) {
    if (r.width === 0 || r.height === 0 || r.right <= 0) continue;  // hidden, or off-screen on purpose
    if (r.right <= W + 1 && r.left >= -1) continue;
    let held = false;
    for (let a = first; a && a !== document.body; a = a.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(a).overflowX)) {
        const ar = a.getBoundingClientRect();
        if (ar.right <= W + 1 && ar.left >= -1) { held = true; break; }
      }
    }
    if (!held) {
      const path = [];
      for (let a = el; a && a !== document.body; a = a.parentElement) path.unshift(name(a));
      out.push(path.slice(-4).join(' > ') + ' (right edge at ' + Math.round(r.right) + ' px)');
    }
  }
  return {scroll: document.documentElement.scrollWidth, width: W, out: out};
}"""


def _page_problems(page, what: str) -> list[str]:
    """What is wrong with the page on screen: internal representations in its text, elements that
    overflow the window sideways (only the outermost of each is named)."""
    problems = [f"{what}: shows internal representation {r!r}" for r in REPRS if r in page.inner_text("body")]
    found = page.evaluate(_OVERFLOWING)
    if found["scroll"] > found["width"] + 1 or found["out"]:
        outer = [o for o in found["out"] if not any(o != p and o.startswith(p.split(" (")[0]) for p in found["out"])]
        problems.append(f"{what}: {found['scroll']} px wide in a {found['width']} px window; "
                        f"sticking out: {'; '.join((outer or found['out'])[:4])}")
    return problems


def test_report_in_browser(report, watch, shots):
    SHOTS = shots
    page = watch.page
    index_url = report.as_uri()

    # --- index: math rendered, graph linked, search filters --------------------------------------
    page.goto(index_url)
    page.wait_for_load_state("load")
    page.screenshot(path=str(SHOTS / "index.png"), full_page=True)

    assert page.locator("math").count() >= 1, "no MathML on the index"
    svg = page.locator("svg.depgraph")
    assert svg.count() == 1, "expected exactly one dependency graph SVG on the index"
    hrefs = svg.locator("a").evaluate_all(
        "els => els.map(a => a.getAttribute('href') || a.getAttribute('xlink:href'))")
    assert sorted(hrefs) == sorted(f"claims/{c}.html" for c in CLAIMS), hrefs

    rows = page.locator("table.claims tbody tr")
    assert rows.count() == len(CLAIMS)
    assert page.locator("form.filters").is_visible(), "report.js did not reveal the filters"
    page.locator("#f-search").press_sequentially("amgm_half")
    visible = [r.inner_text().split()[0] for r in rows.all() if r.is_visible()]
    assert visible == ["amgm_half"], visible
    assert page.inner_text("#f-count").strip() == f"1 of {len(CLAIMS)} shown"
    page.fill("#f-search", "")
    assert sum(r.is_visible() for r in rows.all()) == len(CLAIMS)

    # --- graph page --------------------------------------------------------------------------------
    page.goto(report.parent.joinpath("graph.html").as_uri())
    page.wait_for_load_state("load")
    assert page.locator("svg.depgraph").count() == 1
    graph_links = page.locator("svg.depgraph a")
    assert graph_links.count() == len(CLAIMS)
    page.screenshot(path=str(SHOTS / "graph.png"), full_page=True)

    # --- clicking a node opens its claim ---------------------------------------------------------
    page.goto(index_url)
    node = page.locator('svg.depgraph a[href="claims/amgm_half.html"]')
    with page.expect_navigation():
        node.click()
    assert page.url.endswith("/claims/amgm_half.html"), page.url
    assert page.locator("h1").inner_text().strip() == "Halved, the bound still holds"

    # --- a claim page: math and the erratum ------------------------------------------------------
    page.goto(report.parent.joinpath("claims", "amgm_as_written.html").as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(SHOTS / "claim.png"), full_page=True)
    assert "refuted" in page.inner_text(".erratum-box")

    # math on every page that has statements: MathML, and no LaTeX source left visible
    for url in (index_url, *(report.parent.joinpath("claims", f"{c}.html").as_uri() for c in CLAIMS)):
        page.goto(url)
        text = page.inner_text("body")
        if "/claims/" in url:
            assert page.locator(".statement math").count() >= 1, f"statement not rendered: {url}"
            assert page.locator("code.latex-failed").count() == 0, f"LaTeX fell back to source: {url}"
        for raw in ("\\frac", "\\sqrt", "\\le", "\\cdot"):
            assert raw not in text, f"raw {raw} visible on {url}"
    page.goto(report.parent.joinpath("claims", "amgm.html").as_uri())
    assert page.locator("math mfrac").count() >= 1 and page.locator("math msqrt").count() >= 1

    # --- phone width: on every page nothing sticks out, and no internal representation shows ---
    page.set_viewport_size(PHONE)
    problems = []
    for path in [report, report.parent / "graph.html", *sorted((report.parent / "claims").glob("*.html"))]:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        problems += _page_problems(page, f"{path.relative_to(report.parent)} at 390 px")
    page.goto(index_url)
    page.screenshot(path=str(SHOTS / "index-phone.png"), full_page=True)
    for c in ("amgm_as_written", "wide_statement"):
        page.goto(report.parent.joinpath("claims", f"{c}.html").as_uri())
        page.screenshot(path=str(SHOTS / f"claim-{c}-phone.png"), full_page=True)
    assert not problems, "\n".join(problems)
    # the wide parts scroll inside their own boxes, and the sampler's parameters are math
    wide = report.parent.joinpath("claims", "wide_statement.html").read_text()
    symbols = wide[wide.index('id="sym-h"'):]
    assert "<mfrac>" in symbols[:symbols.index("</table>")]
    assert "no case given" in wide and "a_long_hypothesis_name_that_is_wider_than_a_phone" in wide

    watch.clean()


@pytest.mark.library
def test_library_report_in_browser(browser, tmp_path_factory, shots):
    """Every page of the repository's own report (the session's `verify all`, tests/library_run.py):
    no internal representation, nothing sticking out at 390 px; screenshots at 1280 and 390 px."""
    from library_run import library_run
    run = library_run(tmp_path_factory)
    root = Path(run["out"])
    assert (root / "index.html").is_file(), run["stderr"][-3000:]
    pages = [root / "index.html", root / "graph.html", *sorted((root / "claims").glob("*.html"))]
    context = browser.new_context(viewport=PHONE)
    try:
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                      else route.abort())
        page = context.new_page()
        problems = []
        for path in pages:
            page.goto(path.as_uri())
            problems += _page_problems(page, f"{path.relative_to(root)} at 390 px")
        named = ["neumann_series_limit", "ntk_relu_gram_formula"]
        for size, tag in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page.set_viewport_size(size)
            for path in [root / "index.html", root / "graph.html", *(root / "claims" / f"{c}.html" for c in named)]:
                if path.exists():
                    page.goto(path.as_uri())
                    page.screenshot(path=str(shots / f"library-{path.stem}-{tag}.png"), full_page=True)
    finally:
        context.close()
    claims = json.loads((root / "results.json").read_text())["claims"]
    assert len(pages) == len(claims) + 2 and claims, "a page for every claim, the index and the graph"
    assert not problems, f"{len(problems)} page(s) with problems:\n" + "\n".join(problems)
