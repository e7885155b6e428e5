-- The initial meeting of each plan: the earliest one held on or before the as-of date.
SELECT m.sip_id, min(m.held_date) AS held_date,
       arg_min(m.next_follow_up_date, m.held_date) AS next_follow_up_date,
       arg_min(m.individual_participated, m.held_date) AS individual_participated,
       arg_min(m.plan_handed_to_individual, m.held_date) AS plan_handed_to_individual,
       arg_min(m.sipkollen_offered, m.held_date) AS sipkollen_offered
FROM model.sip_meetings AS m, model.run_params AS rp
WHERE m.meeting_type = 'initial' AND m.status = 'held' AND m.held_date <= rp.as_of
GROUP BY m.sip_id
