"""Build the serving database as a new file and swap it in atomically.

Dashboards and BI tools open the serving file read-only, briefly, per query. Writing a fresh
file and `os.replace`-ing it means a reader either sees the old file or the new one, never a
half-written state, and an open reader never blocks a Dagster run (POSIX keeps the old inode
alive for processes that still have it open).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb

from data_contracts.sql import quote_ident, quote_literal


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'marts' AND table_catalog = current_database() ORDER BY 1"
        ).fetchall()
    ]


def publish_serving(
    con: duckdb.DuckDBPyConnection, serving_path: Path, tables: list[str] | None = None
) -> list[str]:
    """Copy `tables` (every `marts.*` table by default) of the warehouse into a new serving
    file and swap it in."""
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    tables = mart_tables(con) if tables is None else tables
    staging_file = serving_path.with_name(f".{serving_path.name}.{uuid.uuid4().hex}.tmp")
    alias = "serving_next"
    con.execute(f"ATTACH {quote_literal(str(staging_file))} AS {alias}")
    try:
        con.execute(f"CREATE SCHEMA {alias}.marts")
        for table in tables:
            con.execute(
                f"CREATE TABLE {alias}.marts.{quote_ident(table)} AS "
                f"SELECT * FROM marts.{quote_ident(table)}"
            )
        con.execute(f"CHECKPOINT {alias}")
    finally:
        con.execute(f"DETACH {alias}")
    try:
        os.replace(staging_file, serving_path)
    finally:
        staging_file.unlink(missing_ok=True)
    return tables
