"""The report in a real browser: headless Chromium driven by Playwright, with the network blocked.

Builds a small report (four claims: a uses-edge, an erratum refuted as expected, LaTeX with
\\frac and \\sqrt), opens it from file:// and checks that it works offline: no request leaves
file://, no console error, math rendered as MathML, the graph links to every claim, the search
box filters the claims list, and nothing overflows sideways at phone width. Screenshots go to
artifacts/screenshots/ (git-ignored) for a human to look at.

Skipped when Playwright or a Chromium executable is missing, except when CI is set: then it fails.
Uses Debian's chromium (never `playwright install`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import claim_text
from verify.cli import main

REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "artifacts" / "screenshots"
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


def _no_sideways_overflow(page, what):
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"{what}: page is {width[0]} px wide in a {width[1]} px window"


def test_report_in_browser(report, watch):
    SHOTS.mkdir(parents=True, exist_ok=True)
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

    # --- phone width: nothing overflows sideways ------------------------------------------------
    page.set_viewport_size(PHONE)
    page.goto(index_url)
    _no_sideways_overflow(page, "index at 390 px")
    page.screenshot(path=str(SHOTS / "index-phone.png"), full_page=True)
    for c in CLAIMS:
        page.goto(report.parent.joinpath("claims", f"{c}.html").as_uri())
        _no_sideways_overflow(page, f"claim {c} at 390 px")
    page.goto(report.parent.joinpath("claims", "amgm_as_written.html").as_uri())
    page.screenshot(path=str(SHOTS / "claim-phone.png"), full_page=True)
    page.goto(report.parent.joinpath("graph.html").as_uri())
    _no_sideways_overflow(page, "graph at 390 px")

    watch.clean()
