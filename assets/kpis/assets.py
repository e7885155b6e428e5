"""KPI assets: the KPI mart with disclosure control, SIP-kollen, survival, overdue follow-ups
and the run's parameters, each written to `marts.*` in the warehouse."""

from dagster import AssetKey, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from assets.kpis.disclosure import apply_disclosure
from assets.kpis.engine import build_kpi_cells, sql_file
from assets.kpis.sipkollen import build_comments_mart, build_sipkollen_mart
from assets.kpis.survival import build_survival
from assets.run_params import read_run_params
from data_contracts.contracts import ENTITIES

MODEL = [AssetKey(f"model_{entity}") for entity in ENTITIES]


def _count(duckdb_con, table: str) -> int:
    return duckdb_con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@asset(
    group_name="kpi",
    kinds={"duckdb", "sql"},
    deps=MODEL,
    description="Every SPEC §4 KPI by period and dimension, with disclosure control (marts.kpi).",
)
def kpi_mart(duckdb: DuckDBResource) -> MaterializeResult:
    with duckdb.get_connection() as con:
        threshold = read_run_params(con).suppression_threshold
        cells = build_kpi_cells(con)
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        apply_disclosure(con, "work.kpi_cells", "marts.kpi", threshold)
        suppressed = con.execute("SELECT count(*) FILTER (suppressed) FROM marts.kpi").fetchone()[0]
    return MaterializeResult(metadata={"cells": cells, "suppressed": suppressed})


@asset(
    group_name="kpi",
    kinds={"duckdb", "sql"},
    deps=[AssetKey("kpi_mart")],
    description="Follow-ups overdue at the as-of date, pseudonymous ids only (unit and steward).",
)
def overdue_follow_ups(duckdb: DuckDBResource) -> MaterializeResult:
    with duckdb.get_connection() as con:
        con.execute(
            "CREATE OR REPLACE TABLE marts.overdue_follow_ups AS "
            f"{sql_file('overdue_follow_ups')} ORDER BY days_overdue DESC, sip_id, meeting_id"
        )
        rows = _count(con, "marts.overdue_follow_ups")
    return MaterializeResult(metadata={"rows": rows})


@asset(
    group_name="kpi",
    kinds={"duckdb", "sql"},
    deps=[AssetKey("model_sipkollen")],
    description="SIP-kollen positive shares with Wilson intervals per question (marts.sipkollen).",
)
def sipkollen_mart(duckdb: DuckDBResource) -> MaterializeResult:
    with duckdb.get_connection() as con:
        params = read_run_params(con)
        rows = build_sipkollen_mart(con, params.suppression_threshold)
        comments = build_comments_mart(con, params.suppression_threshold, params.show_comments)
    return MaterializeResult(metadata={"rows": rows, "comments_shown": comments})


@asset(
    group_name="kpi",
    kinds={"duckdb", "sql"},
    deps=[AssetKey("kpi_mart")],
    description="Kaplan–Meier time from need to initial meeting, waiting plans censored.",
)
def time_to_meeting_survival(duckdb: DuckDBResource) -> MaterializeResult:
    with duckdb.get_connection() as con:
        rows = build_survival(con, read_run_params(con).suppression_threshold)
    return MaterializeResult(metadata={"rows": rows})


@asset(
    group_name="kpi",
    kinds={"duckdb"},
    deps=MODEL,
    description="The as-of date and KPI configuration the published figures were computed with.",
)
def run_info(duckdb: DuckDBResource) -> MaterializeResult:
    with duckdb.get_connection() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            "CREATE OR REPLACE TABLE marts.run_info AS "
            "SELECT *, current_localtimestamp() AS generated_at FROM model.run_params"
        )
        as_of = con.execute("SELECT as_of FROM marts.run_info").fetchone()[0]
    return MaterializeResult(metadata={"as_of": str(as_of)})


kpi_stage_assets = [
    kpi_mart,
    overdue_follow_ups,
    sipkollen_mart,
    time_to_meeting_survival,
    run_info,
]
