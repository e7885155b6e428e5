"""Issue 16 in headless Chromium at 1440×900: the overview filtered to one municipality says
which elements show the whole region, gives tiles a status word and a target, marks the period
that is not over ("t.o.m."), and draws suppressed points of a trend as gaps, not at 0, beside the
target line. Screenshots go to tests/artifacts/ (looked at by hand when the page changes)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest
from playwright.sync_api import expect

from tests.app_server import serve_app
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PipelineRun

pytestmark = pytest.mark.browser

KPI = "meeting_within_target_share"


@pytest.fixture(scope="module")
def served_app(demo_pipeline: PipelineRun) -> Iterator[str]:
    with serve_app(demo_pipeline.settings) as url:
        yield url


@pytest.fixture(scope="module")
def municipality(demo_pipeline: PipelineRun) -> str:
    """The municipality with most plans whose meetings-in-time share is shown for 2026."""
    with duckdb.connect(str(demo_pipeline.settings.serving_path), read_only=True) as con:
        return con.execute(
            "SELECT dimension_value FROM marts.kpi WHERE period_grain = 'year' "
            "AND period_start = '2026-01-01' AND dimension = 'municipality_code' AND kpi = ? "
            "AND NOT suppressed ORDER BY denominator DESC, 1 LIMIT 1",
            [KPI],
        ).fetchone()[0]


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(url)
    page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    return page


# A chart's title as a person reads it: `charts.style` wraps long titles with <br>, which
# Plotly draws as one <tspan class="line"> per line, so the text content runs the lines together.
TITLE = """chart => {
  const title = chart.querySelector('.gtitle');
  if (!title) return '';
  const lines = [...title.querySelectorAll('tspan.line')].map(l => l.textContent);
  return (lines.length ? lines : [title.textContent]).join(' ');
}"""


def _chart(page, words: str):
    """The Plotly chart whose title, its lines joined, holds these words (waits up to 30 s)."""
    index = page.wait_for_function(
        f"""words => [...document.querySelectorAll('.js-plotly-plot')]
                .findIndex(c => ({TITLE})(c).includes(words)) + 1 || null""",
        arg=words,
        timeout=30_000,
    ).json_value()
    return page.locator(".js-plotly-plot").nth(index - 1)


def _title(chart) -> str:
    return chart.evaluate(TITLE)


def test_filtered_overview_says_whole_region_status_and_part_period(
    served_app, browser, municipality
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = _open(
        browser,
        f"{served_app}/?grain=year&period=2026-01-01&dim=municipality_code&value={municipality}"
        f"&trend={KPI}",
    )
    main = page.locator("[data-testid='stMain']").first
    # The year is not over: the selector, the tiles and the trend say up to which day.
    period = page.locator("[data-testid='stSidebar']").get_by_label("Period", exact=True)
    expect(period).to_have_value("2026 (t.o.m. 31 okt)", timeout=30_000)
    tile = page.locator("[data-testid='stVerticalBlock']").filter(
        has=page.locator("[data-testid='stMetric']", has_text="Andel möten inom målvärdet")
    )
    expect(tile.last).to_contain_text("mål 80 %")
    expect(tile.last).to_contain_text("målet")  # "Når målet" or "Når inte målet"
    # A municipality is published per year only: no months to sum, said in one line.
    expect(main).to_contain_text("alla månader jan–okt publicerade både 2026 och 2025")
    # SIP-kollen has no municipality breakdown: its tile says it shows the whole region.
    expect(main).to_contain_text("SIP-kollen, andel positiva svar – hela regionen")
    # The breakdown's title says it is the whole region, with the region's reference line.
    breakdown = _chart(page, "hela regionen")
    breakdown.scroll_into_view_if_needed()
    assert "per Initierande huvudman" in _title(breakdown)
    expect(breakdown.locator(".annotation-text").first).to_contain_text("hela regionen")
    trend = _chart(page, "per år")
    expect(trend.locator(".xtick text").last).to_have_text("2026 (t.o.m. 31 okt)")
    page.screenshot(path=ARTIFACTS / "overview_municipality_year.png")
    page.screenshot(path=ARTIFACTS / "overview_municipality_year_full.png", full_page=True)
    page.close()


def test_a_trend_draws_suppressed_months_as_gaps_beside_the_target(
    served_app, browser, demo_pipeline
) -> None:
    # In the 400-plan demo every month of a municipality is suppressed; plans led by the region
    # have shown months with suppressed ones between them.
    with duckdb.connect(str(demo_pipeline.settings.serving_path), read_only=True) as con:
        shown, hidden = con.execute(
            "SELECT count(*) FILTER (WHERE NOT suppressed), count(*) FILTER (WHERE suppressed) "
            "FROM marts.kpi WHERE period_grain = 'month' AND dimension = 'lead_principal' "
            "AND dimension_value = 'region' AND kpi = ? AND period_start >= '2024-12-01'",
            [KPI],
        ).fetchone()
    page = _open(
        browser,
        f"{served_app}/?grain=month&dim=lead_principal&value=region&trend={KPI}",
    )
    trend = _chart(page, "per månad")
    trend.scroll_into_view_if_needed()
    line, marks = trend.locator("g.trace.scatter").nth(0), trend.locator("g.trace.scatter").nth(1)
    # The line has a marker for each shown month only: nothing of it is drawn at 0.
    expect(line.locator("path.point")).to_have_count(shown)
    # The hidden months are marked on their own, and the legend says what the mark means.
    expect(marks.locator("path.point")).to_have_count(hidden)
    expect(
        trend.locator(".legendtext", has_text="Dold för att skydda enskilda personer")
    ).to_have_count(1)
    # The dashed target line at 80 %, labelled.
    expect(trend.locator(".annotation-text", has_text="mål 80 %")).to_have_count(1)
    dashed = trend.locator(".shapelayer path").first.get_attribute("style")
    assert "stroke-dasharray" in dashed
    trend.screenshot(path=ARTIFACTS / "overview_trend_gaps.png")
    page.close()
