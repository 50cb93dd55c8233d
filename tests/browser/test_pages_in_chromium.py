"""The rendered demo reports as a manager opens them: headless Chromium, offline, at laptop and phone width.

Needs Playwright for Python (a test dependency) and a Chromium on the machine (Debian's ``chromium``;
``.ci/run`` installs it). Without either the whole module skips and says which is missing. Playwright's
own browser download is never used: the system Chromium is driven through ``executable_path``.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest

from salesnb.render.pdf import find_chromium
from tests.renders import RENDERS

pytestmark = pytest.mark.xdist_group(RENDERS)

WIDTHS = (1366, 390)
PAGES = ("index", "00_data_audit", "01_diagnosis", "02_targets", "03_funnel", "04_case_study")
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium, or set SALESNB_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", *CHROMIUM_ARGS])
        yield launched
        launched.close()


class Visit:
    """One page opened with every network request refused and every complaint recorded."""

    def __init__(self, browser, path: Path, width: int):
        self.context = browser.new_context(viewport={"width": width, "height": 900}, offline=True)
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.context.route(re.compile(r"^(?!file:|data:).*"), self._refuse)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.goto(path.as_uri(), wait_until="load")
        self.page.evaluate("document.fonts.ready.then(() => true)")

    def _refuse(self, route):
        self.blocked.append(route.request.url)
        route.abort()

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def visits(browser, demo_en_run):
    """Every page of the English demo run at each width, visited once for the checks below."""
    out = demo_en_run.output_dir
    opened = {}
    for name in PAGES:
        for width in WIDTHS:
            visit = Visit(browser, out / f"{name}.html", width)
            facts = visit.page.evaluate(
                """() => ({
                    scrollWidth: document.documentElement.scrollWidth,
                    clientWidth: document.documentElement.clientWidth,
                    images: Array.from(document.images).map(i => ({alt: i.getAttribute('alt') || '',
                        loaded: i.complete && i.naturalWidth > 0})),
                    tocLinks: Array.from(document.querySelectorAll('nav.snb-toc a')).map(a => a.getAttribute('href')),
                    ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
                    order: Array.from(document.querySelectorAll('h1, nav.snb-toc')).map(e => e.tagName),
                    tiles: document.querySelectorAll('.snb-tile').length,
                    cards: document.querySelectorAll('.snb-card').length,
                    findings: Array.from(document.querySelectorAll('.snb-card .snb-findings a'))
                        .map(a => a.getAttribute('href')),
                })"""
            )
            facts.update(blocked=visit.blocked, failed=visit.failed, errors=visit.errors)
            opened[name, width] = facts
            visit.close()
    return opened


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_page_opens_offline_without_errors_or_requests(visits, name, width):
    facts = visits[name, width]
    assert facts["errors"] == []
    assert facts["blocked"] == [] and facts["failed"] == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_page_does_not_overflow_horizontally(visits, name, width):
    facts = visits[name, width]
    assert facts["scrollWidth"] <= facts["clientWidth"], f"{name} is {facts['scrollWidth']} px wide at {width} px"


@pytest.mark.parametrize("name", PAGES[1:])
def test_every_chart_has_alt_text_and_loads(visits, name):
    images = visits[name, 1366]["images"]
    assert images, f"{name} shows no chart"
    assert all(len(image["alt"]) > 10 for image in images), [i["alt"] for i in images if len(i["alt"]) <= 10]
    assert all(image["loaded"] for image in images)


@pytest.mark.parametrize("name", PAGES[1:])
def test_title_comes_before_contents_and_every_contents_link_resolves(visits, name):
    facts = visits[name, 1366]
    assert facts["order"][:2] == ["H1", "NAV"]
    targets = [href.removeprefix("#") for href in facts["tocLinks"]]
    assert len(targets) >= 3 and set(targets) <= set(facts["ids"])


def test_index_shows_tiles_and_each_reports_findings_linked_to_their_section(visits, demo_en_run):
    facts = visits["index", 390]
    assert 4 <= facts["tiles"] <= 6 and facts["cards"] == 5
    out = demo_en_run.output_dir
    assert len(facts["findings"]) >= 10  # 2–3 per report
    for href in facts["findings"]:
        page, _, anchor = href.partition("#")
        assert anchor and f'id="{anchor}"' in (out / page).read_text(encoding="utf-8")


def test_long_tables_sort_by_value_and_filter(browser, demo_en_run):
    visit = Visit(browser, demo_en_run.output_dir / "01_diagnosis.html", 1366)
    page = visit.page
    table = page.locator("table.snb-table", has=page.locator("th", has_text="Revenue (")).first
    header = table.locator("th", has_text="Revenue (").first
    column = header.evaluate("th => th.cellIndex")
    values = f"t => Array.from(t.tBodies[0].rows).filter(r => !r.hidden).map(r => r.cells[{column}].dataset.v)"
    header.click()
    ascending = [float(v) for v in table.evaluate(values) if v]
    header.click()
    descending = [float(v) for v in table.evaluate(values) if v]
    assert len(ascending) >= 10 and ascending == sorted(ascending) and descending == sorted(ascending, reverse=True)
    rows = table.evaluate("t => t.tBodies[0].rows.length")
    first_rep = table.evaluate("t => t.tBodies[0].rows[0].cells[1].textContent")
    table.evaluate("t => t.closest('.snb-scroll').previousElementSibling.id = 'this-filter'")
    page.locator("#this-filter").fill(first_rep)
    shown = table.evaluate("t => Array.from(t.tBodies[0].rows).filter(r => !r.hidden).length")
    assert 1 <= shown < rows
    assert visit.errors == []
    visit.close()


def test_chinese_report_renders_its_glyphs_with_the_embedded_font(browser, demo_zh_run):
    from fontTools.ttLib import TTFont

    path = demo_zh_run.output_dir / "01_diagnosis.html"
    visit = Visit(browser, path, 390)
    page = visit.page
    state = page.evaluate(
        """() => ({
            faces: Array.from(document.fonts).map(f => [f.family.replace(/"/g, ''), f.status]),
            family: getComputedStyle(document.querySelector('h1')).fontFamily,
            text: document.body.innerText,
        })"""
    )
    assert ["SalesnbCJK", "loaded"] in state["faces"] and state["family"].replace('"', "").startswith("SalesnbCJK")
    # Every Chinese character on the page is in the embedded subset (no character falls back to tofu)…
    data = re.search(r"url\(data:font/woff;base64,([^)]+)\)", path.read_text(encoding="utf-8")).group(1)
    cmap = TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap()
    chinese = {c for c in state["text"] if "\u4e00" <= c <= "\u9fff"}
    assert len(chinese) > 50 and not [c for c in chinese if ord(c) not in cmap]
    # …and the browser draws distinct glyphs: two different words give different pixels (tofu boxes are alike).
    shots = []
    for word in ("销售诊断", "目标分解"):
        page.evaluate(
            "w => { const e = document.createElement('div'); e.id = 'probe'; e.textContent = w; "
            "e.style.cssText = 'font-size:40px;position:fixed;top:0;left:0;background:#fff;padding:4px'; "
            "document.body.appendChild(e); }",
            word,
        )
        shots.append(page.locator("#probe").screenshot())
        page.evaluate("() => document.getElementById('probe').remove()")
    assert shots[0] != shots[1]
    assert visit.errors == [] and visit.blocked == []
    visit.close()


def test_chinese_index_and_reports_fit_a_phone(browser, demo_zh_run):
    for name in PAGES:
        visit = Visit(browser, demo_zh_run.output_dir / f"{name}.html", 390)
        width = visit.page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1], f"{name}: {width}"
        assert visit.errors == [] and visit.blocked == []
        visit.close()


def test_report_prints_to_pdf_with_chromium(demo_en_run, tmp_path):
    from salesnb.render.pdf import html_to_pdf

    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium, or set SALESNB_CHROMIUM)")
    pdf = tmp_path / "03_funnel.pdf"
    html_to_pdf(demo_en_run.output_dir / "03_funnel.html", pdf, chromium=chromium)
    content = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", content))
    assert content.startswith(b"%PDF") and pages >= 3  # sections start on new pages


@pytest.mark.parametrize("name", PAGES)
def test_each_page_stays_under_one_and_a_half_megabytes(demo_en_run, name):
    size = (demo_en_run.output_dir / f"{name}.html").stat().st_size
    assert size <= 1.5 * 1024 * 1024, f"{name}.html is {size / 1024:,.0f} KB"
