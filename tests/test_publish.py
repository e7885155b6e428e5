"""Publishing: serving files and exports of a run appear together as one version, a reader is
never blocked or shown half of one, exports open in Excel, and a killed run leaves nothing
that the next run does not clean up."""

from __future__ import annotations

import codecs
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from assets.publish.version import publish_version
from data_contracts.settings import Settings

RUN = "0123456789abcdef"


def _warehouse_with_marts(path: Path, generation: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(
        "CREATE OR REPLACE TABLE marts.kpi AS SELECT ? AS generation, 'Göteborg' AS label, "
        "0.25::DOUBLE AS value, DATE '2026-03-01' AS period_start",
        [generation],
    )
    con.execute("CREATE OR REPLACE TABLE marts.extra AS SELECT range AS n FROM range(1000)")
    con.execute(
        "CREATE OR REPLACE TABLE marts.quarantine AS SELECT 'sip_plans' AS entity, "
        "'f.csv' AS file, range AS row_number, ? AS generation FROM range(250)",
        [generation],
    )
    return con


def _settings(tmp_path: Path) -> Settings:
    return Settings(warehouse=tmp_path / "warehouse.duckdb")


def _publish(con, settings: Settings, run_id: str = RUN, limit: int = 100):
    return publish_version(con, settings.publish_root, run_id, date(2026, 3, 31), limit)


def _one(path: Path, sql: str) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchone()


def test_a_version_holds_serving_restricted_exports_and_manifest(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    warehouse = _warehouse_with_marts(settings.warehouse, generation=1)
    _, manifest = _publish(warehouse, settings, limit=100)
    warehouse.close()

    assert settings.serving_path.resolve().parent.name == manifest["version"]
    assert manifest["run_id"] == RUN and manifest["as_of"] == "2026-03-31"
    # Row-level marts are in the restricted file and exports only.
    with duckdb.connect(str(settings.serving_path), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == {"kpi"}
    assert _one(settings.restricted_serving_path, "SELECT count(*) FROM marts.quarantine") == (250,)
    assert sorted(p.name for p in settings.export_path.iterdir()) == ["kpi.csv", "kpi.parquet"]
    # The quarantine export is capped; the manifest counts what was left out.
    assert len(pd.read_parquet(settings.restricted_export_path / "quarantine.parquet")) == 100
    csv_lines = (settings.restricted_export_path / "quarantine.csv").read_text("utf-8-sig")
    assert len(csv_lines.splitlines()) == 101
    assert manifest["exports"]["quarantine"] == {"rows_exported": 100, "rows_left_out": 150}
    on_disk = json.loads((settings.serving_path.parent / "manifest.json").read_text("utf-8"))
    assert on_disk == manifest


def test_swap_while_a_reader_holds_the_old_version(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    warehouse = _warehouse_with_marts(settings.warehouse, generation=1)
    _publish(warehouse, settings)
    old_file = settings.serving_path.resolve()

    reader = duckdb.connect(str(settings.serving_path), read_only=True)
    assert reader.execute("SELECT generation FROM marts.kpi").fetchone() == (1,)
    other_process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys
                con = duckdb.connect({str(settings.serving_path)!r}, read_only=True)
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
        for generation in (2, 3, 4):  # the reader's version is removed after two more
            warehouse.execute("UPDATE marts.kpi SET generation = ?", [generation])
            _publish(warehouse, settings, run_id=f"run{generation}")
        assert not old_file.exists()
        assert reader.execute("SELECT generation FROM marts.kpi").fetchone() == (1,)
        other_process.stdin.write("\n")
        other_process.stdin.flush()
        assert other_process.stdout.readline().strip() == "1"
    finally:
        other_process.communicate(timeout=30)
    reader.close()
    assert _one(settings.serving_path, "SELECT generation, label FROM marts.kpi") == (
        4,
        "Göteborg",
    )
    # The last two versions and the link remain; the warehouse has nothing attached.
    assert len([p for p in settings.publish_root.iterdir() if p.name.startswith("v")]) == 2
    databases = warehouse.execute("SELECT database_name FROM duckdb_databases()").fetchall()
    attached = {r[0] for r in databases}
    assert not any(name.startswith("published") for name in attached)
    warehouse.close()


def test_exports_open_in_swedish_excel(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    warehouse = _warehouse_with_marts(settings.warehouse, generation=7)
    _publish(warehouse, settings)
    warehouse.close()
    raw = (settings.export_path / "kpi.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    lines = raw[len(codecs.BOM_UTF8) :].decode("utf-8").splitlines()
    assert lines == ["generation;label;value;period_start", "7;Göteborg;0,25;2026-03-01"]
    parquet = pd.read_parquet(settings.export_path / "kpi.parquet")
    assert parquet.loc[0, "value"] == 0.25


_KILLED_PUBLISH = """
import sys, time, duckdb
from datetime import date
from assets.publish import exports
from assets.publish.version import publish_version
original = exports.export_marts
def slow(con, tables, folder, limits=None):
    written = original(con, tables[:1], folder, limits)
    print("exporting", flush=True)
    time.sleep(600)
exports.export_marts = slow
import assets.publish.version as version
version.export_marts = slow
con = duckdb.connect(sys.argv[1])
publish_version(con, __import__("pathlib").Path(sys.argv[2]), "killedrun", date(2026, 3, 31), 10)
"""


def test_a_publish_killed_mid_export_changes_nothing_and_is_cleaned_up(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    warehouse = _warehouse_with_marts(settings.warehouse, generation=1)
    _, first = _publish(warehouse, settings)
    warehouse.execute("UPDATE marts.kpi SET generation = 2")
    warehouse.close()
    before = {p.name: p.read_bytes() for p in settings.export_path.iterdir()}

    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _KILLED_PUBLISH,
            str(settings.warehouse),
            str(settings.publish_root),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "exporting"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)

    # Readers still see the first version, whole: serving and exports from the same run.
    assert _one(settings.serving_path, "SELECT generation FROM marts.kpi") == (1,)
    assert {p.name: p.read_bytes() for p in settings.export_path.iterdir()} == before
    manifest = json.loads((settings.serving_path.parent / "manifest.json").read_text("utf-8"))
    assert manifest["run_id"] == first["run_id"]
    leftovers = [p.name for p in settings.publish_root.iterdir() if p.name.startswith(".")]
    assert leftovers, "the killed run left its half-built version"

    warehouse = duckdb.connect(str(settings.warehouse))
    time.sleep(0.01)
    _, second = _publish(warehouse, settings, run_id="nextrun0")
    warehouse.close()
    assert _one(settings.serving_path, "SELECT generation FROM marts.kpi") == (2,)
    assert second["run_id"] == "nextrun0"
    names = sorted(p.name for p in settings.publish_root.iterdir())
    assert names == sorted(["current", first["version"], second["version"]])


def test_a_mart_nobody_declared_aggregated_is_published_restricted_only(tmp_path: Path) -> None:
    """Publishing is an allow-list: a new mart (here row-level, as a developer might add one)
    reaches neither the aggregated serving file nor the open exports until it is declared
    aggregated in data_contracts/published.py; it goes to the restricted file and the manifest
    and the run's log name it."""
    settings = _settings(tmp_path)
    warehouse = _warehouse_with_marts(settings.warehouse, generation=1)
    warehouse.execute(
        "CREATE TABLE marts.new_case_list AS SELECT 'SIP-1' AS sip_id, 'VC-Norr' AS unit"
    )
    _, manifest = _publish(warehouse, settings)
    warehouse.close()

    with duckdb.connect(str(settings.serving_path), read_only=True) as con:
        public = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert public == {"kpi"}
    assert {p.stem for p in settings.export_path.iterdir()} == {"kpi"}
    assert _one(settings.restricted_serving_path, "SELECT sip_id FROM marts.new_case_list") == (
        "SIP-1",
    )
    assert (settings.restricted_export_path / "new_case_list.parquet").is_file()
    assert sorted(manifest["restricted"]["undeclared"]) == ["extra", "new_case_list"]
