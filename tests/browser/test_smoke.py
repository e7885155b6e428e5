"""A real headless Chromium against the served app: every page opens, a filter changes, and the
figures shown equal the published mart's values. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
from playwright.sync_api import expect

from dashboards.figures import decimals_against, format_value
from data_contracts.contracts import load_contract
from tests.app_server import serve_app
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PipelineRun

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served_app(demo_pipeline: PipelineRun) -> Iterator[str]:
    with serve_app(demo_pipeline.settings) as url:
        yield url


def _open(browser, url: str, name: str):
    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    # A deep link as a fresh server's very first request shows Streamlit's "Page not found" over
    # the page, which makes the page inert (docs/decisions.md, Dashboards): open the root first,
    # so that a test run on its own meets the page as a visitor does.
    root = url.split("/", 3)
    if len(root) > 3:
        page.goto("/".join(root[:3]))
        page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
    page.goto(url)
    page.get_by_role("heading", level=1).first.wait_for(timeout=60_000)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    return page


def _settle(page) -> None:
    page.wait_for_timeout(500)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )


def _choose(page, label: str, option: str) -> None:
    # Visible only: another tab of the page may hold a control with the same label.
    page.get_by_label(label, exact=True).filter(visible=True).first.click()
    page.keyboard.type(option)  # the option list is virtual: filter it down to the option
    page.get_by_role("option", name=option, exact=True).click()
    _settle(page)


def _expect_metric(page, label: str, shown: str) -> None:
    """Waits for the rerun to settle on the expected figure (fails after 30 s)."""
    metric = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    expect(metric.locator("[data-testid='stMetricValue']")).to_have_text(shown, timeout=30_000)


def _kpi(serving: Path, grain: str, kpi: str, period: str) -> str:
    """The region's figure as a tile shows it: with the decimals its status needs."""
    with duckdb.connect(str(serving), read_only=True) as con:
        value, suppressed, kind, target, better = con.execute(
            "SELECT value, suppressed, k.kind, target, better FROM marts.kpi k "
            "JOIN marts.kpi_catalogue USING (kpi) WHERE period_grain = ? AND dimension = 'all' "
            "AND kpi = ? AND period_start = ?",
            [grain, kpi, period],
        ).fetchone()
    decimals = None
    if target is not None and not suppressed:
        decimals = decimals_against(value, target, kind, better)
    return format_value(value, suppressed, kind, decimals)


def test_overview_figures_follow_the_period_filter(served_app, browser, demo_pipeline) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    serving = demo_pipeline.settings.serving_path
    with duckdb.connect(str(serving), read_only=True) as con:
        year = con.execute(
            "SELECT max(period_start) FROM marts.kpi WHERE period_grain = 'year' "
            "AND period_complete"
        ).fetchone()[0]
    page = _open(browser, served_app, "overview")  # opens on the latest complete year
    _expect_metric(page, "Aktiva planer", _kpi(serving, "year", "active_plans", year))
    page.screenshot(path=ARTIFACTS / "overview_year.png", full_page=True)

    _choose(page, "Periodlängd", "Kvartal")
    assert "grain=quarter" in page.url  # the view is kept in the link
    quarter = year.replace(month=10)  # the latest quarter inside the year shown
    _expect_metric(page, "Aktiva planer", _kpi(serving, "quarter", "active_plans", quarter))
    _expect_metric(
        page,
        "Andel med bokad uppföljning",
        _kpi(serving, "quarter", "follow_up_booked_share", quarter),
    )
    page.screenshot(path=ARTIFACTS / "overview_quarter.png", full_page=True)
    page.close()


def test_sipkollen_page_shows_the_published_shares(served_app, browser, demo_pipeline) -> None:
    page = _open(browser, served_app + "/sipkollen", "sipkollen")
    _choose(page, "Periodlängd", "År")
    with duckdb.connect(str(demo_pipeline.settings.serving_path), read_only=True) as con:
        rows = con.execute(
            "SELECT share_positive, suppressed FROM marts.sipkollen WHERE period_grain = 'year' "
            "AND dimension = 'all' AND period_start = (SELECT max(period_start) "
            "FROM marts.sipkollen WHERE period_grain = 'year') ORDER BY question_id"
        ).fetchall()
    main = page.locator("[data-testid='stMain']").first
    for share, suppressed in rows:
        expected = (
            "Dold för att skydda enskilda personer"
            if suppressed
            else f"{round(share * 10)} av 10 svarade Ja"
        )
        expect(main).to_contain_text(expected, timeout=30_000)
    page.screenshot(path=ARTIFACTS / "sipkollen.png", full_page=True)
    page.close()


def _grid_row(page, cell: str, settled: Callable[[list[str]], bool]) -> list[str]:
    """The cells of the first data-grid row holding a cell with exactly this text (read from
    the grid's accessible table, which holds the same text the canvas draws), once `settled`
    accepts them or after 30 s: a rerun may still be replacing the grid."""
    row = page.locator("[data-testid='stDataFrame'] tr").filter(
        has=page.get_by_role("gridcell", name=cell, exact=True, include_hidden=True)
    )
    deadline = time.time() + 30
    while True:
        row.first.wait_for(state="attached", timeout=30_000)  # the table itself is off-screen
        cells = [
            c.inner_text() for c in row.first.get_by_role("gridcell", include_hidden=True).all()
        ]
        if settled(cells) or time.time() > deadline:
            return cells
        page.wait_for_timeout(250)


def test_unit_page_compares_the_chosen_unit_with_the_region(
    served_app, browser, demo_pipeline
) -> None:
    with duckdb.connect(str(demo_pipeline.settings.serving_path), read_only=True) as con:
        # The largest unit that is not the default (the first), so that choosing it is a real
        # filter change and its figures are not all suppressed.
        unit = con.execute(
            "SELECT dimension_value FROM marts.kpi WHERE dimension = 'initiating_unit' "
            "AND dimension_value NOT IN ('unknown', (SELECT min(dimension_value) FROM marts.kpi "
            "WHERE dimension = 'initiating_unit' AND dimension_value <> 'unknown')) "
            "AND kpi = 'needs_identified' AND period_grain = 'year' "
            "ORDER BY period_start DESC, value DESC NULLS LAST LIMIT 1"
        ).fetchone()[0]

        def published(kpi: str, dimension: str, value: str) -> str:
            """The figure as the grid writes it in Swedish (shares in per cent, one decimal
            unless whole, decimal comma); a suppressed figure reads "–"."""
            row = con.execute(
                "SELECT value, suppressed FROM marts.kpi WHERE period_grain = 'year' "
                "AND kpi = ? AND dimension = ? AND dimension_value = ? "
                "ORDER BY period_start DESC LIMIT 1",
                [kpi, dimension, value],
            ).fetchone()
            # Not published for units at this grain (the page says so in a line) or hidden.
            if row is None or row[1]:
                return "–"
            return f"{round(row[0] * (100 if kpi.endswith('_share') else 1), 1):g}".replace(
                ".", ","
            )

        expected = {
            kpi: [published(kpi, "initiating_unit", unit), published(kpi, "all", "all")]
            for kpi in ("needs_identified", "meeting_within_target_share")
        }
    page = _open(browser, served_app + "/enhet", "unit")
    _choose(page, "Enhet", unit)
    _choose(page, "Periodlängd", "År")
    assert f"unit={quote(unit)}" in page.url
    for kpi, label in (
        ("needs_identified", "Uppmärksammade behov"),
        ("meeting_within_target_share", "Andel möten inom målvärdet"),
    ):
        # Cells: key figure, unit of the value, the unit, all units, which of them is suppressed.
        shown = _grid_row(page, label, lambda cells, kpi=kpi: cells[2:4] == expected[kpi])
        assert shown[2:4] == expected[kpi], kpi
    page.screenshot(path=ARTIFACTS / "unit.png", full_page=True)
    page.close()


def test_steward_page_shows_the_published_deliveries_and_rule_failures(
    served_app, browser, demo_pipeline
) -> None:
    restricted = demo_pipeline.settings.restricted_serving_path
    with duckdb.connect(str(restricted), read_only=True) as con:
        # The demo plants one rejected row per entity in every monthly export.
        delivery = con.execute(
            "SELECT file, rows_read, rows_accepted, rows_quarantined, pii_findings "
            "FROM marts.data_quality WHERE rows_quarantined > 0 ORDER BY entity, file LIMIT 1"
        ).fetchone()
        failure = con.execute(
            "SELECT file, rule_title, expected, rows_failed FROM marts.data_quality_rules "
            "WHERE entity = 'sipkollen' ORDER BY file LIMIT 1"
        ).fetchone()
    page = _open(browser, served_app + "/dataforvaltning", "steward")
    published = [str(v) for v in delivery]

    def counts(cells: list[str]) -> list[str]:  # file, then the counts after verdict and change
        return cells[1:2] + cells[4:8]

    assert counts(_grid_row(page, delivery[0], lambda cells: counts(cells) == published)) == (
        published
    )
    page.screenshot(path=ARTIFACTS / "steward.png", full_page=True)

    page.get_by_role("tab", name="Regelbrott per fil och regel").click()
    _choose(page, "Entitet", "SIP-kollen")
    assert "entity=sipkollen" in page.url
    published = [str(v) for v in failure]
    assert _grid_row(page, failure[0], lambda cells: cells == published) == published
    page.screenshot(path=ARTIFACTS / "steward_rules.png", full_page=True)

    page.get_by_role("tab", name="Datakontrakt").click()
    _settle(page)
    assert "SIP-planer" in page.inner_text("body")
    page.close()


def test_steward_goes_from_the_summary_to_a_masked_fix_list(
    served_app, browser, demo_pipeline
) -> None:
    restricted = demo_pipeline.settings.restricted_serving_path
    with duckdb.connect(str(restricted), read_only=True) as con:
        # The demo plants a phone number in a SIP-kollen comment: a delivery with errors.
        entity, file, quarantined = con.execute(
            "SELECT entity, file, rows_quarantined FROM marts.data_quality "
            "WHERE pii_findings > 0 ORDER BY entity, file LIMIT 1"
        ).fetchone()
    title = load_contract(entity).title_sv
    page = _open(browser, served_app + "/dataforvaltning", "steward_lines")
    # One summary, its first line the entity with personal data, naming the delivery.
    expect(page.locator("[data-testid='stAlertContentError']")).to_have_count(1)
    first_line = page.locator("[data-testid='stAlertContentError'] li").first
    expect(first_line).to_contain_text(f"{title}: ")
    expect(first_line).to_contain_text(file)
    expect(first_line).to_contain_text("Personuppgifter")
    page.screenshot(path=ARTIFACTS / "steward_verdicts.png", full_page=True)

    page.get_by_role("tab", name="Rättningslista (personuppgifter maskerade)").click()
    _settle(page)
    _choose(page, "Fil", file)
    page.keyboard.press("Escape")
    cells = _grid_row(page, "Personuppgift i leveransen", lambda cells: len(cells) == 8)
    assert cells[:2] == [title, file], cells
    assert "[telefon]" in cells[5] and cells[4] == "Kommentar", cells
    page.screenshot(path=ARTIFACTS / "steward_fix_list.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("button", name="Ladda ned CSV").first.click()  # the open tab's
    stem = Path(file).stem
    assert download.value.suggested_filename.startswith(f"rattningslista_{entity}_{stem}_20")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Entitet;Fil;Rad i filen;Id;Fält;Värde (maskerat);Regel;Förväntat" in text
    assert f"{title};{file};" in text
    assert "[telefon]" in text and "Personuppgift i leveransen" in text
    assert "070-123" not in text and "070-123" not in page.content()
    page.close()
