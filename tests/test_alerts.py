"""The steward's e-mail reads what was published, never the warehouse the pipeline writes: a
run holding the warehouse does not break it, and after a failed first run it says plainly that
nothing has been published yet."""

from __future__ import annotations

import email
import subprocess
import sys
from datetime import date
from email import policy
from email.message import EmailMessage
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller

from assets.publish.version import publish_version
from assets.resources import SipSettings
from data_contracts.settings import Settings
from pipelines.sensors import _mail_steward
from tests.processes import free_port


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch):
    received, port = _Inbox(), free_port()
    server = Controller(received, hostname="127.0.0.1", port=port)
    server.start()
    monkeypatch.setenv("SIP_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SIP_SMTP_PORT", str(port))
    monkeypatch.setenv("SIP_SMTP_TO", "forvaltare@region.example")
    yield received
    server.stop()


def _publish_steward_marts(settings: Settings) -> None:
    """A published version whose steward marts hold one rejected file (as a run leaves it)."""
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.data_quality AS SELECT 'sip_meetings' AS entity, "
            "'2026-11_garbage.csv' AS file, 'rejected' AS verdict, 'new' AS change, "
            "0::BIGINT AS pii_findings, 0::BIGINT AS rows_quarantined, 0::BIGINT AS rows_read"
        )
        con.execute(
            "CREATE TABLE marts.freshness AS SELECT 'sip_meetings' AS entity, "
            "current_localtimestamp() AS delivered_at, 'monthly' AS cadence, "
            "current_date + 30 AS next_due"
        )
        publish_version(con, settings.publish_root, "run-1", date(2026, 11, 30), 100)


def test_alerts_read_the_published_file_while_a_run_holds_the_warehouse(
    tmp_path: Path, inbox: _Inbox
) -> None:
    settings = Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "w" / "sip.duckdb")
    settings.warehouse.parent.mkdir()
    _publish_steward_marts(settings)
    # The next run has started: it holds the warehouse for writing.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('holding', flush=True); time.sleep(120)",
            str(settings.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert _mail_steward(SipSettings.from_settings(settings), run_failed=False) is None
    finally:
        holder.kill()
        holder.wait()
    [message] = inbox.messages
    body = message.get_content()
    assert "Avvisade filer: 1" in body and "2026-11_garbage.csv" in body


def test_after_a_failed_first_run_the_mail_says_nothing_is_published(
    tmp_path: Path, inbox: _Inbox
) -> None:
    settings = Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "w" / "sip.duckdb")
    settings.warehouse.parent.mkdir()
    # The failed run got as far as creating the warehouse, and no further.
    duckdb.connect(str(settings.warehouse)).close()
    sip = SipSettings.from_settings(settings)

    assert _mail_steward(sip, run_failed=True) is None
    [message] = inbox.messages
    assert message["Subject"] == "SIP-uppföljning: körningen misslyckades"
    assert "Inget har publicerats ännu" in message.get_content()
    # A successful run always publishes; were nothing there, there is nothing to report.
    skipped = _mail_steward(sip, run_failed=False)
    assert skipped is not None and "inget har publicerats" in skipped.skip_message
