-- deviations: reported in P, in total, by deviation_type and by responsible_principal.
SELECT b.kpi, b.family,
       CASE WHEN b.family IS NOT NULL THEN 'deviations' END AS family_total_kpi, v.reported_date AS event_date,
       1 AS num, d.*
FROM model.sip_deviations AS v
JOIN work.plan_dims AS d USING (sip_id)
CROSS JOIN LATERAL (VALUES
    ('deviations', NULL),
    ('deviations:' || coalesce(v.deviation_type, 'unknown'), 'deviations_by_type'),
    ('deviations_responsible:' || coalesce(v.responsible_principal, 'unknown'),
     'deviations_responsible')
) AS b(kpi, family)
