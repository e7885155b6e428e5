"""Export marts as Parquet and as a CSV that Swedish Excel opens as it is.

Swedish Excel expects `;` between fields, a decimal comma, and a byte-order mark to recognise
UTF-8 (otherwise å/ä/ö turn into mojibake). Text that Excel would run as a formula is
neutralised (`data_contracts.safe_text`).
"""

from __future__ import annotations

import codecs
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from data_contracts.safe_text import neutralise_sql
from data_contracts.sql import quote_ident, quote_literal


@dataclass(frozen=True)
class Export:
    table: str
    rows_exported: int
    rows_left_out: int  # beyond the row limit, still in the serving file


def _excel_columns(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Select list that writes floating-point columns with a decimal comma (DuckDB's CSV writer
    has no decimal-separator option; six decimals, trailing zeros trimmed) and text columns
    neutralised against formulas."""
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'marts' AND table_name = ? AND table_catalog = current_database() "
        "ORDER BY ordinal_position",
        [table],
    ).fetchall()
    parts = []
    for name, data_type in columns:
        column = quote_ident(name)
        if data_type in ("DOUBLE", "FLOAT", "REAL") or data_type.startswith("DECIMAL"):
            parts.append(
                f"replace(rtrim(rtrim(printf('%.6f', {column}), '0'), '.'), '.', ',') AS {column}"
            )
        elif data_type == "VARCHAR":
            parts.append(f"{neutralise_sql(column)} AS {column}")
        else:
            parts.append(column)
    return ", ".join(parts)


def export_marts(
    con: duckdb.DuckDBPyConnection,
    tables: list[str],
    export_dir: Path,
    row_limits: dict[str, int] | None = None,
) -> list[Export]:
    """Write `<table>.parquet` and `<table>.csv` of each mart into `export_dir` (a folder of the
    version being built, so no file here is ever seen half-written). A table in `row_limits`
    is cut at that many rows, in the order of its columns (the quarantine: entity, file, row)."""
    export_dir.mkdir(parents=True, exist_ok=True)
    written: list[Export] = []
    for table in tables:
        source = f"marts.{quote_ident(table)}"
        total = con.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
        limit = (row_limits or {}).get(table)
        rows = total if limit is None else min(total, limit)
        selected = (
            f"(SELECT * FROM {source} ORDER BY ALL LIMIT {rows})"
            if rows < total
            else f"(SELECT * FROM {source})"
        )
        con.execute(
            f"COPY {selected} TO {quote_literal(str(export_dir / f'{table}.parquet'))} "
            "(FORMAT parquet)"
        )
        plain = export_dir / f"{table}.csv.plain"
        con.execute(
            f"COPY (SELECT {_excel_columns(con, table)} FROM {selected}) "
            f"TO {quote_literal(str(plain))} "
            "(FORMAT csv, HEADER true, DELIMITER ';', DATEFORMAT '%Y-%m-%d')"
        )
        with plain.open("rb") as src, (export_dir / f"{table}.csv").open("wb") as dst:
            dst.write(codecs.BOM_UTF8)
            shutil.copyfileobj(src, dst, 8 * 1024 * 1024)
        plain.unlink()
        written.append(Export(table, rows, total - rows))
    return written
