"""Reads from the published serving database: read-only, one short query at a time.

The file is opened and closed per query so that the pipeline's `os.replace` of a new serving
file is never blocked, and results are cached per file version (path and modification time), so
a new publish is picked up on the next rerun.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from data_contracts.settings import Settings


def serving_path() -> Path:
    return Settings.from_env().serving_path


def restricted_serving_path() -> Path:
    """Row-level marts; pages read them only through `dashboards.auth.row_level_query`."""
    return Settings.from_env().restricted_serving_path


def _version(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_query(path: str, version: float, sql: str, params: tuple) -> pd.DataFrame:
    with duckdb.connect(path, read_only=True) as con:
        return con.execute(sql, list(params)).df()


def query(sql: str, params: list | tuple | None = None) -> pd.DataFrame:
    path = serving_path()
    return _cached_query(str(path), _version(path), sql, tuple(params or ()))


def restricted_query(sql: str, params: list | tuple | None = None) -> pd.DataFrame:
    path = restricted_serving_path()
    return _cached_query(str(path), _version(path), sql, tuple(params or ()))


def has_data() -> bool:
    path = serving_path()
    if not path.exists():
        return False
    return bool(len(query("SELECT 1 FROM information_schema.tables WHERE table_name = 'kpi'")))


@st.cache_data(show_spinner=False)
def _run_info(path: str, version: float) -> dict:
    with duckdb.connect(path, read_only=True) as con:
        return con.execute("SELECT * FROM marts.run_info").df().iloc[0].to_dict()


def run_info() -> dict:
    path = serving_path()
    return _run_info(str(path), _version(path))
