"""Dagster resources for the code location and for `dagster.materialize` in tests."""

from __future__ import annotations

from dagster_duckdb import DuckDBResource

from assets.resources import SipSettings
from data_contracts.settings import Settings


def warehouse_resource(settings: Settings) -> DuckDBResource:
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(
        database=str(settings.warehouse),
        connection_config={
            "memory_limit": settings.memory_limit,
            "preserve_insertion_order": False,
        },
    )


def build_resources(settings: Settings | None = None) -> dict[str, object]:
    """Every resource, from one `Settings` (read from the environment when none is given)."""
    settings = settings or Settings.from_env()
    return {"duckdb": warehouse_resource(settings), "sip": SipSettings.from_settings(settings)}
