"""Swedish period labels and plain dates from one helper; the palette; place names, category
axes and the reference line in the breakdown; the page language."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from dashboards.figures import format_value
from dashboards.formatting import file_name, number, period_label, plain_date
from dashboards.palette import COLOURS, GROUP_COLOURS
from tests.dashboards.conftest import chart_specs, drawn, mart, open_page


@pytest.mark.parametrize(
    ("grain", "start", "language", "label"),
    [
        ("quarter", "2025-04-01", "sv", "2025 K2"),
        ("quarter", "2025-04-01", "en", "2025 Q2"),
        ("year", "2026-01-01", "sv", "2026"),
        ("month", "2026-10-01", "sv", "okt 2026"),
        ("month", "2026-05-01", "sv", "maj 2026"),
        ("month", "2026-10-01", "en", "Oct 2026"),
    ],
)
def test_period_labels(grain: str, start: str, language: str, label: str) -> None:
    assert period_label(grain, pd.Timestamp(start), language) == label


@pytest.mark.parametrize(
    ("value", "decimals", "language", "shown"),
    [
        (1085, 0, "sv", "1\u00a0085"),
        (1085, 0, "en", "1,085"),
        (1234567.891, 2, "sv", "1\u00a0234\u00a0567,89"),
        (1234567.891, 2, "en", "1,234,567.89"),
        (-1.2, 1, "sv", "-1,2"),
        (-0.04, 1, "sv", "0,0"),  # no "-0,0": a change that rounds to nothing has no sign
        (None, 0, "sv", "–"),
        (float("nan"), 1, "en", "–"),
    ],
)
def test_numbers_in_the_readers_language(value, decimals, language, shown) -> None:
    assert number(value, decimals, language) == shown


def test_plain_dates_and_file_names() -> None:
    assert plain_date(pd.Timestamp("2024-12-31 00:00:00")) == "2024-12-31"
    assert plain_date(datetime(2024, 12, 31, 13, 5)) == "2024-12-31"
    assert file_name("x", "month", "2026-10-01", "municipality_code", "0380", "pdf") == (
        "x_2026-10_municipality_code-0380.pdf"
    )
    assert file_name("x", "quarter", "2026-07-01", "unit", "A/B 1", "pdf") == (
        "x_2026-K3_unit-A-B-1.pdf"
    )


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_palette_has_no_red_or_green_group_and_a_readable_main_colour() -> None:
    for colour in GROUP_COLOURS:
        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        assert not (r > 150 and g < 100 and b < 100), colour  # red
        assert not (g > 120 and r < 100 and b < 120), colour  # green
    assert len(set(GROUP_COLOURS)) == len(GROUP_COLOURS)
    contrast = (1.05) / (_luminance(COLOURS["main"]) + 0.05)
    assert contrast >= 4.5  # WCAG AA against white, for lines and bars with text beside them


def test_overview_labels_months_in_swedish_and_breaks_down_by_named_municipality(
    serving_db,
) -> None:
    # The trend follows the chosen grain: by month its axis holds Swedish month names.
    at = open_page("overview", grain="month", trend="needs_identified")
    trend = next(c for c in chart_specs(at) if "per månad" in c["layout"]["title"]["text"])
    assert (
        "okt 2026" in trend["data"][0]["x"]
        and "xaxis" not in trend["layout"]
        or (trend["layout"]["xaxis"].get("type") != "date")
    )
    at = open_page("overview", grain="year", by="municipality_code", trend="needs_identified")
    charts = {c["layout"]["title"]["text"]: c for c in chart_specs(at)}
    breakdown = next(c for title, c in charts.items() if "per Kommun" in title)
    assert "0180 Stockholm" in breakdown["data"][0]["y"]
    assert breakdown["layout"]["yaxis"]["type"] == "category"
    # Sorted by value, so the best and the worst are found at a glance.
    values = [v for v in drawn(breakdown["data"][0]["x"]) if v == v]
    assert len(values) > 2 and values in (sorted(values), sorted(values, reverse=True))
    # The whole selection's value is drawn as a reference line.
    period = at.selectbox(key="w_period_year").value
    whole = mart(
        serving_db,
        "SELECT value FROM marts.kpi WHERE period_grain = 'year' AND period_start = ? "
        "AND dimension = 'all' AND kpi = 'needs_identified'",
        [period],
    ).iloc[0, 0]
    [line] = breakdown["layout"]["shapes"]
    assert line["x0"] == whole and line["line"]["dash"] == "dash"
    shown = format_value(whole, False, "count")
    assert breakdown["layout"]["annotations"][0]["text"] == f"hela regionen: {shown}"


def test_the_page_declares_its_language(serving_db) -> None:
    scripts = [h.proto.body for h in open_page("overview").get("html")]
    assert any("documentElement.lang = 'sv'" in body for body in scripts)
    scripts = [h.proto.body for h in open_page("overview", lang="en").get("html")]
    assert any("documentElement.lang = 'en'" in body for body in scripts)
