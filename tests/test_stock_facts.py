"""Stock KPIs computed from interval facts and day histograms (issue 13) equal the direct
computation: every plan checked at every period end, as SPEC §4 words it."""

from __future__ import annotations

import duckdb
import pandas as pd

from data_contracts.contracts import KPI_DIMENSIONS
from tests.conftest import PipelineRun

# The SPEC §4 conditions, one row per plan and period end (what the pipeline no longer builds).
DIRECT = """
WITH i AS (
    SELECT sip_id, min(held_date) AS held_date FROM model.sip_meetings, model.run_params AS rp
    WHERE meeting_type = 'initial' AND status = 'held' AND held_date <= rp.as_of GROUP BY 1
),
e AS (SELECT * FROM work.period_ends)
SELECT 'active_plans' AS kpi, e.grain, e.period_start, NULL::INTEGER AS days, d.*
FROM model.sip_plans AS p JOIN work.plan_dims AS d USING (sip_id)
JOIN e ON p.need_identified_date <= e.period_end
      AND (p.closed_date IS NULL OR p.closed_date >= e.period_start)
WHERE p.consent_status = 'given'
UNION ALL
SELECT 'waiting_for_meeting', e.grain, e.period_start, e.period_end - p.need_identified_date, d.*
FROM model.sip_plans AS p JOIN work.plan_dims AS d USING (sip_id) LEFT JOIN i USING (sip_id)
JOIN e ON coalesce(p.consent_date, p.need_identified_date) <= e.period_end
      AND p.need_identified_date <= e.period_end
      AND (p.closed_date IS NULL OR p.closed_date > e.period_end)
      AND (i.held_date IS NULL OR i.held_date > e.period_end)
WHERE p.consent_status = 'given'
"""


def test_stock_counts_and_waiting_median_equal_the_direct_computation(
    demo_pipeline: PipelineRun,
) -> None:
    with duckdb.connect(str(demo_pipeline.settings.warehouse), read_only=True) as con:
        rows = con.execute(DIRECT).df()
        published = con.execute(
            "SELECT period_grain, period_start, dimension, dimension_value, kpi, numerator, "
            "value FROM work.kpi_cells WHERE kpi IN "
            "('active_plans', 'waiting_for_meeting', 'waiting_for_meeting_days:p50')"
        ).df()
    published["period_start"] = pd.to_datetime(published["period_start"])
    rows["period_start"] = pd.to_datetime(rows["period_start"])
    expected = []
    for dimension in ("all", *KPI_DIMENSIONS):
        keys = ["kpi", "grain", "period_start"] + ([] if dimension == "all" else [dimension])
        grouped = rows.groupby(keys, dropna=False)
        frame = grouped.size().rename("count").to_frame()
        frame["median"] = grouped["days"].median()
        frame = frame.reset_index()
        frame["dimension"] = dimension
        frame["dimension_value"] = "all" if dimension == "all" else frame[dimension]
        expected.append(
            frame[
                ["kpi", "grain", "period_start", "dimension", "dimension_value", "count", "median"]
            ]
        )
    direct = pd.concat(expected)
    assert len(direct) > 200
    cells = published.set_index(
        ["kpi", "period_grain", "period_start", "dimension", "dimension_value"]
    )
    for row in direct.itertuples(index=False):
        key = (row.kpi, row.grain, row.period_start, row.dimension, row.dimension_value)
        assert cells.loc[key, "numerator"] == row.count, key
        if row.kpi == "waiting_for_meeting":
            median = cells.loc[("waiting_for_meeting_days:p50", *key[1:]), "value"]
            assert abs(median - row.median) < 1e-9, key
    # No stock cell without plans behind it (a missing cell means zero).
    stocks = published[published["kpi"] != "waiting_for_meeting_days:p50"]
    assert len(stocks) == len(direct)
