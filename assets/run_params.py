"""`model.run_params`: the settings and as-of date of this run, written once, read by all.

The KPI SQL joins it (`model.run_params AS rp`); Python reads it with `read_run_params`, so the
threshold that suppresses a cell and the one the SQL sees can never differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from data_contracts.settings import Settings, protection_level_for


@dataclass(frozen=True)
class RunParams:
    as_of: date
    run_date: date  # the day the pipeline runs: no event date may lie after it
    meeting_target_days: int
    follow_up_tolerance_days: int
    suppression_threshold: int
    protection_level: int  # the least range a hidden count must keep (SPEC §5 audit)
    show_comments: bool


def write_run_params(
    con: duckdb.DuckDBPyConnection, settings: Settings, as_of: date, run_date: date
) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS model")
    con.execute(
        """
        CREATE OR REPLACE TABLE model.run_params AS SELECT
            ?::DATE AS as_of, ?::DATE AS run_date, ?::INTEGER AS meeting_target_days,
            ?::INTEGER AS follow_up_tolerance_days, ?::INTEGER AS suppression_threshold,
            ?::INTEGER AS protection_level, ?::BOOLEAN AS show_comments
        """,
        [
            as_of,
            run_date,
            settings.meeting_target_days,
            settings.follow_up_tolerance_days,
            settings.suppression_threshold,
            protection_level_for(settings.suppression_threshold, settings.protection_level),
            settings.show_comments,
        ],
    )


def read_run_params(con: duckdb.DuckDBPyConnection) -> RunParams:
    row = con.execute(
        "SELECT as_of, run_date, meeting_target_days, follow_up_tolerance_days, "
        "suppression_threshold, protection_level, show_comments FROM model.run_params"
    ).fetchone()
    return RunParams(*row)
