"""Dagster resources for the code location and for `dagster.materialize` in tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from dagster import InitResourceContext
from dagster_duckdb import DuckDBResource

from assets.ingest.load import SCRATCH_DIR
from assets.publish.version import clean_publish_folder
from assets.resources import SipSettings
from data_contracts.settings import Settings


class Warehouse(DuckDBResource):
    """The warehouse DuckDB file; at the start of every run it removes what a killed run left
    behind: scratch copies of deliveries, DuckDB's spill files, half-built published versions
    and the temporary files of older layouts (`.sip_serving.duckdb.<uuid>.tmp` and its WAL)."""

    publish_root: str

    def setup_for_execution(self, context: InitResourceContext) -> None:
        folder = Path(self.database).parent
        for leftover in (folder / SCRATCH_DIR, Path(self.connection_config["temp_directory"])):
            shutil.rmtree(leftover, ignore_errors=True)
        for stray in folder.glob(".*.tmp*"):
            stray.unlink(missing_ok=True)
        removed = clean_publish_folder(Path(self.publish_root))
        if removed and context.log:
            context.log.info(f"removed what an earlier run left: {', '.join(sorted(removed))}")


def warehouse_resource(settings: Settings) -> Warehouse:
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return Warehouse(
        database=str(settings.warehouse),
        publish_root=str(settings.publish_root),
        connection_config={
            "memory_limit": settings.memory_limit,
            # Spill under the warehouse folder (not /tmp), where the next run cleans up.
            "temp_directory": str(settings.duckdb_temp_dir),
            "preserve_insertion_order": False,
            # A checkpoint when the asset's connection closes, not at every commit whose log
            # passed 16 MB: ingest commits one file at a time and checkpointed after each.
            "checkpoint_threshold": "1GB",
        },
    )


def build_resources(settings: Settings | None = None) -> dict[str, object]:
    """Every resource, from one `Settings` (read from the environment when none is given)."""
    settings = settings or Settings.from_env()
    return {"duckdb": warehouse_resource(settings), "sip": SipSettings.from_settings(settings)}
