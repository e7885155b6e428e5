"""The reference for ingest: a bare DuckDB read of the same delivery files, nothing more.

    python -m bench.bare_read LANDING_DIR DATABASE

Every file becomes a table in a fresh DuckDB file: CSV through `read_csv` (a Windows-1252 file
transcoded to UTF-8 first), Excel through pandas, Parquet through `read_parquet`. No header
mapping, no row numbers, no personal-data scan, no transaction of its own per file. `bench.run`
measures it in the same run as the ingest stage, so their ratio holds on a machine others share.
Prints one JSON line: seconds (imports excluded), files, rows.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

from assets.ingest.readers import detect_encoding
from data_contracts.sql import quote_literal


def read_all(landing_dir: Path, database: Path) -> dict:
    database.unlink(missing_ok=True)
    started = time.perf_counter()
    files = sorted(p for p in landing_dir.glob("*/*") if p.is_file())
    rows = 0
    with duckdb.connect(str(database)) as con:
        for number, path in enumerate(files):
            table = f"file_{number}"
            if path.suffix == ".xlsx":
                frame = pd.read_excel(path)
                con.register("_frame", frame)
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM _frame")
                con.unregister("_frame")
            elif path.suffix == ".parquet":
                source = quote_literal(str(path))
                con.execute(f"CREATE TABLE {table} AS FROM read_parquet({source})")
            else:
                source = path
                if detect_encoding(path) != "utf-8":
                    source = database.with_name(path.name + ".utf8")
                    source.write_text(path.read_text(encoding="cp1252"), encoding="utf-8")
                con.execute(f"CREATE TABLE {table} AS FROM read_csv({quote_literal(str(source))})")
                if source != path:
                    source.unlink()
            [(count,)] = con.execute(f"SELECT count(*) FROM {table}").fetchall()
            rows += count
    return {"seconds": round(time.perf_counter() - started, 3), "files": len(files), "rows": rows}


if __name__ == "__main__":
    print(json.dumps(read_all(Path(sys.argv[1]), Path(sys.argv[2]))))
