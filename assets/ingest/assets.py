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
from assets.step_times import StepTimes
from data_contracts.contracts import ENTITIES
from data_contracts.withdrawals import read_requests


def _bullets(lines: list[str]) -> MetadataValue:
    return MetadataValue.md("\n".join(f"- {line}" for line in lines) or "(none)")


def _raw_asset(entity: str) -> AssetsDefinition:
    check_name = "deliveries_readable"
    ignored_check = "nothing_ignored"

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
            ),
            AssetCheckSpec(
                ignored_check,
                asset=f"raw_{entity}",
                description="Nothing delivered was left unread: no stray folder, other sheet "
                "or duplicated column.",
            ),
        ],
    )
    def raw_entity(
        context: AssetExecutionContext, duckdb: DuckDBResource, sip: SipSettings
    ) -> MaterializeResult:
        settings = sip.get()
        with StepTimes() as times, duckdb.get_connection() as con:
            results = ingest_entity(
                con,
                settings.landing_dir,
                entity,
                context.log.info,
                read_requests(settings.withdrawal_requests_path),
            )
            total_rows = con.execute(f"SELECT count(*) FROM raw.{entity}").fetchone()[0]
        rejected = [r for r in results if r.status == "rejected"]
        ignored = [f"`{r.file}`: {r.error}" for r in results if r.status == "ignored"]
        notices = [f"`{r.file}`: {notice}" for r in results for notice in r.notices]
        for r in rejected:
            context.log.error(f"{entity}/{r.file}: rejected: {r.error}")
        for line in ignored + notices:
            context.log.warning(f"{entity}: {line}")
        for r in results:
            if r.rows_malformed:
                context.log.warning(
                    f"{entity}/{r.file}: {r.rows_malformed} malformed rows set aside for quarantine"
                )
        files = [r for r in results if r.status != "ignored"]
        loaded = [r for r in files if r.status == "loaded"]
        return MaterializeResult(
            metadata={
                "files": len(files),
                "files_loaded": len(loaded),
                "files_unchanged": sum(r.status == "unchanged" for r in files),
                "files_rejected": len(rejected),
                "files_withdrawn": sum(r.status == "withdrawn" for r in files),
                "files_gone_from_landing_rows_kept": sum(r.status == "gone" for r in files),
                "rows_loaded_this_run": sum(r.rows_read for r in loaded),
                "raw_rows": total_rows,
                "deliveries": _bullets(
                    [
                        f"`{r.file}`: {r.status}, {r.rows_read} rows"
                        + (f" ({r.error})" if r.error else "")
                        for r in files
                    ]
                ),
                "ignored": _bullets(ignored),
                "notices": _bullets(notices),
                **times.metadata(),
            },
            check_results=[
                AssetCheckResult(
                    check_name=check_name,
                    passed=not rejected,
                    severity=AssetCheckSeverity.ERROR,
                    metadata={"rejected": _bullets([f"`{r.file}`: {r.error}" for r in rejected])},
                ),
                AssetCheckResult(
                    check_name=ignored_check,
                    passed=not (ignored or notices),
                    severity=AssetCheckSeverity.WARN,
                    metadata={"ignored": _bullets(ignored), "notices": _bullets(notices)},
                ),
            ],
        )

    return raw_entity


ingest_assets: list[AssetsDefinition] = [_raw_asset(entity) for entity in ENTITIES]
