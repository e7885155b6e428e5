"""Every page under Streamlit's AppTest: renders, filters, shows the published figures, explains
empty and suppressed selections, and speaks Swedish and English."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dashboards.figures import format_value
from dashboards.i18n import kpi_label
from tests.dashboards.conftest import mart, open_page

CATALOGUES = Path(__file__).resolve().parents[2] / "dashboards" / "i18n"


def _keys(node: object, prefix: str = "") -> set[str]:
    if isinstance(node, dict):
        return set().union(*(_keys(v, f"{prefix}.{k}" if prefix else k) for k, v in node.items()))
    return {prefix}


def test_swedish_and_english_catalogues_have_the_same_keys() -> None:
    sv = _keys(yaml.safe_load((CATALOGUES / "sv.yaml").read_text(encoding="utf-8")))
    en = _keys(yaml.safe_load((CATALOGUES / "en.yaml").read_text(encoding="utf-8")))
    assert sv == en


def test_pages_say_so_when_nothing_is_published(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SIP_WAREHOUSE", str(tmp_path / "none" / "sip.duckdb"))
    monkeypatch.delenv("SIP_PUBLISH_DIR", raising=False)
    for page in ("overview", "sipkollen", "unit", "steward"):
        at = open_page(page)
        assert any("Ingen publicerad data" in w.value for w in at.warning)


def test_overview_tiles_show_the_published_values(serving_db) -> None:
    at = open_page("overview", grain="month")
    assert at.title[0].value == "Översikt för ledningen"
    period = at.selectbox(key="w_period_month").value
    published = mart(
        serving_db,
        "SELECT kpi, value, suppressed, kind FROM marts.kpi WHERE period_grain = 'month' "
        "AND period_start = ? AND dimension = 'all' AND kpi IN ('active_plans', "
        "'follow_up_booked_share')",
        [period],
    ).set_index("kpi")
    metrics = {m.label: m.value for m in at.metric}
    assert published["kind"].to_dict() == {
        "active_plans": "count",
        "follow_up_booked_share": "share",
    }
    for kpi, label in (
        ("active_plans", "Aktiva planer"),
        ("follow_up_booked_share", "Andel med bokad uppföljning"),
    ):
        row = published.loc[kpi]
        assert metrics[label] == format_value(row["value"], bool(row["suppressed"]), row["kind"])


@pytest.mark.parametrize(
    ("key", "choice"),
    [
        ("w_grain", "quarter"),
        ("w_grain", "year"),
        ("w_trend", "needs_identified"),
        ("w_by", "age_band"),
        ("w_dim", "target_group"),
    ],
)
def test_overview_filters(serving_db, key: str, choice: str) -> None:
    at = open_page("overview")
    at.selectbox(key=key).set_value(choice).run()
    assert not at.exception
    assert (
        at.query_params[key.removeprefix("w_")] == [choice]
        or at.query_params[key.removeprefix("w_")] == choice
    )


def test_a_small_selection_is_explained_not_blank(serving_db) -> None:
    # One unit in one month: the breakdowns are fully suppressed or empty, and the page says so.
    unit = mart(
        serving_db,
        "SELECT dimension_value FROM marts.kpi WHERE dimension = 'initiating_unit' "
        "AND dimension_value <> 'unknown' ORDER BY 1 LIMIT 1",
    ).iloc[0, 0]
    first_month = mart(
        serving_db, "SELECT min(period_start)::VARCHAR FROM marts.kpi WHERE period_grain='month'"
    ).iloc[0, 0]
    at = open_page("overview", grain="month", dim="initiating_unit", value=unit, period=first_month)
    texts = " ".join(i.value for i in at.info)
    assert "dolda för att skydda enskilda personer" in texts or "inga uppgifter" in texts
    # A tile whose published cell is suppressed says so instead of showing a number.
    suppressed = set(
        mart(
            serving_db,
            "SELECT kpi FROM marts.kpi WHERE period_grain = 'month' AND period_start = ? "
            "AND dimension = 'initiating_unit' AND dimension_value = ? AND suppressed",
            [first_month, unit],
        )["kpi"]
    )
    shown = {m.label: m.value for m in at.metric}
    tiles = suppressed & {"active_plans", "follow_up_booked_share", "meeting_within_target_share"}
    assert tiles
    for kpi in tiles:
        assert shown[kpi_label(kpi)] == format_value(None, True, "count")


def test_sipkollen_sentences_match_the_mart(serving_db) -> None:
    at = open_page("sipkollen")
    period = at.selectbox(key="w_period_quarter").value
    published = mart(
        serving_db,
        "SELECT question_id, share_positive, suppressed FROM marts.sipkollen "
        "WHERE period_grain = 'quarter' AND period_start = ? AND dimension = 'all' "
        "ORDER BY question_id",
        [period],
    )
    page_text = " ".join(m.value for m in at.markdown)
    for row in published.itertuples():
        if row.suppressed:
            assert "Dold för att skydda enskilda personer" in page_text
        else:
            assert f"{round(row.share_positive * 10)} av 10 svarade Ja" in page_text


def test_changing_the_grain_shows_a_period_of_that_grain(serving_db) -> None:
    at = open_page("sipkollen")
    at.selectbox(key="w_grain").set_value("year").run()
    year = at.selectbox(key="w_period_year").value
    assert year.endswith("-01-01")
    assert "av 10 svarade Ja" in " ".join(m.value for m in at.markdown)


def test_sipkollen_filters_and_presentation_mode(serving_db) -> None:
    at = open_page("sipkollen")
    at.selectbox(key="w_grain").set_value("year").run()
    at.selectbox(key="w_dim").set_value("respondent").run()
    assert not at.exception
    presenting = open_page("sipkollen", present="1")
    # The selectors stay in the sidebar, which presentation mode hides (see the browser test).
    assert any("[data-testid='stSidebar']" in h.proto.body for h in presenting.get("html"))
    assert any("Lämna presentationsläget" in b.label for b in presenting.button)


def test_sipkollen_is_never_broken_down_by_unit(serving_db) -> None:
    at = open_page("sipkollen")
    assert "initiating_unit" not in at.selectbox(key="w_dim").options


def test_unit_view_lists_its_overdue_follow_ups(restricted_db) -> None:
    overdue = mart(
        restricted_db,
        "SELECT initiating_unit, count(*) AS n FROM marts.overdue_follow_ups GROUP BY 1 "
        "ORDER BY 2 DESC LIMIT 1",
    )
    unit, expected = overdue.iloc[0]["initiating_unit"], int(overdue.iloc[0]["n"])
    at = open_page("unit", unit=unit)
    tables = [df.value for df in at.dataframe]
    listed = [t for t in tables if "SIP-id" in t.columns]
    assert len(listed) == 1 and len(listed[0]) == expected
    at.selectbox(key="w_grain").set_value("quarter").run()
    assert not at.exception


def test_leadership_pages_show_no_row_level_ids(serving_db) -> None:
    at = open_page("overview")
    for frame in (df.value for df in at.dataframe):
        assert not frame.astype(str).apply(lambda c: c.str.contains("SIP-0")).any().any()


def test_steward_page(restricted_db) -> None:
    at = open_page("steward")
    deliveries = mart(restricted_db, "SELECT count(*) FROM marts.data_quality").iloc[0, 0]
    assert len(at.dataframe[0].value) == deliveries
    at.selectbox(key="w_entity").set_value("sipkollen").run()
    assert not at.exception
    assert any("sipkollen" in e.label for e in at.expander)


def test_english(serving_db) -> None:
    at = open_page("overview", lang="en")
    assert at.title[0].value == "Leadership overview"
    assert "Active plans" in {m.label for m in at.metric}


def test_overview_when_the_quarter_has_no_sipkollen_answers(tmp_path, monkeypatch) -> None:
    # Plans but no SIP-kollen answer yet: the SIP-kollen tile says so instead of crashing.
    from data_contracts.settings import Settings
    from tests.conftest import run_pipeline
    from tests.test_ingest import PLAN_HEADER, plan_row, write

    landing = tmp_path / "landing"
    rows = [plan_row(f"SIP-{i}", "given") for i in range(12)]
    write(landing / "sip_plans" / "2026-01.csv", PLAN_HEADER, *rows)
    settings = Settings(landing_dir=landing, warehouse=tmp_path / "warehouse" / "sip.duckdb")
    assert run_pipeline(settings).success
    monkeypatch.setenv("SIP_WAREHOUSE", str(settings.warehouse))
    monkeypatch.delenv("SIP_PUBLISH_DIR", raising=False)
    at = open_page("overview")
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Aktiva planer"] == "12"
    assert tiles["SIP-kollen, andel positiva svar"] == "–"
