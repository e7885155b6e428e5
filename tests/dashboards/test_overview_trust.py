"""Issue 16: the overview and unit pages a steering group can trust at a glance: filters are
followed or the element says it shows the whole region, part-periods are marked and compared
like for like, targets and status come from the catalogue, suppressed points are gaps, tiles say
what they count, the grain switch keeps the period, and the unit page shows most values."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest

from dashboards import exports
from dashboards.figures import format_value
from dashboards.formatting import period_label
from dashboards.i18n import kpi_label, t
from dashboards.views.overview import TILES
from tests.dashboards.conftest import chart_specs, drawn, mart, open_page

# Shown precision per kind (factor, decimals): a change that rounds to 0 there is no change.
PRECISION = {"share": (100, 0), "rate": (1, 1), "quantile": (1, 0), "count": (1, 0)}


def chart_titled(at, words: str) -> dict:
    return next(c for c in chart_specs(at) if words in c["layout"]["title"]["text"])


def tiles(at) -> dict:
    return {m.label: m for m in at.metric}


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def cell_pairs(serving_db, grain: str, now: str, before: str) -> pd.DataFrame:
    """The tiles' region-wide cells of two periods, side by side, with kind and direction."""
    return mart(
        serving_db,
        "SELECT k.kpi, c.kind, c.better, k.value - e.value AS difference FROM marts.kpi k "
        "JOIN marts.kpi e USING (period_grain, dimension, dimension_value, kpi) "
        "JOIN marts.kpi_catalogue c USING (kpi) WHERE k.period_grain = ? "
        "AND k.dimension = 'all' AND k.period_start = ? AND e.period_start = ? "
        "AND NOT k.suppressed AND NOT e.suppressed AND k.kpi IN ?",
        [grain, now, before, list(TILES)],
    )


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
    at = open_page("overview", grain="quarter", period="2026-10-01")
    assert at.selectbox(key="w_period_quarter").options[0] == "2026 K4 (t.o.m. 31 okt)"
    # 2026 K4 is October alone: compared with October 2025, not with the whole 2026 K3.
    octobers = mart(
        serving_db,
        "SELECT period_start, value FROM marts.kpi WHERE period_grain = 'month' "
        "AND dimension = 'all' AND kpi = 'active_plans' "
        "AND period_start IN ('2025-10-01', '2026-10-01') ORDER BY 1",
    )["value"].tolist()
    active = tiles(at)["Aktiva planer"]
    difference = octobers[1] - octobers[0]
    assert difference != 0
    assert active.delta == f"{difference:+,.0f}".replace(",", "\u00a0")
    assert "samma period förra året (okt 2025)" in captions(at)
    # 2026 (January to October) is no published span a year earlier: it is compared with the
    # same months of 2025, summed from their month cells (tests/dashboards/test_year_to_date.py).
    at = open_page("overview", grain="year", period="2026-01-01")
    assert "samma månader 2025 (jan–okt)" in captions(at)
    # The trend starts after the month the data begins in, and marks the part-period.
    trend = chart_titled(at, "per år")
    assert trend["data"][0]["x"] == ["2025", "2026 (t.o.m. 31 okt)"]


def test_a_change_is_never_against_the_ramp_up(serving_db) -> None:
    # The data begins in November 2024: 2025 K1's previous quarter (2024 K4) is its ramp-up.
    at = open_page("overview", grain="quarter", period="2025-01-01")
    assert all(not m.delta for m in at.metric)
    assert "perioden att jämföra med ligger i uppstarten" in captions(at)
    # 2025 K2 is compared with 2025 K1, the previous complete quarter.
    at = open_page("overview", grain="quarter", period="2025-04-01")
    pairs = cell_pairs(serving_db, "quarter", "2025-04-01", "2025-01-01").set_index("kpi")
    active = pairs.loc["active_plans", "difference"]
    assert tiles(at)["Aktiva planer"].delta == f"{active:+,.0f}".replace(",", "\u00a0")
    assert "Förändring jämfört med 2025 K1" in captions(at)


@pytest.mark.parametrize(
    ("grain", "now", "before", "unchanged"),
    [
        ("quarter", "2026-07-01", "2026-04-01", set()),  # fewer days (better), shares up
        ("month", "2026-01-01", "2025-12-01", {"days_need_to_meeting:p50"}),
        ("month", "2025-03-01", "2025-02-01", {"follow_up_booked_share"}),
    ],
)
def test_a_change_is_coloured_by_direction_and_zero_has_no_arrow(
    serving_db, grain, now, before, unchanged
) -> None:
    at = open_page("overview", grain=grain, period=now)
    shown = tiles(at)
    pairs = cell_pairs(serving_db, grain, now, before)
    assert len(pairs) >= 3
    rounds_to_zero = {
        k
        for k, kind, d in zip(pairs["kpi"], pairs["kind"], pairs["difference"], strict=True)
        if round(d * PRECISION[kind][0], PRECISION[kind][1]) == 0
    }
    assert unchanged <= rounds_to_zero  # the demo data hold the case this period stands for
    Metric = type(next(iter(shown.values())).proto)
    wrong = []  # (kpi, change, delta shown, arrow, colour) of every tile coloured wrongly
    for kpi, kind, better, difference in pairs.itertuples(index=False):
        tile = shown[kpi_label(kpi)]
        assert tile.delta, kpi
        factor, decimals = PRECISION[kind]
        rounded = round(difference * factor, decimals)
        if rounded == 0:  # "+0 %-enheter" with a green arrow told a story that is not there
            expected = (Metric.MetricDirection.NONE, Metric.MetricColor.GRAY)
        else:
            up = rounded > 0
            direction = Metric.MetricDirection.UP if up else Metric.MetricDirection.DOWN
            good = {"higher": up, "lower": not up}.get(better)
            colour = {True: "GREEN", False: "RED", None: "GRAY"}[good]
            expected = (direction, Metric.MetricColor.Value(colour))
        if (tile.proto.direction, tile.proto.color) != expected:
            wrong.append((kpi, difference, tile.delta, tile.proto.direction, tile.proto.color))
    assert not wrong


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
    for term in ("Censurerade", "Skyddsgräns", "Periodlängd", "Urval"):
        assert f"**{term}**" in words


def test_trends_draw_suppressed_points_as_gaps_and_keep_the_target(serving_db) -> None:
    # A group published by month (the publication plan) with shown and hidden months.
    dimension, unit = mart(
        serving_db,
        "SELECT dimension, dimension_value FROM marts.kpi WHERE period_grain = 'month' "
        "AND dimension <> 'all' AND kpi = 'meeting_within_target_share' "
        "AND period_start >= '2024-12-01' GROUP BY ALL "
        "HAVING bool_or(suppressed) AND bool_or(NOT suppressed) ORDER BY ALL LIMIT 1",
    ).iloc[0]
    at = open_page(
        "overview", grain="month", dim=dimension, value=unit, trend="meeting_within_target_share"
    )
    trend = next(c for c in chart_specs(at) if c["data"][0]["type"] == "scatter")
    hidden = mart(
        serving_db,
        "SELECT period_start FROM marts.kpi WHERE period_grain = 'month' AND suppressed "
        "AND dimension = ? AND dimension_value = ? "
        "AND kpi = 'meeting_within_target_share'",
        [dimension, unit],
    )["period_start"]
    hidden = {period_label("month", p) for p in hidden}
    # No trace draws a suppressed month on the value axis: the line has a gap there, and the
    # mark that says "Dold" sits on an axis of its own at the foot, not at 0 %.
    for trace in trend["data"]:
        on_value_axis = trace.get("yaxis", "y") == "y"
        for x, y in zip(trace["x"], drawn(trace["y"]), strict=True):
            assert not (on_value_axis and x in hidden) or math.isnan(y), (trace.get("name"), x, y)
    marks = next(
        tr for tr in trend["data"] if tr.get("name") == "Dold för att skydda enskilda personer"
    )
    assert hidden & set(marks["x"]) and set(marks["x"]) <= hidden
    target = [s for s in trend["layout"]["shapes"] if s.get("line", {}).get("dash") == "dash"]
    assert target and target[0]["y0"] == pytest.approx(80)
    # When a notice replaces a chart, the chart's title stays above it.
    first = mart(
        serving_db, "SELECT min(period_start)::VARCHAR FROM marts.kpi WHERE period_grain='month'"
    ).iloc[0, 0]
    at = open_page("overview", grain="month", dim=dimension, value=unit, period=first)
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


def unit_values_shown(at) -> int:
    """How many of the unit's own figures the comparison table shows (not suppressed, not –)."""
    tables = [d.value for d in at.dataframe if "Enheten" in d.value.columns]
    if not tables:  # every figure of the unit suppressed: a notice instead of the table
        return 0
    return sum(1 for v in tables[0]["Enheten"] if pd.notna(v) and v not in ("–", "Dold"))


def test_unit_page_opens_where_most_values_show_with_a_trend_and_typed_numbers(
    serving_db, monkeypatch
) -> None:
    # The demo's 400 plans over about 40 units leave most unit cells below the threshold; the
    # units with most figures shown by month are where month grain does best.
    units = mart(
        serving_db,
        "SELECT dimension_value FROM marts.kpi WHERE dimension = 'initiating_unit' "
        "AND period_grain = 'month' AND period_start = '2026-10-01' GROUP BY 1 "
        "ORDER BY count(*) FILTER (WHERE NOT suppressed) DESC, 1 LIMIT 3",
    )["dimension_value"]
    by_default = by_month = 0
    for unit in units:
        at = open_page("unit", unit=unit)
        by_default += unit_values_shown(at)
        by_month += unit_values_shown(open_page("unit", unit=unit, grain="month"))
    assert by_default > by_month  # the grain a page opens on is not the one that hides most
    exported = {}
    real_export = exports.export

    def export(frame, name, **source):
        exported[name] = frame
        return real_export(frame, name, **source)

    monkeypatch.setattr(exports, "export", export)
    at = open_page("unit", unit=units[0])
    compared = next(d.value for d in at.dataframe if "Nyckeltal" in d.value.columns)
    # On screen the grid writes what Swedish writes ("70,8", "–"), never "None" or "70.8" ...
    cells = [str(v) for v in compared[["Enheten", "Alla enheter"]].to_numpy().ravel()]
    assert not [c for c in cells if c in ("None", "nan") or re.fullmatch(r"\d+\.\d+", c)]
    assert any("," in c for c in cells)
    # ... while the export keeps numbers as numbers.
    assert exported[f"enhet_{units[0]}"]["Alla enheter"].dtype == "float64"
    grain = t(f"grain.{at.selectbox(key='w_grain').value}").lower()
    trend = next(c for c in chart_specs(at) if f"per {grain}" in c["layout"]["title"]["text"])
    assert trend["data"][0]["name"] == "Enheten"


def test_the_unit_trend_title_writes_the_unit_name_as_given(serving_db) -> None:
    # A chart title is Plotly text, not Markdown: "LSS-Väst" must not read "LSS\-Väst".
    unit = mart(
        serving_db,
        "SELECT min(dimension_value) FROM marts.kpi WHERE dimension = 'initiating_unit' "
        "AND dimension_value LIKE '%-%'",
    ).iloc[0, 0]
    at = open_page("unit", unit=unit)
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert titles and all("\\" not in title for title in titles), titles
    assert any(unit in title.replace("<br>", "") for title in titles), titles


def test_the_waiting_curve_starts_with_everyone_waiting(serving_db) -> None:
    # The mart's first step is the first day with enough meetings; the chart starts at day 0.
    first = mart(
        serving_db,
        "SELECT min(day) FROM marts.time_to_meeting_survival WHERE dimension = 'all'",
    ).iloc[0, 0]
    assert first > 0
    at = open_page("overview")
    curve = next(c for c in chart_specs(at) if "väntar" in c["layout"]["title"]["text"].lower())
    line = curve["data"][0]
    assert (drawn(line["x"])[0], drawn(line["y"])[0]) == (0, 100)
