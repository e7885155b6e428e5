-- waiting_for_meeting (stock) and waiting_for_meeting_days (median): at the end of P, plans
-- with consent given, not closed, and no initial meeting held yet; days since the need.
SELECT k.kpi, e.grain, e.period_start,
       CASE WHEN k.kpi = 'waiting_for_meeting' THEN 1 END AS num,
       CASE WHEN k.kpi = 'waiting_for_meeting_days' THEN e.period_end - p.need_identified_date END AS days,
       d.*
FROM model.sip_plans AS p
JOIN work.plan_dims AS d USING (sip_id)
LEFT JOIN work.initial_meetings AS i USING (sip_id)
JOIN work.period_ends AS e
  ON coalesce(p.consent_date, p.need_identified_date) <= e.period_end
 AND p.need_identified_date <= e.period_end
 AND (p.closed_date IS NULL OR p.closed_date > e.period_end)
 AND (i.held_date IS NULL OR i.held_date > e.period_end)
CROSS JOIN (VALUES ('waiting_for_meeting'), ('waiting_for_meeting_days')) AS k(kpi)
WHERE p.consent_status = 'given'
