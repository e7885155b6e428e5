"""The model: every entity as known on the as-of date, built once for all KPIs.

Deliveries may be cumulative or delta exports, so the current state of an id is its accepted
row from the last delivery (lexical file order) that mentions it. Only accepted rows take part:
a quarantined row never replaces a good one. From that state, `sql/<entity>.sql` removes what
had not happened by the as-of date (SPEC §4): the KPI SQL reads `model.*` and needs no as-of
logic of its own, and an earlier as-of date changes which events count, never which rows are
accepted.
"""

from pathlib import Path

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetSpec,
    MaterializeResult,
    multi_asset,
)
from dagster_duckdb import DuckDBResource

from assets.expectations import check_result, gx_expectations, run_expectations
from assets.run_params import read_run_params
from assets.step_times import StepTimes, step
from data_contracts.contracts import ENTITIES, load_contract
from data_contracts.sql import quote_ident

COMPLETENESS_CHECK = "optional_fields_filled"

# Participants have no id of their own: a delivery that mentions a meeting replaces that
# meeting's participant list.
REPLACEMENT_KEY = {
    "sip_plans": "sip_id",
    "sip_meetings": "meeting_id",
    "sip_participants": "meeting_id",
    "sip_deviations": "deviation_id",
    "sipkollen": "response_id",
}


def current_state_sql(entity: str) -> str:
    key = REPLACEMENT_KEY[entity]
    if entity == "sip_participants":
        return f"""
            SELECT s.* FROM staging.{entity} AS s
            JOIN (SELECT {key}, max(_file) AS _file FROM staging.{entity} GROUP BY {key}) AS latest
              USING ({key}, _file)
        """
    return f"""
        SELECT * FROM staging.{entity}
        QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _file DESC, _row DESC) = 1
    """


SQL_DIR = Path(__file__).parent / "sql"


def as_of_view_sql(entity: str) -> str:
    """The entity as known on the as-of date (`model.run_params`), from its current state."""
    as_of_view = (SQL_DIR / f"{entity}.sql").read_text(encoding="utf-8")
    return f"WITH current AS ({current_state_sql(entity)}) {as_of_view}"


def build_model(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    con.execute("CREATE SCHEMA IF NOT EXISTS model")
    counts: dict[str, int] = {}
    # In ENTITIES order: plans first, whose as-of view the other entities follow.
    for entity in ENTITIES:
        with step(f"building {entity}"):
            con.execute(f"CREATE OR REPLACE TABLE model.{entity} AS {as_of_view_sql(entity)}")
        counts[entity] = con.execute(f"SELECT count(*) FROM model.{entity}").fetchone()[0]
    return counts


def completeness_check(con: duckdb.DuckDBPyConnection, entity: str) -> AssetCheckResult:
    """Optional fields no blanker than the contract's `maxNullShare` (a warning: the figures
    are right for the rows there are, but a source system may have stopped filling a field).
    DuckDB counts each field's filled share and GE judges the shares: the same test as GE's
    not-null expectation with `mostly`, without copying millions of rows into pandas."""
    limited = [f for f in load_contract(entity).fields if f.max_null_share is not None]
    if not limited or not con.execute(f"SELECT count(*) FROM model.{entity}").fetchone()[0]:
        return check_result(COMPLETENESS_CHECK, [], False, asset_key=f"model_{entity}")
    shares = ", ".join(
        f"count({quote_ident(f.name)}) / count(*) AS {quote_ident(f.name)}" for f in limited
    )
    frame = con.execute(f"SELECT {shares} FROM model.{entity}").df()
    e = gx_expectations()
    expectations = [
        e.ExpectColumnValuesToBeBetween(column=f.name, min_value=1 - f.max_null_share)
        for f in limited
    ]
    outcomes = run_expectations(f"{entity}_completeness", frame, expectations)
    return check_result(COMPLETENESS_CHECK, outcomes, False, asset_key=f"model_{entity}")


@multi_asset(
    specs=[
        AssetSpec(
            f"model_{entity}",
            group_name="model",
            kinds={"duckdb"},
            deps=[f"validated_{entity}", "run_params"],
            description=f"{entity} as known on the as-of date: last accepted row per id.",
        )
        for entity in ENTITIES
    ],
    description="Every entity as known on the as-of date: the last accepted row per id.",
    check_specs=[
        AssetCheckSpec(
            COMPLETENESS_CHECK,
            asset=f"model_{entity}",
            description="Optional fields no blanker than the contract's maxNullShare.",
        )
        for entity in ENTITIES
    ],
)
def model_tables(context: AssetExecutionContext, duckdb: DuckDBResource):
    with StepTimes() as times, duckdb.get_connection() as con:
        counts = build_model(con)
        as_of = read_run_params(con).as_of
        with step("expectations"):
            checks = {entity: completeness_check(con, entity) for entity in ENTITIES}
    context.log.info(f"model built, as-of {as_of}: {counts}")
    profile = times.metadata()
    for entity, rows in counts.items():
        yield MaterializeResult(
            asset_key=f"model_{entity}",
            metadata={"rows": rows, "as_of": str(as_of), **profile},
            check_results=[checks[entity]],
        )
        profile = {}  # the multi-asset's one profile goes on its first output only


model_assets = [model_tables]
