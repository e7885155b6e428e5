-- active_plans (stock), as an interval: consent given, counted from the period in which the
-- need was identified (need on or before the end of P) up to and including the period in which
-- the plan was closed (not closed before the start of P).
SELECT 'active_plans' AS kpi, p.need_identified_date AS entered,
       p.closed_date AS last_counted_on, d.*
FROM model.sip_plans AS p
JOIN work.plan_dims AS d USING (sip_id)
WHERE p.consent_status = 'given'
