"""KPI assets: the helper relations, the KPI mart with disclosure control and its catalogue,
SIP-kollen, survival, overdue follow-ups and the run's parameters, each written to `marts.*`."""

import time

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
)
from dagster_duckdb import DuckDBResource

from assets.disclosure.audit import audit_published
from assets.disclosure.suppression import apply_disclosure
from assets.disclosure.survival import build_survival
from assets.expectations import check_result
from assets.kpis.catalogue import build_kpi_catalogue
from assets.kpis.checks import BLOCKING_CHECKS
from assets.kpis.engine import HELPERS, build_helpers, build_kpi_cells
from assets.kpis.plan import build_publication_plan, planned_cells_sql
from assets.kpis.sipkollen import build_comments_mart, build_sipkollen_mart
from assets.run_params import read_run_params
from data_contracts.contracts import ENTITIES

MODEL = [AssetKey(f"model_{entity}") for entity in ENTITIES]
# Every KPI asset reads the run's settings from model.run_params: said as a dependency, so a
# run of a few assets (run_params among them) writes them before anything reads them.
RUN_PARAMS = AssetKey("run_params")


def _count(duckdb_con, table: str) -> int:
    return duckdb_con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@asset(
    group_name="kpi",
    kinds={"duckdb", "sql"},
    deps=[RUN_PARAMS, *MODEL],
    description="Helper relations the KPI SQL reads: plan dimensions, initial meetings, periods.",
)
def kpi_helpers(duckdb: DuckDBResource) -> MaterializeResult:
    with duckdb.get_connection() as con:
        build_helpers(con)
        rows = {f"work.{h}": _count(con, f"work.{h}") for h in HELPERS}
    return MaterializeResult(metadata=rows)


HELPER_DEPS = [AssetKey("kpi_helpers"), RUN_PARAMS, *MODEL]


@asset(
    group_name="kpi",
    kinds={"duckdb", "sql", "great_expectations"},
    deps=HELPER_DEPS,
    description="Every SPEC §4 KPI by period and dimension, disclosure-controlled, and its "
    "catalogue (marts.kpi, marts.kpi_catalogue).",
    check_specs=[
        AssetCheckSpec(name, asset="kpi_mart", blocking=True, description=check.__doc__ or name)
        for name, check in BLOCKING_CHECKS.items()
    ],
)
def kpi_mart(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
    with duckdb.get_connection() as con:
        params = read_run_params(con)
        cells = build_kpi_cells(con)
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        plan_version = build_publication_plan(con, "work.kpi_cells", params.suppression_threshold)
        con.execute(
            f"CREATE OR REPLACE TABLE work.kpi_planned AS {planned_cells_sql('work.kpi_cells')}"
        )
        shares = apply_disclosure(
            con,
            "work.kpi_planned",
            "marts.kpi",
            params.suppression_threshold,
            params.protection_level,
            progress=context.log.info,
        )
        codes = build_kpi_catalogue(con)
        results = [check_result(name, check(con), True) for name, check in BLOCKING_CHECKS.items()]
    return MaterializeResult(
        metadata={"cells": cells, "plan_version": plan_version, **shares, "codes": codes},
        check_results=results,
    )


@asset(
    group_name="kpi",
    kinds={"duckdb", "sql"},
    deps=HELPER_DEPS,
    description="Follow-ups overdue at the as-of date, pseudonymous ids only (unit and steward).",
)
def overdue_follow_ups(duckdb: DuckDBResource) -> MaterializeResult:
    with duckdb.get_connection() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            "CREATE OR REPLACE TABLE marts.overdue_follow_ups AS SELECT * FROM work.overdue_list "
            "ORDER BY days_overdue DESC, sip_id, meeting_id"
        )
        rows = _count(con, "marts.overdue_follow_ups")
    return MaterializeResult(metadata={"rows": rows})


@asset(
    group_name="kpi",
    kinds={"duckdb", "sql"},
    deps=[RUN_PARAMS, AssetKey("model_sipkollen")],
    description="SIP-kollen positive shares with Wilson intervals per question (marts.sipkollen).",
)
def sipkollen_mart(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
    with duckdb.get_connection() as con:
        params = read_run_params(con)
        rows = build_sipkollen_mart(
            con, params.suppression_threshold, params.protection_level, context.log.info
        )
        comments = build_comments_mart(con, params.suppression_threshold, params.show_comments)
    return MaterializeResult(metadata={"rows": rows, "comments_shown": comments})


@asset(
    group_name="kpi",
    kinds={"duckdb", "sql"},
    deps=[*HELPER_DEPS, AssetKey("kpi_mart")],  # its curves leave out what marts.kpi hides
    description="Kaplan–Meier time from need to initial meeting, waiting plans censored.",
)
def time_to_meeting_survival(duckdb: DuckDBResource) -> MaterializeResult:
    with duckdb.get_connection() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        rows = build_survival(con, read_run_params(con).suppression_threshold)
    return MaterializeResult(metadata={"rows": rows})


@asset(
    group_name="kpi",
    kinds={"duckdb"},
    deps=[RUN_PARAMS, *MODEL],
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


AUDITED_MARTS = ("kpi_mart", "sipkollen_mart", "time_to_meeting_survival", "run_info")


AUDIT_CHECK = "no_suppressed_count_recoverable"


@asset(
    group_name="kpi",
    kinds={"duckdb", "scipy"},
    deps=[AssetKey(key) for key in AUDITED_MARTS],
    description="Disclosure audit: what the published marts leave open of every hidden count.",
    check_specs=[
        AssetCheckSpec(
            AUDIT_CHECK,
            asset="disclosure_audit",
            blocking=True,
            description="No suppressed count can be recovered, or narrowed below the protection "
            "level, from the published marts; blocks the serving swap and exports otherwise.",
        )
    ],
)
def disclosure_audit(context: AssetExecutionContext, duckdb: DuckDBResource) -> MaterializeResult:
    started = time.monotonic()
    with duckdb.get_connection() as con:
        params = read_run_params(con)
        findings = audit_published(
            con, params.suppression_threshold, params.protection_level, context.log.info
        )
    listed = MetadataValue.md("\n".join(f"- {f}" for f in findings[:50]) or "(none)")
    return MaterializeResult(
        metadata={"findings": len(findings), "seconds": round(time.monotonic() - started, 2)},
        check_results=[
            AssetCheckResult(
                check_name=AUDIT_CHECK,
                passed=not findings,
                severity=AssetCheckSeverity.ERROR,
                metadata={"findings": len(findings), "first_findings": listed},
            )
        ],
    )


kpi_stage_assets = [
    kpi_helpers,
    kpi_mart,
    overdue_follow_ups,
    sipkollen_mart,
    time_to_meeting_survival,
    run_info,
    disclosure_audit,
]
