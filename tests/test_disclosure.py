"""Property: for random regions, no suppressed cell can be recovered from published cells.

A suppressed cell could be recovered by subtraction when it is the only suppressed member of a
group of siblings whose total is published: the values of one dimension under the overall
figure, the members of a family (closure reasons) under their total, the months of a quarter
and the quarters of a year. Hypothesis draws random plans (months, units, target groups,
consent, closures) and thresholds; the published mart must never leave such a lone cell.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.kpis.disclosure import apply_disclosure
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
        }
    ),
    min_size=1,
    max_size=120,
)


def model_rows(drawn: list[dict]) -> dict:
    rows = []
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
    return {"sip_plans": rows}


LONE_SUPPRESSIONS = """
    WITH siblings AS (
        -- values of one dimension under the overall cell
        SELECT s.suppressed, t.suppressed AS total_suppressed,
               [s.period_grain, s.period_start::VARCHAR, s.kpi, s.dimension] AS grp
        FROM published AS s JOIN published AS t
          ON t.period_grain = s.period_grain AND t.period_start = s.period_start
         AND t.kpi = s.kpi AND t.dimension = 'all'
        WHERE s.dimension <> 'all' AND NOT regexp_matches(s.kpi, ':p[0-9]+$')  -- medians don't add
        UNION ALL
        -- closure reasons under plans closed
        SELECT s.suppressed, t.suppressed,
               [s.period_grain, s.period_start::VARCHAR, s.dimension, s.dimension_value]
        FROM published AS s JOIN published AS t
          ON t.period_grain = s.period_grain AND t.period_start = s.period_start
         AND t.dimension = s.dimension AND t.dimension_value = s.dimension_value
         AND t.kpi = 'plans_closed'
        WHERE s.kpi LIKE 'closure_reason_share:%'
        UNION ALL
        -- months of a quarter, quarters of a year, for KPIs that add up over time
        SELECT s.suppressed, t.suppressed,
               [t.period_grain, t.period_start::VARCHAR, s.kpi, s.dimension, s.dimension_value]
        FROM published AS s JOIN published AS t
          ON t.kpi = s.kpi AND t.dimension = s.dimension AND t.dimension_value = s.dimension_value
         AND ((s.period_grain = 'month' AND t.period_grain = 'quarter')
              OR (s.period_grain = 'quarter' AND t.period_grain = 'year'))
         AND t.period_start = date_trunc(t.period_grain, s.period_start)
        WHERE s.kpi IN ('needs_identified', 'plans_closed', 'consent_given_share')
           OR s.kpi LIKE 'closure_reason_share:%'
    )
    SELECT grp FROM siblings WHERE NOT total_suppressed
    GROUP BY grp HAVING count(*) FILTER (suppressed) = 1
"""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=plans, threshold=st.integers(2, 6))
def test_no_suppressed_cell_can_be_recovered_by_subtraction(drawn: list[dict], threshold: int):
    with duckdb.connect() as con:
        build_model(con, model_rows(drawn), as_of=AS_OF)
        build_helpers(con)
        build_kpi_cells(con)
        apply_disclosure(con, "work.kpi_cells", "published", threshold)
        lone = con.execute(LONE_SUPPRESSIONS).fetchall()
        assert lone == [], f"recoverable cells in groups {lone[:5]}"
        # Primary suppression holds everywhere, and nothing suppressed shows a figure.
        assert con.execute(
            f"""SELECT count(*) FROM published
                WHERE (NOT suppressed AND kpi = 'needs_identified' AND numerator < {threshold})
                   OR (suppressed AND coalesce(numerator, denominator, value) IS NOT NULL)"""
        ).fetchone() == (0,)
