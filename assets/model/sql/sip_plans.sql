-- Plans as known on the as-of date: a plan whose need was identified later did not exist yet;
-- consent given or declined later was still pending; withdrawn, invited or closed later had
-- not happened yet. (`current`: the last accepted row per plan, all events.)
SELECT c.* REPLACE (
    CASE WHEN c.consent_date > rp.as_of THEN 'pending' ELSE c.consent_status END AS consent_status,
    CASE WHEN c.consent_date <= rp.as_of THEN c.consent_date END AS consent_date,
    CASE WHEN c.consent_withdrawn_date <= rp.as_of THEN c.consent_withdrawn_date END
        AS consent_withdrawn_date,
    CASE WHEN c.invitation_date <= rp.as_of THEN c.invitation_date END AS invitation_date,
    CASE WHEN c.closed_date <= rp.as_of THEN c.closed_date END AS closed_date,
    CASE WHEN c.closed_date <= rp.as_of THEN c.closure_reason END AS closure_reason
)
FROM current AS c, model.run_params AS rp
WHERE c.need_identified_date <= rp.as_of
