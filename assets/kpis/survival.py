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
previous one times (1 - events / at risk), from the published figures alone. A curve whose
population is hidden while the overall curve shows its own would give it away by subtraction
when it is the only hidden value of its dimension, so the next-smallest curve of that dimension
is hidden too.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from data_contracts.contracts import KPI_DIMENSIONS


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


def merged_steps(days: list[tuple[int, int, int]], threshold: int) -> list[tuple]:
    """(day, at_risk, events, survival) steps from (day, events, leaving) rows in day order."""
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
    survival, published = 1.0, []
    for day, step_at_risk, step_events, _ in steps:
        survival *= 1 - step_events / step_at_risk  # from the published figures alone
        published.append((day, step_at_risk, step_events, survival))
    return published


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
    steps = {curve: merged_steps(days, threshold) for curve, days in curves.items()}
    population = {curve: sum(n for _, _, n in days) for curve, days in curves.items()}
    if steps.get(("all", "all")):
        for dimension in KPI_DIMENSIONS:
            values = [c for c in curves if c[0] == dimension]
            if sum(not steps[c] for c in values) == 1:
                shown = [c for c in values if steps[c]]
                steps[min(shown, key=lambda c: (population[c], c))] = []
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
