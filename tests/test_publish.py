"""Publishing: the serving swap never blocks or confuses a reader; exports open in Excel."""

from __future__ import annotations

import codecs
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd

from assets.publish.exports import export_marts
from assets.publish.serving import publish_serving


def _warehouse_with_marts(path: Path, generation: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(
        "CREATE OR REPLACE TABLE marts.kpi AS SELECT ? AS generation, 'Göteborg' AS label, "
        "0.25::DOUBLE AS value, DATE '2026-03-01' AS period_start",
        [generation],
    )
    con.execute("CREATE OR REPLACE TABLE marts.extra AS SELECT range AS n FROM range(1000)")
    return con


def test_swap_while_a_reader_holds_the_old_file(tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    warehouse = _warehouse_with_marts(tmp_path / "warehouse.duckdb", generation=1)
    publish_serving(warehouse, serving)

    # A reader in this process and one in another process hold the old file open.
    reader = duckdb.connect(str(serving), read_only=True)
    assert reader.execute("SELECT generation FROM marts.kpi").fetchone() == (1,)
    other_process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(serving)!r}, read_only=True)
                print(con.execute("SELECT generation FROM marts.kpi").fetchone()[0], flush=True)
                sys.stdin.readline()
                print(con.execute("SELECT generation FROM marts.kpi").fetchone()[0], flush=True)
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other_process.stdout.readline().strip() == "1"

        warehouse.execute("UPDATE marts.kpi SET generation = 2")
        tables = publish_serving(warehouse, serving)  # must not block on the open readers
        assert tables == ["extra", "kpi"]

        # Open readers keep a consistent view of the old file ...
        assert reader.execute("SELECT generation FROM marts.kpi").fetchone() == (1,)
        other_process.stdin.write("\n")
        other_process.stdin.flush()
        assert other_process.stdout.readline().strip() == "1"
    finally:
        other_process.communicate(timeout=30)
    reader.close()

    # ... and the next reader sees the complete new one.
    fresh = duckdb.connect(str(serving), read_only=True)
    assert fresh.execute("SELECT generation, label FROM marts.kpi").fetchone() == (2, "Göteborg")
    assert fresh.execute("SELECT count(*) FROM marts.extra").fetchone() == (1000,)
    fresh.close()
    # No temporary files are left next to the serving database.
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    warehouse.close()


def test_publish_does_not_lock_the_warehouse_for_readers_of_serving(tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    warehouse = _warehouse_with_marts(tmp_path / "warehouse.duckdb", generation=1)
    publish_serving(warehouse, serving)
    # The warehouse connection stays usable and serving is not attached to it any more.
    attached = {
        r[0] for r in warehouse.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    }
    assert not any(name.startswith("serving") for name in attached)
    warehouse.close()


def test_exports_open_in_swedish_excel(tmp_path: Path) -> None:
    warehouse = _warehouse_with_marts(tmp_path / "warehouse.duckdb", generation=7)
    written = export_marts(warehouse, tmp_path / "export")
    assert sorted(p.name for p in written) == [
        "extra.csv",
        "extra.parquet",
        "kpi.csv",
        "kpi.parquet",
    ]

    raw = (tmp_path / "export" / "kpi.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    lines = raw[len(codecs.BOM_UTF8) :].decode("utf-8").splitlines()
    assert lines == ["generation;label;value;period_start", "7;Göteborg;0,25;2026-03-01"]

    parquet = pd.read_parquet(tmp_path / "export" / "kpi.parquet")
    assert parquet.loc[0, "value"] == 0.25
    assert not list((tmp_path / "export").glob(".*"))
    warehouse.close()
