-- active_plans (stock): consent given, need identified on or before the end of P, not closed
-- before the start of P.
SELECT 'active_plans' AS kpi, e.grain, e.period_start, 1 AS num, d.*
FROM model.sip_plans AS p
JOIN work.plan_dims AS d USING (sip_id)
JOIN work.period_ends AS e
  ON p.need_identified_date <= e.period_end
 AND (p.closed_date IS NULL OR p.closed_date >= e.period_start)
WHERE p.consent_status = 'given'
