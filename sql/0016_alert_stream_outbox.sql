-- Alerts still to be appended to the Redis stream wt:alerts. A row is written in the alert's own
-- transaction (only when the server runs with REDIS_URL) and deleted after a successful XADD; rows
-- left behind by a Redis outage or a crash are appended again by a background loop. At least once:
-- a crash between XADD and DELETE appends an alert twice (consumers deduplicate on alert id).
CREATE TABLE alert_stream_outbox (
  alert_id  text PRIMARY KEY REFERENCES alerts (id) ON DELETE CASCADE,
  queued_at timestamptz NOT NULL DEFAULT now()
);
