"""marts.sipkollen: per survey question, the positive share over applicable answers with a
Wilson 95 % interval, by quarter and year, overall and by respondent, meeting type, age band
and region. Questions and the meaning of each answer come from the survey definition in
`data_contracts/`, so a new or reworded question needs no code change. Never by unit (SPEC §5).
"""

from __future__ import annotations

import duckdb

from assets.disclosure.attacker import Progress
from assets.disclosure.suppression import apply_disclosure
from data_contracts.contracts import SURVEY_DIMENSIONS, load_survey
from data_contracts.periods import period_complete_sql
from data_contracts.pii import mask_sql
from data_contracts.sql import quote_ident, quote_literal

AS_OF = "(SELECT as_of FROM model.run_params)"
Z = 1.959963984540054  # 97.5th percentile of the standard normal: a 95 % interval


def _codes(predicate) -> str:
    codes = [a.code for a in load_survey().scale if predicate(a)]
    return ", ".join(quote_literal(c) for c in codes) or "NULL"


def build_sipkollen_mart(
    con: duckdb.DuckDBPyConnection,
    threshold: int,
    protection: int | None = None,
    progress: Progress | None = None,
) -> int:
    survey = load_survey()
    questions = ", ".join(quote_ident(q.id) for q in survey.questions)
    dims = ", ".join(f"coalesce({d}, 'unknown') AS {d}" for d in SURVEY_DIMENSIONS)
    sets = ", ".join(
        f"(question_id, {period}{', ' + d if d else ''})"
        for period in ("quarter", "year")
        for d in (None, *SURVEY_DIMENSIONS)
    )
    dim_name = " ".join(f"WHEN grouping({d}) = 0 THEN '{d}'" for d in SURVEY_DIMENSIONS)
    dim_value = " ".join(f"WHEN grouping({d}) = 0 THEN {d}" for d in SURVEY_DIMENSIONS)
    grain = "CASE WHEN grouping(quarter) = 0 THEN 'quarter' ELSE 'year' END"
    con.execute("CREATE SCHEMA IF NOT EXISTS work")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE work.sipkollen_cells AS
        WITH answers AS (
            UNPIVOT (SELECT s.response_date, {dims}, {questions}
                     FROM model.sipkollen AS s, model.run_params AS rp
                     WHERE s.response_date <= rp.as_of)
            ON {questions} INTO NAME question_id VALUE answer
        ),
        scored AS (
            SELECT *, date_trunc('quarter', response_date)::DATE AS quarter,
                   date_trunc('year', response_date)::DATE AS year,
                   (answer IN ({_codes(lambda a: a.applicable)}))::INT AS applicable,
                   (answer IN ({_codes(lambda a: a.positive)}))::INT AS positive
            FROM answers
        )
        SELECT {grain} AS period_grain,
               coalesce(quarter, year) AS period_start,
               CASE {dim_name} ELSE 'all' END AS dimension,
               CASE {dim_value} ELSE 'all' END AS dimension_value,
               question_id AS kpi, sum(positive)::BIGINT AS numerator,
               sum(applicable)::BIGINT AS denominator,
               sum(positive) / nullif(sum(applicable), 0) AS value, 'share' AS kind,
               NULL AS family, NULL AS family_total_kpi, true AS additive_over_time,
               {period_complete_sql(grain, "coalesce(quarter, year)", AS_OF)} AS period_complete
        FROM scored
        GROUP BY GROUPING SETS ({sets})
        """
    )
    apply_disclosure(
        con,
        "work.sipkollen_cells",
        "work.sipkollen_disclosed",
        threshold,
        protection,
        mart="sipkollen",
        progress=progress,
    )
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    wilson = (
        f"(value + {Z}^2 / (2 * denominator)) / (1 + {Z}^2 / denominator)",
        f"{Z} * sqrt(value * (1 - value) / denominator + {Z}^2 / (4 * denominator^2)) "
        f"/ (1 + {Z}^2 / denominator)",
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE marts.sipkollen AS
        SELECT period_grain, period_start, kpi AS question_id, dimension, dimension_value,
               denominator AS n_applicable, numerator AS n_positive, value AS share_positive,
               greatest({wilson[0]} - {wilson[1]}, 0) AS ci_low,
               least({wilson[0]} + {wilson[1]}, 1) AS ci_high, suppressed
        -- A statement nobody in the group found applicable has no share: no row, which the
        -- marts read as zero (SPEC §5), rather than a published row with an empty share.
        FROM work.sipkollen_disclosed WHERE denominator IS DISTINCT FROM 0
        ORDER BY question_id, period_grain, period_start, dimension, dimension_value
        """
    )
    return con.execute("SELECT count(*) FROM marts.sipkollen").fetchone()[0]


def build_comments_mart(con: duckdb.DuckDBPyConnection, threshold: int, show: bool) -> int:
    """Masked free-text comments, only when configured on and only for quarters and meeting
    types with at least `threshold` answers."""
    con.execute(
        f"""
        CREATE OR REPLACE TABLE marts.sipkollen_comments AS
        WITH groups AS (
            SELECT date_trunc('quarter', response_date)::DATE AS period_start,
                   coalesce(meeting_type, 'unknown') AS meeting_type, comment
            FROM model.sipkollen AS s, model.run_params AS rp
            WHERE s.response_date <= rp.as_of AND {str(show).lower()}
        )
        SELECT period_start, meeting_type, {mask_sql("comment")} AS comment
        FROM groups
        QUALIFY count(*) OVER (PARTITION BY period_start, meeting_type) >= {int(threshold)}
            AND comment IS NOT NULL
        ORDER BY period_start, meeting_type
        """
    )
    return con.execute("SELECT count(*) FROM marts.sipkollen_comments").fetchone()[0]
