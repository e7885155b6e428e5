-- coordinator_appointed_share, individual_participated_share, plan_handed_over_share,
-- sipkollen_offered_share: of initial meetings held in P (a blank counts as "no").
SELECT q.kpi, i.held_date AS event_date, coalesce(q.yes, false)::INT AS num, 1 AS den, d.*
FROM work.initial_meetings AS i
JOIN model.sip_plans AS p USING (sip_id)
JOIN work.plan_dims AS d USING (sip_id)
CROSS JOIN LATERAL (VALUES
    ('coordinator_appointed_share', p.coordinator_appointed),
    ('individual_participated_share', i.individual_participated),
    ('plan_handed_over_share', i.plan_handed_to_individual),
    ('sipkollen_offered_share', i.sipkollen_offered)
) AS q(kpi, yes)
