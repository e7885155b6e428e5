"""Property: for random regions, the independent audit (LP ranges over everything published)
finds no suppressed count that is determined or narrower than the protection level, in the
KPI mart and the survival mart. Hypothesis draws random plans (months, units, target groups,
consent, closures), thresholds and protection levels.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.disclosure.audit import audit_counts, audit_survival
from assets.disclosure.suppression import apply_disclosure
from assets.disclosure.survival import build_survival
from assets.kpis.engine import build_helpers, build_kpi_cells
from tests.test_kpis import build_model

AS_OF = date(2026, 12, 20)
UNITS = ("VC-Norr", "VC-Syd", "Soc-Öst", "Psyk-1")
CLOSURE_REASONS = ("goals_met", "moved", "consent_withdrawn", "other")

plans = st.lists(
    st.fixed_dictionaries(
        {
            "need_day": st.integers(0, 330),
            "unit": st.sampled_from(UNITS),
            "target_group": st.sampled_from(("dementia", "other", "multimorbid_elderly")),
            "consent": st.sampled_from(("given", "given", "given", "declined", "pending")),
            "closed_after": st.one_of(st.none(), st.integers(0, 200)),
            "reason": st.sampled_from(CLOSURE_REASONS),
            "meeting_after": st.one_of(st.none(), st.integers(0, 60)),
        }
    ),
    min_size=1,
    max_size=120,
)


def model_rows(drawn: list[dict]) -> dict:
    rows, meetings = [], []
    for i, p in enumerate(drawn):
        need = date(2026, 1, 1) + timedelta(days=p["need_day"])
        closed = need + timedelta(days=p["closed_after"]) if p["closed_after"] is not None else None
        closed = closed if closed and closed <= AS_OF else None
        rows.append(
            {
                "sip_id": f"S{i}",
                "need_identified_date": need,
                "consent_status": p["consent"],
                "consent_date": need if p["consent"] != "pending" else None,
                "initiating_principal": "region",
                "initiating_unit": p["unit"],
                "target_group": p["target_group"],
                "closed_date": closed,
                "closure_reason": p["reason"] if closed else None,
            }
        )
        held = need + timedelta(days=p["meeting_after"] or 0)
        if p["meeting_after"] is not None and held <= AS_OF:
            meetings.append(
                {
                    "meeting_id": f"M{i}",
                    "sip_id": f"S{i}",
                    "meeting_type": "initial",
                    "status": "held",
                    "planned_date": held,
                    "held_date": held,
                }
            )
    return {"sip_plans": rows, "sip_meetings": meetings}


def _plan(need_day: int, target_group: str, closed_after: int | None) -> dict:
    return {
        "need_day": need_day,
        "unit": "VC-Norr",
        "target_group": target_group,
        "consent": "given",
        "closed_after": closed_after,
        "reason": "goals_met",
        "meeting_after": None,
    }


# A region Hypothesis found where one month's closures for a target group came back exactly
# (its group of hidden counts was above the old LP cap of 400): six dementia plans and two
# others in January, two more in February, at threshold 2.
DETERMINED_CLOSURES = [
    *[_plan(0, "dementia", None)] * 5,
    _plan(0, "dementia", 0),
    _plan(0, "multimorbid_elderly", 0),
    _plan(0, "multimorbid_elderly", 90),
    _plan(31, "dementia", 0),
    _plan(31, "other", 0),
]


def test_a_months_closures_for_a_target_group_are_not_determined() -> None:
    check_region(DETERMINED_CLOSURES, threshold=2, protection=1)


# Derandomised: the same 40 regions every run, so `make test` is repeatable; a region that
# fails is kept above as its own test.
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(drawn=plans, threshold=st.integers(2, 6), protection=st.integers(1, 5))
def test_audit_finds_no_suppressed_count_open_to_arithmetic(
    drawn: list[dict], threshold: int, protection: int
):
    check_region(drawn, threshold, protection)


def check_region(drawn: list[dict], threshold: int, protection: int) -> None:
    with duckdb.connect() as con:
        build_model(con, model_rows(drawn), as_of=AS_OF)
        build_helpers(con)
        build_kpi_cells(con)
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.run_info AS SELECT * FROM model.run_params")
        apply_disclosure(con, "work.kpi_cells", "marts.kpi", threshold, protection)
        build_survival(con, threshold)
        findings = audit_counts(con, "kpi", threshold, protection) + audit_survival(con, threshold)
        assert findings == [], [str(f) for f in findings[:5]]
        # Primary suppression holds everywhere, and nothing suppressed shows a figure.
        assert con.execute(
            f"""SELECT count(*) FROM marts.kpi
                WHERE (NOT suppressed AND kpi = 'needs_identified' AND numerator < {threshold})
                   OR (suppressed AND coalesce(numerator, denominator, value) IS NOT NULL)"""
        ).fetchone() == (0,)
