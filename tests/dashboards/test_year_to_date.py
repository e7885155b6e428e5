"""Issue 26 point 5: changes that are promised are shown. A part-year is compared with the same
months a year earlier, summed from published month cells, for KPIs that add up over months and
only where every month is published; where no change can be shown, one short line per page
says so, and no line promises a change that no tile shows."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from pypdf import PdfReader

from dashboards.data import run_info
from dashboards.figures import change
from dashboards.i18n import kpi_label
from dashboards.periods import Comparison, comparison
from dashboards.report import overview_report, render_overview
from dashboards.to_date import summed_months, to_date_pair
from dashboards.views.overview import TILES, overview
from tests.dashboards.conftest import mart, open_page


def month_cells(rows: list[tuple]) -> pd.DataFrame:
    """Month cells shaped like `marts.kpi`: (kpi, month start, numerator, denominator, hidden);
    a hidden cell has no numbers, as published."""
    frame = pd.DataFrame(
        rows, columns=["kpi", "period_start", "numerator", "denominator", "suppressed"]
    )
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    hidden = frame["suppressed"]
    frame.loc[hidden, ["numerator", "denominator"]] = None
    return frame


def share_months(year: int, counts: list[tuple[int, int]], hidden: int | None = None) -> list:
    return [
        ("share", f"{year}-{m:02d}-01", n, d, m == hidden)
        for m, (n, d) in enumerate(counts, start=1)
    ]


NOW = [(1, 2), (9, 10), (3, 4)]  # 13 of 16; the mean of the monthly shares would be 0.73
BEFORE = [(2, 8), (5, 10), (1, 2)]  # 8 of 20


def test_year_to_date_sums_numerators_and_denominators_of_published_months() -> None:
    months = month_cells(share_months(2026, NOW) + share_months(2025, BEFORE))
    assert summed_months(months, "share", "2026-01-01", 3, True) == (13, 16)
    pair = to_date_pair(months, "share", "share", True, "2026-01-01", "2025-01-01", 3, True)
    assert pair == pytest.approx((13 / 16, 8 / 20))
    # Only the months to date: January–February is 10 of 12 against 7 of 18.
    pair = to_date_pair(months, "share", "share", True, "2026-01-01", "2025-01-01", 2, True)
    assert pair == pytest.approx((10 / 12, 7 / 18))
    counts = month_cells(
        [
            ("count", f"{y}-{m:02d}-01", y - 2020 + m, None, False)
            for y in (2025, 2026)
            for m in (1, 2)
        ]
    )
    pair = to_date_pair(counts, "count", "count", True, "2026-01-01", "2025-01-01", 2, True)
    assert pair == (6 + 1 + 6 + 2, 5 + 1 + 5 + 2)  # 2026: 7 + 8; 2025: 6 + 7


@pytest.mark.parametrize("hidden_year", [2026, 2025])
def test_a_hidden_month_in_either_year_gives_no_year_to_date(hidden_year) -> None:
    months = month_cells(
        share_months(2026, NOW, hidden=2 if hidden_year == 2026 else None)
        + share_months(2025, BEFORE, hidden=2 if hidden_year == 2025 else None)
    )
    start = f"{hidden_year}-01-01"
    assert summed_months(months, "share", start, 3, True) is None
    assert to_date_pair(months, "share", "share", True, "2026-01-01", "2025-01-01", 3, True) is None
    # Before the hidden month, the months to date are all published.
    assert to_date_pair(months, "share", "share", True, "2026-01-01", "2025-01-01", 1, True)


def test_a_kpi_that_does_not_add_up_over_months_gets_no_year_to_date() -> None:
    # Active plans in each month are mostly the same plans: a sum counts them ten times.
    months = month_cells(
        [
            ("active_plans", f"{y}-{m:02d}-01", 100 + m, None, False)
            for y in (2025, 2026)
            for m in (1, 2, 3)
        ]
    )
    assert (
        to_date_pair(months, "active_plans", "count", False, "2026-01-01", "2025-01-01", 3, True)
        is None
    )
    assert to_date_pair(months, "active_plans", "count", True, "2026-01-01", "2025-01-01", 3, True)


def test_a_missing_month_is_zero_only_where_months_are_published() -> None:
    months = month_cells(share_months(2026, NOW) + share_months(2025, BEFORE))
    months = months[months["period_start"] != pd.Timestamp("2025-02-01")]
    # Published per month (the plan says so): a missing row is zero (SPEC §5).
    assert summed_months(months, "share", "2025-01-01", 3, True) == (3, 10)
    # Not published per month for this breakdown: a missing row is no figure at all.
    assert summed_months(months, "share", "2025-01-01", 3, False) is None


@pytest.mark.parametrize(
    ("grain", "period", "as_of", "expected"),
    [
        (
            "year",
            "2026-01-01",
            "2026-10-31",
            ("month", "2025-01-01", 10, "samma månader 2025 (jan–okt)"),
        ),
        (
            "quarter",
            "2026-10-01",
            "2026-11-30",
            ("month", "2025-10-01", 2, "samma månader 2025 (okt–nov)"),
        ),
        # October alone is a published period: compared as one, not summed.
        (
            "quarter",
            "2026-10-01",
            "2026-10-31",
            ("month", "2025-10-01", None, "samma period förra året (okt 2025)"),
        ),
        # Whole months only: mid-October has no like span among the published cells.
        ("year", "2026-01-01", "2026-10-15", "slutar mitt i en månad (jan–okt 2026)"),
    ],
)
def test_what_a_part_period_is_compared_with(grain, period, as_of, expected) -> None:
    compared = comparison(grain, period, as_of, pd.Timestamp("2024-11-01"))
    if isinstance(expected, str):
        assert isinstance(compared, str) and expected in compared
        return
    assert isinstance(compared, Comparison)
    compared_grain, earlier, months, text = expected
    assert (compared.grain, compared.earlier, compared.months) == (
        compared_grain,
        pd.Timestamp(earlier),
        months,
    )
    assert text in compared.text


# --- on the page and in the report, from the demo region's published cells -----------------------
def expected_changes(serving_db, dimension: str = "all", value: str = "all") -> dict[str, str]:
    """Per tile KPI, the change January–October 2026 against January–October 2025 as the tile
    should show it, summed here in SQL from the published month cells; only for KPIs the
    catalogue calls additive and where no month of either year is hidden."""
    sums = mart(
        serving_db,
        "SELECT k.kpi, c.kind, c.better, year(k.period_start) AS year, "
        "bool_or(k.suppressed) AS hidden, sum(k.numerator) AS num, sum(k.denominator) AS den "
        "FROM marts.kpi k JOIN marts.kpi_catalogue c USING (kpi) "
        "WHERE k.period_grain = 'month' AND k.dimension = ? AND k.dimension_value = ? "
        "AND c.additive_over_time AND k.kpi IN ? AND month(k.period_start) <= 10 "
        "AND year(k.period_start) IN (2025, 2026) GROUP BY ALL",
        [dimension, value, list(TILES)],
    )
    changes = {}
    for (kpi, kind, better), rows in sums.groupby(["kpi", "kind", "better"]):
        years = rows.set_index("year")
        if len(years) < 2 or years["hidden"].any():
            continue
        now, before = (
            years.loc[y, "num"] / years.loc[y, "den"] if kind == "share" else years.loc[y, "num"]
            for y in (2026, 2025)
        )
        changes[kpi] = change(float(now - before), kind, better).text
    return changes


def test_a_part_year_shows_year_to_date_against_the_same_months(serving_db) -> None:
    at = open_page("overview", grain="year", period="2026-01-01")
    shown = {m.label: m.delta for m in at.metric}
    expected = expected_changes(serving_db)
    # The demo region holds both cases: tiles whose months are all published, and a tile that
    # adds up over months but has a hidden month in 2025 (follow-ups on time).
    additive = set(
        mart(
            serving_db,
            "SELECT kpi FROM marts.kpi_catalogue WHERE additive_over_time AND kpi IN ?",
            [list(TILES)],
        )["kpi"]
    )
    assert len(expected) >= 2 and additive - set(expected)
    for kpi in TILES:
        assert shown[kpi_label(kpi)] == expected.get(kpi, ""), kpi
    # Medians, stocks and the rate over active plans show none, and neither does SIP-kollen.
    assert not shown["Aktiva planer"] and not shown["Försenade uppföljningar"]
    assert not shown["Dagar från behov till första mötet (median)"]
    said = [c.value for c in at.caption if "jämfört med" in c.value]
    assert len(said) == 1 and "samma månader 2025 (jan–okt)" in said[0]
    # One short line, not a note per tile.
    assert not [c.value for c in at.caption if "ingen förändring" in c.value.lower()]


def test_where_no_month_sum_is_published_one_line_says_so_and_nothing_promises_one(
    serving_db,
) -> None:
    # A municipality is published per year only: no month cells to sum, no change to show.
    at = open_page(
        "overview", grain="year", period="2026-01-01", dim="municipality_code", value="0380"
    )
    assert not any(m.delta for m in at.metric)
    captions = [c.value for c in at.caption]
    assert not [c for c in captions if "jämfört med" in c]
    said = [c for c in captions if "ingen förändring" in c.lower()]
    assert len(said) == 1 and len(said[0]) < 160


def test_the_report_prints_the_changes_of_the_page(serving_db) -> None:
    view = overview(
        run_info(),
        "year",
        pd.Timestamp("2026-01-01"),
        "all",
        "all",
        "meeting_within_target_share",
        "age_band",
    )
    report = overview_report(view)
    reader = PdfReader(io.BytesIO(render_overview(report)))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "samma månader 2025 (jan–okt)" in text
    expected = expected_changes(serving_db)
    assert expected
    for tile in report.tiles:
        kpi = next((k for k in TILES if kpi_label(k) == tile.label), None)
        if kpi is not None:
            assert tile.change == expected.get(kpi, ""), kpi
    label = kpi_label("meeting_within_target_share")
    value = next(tile.value for tile in report.tiles if tile.label == label)
    assert f"{label} {value} {expected['meeting_within_target_share']}" in text
