-- SIP-kollen answers given on or before the as-of date.
SELECT c.* FROM current AS c, model.run_params AS rp WHERE c.response_date <= rp.as_of
