-- follow_ups_overdue (stock at the as-of date): the overdue follow-ups listed in
-- marts.overdue_follow_ups, counted in the month, quarter and year that hold the as-of date.
SELECT 'follow_ups_overdue' AS kpi, e.grain, e.period_start, 1 AS num, d.*
FROM work.overdue_list AS o
JOIN work.plan_dims AS d USING (sip_id)
CROSS JOIN model.run_params AS rp
JOIN work.period_ends AS e ON rp.as_of BETWEEN e.period_start AND e.period_end
