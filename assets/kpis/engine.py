"""Run the KPI SQL files and aggregate their row-level facts into unsuppressed KPI cells.

Each file in `sql/` is one concept named after its SPEC §4 code and returns *facts*: one row per
plan, meeting or answer that counts towards a KPI, with the breakdown dimensions of its plan.
Flow facts carry the `event_date` that places them in a period. Stock counts (states at the end
of a period) are *interval facts*: one row per plan with the date from which it counts
(`entered`) and the date on which it stops (`leaves_on`: the period whose end reaches it no
longer counts; or `last_counted_on`: the period holding it is the last counted). A plan adds +1
in the period it enters and -1 in the one it leaves; the running sum over periods, per dimension
value, is the stock, so that no plan x period row is ever built; a fact with `since` also gives
the quantiles of the days from it to each period end (`<kpi>_days`), from the stock kept per
`since` date. The few other stock facts (overdue follow-ups, counted at the as-of date) carry
`grain` and `period_start`. Everything is aggregated for every grain and dimension at once
(GROUPING SETS), so quarters and years are computed from the underlying rows, never from
monthly figures.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from data_contracts.contracts import ENTITIES, KPI_DIMENSIONS, load_contract
from data_contracts.periods import GRAINS, STEP_SQL, period_complete_sql
from data_contracts.sql import quote_literal

SQL_DIR = Path(__file__).parent / "sql"
# Helper relations (`sql/_<name>.sql` -> `work.<name>`) the KPI files, the survival curve and
# the overdue list read; built by the `kpi_helpers` asset, in this order.
HELPERS = ("plan_dims", "initial_meetings", "period_ends", "overdue_list")
INTERVAL_FILES = ("active_plans", "waiting_for_meeting", "open_plans_without_follow_up")
STOCK_FILES = ("follow_ups_overdue",)
QUANTILE_FILES = ("days_need_to_meeting", "days_between_steps", "days_plan_duration")
QUANTILES = {"days_need_to_meeting": (0.5, 0.75, 0.9)}  # others: the median only
FACT_COLUMNS = {
    "kpi": "VARCHAR",
    "family": "VARCHAR",
    "family_total_kpi": "VARCHAR",
    "num": "INTEGER",
    "den": "INTEGER",
    "days": "INTEGER",
    **dict.fromkeys(KPI_DIMENSIONS, "VARCHAR"),
}


def sql_file(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def flow_files() -> list[str]:
    return sorted(
        p.stem
        for p in SQL_DIR.glob("*.sql")
        if not p.stem.startswith("_") and p.stem not in INTERVAL_FILES + STOCK_FILES
    )


def _codes_table(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        (entity, f.name, code)
        for entity in ENTITIES
        for f in load_contract(entity).fields
        for code in (f.codes or {})
    ]
    con.execute("CREATE OR REPLACE TABLE work.codes (entity VARCHAR, field VARCHAR, code VARCHAR)")
    con.executemany("INSERT INTO work.codes VALUES (?, ?, ?)", rows)


def build_helpers(con: duckdb.DuckDBPyConnection) -> None:
    """The code lists and the helper relations (`work.*`) every KPI computation reads."""
    con.execute("CREATE SCHEMA IF NOT EXISTS work")
    _codes_table(con)
    for helper in HELPERS:
        con.execute(f"CREATE OR REPLACE TABLE work.{helper} AS {sql_file('_' + helper)}")


def _facts(con: duckdb.DuckDBPyConnection, table: str, files: list[str], extra: dict) -> None:
    columns = {**FACT_COLUMNS, **extra}
    empty = ", ".join(f"NULL::{kind} AS {name}" for name, kind in columns.items())
    union = " UNION ALL BY NAME ".join(f"({sql_file(f)})" for f in files)
    casts = ", ".join(f"{name}::{kind} AS {name}" for name, kind in columns.items())
    con.execute(
        f"CREATE OR REPLACE VIEW work.{table} AS SELECT {casts} FROM "
        f"(SELECT {empty} WHERE false UNION ALL BY NAME {union})"
    )


def _dimension_case(label: bool) -> str:
    whens = " ".join(
        f"WHEN grouping({d}) = 0 THEN {quote_literal(d) if label else d}" for d in KPI_DIMENSIONS
    )
    return f"CASE {whens} ELSE 'all' END"


def _grouping_sets(period_keys: list[str]) -> str:
    base = "kpi, family, family_total_kpi"
    return ", ".join(
        f"({base}, {period}{', ' + d if d else ''})"
        for period in period_keys
        for d in (None, *KPI_DIMENSIONS)
    )


def _aggregate_sql(source: str, period_keys: list[str], grain_sql: str, start_sql: str) -> str:
    return f"""
        SELECT {grain_sql} AS period_grain, {start_sql} AS period_start,
               {_dimension_case(True)} AS dimension, {_dimension_case(False)} AS dimension_value,
               kpi, family, family_total_kpi,
               sum(num)::BIGINT AS numerator, sum(den)::BIGINT AS denominator,
               count(days)::BIGINT AS n,
               quantile_cont(days, [0.5, 0.75, 0.9]) AS quantiles
        FROM {source}
        GROUP BY GROUPING SETS ({_grouping_sets(period_keys)})
        HAVING {_dimension_case(False)} IS NOT NULL
    """


GRAIN_STEPS = ", ".join(f"('{grain}', {step})" for grain, step in STEP_SQL.items())
_CELL = "period_grain, period_start, dimension, dimension_value, kpi"
_QUANTILE_POSITIONS = (0.5, 0.75, 0.9)  # the order of `quantiles` in every aggregate


def _interval_changes_sql(extra_key: str = "") -> str:
    """Per grain, period and dimension value: how many plans enter (+1) and leave (-1) the
    stock of each interval KPI, grouped by `extra_key` too when given.

    A plan counts in P when `entered` <= end of P, so it enters in the period holding
    `entered` (if on or before the as-of date). It leaves in the period holding `leaves_on`, or
    the one after the period holding `last_counted_on`; a date after the as-of date is never
    reached (every period ends on or before it). A plan that leaves before it enters never
    counts."""
    changes = f"""
        WITH spans AS (
            SELECT f.*, g.grain, date_trunc(g.grain, f.entered)::DATE AS enters,
                   CASE WHEN f.leaves_on <= rp.as_of THEN date_trunc(g.grain, f.leaves_on)
                        WHEN f.last_counted_on <= rp.as_of
                        THEN date_trunc(g.grain, f.last_counted_on) + g.step
                   END::DATE AS leaves
            FROM work.interval_facts AS f, model.run_params AS rp,
                 (VALUES {GRAIN_STEPS}) AS g(grain, step)
            WHERE f.entered <= rp.as_of
        )
        SELECT * REPLACE (1 AS num), enters AS period_start FROM spans
        WHERE leaves IS NULL OR leaves > enters
        UNION ALL
        SELECT * REPLACE (-1 AS num), leaves FROM spans WHERE leaves > enters
    """
    keys = f"grain, period_start{', ' + extra_key if extra_key else ''}"
    return f"""
        SELECT grain AS period_grain, period_start, {_dimension_case(True)} AS dimension,
               {_dimension_case(False)} AS dimension_value, kpi,
               {extra_key + "," if extra_key else ""} sum(num)::BIGINT AS change
        FROM ({changes}) {"WHERE " + extra_key + " IS NOT NULL" if extra_key else ""}
        GROUP BY GROUPING SETS ({_grouping_sets([keys])})
        HAVING {_dimension_case(False)} IS NOT NULL
    """


def _running_sql(changes: str, extra_key: str = "") -> str:
    """The running sum of `changes` over the period ends of each grain: the stock at the end
    of every period, from the first period with a change on."""
    columns = ["period_grain", "dimension", "dimension_value", "kpi", *filter(None, [extra_key])]
    key = ", ".join(columns)
    return f"""
        WITH changes AS ({changes}),
        keys AS (SELECT {key}, min(period_start) AS first_period FROM changes GROUP BY ALL)
        SELECT k.*, e.period_start, e.period_end,
               sum(coalesce(c.change, 0)) OVER (
                   PARTITION BY {", ".join(f"k.{c}" for c in columns)}
                   ORDER BY e.period_start) AS stock
        FROM keys AS k
        JOIN work.period_ends AS e
          ON e.grain = k.period_grain AND e.period_start >= k.first_period
        LEFT JOIN changes AS c USING ({key}, period_start)
    """


def _interval_counts_sql() -> str:
    """Stock counts from interval facts: no plan x period row is built."""
    return f"""
        SELECT {_CELL}, NULL::VARCHAR AS family, NULL::VARCHAR AS family_total_kpi,
               stock::BIGINT AS numerator, NULL::BIGINT AS denominator, 0::BIGINT AS n,
               NULL::DOUBLE[] AS quantiles
        FROM ({_running_sql(_interval_changes_sql())})
        WHERE stock <> 0  -- a missing cell means zero, as for every count
    """


def _interval_days_sql() -> str:
    """`<kpi>_days` quantiles of an interval KPI whose facts carry `since`: the days from
    `since` to the end of P of the plans counted in P. The stock is kept per `since` date (a
    histogram of days per cell); its quantiles interpolate linearly between ranks, exactly as
    DuckDB's `quantile_cont` does over the plans' own rows."""
    running = _running_sql(_interval_changes_sql("since"), "since")
    bounds = ", ".join(
        f"min(days) FILTER (WHERE cum > floor((n - 1) * {q})) AS lo{i}, "
        f"min(days) FILTER (WHERE cum > ceil((n - 1) * {q})) AS hi{i}"
        for i, q in enumerate(_QUANTILE_POSITIONS)
    )
    values = ", ".join(
        f"lo{i} + ((n - 1) * {q} - floor((n - 1) * {q})) * (hi{i} - lo{i})"
        for i, q in enumerate(_QUANTILE_POSITIONS)
    )
    return f"""
        WITH histogram AS (
            SELECT period_grain, period_start, dimension, dimension_value,
                   kpi || '_days' AS kpi, period_end - since AS days, stock AS plans
            FROM ({running}) WHERE stock > 0
        ),
        ranked AS (
            SELECT *, sum(plans) OVER (PARTITION BY {_CELL} ORDER BY days) AS cum,
                   sum(plans) OVER (PARTITION BY {_CELL}) AS n
            FROM histogram
        )
        SELECT {_CELL}, NULL::VARCHAR AS family, NULL::VARCHAR AS family_total_kpi,
               NULL::BIGINT AS numerator, NULL::BIGINT AS denominator, n::BIGINT AS n,
               [{values}] AS quantiles
        FROM (SELECT {_CELL}, max(n) AS n, {bounds} FROM ranked GROUP BY ALL)
    """


def build_kpi_cells(con: duckdb.DuckDBPyConnection) -> int:
    """Write `work.kpi_cells` (every KPI, period, dimension; unsuppressed) from the model and
    the helper relations (`build_helpers`)."""
    _facts(con, "flow_facts", flow_files(), {"event_date": "DATE"})
    _facts(con, "quantile_facts", list(QUANTILE_FILES), {"event_date": "DATE"})
    _facts(
        con,
        "interval_facts",
        list(INTERVAL_FILES),
        {"entered": "DATE", "leaves_on": "DATE", "last_counted_on": "DATE", "since": "DATE"},
    )
    _facts(con, "stock_facts", list(STOCK_FILES), {"grain": "VARCHAR", "period_start": "DATE"})
    periods = (
        "SELECT f.*, date_trunc('month', event_date)::DATE AS month, "
        "date_trunc('quarter', event_date)::DATE AS quarter, "
        "date_trunc('year', event_date)::DATE AS year "
        "FROM work.{view} AS f, model.run_params AS rp "
        "WHERE f.event_date <= rp.as_of AND f.days IS {null}"
    )
    # Counts and shares add up: aggregate the facts once per month, then sum the months into
    # quarters and years (sums of counts, never averages of shares).
    monthly = _aggregate_sql(
        f"({periods.format(view='flow_facts', null='NULL')})", ["month"], "'month'", "month"
    )
    # Quantiles do not add up: each grain is computed from the rows themselves.
    quantiles = _aggregate_sql(
        f"({periods.format(view='quantile_facts', null='NOT NULL')})",
        list(GRAINS),
        "CASE WHEN grouping(month) = 0 THEN 'month' WHEN grouping(quarter) = 0 THEN 'quarter' "
        "ELSE 'year' END",
        "coalesce(month, quarter, year)",
    )
    stock = _aggregate_sql("work.stock_facts", ["grain, period_start"], "grain", "period_start")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _monthly AS {monthly}")
    roll_ups = " UNION ALL ".join(
        f"""SELECT '{grain}' AS period_grain,
                   date_trunc('{grain}', period_start)::DATE AS period_start,
                   dimension, dimension_value, kpi, family, family_total_kpi,
                   sum(numerator)::BIGINT AS numerator, sum(denominator)::BIGINT AS denominator,
                   0::BIGINT AS n, NULL::DOUBLE[] AS quantiles
            FROM _monthly GROUP BY ALL"""
        for grain in ("quarter", "year")
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE work.kpi_groups AS
        SELECT *, true AS flow FROM _monthly
        UNION ALL SELECT *, true FROM ({roll_ups})
        """
    )
    # One part at a time: as one UNION ALL their aggregates ran side by side and, on the
    # national shape (2,000 units), outgrew the memory limit that each part alone stays under.
    for part in (quantiles, _interval_counts_sql(), _interval_days_sql(), stock):
        con.execute(f"INSERT INTO work.kpi_groups SELECT *, false FROM ({part})")
    con.execute("DROP TABLE _monthly")
    quantile_rows = " UNION ALL ".join(
        f"SELECT '{kpi}' AS kpi, {i + 1} AS position, 'p{round(q * 100)}' AS label"
        for kpi, qs in QUANTILES.items()
        for i, q in enumerate(qs)
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE work.kpi_cells AS
        WITH g AS (SELECT * FROM work.kpi_groups),
        quantile_choice AS ({quantile_rows}),
        counts_and_shares AS (
            SELECT period_grain, period_start, dimension, dimension_value, kpi, numerator,
                   denominator,
                   CASE WHEN denominator IS NULL THEN numerator
                        ELSE numerator / nullif(denominator, 0) END::DOUBLE AS value,
                   CASE WHEN denominator IS NULL THEN 'count' ELSE 'share' END AS kind,
                   family, family_total_kpi, flow AS additive_over_time
            FROM g WHERE n = 0
        ),
        quantiles AS (
            SELECT g.period_grain, g.period_start, g.dimension, g.dimension_value,
                   g.kpi || ':' || coalesce(c.label, 'p50') AS kpi, NULL::BIGINT AS numerator,
                   g.n AS denominator, g.quantiles[coalesce(c.position, 1)] AS value,
                   'quantile' AS kind, NULL AS family, NULL AS family_total_kpi,
                   false AS additive_over_time
            FROM g LEFT JOIN quantile_choice AS c USING (kpi)
            WHERE g.n > 0
        ),
        rates AS (
            SELECT a.period_grain, a.period_start, a.dimension, a.dimension_value,
                   'deviations_per_100_active' AS kpi, coalesce(v.numerator, 0) AS numerator,
                   a.numerator AS denominator,
                   100.0 * coalesce(v.numerator, 0) / a.numerator AS value, 'rate' AS kind,
                   NULL AS family, NULL AS family_total_kpi, false AS additive_over_time
            FROM g AS a
            LEFT JOIN g AS v
              ON v.kpi = 'deviations' AND v.period_grain = a.period_grain
             AND v.period_start = a.period_start AND v.dimension = a.dimension
             AND v.dimension_value = a.dimension_value
            WHERE a.kpi = 'active_plans'
        ),
        cells AS (
            SELECT * FROM counts_and_shares
            UNION ALL BY NAME SELECT * FROM quantiles
            UNION ALL BY NAME SELECT * FROM rates
        )
        -- A period that ends after the as-of date is not yet complete (SPEC §6).
        SELECT c.*, {period_complete_sql("c.period_grain", "c.period_start", "rp.as_of")}
                    AS period_complete
        FROM cells AS c, model.run_params AS rp
        """
    )
    return con.execute("SELECT count(*) FROM work.kpi_cells").fetchone()[0]
