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

from assets.disclosure.audit import audit_survival
from assets.disclosure.survival import _separate, build_survival, merged_steps, published_curves
from assets.kpis.engine import build_helpers
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


def audit_rows(rows: list[tuple], threshold: int) -> list:
    """The audit over a mart of hand-built rows (dimension, value, day, at_risk, events)."""
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.time_to_meeting_survival (dimension VARCHAR, "
            "dimension_value VARCHAR, day INTEGER, at_risk BIGINT, events BIGINT, "
            "survival DOUBLE, suppressed BOOLEAN)"
        )
        for row in rows:
            con.execute(
                "INSERT INTO marts.time_to_meeting_survival VALUES (?, ?, ?, ?, ?, 0.5, false)",
                list(row),
            )
        return audit_survival(con, threshold)


def audit_curve(steps: list[tuple], threshold: int) -> list:
    return audit_rows([("all", "all", *step[:3]) for step in steps], threshold)


def overall_and(*values: tuple[str, list[tuple]], overall: list[tuple]) -> list[tuple]:
    rows = [("all", "all", *step) for step in overall]
    return rows + [("unit", v, *step) for v, steps in values for step in steps]


def small_counts(findings: list) -> set[tuple[str, str, str]]:
    return {tuple(f.count.split("|")[1:]) for f in findings}


def test_the_audit_finds_an_ended_curve_at_risk_again_by_subtraction() -> None:
    """B's own curve ends after day 2 with 5 left; on day 4 the overall curve and A both
    publish how many are left, so B's 2 come back (and its 3 events between days 2 and 4)."""
    rows = overall_and(
        ("A", [(2, 30, 5), (4, 25, 7), (6, 18, 10)]),
        ("B", [(2, 10, 5)]),
        overall=[(2, 40, 10), (4, 30, 10), (6, 20, 10)],
    )
    assert audit_rows([r for r in rows if r[1] != "A"], THRESHOLD) == []
    found = small_counts(audit_rows(rows, THRESHOLD))
    assert ("B", "day 4", "at risk by subtraction") in found
    assert ("B", "day 2 to day 4", "events by subtraction") in found


def test_the_audit_finds_the_events_of_a_value_between_common_step_days() -> None:
    rows = overall_and(
        ("A", [(2, 30, 10), (5, 20, 7)]),
        ("B", [(7, 10, 5)]),
        overall=[(2, 40, 10), (5, 30, 10)],
    )
    # B has no events up to day 2, so the 3 are also its events from the start to day 5.
    found = audit_rows(rows, THRESHOLD)
    assert small_counts(found) == {
        ("B", "day 2 to day 5", "events by subtraction"),
        ("B", "before the first step to day 5", "events by subtraction"),
    }
    assert {(f.low, f.high) for f in found} == {(3, 3)}


def test_the_audit_finds_the_population_of_a_value_without_a_curve() -> None:
    rows = overall_and(("A", [(2, 10, 5)]), overall=[(2, 13, 5)])
    found = small_counts(audit_rows(rows, THRESHOLD))
    assert ("values without a curve", "before the first step", "at risk by subtraction") in found


def test_curves_that_add_up_with_safe_counts_pass_the_audit() -> None:
    rows = overall_and(
        ("A", [(2, 10, 5), (4, 5, 5)]),
        ("B", [(2, 10, 5)]),
        overall=[(2, 20, 10), (4, 10, 5)],
    )
    assert audit_rows(rows, THRESHOLD) == []


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


@st.composite
def dimensions(draw) -> dict[tuple[str, str], list[tuple[int, int, int]]]:
    """Two dimensions over one random population: each plan gets a day, an outcome and a
    value of each (a few large values and some small ones, so step days can line up)."""
    plans = draw(
        st.lists(
            st.tuples(st.integers(0, 12), st.booleans(), st.integers(0, 3), st.integers(0, 1)),
            min_size=0,
            max_size=120,
        )
    )
    per_day: dict[tuple[str, str], dict[int, list[int]]] = {}
    for day, event, unit, band in plans:
        for curve in [("all", "all"), ("unit", f"U{unit}"), ("band", f"B{band}")]:
            events_leaving = per_day.setdefault(curve, {}).setdefault(day, [0, 0])
            events_leaving[0] += event
            events_leaving[1] += 1
    return {
        curve: [(day, e, n) for day, (e, n) in sorted(days.items())]
        for curve, days in per_day.items()
    }


@settings(max_examples=200, deadline=None, derandomize=True)
@given(dimensions(), st.integers(2, 6))
def test_the_curves_of_a_dimensions_values_give_nothing_away_by_subtraction(
    curves, threshold
) -> None:
    rows = [
        (*curve, *step[:3])
        for curve, steps in published_curves(curves, threshold).items()
        for step in steps
    ]
    findings = audit_rows(rows, threshold)
    assert findings == [], [str(f) for f in findings[:3]]


def test_a_value_loses_the_step_day_that_gives_away_anothers_events() -> None:
    """The example of docs/kpis.md: with A's step on day 4, B's events on days 3-4 would be
    10 - 7 = 3 (the overall curve's minus A's)."""
    overall = [[2, 40, 10, 0], [4, 30, 10, 0]]
    values = {"A": [[2, 30, 5, 0], [4, 25, 7, 0], [6, 18, 10, 0]], "B": [[2, 10, 5, 0]]}
    rows = overall_and(
        *((v, [s[:3] for s in steps]) for v, steps in values.items()),
        overall=[s[:3] for s in overall],
    )
    assert ("B", "day 2 to day 4", "events by subtraction") in small_counts(audit_rows(rows, 5))
    _separate(values, overall, THRESHOLD)
    assert values == {"A": [[2, 30, 5, 0], [6, 25, 17, 0]], "B": [[2, 10, 5, 0]]}
