"""Every delivery is isolated (issue 13): a file that cannot be read is rejected whole, with a
Swedish reason, and recorded, and every other file loads; nothing in the landing folder is
ignored without the steward being told; nothing outside the landing folder is read."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd

from assets.ingest.load import ingest_entity
from data_contracts.settings import Settings
from tests.conftest import alert_lines, run_pipeline
from tests.dashboards.conftest import open_page
from tests.test_ingest import PLAN_HEADER, plan_row, write


def mixed_line_endings(path: Path) -> Path:
    """Windows line ends with every other line Unix: DuckDB's CSV sniffer gives up on it."""
    lines = ["sip_id,municipality_code,need_identified_date"] + [
        f"SIP-M{i},1480,2026-01-0{i % 9 + 1}" for i in range(1000)
    ]
    path.write_bytes(
        "".join(
            line + ("\n" if i % 2 == 0 and i else "\r\n") for i, line in enumerate(lines)
        ).encode()
    )
    return path


def corrupt_parquet(path: Path) -> Path:
    """A Parquet file whose footer and schema are intact but whose data pages are garbage."""
    columns = PLAN_HEADER.split(",")
    frame = pd.DataFrame([plan_row(f"SIP-P{i}").split(",") for i in range(20_000)], columns=columns)
    frame.to_parquet(path, compression=None)
    data = bytearray(path.read_bytes())
    start = len(data) // 3
    for i in range(start, start + 4000):
        data[i] = (data[i] * 7 + 13) % 256
    path.write_bytes(bytes(data))
    return path


def test_unreadable_files_are_rejected_recorded_and_the_others_load(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "sip_plans"
    write(folder / "2026-01.csv", PLAN_HEADER, plan_row("SIP-1"))
    mixed_line_endings(folder / "2026-02.csv")
    (folder / "2026-03.parquet").write_bytes(os.urandom(5000))
    corrupt_parquet(folder / "2026-04.parquet")
    write(folder / "2026-05.csv", PLAN_HEADER, plan_row("SIP-5"))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))

    results = ingest_entity(con, landing, "sip_plans")

    assert [(r.file, r.status) for r in results] == [
        ("2026-01.csv", "loaded"),
        ("2026-02.csv", "rejected"),
        ("2026-03.parquet", "rejected"),
        ("2026-04.parquet", "rejected"),
        ("2026-05.csv", "loaded"),
    ]
    assert "CSV" in results[1].error and "radslut" in results[1].error
    assert "Parquet" in results[2].error and "Parquet" in results[3].error
    assert con.execute("SELECT sip_id FROM raw.sip_plans ORDER BY 1").fetchall() == [
        ("SIP-1",),
        ("SIP-5",),
    ]
    recorded = con.execute(
        "SELECT file, status, error FROM meta.deliveries ORDER BY file"
    ).fetchall()
    assert [(f, s) for f, s, _ in recorded] == [(r.file, r.status) for r in results]
    assert all(e for f, s, e in recorded if s == "rejected")
    con.close()


def test_ignored_folders_sheets_and_columns_are_reported(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "sip_plans"
    write(folder / "2026-01.csv", PLAN_HEADER, plan_row("SIP-1"))
    # A duplicated header column: the first wins, the steward is told about the second.
    write(folder / "2026-02.csv", PLAN_HEADER + ",sip_id", plan_row("SIP-2") + ",SIP-X")
    # Data only on the second sheet, with a notes sheet in front.
    workbook = openpyxl.Workbook()
    workbook.active.title = "Anteckningar"
    workbook.active.append(["Export från Lifecare, mars"])
    data = workbook.create_sheet("Planer")
    data.append(PLAN_HEADER.split(","))
    data.append(plan_row("SIP-3").split(","))
    workbook.save(folder / "2026-03.xlsx")
    write(folder / "arkiv" / "2025-12.csv", PLAN_HEADER, plan_row("SIP-OLD"))
    write(landing / "Sip_Plans" / "2026-04.csv", PLAN_HEADER, plan_row("SIP-4"))
    write(landing / "plans" / "2026-05.csv", PLAN_HEADER, plan_row("SIP-5"))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))

    results = {r.file: r for r in ingest_entity(con, landing, "sip_plans")}

    assert con.execute("SELECT sip_id FROM raw.sip_plans ORDER BY 1").fetchall() == [
        ("SIP-1",),
        ("SIP-2",),
        ("SIP-3",),
    ]
    assert any("dubblett" in n and "sip_id" in n for n in results["2026-02.csv"].notices)
    assert any("Anteckningar" in n for n in results["2026-03.xlsx"].notices)
    for ignored in ("sip_plans/arkiv/", "Sip_Plans/", "plans/"):
        assert results[ignored].status == "ignored", ignored
    notices = con.execute(
        "SELECT file, status, error, notices FROM meta.deliveries ORDER BY file"
    ).fetchall()
    shown = {f: (s, e, n) for f, s, e, n in notices}
    assert shown["Sip_Plans/"][0] == "ignored" and "sip_plans" in shown["Sip_Plans/"][1]
    assert any("Anteckningar" in n for n in shown["2026-03.xlsx"][2])
    con.close()


def test_links_out_of_the_landing_folder_are_refused_and_not_read(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "sip_plans"
    write(folder / "2026-01.csv", PLAN_HEADER, plan_row("SIP-1"))
    outside = write(tmp_path / "elsewhere" / "plans.csv", PLAN_HEADER, plan_row("SIP-OUT"))
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:hemlig rad\n", encoding="utf-8")
    (folder / "2026-02.csv").symlink_to(outside)
    (folder / "2026-03.csv").symlink_to(secret)
    (folder / "2026-04.csv").symlink_to(folder / "2026-01.csv")  # inside: allowed
    con = duckdb.connect(str(tmp_path / "w.duckdb"))

    results = {r.file: r for r in ingest_entity(con, landing, "sip_plans")}

    assert results["2026-02.csv"].status == "rejected"
    assert results["2026-03.csv"].status == "rejected"
    assert "utanför landningsmappen" in results["2026-03.csv"].error
    assert results["2026-04.csv"].status == "loaded"
    assert con.execute("SELECT DISTINCT sip_id FROM raw.sip_plans").fetchall() == [("SIP-1",)]
    stored = con.execute("SELECT string_agg(coalesce(error, ''), ' ') FROM meta.deliveries")
    assert "hemlig" not in stored.fetchone()[0]
    con.close()


def test_scratch_files_stay_under_the_warehouse_folder(tmp_path: Path, monkeypatch) -> None:
    landing = tmp_path / "landing"
    write(landing / "sip_plans" / "2026-01.csv", PLAN_HEADER, plan_row("SIP-Å"), encoding="cp1252")
    system_tmp = tmp_path / "system_tmp"
    system_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(system_tmp))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    seen: list[Path] = []
    from assets.ingest import readers

    original = readers._transcode_to_utf8

    def spy(path, encoding, directory):
        target = original(path, encoding, directory)
        seen.append(target)
        return target

    monkeypatch.setattr(readers, "_transcode_to_utf8", spy)
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    con = duckdb.connect(str(warehouse / "sip.duckdb"))
    ingest_entity(con, landing, "sip_plans")
    con.close()
    assert seen and all(warehouse in p.parents for p in seen)
    assert not list(system_tmp.iterdir())


def test_rejections_and_notices_reach_the_runs_metadata_and_the_steward_page(
    tmp_path: Path, monkeypatch
) -> None:
    landing = tmp_path / "landing"
    write(landing / "sip_plans" / "2026-01.csv", PLAN_HEADER + ",sip_id", plan_row("SIP-1") + ",X")
    (landing / "sip_plans" / "2026-02.parquet").write_bytes(os.urandom(3000))
    write(landing / "plans" / "2026-03.csv", PLAN_HEADER, plan_row("SIP-3"))
    settings = Settings(landing_dir=landing, warehouse=tmp_path / "warehouse" / "sip.duckdb")
    result = run_pipeline(settings)
    assert result.success
    [materialization] = [m for m in result.asset_materializations_for_node("raw_sip_plans")]
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert metadata["files_rejected"] == 1
    assert "2026-02.parquet" in metadata["deliveries"]
    assert "plans/" in metadata["ignored"]
    with duckdb.connect(str(settings.restricted_serving_path), read_only=True) as con:
        quality = con.execute(
            "SELECT file, status FROM marts.data_quality WHERE entity = 'sip_plans' ORDER BY 1"
        ).fetchall()
    assert ("plans/", "ignored") in quality and ("2026-02.parquet", "rejected") in quality

    monkeypatch.setenv("SIP_WAREHOUSE", str(settings.warehouse))
    monkeypatch.delenv("SIP_PUBLISH_DIR", raising=False)
    page = open_page("steward")
    errors = " ".join(e.value for e in page.error)
    alerts = " ".join(alert_lines(page))
    assert "filen kunde inte läsas som Parquet" in errors
    assert "Lästes inte: plans" in alerts and "dubblett" in alerts
