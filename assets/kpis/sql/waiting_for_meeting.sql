-- waiting_for_meeting (stock), as an interval: consent given, counted from the period in which
-- both the need and the consent lie on or before the end of P, until the period whose end is
-- on or after the closing or the initial meeting (not closed, no initial meeting held yet).
-- waiting_for_meeting_days (median): days from `since` (the need) to the end of P.
SELECT 'waiting_for_meeting' AS kpi,
       greatest(coalesce(p.consent_date, p.need_identified_date), p.need_identified_date) AS entered,
       least(p.closed_date, i.held_date) AS leaves_on, p.need_identified_date AS since, d.*
FROM model.sip_plans AS p
JOIN work.plan_dims AS d USING (sip_id)
LEFT JOIN work.initial_meetings AS i USING (sip_id)
WHERE p.consent_status = 'given'
