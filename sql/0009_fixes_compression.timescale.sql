-- Compress fix chunks older than 30 days, one segment per collar ordered by time (how fixes are
-- read back). Comes after 0006 so the PostGIS column exists before compression is enabled.
-- ON CONFLICT DO NOTHING still works on compressed chunks (TimescaleDB >= 2.11), so late resends stay
-- idempotent. Fixes are never dropped: there is no retention policy on this table.
ALTER TABLE fixes SET (
  timescaledb.compress,
  timescaledb.compress_segmentby = 'collar_id',
  timescaledb.compress_orderby = 'ts'
);

SELECT add_compression_policy('fixes', compress_after => INTERVAL '30 days');
