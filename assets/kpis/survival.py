"""marts.time_to_meeting_survival: Kaplan–Meier curve of the time from need to initial meeting.

Population: plans with consent given and need identified on or before the as-of date. The event
is the initial meeting held; a plan still waiting is censored at the as-of date, and a plan closed
or withdrawn before any meeting is censored at its closing date. Overall and by every dimension.
Days at which fewer plans than the threshold are still at risk are suppressed (SPEC §5).
"""

from __future__ import annotations

import duckdb

from data_contracts.contracts import KPI_DIMENSIONS


def build_survival(con: duckdb.DuckDBPyConnection, threshold: int) -> int:
    long = " UNION ALL ".join(
        ["SELECT 'all' AS dimension, 'all' AS dimension_value, day, event FROM t"]
        + [f"SELECT '{d}', {d}, day, event FROM t" for d in KPI_DIMENSIONS]
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE marts.time_to_meeting_survival AS
        WITH t AS (
            SELECT d.*,
                   CASE WHEN i.held_date IS NOT NULL THEN i.held_date
                        ELSE least(coalesce(p.closed_date, rp.as_of), rp.as_of) END
                     - p.need_identified_date AS day,
                   i.held_date IS NOT NULL AS event
            FROM model.sip_plans AS p
            JOIN work.plan_dims AS d USING (sip_id)
            LEFT JOIN work.initial_meetings AS i USING (sip_id)
            CROSS JOIN model.run_params AS rp
            WHERE p.consent_status = 'given' AND p.need_identified_date <= rp.as_of
        ),
        per_day AS (
            SELECT dimension, dimension_value, day, count(*) FILTER (event) AS events,
                   count(*) AS leaving
            FROM ({long}) GROUP BY ALL
        ),
        risk AS (
            SELECT *, sum(leaving) OVER (PARTITION BY dimension, dimension_value ORDER BY day DESC)
                      AS at_risk
            FROM per_day
        ),
        curve AS (
            SELECT dimension, dimension_value, day::INTEGER AS day, at_risk::BIGINT AS at_risk,
                   events::BIGINT AS events,
                   CASE WHEN bool_or(events = at_risk) OVER w THEN 0.0
                        ELSE exp(sum(ln(1.0 - events / at_risk)) OVER w) END AS survival
            FROM risk
            WINDOW w AS (PARTITION BY dimension, dimension_value ORDER BY day)
        )
        SELECT dimension, dimension_value, day,
               CASE WHEN at_risk >= {threshold} THEN at_risk END AS at_risk,
               CASE WHEN at_risk >= {threshold} THEN events END AS events,
               CASE WHEN at_risk >= {threshold} THEN survival END AS survival,
               at_risk < {threshold} AS suppressed
        FROM curve
        ORDER BY dimension, dimension_value, day
        """
    )
    return con.execute("SELECT count(*) FROM marts.time_to_meeting_survival").fetchone()[0]
