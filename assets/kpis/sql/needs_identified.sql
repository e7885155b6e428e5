-- needs_identified: plans with need_identified_date in P.
SELECT 'needs_identified' AS kpi, need_identified_date AS event_date, 1 AS num, d.*
FROM model.sip_plans JOIN work.plan_dims AS d USING (sip_id)
