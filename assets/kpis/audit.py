"""Disclosure audit (SPEC §5), from the published marts alone and apart from the suppression code.

An attacker holds every published figure and knows how they are linked (`linkage.py`): which
count each figure shows, and that dimension values, family members and months add up. For every
count that no published figure shows, the audit computes the range the published figures leave
open over non-negative counts: first by exact elimination (a relation with one unknown count
left gives it away; repeated until nothing more comes out) and by each relation on its own
(hidden members under a known total lie within what the total leaves); then, for every
connected component of hidden counts up to `LP_LIMIT` counts, the exact minimum and maximum of
a linear programme over all relations at once (SciPy HiGHS). A count whose range (rounded
inward to whole numbers) is narrower than the protection level is a finding; a determined count
has width 0.

The survival mart is checked for what its rows give away by subtraction: no at-risk or event
count, no censored count between two published steps and no remainder after the last one from 1
to threshold-1; and a curve's population may not follow from the overall one minus the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

from assets.kpis.linkage import relations_sql, reveals_sql

# Each published mart as rows shaped like marts.kpi.
MART_ROWS = {
    "kpi": "SELECT period_grain, period_start, dimension, dimension_value, kpi, numerator, "
    "denominator, suppressed FROM marts.kpi",
    "sipkollen": "SELECT period_grain, period_start, dimension, dimension_value, "
    "question_id AS kpi, n_positive AS numerator, n_applicable AS denominator, suppressed "
    "FROM marts.sipkollen",
}
AS_OF = "(SELECT as_of FROM marts.run_info)"
SLACK = 1e-6
UNBOUNDED = 1e8
# Larger components get elimination and single-relation ranges instead of LPs: an LP over
# thousands of counts takes seconds, and a small region hides most of its counts.
LP_LIMIT = 400  # a cap that keeps every LP bounded; reaching it means no upper bound


@dataclass(frozen=True)
class Finding:
    mart: str
    count: str  # name|grain|period|dimension|value
    low: float
    high: float
    reason: str

    def __str__(self) -> str:
        return f"{self.mart}: {self.count} in [{self.low:g}, {self.high:g}] ({self.reason})"


def _hidden_count_system(con: duckdb.DuckDBPyConnection, mart: str):
    """Known values, hidden counts and the relations among the counts of one mart."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _audit_rows AS {MART_ROWS[mart]}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _audit_reveals AS SELECT r.*, a.suppressed "
        f"FROM ({reveals_sql('_audit_rows', mart, AS_OF)}) AS r "
        f"JOIN (SELECT rowid AS row_id, suppressed FROM _audit_rows) AS a USING (row_id)"
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _audit_counts AS
        SELECT (row_number() OVER (ORDER BY name, grain, period, dimension, dimension_value)
                - 1)::BIGINT AS count_id, *
        FROM (SELECT name, grain, period, dimension, dimension_value,
                     min(value) FILTER (NOT suppressed) AS value,
                     max(value) FILTER (NOT suppressed) AS other_value
              FROM _audit_reveals GROUP BY name, grain, period, dimension, dimension_value)
        """
    )
    counts = con.execute(
        "SELECT count_id, value, other_value, concat_ws('|', name, grain, period, dimension, "
        "dimension_value) FROM _audit_counts ORDER BY count_id"
    ).fetchall()
    relations = con.execute(
        f"SELECT dense_rank() OVER (ORDER BY relation) - 1 AS relation, count_id, coefficient "
        f"FROM ({relations_sql('_audit_counts')})"
    ).fetchnumpy()
    for table in ("_audit_rows", "_audit_reveals", "_audit_counts"):
        con.execute(f"DROP TABLE {table}")
    return counts, relations


def count_ranges(
    known: np.ndarray,
    values: np.ndarray,
    relations: sparse.csr_matrix,
    protection: int,
    focus: np.ndarray | None = None,
) -> dict[int, tuple[float, float]]:
    """Range of every hidden count (index -> (low, high)); with `focus` (count indexes), only
    of the components that hold one of them. Components up to `LP_LIMIT` counts get the exact
    LP range; larger ones the ranges of exact elimination and of each relation on its own."""
    hidden = np.flatnonzero(~known)
    if hidden.size == 0:
        return {}
    position = np.full(len(known), -1)
    position[hidden] = np.arange(hidden.size)
    constants = relations[:, known] @ values[known]
    equalities = relations[:, hidden].tocsr()
    used = np.flatnonzero(abs(equalities).sum(axis=1).A1 > 0)
    equalities, rhs = equalities[used], -constants[used]
    n_components, label = connected_components(
        (abs(equalities).T @ abs(equalities)).tocsr(), directed=False
    )
    sizes = np.bincount(label, minlength=n_components)
    wanted = np.arange(n_components)
    if focus is not None:
        wanted = np.unique(label[position[focus][position[focus] >= 0]])
    low, high = _relation_ranges(equalities, rhs)
    result: dict[int, tuple[float, float]] = {}
    for component in wanted:
        members = np.flatnonzero(label == component)
        if sizes[component] <= LP_LIMIT:
            rows = np.flatnonzero(abs(equalities[:, members]).sum(axis=1).A1 > 0)
            ranges = _component_ranges(equalities[rows][:, members], rhs[rows], protection)
        else:
            ranges = list(zip(low[members], high[members], strict=True))
        result.update({int(hidden[v]): r for v, r in zip(members, ranges, strict=True)})
    return result


def _relation_ranges(equalities: sparse.csr_matrix, rhs: np.ndarray):
    """Outer ranges from single relations: a count alone in a relation (after substituting the
    ones found so far) is determined; hidden members under a known total lie within it."""
    size = equalities.shape[1]
    low, high = np.zeros(size), np.full(size, np.inf)
    matrix, rhs = equalities.tolil(copy=True).tocsr(), rhs.astype(float).copy()
    while True:
        counts = np.diff(matrix.indptr)
        lone = np.flatnonzero(counts == 1)
        if lone.size == 0:
            break
        found = {}
        for row in lone:
            column = matrix.indices[matrix.indptr[row]]
            found.setdefault(column, rhs[row] / matrix.data[matrix.indptr[row]])
        columns = np.fromiter(found, dtype=np.int64)
        solved = np.fromiter(found.values(), dtype=float)
        low[columns] = high[columns] = solved
        rhs = rhs - matrix[:, columns] @ solved
        keep = np.ones(size)
        keep[columns] = 0
        matrix = (matrix @ sparse.diags(keep)).tocsr()
        matrix.eliminate_zeros()
    members_only = np.flatnonzero((np.diff(matrix.indptr) > 0) & ((matrix < 0).sum(axis=1).A1 == 0))
    for row in members_only:
        columns = matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]]
        high[columns] = np.minimum(high[columns], rhs[row])
    return low, high


def protected(low: float, high: float, protection: int) -> bool:
    """A hidden count is safe when its range is at least `protection` whole numbers wide, or
    when it can only be 0 (a zero is not small, and is published like any other figure)."""
    return high <= SLACK or whole_width(low, high) >= protection


def whole_width(low: float, high: float) -> float:
    """How many whole numbers apart the ends of a range are."""
    if math.isinf(high):
        return math.inf
    return math.floor(high + SLACK) - math.ceil(low - SLACK)


def _whole_width_array(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.floor(high + SLACK) - np.ceil(low - SLACK)


def _component_ranges(a_eq, b_eq, protection: int) -> list[tuple[float, float]]:
    """Range of each variable of one component. Solutions found on the way are feasible points:
    a variable that already takes values at least `protection` apart in two of them needs no
    LP of its own (its true range is wider still), which keeps large components fast."""
    size = a_eq.shape[1]
    problem = {
        "A_eq": a_eq if a_eq.shape[0] else None,
        "b_eq": b_eq if a_eq.shape[0] else None,
        "bounds": (0, UNBOUNDED),
        "method": "highs",
    }
    low = np.full(size, np.inf)
    high = np.full(size, -np.inf)

    def solve(objective: np.ndarray) -> float | None:
        solution = linprog(objective, **problem)
        if solution.status != 0:
            return None
        np.minimum(low, solution.x, out=low)
        np.maximum(high, solution.x, out=high)
        return solution.fun

    if solve(np.ones(size)) is None:
        return [(math.nan, math.nan)] * size  # infeasible: figures contradict the relations
    # Cheap points: every count as high as it goes, as low, then the counts still narrow up
    # and down together and in random mixes, until a round widens none of them.
    rng = np.random.default_rng(0)
    pending = np.arange(size)
    stalled = 0
    while pending.size and stalled < 3:
        directions = [-1.0, 1.0] if stalled == 0 else [rng.choice([-1.0, 1.0], pending.size)]
        for direction in directions:
            objective = np.zeros(size)
            objective[pending] = direction
            solve(objective)
        still = pending[_whole_width_array(low[pending], high[pending]) < protection]
        stalled = stalled + 1 if still.size == pending.size else 0
        pending = still
    for i in range(size):
        if whole_width(low[i], high[i]) >= protection:
            continue
        objective = np.zeros(size)
        objective[i] = 1.0
        for sign in (1.0, -1.0):
            value = solve(sign * objective)
            if value is not None:
                (low if sign > 0 else high)[i] = sign * value
    return [
        (float(lo), math.inf if hi >= UNBOUNDED - 1 else float(hi))
        for lo, hi in zip(low, high, strict=True)
    ]


def audit_counts(con: duckdb.DuckDBPyConnection, mart: str, protection: int) -> list[Finding]:
    counts, relations = _hidden_count_system(con, mart)
    findings = [
        Finding(mart, label, value, other, "figures said to show one count disagree")
        for _, value, other, label in counts
        if value is not None and value != other
    ]
    known = np.array([value is not None for _, value, _, _ in counts], dtype=bool)
    values = np.array([value or 0 for _, value, _, _ in counts], dtype=float)
    shape = (int(relations["relation"].max()) + 1 if len(relations["relation"]) else 0, len(counts))
    matrix = sparse.csr_matrix(
        (relations["coefficient"], (relations["relation"], relations["count_id"])), shape=shape
    )
    ranges = count_ranges(known, values, matrix, protection)
    for index, (low, high) in ranges.items():
        if math.isnan(low):
            findings.append(Finding(mart, counts[index][3], low, high, "figures contradict"))
            continue
        width = whole_width(low, high)
        if not protected(low, high, protection):
            reason = "determined" if width <= 0 else f"narrower than {protection}"
            findings.append(Finding(mart, counts[index][3], low, high, reason))
    return findings


def audit_survival(con: duckdb.DuckDBPyConnection, threshold: int) -> list[Finding]:
    rows = con.execute(
        "SELECT dimension, dimension_value, day, at_risk, events FROM "
        "marts.time_to_meeting_survival WHERE NOT suppressed ORDER BY dimension, "
        "dimension_value, day"
    ).fetchall()
    findings: list[Finding] = []

    def check(curve: tuple, day, what: str, count: int) -> None:
        if 0 < count < threshold:
            label = f"{curve[0]}|{curve[1]}|day {day}|{what}"
            findings.append(Finding("survival", label, count, count, "small count"))

    curves: dict[tuple, list[tuple]] = {}
    for dimension, value, day, at_risk, events in rows:
        curves.setdefault((dimension, value), []).append((day, at_risk, events))
    for curve, steps in curves.items():
        for (day, at_risk, events), (_, next_at_risk, _) in zip(steps, steps[1:], strict=False):
            check(curve, day, "at risk", at_risk)
            check(curve, day, "events", events)
            check(curve, day, "censored before the next step", at_risk - events - next_at_risk)
        day, at_risk, events = steps[-1]
        check(curve, day, "at risk", at_risk)
        check(curve, day, "events", events)
        check(curve, day, "remaining after the last step", at_risk - events)
    # Every curve starts with its whole population at risk; the populations of a dimension's
    # values add up to the overall one, so one hidden population follows by subtraction.
    overall = curves.get(("all", "all"))
    values = con.execute(
        "SELECT dimension, list(DISTINCT dimension_value) FROM marts.time_to_meeting_survival "
        "WHERE dimension <> 'all' GROUP BY dimension"
    ).fetchall()
    for dimension, members in values:
        hidden = [v for v in members if (dimension, v) not in curves]
        if overall and len(hidden) == 1:
            rest = overall[0][1] - sum(
                curves[(dimension, v)][0][1] for v in members if v not in hidden
            )
            check((dimension, hidden[0]), 0, "population by subtraction", rest)
    return findings


def audit_published(
    con: duckdb.DuckDBPyConnection, threshold: int, protection: int
) -> list[Finding]:
    """Every finding over marts.kpi, marts.sipkollen and marts.time_to_meeting_survival."""
    return [
        *audit_counts(con, "kpi", protection),
        *audit_counts(con, "sipkollen", protection),
        *audit_survival(con, threshold),
    ]
