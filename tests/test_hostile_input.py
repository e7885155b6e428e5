"""Hostile input end to end (issue 14): personal data in Unicode disguise, formulas, Markdown and
HTML, through pipeline, marts, exports, Dagster's storage, the bytes of every DuckDB file and the
steward's page. The browser half is `tests/browser/test_hostile_input.py`."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import DagsterInstance, materialize
from streamlit.testing.v1 import AppTest

from data_contracts.safe_text import FORMULA_STARTS
from data_contracts.settings import Settings
from tests.hostile_corpus import (
    PII_VALUES,
    RAW_PNR,
    HostileRun,
    files_holding,
    hostile_markup,
)

ROOT = Path(__file__).resolve().parents[1]


def _rows(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_the_run_succeeds_and_rows_are_judged_as_the_contract_says(hostile_run: HostileRun):
    assert hostile_run.success
    warehouse = hostile_run.settings.warehouse
    accepted = {r[0] for r in _rows(warehouse, "SELECT sip_id FROM staging.sip_plans")}
    # A date is not a phone number; ids that look like formulas are still ids.
    assert {"H-DATE", "=1+2", "@SUM(1+1)", "-2+3", "+1"} <= accepted
    rules = {
        entity_id: set(rules)
        for entity_id, rules in _rows(
            warehouse,
            "SELECT entity_id, rules FROM quarantine.rows WHERE entity = 'sip_plans'",
        )
    }
    for i in range(6):
        assert rules[f"H-PII-{i}"] == {"pii:person_key"}, i
    for name in hostile_markup(hostile_run.beacon.url):
        assert rules[f"H-UNIT-{name}"] == {"pattern:initiating_unit"}, name
    units = {
        r[0]
        for r in _rows(
            hostile_run.settings.serving_path,
            "SELECT DISTINCT dimension_value FROM marts.kpi WHERE dimension = 'initiating_unit'",
        )
    }
    assert units == {"VC-Centrum"}  # no hostile unit code became a dimension value


def test_file_names_are_masked_and_told_apart_by_content_hash(hostile_run: HostileRun):
    files = {
        file: status
        for file, status in _rows(
            hostile_run.settings.restricted_serving_path,
            "SELECT file, status FROM marts.data_quality WHERE entity = 'sip_plans'",
        )
    }
    assert len(files) == 2
    assert all(
        re.fullmatch(r"2026-0[12]_pnr_\[personnummer\]\.csv \[[0-9a-f]{12}\]", f) for f in files
    )
    assert sorted(files.values()) == ["loaded", "rejected"]


def test_no_personal_data_in_the_bytes_of_any_database_file(hostile_run: HostileRun):
    assert hostile_run.success
    databases = [p for p in hostile_run.root.rglob("*") if p.name.endswith((".duckdb", ".wal"))]
    assert databases  # the warehouse and the serving database at least
    assert files_holding(hostile_run.root, PII_VALUES, (".duckdb", ".wal")) == {}
    # Masked, not dropped: the kinds found are still there for the steward.
    masked = b"[personnummer]"
    assert any(masked in p.read_bytes() for p in databases)


def test_no_personal_data_in_dagster_storage(hostile_run: HostileRun):
    assert hostile_run.success
    assert any(hostile_run.dagster_home.rglob("*.db"))  # the event log is there
    assert files_holding(hostile_run.dagster_home, PII_VALUES) == {}


def _cells(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8-sig")
    return [cell for row in csv.reader(text.splitlines(), delimiter=";") for cell in row]


def test_exports_hold_no_personal_data_and_no_live_formula(hostile_run: HostileRun):
    exports = hostile_run.settings.export_path
    csv_files = sorted(exports.rglob("*.csv"))
    assert csv_files
    assert files_holding(exports, PII_VALUES) == {}
    cells = [cell for path in csv_files for cell in _cells(path)]
    number = re.compile(r"-?[0-9]+(,[0-9]+)?")
    live = [c for c in cells if c.startswith(FORMULA_STARTS) and not number.fullmatch(c)]
    assert live == []
    # Neutralised, not dropped: the quarantined row's id is there, as text.
    assert any(c.startswith("'=HYPERLINK(") for c in cells)


def test_the_steward_page_shows_data_as_plain_text(
    hostile_run: HostileRun, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SIP_WAREHOUSE", str(hostile_run.settings.warehouse))
    monkeypatch.delenv("SIP_PUBLISH_DIR", raising=False)
    app = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=120)
    app.switch_page("pages/steward.py")
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    [rejection] = [e.value for e in app.error if "ingen känd kolumnrubrik" in e.value]
    # Escaped Markdown: the image and link are text, the file name is masked.
    assert r"\!\[t\]\(http\:" in rejection and r"\[Logga in här\]\(" in rejection
    assert "![t](" not in rejection and RAW_PNR not in rejection


def _corrupt_parquet(path: Path) -> None:
    """A Parquet file whose footer reads but whose data pages do not."""
    rows = 2000
    table = pa.table(
        {
            "sip_id": [f"S-{i}" for i in range(rows)],
            "person_key": [RAW_PNR] * rows,
            "initiating_unit": ["VC-Centrum"] * rows,
        }
    )
    pq.write_table(table, path, compression="zstd")
    content = bytearray(path.read_bytes())
    for i in range(200, 400):
        content[i] ^= 0x5A
    path.write_bytes(bytes(content))


@pytest.fixture
def failing_landing(tmp_path: Path) -> Settings:
    folder = tmp_path / "landing" / "sip_plans"
    folder.mkdir(parents=True)
    _corrupt_parquet(folder / f"2026-03_pnr_{RAW_PNR}.parquet")
    return Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "w" / "sip.duckdb")


def test_a_rejected_read_leaves_no_personal_data_in_dagster_storage(
    failing_landing: Settings, tmp_path: Path
):
    from pipelines.definitions import all_assets
    from pipelines.resources import build_resources

    raw_plans = next(a for a in all_assets if a.key.to_user_string() == "raw_sip_plans")
    home = tmp_path / "dagster_home"
    home.mkdir()
    with DagsterInstance.local_temp(tempdir=str(home)) as instance:
        result = materialize(
            [raw_plans],
            resources=build_resources(failing_landing),
            instance=instance,
            raise_on_error=False,
        )
    # The unreadable file is rejected on its own (issue 13) and the step goes on; its log line
    # and metadata say which file, masked.
    assert result.success
    [materialization] = result.asset_materializations_for_node("raw_sip_plans")
    message = str(materialization.metadata["deliveries"].value)
    assert "rejected" in message and "[personnummer]" in message and RAW_PNR not in message
    assert files_holding(home, PII_VALUES) == {}
    assert files_holding(failing_landing.warehouse.parent, PII_VALUES) == {}


def test_the_dagster_cli_leaves_no_personal_data_in_its_storage_or_output(
    failing_landing: Settings, tmp_path: Path
):
    home = tmp_path / "dagster_home"
    home.mkdir()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SIP_LANDING_DIR": str(failing_landing.landing_dir),
        "SIP_WAREHOUSE": str(failing_landing.warehouse),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster",
            "asset",
            "materialize",
            "-m",
            "pipelines.definitions",
            "--select",
            "raw_sip_plans",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0  # the unreadable file is rejected, not a failed run (issue 13)
    output = run.stdout + run.stderr
    assert "[personnummer]" in output
    assert [v for v in PII_VALUES if v in output] == []
    assert any(home.rglob("*.db"))
    assert files_holding(home, PII_VALUES) == {}
