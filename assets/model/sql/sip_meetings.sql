-- Meetings as known on the as-of date: one held later was still planned, and what is recorded
-- at a meeting (participation, plan handed over, follow-up booked, ...) was not known yet.
-- Bookings (planned_date) stay. Meetings of plans that did not exist yet are left out.
SELECT c.* EXCLUDE (held_later) REPLACE (
    CASE WHEN NOT held_later THEN c.held_date END AS held_date,
    CASE WHEN held_later AND c.status = 'held' THEN 'planned' ELSE c.status END AS status,
    CASE WHEN NOT held_later THEN c.meeting_form END AS meeting_form,
    CASE WHEN NOT held_later THEN c.individual_participated END AS individual_participated,
    CASE WHEN NOT held_later THEN c.plan_documented END AS plan_documented,
    CASE WHEN NOT held_later THEN c.plan_handed_to_individual END AS plan_handed_to_individual,
    CASE WHEN NOT held_later THEN c.next_follow_up_date END AS next_follow_up_date,
    CASE WHEN NOT held_later THEN c.sipkollen_offered END AS sipkollen_offered,
    CASE WHEN NOT held_later THEN c.outcome END AS outcome
)
FROM (SELECT current.*, coalesce(current.held_date > rp.as_of, false) AS held_later
      FROM current, model.run_params AS rp) AS c
WHERE c.sip_id IN (SELECT sip_id FROM model.sip_plans)
