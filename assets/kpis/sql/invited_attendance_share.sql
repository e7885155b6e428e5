-- invited_attendance_share: of invited participants at meetings held in P, attended; also by
-- organisation type and by principal (families whose total is the overall share).
WITH invited AS (
    SELECT m.sip_id, m.held_date, pa.organisation_type, coalesce(pa.principal, 'unknown') AS principal,
           coalesce(pa.attended, false)::INT AS attended
    FROM model.sip_participants AS pa
    JOIN model.sip_meetings AS m USING (meeting_id)
    CROSS JOIN model.run_params AS rp
    WHERE pa.invited AND m.status = 'held' AND m.held_date <= rp.as_of
)
SELECT b.kpi, b.family, b.family_total_kpi, i.held_date AS event_date, i.attended AS num,
       1 AS den, d.*
FROM invited AS i
JOIN work.plan_dims AS d USING (sip_id)
CROSS JOIN LATERAL (VALUES
    ('invited_attendance_share', NULL, NULL),
    ('invited_attendance_share:' || i.organisation_type, 'invited_attendance_share',
     'invited_attendance_share'),
    ('invited_attendance_principal_share:' || i.principal, 'invited_attendance_principal_share',
     'invited_attendance_share')
) AS b(kpi, family, family_total_kpi)
