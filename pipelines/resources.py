"""Dagster resources, configured from the project's environment variables."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from dagster import ConfigurableResource
from dagster_duckdb import DuckDBResource

from assets.warehouse import MEMORY_LIMIT
from pipelines.settings import Settings


class SipSettings(ConfigurableResource):
    """The run's settings. Empty fields fall back to `Settings.from_env()` at run time, so the
    env vars are read when a run starts, not when the code location loads."""

    landing_dir: str = ""
    warehouse: str = ""
    serving: str = ""
    export_dir: str = ""
    as_of: str = ""

    def settings(self) -> Settings:
        base = Settings.from_env()
        overrides: dict[str, object] = {}
        if self.landing_dir:
            overrides["landing_dir"] = Path(self.landing_dir)
        if self.warehouse:
            overrides["warehouse"] = Path(self.warehouse)
        if self.serving:
            overrides["serving"] = Path(self.serving)
        if self.export_dir:
            overrides["export_dir"] = Path(self.export_dir)
        if self.as_of:
            overrides["as_of"] = date.fromisoformat(self.as_of)
        return replace(base, **overrides)


def warehouse_resource(settings: Settings) -> DuckDBResource:
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(
        database=str(settings.warehouse),
        connection_config={"memory_limit": MEMORY_LIMIT, "preserve_insertion_order": False},
    )


def build_resources(settings: Settings | None = None) -> dict[str, object]:
    """Resources for `Definitions` and for `dagster.materialize` in tests."""
    settings = settings or Settings.from_env()
    return {
        "duckdb": warehouse_resource(settings),
        "sip": SipSettings(
            landing_dir=str(settings.landing_dir),
            warehouse=str(settings.warehouse),
            serving=str(settings.serving or ""),
            export_dir=str(settings.export_dir or ""),
            as_of=settings.as_of.isoformat() if settings.as_of else "",
        ),
    }
