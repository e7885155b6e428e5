"""Publish assets: the serving database swap and the Parquet/CSV exports."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from assets.publish.exports import export_marts
from assets.publish.serving import mart_tables, publish_serving
from assets.resources import SipSettings
from data_contracts.published import ROW_LEVEL_MARTS

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


def aggregated_and_row_level(con) -> tuple[list[str], list[str]]:
    """The warehouse's marts split by who may see them (SPEC §7): aggregated marts may go to
    BI users, row-level marts only to the restricted file and export folder."""
    tables = mart_tables(con)
    return (
        [t for t in tables if t not in ROW_LEVEL_MARTS],
        [t for t in tables if t in ROW_LEVEL_MARTS],
    )


@asset(
    group_name="publish",
    kinds={"duckdb"},
    deps=MART_ASSET_KEYS,
    description="Serving databases (aggregated marts; row-level marts in a restricted file), "
    "each rebuilt as a new file and swapped in atomically.",
)
def serving_database(
    context: AssetExecutionContext, duckdb: DuckDBResource, sip: SipSettings
) -> MaterializeResult:
    settings = sip.get()
    with duckdb.get_connection() as con:
        aggregated, row_level = aggregated_and_row_level(con)
        publish_serving(con, settings.serving_path, aggregated)
        publish_serving(con, settings.restricted_serving_path, row_level)
    context.log.info(
        f"published {len(aggregated)} marts to {settings.serving_path} and {len(row_level)} "
        f"row-level marts to {settings.restricted_serving_path}"
    )
    return MaterializeResult(
        metadata={
            "path": str(settings.serving_path),
            "tables": ", ".join(aggregated),
            "restricted_path": str(settings.restricted_serving_path),
            "restricted_tables": ", ".join(row_level),
        }
    )


@asset(
    group_name="publish",
    kinds={"parquet", "csv"},
    deps=MART_ASSET_KEYS,
    description="Every mart as Parquet and as Excel-friendly CSV (UTF-8 BOM, ';', decimal comma); "
    "row-level marts in a restricted folder.",
)
def mart_exports(duckdb: DuckDBResource, sip: SipSettings) -> MaterializeResult:
    settings = sip.get()
    with duckdb.get_connection() as con:
        aggregated, row_level = aggregated_and_row_level(con)
        written = export_marts(con, settings.export_path, aggregated)
        restricted = export_marts(con, settings.restricted_export_path, row_level)
    return MaterializeResult(
        metadata={
            "directory": str(settings.export_path),
            "files": len(written),
            "restricted_directory": str(settings.restricted_export_path),
            "restricted_files": len(restricted),
        }
    )


publish_assets = [serving_database, mart_exports]
