-- open_plans_without_follow_up (stock), as an interval: open plans whose initial meeting was
-- held (on or before the end of P) and that have no follow-up held or planned after it (none
-- booked at the meeting either), until the period whose end is on or after the closing.
WITH with_follow_up AS (
    SELECT DISTINCT m.sip_id
    FROM model.sip_meetings AS m JOIN work.initial_meetings AS i USING (sip_id)
    WHERE m.meeting_type = 'follow_up' AND m.status IS DISTINCT FROM 'cancelled'
      AND coalesce(m.held_date, m.planned_date) >= i.held_date
)
SELECT 'open_plans_without_follow_up' AS kpi, i.held_date AS entered,
       p.closed_date AS leaves_on, d.*
FROM work.initial_meetings AS i
JOIN model.sip_plans AS p USING (sip_id)
JOIN work.plan_dims AS d USING (sip_id)
WHERE i.next_follow_up_date IS NULL AND sip_id NOT IN (SELECT sip_id FROM with_follow_up)
