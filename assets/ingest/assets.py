"""Ingest assets: one per entity, each with a check that every delivery could be read."""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)
from dagster_duckdb import DuckDBResource

from assets.ingest.load import ingest_entity
from assets.resources import SipSettings
from data_contracts.contracts import ENTITIES


def _raw_asset(entity: str) -> AssetsDefinition:
    check_name = "deliveries_readable"

    @asset(
        name=f"raw_{entity}",
        group_name="ingest",
        kinds={"duckdb", "csv", "excel", "parquet"},
        description=f"Every delivery in landing/{entity}/ as text rows in raw.{entity}.",
        check_specs=[
            AssetCheckSpec(
                check_name,
                asset=f"raw_{entity}",
                description="Every delivery file could be read as a table.",
            )
        ],
    )
    def raw_entity(
        context: AssetExecutionContext, duckdb: DuckDBResource, sip: SipSettings
    ) -> MaterializeResult:
        settings = sip.get()
        with duckdb.get_connection() as con:
            results = ingest_entity(con, settings.landing_dir, entity)
            total_rows = con.execute(f"SELECT count(*) FROM raw.{entity}").fetchone()[0]
        rejected = [r for r in results if r.status == "rejected"]
        for r in rejected:
            context.log.error(f"{entity}/{r.file}: rejected: {r.error}")
        for r in results:
            if r.rows_malformed:
                context.log.warning(
                    f"{entity}/{r.file}: {r.rows_malformed} malformed rows set aside for quarantine"
                )
        loaded = [r for r in results if r.status == "loaded"]
        return MaterializeResult(
            metadata={
                "files": len(results),
                "files_loaded": len(loaded),
                "files_unchanged": sum(r.status == "unchanged" for r in results),
                "files_rejected": len(rejected),
                "rows_loaded_this_run": sum(r.rows_read for r in loaded),
                "raw_rows": total_rows,
                "deliveries": MetadataValue.md(
                    "\n".join(f"- `{r.file}`: {r.status}, {r.rows_read} rows" for r in results)
                    or "(none)"
                ),
            },
            check_results=[
                AssetCheckResult(
                    check_name=check_name,
                    passed=not rejected,
                    severity=AssetCheckSeverity.ERROR,
                    metadata={
                        "rejected": MetadataValue.md(
                            "\n".join(f"- `{r.file}`: {r.error}" for r in rejected) or "(none)"
                        )
                    },
                )
            ],
        )

    return raw_entity


ingest_assets: list[AssetsDefinition] = [_raw_asset(entity) for entity in ENTITIES]
