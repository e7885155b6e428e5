-- invited_attendance_share: of invited participants at meetings held in P, attended; also by
-- organisation type and by principal (families whose total is the overall share). Participants
-- are counted per plan and day first: one fact per breakdown, not one per person invited.
WITH invited AS (
    SELECT m.sip_id, m.held_date, pa.organisation_type,
           coalesce(pa.principal, 'unknown') AS principal, coalesce(pa.attended, false) AS attended
    FROM model.sip_participants AS pa
    JOIN model.sip_meetings AS m USING (meeting_id)
    CROSS JOIN model.run_params AS rp
    WHERE pa.invited AND m.status = 'held' AND m.held_date <= rp.as_of
),
per_plan_day AS (
    SELECT i.sip_id, i.held_date, b.kpi, b.family, b.family_total_kpi,
           count(*) FILTER (i.attended) AS num, count(*) AS den
    FROM invited AS i
    CROSS JOIN LATERAL (VALUES
        ('invited_attendance_share', NULL, NULL),
        ('invited_attendance_share:' || i.organisation_type, 'invited_attendance_share',
         'invited_attendance_share'),
        ('invited_attendance_principal_share:' || i.principal,
         'invited_attendance_principal_share', 'invited_attendance_share')
    ) AS b(kpi, family, family_total_kpi)
    GROUP BY ALL
)
SELECT f.kpi, f.family, f.family_total_kpi, f.held_date AS event_date, f.num, f.den, d.*
FROM per_plan_day AS f
JOIN work.plan_dims AS d USING (sip_id)
