-- days_need_to_meeting (p50, p75, p90) and meeting_within_target_share: plans whose initial
-- meeting was held in P; days from need identified to that meeting.
SELECT kpi, i.held_date AS event_date,
       CASE WHEN kpi = 'meeting_within_target_share'
            THEN ((i.held_date - p.need_identified_date) <= rp.meeting_target_days)::INT END AS num,
       CASE WHEN kpi = 'meeting_within_target_share' THEN 1 END AS den,
       CASE WHEN kpi = 'days_need_to_meeting' THEN i.held_date - p.need_identified_date END AS days,
       d.*
FROM work.initial_meetings AS i
JOIN model.sip_plans AS p USING (sip_id)
JOIN work.plan_dims AS d USING (sip_id)
CROSS JOIN model.run_params AS rp
CROSS JOIN (VALUES ('days_need_to_meeting'), ('meeting_within_target_share')) AS k(kpi)
