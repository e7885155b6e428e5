-- Participants as known on the as-of date: attendance at a meeting not yet held is unknown.
SELECT c.* REPLACE (CASE WHEN m.held_date IS NOT NULL THEN c.attended END AS attended)
FROM current AS c
JOIN model.sip_meetings AS m USING (meeting_id)
