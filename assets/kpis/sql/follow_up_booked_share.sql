-- follow_up_booked_share: of initial meetings held in P, a follow-up date was booked.
SELECT 'follow_up_booked_share' AS kpi, i.held_date AS event_date,
       (i.next_follow_up_date IS NOT NULL)::INT AS num, 1 AS den, d.*
FROM work.initial_meetings AS i JOIN work.plan_dims AS d USING (sip_id)
