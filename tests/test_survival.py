"""Where the disclosure-safe Kaplan–Meier curve ends (issue 12, point 4).

Every curve is checked by the independent audit (`audit_survival`), which forms every count a
reader can: at risk, events, censored between two steps, and what is left after the last one.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.kpis.audit import audit_survival
from assets.kpis.engine import build_helpers
from assets.kpis.survival import build_survival, merged_steps
from tests.test_kpis import build_model, initial, plan

NEED = date(2026, 1, 5)
THRESHOLD = 5
# (day, events, plans leaving) of one curve: five plans censored on day 2, then two more on day
# 4, and five events every day from day 5 to day 20.
LATE_CENSORED = [(1, 6, 6), (2, 0, 5), (3, 5, 5), (4, 0, 2)] + [(d, 5, 5) for d in range(5, 21)]


def model_of(days: list[tuple[int, int, int]]) -> dict:
    """Plans with their need on NEED: an initial meeting `day` days later for each event, a
    plan closed without a meeting `day` days later for each other plan leaving."""
    plans, meetings = [], []
    for day, events, leaving in days:
        for i in range(leaving):
            sip_id = f"P{day}-{i}"
            on = (NEED + timedelta(days=day)).isoformat()
            if i < events:
                plans.append(plan(sip_id, NEED.isoformat()))
                meetings.append(initial(f"M{day}-{i}", sip_id, on))
            else:
                plans.append(plan(sip_id, NEED.isoformat(), closed_date=on, closure_reason="other"))
    return {"sip_plans": plans, "sip_meetings": meetings}


def test_a_few_plans_censored_late_do_not_end_the_curve() -> None:
    with duckdb.connect() as con:
        build_model(con, model_of(LATE_CENSORED), as_of=date(2026, 6, 30))
        build_helpers(con)
        con.execute("CREATE SCHEMA marts")
        build_survival(con, THRESHOLD)
        curve = con.execute(
            "SELECT day, at_risk, events FROM marts.time_to_meeting_survival "
            "WHERE dimension = 'all' ORDER BY day"
        ).fetchall()
        assert audit_survival(con, THRESHOLD) == []
    # The two plans censored on day 4 would leave a censored count of 2 after any later step.
    # They are counted as censored with the five of day 2 (7 after the step of day 3), so the
    # step of day 5 has 80 at risk instead of 82, and the curve runs to the last event.
    assert curve == [(1, 98, 6), (3, 92, 5), (5, 80, 5)] + [
        (day, 80 - 5 * (day - 5), 5) for day in range(6, 21)
    ]


def test_survival_is_computed_from_the_published_steps_after_censoring_earlier() -> None:
    steps = merged_steps(LATE_CENSORED, THRESHOLD)
    survival = 1.0
    for _, at_risk, events, published in steps:
        survival *= 1 - events / at_risk
        assert published == pytest.approx(survival)
    assert steps[-1][3] == 0.0  # the last five plans all had their meeting on day 20


def test_a_curve_that_cannot_go_on_ends_with_its_censored_in_what_is_left() -> None:
    """Two plans censored before any step, and nowhere earlier to count them: the curve ends
    with one step, and the two are part of the 25 left after it (not a count of 2)."""
    days = [(1, 0, 2)] + [(d, 5, 5) for d in range(2, 7)]
    assert merged_steps(days, THRESHOLD) == [(2, 27, 5, pytest.approx(22 / 27))]


def audit_curve(steps: list[tuple], threshold: int) -> list:
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.time_to_meeting_survival (dimension VARCHAR, "
            "dimension_value VARCHAR, day INTEGER, at_risk BIGINT, events BIGINT, "
            "survival DOUBLE, suppressed BOOLEAN)"
        )
        for step in steps:
            con.execute(
                "INSERT INTO marts.time_to_meeting_survival "
                "VALUES ('all', 'all', ?, ?, ?, ?, false)",
                list(step),
            )
        return audit_survival(con, threshold)


@st.composite
def curves(draw) -> list[tuple[int, int, int]]:
    days = draw(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), min_size=1, max_size=40))
    # Only days on which some plan leaves have a row, as in build_survival's query.
    return [(day, e, e + censored) for day, (e, censored) in enumerate(days) if e + censored]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(curves(), st.integers(2, 6))
def test_every_count_of_a_random_curve_passes_the_audit(days, threshold) -> None:
    steps = merged_steps(days, threshold)
    assert audit_curve(steps, threshold) == []
    assert all(at_risk >= threshold for _, at_risk, _, _ in steps)
