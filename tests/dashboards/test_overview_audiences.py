"""Issue 26: the overview and unit pages open where the figures can answer, say honestly why a
value is hidden, never contradict a status with its number, and compare like with like; the
page, its PDF and its downloads draw one view-model."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from dashboards import exports
from dashboards.data import run_info
from dashboards.figures import decimals_against, format_value
from dashboards.i18n import kpi_label
from dashboards.report import overview_report
from dashboards.views.overview import overview
from dashboards.views.unit import COMPARED
from tests.dashboards.conftest import (
    chart_specs,
    chart_tables,
    drawn,
    is_markdown_table,
    mart,
    open_page,
)

HIDDEN_WHY = "dold för att skydda enskilda personer"
# How earlier versions explained a hidden value: as small groups only, which is false for
# values hidden as complements (SPEC §5).
SMALL_ONLY = re.compile(r"för få|för små|too few|too small", re.IGNORECASE)


def _texts(at) -> list[str]:
    """Everything a reader sees on the page, as text: headings, notes, tiles, badges, tables,
    chart titles, legends, annotations and tick labels."""
    texts = [
        e.value
        for kind in ("title", "subheader", "markdown", "caption", "info")
        for e in at.get(kind)
        if not is_markdown_table(e.value)
    ]
    texts += [f"{m.label} {m.value} {m.delta or ''}" for m in at.metric]
    texts += [e.label for e in at.expander]
    for frame in [*(d.value for d in at.dataframe), *chart_tables(at)]:
        texts += [str(c) for c in frame.columns]
        texts += [str(v) for v in frame.to_numpy().ravel()]
    for spec in chart_specs(at):
        texts.append(str(spec["layout"].get("title", {}).get("text", "")))
        texts += [str(trace.get("name", "")) for trace in spec["data"]]
        texts += [str(trace.get("text", "")) for trace in spec["data"]]
        texts += [str(a.get("text", "")) for a in spec["layout"].get("annotations", [])]
    return texts


def tiles_of(at) -> dict:
    return {m.label: m for m in at.metric}


def _captions(at) -> list[str]:
    return [c.value for c in at.caption]


def _chart(at, fragment: str) -> dict:
    return next(
        s for s in chart_specs(at) if fragment in s["layout"].get("title", {}).get("text", "")
    )


# --- point 1: open where the figures can answer --------------------------------------------------
def test_the_overview_opens_on_the_latest_complete_year(serving_db) -> None:
    at = open_page("overview")
    year = mart(
        serving_db,
        "SELECT max(period_start)::DATE::VARCHAR FROM marts.kpi "
        "WHERE period_grain = 'year' AND period_complete",
    ).iloc[0, 0]
    assert at.selectbox(key="w_grain").value == "year"
    assert at.selectbox(key="w_period_year").value == year
    # Any grain chosen opens on its latest complete period, not on a part-period.
    at = open_page("overview", grain="quarter")
    quarter = mart(
        serving_db,
        "SELECT max(period_start)::DATE::VARCHAR FROM marts.kpi "
        "WHERE period_grain = 'quarter' AND period_complete",
    ).iloc[0, 0]
    assert at.selectbox(key="w_period_quarter").value == quarter
    # The part-period is still there to choose, and says so.
    assert "(t.o.m. 31 okt)" in at.selectbox(key="w_period_quarter").options[0]


@pytest.fixture
def own_serving(serving_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the published files that a test may change (a publication plan, say)."""
    current = tmp_path / "warehouse" / "published" / "current"
    current.mkdir(parents=True)
    for name in ("serving.duckdb", "restricted.duckdb"):
        shutil.copy(serving_db.parent / name, current / name)
    monkeypatch.setenv("SIP_WAREHOUSE", str(tmp_path / "warehouse" / "sip.duckdb"))
    return current / "serving.duckdb"


def test_a_breakdown_not_published_at_the_grain_is_offered_at_its_own(own_serving) -> None:
    with duckdb.connect(str(own_serving)) as con:
        con.execute(
            "CREATE OR REPLACE TABLE marts.publication_plan AS "
            "SELECT kpi, d.dimension, CASE WHEN d.dimension = 'initiating_unit' "
            "THEN ['year'] ELSE ['month', 'quarter', 'year'] END AS grains "
            "FROM marts.kpi_catalogue, (SELECT DISTINCT dimension FROM marts.kpi) d"
        )
    at = open_page(
        "overview",
        grain="quarter",
        period="2026-07-01",
        trend="meeting_within_target_share",
        by="initiating_unit",
    )
    assert "Enhet publiceras per år" in _captions(at)
    # The breakdown's title (on its chart, or above the notice when every bar is hidden).
    assert [x for x in _texts(at) if "per Enhet, 2026 (t.o.m. 31 okt)" in x.replace("\\", "")]
    # A breakdown published at the grain says nothing of it.
    at = open_page("overview", grain="quarter", trend="meeting_within_target_share", by="age_band")
    assert not [c for c in _captions(at) if "publiceras per" in c]


def test_without_a_publication_plan_the_grains_with_rows_are_the_plan(own_serving) -> None:
    # An older serving file has no plan: a breakdown without month rows is shown by quarter.
    with duckdb.connect(str(own_serving)) as con:
        con.execute("DROP TABLE IF EXISTS marts.publication_plan")
        con.execute(
            "DELETE FROM marts.kpi WHERE period_grain = 'month' AND dimension = 'age_band' "
            "AND kpi = 'meeting_within_target_share'"
        )
    at = open_page(
        "overview",
        grain="month",
        period="2026-08-01",
        trend="meeting_within_target_share",
        by="age_band",
    )
    assert "Åldersgrupp publiceras per kvartal och år" in _captions(at)
    assert "2026 K3" in _chart(at, "per Åldersgrupp")["layout"]["title"]["text"]


# --- point 2: one neutral wording for every hidden value ---------------------------------------
def test_hidden_values_have_one_neutral_wording_on_pages_and_in_exports(
    serving_db, monkeypatch
) -> None:
    exported: list[exports.Export] = []
    real_export = exports.export

    def export(frame, name, **source):
        exported.append(real_export(frame, name, **source))
        return exported[-1]

    monkeypatch.setattr(exports, "export", export)
    unit = mart(
        serving_db,
        "SELECT dimension_value FROM marts.kpi WHERE dimension = 'initiating_unit' AND suppressed "
        "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    ).iloc[0, 0]
    pages = [
        open_page("overview", grain="month", dim="initiating_unit", value=unit),
        open_page("overview", grain="month", by="initiating_unit", trend="active_plans"),
        open_page("unit", unit=unit, grain="month"),
        open_page("sipkollen", grain="quarter", dim="respondent", value="relative"),
    ]
    shown = [x for at in pages for x in _texts(at)]
    assert not [x for x in shown if SMALL_ONLY.search(x)]
    assert "Dold" in shown and any(HIDDEN_WHY in x.lower() for x in shown)
    glossary = open_page("overview").expander[0]
    assert HIDDEN_WHY in " ".join(m.value for m in glossary.markdown).lower()
    # Downloads carry the same words, and no column tells why a cell is hidden.
    assert exported
    for table in exported:
        cells = [*table.header, *map(str, table.frame.columns)]
        cells += [str(v) for v in table.frame.to_numpy().ravel()]
        assert not [c for c in cells if SMALL_ONLY.search(c)]
        assert not [c for c in table.frame.columns if re.search("orsak|reason|komplement", c, re.I)]
    # Nor does any published table (SPEC §5).
    columns = mart(
        serving_db,
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'marts'",
    )
    assert not columns[columns["column_name"].str.contains("reason|complement|primary")].size


# --- point 3: a status never contradicts its number --------------------------------------------
@pytest.mark.parametrize(
    ("value", "target", "better", "shown"),
    [
        (0.7994, 0.8, "higher", "79,9"),  # just misses: never "80 %"
        (0.79951, 0.8, "higher", "79,95"),
        (0.896, 0.9, "higher", "89,6"),
        (0.8, 0.8, "higher", "80"),
        (30.4, 30, "lower", "30,4"),  # days: 30 d would read as meeting a target of 30
        (0.0004, 0.0, "lower", "0,04"),
    ],
)
def test_the_shown_precision_agrees_with_the_status(value, target, better, shown) -> None:
    kind = "quantile" if target == 30 else "share"
    figure = format_value(value, False, kind, decimals_against(value, target, kind, better))
    assert figure.split()[0] == shown


def _number(text: str) -> float:
    return float(
        re.search(r"-?[\d\u00a0]+(?:,\d+)?", text).group().replace("\u00a0", "").replace(",", ".")
    )


@pytest.mark.parametrize(("grain", "period"), [("quarter", "2026-07-01"), ("year", "2025-01-01")])
def test_no_tile_reads_as_meeting_a_target_it_misses(serving_db, grain, period) -> None:
    at = open_page("overview", grain=grain, period=period)
    catalogue = mart(serving_db, "SELECT kpi, better FROM marts.kpi_catalogue").set_index("kpi")
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    # Tiles with a target, in page order; each one shown has its badge, in the same order.
    labels = {
        "Dagar från behov till första mötet (median)": "days_need_to_meeting:p50",
        "Andel möten inom målvärdet": "meeting_within_target_share",
        "Andel med bokad uppföljning": "follow_up_booked_share",
        "Andel uppföljningar i tid": "follow_up_on_time_share",
    }
    targeted = [m for m in at.metric if m.label in labels and not m.value.startswith(("Dold", "–"))]
    assert len(targeted) == len(badges) >= 3
    for metric, badge in zip(targeted, badges, strict=True):
        better = catalogue.loc[labels[metric.label], "better"]
        figure, target = _number(metric.value), _number(badge.rsplit("mål", 1)[1])
        meets = figure <= target if better == "lower" else figure >= target
        assert ("Når målet" in badge) == meets, (metric.label, metric.value, badge)
    # The PDF prints the same figures.
    view = overview(
        run_info(), grain, pd.Timestamp(period), "all", "all", "needs_identified", "age_band"
    )
    report = overview_report(view)
    on_page = {m.label: m.value for m in at.metric}
    for tile in report.tiles[:-1]:
        assert on_page[tile.label] == tile.value


# --- point 5: changes promised are shown; one line per page -----------------------------------
def test_what_the_changes_compare_is_said_once_per_page(serving_db) -> None:
    at = open_page("overview", grain="quarter", period="2026-07-01")
    said = [c for c in _captions(at) if "jämfört med" in c]
    assert len(said) == 1 and "2026 K2" in said[0]
    assert any(m.delta for m in at.metric)
    # A municipality is published per year only: no month cells to sum for 2026 to date.
    at = open_page(
        "overview", grain="year", period="2026-01-01", dim="municipality_code", value="0380"
    )
    said = [c for c in _captions(at) if "ingen förändring" in c.lower()]
    assert len(said) == 1
    assert not any(m.delta for m in at.metric)
    # A figure published only for the period that holds the as-of date (overdue follow-ups
    # are counted on that day) says so in a complete year, instead of a bare "–".
    at = open_page("overview", grain="year", period="2025-01-01")
    assert tiles_of(at)["Försenade uppföljningar"].value == "–"
    assert "inget värde publicerat för perioden" in _captions(at)


# --- point 6: "Urval" narrows the page; breakdowns are in the breakdown chart ---------------------
def test_the_selection_is_named_for_what_it_does(serving_db) -> None:
    at = open_page("overview")
    labels = [s.label for s in at.sidebar.selectbox]
    assert "Urval" in labels and "Uppdelning" not in labels and "Värde" not in labels
    selection = at.selectbox(key="w_dim")
    assert selection.format_func("all") == "Hela regionen"
    selection.set_value("municipality_code").run()
    assert "Kommun" in [s.label for s in at.sidebar.selectbox]
    assert "Dela upp efter" in [s.label for s in at.selectbox]


# --- point 7: a funnel plot for shares by unit or municipality --------------------------------
def test_shares_by_municipality_get_a_funnel_plot_with_control_limits(serving_db) -> None:
    at = open_page(
        "overview",
        grain="year",
        period="2025-01-01",
        trend="meeting_within_target_share",
        by="municipality_code",
    )
    funnel = _chart(at, "trattdiagram")
    cells = mart(
        serving_db,
        "SELECT dimension, denominator, value, suppressed FROM marts.kpi "
        "WHERE period_grain = 'year' AND period_start = '2025-01-01' "
        "AND kpi = 'meeting_within_target_share' "
        "AND dimension IN ('all', 'municipality_code')",
    )
    region = cells[cells["dimension"] == "all"]["value"].iloc[0]
    groups = cells[(cells["dimension"] == "municipality_code") & ~cells["suppressed"]]
    # The lower limit carries the legend entry; the upper one has the same name.
    traces = {t.get("name"): t for t in funnel["data"] if t.get("showlegend", True)}
    line = next(v for k, v in traces.items() if k.startswith("hela regionen"))
    assert drawn(line["y"]) == pytest.approx([region * 100] * 2)
    for name, z in (("95 % kontrollgräns", 1.959964), ("99,8 % kontrollgräns", 3.090232)):
        low = traces[name]
        n = drawn(low["x"])
        expected = np.clip(region - z * np.sqrt(region * (1 - region) / n), 0, 1) * 100
        assert drawn(low["y"]) == pytest.approx(expected)
    points = [t for t in funnel["data"] if t.get("mode") == "markers"]
    xs = sorted(x for t in points for x in drawn(t["x"]))
    assert xs == sorted(groups["denominator"].astype(float))
    assert funnel["layout"]["xaxis"]["type"] == "log"
    # Its table alternative, with each group's verdict.
    table = next(t for t in chart_tables(at) if "Jämfört med hela regionen" in t.columns)
    assert len(table) == len(groups)
    # A count by municipality, or a share by age band, is no funnel.
    at = open_page("overview", grain="year", trend="meeting_within_target_share", by="age_band")
    assert not [s for s in chart_specs(at) if "trattdiagram" in s["layout"]["title"]["text"]]


# --- point 8: the unit page opens on its own default and compares like with like ----------------
def test_opening_the_unit_page_from_the_overview_starts_on_its_own_default(serving_db) -> None:
    at = open_page("overview", grain="month")
    assert at.selectbox(key="w_grain").value == "month"
    at.switch_page("pages/unit.py")
    at.run()
    assert not at.exception
    assert at.selectbox(key="w_grain").value == "year"


def test_a_unit_count_is_not_drawn_against_the_sum_of_all_units(serving_db) -> None:
    def unit_with(kpi: str) -> str:
        return mart(
            serving_db,
            "SELECT dimension_value FROM marts.kpi WHERE dimension = 'initiating_unit' "
            "AND kpi = ? AND NOT suppressed AND period_grain = 'year' "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            [kpi],
        ).iloc[0, 0]

    at = open_page("unit", unit=unit_with("needs_identified"), trend="needs_identified")
    trend = _chart(at, "Uppmärksammade behov per år")
    names = [t.get("name", "") for t in trend["data"]]
    assert "Alla enheter" not in names and "Enheten" in names
    # Shares and days still compare the unit with all units on one axis.
    unit, kpi = mart(
        serving_db,
        "SELECT dimension_value, kpi FROM marts.kpi WHERE dimension = 'initiating_unit' "
        "AND kind IN ('share', 'quantile') AND kpi IN ? AND NOT suppressed "
        "AND period_grain = 'year' ORDER BY ALL LIMIT 1",
        [list(COMPARED)],
    ).iloc[0]
    at = open_page("unit", unit=unit, trend=kpi)
    names = [t.get("name", "") for t in _chart(at, kpi_label(kpi))["data"]]
    assert "Enheten" in names and "Alla enheter" in names


def test_a_part_year_is_drawn_apart_from_whole_years(serving_db) -> None:
    unit = mart(
        serving_db,
        "SELECT dimension_value FROM marts.kpi WHERE dimension = 'initiating_unit' "
        "AND kpi = 'needs_identified' AND NOT suppressed AND period_grain = 'year' "
        "GROUP BY 1 HAVING count(*) = 2 ORDER BY 1 LIMIT 1",
    ).iloc[0, 0]
    at = open_page("unit", unit=unit, trend="needs_identified")
    trend = _chart(at, "Uppmärksammade behov per år")
    whole = next(t for t in trend["data"] if t.get("name") == "Enheten")
    part = next(t for t in trend["data"] if "perioden är inte slut" in t.get("name", ""))
    values = dict(zip(whole["x"], drawn(whole["y"]), strict=True))
    assert np.isnan(values["2026 (t.o.m. 31 okt)"]) and not np.isnan(values["2025"])
    assert part["x"][-1] == "2026 (t.o.m. 31 okt)" and part["line"]["dash"] == "dot"


def test_the_unit_page_says_which_figures_the_plan_publishes_for_units_elsewhere(
    serving_db,
) -> None:
    """Issue 23: a KPI the publication plan does not publish for units at the chosen grain has
    no unit figure, and the page says at which grains it is published (or that it is not), in
    one line, instead of an empty cell that reads like a hidden one."""
    plan = mart(
        serving_db,
        "SELECT kpi, grains FROM marts.publication_plan WHERE dimension = 'initiating_unit' "
        "AND kpi IN ? AND NOT list_contains(grains, 'month')",
        [list(COMPARED)],
    )
    assert len(plan), "the test region publishes every compared KPI for units by month"
    unit = mart(
        serving_db,
        "SELECT min(dimension_value) FROM marts.kpi WHERE dimension = 'initiating_unit'",
    ).iloc[0, 0]
    at = open_page("unit", unit=unit, grain="month")
    [note] = [c.value for c in at.caption if c.value.startswith("Publiceras för enheter")]
    for kpi, grains in plan.itertuples(index=False):
        said = f"per {' och '.join(GRAIN_WORDS[g] for g in grains)}" if len(grains) else "inte alls"
        assert f"{kpi_label(kpi)} {said}" in note
    table = next(df.value for df in at.dataframe if "Enheten" in df.value.columns)
    for kpi in plan["kpi"]:  # no unit figure, and not called hidden
        [row] = table[table["Nyckeltal"] == kpi_label(kpi)].to_dict("records")
        assert pd.isna(row["Enheten"]) or row["Enheten"] == "–"
        assert "Enheten" not in row["Dold"]
    # At a grain where everything compared is published for units, no such line.
    at = open_page("unit", unit=unit, grain="year")
    everywhere = mart(
        serving_db,
        "SELECT bool_and(list_contains(grains, 'year')) FROM marts.publication_plan "
        "WHERE dimension = 'initiating_unit' AND kpi IN ?",
        [list(COMPARED)],
    ).iloc[0, 0]
    captions = [c.value for c in at.caption if c.value.startswith("Publiceras för enheter")]
    assert (captions == []) == bool(everywhere)


GRAIN_WORDS = {"month": "månad", "quarter": "kvartal", "year": "år"}
