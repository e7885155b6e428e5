"""Disclosure control (SPEC §5): primary and complementary suppression of KPI cells.

Primary: a count below the threshold; a share or rate whose denominator is below it, or whose
numerator is a small non-zero count; a quantile over fewer values than the threshold.
Complementary: a group of sibling cells that add up to a published total (the values of one
dimension, for a KPI, period and grain; the members of a family such as the closure reasons
under `plans_closed`; the months of a quarter and the quarters of a year, for KPIs that add up
over time) may not have exactly one suppressed member, or that member could be recovered by
subtraction; the smallest published sibling is suppressed too (or the total, when no sibling is
published), repeated until no group has a lone suppression. Suppressed cells keep their row
with NULL figures.
"""

from __future__ import annotations

import duckdb

ADDITIVE_KINDS = "('count', 'share', 'rate')"
MAX_ROUNDS = 100


def _primary_sql(threshold: int) -> str:
    return f"""
        CASE kind
            WHEN 'count' THEN numerator < {threshold}
            WHEN 'quantile' THEN denominator < {threshold}
            ELSE denominator < {threshold} OR (numerator > 0 AND numerator < {threshold})
        END
    """


# Sibling groups: (partition of the siblings, condition for a cell to be a sibling,
# join from a sibling to its total).
_GROUPS = (
    (
        "period_grain, period_start, kpi, dimension",
        "dimension <> 'all'",
        "t.period_grain = s.period_grain AND t.period_start = s.period_start "
        "AND t.kpi = s.kpi AND t.dimension = 'all'",
    ),
    (
        "period_grain, period_start, dimension, dimension_value, family",
        "family IS NOT NULL",
        "t.period_grain = s.period_grain AND t.period_start = s.period_start "
        "AND t.dimension = s.dimension AND t.dimension_value = s.dimension_value "
        "AND t.kpi = s.family_total_kpi",
    ),
    *(
        (
            f"date_trunc('{total}', period_start), dimension, dimension_value, kpi",
            f"period_grain = '{part}' AND additive_over_time",
            f"t.period_grain = '{total}' "
            f"AND t.period_start = date_trunc('{total}', s.period_start) "
            "AND t.dimension = s.dimension AND t.dimension_value = s.dimension_value "
            "AND t.kpi = s.kpi",
        )
        for part, total in (("month", "quarter"), ("quarter", "year"))
    ),
)


def _complementary_round(con: duckdb.DuckDBPyConnection) -> int:
    """In every group with a lone suppression under a published total, suppress the smallest
    published sibling, or the total itself when no sibling is published (a lone sibling of a
    published total would otherwise equal the total minus nothing)."""
    changed = 0
    for partition, sibling, total_join in _GROUPS:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _to_suppress AS
            WITH s AS (
                SELECT c.rowid AS id, c.*,
                       count(*) FILTER (suppressed) OVER w AS n_suppressed,
                       count(*) FILTER (NOT suppressed) OVER w AS n_published,
                       row_number() OVER (
                           PARTITION BY {partition}
                           ORDER BY suppressed, coalesce(denominator, numerator), numerator, kpi,
                                    dimension_value, period_start
                       ) AS size_rank
                FROM _cells AS c
                WHERE {sibling} AND kind IN {ADDITIVE_KINDS}
                WINDOW w AS (PARTITION BY {partition})
            )
            SELECT CASE WHEN s.n_published = 0 THEN t.rowid ELSE s.id END AS id
            FROM s JOIN _cells AS t ON {total_join}
            WHERE s.n_suppressed = 1 AND NOT t.suppressed AND s.size_rank = 1
            """
        )
        changed += con.execute(
            "UPDATE _cells SET suppressed = true WHERE rowid IN (SELECT id FROM _to_suppress)"
        ).fetchone()[0]
    return changed


def apply_disclosure(
    con: duckdb.DuckDBPyConnection, source: str, target: str, threshold: int
) -> None:
    """Read cells shaped like `work.kpi_cells` from `source`; write SPEC §6 rows to `target`."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _cells AS "
        f"SELECT *, coalesce({_primary_sql(threshold)}, false) AS suppressed FROM {source}"
    )
    for _ in range(MAX_ROUNDS):
        if _complementary_round(con) == 0:
            break
    else:  # pragma: no cover - a safety net: never publish an unfinished suppression
        raise RuntimeError("complementary suppression did not converge")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {target} AS
        SELECT period_grain, period_start, dimension, dimension_value, kpi,
               CASE WHEN NOT suppressed THEN numerator END AS numerator,
               CASE WHEN NOT suppressed THEN denominator END AS denominator,
               CASE WHEN NOT suppressed THEN value END AS value,
               suppressed, kind, period_complete
        FROM _cells
        ORDER BY kpi, period_grain, period_start, dimension, dimension_value
        """
    )
    con.execute("DROP TABLE _cells")
