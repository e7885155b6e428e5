"""Export every mart as Parquet and as a CSV that Swedish Excel opens as it is.

Swedish Excel expects `;` between fields, a decimal comma, and a byte-order mark to recognise
UTF-8 (otherwise å/ä/ö turn into mojibake). Text that Excel would run as a formula is
neutralised (`data_contracts.safe_text`).
"""

from __future__ import annotations

import codecs
import os
import shutil
from pathlib import Path

import duckdb

from assets.publish.serving import mart_tables
from data_contracts.safe_text import neutralise_sql
from data_contracts.sql import quote_ident, quote_literal


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
    con: duckdb.DuckDBPyConnection, export_dir: Path, tables: list[str] | None = None
) -> list[Path]:
    """Export `tables` (every mart by default) to `export_dir`."""
    export_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for table in mart_tables(con) if tables is None else tables:
        source = f"marts.{quote_ident(table)}"
        parquet = export_dir / f"{table}.parquet"
        csv_file = export_dir / f"{table}.csv"
        con.execute(f"COPY {source} TO {quote_literal(parquet)} (FORMAT parquet)")
        plain = export_dir / f".{table}.csv.tmp"
        con.execute(
            f"COPY (SELECT {_excel_columns(con, table)} FROM {source}) TO {quote_literal(plain)} "
            "(FORMAT csv, HEADER true, DELIMITER ';', DATEFORMAT '%Y-%m-%d')"
        )
        with_bom = export_dir / f".{table}.csv.bom.tmp"
        with plain.open("rb") as src, with_bom.open("wb") as dst:
            dst.write(codecs.BOM_UTF8)
            shutil.copyfileobj(src, dst, 8 * 1024 * 1024)
        plain.unlink()
        os.replace(with_bom, csv_file)
        written += [parquet, csv_file]
    return written
