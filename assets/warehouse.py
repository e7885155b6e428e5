"""Small helpers shared by every stage that talks to DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb

ENTITIES: tuple[str, ...] = (
    "sip_plans",
    "sip_meetings",
    "sip_participants",
    "sip_deviations",
    "sipkollen",
)

# Two cores and a 4 GiB budget for the whole pipeline (see docs/benchmarks.md): DuckDB spills
# to disk beyond this rather than growing.
MEMORY_LIMIT = "3GB"


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a warehouse file with the project's resource limits."""
    if not read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )
