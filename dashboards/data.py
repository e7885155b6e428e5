"""Reads from the published files: read-only, one short query at a time.

The pipeline publishes a new version folder and moves the link `current` to it in one rename
(`Settings.serving_path` and `restricted_serving_path` go through that link). A query resolves
the link first, so both its cache key and the file it opens belong to one version: a new
publish is picked up on the next rerun, and a reader is never blocked by, nor sees half of, it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from data_contracts.periods import GRAINS
from data_contracts.settings import Settings


def serving_path() -> Path:
    return Settings.from_env().serving_path


def restricted_serving_path() -> Path:
    """Row-level marts; pages read them only through `dashboards.auth.row_level_query`."""
    return Settings.from_env().restricted_serving_path


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(path: str, sql: str, params: tuple) -> pd.DataFrame:
    with duckdb.connect(path, read_only=True) as con:
        return con.execute(sql, list(params)).df()


def _query_file(path: Path, sql: str, params: list | tuple | None) -> pd.DataFrame:
    # The resolved path names the version, which never changes once published.
    return _cached_query(str(path.resolve()), sql, tuple(params or ()))


def query(sql: str, params: list | tuple | None = None) -> pd.DataFrame:
    """A query on the aggregated marts."""
    return _query_file(serving_path(), sql, params)


def restricted_query(sql: str, params: list | tuple | None = None) -> pd.DataFrame:
    """A query on the row-level marts (`data_contracts.published.ROW_LEVEL_MARTS`)."""
    return _query_file(restricted_serving_path(), sql, params)


def has_data() -> bool:
    path = serving_path()
    if not path.exists():
        return False
    return bool(len(query("SELECT 1 FROM information_schema.tables WHERE table_name = 'kpi'")))


def published_columns(table: str) -> set[str]:
    """The columns of `marts.<table>` in the serving file (older files lack newer columns)."""
    return set(
        query(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'marts' AND table_name = ?",
            [table],
        )["column_name"]
    )


def has_table(table: str) -> bool:
    return bool(published_columns(table))


def run_info() -> dict:
    return query("SELECT * FROM marts.run_info").iloc[0].to_dict()


def published_grains(kpi: str, dimension: str) -> tuple[str, ...]:
    """The grains a KPI is published at for a breakdown: the publication plan's
    (`marts.publication_plan`), or, in a serving file without the plan, the grains that have
    rows."""
    if has_table("publication_plan"):
        plan = query(
            "SELECT grains FROM marts.publication_plan WHERE kpi = ? AND dimension = ?",
            [kpi, dimension],
        )
        grains = set(plan["grains"].iloc[0]) if len(plan) else set()
    else:
        grains = set(
            query(
                "SELECT DISTINCT period_grain FROM marts.kpi WHERE kpi = ? AND dimension = ?",
                [kpi, dimension],
            )["period_grain"]
        )
    return tuple(g for g in GRAINS if g in grains)
