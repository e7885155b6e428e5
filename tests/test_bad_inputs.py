"""The bad-input corpus: every kind of broken delivery a steward meets, through the whole pipeline.

Each delivery below is written as a source system would write it (encoding, delimiter, headers),
together with what must happen to each of its rows. One pipeline run over the whole corpus;
the tests check that every good row was accepted, every bad row is quarantined with exactly
the rules it broke, unreadable files are rejected by name, and that no personal data survives
unmasked in the warehouse, the serving database, the exports, the logs or the steward page.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from data_contracts.contracts import load_contract
from data_contracts.settings import Settings
from tests.conftest import run_pipeline

AS_OF = date(2026, 6, 30)

# Personal data planted in the corpus. Check digits worked out by hand (Luhn over YYMMDDNNN):
# 811218-987|6, 121212-121|2, samordningsnummer 701063-234|2 (day 03 + 60).
PII_VALUES = (
    "19811218-9876",
    "811218-9876",
    "8112189876",
    "198112189876",
    "811218+9876",
    "701063-2342",
    "19121212-1212",
    "121212-1212",
    "anna.svensson@example.se",
    "070-123 45 67",
)
# Look-alikes with a wrong check digit are not personal data and must pass.
NOT_PII = ("811218-9877", "19121212-1213")


@dataclass
class Delivery:
    entity: str
    file: str
    content: bytes
    accepted: list[str] = field(default_factory=list)  # ids expected in staging
    quarantined: dict[int, set[str]] = field(default_factory=dict)  # row -> rules
    rejected: str | None = None  # part of the error message


def header(entity: str) -> list[str]:
    """The canonical columns, in contract order."""
    return [f.name for f in load_contract(entity).fields]


def csv_bytes(
    header: list[str], rows: list[dict], sep: str = ",", encoding: str = "utf-8"
) -> bytes:
    lines = [sep.join(header)] + [sep.join(str(r.get(c, "")) for c in header) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


PLAN_HEADER = header("sip_plans")


def plan(sip_id: str, **values: str) -> dict:
    row = {
        "sip_id": sip_id,
        "person_key": f"P-{sip_id}",
        "municipality_code": "1480",
        "age_band": "25-44",
        "target_group": "dementia",
        "initiated_by": "staff_region",
        "initiating_principal": "region",
        "initiating_unit": "VC-Centrum",
        "after_discharge": "false",
        "need_identified_date": "2026-01-10",
        "consent_status": "given",
        "consent_date": "2026-01-12",
        "invitation_date": "2026-01-15",
        "lead_principal": "region",
        "coordinator_appointed": "true",
    }
    return row | values


PLANS_JAN = [
    (plan("G-1"), set()),
    (plan("G-2"), set()),
    # Process findings stay in the data: invitation before consent, no coordinator.
    (plan("G-INVITED-EARLY", invitation_date="2026-01-11"), set()),
    (plan("G-NO-COORDINATOR", coordinator_appointed="false"), set()),
    # Swedish labels instead of codes, any case, en dash in the age band.
    (
        plan(
            "G-LABELS",
            target_group="Demenssjukdom",
            initiating_principal="REGION",
            consent_status="Givet",
            age_band="25–44 år",
            after_discharge="Ja",
        ),
        set(),
    ),
    (plan("", person_key="P-no-id"), {"required:sip_id"}),
    (plan("B-TYPE", need_identified_date="2026-13-45"), {"type:date:need_identified_date"}),
    (plan("B-CODE", consent_status="maybe"), {"code:consent_status"}),
    (plan("B-PATTERN", municipality_code="148"), {"pattern:municipality_code"}),
    (plan("B-BOOL", after_discharge="kanske"), {"type:boolean:after_discharge"}),
    (plan("D-1"), {"unique_in_delivery:sip_id"}),
    (plan("D-1", consent_status="declined"), {"unique_in_delivery:sip_id"}),
    (
        plan("B-CONSENT-EARLY", consent_date="2026-01-05"),
        {"date_order:consent_date<need_identified_date"},
    ),
    (
        plan("B-CLOSED-EARLY", closed_date="2026-01-01", closure_reason="goals_met"),
        {"date_order:closed_date<need_identified_date"},
    ),
    (
        plan("B-WITHDRAWN-EARLY", consent_withdrawn_date="2026-01-02"),
        {"date_order:consent_withdrawn_date<need_identified_date"},
    ),
    # An event after the day the pipeline runs is impossible; one after the as-of date
    # (30 June) is real: accepted, and only left out of the KPIs.
    (
        plan(
            "B-FUTURE",
            need_identified_date="2099-08-01",
            consent_status="pending",
            consent_date="",
            invitation_date="",
        ),
        {"date_in_future:need_identified_date"},
    ),
    (
        plan(
            "G-AFTER-AS-OF",
            need_identified_date="2026-08-01",
            consent_status="pending",
            consent_date="",
            invitation_date="",
        ),
        set(),
    ),
    # Every rule a row breaks is listed, not just the first.
    (
        plan("B-MANY", need_identified_date="", consent_status="x", age_band="99+"),
        {"required:need_identified_date", "code:consent_status", "code:age_band"},
    ),
    (plan("PII-1", person_key="19811218-9876"), {"pii:person_key"}),
    (plan("PII-2", person_key="811218-9876"), {"pii:person_key"}),
    (plan("PII-3", person_key="8112189876"), {"pii:person_key"}),
    (plan("PII-4", person_key="198112189876"), {"pii:person_key"}),
    (plan("PII-5", person_key="811218+9876"), {"pii:person_key"}),
    (plan("PII-6", initiating_unit="VC 701063-2342"), {"pii:initiating_unit"}),
    (plan("19121212-1212", person_key="P-25"), {"pii:sip_id"}),
    (plan("G-NOT-PNR-1", person_key="811218-9877"), set()),
    (plan("G-NOT-PNR-2", person_key="19121212-1213"), set()),
]

# Swedish Excel: Windows-1252, ';', Swedish headers, optional columns missing, an extra column
# with decimal commas, and values with å/ä/ö and a comma inside.
SWEDISH_HEADER = [
    "SIP-id",
    "Kommunkod",
    "Åldersgrupp",
    "Målgrupp",
    "Initierande huvudman",
    "Initierande enhet",
    "Behov uppmärksammat",
    "Samtycke",
    "Samtyckesdatum",
    "Samordnare utsedd",
    "Poäng",
]
PLANS_FEB_ROWS = [
    # G-1 again: the later delivery wins in the model.
    ["G-1", "1480", "25–44 år", "Demenssjukdom", "Region", "Vårdcentral Åby", "2026-01-10"]
    + ["Givet", "2026-01-12", "Nej", "3,5"],
    [
        "G-CP1252",
        "0180",
        "80 år och äldre",
        "Multisjuka äldre",
        "Kommun",
        "Äldreomsorg Östra, hemtjänst",
    ]
    + ["2026-02-03", "Givet", "2026-02-04", "ja", "4,0"],
    # Twice in January (both quarantined), once here: accepted.
    ["D-1", "1480", "18–24 år", "Övrigt", "Kommun", "Socialtjänst Älvsjö", "2026-02-01"]
    + ["Avböjt", "2026-02-02", "nej", "2,5"],
]


def plans_feb() -> bytes:
    lines = [";".join(SWEDISH_HEADER)] + [";".join(r) for r in PLANS_FEB_ROWS]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


MEETING_HEADER = header("sip_meetings")


def meeting(meeting_id: str, sip_id: str, **values: str) -> dict:
    row = {
        "meeting_id": meeting_id,
        "sip_id": sip_id,
        "meeting_type": "initial",
        "held_date": "2026-02-01",
        "status": "held",
        "meeting_form": "in_person",
        "individual_participated": "true",
        "plan_documented": "true",
        "plan_handed_to_individual": "true",
        "next_follow_up_date": "2026-09-01",
        "sipkollen_offered": "true",
        "outcome": "continue",
    }
    return row | values


MEETINGS = [
    (meeting("M-1", "G-1", held_date="2026-01-10"), set()),  # same day as the need
    (meeting("M-2", "G-2"), set()),
    # A booking may lie after the as-of date; labels for type and status.
    (
        meeting(
            "M-2-FU",
            "G-2",
            meeting_type="Uppföljning",
            planned_date="2026-09-01",
            held_date="",
            status="Planerat",
            next_follow_up_date="",
        ),
        set(),
    ),
    (meeting("M-ORPHAN", "NO-SUCH-PLAN"), {"orphan:sip_id"}),
    (meeting("M-OF-BAD-PLAN", "B-CODE"), {"orphan:sip_id"}),  # its plan is quarantined
    (
        meeting("M-EARLY", "G-1", held_date="2026-01-05"),
        {"date_order:held_date<need_identified_date"},
    ),
    (meeting("M-FUTURE", "G-2", held_date="2099-07-15"), {"date_in_future:held_date"}),
    (meeting("M-AFTER-AS-OF", "G-2", held_date="2026-07-15"), set()),
    (meeting("M-STATUS", "G-2", status="done"), {"code:status"}),
    (meeting("121212-1212", "G-2"), {"pii:meeting_id"}),
]

PARTICIPANT_HEADER = header("sip_participants")
PARTICIPANTS = [
    ({"meeting_id": "M-1", "organisation_type": "primary_care", "principal": "region"}, set()),
    (
        {
            "meeting_id": "M-1",
            "organisation_type": "Socialtjänst",
            "principal": "Kommun",
            "invited": "Ja",
            "attended": "Nej",
        },
        set(),
    ),
    ({"meeting_id": "M-ORPHAN", "organisation_type": "school"}, {"orphan:meeting_id"}),
    ({"meeting_id": "M-NONE", "organisation_type": "school"}, {"orphan:meeting_id"}),
    ({"meeting_id": "M-2", "organisation_type": ""}, {"required:organisation_type"}),
]
for row, _ in PARTICIPANTS:
    row.setdefault("invited", "true")
    row.setdefault("attended", "true")

DEVIATION_HEADER = header("sip_deviations")


def deviation(deviation_id: str, sip_id: str, **values: str) -> dict:
    row = {
        "deviation_id": deviation_id,
        "sip_id": sip_id,
        "reported_date": "2026-02-10",
        "deviation_type": "invited_party_absent",
        "reporting_principal": "municipality",
        "responsible_principal": "region",
        "handled_jointly": "false",  # principals differ, not handled jointly: a finding
    }
    return row | values


DEVIATIONS = [
    (deviation("DV-1", "G-1"), set()),
    (deviation("DV-LABEL", "G-2", deviation_type="Kallelse i sen tid"), set()),
    (deviation("DV-ORPHAN", "NO-SUCH-PLAN"), {"orphan:sip_id"}),
    (
        deviation("DV-ORDER", "G-1", reported_date="2026-03-01", closed_date="2026-02-01"),
        {"date_order:closed_date<reported_date"},
    ),
    (deviation("DV-FUTURE", "G-1", reported_date="2099-07-01"), {"date_in_future:reported_date"}),
    (deviation("DV-AFTER-AS-OF", "G-1", reported_date="2026-07-01"), set()),
]

SURVEY_HEADER = header("sipkollen")


def answer(response_id: str, **values: str) -> dict:
    row = {
        "response_id": response_id,
        "response_date": "2026-02-05",
        "region_code": "14",
        "municipality_code": "1480",
        "respondent": "individual",
        "meeting_type": "initial",
        "age_band": "45-64",
        **{f"q0{i}": "yes" for i in range(1, 9)},
        "comment": "Bra möte",
    }
    return row | values


ANSWERS = [
    (answer("R-1"), set()),
    (
        answer(
            "R-LABELS",
            respondent="Den enskilde",
            meeting_type="Första SIP-mötet",
            q01="Ja",
            q02="Delvis",
            q03="Nej",
            q04="Vet ej",
            q05="",
        ),
        set(),
    ),
    (answer("R-EMAIL", comment="Mejla mig på anna.svensson@example.se"), {"pii:comment"}),
    (answer("R-PHONE", comment="Ring mig på 070-123 45 67"), {"pii:comment"}),
    (answer("R-PNR", comment="Mitt personnummer är 19121212-1212"), {"pii:comment"}),
    (answer("R-CODE", q01="kanske"), {"code:q01"}),
    # Personal data in a coded field: masked at ingest like any other finding, and judged by
    # its `pii:` rule alone (what the masked text breaks says nothing of the delivered value).
    (answer("R-PNR-IN-ANSWER", q02="19121212-1212"), {"pii:q02"}),
    (answer("R-PATTERN", region_code="1"), {"pattern:region_code"}),
    (answer("R-NOT-PNR", comment="Ärende 811218-9877 hos oss"), set()),
]


# Participants have no id of their own; their meeting identifies them well enough here.
ID_COLUMN = {
    "sip_plans": "sip_id",
    "sip_meetings": "meeting_id",
    "sip_participants": "meeting_id",
    "sip_deviations": "deviation_id",
    "sipkollen": "response_id",
}


def _delivery(entity: str, file: str, header: list[str], rows: list[tuple[dict, set]], **kw):
    return Delivery(
        entity,
        file,
        csv_bytes(header, [r for r, _ in rows], **kw),
        accepted=[r[ID_COLUMN[entity]] for r, rules in rows if not rules],
        quarantined={i: rules for i, (_, rules) in enumerate(rows, start=1) if rules},
    )


CORPUS = [
    _delivery("sip_plans", "2026-01_lifecare.csv", PLAN_HEADER, PLANS_JAN),
    Delivery("sip_plans", "2026-02_cosmic.csv", plans_feb(), accepted=["G-1", "G-CP1252", "D-1"]),
    Delivery(
        "sip_plans",
        "2026-03_bom_semicolon.csv",
        b"\xef\xbb\xbf"
        + csv_bytes(
            PLAN_HEADER + ["betyg"],
            [plan("G-BOM-1", initiating_unit="Socialtjänst Älvsjö", betyg="4,5")],
            sep=";",
        ),
        accepted=["G-BOM-1"],
    ),
    # A required column missing from the file: every row breaks `required`.
    Delivery(
        "sip_plans",
        "2026-04_missing_column.csv",
        csv_bytes([c for c in PLAN_HEADER if c != "initiating_unit"], [plan("M-1"), plan("M-2")]),
        quarantined={1: {"required:initiating_unit"}, 2: {"required:initiating_unit"}},
    ),
    Delivery("sip_plans", "2026-05_empty.csv", b"", rejected="tom"),
    Delivery("sip_plans", "2026-06_header_only.csv", (",".join(PLAN_HEADER) + "\n").encode()),
    Delivery(
        "sip_plans",
        "2026-07_truncated.csv",
        csv_bytes(PLAN_HEADER, [plan("G-T1")]) + b"G-T2,19121212-1212,14",
        accepted=["G-T1"],
        quarantined={2: {"malformed_line"}},
    ),
    Delivery(
        "sip_plans",
        "2026-08_garbage.csv",
        bytes(range(256)) * 8,
        rejected="binärt",
    ),
    _delivery("sip_meetings", "2026-02.csv", MEETING_HEADER, MEETINGS),
    _delivery("sip_participants", "2026-02.csv", PARTICIPANT_HEADER, PARTICIPANTS),
    _delivery("sip_deviations", "2026-02.csv", DEVIATION_HEADER, DEVIATIONS, sep=";"),
    _delivery("sipkollen", "2026-02.csv", SURVEY_HEADER, ANSWERS),
]


@dataclass(frozen=True)
class CorpusRun:
    settings: Settings
    logs: str
    events: str
    failed_checks: str  # name and metadata of every asset check that failed


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> CorpusRun:
    root = tmp_path_factory.mktemp("bad_inputs")
    for delivery in CORPUS:
        path = root / "landing" / delivery.entity / delivery.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(delivery.content)
    settings = Settings(
        landing_dir=root / "landing", warehouse=root / "warehouse" / "sip.duckdb", as_of=AS_OF
    )
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    logging.getLogger().addHandler(handler)
    try:
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            result = run_pipeline(settings)
    finally:
        logging.getLogger().removeHandler(handler)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    events = "\n".join(f"{e.message} {e.event_specific_data!r}" for e in result.all_events)
    failed_checks = "\n".join(
        f"{c.check_name} {c.metadata}" for c in result.get_asset_check_evaluations() if not c.passed
    )
    return CorpusRun(settings, captured.getvalue(), events, failed_checks)


def rows(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.mark.parametrize("delivery", CORPUS, ids=lambda d: f"{d.entity}/{d.file}")
def test_good_rows_are_accepted_and_bad_rows_quarantined_with_their_rules(
    corpus_run: CorpusRun, delivery: Delivery
) -> None:
    warehouse = corpus_run.settings.warehouse
    accepted = rows(
        warehouse,
        f"SELECT {ID_COLUMN[delivery.entity]} FROM staging.{delivery.entity} "
        "WHERE _file = ? ORDER BY _row",
        [delivery.file],
    )
    assert [r[0] for r in accepted] == delivery.accepted
    quarantined = rows(
        warehouse,
        "SELECT row_number, rules FROM quarantine.rows WHERE entity = ? AND file = ?",
        [delivery.entity, delivery.file],
    )
    # A malformed line's rule carries the reader's message after the colon.
    found = {
        row: {"malformed_line" if r.startswith("malformed_line:") else r for r in rules}
        for row, rules in quarantined
    }
    assert found == delivery.quarantined
    [(status, error, read, malformed)] = rows(
        warehouse,
        "SELECT status, error, rows_read, rows_malformed FROM meta.deliveries "
        "WHERE entity = ? AND file = ?",
        [delivery.entity, delivery.file],
    )
    if delivery.rejected:
        assert status == "rejected" and delivery.rejected in error
    else:
        assert status == "loaded"
        # Nothing is lost: every line read is either accepted or quarantined.
        assert read == len(delivery.accepted) + len(delivery.quarantined)
        assert malformed == sum("malformed_line" in r for r in delivery.quarantined.values())


def test_the_last_delivery_wins_and_process_findings_stay_in_the_model(
    corpus_run: CorpusRun,
) -> None:
    warehouse = corpus_run.settings.warehouse
    assert rows(
        warehouse,
        "SELECT initiating_unit, coordinator_appointed, _file FROM model.sip_plans "
        "WHERE sip_id = 'G-1'",
    ) == [("Vårdcentral Åby", False, "2026-02_cosmic.csv")]
    assert rows(
        warehouse,
        "SELECT sip_id, invitation_date < consent_date, coordinator_appointed FROM model.sip_plans "
        "WHERE sip_id IN ('G-INVITED-EARLY', 'G-NO-COORDINATOR') ORDER BY sip_id",
    ) == [("G-INVITED-EARLY", True, True), ("G-NO-COORDINATOR", False, False)]
    assert rows(
        warehouse,
        "SELECT target_group, initiating_principal, consent_status, age_band, after_discharge "
        "FROM model.sip_plans WHERE sip_id IN ('G-LABELS', 'G-CP1252') ORDER BY sip_id",
    ) == [
        ("multimorbid_elderly", "municipality", "given", "80+", None),
        ("dementia", "region", "given", "25-44", True),
    ]
    assert rows(
        warehouse,
        "SELECT organisation_type, principal, invited, attended FROM model.sip_participants "
        "WHERE meeting_id = 'M-1' ORDER BY organisation_type",
    ) == [("primary_care", "region", True, True), ("social_services", "municipality", True, False)]


def test_the_steward_sees_rejections_by_file_and_pii_per_file(corpus_run: CorpusRun) -> None:
    serving = corpus_run.settings.restricted_serving_path  # row-level: delivery files
    quality = {
        (entity, file): (status, error, pii)
        for entity, file, status, error, pii in rows(
            serving, "SELECT entity, file, status, error, pii_findings FROM marts.data_quality"
        )
    }
    assert quality["sip_plans", "2026-05_empty.csv"][:2] == (
        "rejected",
        "filen är tom",
    )
    assert quality["sip_plans", "2026-08_garbage.csv"][0] == "rejected"
    assert quality["sip_plans", "2026-01_lifecare.csv"][2] == 7
    assert quality["sip_meetings", "2026-02.csv"][2] == 1
    assert quality["sipkollen", "2026-02.csv"][2] == 4
    assert ("sip_plans", "2026-04_missing_column.csv", "required:initiating_unit", 2) in rows(
        serving, "SELECT entity, file, rule, rows_failed FROM marts.data_quality_rules"
    )


def test_the_garbage_files_fail_loudly_in_dagster_but_the_rest_loads(
    corpus_run: CorpusRun,
) -> None:
    # The failing check names the broken files, and only them.
    assert "deliveries_readable" in corpus_run.failed_checks
    assert "2026-08_garbage.csv" in corpus_run.failed_checks
    assert "2026-05_empty.csv" in corpus_run.failed_checks
    assert "2026-01_lifecare.csv" not in corpus_run.failed_checks


def _strings_in(database: Path) -> str:
    """Every value of every table, as text (the corpus is small)."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
        ).fetchall()
        return "\n".join(
            str(con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall())
            for schema, table in tables
        )


def _assert_no_pii(text: str, where: str) -> None:
    leaked = [value for value in PII_VALUES if value in text]
    assert not leaked, f"unmasked personal data in {where}: {leaked}"


def test_no_personal_data_in_warehouse_serving_database_or_exports(
    corpus_run: CorpusRun,
) -> None:
    settings = corpus_run.settings
    warehouse_text = _strings_in(settings.warehouse)
    _assert_no_pii(warehouse_text, "the warehouse")
    for serving in (settings.serving_path, settings.restricted_serving_path):
        _assert_no_pii(_strings_in(serving), str(serving))
    for folder in (settings.export_path, settings.restricted_export_path):
        for export in folder.rglob("*.*"):
            _assert_no_pii(export.read_bytes().decode("utf-8", errors="replace"), str(export))
    # Masked, not dropped: the steward can still see what kind of value was there.
    assert "[personnummer]" in warehouse_text and "[e-post]" in warehouse_text
    assert all(value in warehouse_text for value in NOT_PII)


def test_no_personal_data_in_logs_or_dagster_events(corpus_run: CorpusRun) -> None:
    assert "quarantined" in corpus_run.logs  # the capture did see the run's log
    _assert_no_pii(corpus_run.logs, "the logs")
    _assert_no_pii(corpus_run.events, "Dagster events and metadata")


def _rendered_text(app: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "error", "success", "info", "warning", "expander"):
        parts += [
            str(getattr(e, "value", "")) + str(getattr(e, "label", "")) for e in app.get(kind)
        ]
    parts += [e.value.to_csv() for e in app.dataframe]
    return "\n".join(parts)


@pytest.mark.parametrize("entity", ["sip_plans", "sip_meetings", "sipkollen"])
def test_no_personal_data_on_the_steward_page(
    corpus_run: CorpusRun, entity: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIP_WAREHOUSE", str(corpus_run.settings.warehouse))
    monkeypatch.delenv("SIP_PUBLISH_DIR", raising=False)
    app = AppTest.from_file(
        str(Path(__file__).resolve().parents[1] / "dashboards" / "app.py"), default_timeout=120
    )
    [(delivery,)] = rows(
        corpus_run.settings.restricted_serving_path,
        "SELECT entity || '/' || file FROM marts.data_quality WHERE entity = ? "
        "ORDER BY pii_findings DESC, file LIMIT 1",
        [entity],
    )
    app.query_params["entity"] = entity
    app.query_params["delivery"] = delivery  # its fix list shows the masked values
    app.switch_page("pages/steward.py")
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    text = _rendered_text(app)
    assert "[personnummer]" in text or entity == "sipkollen"  # the fix list is on the page
    _assert_no_pii(text, f"the steward page ({entity})")


def test_freshness_has_one_row_per_entity(corpus_run: CorpusRun) -> None:
    assert rows(
        corpus_run.settings.restricted_serving_path,
        "SELECT entity, latest_file, latest_event_date FROM marts.freshness ORDER BY entity",
    ) == [
        ("sip_deviations", "2026-02.csv", date(2026, 2, 10)),
        ("sip_meetings", "2026-02.csv", date(2026, 2, 1)),
        # Participants carry no dates: theirs is the latest event of the meetings they attend.
        ("sip_participants", "2026-02.csv", date(2026, 1, 10)),
        ("sip_plans", "2026-07_truncated.csv", date(2026, 2, 4)),  # rejected files don't count
        ("sipkollen", "2026-02.csv", date(2026, 2, 5)),
    ]


def test_validating_again_keeps_masked_rows_in_quarantine(
    corpus_run: CorpusRun, tmp_path: Path
) -> None:
    """Ingest masks personal data before the raw rows are written; the next run, which sees
    only the masked text, must still reject those rows instead of letting them into the KPIs."""
    first = corpus_run.settings
    again = Settings(
        landing_dir=first.landing_dir, warehouse=tmp_path / "sip.duckdb", as_of=first.as_of
    )
    shutil.copy(first.warehouse, again.warehouse)
    assert run_pipeline(again).success
    query = "SELECT entity, file, row_number, entity_id, rules, record FROM quarantine.rows"
    before = rows(first.warehouse, f"{query} ORDER BY ALL")
    assert any("pii:" in rule for *_, rules, _ in before for rule in rules)
    assert rows(again.warehouse, f"{query} ORDER BY ALL") == before
    for entity in ID_COLUMN:
        count = f"SELECT count(*) FROM staging.{entity}"
        assert rows(again.warehouse, count) == rows(first.warehouse, count), entity


def test_events_after_the_as_of_date_stay_accepted_and_are_left_out_of_the_model(
    corpus_run: CorpusRun,
) -> None:
    warehouse = corpus_run.settings.warehouse
    assert rows(
        warehouse, "SELECT count(*) FROM staging.sip_plans WHERE sip_id = 'G-AFTER-AS-OF'"
    ) == [(1,)]
    assert (
        rows(warehouse, "SELECT sip_id FROM model.sip_plans WHERE sip_id = 'G-AFTER-AS-OF'") == []
    )
    # Held after the as-of date: on the as-of date it was still a planned meeting.
    assert rows(
        warehouse,
        "SELECT status, held_date FROM model.sip_meetings WHERE meeting_id = 'M-AFTER-AS-OF'",
    ) == [("planned", None)]
    assert (
        rows(warehouse, "SELECT * FROM model.sip_deviations WHERE deviation_id = 'DV-AFTER-AS-OF'")
        == []
    )
