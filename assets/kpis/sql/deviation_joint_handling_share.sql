-- deviation_joint_handling_share: of deviations reported in P whose reporting and responsible
-- principals differ, handled jointly.
SELECT 'deviation_joint_handling_share' AS kpi, v.reported_date AS event_date,
       coalesce(v.handled_jointly, false)::INT AS num, 1 AS den, d.*
FROM model.sip_deviations AS v
JOIN work.plan_dims AS d USING (sip_id)
WHERE v.reporting_principal IS DISTINCT FROM v.responsible_principal
  AND v.reporting_principal IS NOT NULL AND v.responsible_principal IS NOT NULL
