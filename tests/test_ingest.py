"""Applying deliveries: idempotent re-delivery, replaced and moved files, rejected files,
and last-delivery-wins through to the model."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from assets.ingest.load import ingest_entity
from data_contracts.settings import Settings
from tests.conftest import run_pipeline

PLAN_HEADER = (
    "sip_id,person_key,municipality_code,age_band,target_group,initiated_by,"
    "initiating_principal,initiating_unit,after_discharge,need_identified_date,consent_status,"
    "consent_date,consent_withdrawn_date,invitation_date,lead_principal,coordinator_appointed,"
    "closed_date,closure_reason"
)


def plan_row(sip_id: str, consent_status: str = "pending", closed: str = "") -> str:
    reason = "goals_met" if closed else ""
    consent_date = "2026-01-12" if consent_status != "pending" else ""
    return (
        f"{sip_id},P-{sip_id},1480,25-44,dementia,staff_region,region,VC-Centrum,false,"
        f"2026-01-10,{consent_status},{consent_date},,,region,true,{closed},{reason}"
    )


def write(path: Path, *lines: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_redelivery_changes_nothing_and_changed_files_replace_their_rows(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "sip_plans"
    write(folder / "2026-01.csv", PLAN_HEADER, plan_row("SIP-1"), plan_row("SIP-2"))
    write(folder / "2026-02.csv", PLAN_HEADER, plan_row("SIP-2", "given"))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))

    first = ingest_entity(con, landing, "sip_plans")
    assert [(r.file, r.status, r.rows_read) for r in first] == [
        ("2026-01.csv", "loaded", 2),
        ("2026-02.csv", "loaded", 1),
    ]
    snapshot = con.execute("SELECT * FROM meta.deliveries ORDER BY file").df()

    again = ingest_entity(con, landing, "sip_plans")
    assert [r.status for r in again] == ["unchanged", "unchanged"]
    pd.testing.assert_frame_equal(
        snapshot, con.execute("SELECT * FROM meta.deliveries ORDER BY file").df()
    )
    assert con.execute("SELECT count(*) FROM raw.sip_plans").fetchone() == (3,)

    # A corrected re-delivery of February replaces February's rows only.
    write(folder / "2026-02.csv", PLAN_HEADER, plan_row("SIP-2", "given"), plan_row("SIP-3"))
    assert [r.status for r in ingest_entity(con, landing, "sip_plans")] == ["unchanged", "loaded"]
    assert con.execute(
        "SELECT _file, _row, sip_id FROM raw.sip_plans ORDER BY _file, _row"
    ).fetchall() == [
        ("2026-01.csv", 1, "SIP-1"),
        ("2026-01.csv", 2, "SIP-2"),
        ("2026-02.csv", 1, "SIP-2"),
        ("2026-02.csv", 2, "SIP-3"),
    ]

    # A file that leaves the landing folder keeps its rows (tests/test_retention.py).
    (folder / "2026-01.csv").unlink()
    assert [r.status for r in ingest_entity(con, landing, "sip_plans")] == ["gone", "unchanged"]
    assert con.execute("SELECT count(*) FROM raw.sip_plans").fetchone() == (4,)
    con.close()


def test_an_unreadable_file_is_rejected_and_the_others_load(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "sip_plans"
    write(folder / "2026-01.csv", PLAN_HEADER, plan_row("SIP-1"))
    (folder / "2026-02.csv").write_bytes(bytes(range(256)) * 10)
    write(folder / "2026-03.csv", PLAN_HEADER, plan_row("SIP-3"))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    results = ingest_entity(con, landing, "sip_plans")
    assert [r.status for r in results] == ["loaded", "rejected", "loaded"]
    assert results[1].file == "2026-02.csv" and "texttabell" in results[1].error
    assert con.execute("SELECT sip_id FROM raw.sip_plans ORDER BY 1").fetchall() == [
        ("SIP-1",),
        ("SIP-3",),
    ]
    status = con.execute(
        "SELECT status, error IS NOT NULL FROM meta.deliveries WHERE file = '2026-02.csv'"
    ).fetchone()
    assert status == ("rejected", True)
    con.close()


def test_last_delivery_wins_across_formats_and_swedish_headers(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / "sip_plans"
    write(folder / "2026-01.csv", PLAN_HEADER, plan_row("SIP-1"), plan_row("SIP-2"))
    # February: a Windows-1252, ';' export with Swedish headers and code labels from the
    # contract, updating SIP-1.
    from data_contracts.contracts import load_contract

    contract = load_contract("sip_plans")
    canonical = PLAN_HEADER.split(",")
    values = dict(zip(canonical, plan_row("SIP-1", "given", "2026-03-01").split(","), strict=True))
    swedish_header = ";".join(contract.field(name).label_sv for name in canonical)
    swedish_values = [
        (contract.field(name).codes or {}).get(value, value) for name, value in values.items()
    ]
    write(
        folder / "2026-02.csv",
        swedish_header,
        ";".join(swedish_values),
        encoding="cp1252",
    )
    # March: Parquet, updating SIP-2.
    march = pd.DataFrame([plan_row("SIP-2", "declined").split(",")], columns=canonical)
    march.to_parquet(folder / "2026-03.parquet")

    settings = Settings(landing_dir=landing, warehouse=tmp_path / "warehouse" / "sip.duckdb")
    run_pipeline(settings)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        model = con.execute(
            "SELECT sip_id, consent_status, closed_date::VARCHAR, closure_reason, _file "
            "FROM model.sip_plans ORDER BY sip_id"
        ).fetchall()
    assert model == [
        ("SIP-1", "given", "2026-03-01", "goals_met", "2026-02.csv"),
        ("SIP-2", "declined", None, None, "2026-03.parquet"),
    ]
