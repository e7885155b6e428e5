"""The model: the current state of every entity, and the run's parameters.

Deliveries may be cumulative or delta exports, so the current state of an id is its accepted
row from the last delivery (lexical file order) that mentions it. Only accepted rows take part:
a quarantined row never replaces a good one.
"""

import duckdb
from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, multi_asset
from dagster_duckdb import DuckDBResource

from assets.validate.assets import run_as_of
from assets.warehouse import ENTITIES
from pipelines.resources import SipSettings
from pipelines.settings import Settings

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


def build_model(con: duckdb.DuckDBPyConnection, settings: Settings) -> dict[str, int]:
    con.execute("CREATE SCHEMA IF NOT EXISTS model")
    counts: dict[str, int] = {}
    for entity in ENTITIES:
        con.execute(f"CREATE OR REPLACE TABLE model.{entity} AS {current_state_sql(entity)}")
        counts[entity] = con.execute(f"SELECT count(*) FROM model.{entity}").fetchone()[0]
    as_of = run_as_of(con)
    con.execute(
        """
        CREATE OR REPLACE TABLE model.run_params AS SELECT
            ?::DATE AS as_of, ?::INTEGER AS meeting_target_days,
            ?::INTEGER AS follow_up_tolerance_days, ?::INTEGER AS suppression_threshold,
            ?::BOOLEAN AS show_comments
        """,
        [
            as_of,
            settings.meeting_target_days,
            settings.follow_up_tolerance_days,
            settings.suppression_threshold,
            settings.show_comments,
        ],
    )
    return counts


@multi_asset(
    specs=[
        AssetSpec(
            f"model_{entity}",
            group_name="model",
            kinds={"duckdb"},
            deps=[f"validated_{entity}"],
            description=f"Current state of {entity}: last accepted row per id (model.{entity}).",
        )
        for entity in ENTITIES
    ],
    description="Current state of every entity and model.run_params (as-of date, KPI config).",
)
def model_tables(context: AssetExecutionContext, duckdb: DuckDBResource, sip: SipSettings):
    with duckdb.get_connection() as con:
        counts = build_model(con, sip.settings())
        as_of = con.execute("SELECT as_of FROM model.run_params").fetchone()[0]
    context.log.info(f"model built, as-of {as_of}: {counts}")
    for entity, rows in counts.items():
        yield MaterializeResult(
            asset_key=f"model_{entity}", metadata={"rows": rows, "as_of": str(as_of)}
        )


model_assets = [model_tables]
