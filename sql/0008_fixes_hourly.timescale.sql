-- Hourly per-animal summary as a continuous aggregate (same columns as the native view).
-- WITH NO DATA so it can be created inside the migration's transaction; the policy fills it.
-- materialized_only = false: rows not yet materialised are aggregated at read time, like the view.
-- start_offset NULL: the policy also refreshes invalidated old buckets (late or imported fixes).
CREATE MATERIALIZED VIEW fixes_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', ts) AS bucket,
       animal_id,
       count(*)                AS fixes,
       sum(step_m)::float8     AS distance_m,
       avg(speed_kmh)::float8  AS mean_speed_kmh
FROM fixes
GROUP BY 1, 2
WITH NO DATA;

SELECT add_continuous_aggregate_policy('fixes_hourly',
  start_offset      => NULL,
  end_offset        => INTERVAL '1 hour',
  schedule_interval => INTERVAL '30 minutes');
