"""Disclosure audit (SPEC §5), from the published serving database alone.

It is written apart from the suppression (`suppression.py`, `tables.py`): its own statement,
below, of which underlying count each published figure reveals and which counts add up, taken
from SPEC §4–§6, so a link the suppression overlooks is not overlooked here too. It reads only
`marts.kpi`, `marts.sipkollen`, `marts.time_to_meeting_survival` and `marts.run_info`, and
shares only the attacker (`attacker.py`) with the suppression.

For every count that no published figure shows, the attacker computes the range the published
figures leave open over non-negative counts, every group of hidden counts completely. A count
whose whole-number range is narrower than the protection level is a finding, unless it can only
be 0; a determined count has width 0; a count whose range could not be proven is a finding too.

The survival mart is checked for what its rows give away by subtraction, for every pair of a
curve's points (before its first step, and its step days): no at-risk count, events, plans
censored or plans left without a meeting (censored plus those left after the later point) from 1
to threshold-1. The values of a dimension partition the overall curve's plans, so the same
counts are formed for the others on every point of the overall curve: its count minus the
values that publish the same count (whatever values are left, also those without a curve).
A curve's population is a sum of `marts.kpi` counts (its value's yearly consents), so no curve
of a dimension may be published beside a hidden year of those counts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import duckdb
import numpy as np
from scipy import sparse

from assets.disclosure.attacker import Progress, count_ranges, only_zero, protected, whole_width
from data_contracts.periods import period_end_sql
from data_contracts.settings import protection_level_for
from data_contracts.sql import quote_list

AS_OF = "(SELECT as_of FROM marts.run_info)"

# --- Which count each published figure reveals (SPEC §4 and §6) ------------------------------
INITIAL_MEETINGS_HELD = "initial meetings held"
INVITED = "invited participants"
ATTENDED = "invited participants who attended"
# Figures whose denominator (a quantile's n) is a count other figures show too: "same
# population", "of plans with need identified", "of meetings (initial) held in P", "deviations /
# active_plans", "plans closed in P, by closure_reason", "also their median waiting days".
POPULATION = {
    "consent_given_share": "needs_identified",
    "consent_declined_share": "needs_identified",
    "days_need_to_meeting": INITIAL_MEETINGS_HELD,
    "meeting_within_target_share": INITIAL_MEETINGS_HELD,
    "follow_up_booked_share": INITIAL_MEETINGS_HELD,
    "coordinator_appointed_share": INITIAL_MEETINGS_HELD,
    "individual_participated_share": INITIAL_MEETINGS_HELD,
    "plan_handed_over_share": INITIAL_MEETINGS_HELD,
    "sipkollen_offered_share": INITIAL_MEETINGS_HELD,
    "waiting_for_meeting_days": "waiting_for_meeting",
    "deviations_per_100_active": "active_plans",
    "closure_reason_share": "plans_closed",
    "invited_attendance_share": INVITED,
    "invited_attendance_principal_share": INVITED,
}
# Figures whose numerator is a count other figures show too.
SUBJECT = {
    "deviations_per_100_active": "deviations",
    "closure_reason_share": "plans_closed",
    "invited_attendance_share": ATTENDED,
    "invited_attendance_principal_share": ATTENDED,
}
# Sub-breakdowns whose members all have the family's denominator (each closure has one reason).
MEMBERS_SHARE_DENOMINATOR = ("closure_reason_share",)
# Counts broken down by a code (`deviations:late_invitation`): the members add up to this count.
COUNT_FAMILY_TOTAL = {"deviations": "deviations", "deviations_responsible": "deviations"}
# Counts of a state at the end of a period ("at end of P", "at as-of"): a quarter's or a year's
# is the count of the month that holds its end (or the as-of date).
STATES = ("waiting_for_meeting", "open_plans_without_follow_up", "follow_ups_overdue")
# Counts that do not add up from months to quarters to years.
NOT_ADDITIVE_OVER_TIME = (*STATES, "active_plans")
QUANTILE = re.compile(r":p[0-9]+$")

MART_ROWS = {
    "kpi": "SELECT period_grain, period_start, dimension, dimension_value, kpi AS figure, kind, "
    "numerator, denominator, suppressed FROM marts.kpi",
    "sipkollen": "SELECT period_grain, period_start, dimension, dimension_value, "
    "question_id AS figure, 'answers' AS kind, n_positive AS numerator, "
    "n_applicable AS denominator, suppressed FROM marts.sipkollen",
}


@dataclass(frozen=True)
class RevealedCount:
    role: str  # the figure's column that shows it: numerator or denominator
    name: str
    family: str | None = None  # members of one family add up to `family_total`
    family_total: str | None = None


def revealed_counts(figure: str, kind: str) -> list[RevealedCount]:
    """The counts one published figure shows (SPEC §6: a count's value is its numerator; a
    share's and a rate's numerator and denominator; a quantile's n is its denominator; a
    SIP-kollen question's positive and applicable answers)."""
    if kind == "answers":
        return [
            RevealedCount("numerator", f"{figure} positive answers"),
            RevealedCount("denominator", f"{figure} applicable answers"),
        ]
    if kind == "quantile":
        base = QUANTILE.sub("", figure)
        return [RevealedCount("denominator", POPULATION.get(base, f"{base} n"))]
    family, _, member = figure.partition(":")
    if kind == "count":
        if not member:
            return [RevealedCount("numerator", figure)]
        total = COUNT_FAMILY_TOTAL.get(family, family)
        return [RevealedCount("numerator", figure, f"{total} by {family}", total)]
    numerator = SUBJECT.get(family, f"{family} numerator")
    denominator = POPULATION.get(family, f"{family} denominator")
    if not member:
        return [RevealedCount("numerator", numerator), RevealedCount("denominator", denominator)]
    parts = [
        RevealedCount("numerator", f"{numerator} {figure}", f"{numerator} by {family}", numerator)
    ]
    if family in MEMBERS_SHARE_DENOMINATOR:
        parts.append(RevealedCount("denominator", denominator))
    else:
        parts.append(
            RevealedCount(
                "denominator", f"{denominator} {figure}", f"{denominator} by {family}", denominator
            )
        )
    return parts


@dataclass(frozen=True)
class Finding:
    mart: str
    count: str  # name|grain|period|dimension|value
    low: float
    high: float
    reason: str

    def __str__(self) -> str:
        return f"{self.mart}: {self.count} in [{self.low:g}, {self.high:g}] ({self.reason})"


def _published_counts(con: duckdb.DuckDBPyConnection, mart: str):
    """Every count the mart's figures reveal (key, published value or None, a second published
    value when figures disagree) and the sums among them as a sparse matrix (one row per
    relation: parts +1, whole -1, so each row times the counts is 0; a missing row is 0)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _audit_rows AS {MART_ROWS[mart]}")
    figures = con.execute("SELECT DISTINCT figure, kind FROM _audit_rows").fetchall()
    mapping = [
        (figure, kind, c.role, c.name, c.family, c.family_total)
        for figure, kind in figures
        for c in revealed_counts(figure, kind)
    ]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _audit_figures (figure VARCHAR, kind VARCHAR, "
        "role VARCHAR, name VARCHAR, family VARCHAR, family_total VARCHAR)"
    )
    if mapping:
        con.executemany("INSERT INTO _audit_figures VALUES (?, ?, ?, ?, ?, ?)", mapping)
    is_state = f"list_contains({quote_list(STATES)}, f.name)"
    period_end = period_end_sql("r.period_grain", "r.period_start", AS_OF)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _audit_counts AS
        WITH shown AS (
            SELECT f.name, f.family, f.family_total,
                   CASE WHEN {is_state} THEN 'month' ELSE r.period_grain END AS grain,
                   CASE WHEN {is_state} THEN date_trunc('month', {period_end})::DATE
                        ELSE r.period_start END AS period,
                   r.dimension, r.dimension_value, r.suppressed,
                   CASE f.role WHEN 'numerator' THEN r.numerator ELSE r.denominator END AS value
            FROM _audit_rows AS r JOIN _audit_figures AS f USING (figure, kind)
        )
        SELECT (row_number() OVER (ORDER BY name, grain, period, dimension, dimension_value)
                - 1)::BIGINT AS count_id, *
        FROM (SELECT name, family, family_total, grain, period, dimension, dimension_value,
                     min(value) FILTER (NOT suppressed) AS value,
                     max(value) FILTER (NOT suppressed) AS other_value
              FROM shown GROUP BY ALL)
        """
    )
    counts = con.execute(
        "SELECT value, other_value, concat_ws('|', name, grain, period, dimension, "
        "dimension_value) FROM _audit_counts ORDER BY count_id"
    ).fetchall()
    not_additive = quote_list(NOT_ADDITIVE_OVER_TIME)
    cell = "grain || '|' || period || '|' || dimension || '|' || dimension_value"
    relations = con.execute(
        f"""
        WITH c AS (SELECT * FROM _audit_counts),
        parts AS (
            -- the values of a dimension add up to the overall count
            SELECT 'dimension|' || name || '|' || grain || '|' || period || '|' || dimension
                   AS relation, count_id
            FROM c WHERE dimension <> 'all'
            UNION ALL  -- family members add up to the family total
            SELECT 'family|' || family || '|' || {cell}, count_id FROM c WHERE family IS NOT NULL
            UNION ALL  -- months add up to quarters, quarters to years
            SELECT 'time|' || name || '|' || up || '|' || date_trunc(up, period)::DATE || '|'
                   || dimension || '|' || dimension_value, count_id
            FROM c JOIN (VALUES ('month', 'quarter'), ('quarter', 'year')) AS g(part, up)
              ON c.grain = g.part
            WHERE NOT list_contains({not_additive}, name)
        ),
        wholes AS (
            SELECT 'dimension|' || c.name || '|' || grain || '|' || period || '|' || d.dimension
                   AS relation, count_id
            FROM c JOIN (SELECT DISTINCT name, dimension FROM c WHERE dimension <> 'all') AS d
              USING (name)
            WHERE c.dimension = 'all'
            UNION ALL
            SELECT 'family|' || f.family || '|' || {cell}, c.count_id
            FROM c JOIN (SELECT DISTINCT family, family_total FROM c WHERE family IS NOT NULL)
              AS f ON c.name = f.family_total
            UNION ALL
            SELECT 'time|' || name || '|' || {cell}, count_id
            FROM c WHERE grain IN ('quarter', 'year') AND NOT list_contains({not_additive}, name)
        ),
        terms AS (
            SELECT relation, count_id, 1 AS coefficient FROM parts
            UNION ALL  -- a whole without parts says nothing
            SELECT relation, count_id, -1 FROM wholes
            WHERE relation IN (SELECT relation FROM parts)
        )
        SELECT dense_rank() OVER (ORDER BY relation) - 1 AS relation, count_id, coefficient
        FROM terms
        """
    ).fetchnumpy()
    for table in ("_audit_rows", "_audit_figures", "_audit_counts"):
        con.execute(f"DROP TABLE {table}")
    n_relations = int(relations["relation"].max()) + 1 if len(relations["relation"]) else 0
    matrix = sparse.csr_matrix(
        (relations["coefficient"], (relations["relation"], relations["count_id"])),
        shape=(n_relations, len(counts)),
    )
    return counts, matrix


# --- The audit ---------------------------------------------------------------------------------


def audit_counts(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    threshold: int,
    protection: int | None,
    progress: Progress | None = None,
) -> list[Finding]:
    """Findings over one mart: a count from 1 to threshold-1 that a published figure shows
    (hidden in one figure, shown in another), figures of one count that disagree, and every
    hidden count the published figures pin to a range narrower than `protection` (None: the
    default that follows the threshold), or whose range could not be proven."""
    protection = protection_level_for(threshold, protection)
    counts, relations = _published_counts(con, mart)
    findings = [
        Finding(mart, label, value, other, "figures said to show one count disagree")
        for value, other, label in counts
        if value is not None and value != other
    ] + [
        Finding(mart, label, value, value, "small count shown")
        for value, _, label in counts
        if value is not None and 0 < value < threshold
    ]
    known = np.array([value is not None for value, _, _ in counts], dtype=bool)
    values = np.array([value or 0 for value, _, _ in counts], dtype=float)
    ranges = count_ranges(known, values, relations, protection, progress=progress)
    for index, (low, high) in ranges.items():
        if math.isnan(low):
            reason = "not proven: the figures contradict or no solve ended optimal"
            findings.append(Finding(mart, counts[index][2], low, high, reason))
        elif not protected(low, high, protection):
            determined = whole_width(low, high) <= 0 and not only_zero(low, high)
            reason = "determined" if determined else f"narrower than {protection}"
            findings.append(Finding(mart, counts[index][2], low, high, reason))
    return findings


START = -math.inf  # a curve's first at-risk count: the plans left before its first step


@dataclass(frozen=True)
class _PublishedCurve:
    """What a reader knows of one curve: the plans left after each point (before the first
    step, START, and after each step but the last) and the events up to each point."""

    left: dict[float, int]
    events_to: dict[float, int]
    end: float | None  # the last step's day when nobody is left after it, so 0 from there on

    @classmethod
    def of(cls, steps: list[tuple]) -> _PublishedCurve:
        days = [START] + [day for day, _, _ in steps]
        left = dict(zip(days, [at_risk for _, at_risk, _ in steps], strict=False))
        events_to, total = {START: 0}, 0
        for day, _, events in steps:
            total += events
            events_to[day] = total
        day, at_risk, events = steps[-1]
        return cls(left, events_to, day if at_risk == events else None)

    def known(self, table: dict[float, int], point: float) -> int | None:
        if self.end is not None and point >= self.end:
            return 0 if table is self.left else self.events_to[self.end]
        return table.get(point)

    def counts(self, start: float, stop: float | None) -> dict[str, int | None]:
        """The counts a reader forms at `start` (stop None) or between `start` and `stop`."""
        left = self.known(self.left, start)
        if stop is None:
            return {"at risk": left}
        before, up_to = self.known(self.events_to, start), self.known(self.events_to, stop)
        events = None if before is None or up_to is None else up_to - before
        still = self.known(self.left, stop)
        return {
            "events": events,
            "left without a meeting": None if None in (left, events) else left - events,
            "censored": None if None in (left, events, still) else left - events - still,
        }


def audit_survival(con: duckdb.DuckDBPyConnection, threshold: int) -> list[Finding]:
    rows = con.execute(
        "SELECT dimension, dimension_value, day, at_risk, events FROM "
        "marts.time_to_meeting_survival WHERE NOT suppressed ORDER BY dimension, "
        "dimension_value, day"
    ).fetchall()
    steps: dict[tuple, list[tuple]] = {}
    for dimension, value, day, at_risk, events in rows:
        steps.setdefault((dimension, value), []).append((day, at_risk, events))
    curves = {curve: _PublishedCurve.of(rows) for curve, rows in steps.items()}
    findings = _populations_tied_to_hidden_years(con, curves)

    def check(label: str, start: float, stop: float | None, counts: dict) -> None:
        span = "before the first step" if start == START else f"day {start}"
        span += "" if stop is None else f" to day {stop}"
        findings.extend(
            Finding("survival", f"{label}|{span}|{what}", count, count, "small count")
            for what, count in counts.items()
            if count is not None and 0 < count < threshold
        )

    for curve, published in curves.items():
        points = sorted(published.events_to)
        for i, start in enumerate(points):
            for stop in [None, *points[i + 1 :]]:
                check("|".join(curve), start, stop, published.counts(start, stop))
    overall = curves.get(("all", "all"))
    if overall is None:
        return findings
    points = sorted(overall.events_to)
    for dimension in sorted({d for d, _ in curves} - {"all"}):
        values = {v: c for (d, v), c in curves.items() if d == dimension}
        # The values of a dimension partition the overall curve's plans: the overall count
        # minus the values that publish the same count is the count of the others (one value,
        # or several together, or the values that publish no curve).
        for i, start in enumerate(points):
            for stop in [None, *points[i + 1 :]]:
                rest = overall.counts(start, stop)
                unknown = {what: set() for what in rest}
                for value, published in values.items():
                    for what, count in published.counts(start, stop).items():
                        if count is None:
                            unknown[what].add(value)
                        elif rest[what] is not None:
                            rest[what] -= count
                for what, count in rest.items():
                    if len(unknown[what]) == len(values):
                        continue  # nothing subtracted: the overall curve's own count
                    others = "+".join(sorted(unknown[what])) or "values without a curve"
                    check(f"{dimension}|{others}", start, stop, {f"{what} by subtraction": count})
    return findings


def _populations_tied_to_hidden_years(con: duckdb.DuckDBPyConnection, curves) -> list[Finding]:
    """A curve's plans at the start are its value's plans with consent given, which marts.kpi
    shows year by year as the numerators of `consent_given_share` ("of plans with need
    identified in P, consent given"). So a published curve pins the sum of its value's hidden
    years, and the values of a dimension with any published curve pin those of the others (the
    overall curve minus the rest). Findings: every published curve of a dimension (or the
    overall one) where any value has a hidden year; conservative, it does not ask how narrow."""
    if not con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = 'kpi'"
    ).fetchone()[0]:
        return []  # a survival mart published on its own ties to nothing
    hidden = con.execute(
        "SELECT DISTINCT dimension, dimension_value FROM marts.kpi "
        "WHERE kpi = 'consent_given_share' AND period_grain = 'year' AND suppressed"
    ).fetchall()
    tied = {dimension for dimension, _ in hidden}
    return [
        Finding("survival", f"{d}|{v}|population", math.nan, math.nan, "tied to hidden years")
        for d, v in curves
        if d in tied or ("all" in tied)
    ]


def audit_published(
    con: duckdb.DuckDBPyConnection,
    threshold: int,
    protection: int | None,
    progress: Progress | None = None,
) -> list[Finding]:
    """Every finding over marts.kpi, marts.sipkollen and marts.time_to_meeting_survival, with
    every group of hidden counts solved completely."""
    return [
        *audit_counts(con, "kpi", threshold, protection, progress),
        *audit_counts(con, "sipkollen", threshold, protection, progress),
        *audit_survival(con, threshold),
    ]
