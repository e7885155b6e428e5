-- Deviations as known on the as-of date: reported later, not yet; closed later, still open.
SELECT c.* REPLACE (CASE WHEN c.closed_date <= rp.as_of THEN c.closed_date END AS closed_date)
FROM current AS c, model.run_params AS rp
WHERE c.reported_date <= rp.as_of AND c.sip_id IN (SELECT sip_id FROM model.sip_plans)
