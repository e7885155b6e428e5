"""Publish asset: serving files and exports of one run, swapped in together as one version."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource

from assets.publish.version import publish_version
from assets.resources import SipSettings
from assets.run_params import read_run_params

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
        # the blocking disclosure check on it must pass before anything is published
        "disclosure_audit",
    )
]


@asset(
    group_name="publish",
    kinds={"duckdb", "parquet", "csv"},
    deps=MART_ASSET_KEYS,
    description="Serving files (aggregated, restricted) and exports, published as one version.",
)
def published_marts(
    context: AssetExecutionContext, duckdb: DuckDBResource, sip: SipSettings
) -> MaterializeResult:
    settings = sip.get()
    with duckdb.get_connection() as con:
        files, manifest = publish_version(
            con,
            settings.publish_root,
            context.run.run_id,
            read_run_params(con).as_of,
            settings.quarantine_export_limit,
        )
    left_out = {t: e["rows_left_out"] for t, e in manifest["exports"].items() if e["rows_left_out"]}
    for table, rows in left_out.items():
        context.log.warning(
            f"{table}: {rows} rows left out of the export (limit "
            f"SIP_QUARANTINE_EXPORT_LIMIT={settings.quarantine_export_limit}); "
            "the restricted serving file has them all"
        )
    for table in manifest["restricted"]["undeclared"]:
        context.log.warning(
            f"marts.{table} is not declared aggregated (data_contracts/published.py): "
            "published to the restricted file only"
        )
    context.log.info(f"published version {manifest['version']} at {settings.publish_root}")
    return MaterializeResult(
        metadata={
            "version": manifest["version"],
            "path": str(files.folder),
            "as_of": str(manifest["as_of"]),
            "serving_tables": ", ".join(manifest["serving"]["tables"]),
            "restricted_tables": ", ".join(manifest["restricted"]["tables"]),
            "export_rows_left_out": MetadataValue.json(left_out),
        }
    )


publish_assets = [published_marts]
