"""The data steward's marts: deliveries, rule failures, the masked quarantine and freshness."""

import duckdb
from dagster import AssetKey, MaterializeResult, asset
from dagster_duckdb import DuckDBResource

from data_contracts.contracts import ENTITIES, load_contract
from data_contracts.sql import quote_ident


def _latest_event_sql(entity: str) -> str:
    dates = [
        quote_ident(f.name)
        for f in load_contract(entity).fields
        if f.type == "date" and not f.booking
    ]
    # Participants have no dates of their own: still one (empty) row for the entity.
    latest = f"greatest({', '.join(dates)}, NULL::DATE)" if dates else "NULL::DATE"
    return f"SELECT '{entity}' AS entity, max({latest}) AS d FROM model.{entity}"


def build_quality_marts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    accepted = " UNION ALL ".join(
        f"SELECT '{e}' AS entity, _file AS file, count(*) AS n FROM staging.{e} GROUP BY ALL"
        for e in ENTITIES
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE marts.data_quality AS
        WITH accepted AS ({accepted}),
        quarantined AS (
            SELECT entity, file, count(*) AS n,
                   count(*) FILTER (len(list_filter(rules, lambda r: r LIKE 'pii:%')) > 0) AS pii
            FROM quarantine.rows GROUP BY ALL
        )
        SELECT d.entity, d.file, d.rows_read, coalesce(a.n, 0)::BIGINT AS rows_accepted,
               coalesce(q.n, 0)::BIGINT AS rows_quarantined, d.contract_version, d.loaded_at,
               d.status, d.error, coalesce(q.pii, 0)::BIGINT AS pii_findings, d.dialect,
               d.unknown_columns
        FROM meta.deliveries AS d
        LEFT JOIN accepted AS a USING (entity, file)
        LEFT JOIN quarantined AS q USING (entity, file)
        ORDER BY d.entity, d.file
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE marts.data_quality_rules AS
        SELECT entity, file, rule, count(*)::BIGINT AS rows_failed
        FROM (SELECT entity, file, unnest(rules) AS rule FROM quarantine.rows)
        GROUP BY ALL ORDER BY entity, file, rows_failed DESC
        """
    )
    con.execute(
        "CREATE OR REPLACE TABLE marts.quarantine AS "
        "SELECT * FROM quarantine.rows ORDER BY entity, file, row_number"
    )
    latest_events = " UNION ALL ".join(_latest_event_sql(e) for e in ENTITIES)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE marts.freshness AS
        WITH files AS (
            SELECT entity, max(file) AS latest_file, max(loaded_at) AS loaded_at
            FROM meta.deliveries WHERE status = 'loaded' GROUP BY entity
        ),
        events AS ({latest_events})
        SELECT e.entity, f.latest_file, f.loaded_at, e.d AS latest_event_date
        FROM events AS e LEFT JOIN files AS f USING (entity) ORDER BY e.entity
        """
    )


@asset(
    # Built from the model (freshness reads it), so it runs with the model, not with validation.
    group_name="model",
    kinds={"duckdb"},
    deps=[AssetKey(f"model_{e}") for e in ENTITIES],
    description="Steward marts: per delivery and rule, the masked quarantine, and freshness.",
)
def data_quality_marts(duckdb: DuckDBResource) -> MaterializeResult:
    with duckdb.get_connection() as con:
        build_quality_marts(con)
        files, quarantined = con.execute(
            "SELECT count(*), sum(rows_quarantined) FROM marts.data_quality"
        ).fetchone()
    return MaterializeResult(metadata={"files": files, "rows_quarantined": int(quarantined or 0)})
