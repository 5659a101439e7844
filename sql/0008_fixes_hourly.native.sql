-- Hourly per-animal summary. Native branch: a plain view (computed on read) with exactly the
-- columns and types of the Timescale continuous aggregate, so queries work on both.
-- The origin is given in UTC so buckets do not depend on the session time zone.
CREATE VIEW fixes_hourly AS
SELECT date_bin(INTERVAL '1 hour', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS bucket,
       animal_id,
       count(*)                AS fixes,
       sum(step_m)::float8     AS distance_m,
       avg(speed_kmh)::float8  AS mean_speed_kmh
FROM fixes
GROUP BY 1, 2;
