"""The data steward's marts: a verdict per delivery, rule failures in Swedish, the masked
quarantine with file line numbers, and freshness against each entity's delivery cadence; and
the freshness check on the raw assets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetKey,
    MaterializeResult,
    asset,
    multi_asset_check,
)
from dagster_duckdb import DuckDBResource

from assets.resources import SipSettings
from assets.step_times import StepTimes, step
from data_contracts.contracts import CADENCE_DAYS, ENTITIES, load_contract
from data_contracts.rule_catalogue import describe_rule
from data_contracts.sql import quote_ident, quote_literal

FRESHNESS_CHECK = "delivered_on_time"
TOP_RULES = 3  # rules named on a delivery's verdict line


def _event_dates(entity: str, alias: str) -> list[str]:
    return [
        f"{alias}.{quote_ident(f.name)}"
        for f in load_contract(entity).fields
        if f.type == "date" and not f.booking
    ]


def _latest_event_sql(entity: str) -> str:
    """The latest event date of the entity's accepted rows; an entity without dates of its own
    (participants) takes the dates of the rows it references (their meetings)."""
    dates, source = _event_dates(entity, "c"), f"model.{entity} AS c"
    if not dates:
        link = next(f for f in load_contract(entity).fields if f.references)
        parent, key = link.references.split(".")
        dates = _event_dates(parent, "p")
        source += f" JOIN model.{parent} AS p ON p.{quote_ident(key)} = c.{quote_ident(link.name)}"
    return (
        f"SELECT {quote_literal(entity)} AS entity, "
        f"max(greatest({', '.join(dates)}, NULL::DATE)) AS d FROM {source}"
    )


def _register_delivery_times(con: duckdb.DuckDBPyConnection, landing_dir: Path) -> None:
    """`_delivered(entity, file, delivered_at)`: when each recorded delivery arrived in the
    landing folder (its modification time), else when the pipeline first loaded it."""
    rows = con.execute("SELECT entity, file, loaded_at FROM meta.deliveries").fetchall()
    times = []
    for entity, file, loaded_at in rows:
        path = landing_dir / entity / file
        arrived = (
            datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
            if path.is_file()
            else loaded_at
        )
        times.append((entity, file, arrived))
    frame = pd.DataFrame(times, columns=["entity", "file", "delivered_at"]).astype(
        {"entity": "string", "file": "string", "delivered_at": "datetime64[us]"}
    )
    con.register("_delivered_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE _delivered AS SELECT * FROM _delivered_frame")
    con.unregister("_delivered_frame")


def _cadence_sql() -> str:
    rows = ", ".join(
        f"({quote_literal(e)}, {quote_literal(c.delivery_cadence)}, "
        f"{CADENCE_DAYS[c.delivery_cadence]})"
        for e, c in ((e, load_contract(e)) for e in ENTITIES)
    )
    return f"SELECT * FROM (VALUES {rows}) AS t(entity, cadence, cadence_days)"


def freshness_sql() -> str:
    """Per entity: the latest readable delivery, when it arrived, the cadence, the day the next
    one is due, and days since the last one and whether it is late, on the run's date."""
    return f"""
        WITH cadence AS ({_cadence_sql()}),
        latest AS (
            SELECT d.entity, max(d.file) AS latest_file,
                   max(t.delivered_at) AS delivered_at
            FROM meta.deliveries AS d JOIN _delivered AS t USING (entity, file)
            WHERE d.status NOT IN ('rejected', 'withdrawn') GROUP BY d.entity
        )
        SELECT c.entity, l.latest_file, l.delivered_at, c.cadence, c.cadence_days,
               (l.delivered_at::DATE + c.cadence_days)::DATE AS next_due,
               current_date - l.delivered_at::DATE AS days_since_delivery,
               coalesce(current_date > l.delivered_at::DATE + c.cadence_days, true) AS late
        FROM cadence AS c LEFT JOIN latest AS l USING (entity)
    """


def _register_rule_texts(con: duckdb.DuckDBPyConnection) -> None:
    """`_rule_texts(entity, rule, rule_title, rule_name, field, field_label, expected)` for every
    rule broken, from the rule catalogue."""
    pairs = con.execute("SELECT DISTINCT entity, unnest(rules) FROM quarantine.rows").fetchall()
    texts = [
        (entity, rule, text.title_sv, text.name_sv, text.field, text.field_label, text.expected_sv)
        for entity, rule in pairs
        for text in [describe_rule(load_contract(entity), rule)]
    ]
    columns = ["entity", "rule", "rule_title", "rule_name", "field", "field_label", "expected"]
    frame = pd.DataFrame(texts, columns=columns, dtype="string")
    con.register("_rule_texts_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE _rule_texts AS SELECT * FROM _rule_texts_frame")
    con.unregister("_rule_texts_frame")


def _track_changes(con: duckdb.DuckDBPyConnection) -> None:
    """`_changes(entity, file, change)`: new, changed or unchanged since the last build, from
    the content hashes this stage saw then (`meta.deliveries_seen`)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS meta.deliveries_seen (entity VARCHAR, file VARCHAR, "
        "sha256 VARCHAR)"
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _changes AS
        SELECT d.entity, d.file,
               CASE WHEN s.file IS NULL THEN 'new'
                    WHEN s.sha256 IS DISTINCT FROM d.sha256 THEN 'changed'
                    ELSE 'unchanged' END AS change
        FROM meta.deliveries AS d LEFT JOIN meta.deliveries_seen AS s USING (entity, file)
        """
    )
    con.execute("DELETE FROM meta.deliveries_seen")
    con.execute("INSERT INTO meta.deliveries_seen SELECT entity, file, sha256 FROM meta.deliveries")


def build_quality_marts(con: duckdb.DuckDBPyConnection, landing_dir: Path) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    _register_rule_texts(con)
    _register_delivery_times(con, landing_dir)
    accepted = " UNION ALL ".join(
        f"SELECT '{e}' AS entity, _file AS file, count(*) AS n FROM staging.{e} GROUP BY ALL"
        for e in ENTITIES
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE marts.data_quality_rules AS
        SELECT q.entity, q.file, q.rule, t.rule_title, t.rule_name, t.field, t.field_label,
               t.expected,
               count(*)::BIGINT AS rows_failed
        FROM (SELECT entity, file, unnest(rules) AS rule FROM quarantine.rows) AS q
        JOIN _rule_texts AS t USING (entity, rule)
        GROUP BY ALL ORDER BY entity, file, rows_failed DESC, rule
        """
    )
    _track_changes(con)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE marts.data_quality AS
        WITH accepted AS ({accepted}),
        quarantined AS (
            SELECT entity, file, count(*) AS n,
                   count(*) FILTER (len(list_filter(rules, lambda r: r LIKE 'pii:%')) > 0) AS pii
            FROM quarantine.rows GROUP BY ALL
        ),
        top_rules AS (
            SELECT entity, file,
                   list(rule_title || ' (' || rows_failed || ')'
                        ORDER BY rows_failed DESC, rule)[1:{TOP_RULES}] AS top_rules
            FROM marts.data_quality_rules GROUP BY ALL
        )
        SELECT d.entity, d.file, d.rows_read, coalesce(a.n, 0)::BIGINT AS rows_accepted,
               coalesce(q.n, 0)::BIGINT AS rows_quarantined, d.contract_version, d.loaded_at,
               CASE WHEN d.status IN ('rejected', 'ignored', 'withdrawn') THEN d.status
                    WHEN coalesce(q.n, 0) > 0 THEN 'accepted_with_errors'
                    ELSE 'accepted' END AS verdict,
               c.change, coalesce(q.pii, 0)::BIGINT AS pii_findings,
               coalesce(r.top_rules, []) AS top_rules, t.delivered_at, d.status, d.error,
               d.dialect, d.unknown_columns, d.notices, d.in_landing, d.withdrawn_at,
               d.withdrawn_by, d.withdrawal_reason
        FROM meta.deliveries AS d
        LEFT JOIN accepted AS a USING (entity, file)
        LEFT JOIN quarantined AS q USING (entity, file)
        LEFT JOIN top_rules AS r USING (entity, file)
        LEFT JOIN _changes AS c USING (entity, file)
        LEFT JOIN _delivered AS t USING (entity, file)
        ORDER BY d.entity, d.file
        """
    )
    # The line a record sits on as a spreadsheet or text editor shows it: the header is line 1,
    # so data row n is line n + 1; a Parquet file has no header line and keeps its row number.
    con.execute(
        """
        CREATE OR REPLACE TABLE marts.quarantine AS
        SELECT q.entity, q.file,
               q.row_number + CASE WHEN d.dialect = 'parquet' THEN 0 ELSE 1 END AS line_number,
               q.row_number, q.entity_id, q.rules, q.record
        FROM quarantine.rows AS q LEFT JOIN meta.deliveries AS d USING (entity, file)
        ORDER BY entity, file, row_number
        """
    )
    latest_events = " UNION ALL ".join(_latest_event_sql(e) for e in ENTITIES)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE marts.freshness AS
        WITH events AS ({latest_events})
        SELECT f.*, e.d AS latest_event_date
        FROM ({freshness_sql()}) AS f LEFT JOIN events AS e USING (entity) ORDER BY f.entity
        """
    )


@asset(
    # Built from the model (freshness reads it), so it runs with the model, not with validation.
    group_name="model",
    kinds={"duckdb"},
    deps=[AssetKey(f"model_{e}") for e in ENTITIES],
    description="Steward marts: verdict per delivery, rules in Swedish, quarantine, freshness.",
)
def data_quality_marts(duckdb: DuckDBResource, sip: SipSettings) -> MaterializeResult:
    with StepTimes() as times, duckdb.get_connection() as con:
        with step("steward marts"):
            build_quality_marts(con, sip.get().landing_dir)
        files, quarantined, rejected = con.execute(
            "SELECT count(*), sum(rows_quarantined), count(*) FILTER (verdict = 'rejected') "
            "FROM marts.data_quality"
        ).fetchone()
    return MaterializeResult(
        metadata={
            "files": files,
            "files_rejected": rejected,
            "rows_quarantined": int(quarantined or 0),
            **times.metadata(),
        }
    )


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            FRESHNESS_CHECK,
            asset=f"raw_{entity}",
            description="A delivery arrived within the entity's cadence (contract).",
        )
        for entity in ENTITIES
    ],
    description="Each entity's latest readable delivery is no older than its delivery cadence.",
    can_subset=True,  # so one entity can be ingested (and checked) on its own
)
def deliveries_on_time(context, duckdb: DuckDBResource, sip: SipSettings):
    selected = {key.asset_key for key in context.selected_asset_check_keys}
    with duckdb.get_connection() as con:
        _register_delivery_times(con, sip.get().landing_dir)
        rows = con.execute(
            "SELECT entity, latest_file, cadence, days_since_delivery, next_due, late "
            f"FROM ({freshness_sql()})"
        ).fetchall()
    for entity, latest_file, cadence, days, next_due, late in rows:
        if AssetKey(f"raw_{entity}") not in selected:
            continue
        yield AssetCheckResult(
            asset_key=AssetKey(f"raw_{entity}"),
            check_name=FRESHNESS_CHECK,
            passed=not late,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "cadence": cadence,
                "days_since_delivery": days if days is not None else "(ingen leverans)",
                "next_due": next_due.isoformat() if next_due else "(ingen leverans)",
                "latest_file": latest_file or "(ingen)",
            },
        )
