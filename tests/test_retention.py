"""Retention (docs/retention.md): once loaded, a delivery stays in the warehouse when its file
leaves the landing folder (stewards move processed files to an archive); only the steward's
explicit withdrawal, with a reason, takes it out, and that is logged and shown."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from assets.ingest.load import GONE_FROM_LANDING, ingest_entity
from data_contracts.withdrawals import WithdrawalError, read_requests, request_withdrawal
from tests.test_ingest import PLAN_HEADER, plan_row, write

ROOT = Path(__file__).resolve().parent.parent


def _landing(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    write(landing / "sip_plans" / "2026-01.csv", PLAN_HEADER, plan_row("SIP-1"), plan_row("SIP-2"))
    write(landing / "sip_plans" / "2026-02.csv", PLAN_HEADER, plan_row("SIP-3"))
    return landing


def _ids(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute("SELECT _file, sip_id FROM raw.sip_plans ORDER BY 1, 2").fetchall()


def test_a_delivery_moved_to_an_archive_keeps_its_rows(tmp_path: Path) -> None:
    landing = _landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ingest_entity(con, landing, "sip_plans")
    before = _ids(con)

    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.move(landing / "sip_plans" / "2026-01.csv", archive / "2026-01.csv")
    results = {r.file: r for r in ingest_entity(con, landing, "sip_plans")}

    assert _ids(con) == before  # nothing lost
    gone = results["2026-01.csv"]
    assert (gone.status, gone.rows_read, gone.error) == ("gone", 2, GONE_FROM_LANDING)
    assert GONE_FROM_LANDING == "filen finns inte längre i landningsmappen – data behålls"
    assert results["2026-02.csv"].status == "unchanged"
    assert con.execute(
        "SELECT file, status, in_landing FROM meta.deliveries ORDER BY file"
    ).fetchall() == [("2026-01.csv", "loaded", False), ("2026-02.csv", "loaded", True)]

    # Brought back unchanged, it is the same delivery, not a new one.
    shutil.move(archive / "2026-01.csv", landing / "sip_plans" / "2026-01.csv")
    assert [r.status for r in ingest_entity(con, landing, "sip_plans")] == ["unchanged"] * 2
    assert con.execute("SELECT bool_and(in_landing) FROM meta.deliveries").fetchone() == (True,)
    con.close()


def test_a_rejected_file_that_leaves_takes_only_its_rejection_with_it(tmp_path: Path) -> None:
    landing = _landing(tmp_path)
    (landing / "sip_plans" / "2026-03.csv").write_bytes(bytes(range(256)) * 10)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ingest_entity(con, landing, "sip_plans")
    (landing / "sip_plans" / "2026-03.csv").unlink()
    assert [r.file for r in ingest_entity(con, landing, "sip_plans")] == [
        "2026-01.csv",
        "2026-02.csv",
    ]
    assert con.execute("SELECT count(*) FROM meta.deliveries").fetchone() == (2,)
    con.close()


def test_withdrawal_is_explicit_logged_and_stays_until_the_file_changes(tmp_path: Path) -> None:
    landing = _landing(tmp_path)
    log = tmp_path / "withdrawal_requests.jsonl"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ingest_entity(con, landing, "sip_plans")

    request_withdrawal(log, "sip_plans", "2026-01.csv", "fel region, ring 070-123 45 67", "anna")
    request_withdrawal(log, "sip_plans", "2026-09.csv", "finns inte", "anna")
    requests = read_requests(log)
    assert requests[0].reason == "fel region, ring [telefon]"  # free text is masked
    messages: list[str] = []
    results = ingest_entity(con, landing, "sip_plans", messages.append, withdrawals=requests)

    assert _ids(con) == [("2026-02.csv", "SIP-3")]
    assert [(r.file, r.status) for r in results] == [
        ("2026-01.csv", "withdrawn"),
        ("2026-02.csv", "unchanged"),
    ]
    assert con.execute(
        "SELECT status, withdrawn_by, withdrawal_reason, withdrawn_at IS NOT NULL "
        "FROM meta.deliveries WHERE file = '2026-01.csv'"
    ).fetchone() == ("withdrawn", "anna", "fel region, ring [telefon]", True)
    assert con.execute("SELECT file, outcome FROM meta.withdrawals ORDER BY file").fetchall() == [
        ("2026-01.csv", "återkallad"),
        ("2026-09.csv", "ingen inläst leverans med det namnet"),
    ]
    assert any("2026-01.csv: återkallad på begäran av anna" in m for m in messages)

    # The next run applies no request twice, and the unchanged file stays out.
    again = ingest_entity(con, landing, "sip_plans", withdrawals=requests)
    assert [r.status for r in again] == ["withdrawn", "unchanged"]
    assert con.execute("SELECT count(*) FROM meta.withdrawals").fetchone() == (2,)
    assert _ids(con) == [("2026-02.csv", "SIP-3")]

    # A corrected delivery under the same name is a new delivery, and loads.
    write(landing / "sip_plans" / "2026-01.csv", PLAN_HEADER, plan_row("SIP-1", "given"))
    assert [r.status for r in ingest_entity(con, landing, "sip_plans", withdrawals=requests)] == [
        "loaded",
        "unchanged",
    ]
    assert _ids(con) == [("2026-01.csv", "SIP-1"), ("2026-02.csv", "SIP-3")]
    con.close()


@pytest.mark.parametrize(
    ("entity", "file", "reason", "message"),
    [
        ("plans", "2026-01.csv", "fel", "okänd entitet"),
        ("sip_plans", "2026-01.csv", "  ", "ange ett skäl"),
        ("sip_plans", "", "fel", "ange vilken leverans"),
    ],
)
def test_a_withdrawal_needs_an_entity_a_file_and_a_reason(
    tmp_path: Path, entity: str, file: str, reason: str, message: str
) -> None:
    log = tmp_path / "requests.jsonl"
    with pytest.raises(WithdrawalError, match=message):
        request_withdrawal(log, entity, file, reason, "anna")
    assert not log.exists()


def test_the_withdraw_command_files_a_request(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    env = {"PATH": "/usr/bin:/bin", "SIP_WITHDRAWAL_REQUESTS": str(log)}
    command = [sys.executable, "-m", "pipelines.withdraw", "sip_plans", "2026-01.csv"]
    done = subprocess.run(
        [*command, "--reason", "levererad två gånger", "--by", "anna"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "nästa körning" in done.stdout
    [request] = read_requests(log)
    assert (request.entity, request.file, request.reason, request.requested_by) == (
        "sip_plans",
        "2026-01.csv",
        "levererad två gånger",
        "anna",
    )
    refused = subprocess.run(
        [*command, "--reason", " "], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert refused.returncode != 0 and "ange ett skäl" in refused.stderr
    assert len(read_requests(log)) == 1


def test_the_steward_sees_kept_and_withdrawn_deliveries_and_withdraws_with_a_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the real pipeline and the steward page: an archived file keeps its plans in the
    model, a withdrawn one loses them, both are shown, and the page's button files a request."""
    from streamlit.testing.v1 import AppTest

    from data_contracts.settings import Settings
    from tests.conftest import alert_lines, run_pipeline

    landing = _landing(tmp_path)
    write(landing / "sip_plans" / "2026-03.csv", PLAN_HEADER, plan_row("SIP-4"))
    settings = Settings(landing_dir=landing, warehouse=tmp_path / "warehouse" / "sip.duckdb")
    assert run_pipeline(settings).success
    shutil.move(landing / "sip_plans" / "2026-01.csv", tmp_path / "2026-01.csv")
    request_withdrawal(
        settings.withdrawal_requests_path, "sip_plans", "2026-02.csv", "dubblett", "anna"
    )
    assert run_pipeline(settings).success

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        plans = con.execute("SELECT sip_id FROM model.sip_plans ORDER BY 1").fetchall()
    assert plans == [("SIP-1",), ("SIP-2",), ("SIP-4",)]
    with duckdb.connect(str(settings.restricted_serving_path), read_only=True) as con:
        listed = con.execute(
            "SELECT file, verdict, in_landing, withdrawn_by, withdrawal_reason "
            "FROM marts.data_quality ORDER BY file"
        ).fetchall()
    assert listed == [
        ("2026-01.csv", "accepted", False, None, None),
        ("2026-02.csv", "withdrawn", True, "anna", "dubblett"),
        ("2026-03.csv", "accepted", True, None, None),
    ]

    monkeypatch.setenv("SIP_WAREHOUSE", str(settings.warehouse))
    monkeypatch.delenv("SIP_PUBLISH_DIR", raising=False)
    monkeypatch.delenv("SIP_WITHDRAWAL_REQUESTS", raising=False)
    app = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=120)
    app.switch_page("pages/steward.py")
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    shown = " ".join(alert_lines(app))
    assert "SIP-planer, 2026\\-01\\.csv: filen finns inte längre i landningsmappen" in shown
    assert "Återkallad: SIP-planer, 2026\\-02\\.csv – av anna den" in shown
    assert "dubblett" in shown

    app.selectbox(key="withdraw_delivery").set_value("sip_plans/2026-03.csv")
    app.text_input(key="withdraw_reason").input("fel enhet i hela filen")
    app.button(key="withdraw_submit").click().run()
    assert not app.exception, [e.message for e in app.exception]
    assert any("Återkallelsen av SIP-planer" in s.value for s in app.success)
    latest = read_requests(settings.withdrawal_requests_path)[-1]
    assert (latest.entity, latest.file, latest.reason) == (
        "sip_plans",
        "2026-03.csv",
        "fel enhet i hela filen",
    )
    assert latest.requested_by  # the signed-in (here the demo) user
