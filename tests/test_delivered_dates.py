"""Dates as source systems deliver them: case-management exports carry meeting times, Excel
holds datetimes, Parquet holds timestamps. SPEC dates are days, so each is read as its day and
accepted like a plain `YYYY-MM-DD`; a value that is no date at all is still quarantined."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd

from assets.ingest.load import ingest_entity
from assets.validate.rules import validate_entity
from tests.test_ingest import PLAN_HEADER, plan_row, write

RUN_DATE = date(2026, 11, 1)
COLUMNS = PLAN_HEADER.split(",")


def plan_values(sip_id: str, need_identified: object) -> list[object]:
    values: list[object] = plan_row(sip_id).split(",")
    values[COLUMNS.index("need_identified_date")] = need_identified
    return values


def judged(landing: Path) -> tuple[dict[str, date], list[tuple[str, list[str]]]]:
    with duckdb.connect() as con:
        ingest_entity(con, landing, "sip_plans")
        validate_entity(con, "sip_plans", RUN_DATE)
        accepted = dict(
            con.execute("SELECT sip_id, need_identified_date FROM staging.sip_plans").fetchall()
        )
        quarantined = con.execute(
            "SELECT entity_id, rules FROM quarantine.rows ORDER BY entity_id"
        ).fetchall()
    return accepted, quarantined


def test_dates_with_a_time_part_are_read_as_their_day_from_csv_excel_and_parquet(
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    folder = landing / "sip_plans"
    write(
        folder / "2026-01.csv",
        PLAN_HEADER,
        ",".join(plan_values("CSV-SPACE", "2026-03-04 10:15")),
        ",".join(plan_values("CSV-T", "2026-03-04T10:15:00")),
        ",".join(plan_values("CSV-FRACTION", "2026-03-04 10:15:00.250")),
        ",".join(plan_values("CSV-OFFSET", "2026-03-04T10:15:00+01:00")),
        ",".join(plan_values("CSV-DAY", "2026-03-04")),
        ",".join(plan_values("CSV-NO-HOUR", "2026-03-04 25:15")),
        ",".join(plan_values("CSV-TEXT", "2026-03-04 förmiddag")),
    )
    workbook = openpyxl.Workbook()
    workbook.active.append(COLUMNS)
    workbook.active.append(plan_values("XLSX-TIME", datetime(2026, 3, 4, 10, 15)))
    workbook.active.append(plan_values("XLSX-MIDNIGHT", datetime(2026, 3, 4)))
    workbook.save(folder / "2026-02.xlsx")
    frame = pd.DataFrame(
        [plan_values("PARQUET-TIME", None), plan_values("PARQUET-MIDNIGHT", None)],
        columns=COLUMNS,
    )
    frame["need_identified_date"] = pd.to_datetime(["2026-03-04 10:15", "2026-03-04 00:00"])
    frame.to_parquet(folder / "2026-03.parquet")
    aware = frame.head(1).assign(
        sip_id="PARQUET-AWARE",
        # 00:30 in Stockholm is 23:30 the day before in UTC: the day is Sweden's.
        need_identified_date=pd.to_datetime(["2026-03-04 00:30"]).tz_localize("Europe/Stockholm"),
    )
    aware.to_parquet(folder / "2026-04.parquet")

    accepted, quarantined = judged(landing)

    day = date(2026, 3, 4)
    read_as_day = [
        "CSV-SPACE",
        "CSV-T",
        "CSV-FRACTION",
        "CSV-OFFSET",
        "CSV-DAY",
        "XLSX-TIME",
        "XLSX-MIDNIGHT",
        "PARQUET-TIME",
        "PARQUET-MIDNIGHT",
        "PARQUET-AWARE",
    ]
    assert {sip_id: accepted.get(sip_id) for sip_id in read_as_day} == dict.fromkeys(
        read_as_day, day
    )
    assert quarantined == [
        ("CSV-NO-HOUR", ["type:date:need_identified_date"]),
        ("CSV-TEXT", ["type:date:need_identified_date"]),
    ]
