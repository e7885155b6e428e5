-- days_plan_duration (median): plans closed in P, from the initial meeting to closure.
SELECT 'days_plan_duration' AS kpi, p.closed_date AS event_date,
       p.closed_date - i.held_date AS days, d.*
FROM model.sip_plans AS p
JOIN work.initial_meetings AS i USING (sip_id)
JOIN work.plan_dims AS d USING (sip_id)
WHERE p.closed_date IS NOT NULL
