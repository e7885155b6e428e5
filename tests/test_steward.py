"""The data steward's loop on a real pipeline: a month of demo deliveries, then a second run in
which a plans file with planted errors, an unreadable meetings file and a corrected delivery
arrive while the participants' deliveries are a month and a half old. Checked: the line each
record sits on, a verdict and change per delivery, freshness in the marts, in Dagster and on the
page, the fix list, the nightly schedule, the contract changelog, and the steward's e-mail
through a real SMTP server."""

from __future__ import annotations

import email
import os
import shutil
import time
from dataclasses import dataclass
from datetime import date
from email import policy
from email.message import EmailMessage
from pathlib import Path

import duckdb
import pytest
import yaml
from aiosmtpd.controller import Controller
from dagster import (
    DagsterInstance,
    DagsterRunStatus,
    DefaultScheduleStatus,
    ExecuteInProcessResult,
    RunRequest,
    SkipReason,
    build_run_status_sensor_context,
    build_schedule_context,
    instance_for_test,
    materialize,
)
from streamlit.testing.v1 import AppTest

from assets.resources import SipSettings
from assets.validate.rules import _field_rules, _unique_joins
from data_contracts.changelog import contract_changes
from data_contracts.contracts import ENTITIES, PACKAGE_DIR, load_contract
from data_contracts.pii import find_pii
from data_contracts.rule_catalogue import catalogue, describe_rule
from data_contracts.settings import Settings
from tests.conftest import alert_lines
from tests.processes import free_port
from tests.test_bad_inputs import PLAN_HEADER, csv_bytes, plan

APP = str(Path(__file__).resolve().parents[1] / "dashboards" / "app.py")
PHONE = "070-123 45 67"
FIXES_FILE = "2026-11_fixes.csv"
# The planted plans, in file order: line 1 is the header.
PLANTED = [
    (plan("FIX-OK"), set()),
    (plan("FIX-CODE", target_group="okand_grupp"), {"code:target_group"}),
    (plan("FIX-PII", initiating_unit=PHONE), {"pii:initiating_unit"}),
    (
        plan("FIX-ORDER", consent_date="2026-01-05"),
        {"date_order:consent_date<need_identified_date"},
    ),
]
LATE_DAYS = 45


@dataclass(frozen=True)
class StewardRun:
    settings: Settings
    instance: DagsterInstance
    result: ExecuteInProcessResult
    changed_file: str


def _materialize(settings: Settings, instance: DagsterInstance) -> ExecuteInProcessResult:
    from pipelines.definitions import all_assets
    from pipelines.resources import build_resources

    return materialize(
        all_assets, resources=build_resources(settings), instance=instance, raise_on_error=False
    )


@pytest.fixture(scope="module")
def steward_run(tmp_path_factory: pytest.TempPathFactory) -> StewardRun:
    from pipelines.demo_data import generate

    root = tmp_path_factory.mktemp("steward")
    landing = root / "landing"
    generate(landing, plans=200, seed=11, end=date(2026, 10, 31))
    settings = Settings(
        landing_dir=landing,
        warehouse=root / "warehouse" / "sip.duckdb",
        quarantine_share_limit=0.02,
    )
    instance = DagsterInstance.ephemeral()
    assert _materialize(settings, instance).success
    # The second delivery round: new files, one corrected file, participants left behind.
    (landing / "sip_plans" / FIXES_FILE).write_bytes(
        csv_bytes(PLAN_HEADER, [row for row, _ in PLANTED])
    )
    (landing / "sip_meetings" / "2026-11_garbage.csv").write_bytes(bytes(range(256)) * 40)
    deviations = sorted((landing / "sip_deviations").glob("*.csv"))[-1]
    deviations.write_bytes(deviations.read_bytes().rstrip(b"\n") + b"\n")
    deviations.write_bytes(deviations.read_bytes() + b"\n")  # a blank line: content changed
    month_and_a_half_ago = time.time() - LATE_DAYS * 86400
    for path in (landing / "sip_participants").iterdir():
        os.utime(path, (month_and_a_half_ago, month_and_a_half_ago))
    result = _materialize(settings, instance)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return StewardRun(settings, instance, result, deviations.name)


def _rows(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_every_rule_the_validation_makes_has_a_swedish_name_and_expectation() -> None:
    run_date = date(2026, 6, 30)
    for entity in ENTITIES:
        contract = load_contract(entity)
        made = [name for f in contract.fields for name, _ in _field_rules(f, run_date)]
        made += [name for name, _ in _unique_joins(entity, contract)[0]]
        made += [f"pii:{f.name}" for f in contract.fields] + ["malformed_line:TOO MANY COLUMNS"]
        for rule in made:
            text = describe_rule(contract, rule)
            assert text.name_sv in {e["name_sv"] for e in catalogue().values()}
            assert "{" not in text.expected_sv and ":" not in text.name_sv, rule
    contract = load_contract("sip_plans")
    text = describe_rule(contract, "date_order:consent_date<need_identified_date")
    assert (text.field, text.title_sv) == ("consent_date", "Datum i fel ordning: Samtyckesdatum")
    assert "Behov uppmärksammat" in text.expected_sv


def test_quarantined_records_carry_the_line_they_sit_on_in_the_file(steward_run) -> None:
    lines = (steward_run.settings.landing_dir / "sip_plans" / FIXES_FILE).read_text().splitlines()
    found = dict(
        _rows(
            steward_run.settings.restricted_serving_path,
            "SELECT entity_id, line_number FROM marts.quarantine WHERE file = ?",
            [FIXES_FILE],
        )
    )
    for sip_id in ("FIX-CODE", "FIX-ORDER"):
        line = next(n for n, text in enumerate(lines, start=1) if text.startswith(sip_id + ","))
        assert found[sip_id] == line
    assert found["FIX-CODE"] == 3  # header on line 1, the record on line 3 (data row 2)


def test_each_delivery_has_a_verdict_and_says_whether_it_is_new_or_changed(steward_run) -> None:
    verdicts = {
        (entity, file): (verdict, change, top)
        for entity, file, verdict, change, top in _rows(
            steward_run.settings.restricted_serving_path,
            "SELECT entity, file, verdict, change, top_rules FROM marts.data_quality",
        )
    }
    assert verdicts["sip_meetings", "2026-11_garbage.csv"][:2] == ("rejected", "new")
    verdict, change, top = verdicts["sip_plans", FIXES_FILE]
    assert (verdict, change) == ("accepted_with_errors", "new")
    assert "Okänd kod: Målgrupp (1)" in top
    assert verdicts["sip_deviations", steward_run.changed_file][1] == "changed"
    unchanged = [k for k, (_, c, _) in verdicts.items() if c == "unchanged"]
    assert len(unchanged) == len(verdicts) - 3
    assert {v for v, _, _ in verdicts.values()} == {"accepted", "accepted_with_errors", "rejected"}


def test_freshness_knows_the_late_entity_and_every_latest_event(steward_run) -> None:
    freshness = {
        entity: (late, days, event)
        for entity, late, days, event in _rows(
            steward_run.settings.restricted_serving_path,
            "SELECT entity, late, days_since_delivery, latest_event_date FROM marts.freshness",
        )
    }
    assert freshness["sip_participants"][:2] == (True, LATE_DAYS)
    assert all(not late for e, (late, _, _) in freshness.items() if e != "sip_participants")
    assert all(event is not None for _, _, event in freshness.values())
    checks = {
        (e.asset_key.path[-1], e.passed)
        for e in steward_run.result.get_asset_check_evaluations()
        if e.check_name == "delivered_on_time"
    }
    assert checks == {(f"raw_{e}", e != "sip_participants") for e in ENTITIES}


def _steward_page(settings: Settings, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("SIP_WAREHOUSE", str(settings.warehouse))
    monkeypatch.delenv("SIP_PUBLISH_DIR", raising=False)
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page("pages/steward.py")
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def test_the_steward_page_warns_of_the_late_delivery_and_lists_the_fixes(
    steward_run, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _steward_page(steward_run.settings, monkeypatch)
    lines = alert_lines(app)
    assert any(
        "Försenad leverans av Deltagare i SIP-möten" in line and f"för {LATE_DAYS} dagar" in line
        for line in lines
    ), lines
    assert not any("Försenad leverans av SIP-planer" in line for line in lines)
    errors = " ".join(e.value for e in app.error)
    assert "Avvisad: SIP-möten, 2026\\-11\\_garbage\\.csv – filen är inte en texttabell" in errors
    assert "Fel: None" not in errors and "binary" not in errors
    # One combined fix list for every delivery; this file's rows are those planted in it.
    fixes = next(d.value for d in app.dataframe if "Förväntat" in d.value.columns)
    fixes = fixes[fixes["Fil"] == FIXES_FILE]
    listed = {
        (row["Rad i filen"], row["Id"], row["Fält"], row["Regel"]) for _, row in fixes.iterrows()
    }
    assert listed == {
        (3, "FIX-CODE", "Målgrupp", "Okänd kod"),
        (4, "FIX-PII", "Initierande enhet", "Personuppgift i leveransen"),
        (5, "FIX-ORDER", "Samtyckesdatum", "Datum i fel ordning"),
    }
    values = dict(zip(fixes["Id"], fixes["Värde (maskerat)"], strict=True))
    assert values["FIX-CODE"] == "okand_grupp" and values["FIX-PII"] == "[telefon]"
    assert not find_pii(fixes.to_csv())
    owners = " ".join(c.value for c in app.caption)
    assert "ägare Dataförvaltare" in owners and "dataforvaltare" not in owners


def _after_the_run(steward_run: StewardRun):
    """The real sensor's context for the real second run's success (a context manager: the
    `sip` resource applies its contracts folder while the sensor runs)."""
    return build_run_status_sensor_context(
        sensor_name="steward_alert_sensor",
        dagster_event=steward_run.result.get_run_success_event(),
        dagster_instance=steward_run.instance,
        dagster_run=steward_run.result.dagster_run,
        resources={"sip": SipSettings.from_settings(steward_run.settings)},
    )


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def test_the_steward_is_mailed_the_counts_and_no_personal_data(
    steward_run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.sensors import steward_alert_sensor

    inbox, port = _Inbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        for name, value in {
            "SIP_SMTP_HOST": "127.0.0.1",
            "SIP_SMTP_PORT": str(port),
            "SIP_SMTP_FROM": "sip@region.example",
            "SIP_SMTP_TO": "forvaltare@region.example",
            "SIP_DASHBOARD_URL": "https://sip.region.example/",
        }.items():
            monkeypatch.setenv(name, value)
        with _after_the_run(steward_run) as context:
            steward_alert_sensor(context)
    finally:
        server.stop()
    [message] = inbox.messages
    body = message.get_content().replace("\r\n", "\n")
    over_limit = _rows(
        steward_run.settings.restricted_serving_path,
        "SELECT entity, sum(rows_quarantined), sum(rows_read) FROM marts.data_quality "
        "WHERE verdict <> 'rejected' GROUP BY entity HAVING sum(rows_quarantined) > 0.02 * "
        "sum(rows_read) ORDER BY entity",
    )
    assert over_limit  # the limit was set low enough to trip
    assert message["To"] == "forvaltare@region.example"
    assert message["Subject"] == f"SIP-uppföljning: {3 + len(over_limit)} leveransfynd att åtgärda"
    assert "Avvisade filer: 1\n  - SIP-möten: 2026-11_garbage.csv" in body
    # Only this run's new personal data: the demo's earlier findings were mailed already.
    assert (
        "Personuppgifter hittade: 1 rad i 1 fil (satta i karantän och maskerade)\n"
        f"  - SIP-planer: {FIXES_FILE}, 1 rad" in body
    )
    for entity, quarantined, read in over_limit:
        assert f"{load_contract(entity).title_sv}: {quarantined} av {read} rader" in body
    assert (
        "Försenade leveranser: 1\n  - Deltagare i SIP-möten: senaste leveransen för 45 dagar"
        in body
    )
    assert "https://sip.region.example/dataforvaltning" in body
    assert not find_pii(body)
    for value in ("FIX-", "okand_grupp", "070", "SIP-0"):
        assert value not in body  # no row values, no ids


def test_no_mail_and_no_error_while_smtp_is_not_configured(
    steward_run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.sensors import steward_alert_sensor

    monkeypatch.delenv("SIP_SMTP_HOST", raising=False)
    with _after_the_run(steward_run) as context:
        assert isinstance(steward_alert_sensor(context), SkipReason)


def test_nightly_schedule_runs_only_when_the_landing_folder_changed_since_the_last_run(
    tmp_path: Path,
) -> None:
    from pipelines.definitions import defs
    from pipelines.sensors import FINGERPRINT_TAG, landing_fingerprint

    schedule = defs.resolve_schedule_def("nightly_catch_up")
    assert schedule.default_status == DefaultScheduleStatus.STOPPED
    landing = tmp_path / "landing"
    (landing / "sip_plans").mkdir(parents=True)
    (landing / "sip_plans" / "2026-01.csv").write_text("sip_id\nA\n")
    sip = SipSettings.from_settings(Settings(landing_dir=landing, warehouse=tmp_path / "w.duckdb"))

    def tick(instance: DagsterInstance):
        with build_schedule_context(instance, resources={"sip": sip}) as context:
            return schedule.evaluate_tick(context)

    with instance_for_test() as instance:
        [request] = tick(instance).run_requests
        assert isinstance(request, RunRequest)  # no run yet: catch up
        job = defs.resolve_job_def("sip_all")
        seen = landing_fingerprint(landing)
        instance.create_run_for_job(
            job, tags={FINGERPRINT_TAG: seen}, status=DagsterRunStatus.SUCCESS
        )
        assert tick(instance).skip_message
        (landing / "sip_plans" / "2026-02.csv").write_text("sip_id\nB\n")  # the sensor missed it
        [request] = tick(instance).run_requests
        assert request.tags[FINGERPRINT_TAG] == landing_fingerprint(landing)


def test_contract_changelog_names_fields_codes_and_rules(tmp_path: Path, contracts_folder) -> None:
    for name in [*ENTITIES, "sipkollen_survey"]:
        shutil.copytree(PACKAGE_DIR / name, tmp_path / name)
    document = yaml.safe_load((tmp_path / "sip_plans" / "1.0.0.yaml").read_text("utf-8"))
    document["version"] = "1.1.0"
    properties = document["schema"][0]["properties"]
    unit = next(p for p in properties if p["name"] == "initiating_unit")
    unit["required"] = False
    target = next(p for p in properties if p["name"] == "target_group")
    codes = next(c for c in target["customProperties"] if c["property"] == "codes")
    codes["value"].append({"code": "stroke", "label_sv": "Stroke", "label_en": "Stroke"})
    person = next(p for p in properties if p["name"] == "person_key")
    properties.remove(person)
    (tmp_path / "sip_plans" / "1.1.0.yaml").write_text(
        yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8"
    )
    contracts_folder(tmp_path)
    changes = [
        (c.from_version, c.to_version, c.what, c.detail) for c in contract_changes("sip_plans")
    ]
    assert changes == [
        ("1.0.0", "1.1.0", "fält", "fältet Personnyckel (person_key) borttaget"),
        ("1.0.0", "1.1.0", "kod", "Målgrupp: ny kod stroke (Stroke)"),
        ("1.0.0", "1.1.0", "regel", "Initierande enhet: obligatoriskt ändrat från ja till nej"),
    ]
    assert contract_changes("sip_meetings") == []
