"""The table model (SPEC §5): which underlying count each published figure reveals, and which
linear relations hold among those counts.

A published row of `marts.kpi` or `marts.sipkollen` reveals one or two counts of a cell (count
name, period, dimension value): a count's value, a share's or rate's numerator and denominator,
a quantile's n. The same count appears in several places (`deviations_per_100_active` has the
`deviations` count as numerator and `active_plans` as denominator; the quantiles of
`days_need_to_meeting` have as n the initial meetings held, which is also the denominator of
`meeting_within_target_share`; `closure_reason_share:*` have `plans_closed`; the median waiting
time has the `waiting_for_meeting` count). Counts are related by sums that anyone can form (a
missing row means zero): the values of a dimension add up to the overall count; family members
(deviation types, closure reasons, attendance by organisation) add up to their total; months add
up to quarters and quarters to years for counts of events.

This is the suppression's model (`suppression.py`). The audit (`audit.py`) states the links
again on its own, from SPEC, so a link missing here is caught there.

A publication plan (`data_contracts/publication_plan.yaml`) leaves some figures out altogether;
a missing row still means zero wherever the plan publishes the figure, and a relation whose
parts are published must have its total published too (`CountTable` refuses a plan that breaks
that, which would otherwise read an unpublished total as zero).
"""

from __future__ import annotations

import duckdb
import numpy as np
from scipy import sparse

from data_contracts.periods import period_end_sql
from data_contracts.sql import quote_literal

# Counts of states at the end of a period depend only on that day: a quarter's count is its last
# month's, so they are one count keyed by the month that holds the end.
END_OF_PERIOD_STATES = ("waiting_for_meeting", "open_plans_without_follow_up", "follow_ups_overdue")
# Counts that do not add up over time (states, and active plans, which depend on the start too).
STOCKS = (*END_OF_PERIOD_STATES, "active_plans")
INITIAL_MEETINGS_HELD = "initial_meetings_held"
# kpi (or quantile base) -> the count its denominator (or n) is, where another KPI shows it too.
SHARED_DENOMINATORS = {
    "deviations_per_100_active": "active_plans",
    "consent_given_share": "needs_identified",
    "consent_declined_share": "needs_identified",
    "waiting_for_meeting_days": "waiting_for_meeting",
    "invited_attendance_share": "invited",
    **dict.fromkeys(
        (
            "days_need_to_meeting",
            "meeting_within_target_share",
            "follow_up_booked_share",
            "coordinator_appointed_share",
            "individual_participated_share",
            "plan_handed_over_share",
            "sipkollen_offered_share",
        ),
        INITIAL_MEETINGS_HELD,
    ),
}
SHARED_NUMERATORS = {
    "deviations_per_100_active": "deviations",
    "invited_attendance_share": "attended",
}
# kpi prefix of a family member -> (numerator count prefix, denominator count prefix or the
# family's shared denominator when every member has the same one).
MEMBER_COUNTS = {
    "closure_reason_share:": ("plans_closed:", "=plans_closed"),
    "invited_attendance_share:": ("attended:", "invited:"),
    "invited_attendance_principal_share:": ("attended_principal:", "invited_principal:"),
}
# count prefix of a family member -> the count the members add up to.
FAMILIES = {
    "deviations:": "deviations",
    "deviations_responsible:": "deviations",
    "plans_closed:": "plans_closed",
    "attended:": "attended",
    "invited:": "invited",
    "attended_principal:": "attended",
    "invited_principal:": "invited",
}
QUANTILE = "':p[0-9]+$'"


def _case(pairs: list[tuple[str, str]], default: str) -> str:
    return "CASE " + " ".join(f"WHEN {w} THEN {t}" for w, t in pairs) + f" ELSE {default} END"


def _kpi_names() -> tuple[str, str, str]:
    """SQL expressions over `kpi`: its kind, the numerator's count, the denominator's count."""
    base = f"regexp_replace(kpi, {QUANTILE}, '')"
    member = [
        (f"starts_with(kpi, {quote_literal(p)})", p, num, den)
        for p, (num, den) in MEMBER_COUNTS.items()
    ]
    kind = _case(
        [
            (f"regexp_matches(kpi, {QUANTILE})", "'quantile'"),
            ("kpi = 'deviations_per_100_active'", "'rate'"),
            ("contains(kpi, '_share')", "'share'"),
        ],
        "'count'",
    )
    suffix = "substr(kpi, strpos(kpi, ':') + 1)"
    numerator = _case(
        [(f"kpi = {quote_literal(k)}", quote_literal(v)) for k, v in SHARED_NUMERATORS.items()]
        + [(w, f"{quote_literal(num)} || {suffix}") for w, _, num, _ in member],
        "kpi",
    )
    denominator = _case(
        [(f"{base} = {quote_literal(k)}", quote_literal(v)) for k, v in SHARED_DENOMINATORS.items()]
        + [
            (
                w,
                quote_literal(den[1:])
                if den.startswith("=")
                else f"{quote_literal(den)} || {suffix}",
            )
            for w, _, _, den in member
        ]
        + [(f"regexp_matches(kpi, {QUANTILE})", f"{base} || '.n'")],
        "kpi || '.denominator'",
    )
    return kind, numerator, denominator


def reveals_sql(source: str, mart: str, as_of_sql: str) -> str:
    """One row per (published row, count it reveals): `row_id` (the source's rowid), `kind`,
    `role`, `value`, and the count's key `name, grain, period, dimension, dimension_value`.
    `source` has the columns of `marts.kpi` (for `mart='kpi'`) or of `work.sipkollen_cells`
    (`mart='sipkollen'`: per question, positive over applicable answers)."""
    if mart == "sipkollen":
        kind, numerator, denominator = "'share'", "kpi || '.positive'", "kpi || '.applicable'"
    else:
        kind, numerator, denominator = _kpi_names()
    states = ", ".join(quote_literal(s) for s in END_OF_PERIOD_STATES)
    period_end = period_end_sql("period_grain", "period_start", as_of_sql)
    return f"""
        WITH rows AS (
            SELECT rowid AS row_id, *, {kind} AS kind, {numerator} AS numerator_count,
                   {denominator} AS denominator_count
            FROM {source}
        ),
        roles AS (
            SELECT row_id, kind, 'numerator' AS role, numerator AS value, numerator_count AS name,
                   period_grain, period_start, dimension, dimension_value
            FROM rows WHERE kind <> 'quantile'
            UNION ALL
            SELECT row_id, kind, 'denominator', denominator, denominator_count, period_grain,
                   period_start, dimension, dimension_value
            FROM rows WHERE kind <> 'count'
        )
        SELECT row_id, kind, role, value::BIGINT AS value, name,
               CASE WHEN name IN ({states}) THEN 'month' ELSE period_grain END AS grain,
               CASE WHEN name IN ({states}) THEN date_trunc('month', {period_end})::DATE
                    ELSE period_start END AS period,
               dimension, dimension_value
        FROM roles
    """


def relations_sql(counts: str) -> str:
    """(`relation`, `count_id`, `coefficient`) for every sum among the counts of the table
    `counts` (`count_id, name, grain, period, dimension, dimension_value`): the total has
    coefficient -1, its parts +1, so each relation reads sum(coefficient * count) = 0."""
    stocks = ", ".join(quote_literal(s) for s in STOCKS)
    families = " UNION ALL ".join(
        f"SELECT {quote_literal(p)} AS prefix, {quote_literal(t)} AS total"
        for p, t in FAMILIES.items()
    )
    key = "grain || '|' || period || '|' || dimension || '|' || dimension_value"
    return f"""
        WITH c AS (SELECT * FROM {counts}),
        families AS ({families}),
        members AS (
            SELECT 'b|' || name || '|' || grain || '|' || period || '|' || dimension AS relation,
                   count_id, 1 AS coefficient
            FROM c WHERE dimension <> 'all'
            UNION ALL
            SELECT 'f|' || f.prefix || '|' || {key}, c.count_id, 1
            FROM c JOIN families AS f ON starts_with(c.name, f.prefix)
            UNION ALL
            SELECT 't|' || name || '|' || up || '|' || date_trunc(up, period)::DATE || '|'
                   || dimension || '|' || dimension_value, count_id, 1
            FROM c, (VALUES ('month', 'quarter'), ('quarter', 'year')) AS g(part, up)
            WHERE c.grain = g.part AND c.name NOT IN ({stocks})
        ),
        totals AS (
            SELECT 'b|' || c.name || '|' || grain || '|' || period || '|' || d.dimension
                   AS relation, c.count_id, -1 AS coefficient
            FROM c JOIN (SELECT DISTINCT name, dimension FROM c WHERE dimension <> 'all') AS d
              USING (name)
            WHERE c.dimension = 'all'
            UNION ALL
            SELECT 'f|' || f.prefix || '|' || {key}, c.count_id, -1
            FROM c JOIN families AS f ON c.name = f.total
            UNION ALL
            SELECT 't|' || name || '|' || {key}, count_id, -1
            FROM c WHERE grain IN ('quarter', 'year') AND name NOT IN ({stocks})
        )
        SELECT * FROM members
        UNION ALL
        -- a total takes part only where it has parts (a relation of a total alone says nothing)
        SELECT * FROM totals WHERE relation IN (SELECT relation FROM members)
    """


# What hiding a count costs the readers, lowest first (SPEC §5: breakdown cells before totals,
# months before quarters and years): a breakdown's months, quarters and years, then the region's
# own months. The region's own quarters and years are hidden only when small themselves, or when
# nothing else can protect a count: a family member's (a closure reason's) before a KPI's own.
GRAIN_COST = {"month": 0, "quarter": 1, "year": 2}
REGION_MONTH = 3
REGION_MEMBER = 4
REGION_TOTAL = 5


class CountTable:
    """The counts of one mart (`values`, `cost`), the published rows that reveal them
    (`reveal`: rows x counts) and the relations among them (`relations`: relations x counts,
    each row summing to zero: parts +1, total -1)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: str, mart: str, as_of: str):
        con.execute(f"CREATE OR REPLACE TEMP TABLE _reveals AS {reveals_sql(source, mart, as_of)}")
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _counts AS
            SELECT (row_number() OVER (ORDER BY name, grain, period, dimension, dimension_value)
                    - 1)::BIGINT AS count_id, *
            FROM (SELECT name, grain, period, dimension, dimension_value,
                         min(value) AS value, max(value) AS other_value
                  FROM _reveals GROUP BY name, grain, period, dimension, dimension_value)
            """
        )
        clash = con.execute(
            "SELECT name, grain, period, dimension, dimension_value, value, other_value "
            "FROM _counts WHERE value IS DISTINCT FROM other_value LIMIT 1"
        ).fetchone()
        if clash:  # two figures said to show one count differ: the linkage model is wrong
            raise ValueError(f"figures linked to one count disagree: {clash}")
        counts = con.execute(
            "SELECT value, grain, dimension = 'all' AS region, contains(name, ':') AS member "
            "FROM _counts ORDER BY count_id"
        ).fetchnumpy()
        self.values = np.nan_to_num(np.asarray(counts["value"], dtype=float)).astype(np.int64)
        grain_cost = np.vectorize(GRAIN_COST.get, otypes=[np.int64])(counts["grain"])
        region_cost = np.where(
            grain_cost == 0,
            REGION_MONTH,
            np.where(np.asarray(counts["member"], bool), REGION_MEMBER, REGION_TOTAL),
        )
        self.cost = np.where(np.asarray(counts["region"], bool), region_cost, grain_cost)
        n = len(self.values)
        links = con.execute(
            "SELECT r.row_id, c.count_id FROM _reveals AS r JOIN _counts AS c "
            "USING (name, grain, period, dimension, dimension_value)"
        ).fetchnumpy()
        self.row_ids = np.unique(links["row_id"])
        row_index = np.searchsorted(self.row_ids, links["row_id"])
        self.reveal = _matrix(
            row_index, links["count_id"], np.ones(len(row_index)), (len(self.row_ids), n)
        )
        relations = con.execute(
            f"SELECT dense_rank() OVER (ORDER BY relation) - 1 AS relation, count_id, "
            f"coefficient FROM ({relations_sql('_counts')})"
        ).fetchnumpy()
        shape = (int(relations["relation"].max()) + 1 if n and len(relations["relation"]) else 0, n)
        self.relations = _matrix(
            relations["relation"], relations["count_id"], relations["coefficient"], shape
        )
        self._refuse_relations_that_do_not_hold(con)
        con.execute("DROP TABLE _reveals; DROP TABLE _counts")

    def _refuse_relations_that_do_not_hold(self, con: duckdb.DuckDBPyConnection) -> None:
        """Every relation holds on the true counts, or the model reads something as zero that
        is not published: a plan that publishes parts without the whole they add up to, or only
        some members of a family. Readers (and the audit) would take the rest as zero."""
        broken = np.flatnonzero(self.relations @ self.values)
        if broken.size:
            member = self.relations[broken[0]].indices[0]
            name, grain, dimension = con.execute(
                "SELECT name, grain, dimension FROM _counts WHERE count_id = ?", [int(member)]
            ).fetchone()
            raise ValueError(
                f"publiceringsplanen publicerar {name} per {grain} för {dimension} men inte allt "
                "som det lägger ihop med (grövre period, hela regionen, familjens total eller "
                "övriga delar): lägg till det i planen"
            )

    def hidden_given(self, decided: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every count no published row shows, and the rows suppressed, for the decided counts
        (a count that no published row shows any more is as hidden as a decided one)."""
        suppressed_rows = self.reveal @ decided.astype(np.int64) > 0
        shown = self.reveal.T @ (~suppressed_rows).astype(np.int64) > 0
        return ~shown, suppressed_rows


def _matrix(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, shape) -> sparse.csr_matrix:
    return sparse.csr_matrix((data, (rows, cols)), shape=shape)
