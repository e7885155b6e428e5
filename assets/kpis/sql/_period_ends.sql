-- Every month, quarter and year from the first need identified up to the one holding the
-- as-of date; "end of P" is the last day of P or the as-of date, whichever is earlier.
WITH bounds AS (
    SELECT date_trunc('month', min(need_identified_date)) AS first_month, rp.as_of
    FROM model.sip_plans, model.run_params AS rp GROUP BY rp.as_of
),
grains AS (SELECT * FROM (VALUES ('month', INTERVAL 1 MONTH), ('quarter', INTERVAL 3 MONTH),
                                 ('year', INTERVAL 1 YEAR)) AS g(grain, step))
SELECT g.grain, p.period_start::DATE AS period_start,
       least((p.period_start + g.step - INTERVAL 1 DAY)::DATE, b.as_of) AS period_end
FROM bounds AS b, grains AS g,
     LATERAL (SELECT unnest(generate_series(date_trunc(g.grain, b.first_month),
                                            b.as_of::TIMESTAMP, g.step)) AS period_start) AS p
