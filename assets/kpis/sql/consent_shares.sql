-- consent_given_share / consent_declined_share: of plans with need identified in P, consent
-- given / declined (as known on the as-of date).
SELECT 'consent_' || outcome || '_share' AS kpi, p.need_identified_date AS event_date,
       (p.consent_status = outcome AND p.consent_date <= rp.as_of)::INT AS num, 1 AS den, d.*
FROM model.sip_plans AS p
JOIN work.plan_dims AS d USING (sip_id)
CROSS JOIN model.run_params AS rp
CROSS JOIN (VALUES ('given'), ('declined')) AS o(outcome)
