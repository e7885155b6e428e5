"""The demo-data generator on real generated files: determinism, deliveries and dialects,
integrity and plausibility after the real ingest and validation (only the planted flaws are
rejected), no personal data but the planted phone number, the CLI.

One landing folder of PLANS plans is generated and run through ingest + validate + model once
per module; the tests read its files and the DuckDB warehouse it produced.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pyarrow.parquet as pq
import pytest
from dagster import AssetCheckSeverity, ExecuteInProcessResult

from data_contracts.contracts import ENTITIES, load_contract
from data_contracts.pii import MASKS, find_pii, mask_text
from pipelines.demo_data import PHONE_COMMENT, generate, landing_is_empty

REPO = Path(__file__).resolve().parents[1]
PLANS = 300
SEED = 42
END = date(2026, 10, 31)
XLSX_STAMPED_PART = "docProps/core.xml"  # xlsxwriter writes the wall-clock creation time here
CP1252_LETTERS = {letter: letter.encode("cp1252") for letter in "åäöÅÄÖ"}


@dataclass(frozen=True)
class Demo:
    landing: Path
    files: dict[str, list[Path]]
    fingerprints: dict[str, object]  # taken right after generation, before the pipeline ran
    result: ExecuteInProcessResult
    con: duckdb.DuckDBPyConnection


# --- reading generated files ------------------------------------------------------------------


def _relative(landing: Path) -> list[str]:
    return sorted(str(p.relative_to(landing)) for p in landing.rglob("*") if p.is_file())


def _xlsx_rows(path: Path) -> list[tuple]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        sheets = workbook.worksheets
        return [tuple(row) for sheet in sheets for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _fingerprint(path: Path) -> object:
    """sha256 of the bytes; for .xlsx the cell values (the zip carries a creation time)."""
    if path.suffix == ".xlsx":
        return _xlsx_rows(path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fingerprints(landing: Path) -> dict[str, object]:
    return {rel: _fingerprint(landing / rel) for rel in _relative(landing)}


def _zip_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _dialect(path: Path) -> str:
    """The dialect told from the bytes alone, spelled as the ingest reader reports it."""
    data = path.read_bytes()
    if path.suffix == ".parquet":
        assert data[:4] == b"PAR1" and data[-4:] == b"PAR1", path
        return "parquet"
    if path.suffix == ".xlsx":
        assert data[:4] == b"PK\x03\x04", path
        return "xlsx"
    assert path.suffix == ".csv", path
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        text = data.decode("cp1252")
        encoding = "cp1252"
        # Swedish Excel: the å/ä/ö are single cp1252 bytes, which is why UTF-8 failed.
        letters = {c for c in CP1252_LETTERS if c in text}
        assert letters and any(CP1252_LETTERS[c] in data for c in letters), path
    header = text.lstrip("\ufeff").splitlines()[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    return f"csv {encoding}{' BOM' if bom else ''} {delimiter!r}"


def _header(path: Path) -> list[str]:
    if path.suffix == ".parquet":
        return pq.read_schema(path).names
    if path.suffix == ".xlsx":
        return [str(c) for c in _xlsx_rows(path)[0]]
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return next(csv.reader(io.StringIO(first), delimiter=delimiter))


# --- the one pipeline run ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    from dagster import materialize

    from assets.ingest.assets import ingest_assets
    from assets.model.assets import model_assets
    from assets.validate import validate_assets
    from data_contracts.settings import Settings
    from pipelines.resources import build_resources

    root = tmp_path_factory.mktemp("demo_data")
    landing = root / "landing"
    files = generate(landing, PLANS, seed=SEED, end=END)
    fingerprints = _fingerprints(landing)
    settings = Settings(landing_dir=landing, warehouse=root / "warehouse" / "sip.duckdb")
    result = materialize(
        [*ingest_assets, *validate_assets, *model_assets],
        resources=build_resources(settings),
        raise_on_error=False,
    )
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    yield Demo(landing, files, fingerprints, result, con)
    con.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchone()[0]


# --- 1. determinism ---------------------------------------------------------------------------


def test_same_seed_gives_identical_files_other_seed_other_data(demo: Demo, tmp_path: Path) -> None:
    again = tmp_path / "again"
    other = tmp_path / "other"
    generate(again, PLANS, seed=SEED, end=END)
    generate(other, PLANS, seed=SEED + 1, end=END)

    # Same seed: CSV and Parquet byte for byte, Excel cell for cell.
    assert _fingerprints(again) == demo.fingerprints
    xlsx = [rel for rel in demo.fingerprints if rel.endswith(".xlsx")]
    assert xlsx
    for rel in xlsx:
        # Only the creation time in docProps/core.xml may differ between two runs.
        first, second = _zip_parts(demo.landing / rel), _zip_parts(again / rel)
        assert first.keys() == second.keys()
        assert {k for k in first if first[k] != second[k]} <= {XLSX_STAMPED_PART}, rel

    # Another seed: the same deliveries, with different data in them.
    fingerprints = _fingerprints(other)
    assert fingerprints.keys() == demo.fingerprints.keys()
    for rel, fingerprint in fingerprints.items():
        if not rel.startswith("sip_deviations/"):  # a month may have no deviations at all
            assert fingerprint != demo.fingerprints[rel], rel
    plans = pq.read_table(other / "sip_plans" / "2026-04_sip_plans_backlog.parquet")
    original = pq.read_table(demo.landing / "sip_plans" / "2026-04_sip_plans_backlog.parquet")
    assert plans.schema == original.schema and not plans.equals(original)


# --- 2. deliveries and dialects ---------------------------------------------------------------


def test_several_deliveries_per_entity_in_several_dialects(demo: Demo) -> None:
    assert sorted(demo.files) == sorted(ENTITIES)
    assert _relative(demo.landing) == sorted(
        str(p.relative_to(demo.landing)) for paths in demo.files.values() for p in paths
    )
    all_dialects: set[str] = set()
    for entity in ENTITIES:
        paths = sorted((demo.landing / entity).iterdir())
        assert len(paths) >= 3, entity
        assert [p.name for p in paths] == sorted(p.name for p in demo.files[entity])
        dialects = {p.name: _dialect(p) for p in paths}
        kinds = {d.split(" ")[0] for d in dialects.values()}
        assert kinds == {"parquet", "csv", "xlsx"}, (entity, dialects)
        assert {d[-3:] for d in dialects.values() if d.startswith("csv")} == {"','", "';'"}
        all_dialects |= set(dialects.values())
        # The ingest reader saw each file as the same dialect, read every line and every header.
        seen = demo.con.execute(
            "SELECT file, dialect, status, rows_malformed, len(unknown_columns) "
            "FROM meta.deliveries WHERE entity = ?",
            [entity],
        ).fetchall()
        assert {f: d for f, d, *_ in seen} == dialects
        assert {(s, m, u) for _, _, s, m, u in seen} == {("loaded", 0, 0)}
    assert {
        "parquet",
        "xlsx",
        "csv utf-8 ','",
        "csv utf-8 BOM ';'",
        "csv cp1252 ';'",
    } <= all_dialects
    # Plans come every month, so their Windows-1252 delivery is never just an ASCII header.
    assert "csv cp1252 ';'" in {_dialect(p) for p in demo.files["sip_plans"]}


def test_headers_are_canonical_or_swedish_and_codes_come_both_ways(demo: Demo) -> None:
    for entity in ENTITIES:
        contract = load_contract(entity)
        canonical = [f.name for f in contract.fields]
        swedish = [f.label_sv for f in contract.fields]
        kinds = []
        for path in demo.files[entity]:
            header = _header(path)
            assert header in (canonical, swedish), (path.name, header)
            kinds.append("canonical" if header == canonical else "swedish")
        assert {"canonical", "swedish"} <= set(kinds), entity
    # SIP-kollen is never linked to a plan.
    assert all("sip_id" not in _header(p) for p in demo.files["sipkollen"])
    # The same code arrives as the code and as its Swedish label.
    labels = load_contract("sip_plans").field("consent_status").codes
    raw = demo.con.execute("SELECT DISTINCT consent_status FROM raw.sip_plans").fetchall()
    raw = {value for (value,) in raw}
    assert {"given", labels["given"]} <= raw


# --- 3. integrity and plausibility after the real ingest + validation -------------------------


# One flawed row per entity in every monthly export that has rows (never in the backlog), and
# the one rule each breaks; the planted meeting and participant point at rejected parents.
PLANTED_RULES = {
    "sip_plans": ["code:target_group"],
    "sip_meetings": ["orphan:sip_id"],
    "sip_participants": ["orphan:meeting_id"],
    "sip_deviations": ["date_order:closed_date<reported_date"],
    "sipkollen": ["pii:comment"],
}
PLANTED_ID = {"sip_plans": "SIP-99999", "sip_meetings": "M-999999", "sip_deviations": "D-99999"}


def test_only_the_planted_flaws_are_rejected(demo: Demo) -> None:
    failed = [
        e.check_name
        for e in demo.result.get_asset_check_evaluations()
        if not e.passed and e.severity == AssetCheckSeverity.ERROR
    ]
    assert failed == []
    assert _one(demo.con, "SELECT count(*) FROM meta.malformed_rows") == 0
    for entity in ENTITIES:
        monthly_files = {
            file
            for (file,) in demo.con.execute(
                f"SELECT DISTINCT _file FROM raw.{entity} WHERE _file NOT LIKE '%backlog%'"
            ).fetchall()
        }
        rejected = demo.con.execute(
            "SELECT file, entity_id, rules FROM quarantine.rows WHERE entity = ?", [entity]
        ).fetchall()
        assert sorted(file for file, _, _ in rejected) == sorted(monthly_files), entity
        assert all(rules == PLANTED_RULES[entity] for _, _, rules in rejected), rejected
        if entity in PLANTED_ID:
            assert all(i.startswith(PLANTED_ID[entity]) for _, i, _ in rejected), rejected
        raw = _one(demo.con, f"SELECT count(*) FROM raw.{entity}")
        staged = _one(demo.con, f"SELECT count(*) FROM staging.{entity}")
        assert raw - len(rejected) == staged > 0, entity
    assert _one(demo.con, "SELECT count(*) FROM model.sip_plans") == PLANS
    planted_comments = demo.con.execute(
        "SELECT DISTINCT record->>'comment' FROM quarantine.rows WHERE entity = 'sipkollen'"
    ).fetchall()
    assert planted_comments == [(mask_text(PHONE_COMMENT),)]


def test_references_and_dates_hold_in_the_current_state(demo: Demo) -> None:
    con = demo.con
    orphans = {
        "meeting without plan": "SELECT count(*) FROM model.sip_meetings m "
        "WHERE m.sip_id NOT IN (SELECT sip_id FROM model.sip_plans)",
        "participant without meeting": "SELECT count(*) FROM model.sip_participants p "
        "WHERE p.meeting_id NOT IN (SELECT meeting_id FROM model.sip_meetings)",
        "participant of a meeting not held": "SELECT count(*) FROM model.sip_participants p "
        "JOIN model.sip_meetings m USING (meeting_id) WHERE m.status <> 'held'",
        "deviation without plan": "SELECT count(*) FROM model.sip_deviations d "
        "WHERE d.sip_id NOT IN (SELECT sip_id FROM model.sip_plans)",
        "meeting before the need": "SELECT count(*) FROM model.sip_meetings m "
        "JOIN model.sip_plans p USING (sip_id) "
        "WHERE m.planned_date < p.need_identified_date OR m.held_date < p.need_identified_date",
        "meeting of a declined or pending plan": "SELECT count(*) FROM model.sip_meetings m "
        "JOIN model.sip_plans p USING (sip_id) WHERE p.consent_status <> 'given'",
        "meeting after closure": "SELECT count(*) FROM model.sip_meetings m "
        "JOIN model.sip_plans p USING (sip_id) WHERE m.status <> 'cancelled' "
        "AND coalesce(m.held_date, m.planned_date) > p.closed_date",
        "consent before need": "SELECT count(*) FROM model.sip_plans "
        "WHERE consent_date < need_identified_date",
        "follow-up without planned date": "SELECT count(*) FROM model.sip_meetings "
        "WHERE meeting_type = 'follow_up' AND planned_date IS NULL",
        "held meeting without held date": "SELECT count(*) FROM model.sip_meetings "
        "WHERE (status = 'held') <> (held_date IS NOT NULL)",
        "closed without reason": "SELECT count(*) FROM model.sip_plans "
        "WHERE (closed_date IS NULL) <> (closure_reason IS NULL)",
        "two initial meetings": "SELECT count(*) FROM (SELECT sip_id FROM model.sip_meetings "
        "WHERE meeting_type = 'initial' GROUP BY sip_id HAVING count(*) > 1)",
    }
    found = {name: _one(con, sql) for name, sql in orphans.items()}
    assert found == dict.fromkeys(orphans, 0)
    # Events happen by the end date; only bookings may lie after it.
    events = {
        "sip_plans": [
            "need_identified_date",
            "consent_date",
            "consent_withdrawn_date",
            "invitation_date",
            "closed_date",
        ],
        "sip_meetings": ["held_date"],
        "sip_deviations": ["reported_date", "closed_date"],
        "sipkollen": ["response_date"],
    }
    for entity, columns in events.items():
        latest = max(_one(con, f"SELECT max({c}) FROM model.{entity}") for c in columns)
        assert latest <= END, entity
    # Each organisation type belongs to one principal, the one SPEC §2.3 implies.
    principals = dict(
        con.execute(
            "SELECT organisation_type, any_value(principal) FROM model.sip_participants "
            "GROUP BY ALL HAVING count(DISTINCT principal) = 1"
        ).fetchall()
    )
    assert _one(con, "SELECT count(DISTINCT organisation_type) FROM model.sip_participants") == len(
        principals
    )
    expected = {
        "social_services": "municipality",
        "elderly_care": "municipality",
        "psychiatry": "region",
        "primary_care": "region",
        "social_insurance_agency": "state",
    }
    assert {k: principals.get(k) for k in expected} == expected


def test_later_deliveries_update_earlier_rows(demo: Demo) -> None:
    con = demo.con
    in_several = _one(
        con,
        "SELECT count(*) FROM (SELECT sip_id FROM raw.sip_plans GROUP BY sip_id "
        "HAVING count(DISTINCT _file) > 1)",
    )
    changed = con.execute(
        "SELECT sip_id FROM staging.sip_plans GROUP BY sip_id HAVING count(DISTINCT _file) > 1 "
        "AND count(DISTINCT (consent_status, consent_date, invitation_date, closed_date, "
        "closure_reason)) > 1"
    ).fetchall()
    assert in_several >= len(changed) > 0

    # A plan first delivered with consent pending comes back decided; a meeting first
    # delivered as planned comes back held or cancelled; nothing moves backwards.
    plans = ("sip_plans", "sip_id", "consent_status")
    meetings = ("sip_meetings", "meeting_id", "status")
    expected = {
        (plans, "('pending')", "('given', 'declined')"): True,
        (meetings, "('planned')", "('held', 'cancelled')"): True,
        (plans, "('given', 'declined')", "('pending')"): False,
        (meetings, "('held', 'cancelled')", "('planned')"): False,
    }
    found = {}
    for case in expected:
        (entity, key, column), before, after = case
        count = _one(
            con,
            f"SELECT count(*) FROM staging.{entity} a JOIN staging.{entity} b USING ({key}) "
            f"WHERE a._file < b._file AND a.{column} IN {before} AND b.{column} IN {after}",
        )
        found[case] = count > 0
    assert found == expected
    # The current state is the row of the last delivery that mentions the id.
    stale = _one(
        con,
        "SELECT count(*) FROM model.sip_plans m JOIN (SELECT sip_id, max(_file) AS last "
        "FROM staging.sip_plans GROUP BY sip_id) l USING (sip_id) WHERE m._file <> l.last",
    )
    assert stale == 0


def test_plausible_distributions(demo: Demo) -> None:
    con = demo.con
    total, in_window, median = con.execute(
        """
        SELECT count(*),
               count(*) FILTER (WHERE m.held_date - p.need_identified_date BETWEEN 7 AND 56),
               median(m.held_date - p.need_identified_date)
        FROM model.sip_meetings m JOIN model.sip_plans p USING (sip_id)
        WHERE m.meeting_type = 'initial' AND m.status = 'held'
        """
    ).fetchone()
    assert total > PLANS / 2
    assert in_window / total > 0.5
    assert 7 <= median <= 56
    waiting = _one(
        con,
        "SELECT count(*) FROM model.sip_plans p WHERE consent_status = 'given' "
        "AND closed_date IS NULL AND sip_id NOT IN (SELECT sip_id FROM model.sip_meetings "
        "WHERE meeting_type = 'initial' AND status = 'held')",
    )
    assert waiting > 0
    declined = _one(con, "SELECT count(*) FROM model.sip_plans WHERE consent_status = 'declined'")
    assert 0.02 <= declined / PLANS <= 0.2
    withdrawn = _one(
        con,
        "SELECT count(*) FROM model.sip_plans WHERE closure_reason = 'consent_withdrawn' "
        "AND consent_withdrawn_date IS NOT NULL AND closed_date >= consent_withdrawn_date",
    )
    assert withdrawn > 0
    early_invitations = _one(
        con, "SELECT count(*) FROM model.sip_plans WHERE invitation_date < consent_date"
    )
    assert 0 < early_invitations < PLANS * 0.2  # a process finding, not the rule
    missed, late, cancelled = con.execute(
        """
        SELECT count(*) FILTER (WHERE status = 'planned'
                                AND planned_date < r.as_of - r.follow_up_tolerance_days),
               count(*) FILTER (WHERE held_date > planned_date + r.follow_up_tolerance_days),
               count(*) FILTER (WHERE status = 'cancelled')
        FROM model.sip_meetings, model.run_params AS r
        WHERE meeting_type = 'follow_up'
        """
    ).fetchone()
    assert missed > 0 and late > 0 and cancelled > 0
    on_time = _one(
        con,
        "SELECT count(*) FROM model.sip_meetings, model.run_params AS r WHERE "
        "meeting_type = 'follow_up' AND held_date <= planned_date + r.follow_up_tolerance_days",
    )
    assert on_time > late + missed  # most follow-ups are held on time
    coordinator = _one(
        con,
        "SELECT avg(coordinator_appointed::INT) FROM model.sip_plans "
        "WHERE coordinator_appointed IS NOT NULL",
    )
    assert 0.5 < coordinator < 1
    for column, table in [
        ("closure_reason", "sip_plans"),
        ("deviation_type", "sip_deviations"),
        ("organisation_type", "sip_participants"),
    ]:
        distinct = _one(con, f"SELECT count(DISTINCT {column}) FROM model.{table}")
        assert distinct >= 3, column
    participants = con.execute(
        "SELECT min(n), max(n) FROM (SELECT count(*) AS n FROM model.sip_participants "
        "GROUP BY meeting_id)"
    ).fetchone()
    assert participants == (2, 5)


def test_sipkollen_mostly_yes_but_not_all(demo: Demo) -> None:
    con = demo.con
    questions = [f"q{i:02d}" for i in range(1, 9)]
    shares = {}
    for q in questions:
        yes, applicable, dont_know, blank = con.execute(
            f"SELECT count(*) FILTER (WHERE {q} = 'yes'), "
            f"count(*) FILTER (WHERE {q} IN ('yes', 'partly', 'no')), "
            f"count(*) FILTER (WHERE {q} = 'dont_know'), count(*) FILTER (WHERE {q} IS NULL) "
            "FROM model.sipkollen"
        ).fetchone()
        assert 0 < yes < applicable, q  # never all 'yes'
        assert dont_know + blank > 0, q
        shares[q] = yes / applicable
    pooled = _one(
        con,
        "SELECT count(*) FILTER (WHERE a = 'yes') / count(*) FILTER (WHERE a IN "
        "('yes', 'partly', 'no')) FROM (SELECT unnest([" + ", ".join(questions) + "]) AS a "
        "FROM model.sipkollen)",
    )
    assert 0.5 < pooled < 0.95, shares
    # Per question 'yes' dominates too, with some sampling room at this small scale
    # (q07, "I know when the follow-up is", is meant to be the lowest).
    assert all(0.4 < s < 1 for s in shares.values()), shares
    assert sum(s > 0.5 for s in shares.values()) >= 6, shares
    assert shares["q07"] < pooled
    assert _one(con, "SELECT count(*) FROM model.sipkollen WHERE comment IS NOT NULL") > 0


# --- 4. no personal data ----------------------------------------------------------------------


def test_no_personal_data_in_any_value(demo: Demo) -> None:
    con = demo.con
    findings = []
    values = 0
    for entity in ENTITIES:
        columns = [f.name for f in load_contract(entity).fields]
        for column in columns:
            distinct = con.execute(
                f'SELECT DISTINCT "{column}" FROM raw.{entity} WHERE "{column}" IS NOT NULL'
            ).fetchall()
            values += len(distinct)
            for (value,) in distinct:
                if value == mask_text(PHONE_COMMENT):
                    continue  # the planted phone number, masked at ingest
                assert not any(mask in value for mask in MASKS.values()), (entity, value)
                if kinds := find_pii(value):
                    findings.append((entity, column, value, kinds))
    assert values > 1000  # the scan really looked at the data
    assert findings == []
    flagged = con.execute(
        "SELECT DISTINCT entity, rules FROM quarantine.rows "
        "WHERE len(list_filter(rules, lambda r: r LIKE 'pii%')) > 0"
    ).fetchall()
    assert flagged == [("sipkollen", ["pii:comment"])]  # only the planted phone number


# --- 5. the command ---------------------------------------------------------------------------


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-m", "pipelines.demo_data", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_only_if_empty_leaves_a_filled_landing_folder_alone(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "sip_plans").mkdir(parents=True)
    own = landing / "sip_plans" / "2026-01_sip_plans.csv"
    own.write_text("sip_id,need_identified_date\nSIP-1,2026-01-05\n", encoding="utf-8")
    before = {p: p.read_bytes() for p in landing.rglob("*") if p.is_file()}

    done = _cli(tmp_path, "--plans", "50", "--landing", str(landing), "--only-if-empty")

    assert done.returncode == 0, done.stderr
    assert "already holds deliveries" in done.stdout
    assert {p: p.read_bytes() for p in landing.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in landing.iterdir()) == ["sip_plans"]


def test_cli_only_if_empty_fills_an_empty_landing_folder(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    (landing / "sip_plans").mkdir(parents=True)  # folders without files count as empty
    assert landing_is_empty(landing)

    done = _cli(tmp_path, "--plans", "50", "--landing", str(landing), "--only-if-empty")

    assert done.returncode == 0, done.stderr
    assert f"for 50 plans to {landing}" in done.stdout
    assert not landing_is_empty(landing)
    for entity in ENTITIES:
        assert len(list((landing / entity).iterdir())) >= 3, entity
    assert pq.read_table(landing / "sip_plans" / "2026-04_sip_plans_backlog.parquet").num_rows > 0
    assert not any(tmp_path.glob("*.tmp")) and not any(landing.rglob("*.tmp"))


# --- small and chunked runs (each once crashed the generator) ----------------------------------


def test_a_handful_of_plans(tmp_path: Path) -> None:
    files = generate(tmp_path / "landing", 10, seed=SEED, end=END)
    assert all(len(paths) >= 3 for paths in files.values())


def test_swedish_deliveries_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipelines.demo_data as demo_data

    monkeypatch.setattr(demo_data, "CHUNK_PLANS", 150)
    files = generate(tmp_path / "landing", PLANS, seed=1, end=END)
    assert all(len(paths) >= 3 for paths in files.values())


# --- 6. region shapes -------------------------------------------------------------------------


def test_region_shapes_spread_plans_over_their_municipalities_and_units(tmp_path: Path) -> None:
    import re

    from data_contracts.regions import municipalities
    from pipelines.demo_data import MUNICIPALITIES, SHAPES, region

    assert SHAPES["demo"].municipalities == 20 and SHAPES["demo"].units == 36
    demo_region = region(20, 36)
    assert demo_region.municipalities == MUNICIPALITIES  # the demo keeps its own 20
    national = region(290, 2000)
    assert set(national.municipalities) == set(municipalities())
    assert all(national.municipalities[code] == code[:2] for code in municipalities())
    units = national.municipal_units + national.region_units
    assert len(set(units)) == 2000
    pattern = re.compile(load_contract("sip_plans").field("initiating_unit").pattern)
    assert all(pattern.fullmatch(unit) for unit in units)

    landing = tmp_path / "landing"
    done = _cli(tmp_path, "--shape", "large", "--plans", "4000", "--landing", str(landing))

    assert done.returncode == 0, done.stderr
    assert "(49 municipalities, 300 units)" in done.stdout
    plans = duckdb.sql(
        f"SELECT count(DISTINCT municipality_code), count(DISTINCT initiating_unit), "
        f"count(DISTINCT sip_id) FROM read_parquet('{landing}/sip_plans/*.parquet')"
    ).fetchall()[0]
    assert plans[:2] == (49, 300) and plans[2] > 2000  # the backlog alone holds most plans


def test_a_shape_option_overrides_its_preset(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    done = _cli(
        tmp_path, "--shape", "national", "--plans", "60", "--units", "9", "--landing", str(landing)
    )
    assert done.returncode == 0, done.stderr
    assert f"for 60 plans to {landing} (290 municipalities, 9 units)" in done.stdout
