"""The whole pipeline, materialised for real on generated demo data."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
from dagster import AssetCheckSeverity

from data_contracts.published import ROW_LEVEL_MARTS
from tests.conftest import PipelineRun, run_pipeline

SPEC_MART_COLUMNS = {
    "kpi": [
        ("period_grain", "VARCHAR"),
        ("period_start", "DATE"),
        ("dimension", "VARCHAR"),
        ("dimension_value", "VARCHAR"),
        ("kpi", "VARCHAR"),
        ("numerator", "BIGINT"),
        ("denominator", "BIGINT"),
        ("value", "DOUBLE"),
        ("suppressed", "BOOLEAN"),
        ("kind", "VARCHAR"),
        ("period_complete", "BOOLEAN"),
    ],
    "kpi_catalogue": [
        ("kpi", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("name_sv", "VARCHAR"),
        ("name_en", "VARCHAR"),
        ("definition_sv", "VARCHAR"),
        ("definition_en", "VARCHAR"),
        ("unit", "VARCHAR"),
        ("better", "VARCHAR"),
        ("target", "DOUBLE"),
    ],
    "sipkollen": [
        ("period_grain", "VARCHAR"),
        ("period_start", "DATE"),
        ("question_id", "VARCHAR"),
        ("dimension", "VARCHAR"),
        ("dimension_value", "VARCHAR"),
        ("n_applicable", "BIGINT"),
        ("n_positive", "BIGINT"),
        ("share_positive", "DOUBLE"),
        ("ci_low", "DOUBLE"),
        ("ci_high", "DOUBLE"),
        ("suppressed", "BOOLEAN"),
    ],
    "overdue_follow_ups": [
        ("sip_id", "VARCHAR"),
        ("initiating_unit", "VARCHAR"),
        ("meeting_id", "VARCHAR"),
        ("planned_date", "DATE"),
        ("days_overdue", "INTEGER"),
    ],
    "time_to_meeting_survival": [
        ("dimension", "VARCHAR"),
        ("dimension_value", "VARCHAR"),
        ("day", "INTEGER"),
        ("at_risk", "BIGINT"),
        ("events", "BIGINT"),
        ("survival", "DOUBLE"),
    ],
    "data_quality": [
        ("entity", "VARCHAR"),
        ("file", "VARCHAR"),
        ("rows_read", "BIGINT"),
        ("rows_accepted", "BIGINT"),
        ("rows_quarantined", "BIGINT"),
        ("contract_version", "VARCHAR"),
        ("loaded_at", "TIMESTAMP"),
    ],
}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()


def test_every_asset_and_blocking_check_succeeds(demo_pipeline: PipelineRun) -> None:
    evaluations = demo_pipeline.result.get_asset_check_evaluations()
    assert evaluations, "the asset checks ran"
    failed_errors = [
        e.check_name for e in evaluations if not e.passed and e.severity == AssetCheckSeverity.ERROR
    ]
    assert failed_errors == []


def test_published_marts_have_the_spec_schema(demo_pipeline: PipelineRun) -> None:
    settings = demo_pipeline.settings
    for table, expected in SPEC_MART_COLUMNS.items():
        # Row-level marts are published to the restricted serving file only (SPEC §7).
        path = (
            settings.restricted_serving_path if table in ROW_LEVEL_MARTS else settings.serving_path
        )
        with duckdb.connect(str(path), read_only=True) as con:
            # SPEC §6 columns first, in order; a mart may carry extra columns after them.
            assert _columns(con, table)[: len(expected)] == expected, table


def test_needs_identified_matches_the_model(demo_pipeline: PipelineRun) -> None:
    with duckdb.connect(str(demo_pipeline.settings.warehouse), read_only=True) as con:
        plans = con.execute("SELECT need_identified_date FROM model.sip_plans").df()
        as_of = con.execute("SELECT as_of FROM model.run_params").fetchone()[0]
    with duckdb.connect(str(demo_pipeline.settings.serving_path), read_only=True) as con:
        published = con.execute(
            "SELECT period_start, numerator FROM marts.kpi WHERE kpi = 'needs_identified' "
            "AND period_grain = 'month' AND dimension = 'all' AND NOT suppressed"
        ).df()
    needs = pd.to_datetime(plans["need_identified_date"])
    needs = needs[needs <= pd.Timestamp(as_of)]
    expected = needs.dt.to_period("M").value_counts()
    assert len(published) > 6
    for row in published.itertuples():
        assert row.numerator == expected.get(pd.Timestamp(row.period_start).to_period("M"), 0)


def test_first_kpis_and_sipkollen_are_published(demo_pipeline: PipelineRun) -> None:
    with duckdb.connect(str(demo_pipeline.settings.serving_path), read_only=True) as con:
        kpis = {row[0] for row in con.execute("SELECT DISTINCT kpi FROM marts.kpi").fetchall()}
        n_sipkollen = con.execute("SELECT count(*) FROM marts.sipkollen").fetchone()[0]
    assert {"needs_identified", "days_need_to_meeting:p50", "sipkollen_responses"} <= kpis
    assert n_sipkollen > 0


def test_running_again_on_unchanged_deliveries_changes_nothing(
    demo_pipeline: PipelineRun, tmp_path
) -> None:
    settings = demo_pipeline.settings
    query = "SELECT * FROM marts.kpi ORDER BY ALL"
    with duckdb.connect(str(settings.serving_path), read_only=True) as con:
        before = con.execute(query).df()
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        deliveries_before = con.execute("SELECT * FROM meta.deliveries ORDER BY ALL").df()
    assert run_pipeline(settings).success
    with duckdb.connect(str(settings.serving_path), read_only=True) as con:
        after = con.execute(query).df()
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        deliveries_after = con.execute("SELECT * FROM meta.deliveries ORDER BY ALL").df()
    pd.testing.assert_frame_equal(before, after)
    pd.testing.assert_frame_equal(deliveries_before, deliveries_after)


def test_kind_period_complete_and_catalogue_follow_spec_6(demo_pipeline: PipelineRun) -> None:
    with duckdb.connect(str(demo_pipeline.settings.serving_path), read_only=True) as con:
        as_of = con.execute("SELECT as_of FROM marts.run_info").fetchone()[0]
        kinds = dict(con.execute("SELECT DISTINCT kpi, kind FROM marts.kpi").fetchall())
        incomplete = con.execute(
            "SELECT DISTINCT period_grain, period_start FROM marts.kpi WHERE NOT period_complete "
            "ORDER BY 1"
        ).fetchall()
        catalogue = con.execute(
            "SELECT kpi, kind, name_sv, better, target, target_is_example FROM marts.kpi_catalogue"
        ).df()
        additive = dict(
            con.execute("SELECT kpi, additive_over_time FROM marts.kpi_catalogue").fetchall()
        )
    assert kinds["deviations_per_100_active"] == "rate"
    assert kinds["days_need_to_meeting:p90"] == "quantile"
    assert kinds["closure_reason_share:goals_met"] == "share"
    assert kinds["waiting_for_meeting"] == "count"
    # The demo's as-of date is 31 Oct 2026: October is complete, Q4 and 2026 are not.
    assert as_of == date(2026, 10, 31)
    assert incomplete == [("quarter", date(2026, 10, 1)), ("year", date(2026, 1, 1))]
    by_code = catalogue.set_index("kpi")
    # Every code of marts.kpi, and the overview's pooled SIP-kollen share (from marts.sipkollen).
    assert by_code["kind"].to_dict() == {**kinds, "sipkollen_positive_share": "share"}
    assert by_code.loc["deviations:late_invitation", "name_sv"] == "Avvikelser: Kallelse i sen tid"
    assert by_code.loc["days_need_to_meeting:p50", "better"] == "lower"
    assert by_code.loc["meeting_within_target_share", "target"] == 0.8
    assert catalogue["target_is_example"].all()
    # Whether months add up, published so that a dashboard sums months only for flows: counts
    # and shares of events dated in the period do; stocks, a rate over a stock and quantiles
    # do not.
    assert None not in additive.values()
    for code in ("needs_identified", "meeting_within_target_share", "follow_up_on_time_share"):
        assert additive[code] is True, code
    for code in (
        "active_plans",
        "follow_ups_overdue",
        "waiting_for_meeting",
        "deviations_per_100_active",
        "days_need_to_meeting:p50",
    ):
        assert additive[code] is False, code
