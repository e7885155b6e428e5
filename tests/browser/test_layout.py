"""Issue 26 point 4 in headless Chromium: on every page, at a projector's 1280×720, at 1440×900
and at 1920×1080, no text of a chart overlaps another text or a drawn mark (the legend on the
rotated month labels, a title on "100 %", a reference label on the first bar), no label is
cut, and numbers on the axes use the decimal comma. Screenshots go to tests/artifacts/ (look
at them when a page changes)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.app_server import serve_app
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_review import CUT_TEXT
from tests.conftest import PipelineRun

pytestmark = pytest.mark.browser

VIEWPORTS = ((1280, 720), (1440, 900), (1920, 1080))
# Every page (the demo's steward role opens them all) in the states that draw most: the
# overview by month (rotated labels under a legend), by quarter up to a part-quarter, with a
# funnel plot, and filtered (the whole-region notes); the unit page by year with its part-year.
PAGES = {
    "overview": "/",
    "overview_month": "/?grain=month&trend=meeting_within_target_share",
    "overview_quarter": "/?grain=quarter&period=2026-10-01&trend=meeting_within_target_share",
    "overview_funnel": "/?trend=meeting_within_target_share&by=municipality_code",
    "overview_filtered": "/?grain=year&dim=municipality_code&value=0380&by=target_group",
    "sipkollen": "/sipkollen",
    "sipkollen_county": "/sipkollen?grain=year&dim=region_code&value=03",
    "presentation": "/sipkollen?present=1",
    "unit": "/enhet",
    "steward": "/dataforvaltning",
}

# Pairs of boxes in one chart that overlap by more than a pixel: text on text, and a title,
# legend or annotation on a drawn mark (a bar, a point). Text made of lines (<tspan>) is one box.
OVERLAPS = """() => {
  const found = [];
  const box = e => e.getBoundingClientRect();
  const hit = (a, b) => a.left < b.right - 1 && b.left < a.right - 1
                     && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  for (const chart of document.querySelectorAll('.js-plotly-plot')) {
    const texts = [...chart.querySelectorAll('svg text')]
      .filter(t => t.textContent.trim() && box(t).width > 0 && t.checkVisibility());
    // Tick labels of one axis are spaced (or rotated) by Plotly itself; a rotated label's
    // box is wider than its letters, so neighbours' boxes are not compared.
    const axis = t => (t.closest('.xtick') ? 'x' : t.closest('.ytick') ? 'y' : null);
    for (let i = 0; i < texts.length; i++) {
      for (let j = i + 1; j < texts.length; j++) {
        if (axis(texts[i]) && axis(texts[i]) === axis(texts[j])) continue;
        if (hit(box(texts[i]), box(texts[j])))
          found.push(texts[i].textContent + ' / ' + texts[j].textContent);
      }
    }
    const marks = [...chart.querySelectorAll('.bars path, .scatterlayer .point')]
      .filter(m => box(m).width > 0 && m.checkVisibility());
    const labels = texts.filter(t => t.closest('.gtitle, .legend, .annotation, .g-xtitle, '
                                               + '.g-ytitle, .xtick, .ytick'));
    for (const label of labels) {
      for (const mark of marks) {
        if (hit(box(label), box(mark))) found.push(label.textContent + ' / a mark');
      }
    }
  }
  return found;
}"""

# Text a reader meets on the charts' axes.
TICKS = """() => [...document.querySelectorAll('.js-plotly-plot .xtick text, '
                                             + '.js-plotly-plot .ytick text')]
    .map(t => t.textContent)"""


@pytest.fixture(scope="module")
def served_app(demo_pipeline: PipelineRun) -> Iterator[str]:
    with serve_app(demo_pipeline.settings) as url:
        yield url


def _open(browser, url: str, path: str, size: tuple[int, int]):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    # The first request of a session must be the app's root (see docs/decisions.md).
    page.goto(url)
    page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
    if path != "/":
        page.goto(url + path)
    page.locator("[data-testid='stMain']").first.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"], [data-testid=stSkeleton]')",
        timeout=60_000,
    )
    page.wait_for_timeout(1500)  # charts draw after the script has finished
    return page


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_chart_text_overlaps_on_any_page(served_app, browser, size) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for name, path in PAGES.items():
        page = _open(browser, served_app, path, size)
        shot = ARTIFACTS / f"layout_{name}_{size[0]}x{size[1]}.png"
        page.screenshot(path=shot, full_page=name != "presentation")
        overlaps = page.evaluate(OVERLAPS)
        english_decimals = [t for t in page.evaluate(TICKS) if re.fullmatch(r"-?\d+\.\d+.*", t)]
        cut = page.evaluate(CUT_TEXT)
        if overlaps or english_decimals or cut:
            problems[name] = overlaps + english_decimals + cut
        page.close()
    assert problems == {}
