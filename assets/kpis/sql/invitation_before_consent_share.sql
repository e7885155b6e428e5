-- invitation_before_consent_share: of plans invited in P, the invitation went out before
-- consent was given, or consent was never given (a process finding, not a data error).
SELECT 'invitation_before_consent_share' AS kpi, p.invitation_date AS event_date,
       (p.consent_status IS DISTINCT FROM 'given' OR p.consent_date IS NULL
        OR p.consent_date > rp.as_of OR p.invitation_date < p.consent_date)::INT AS num,
       1 AS den, d.*
FROM model.sip_plans AS p
JOIN work.plan_dims AS d USING (sip_id)
CROSS JOIN model.run_params AS rp
WHERE p.invitation_date IS NOT NULL
