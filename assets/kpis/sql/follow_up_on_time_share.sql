-- follow_up_on_time_share: follow-ups planned in P, not cancelled, for plans not closed before
-- the planned date, that are either held or past their tolerance at the as-of date; on time
-- when held no later than planned date + tolerance (early counts as on time).
SELECT 'follow_up_on_time_share' AS kpi, m.planned_date AS event_date,
       (m.held_date IS NOT NULL AND m.held_date <= rp.as_of
        AND m.held_date <= m.planned_date + rp.follow_up_tolerance_days)::INT AS num,
       1 AS den, d.*
FROM model.sip_meetings AS m
JOIN model.sip_plans AS p USING (sip_id)
JOIN work.plan_dims AS d USING (sip_id)
CROSS JOIN model.run_params AS rp
WHERE m.meeting_type = 'follow_up'
  AND m.status IS DISTINCT FROM 'cancelled'
  AND m.planned_date IS NOT NULL
  AND (p.closed_date IS NULL OR p.closed_date >= m.planned_date)
  AND ((m.held_date IS NOT NULL AND m.held_date <= rp.as_of)
       OR m.planned_date + rp.follow_up_tolerance_days <= rp.as_of)
