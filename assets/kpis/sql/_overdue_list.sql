-- The overdue follow-ups (published as marts.overdue_follow_ups, counted by follow_ups_overdue):
-- at the as-of date, follow-ups planned, not held, not cancelled, for open plans, whose planned
-- date + tolerance lies before the as-of date. days_overdue counts from
-- the planned date. Pseudonymous ids and unit codes only (SPEC §5).
SELECT m.sip_id, p.initiating_unit, m.meeting_id, m.planned_date,
       (rp.as_of - m.planned_date)::INTEGER AS days_overdue
FROM model.sip_meetings AS m
JOIN model.sip_plans AS p USING (sip_id)
CROSS JOIN model.run_params AS rp
WHERE m.meeting_type = 'follow_up'
  AND m.status IS DISTINCT FROM 'cancelled'
  AND (m.held_date IS NULL OR m.held_date > rp.as_of)
  AND (p.closed_date IS NULL OR p.closed_date > rp.as_of)
  AND m.planned_date + rp.follow_up_tolerance_days < rp.as_of
