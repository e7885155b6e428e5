-- The breakdown dimensions of every plan (SPEC §4); NULL is published as 'unknown' so that
-- the values of a dimension always add up to the total.
SELECT
    sip_id,
    coalesce(initiating_principal, 'unknown') AS initiating_principal,
    coalesce(lead_principal, 'unknown') AS lead_principal,
    coalesce(municipality_code, 'unknown') AS municipality_code,
    coalesce(target_group, 'unknown') AS target_group,
    coalesce(age_band, 'unknown') AS age_band,
    coalesce(initiating_unit, 'unknown') AS initiating_unit,
    coalesce(after_discharge::VARCHAR, 'unknown') AS after_discharge
FROM model.sip_plans
