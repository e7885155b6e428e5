"""Publish assets: the serving database swap and the Parquet/CSV exports."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from assets.publish.exports import export_marts
from assets.publish.serving import publish_serving
from assets.resources import SipSettings

# Every asset that writes a marts.* table; the publish step waits for all of them.
MART_ASSET_KEYS = [
    AssetKey(key)
    for key in (
        "kpi_mart",
        "overdue_follow_ups",
        "run_info",
        "sipkollen_mart",
        "time_to_meeting_survival",
        "data_quality_marts",
    )
]


@asset(
    group_name="publish",
    kinds={"duckdb"},
    deps=MART_ASSET_KEYS,
    description="Serving database (marts only) rebuilt as a new file and swapped in atomically.",
)
def serving_database(
    context: AssetExecutionContext, duckdb: DuckDBResource, sip: SipSettings
) -> MaterializeResult:
    target = sip.get().serving_path
    with duckdb.get_connection() as con:
        tables = publish_serving(con, target)
    context.log.info(f"published {len(tables)} marts to {target}")
    return MaterializeResult(metadata={"path": str(target), "tables": ", ".join(tables)})


@asset(
    group_name="publish",
    kinds={"parquet", "csv"},
    deps=MART_ASSET_KEYS,
    description="Every mart as Parquet and as Excel-friendly CSV (UTF-8 BOM, ';', decimal comma).",
)
def mart_exports(duckdb: DuckDBResource, sip: SipSettings) -> MaterializeResult:
    export_dir = sip.get().export_path
    with duckdb.get_connection() as con:
        written = export_marts(con, export_dir)
    return MaterializeResult(metadata={"directory": str(export_dir), "files": len(written)})


publish_assets = [serving_database, mart_exports]
