-- days_need_to_consent, days_consent_to_invitation, days_invitation_to_meeting (medians):
-- plans whose initial meeting was held in P, where both dates exist.
SELECT step.kpi, i.held_date AS event_date, step.days, d.*
FROM work.initial_meetings AS i
JOIN model.sip_plans AS p USING (sip_id)
JOIN work.plan_dims AS d USING (sip_id)
CROSS JOIN LATERAL (VALUES
    ('days_need_to_consent', p.consent_date - p.need_identified_date),
    ('days_consent_to_invitation', p.invitation_date - p.consent_date),
    ('days_invitation_to_meeting', i.held_date - p.invitation_date)
) AS step(kpi, days)
WHERE step.days IS NOT NULL
