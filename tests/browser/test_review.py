"""A reviewer's pass in headless Chromium (issue 16): every page at 1440×900 and 1920×1080 in
Swedish has no English, no cut label and `<html lang="sv">`; presentation mode is readable from
the back of the room and steps with the keyboard; charts add no tab stops. Screenshots go to
tests/artifacts/, and those the docs show to docs/screenshots/."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pypdfium2
import pytest
from playwright.sync_api import expect

from tests.app_server import serve_app
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PipelineRun

pytestmark = pytest.mark.browser

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PAGES = {
    "overview": "/",
    "sipkollen": "/sipkollen",
    "presentation": "/sipkollen?present=1",
    "unit": "/enhet",
    "steward": "/dataforvaltning",
}
VIEWPORTS = ((1440, 900), (1920, 1080))
# English a Swedish reader should never meet: Plotly's month names and toolbar, Streamlit's
# Deploy button, its selectboxes' placeholder, pandas' missing values and a date with its time of
# day.
ENGLISH = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Download|Zoom|Autoscale|Reset axes|"
    r"Deploy|Pan|Toggle|Choose an option|None|NaN|nan)\b|00:00:00"
)


@pytest.fixture(scope="module")
def served_app(demo_pipeline: PipelineRun) -> Iterator[str]:
    with serve_app(demo_pipeline.settings) as url:
        yield url


def _settle(page) -> None:
    """Waits until the script has run and the page is drawn: on a busy machine the running
    indicator can be gone while the widgets are still grey placeholders (skeletons)."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        '!document.querySelector(\'[data-testid="stStatusWidget"], [data-testid=stSkeleton],'
        " [data-testid=stSkeletonElement]')",
        timeout=60_000,
    )


def _open(browser, url: str, path: str, size: tuple[int, int]):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    # The first request of a session must be the app's root: a deep link as the very first
    # request shows Streamlit's "Page not found" (see docs/decisions.md, Dashboards).
    page.goto(url)
    page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
    if path != "/":
        page.goto(url + path)
    page.locator("[data-testid='stMain']").first.wait_for(timeout=60_000)
    _settle(page)
    page.wait_for_timeout(1500)  # charts draw after the script has finished
    return page


def _visible_text(page) -> str:
    """What a reader meets: the page's text, the charts' text, the data grids' cells, and the
    titles, labels and placeholders a screen reader reads out."""
    return page.evaluate(
        """() => [document.body.innerText,
            ...[...document.querySelectorAll('svg text')].map(t => t.textContent),
            ...[...document.querySelectorAll('[data-testid=stDataFrame] [role=gridcell],'
                + '[data-testid=stDataFrame] [role=columnheader]')].map(c => c.textContent),
            ...[...document.querySelectorAll('[title], [aria-label]')]
               .filter(e => e.checkVisibility()).map(
                e => (e.getAttribute('title') || '') + ' ' + (e.getAttribute('aria-label') || '')),
            ...[...document.querySelectorAll('[placeholder]')].map(e => e.placeholder)
           ].join('\\n')"""
    )


CUT_TEXT = """() => {
  const cut = [];
  const labels = document.querySelectorAll(
    '[data-testid=stWidgetLabel] *, [data-testid=stMetricLabel] *, '
    + '[data-testid=stMetricValue] *, h1, h2, h3, button p, '
    + '[data-testid=stExpander] summary p, [role=tab] p, [data-testid=stCaptionContainer]');
  for (const e of labels) {
    if (e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1) cut.push(e.textContent);
  }
  for (const svg of document.querySelectorAll('.js-plotly-plot svg.main-svg')) {
    const box = svg.getBoundingClientRect();
    for (const t of svg.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (!t.textContent.trim() || r.width === 0) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
          || r.bottom > box.bottom + 1) cut.push('svg: ' + t.textContent);
    }
  }
  return cut;
}"""


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_page_is_swedish_and_uncut(served_app, browser, size) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, path in PAGES.items():
        page = _open(browser, served_app, path, size)
        shot = ARTIFACTS / f"review_{name}_{size[0]}x{size[1]}.png"
        page.screenshot(path=shot, full_page=name != "presentation")
        assert page.evaluate("document.documentElement.lang") == "sv", name
        text = _visible_text(page)
        english = sorted(
            {text[max(m.start() - 30, 0) : m.end() + 30] for m in ENGLISH.finditer(text)}
        )
        assert not english, (name, english)
        cut = page.evaluate(CUT_TEXT)
        assert cut == [], (name, cut)
        if name in ("sipkollen", "presentation", "steward"):
            # Help is written out on these pages, never only in a hover tooltip.
            assert page.locator("[data-testid=stTooltipIcon]").count() == 0, name
        if name == "overview" and size == (1440, 900):
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, DOCS_SCREENSHOTS / "overview.png")
        page.close()


def _contrast(foreground: tuple[float, ...], background: tuple[float, ...]) -> float:
    def luminance(rgb: tuple[float, ...]) -> float:
        def channel(c: float) -> float:
            c = c / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2])

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:3])


def _chart_title(page) -> str:
    return page.locator(".js-plotly-plot .gtitle").first.text_content()


def test_presentation_mode_is_readable_and_steps_with_the_keyboard(served_app, browser) -> None:
    page = _open(browser, served_app, "/sipkollen?present=1&grain=year", (1920, 1080))
    for hidden in ("h1", "[data-testid=stSidebar]", "[data-testid=stHeader]"):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator("[data-testid=stSelectbox]:visible").count() == 0
    assert page.get_by_text("Deploy").count() == 0
    assert page.locator(".js-plotly-plot").count() == 1  # one chart per screen
    chart = page.locator(".js-plotly-plot").first.bounding_box()
    assert chart["y"] >= 0 and chart["y"] + chart["height"] <= 1080

    texts = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot svg text')]
            .filter(t => t.textContent.trim())
            .map(t => { const s = getComputedStyle(t); const r = t.getBoundingClientRect();
                        return {text: t.textContent, size: parseFloat(s.fontSize), fill: s.fill,
                                box: [r.left, r.top, r.right, r.bottom]}; })"""
    )
    background = _rgb("rgb(255, 255, 255)")  # the chart's paper, set in charts.style
    assert texts
    for text in texts:
        assert text["size"] >= 20, text
        assert _contrast(_rgb(text["fill"]), background) >= 4.5, text
    # The percentages sit beyond the interval whiskers, not on them.
    whiskers = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot .errorbar path')].map(p => {
              const r = p.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""
    )
    percentages = [t["box"] for t in texts if re.fullmatch(r"\d+ % \(n = \d+\)", t["text"])]
    assert whiskers and percentages
    for left, top, right, bottom in percentages:
        for w_left, w_top, w_right, w_bottom in whiskers:
            overlaps = left < w_right and w_left < right and top < w_bottom and w_top < bottom
            assert not overlaps, (left, top, right, bottom)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=DOCS_SCREENSHOTS / "presentation.png")

    first = _chart_title(page)
    page.evaluate("document.activeElement.blur()")  # the keys work wherever the focus is
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"slide=2"), timeout=30_000)
    _settle(page)
    assert page.get_by_text("Bild 2 av 4").is_visible()
    assert first not in page.inner_text("[data-testid=stMain]")
    page.screenshot(path=ARTIFACTS / "presentation_slide2.png")
    page.keyboard.press("PageDown")
    page.wait_for_url(re.compile(r"slide=3"), timeout=30_000)
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(r"slide=2"), timeout=30_000)
    _settle(page)
    # The step buttons are reachable by Tab and show where the keyboard focus is.
    for _ in range(10):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return [e.tagName, s.outlineStyle, s.boxShadow]; })()"
        )
        if focused[0] == "BUTTON":
            break
    assert focused[0] == "BUTTON" and (focused[1] != "none" or focused[2] != "none"), focused
    page.close()


def test_charts_add_no_tab_stops_and_each_has_a_reachable_table(served_app, browser) -> None:
    page = _open(browser, served_app, "/sipkollen?grain=year", (1440, 900))
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    # Count the charts the page has, and wait until Plotly has drawn each of them: on a busy
    # machine the later ones are drawn after the first, and their tab stops count too.
    charts = page.locator("[data-testid=stPlotlyChart]").count()
    assert charts >= 2
    expect(page.locator(".js-plotly-plot")).to_have_count(charts, timeout=30_000)
    stops: list[dict] = []
    page.locator("[data-testid=stMain] h1").first.click()
    for _ in range(150):  # once round the whole page: Tab leaves the main area at its end
        page.keyboard.press("Tab")
        stop = page.evaluate(
            """() => { const e = document.activeElement;
                return {tag: e.tagName, text: (e.innerText || '').slice(0, 80),
                        chart: !!e.closest('.js-plotly-plot, [data-testid=stPlotlyChart]'),
                        main: !!e.closest('[data-testid=stMain]')}; }"""
        )
        if stop["main"]:
            stops.append(stop)
        elif stops:
            break
    assert not [s for s in stops if s["chart"]]  # no mode bar, nothing to tab into
    tables = [s for s in stops if "Diagrammets data som tabell" in s["text"]]
    assert len(tables) == charts, stops
    # A bound on the whole page: the table expanders, the page's own buttons and downloads.
    assert len(stops) <= charts + 12, [s["text"] for s in stops]
    page.close()


def test_pdf_report_and_handout_screenshots(served_app, browser, tmp_path) -> None:
    """The PDFs as downloaded from the pages, their first pages rendered for the docs."""
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for path, button, name in (
        ("/?grain=quarter", "rapport (PDF", "pdf-report-1"),
        ("/sipkollen?grain=year", "utdelningsblad (PDF", "pdf-handout-1"),
    ):
        page = _open(browser, served_app, path, (1440, 900))
        with page.expect_download() as download:
            page.get_by_role("button", name=re.compile(re.escape(button))).first.click()
        pdf = pypdfium2.PdfDocument(download.value.path())
        pdf[0].render(scale=1.5).to_pil().save(DOCS_SCREENSHOTS / f"{name}.png")
        assert len(pdf) >= 1
        page.close()
