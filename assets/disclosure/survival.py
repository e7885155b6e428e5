"""marts.time_to_meeting_survival: Kaplan–Meier curve of the time from need to initial meeting.

Population: plans with consent given and need identified on or before the as-of date. The event
is the initial meeting held; a plan still waiting is censored at the as-of date, and a plan closed
or withdrawn before any meeting is censored at its closing date. Overall and by every dimension.

Disclosure-safe (SPEC §5): days are merged into steps so that every count a reader can form
from the rows is 0 or at least the threshold: each step carries at least threshold events, the
plans censored between two steps (at risk minus events minus the next step's at risk) and the
plans left after the last step are none or at least the threshold, and no step starts with fewer
than threshold plans at risk (the curve ends there). A step closes on the first day it can. When
its censored plans are too few (1 to threshold - 1), they are counted as censored after an
earlier step that already has at least threshold censored: a plan censored a little earlier than
it was (the usual, conservative coarsening), so a handful of late censorings does not end the
curve. When no step can close any more, the open step may still close as the last one if what it
leaves (its censored and the plans after it, one count) is safe. The survival of a step is the
previous one times (1 - events / at risk), from the published figures alone.

The values of a dimension partition the overall curve's plans, so on a point of the overall
curve the values that publish the same count give the count of the others by subtraction: plans
left after the point (before the first step: the whole curve), events, plans left without a
meeting and plans censored between two points. Wherever that is 1 to threshold - 1 (one value,
several, or the values without a curve), the value with the smallest such count of its own loses
that point: its step merges with its next one, or its curve ends a step earlier, or (at the
start) it is hidden. Its own count is 0 or at least threshold, so the others' grows enough.

A curve's population is its value's plans with consent given, which marts.kpi shows year by
year as the numerators of consent_given_share: a dimension with a value hidden in one of those
years publishes no curves (`tied_dimensions`).

A curve with 1 to threshold - 1 censored plans in all still ends at the first step that can
hold them: moving them before the first step would show a small count next to its population,
which `marts.kpi` publishes (docs/decisions.md).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from data_contracts.contracts import KPI_DIMENSIONS

START = -np.inf  # before a curve's first step: its first at-risk count is the plans left then


def _safe(count: int, threshold: int) -> bool:
    return count == 0 or count >= threshold


def _censor_earlier(steps: list[list[int]], censored: int, threshold: int) -> bool:
    """Count `censored` plans as leaving after the latest step that already has at least
    threshold censored after it, so that both counts a reader can form stay safe; False when
    no step has. They leave the at-risk counts of every step after that one: censoring a plan
    earlier than it was only drops time it was known to be still waiting (conservative)."""
    for index in range(len(steps) - 1, -1, -1):
        if steps[index][3] >= threshold:
            steps[index][3] += censored
            for later in steps[index + 1 :]:
                later[1] -= censored
            return True
    return False


def _coarsened(days: list[tuple[int, int, int]], threshold: int) -> list[list[int]]:
    """[day, at risk, events, censored] steps from (day, events, leaving) rows in day order."""
    at_risk = sum(leaving for _, _, leaving in days)
    steps: list[list[int]] = []  # [day, at risk, events, censored after the step]
    # The first day the open step could close as the curve's last, used if no step follows:
    # closing it later would draw one long step with no meetings until its end.
    last_step = None
    events = censored = 0
    for day, day_events, day_leaving in days:
        if at_risk < threshold:
            break
        events, censored = events + day_events, censored + day_leaving - day_events
        if events < threshold:
            continue
        after = at_risk - events - censored
        if _safe(after, threshold) and _safe(censored, threshold):
            steps.append([day, at_risk, events, censored])
        elif _safe(after, threshold) and _censor_earlier(steps, censored, threshold):
            # Too few censored in this step for a count of their own: they would block every
            # later step, so they count as censored after an earlier step (see above).
            steps.append([day, at_risk - censored, events, 0])
        else:
            # Closed as the last step, its censored and the plans after it are one count.
            if last_step is None and _safe(at_risk - events, threshold):
                last_step = [day, at_risk, events, censored]
            continue
        at_risk, events, censored, last_step = after, 0, 0, None
    if last_step:
        steps.append(last_step)
    return steps


def _with_survival(steps: list[list[int]]) -> list[tuple]:
    survival, published = 1.0, []
    for day, step_at_risk, step_events, *_ in steps:
        survival *= 1 - step_events / step_at_risk  # from the published figures alone
        published.append((day, step_at_risk, step_events, survival))
    return published


def merged_steps(days: list[tuple[int, int, int]], threshold: int) -> list[tuple]:
    """(day, at_risk, events, survival) steps of one curve from (day, events, leaving) rows."""
    return _with_survival(_coarsened(days, threshold))


def _on_grid(steps: list[list[int]], grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What a reader knows of a curve on the overall curve's points (NaN: nothing): the plans
    left after each point, and its events up to it. A curve that ends with nobody left has 0
    left and all its events from its last step on."""
    left, events_to = np.full(len(grid), np.nan), np.full(len(grid), np.nan)
    if not steps:
        return left, events_to
    days = [day for day, *_ in steps]
    at_points = np.searchsorted(grid, days)
    on_grid = grid[np.minimum(at_points, len(grid) - 1)] == days
    events_to[0], left[0] = 0, steps[0][1]
    events_to[at_points[on_grid]] = np.cumsum([events for _, _, events, *_ in steps])[on_grid]
    after = np.array([step[1] for step in steps[1:]] + [np.nan])
    left[at_points[on_grid]] = after[on_grid]
    _, at_risk, events, *_ = steps[-1]
    if at_risk == events:
        ended = grid >= days[-1]
        left[ended], events_to[ended] = 0, sum(step[2] for step in steps)
    return left, events_to


def _drop_step_day(steps: list[list[int]], day: float) -> None:
    """Merge the step of `day` (or, past a curve that ended empty, its last step) into the
    next one, or end the curve a step earlier: every count stays a sum of safe counts."""
    index = next((i for i, step in enumerate(steps) if step[0] == day), len(steps) - 1)
    if day == START:
        steps.clear()
    elif index == len(steps) - 1:
        steps.pop()
    else:
        step, following = steps.pop(index), steps[index]
        following[1:] = [step[1], step[2] + following[2], step[3] + following[3]]


def _others(
    start: int, values: tuple[np.ndarray, np.ndarray], overall: tuple[np.ndarray, np.ndarray]
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """From point `start` of the overall curve: (first stop, the values' counts, the overall
    curve's count) for the plans left after it, and for the events,
    the plans left without a meeting and the censored plans between it and every later point.
    """
    (left, events_to), (all_left, all_events) = values, overall
    events = events_to[:, start + 1 :] - events_to[:, start, None]
    without = left[:, start, None] - events
    all_events = all_events[start + 1 :] - all_events[start]
    all_without = all_left[start] - all_events
    return [
        (start, left[:, start, None], all_left[start, None]),
        (start + 1, events, all_events),
        (start + 1, without, all_without),
        (start + 1, without - left[:, start + 1 :], all_without - all_left[start + 1 :]),
    ]


def _separate(values: dict[str, list[list[int]]], overall: list[list[int]], threshold: int):
    """Coarsen or hide the curves of one dimension's values until nothing a reader forms from
    the overall curve minus the values that publish the same count is 1 to threshold - 1.

    The values partition the overall curve's plans, so on the overall curve's points the values
    that publish a count (plans left after a point; events, plans left without a meeting or
    censored between two points) give the count of the others by subtraction. When that is
    small, the value with the smallest such count of its own loses the point: its step there
    merges with its next one, or its curve ends a step earlier (at the start: it is hidden).
    Its own count is at least threshold, so the others' count grows by that much.
    """
    grid = np.array([START] + [day for day, *_ in overall], dtype=float)
    names = sorted(values)
    known = [_on_grid(values[name], grid) for name in names]
    overall_known = _on_grid(overall, grid)
    # A point taken away adds to counts of the others from earlier points too: check again
    # until a whole pass takes nothing away.
    changed = bool(names)
    while changed:
        changed, start = False, 0
        while start < len(grid):
            both = tuple(np.array(part) for part in zip(*known, strict=True))
            for first, own, total in _others(start, both, overall_known):
                shown = np.any(~np.isnan(own), axis=0)
                rest = total - np.nansum(own, axis=0)
                small = np.flatnonzero(shown & (rest > 0) & (rest < threshold))
                if small.size:
                    column = own[:, small[0]]
                    row = min(np.flatnonzero(column > 0), key=lambda r: (column[r], names[r]))
                    _drop_step_day(values[names[row]], grid[first + small[0]])
                    known[row] = _on_grid(values[names[row]], grid)
                    changed = True
                    break
            else:
                start += 1


def published_curves(
    curves: dict[tuple[str, str], list[tuple[int, int, int]]],
    threshold: int,
    tied: frozenset[str] = frozenset(),
) -> dict[tuple[str, str], list[tuple]]:
    """(day, at_risk, events, survival) steps of every curve, from its (day, events, leaving)
    rows; `curves` holds ('all', 'all') and (dimension, value) for every value. The dimensions
    in `tied` (`tied_dimensions`) publish no curves; with 'all' among them, nothing is."""
    if "all" in tied:
        return {}
    steps = {
        curve: _coarsened(days, threshold) for curve, days in curves.items() if curve[0] not in tied
    }
    overall = steps.get(("all", "all"))
    for dimension in sorted({dimension for dimension, _ in curves} - {"all"}):
        if overall:
            values = {value: s for (d, value), s in steps.items() if d == dimension}
            _separate(values, overall, threshold)
    return {curve: _with_survival(s) for curve, s in steps.items()}


def tied_dimensions(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Dimensions (or 'all') with a value whose `consent_given_share` is hidden in some year of
    marts.kpi. A curve starts with its value's plans with consent given, the sum of those
    yearly numerators: it would give a hidden year away as the population minus the others, and
    one curve left out would follow from the overall one minus the rest of its dimension, so
    such a dimension publishes no curves."""
    if not con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = 'kpi'"
    ).fetchone()[0]:
        return frozenset()  # no published figures to tie to (a survival mart on its own)
    return frozenset(
        dimension
        for (dimension,) in con.execute(
            "SELECT DISTINCT dimension FROM marts.kpi WHERE kpi = 'consent_given_share' "
            "AND period_grain = 'year' AND suppressed"
        ).fetchall()
    )


def build_survival(con: duckdb.DuckDBPyConnection, threshold: int) -> int:
    long = " UNION ALL ".join(
        ["SELECT 'all' AS dimension, 'all' AS dimension_value, day, event FROM t"]
        + [f"SELECT '{d}', {d}, day, event FROM t" for d in KPI_DIMENSIONS]
    )
    per_day = con.execute(
        f"""
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
        )
        SELECT dimension, dimension_value, day::INTEGER AS day, count(*) FILTER (event),
               count(*)
        FROM ({long}) GROUP BY dimension, dimension_value, day
        ORDER BY dimension, dimension_value, day
        """
    ).fetchall()
    curves: dict[tuple[str, str], list] = {}
    for dimension, value, day, events, leaving in per_day:
        curves.setdefault((dimension, value), []).append((day, events, leaving))
    steps = published_curves(curves, threshold, tied_dimensions(con))
    frame = pd.DataFrame(
        [(*curve, *step, False) for curve, rows in steps.items() for step in rows],
        columns=[
            "dimension",
            "dimension_value",
            "day",
            "at_risk",
            "events",
            "survival",
            "suppressed",
        ],
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE marts.time_to_meeting_survival AS
        SELECT dimension, dimension_value, day::INTEGER AS day, at_risk::BIGINT AS at_risk,
               events::BIGINT AS events, survival::DOUBLE AS survival, suppressed
        FROM frame ORDER BY dimension, dimension_value, day
        """
    )
    return len(frame)
