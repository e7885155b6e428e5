"""Issue 16: the overview and unit pages a steering group can trust at a glance: filters are
followed or the element says it shows the whole region, part-periods are marked and compared
like for like, targets and status come from the catalogue, suppressed points are gaps, tiles say
what they count, the grain switch keeps the period, and the unit page shows most values."""

from __future__ import annotations

import base64
import json
import math

import numpy
import pandas as pd
import pytest

from dashboards.components import change, comparison, format_value
from tests.dashboards.conftest import mart, open_page

AS_OF = pd.Timestamp("2026-10-31")
FIRST_MONTH = pd.Timestamp("2024-11-01")


def charts(at) -> list[dict]:
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def chart_titled(at, words: str) -> dict:
    return next(c for c in charts(at) if words in c["layout"]["title"]["text"])


def tiles(at) -> dict:
    return {m.label: m for m in at.metric}


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def test_breakdown_and_sipkollen_tile_follow_the_filter_or_say_whole_region(serving_db) -> None:
    at = open_page("overview", grain="quarter", dim="municipality_code", value="0380")
    # The marts hold no cross-breakdowns: the breakdown says it shows the whole region, and its
    # reference line is the whole region's value.
    chart = chart_titled(at, " per Initierande huvudman")
    assert "hela regionen" in chart["layout"]["title"]["text"]
    period = at.selectbox(key="w_period_quarter").value
    region = mart(
        serving_db,
        "SELECT value FROM marts.kpi WHERE period_grain = 'quarter' AND period_start = ? "
        "AND dimension = 'all' AND kpi = 'days_need_to_meeting:p50'",
        [period],
    ).iloc[0, 0]
    assert chart["layout"]["shapes"][0]["x0"] == pytest.approx(region)
    # SIP-kollen is not broken down by municipality: its tile says so in its own label.
    assert "SIP-kollen, andel positiva svar – hela regionen" in tiles(at)
    # By age band (a SIP-kollen breakdown) the tile follows the filter.
    at = open_page("overview", grain="year", period="2025-01-01", dim="age_band", value="25-44")
    pooled = mart(
        serving_db,
        "SELECT sum(n_positive) / sum(n_applicable) AS share, bool_or(suppressed) AS hidden "
        "FROM marts.sipkollen WHERE period_grain = 'year' AND period_start = '2025-01-01' "
        "AND dimension = 'age_band' AND dimension_value = '25-44'",
    ).iloc[0]
    assert not pooled["hidden"]
    assert tiles(at)["SIP-kollen, andel positiva svar"].value == format_value(
        pooled["share"], False, "share"
    )


def test_an_incomplete_period_is_marked_and_compared_like_for_like(serving_db) -> None:
    at = open_page("overview", grain="quarter")
    assert at.selectbox(key="w_period_quarter").options[0] == "2026 K4 (t.o.m. 31 okt)"
    # 2026 K4 is October alone: compared with October 2025, not with the whole 2026 K3.
    octobers = mart(
        serving_db,
        "SELECT period_start, value FROM marts.kpi WHERE period_grain = 'month' "
        "AND dimension = 'all' AND kpi = 'active_plans' "
        "AND period_start IN ('2025-10-01', '2026-10-01') ORDER BY 1",
    )["value"].tolist()
    active = tiles(at)["Aktiva planer"]
    assert active.delta == change(octobers[1] - octobers[0], "count", "neither").text
    assert "samma period förra året (okt 2025)" in captions(at)
    # 2026 (January to October) has no like span published: no delta, and the tile says why.
    at = open_page("overview", grain="year")
    assert all(not m.delta for m in at.metric)
    assert "perioden är inte slut (jan–okt 2026" in captions(at)
    # The trend starts after the month the data begins in, and marks the part-period.
    trend = chart_titled(at, "per år")
    assert trend["data"][0]["x"] == ["2025", "2026 (t.o.m. 31 okt)"]


def test_comparisons_never_use_a_whole_period_or_the_ramp_up() -> None:
    october = comparison("quarter", "2026-10-01", AS_OF, FIRST_MONTH)
    assert (october.grain, october.earlier) == ("month", pd.Timestamp("2025-10-01"))
    assert isinstance(comparison("year", "2026-01-01", AS_OF, FIRST_MONTH), str)
    assert isinstance(
        comparison("month", "2026-10-01", pd.Timestamp("2026-10-15"), FIRST_MONTH), str
    )
    # The previous period of 2025 K1 is 2024 K4, when the data had only begun: no delta.
    assert isinstance(comparison("quarter", "2025-01-01", AS_OF, FIRST_MONTH), str)
    assert comparison("quarter", "2025-04-01", AS_OF, FIRST_MONTH).earlier == pd.Timestamp(
        "2025-01-01"
    )


def test_a_change_is_coloured_by_direction_and_zero_has_no_arrow() -> None:
    assert change(0.004, "share", "higher").arrow == "off"  # +0.4 points shows as 0
    assert change(0.004, "share", "higher").colour == "off"
    assert change(0.04, "rate", "neither").arrow == "off"  # 0,04 rounds to 0,0
    assert change(-3, "quantile", "lower").colour == "inverse"  # fewer days is better
    assert change(0.05, "share", "higher") == change(0.05, "share", "higher")
    assert change(0.05, "share", "higher").text == "+5 %-enheter"
    assert change(2, "count", "neither").colour == "off"


def test_tiles_carry_target_status_and_say_what_they_count(serving_db) -> None:
    at = open_page("overview", grain="quarter", period="2026-07-01")
    catalogue = mart(serving_db, "SELECT * FROM marts.kpi_catalogue").set_index("kpi")
    cell = mart(
        serving_db,
        "SELECT value, denominator FROM marts.kpi WHERE period_grain = 'quarter' "
        "AND period_start = '2026-07-01' AND dimension = 'all' "
        "AND kpi = 'meeting_within_target_share'",
    ).iloc[0]
    target = catalogue.loc["meeting_within_target_share", "target"]
    word = "Når målet" if cell["value"] >= target else "Når inte målet"
    badges = " ".join(m.value for m in at.markdown)
    assert f"{word} · mål {format_value(target, False, 'share')}" in badges
    # Definitions come from the catalogue, visible without hover, with the run's tolerance.
    text = captions(at)
    on_time = catalogue.loc["follow_up_on_time_share", "definition_sv"]
    assert on_time in text and "14 dagar" in on_time
    assert "alla 8 påståenden sammanslagna" in text
    assert f"underlag n = {int(cell['denominator'])}" in text
    glossary = next(e for e in at.expander if "ordlista" in e.label)
    words = " ".join(m.value for m in glossary.markdown)
    for term in ("Censurerade", "Skyddsgräns", "Periodlängd", "Värde"):
        assert f"**{term}**" in words


def test_trends_draw_suppressed_points_as_gaps_and_keep_the_target(serving_db) -> None:
    unit = mart(
        serving_db,
        "SELECT dimension_value FROM marts.kpi WHERE period_grain = 'month' "
        "AND dimension = 'age_band' AND kpi = 'meeting_within_target_share' "
        "AND period_start >= '2024-12-01' "
        "GROUP BY 1 HAVING bool_or(suppressed) AND bool_or(NOT suppressed) ORDER BY 1 LIMIT 1",
    ).iloc[0, 0]
    at = open_page("overview", dim="age_band", value=unit, trend="meeting_within_target_share")
    trend = chart_titled(at, "per månad")
    line, marks = trend["data"][0], trend["data"][1]
    assert marks["name"] == "Skyddad (för få)" and marks["yaxis"] == "y2"
    drawn = numpy.frombuffer(base64.b64decode(line["y"]["bdata"]), dtype=line["y"]["dtype"])
    values = dict(zip(line["x"], drawn, strict=True))
    assert marks["x"] and all(math.isnan(values[x]) for x in marks["x"])  # gaps, never 0
    target = [s for s in trend["layout"]["shapes"] if s.get("line", {}).get("dash") == "dash"]
    assert target and target[0]["y0"] == pytest.approx(80)
    # When a notice replaces a chart, the chart's title stays above it.
    first = mart(
        serving_db, "SELECT min(period_start)::VARCHAR FROM marts.kpi WHERE period_grain='month'"
    ).iloc[0, 0]
    at = open_page("overview", dim="age_band", value=unit, period=first)
    assert at.info
    assert any("Avvikelser per typ" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("path", "start", "expected"),
    [
        (("year", "month"), "2026-05-01", ("2026-01-01", "2026-05-01")),
        (("quarter", "month"), "2026-05-01", ("2026-04-01", "2026-05-01")),
        (("year", "quarter"), "2025-04-01", ("2025-01-01", "2025-04-01")),
    ],
)
def test_switching_grain_keeps_the_period_shown(serving_db, path, start, expected) -> None:
    coarse, fine = path
    at = open_page("overview", grain=fine, period=start)
    at.selectbox(key="w_grain").set_value(coarse).run()
    assert at.selectbox(key=f"w_period_{coarse}").value == expected[0]
    at.selectbox(key="w_grain").set_value(fine).run()
    assert at.selectbox(key=f"w_period_{fine}").value == expected[1]
    # From a fresh link on the coarse grain, the finer one lands inside it (the latest month).
    at = open_page("overview", grain=coarse, period=expected[0])
    at.selectbox(key="w_grain").set_value(fine).run()
    chosen = pd.Timestamp(at.selectbox(key=f"w_period_{fine}").value)
    assert chosen.year == pd.Timestamp(expected[0]).year


def test_unit_page_defaults_to_quarters_with_a_trend_and_typed_numbers(serving_db) -> None:
    # The unit with the most figures shown by quarter (the demo's 400 plans over 40 units leave
    # most unit cells below the threshold at any grain).
    unit = mart(
        serving_db,
        "SELECT dimension_value FROM marts.kpi WHERE dimension = 'initiating_unit' "
        "AND period_grain = 'quarter' AND kpi = 'needs_identified' GROUP BY 1 "
        "ORDER BY count(*) FILTER (WHERE NOT suppressed) DESC, 1 LIMIT 1",
    ).iloc[0, 0]
    at = open_page("unit", unit=unit)
    assert at.selectbox(key="w_grain").value == "quarter"
    compared = next(d.value for d in at.dataframe if "Nyckeltal" in d.value.columns)
    assert compared["Alla enheter"].dtype == "float64"  # numbers stay numbers for the export
    trend = next(c for c in charts(at) if "per kvartal" in c["layout"]["title"]["text"])
    assert [line["name"] for line in trend["data"][:2]] == ["Enheten", "Alla enheter"]
