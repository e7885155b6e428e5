"""Copy marts from the warehouse into a new DuckDB file that readers open read-only."""

from __future__ import annotations

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


def copy_marts(con: duckdb.DuckDBPyConnection, tables: list[str], target: Path) -> None:
    """Write `tables` of the warehouse's `marts` schema to a new file `target` (schema `marts`)."""
    alias = "published_next"
    con.execute(f"ATTACH {quote_literal(str(target))} AS {alias}")
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
