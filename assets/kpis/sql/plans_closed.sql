-- plans_closed and closure_reason_share:<reason>: plans closed in P, and the share closed for
-- each reason of the contract's code list (a blank reason is 'unknown').
WITH closed AS (
    SELECT sip_id, closed_date, coalesce(closure_reason, 'unknown') AS reason
    FROM model.sip_plans WHERE closed_date IS NOT NULL
),
reasons AS (
    SELECT code FROM work.codes WHERE entity = 'sip_plans' AND field = 'closure_reason'
    UNION SELECT 'unknown'
)
SELECT 'plans_closed' AS kpi, NULL AS family, NULL AS family_total_kpi,
       c.closed_date AS event_date, 1 AS num, NULL::INT AS den, d.*
FROM closed AS c JOIN work.plan_dims AS d USING (sip_id)
UNION ALL BY NAME
SELECT 'closure_reason_share:' || r.code AS kpi, 'closure_reason_share' AS family,
       'plans_closed' AS family_total_kpi, c.closed_date AS event_date,
       (c.reason = r.code)::INT AS num, 1 AS den, d.*
FROM closed AS c JOIN work.plan_dims AS d USING (sip_id) CROSS JOIN reasons AS r
