-- sipkollen_responses: answers with response_date in P. Answers are never linked to a plan,
-- so only the dimensions the survey itself carries apply.
SELECT 'sipkollen_responses' AS kpi, response_date AS event_date, 1 AS num,
       coalesce(municipality_code, 'unknown') AS municipality_code,
       coalesce(age_band, 'unknown') AS age_band
FROM model.sipkollen
