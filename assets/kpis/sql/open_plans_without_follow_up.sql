-- open_plans_without_follow_up (stock): at the end of P, open plans whose initial meeting was
-- held and that have no follow-up held or planned after it (none booked at the meeting either).
WITH with_follow_up AS (
    SELECT DISTINCT m.sip_id
    FROM model.sip_meetings AS m JOIN work.initial_meetings AS i USING (sip_id)
    WHERE m.meeting_type = 'follow_up' AND m.status IS DISTINCT FROM 'cancelled'
      AND coalesce(m.held_date, m.planned_date) >= i.held_date
)
SELECT 'open_plans_without_follow_up' AS kpi, e.grain, e.period_start, 1 AS num, d.*
FROM work.initial_meetings AS i
JOIN model.sip_plans AS p USING (sip_id)
JOIN work.plan_dims AS d USING (sip_id)
JOIN work.period_ends AS e
  ON i.held_date <= e.period_end AND (p.closed_date IS NULL OR p.closed_date > e.period_end)
WHERE i.next_follow_up_date IS NULL AND sip_id NOT IN (SELECT sip_id FROM with_follow_up)
