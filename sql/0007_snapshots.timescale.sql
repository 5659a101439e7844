-- Periodic serialised actor state; see 0007_snapshots.native.sql.
-- Timescale branch: a hypertable whose chunks older than 90 days are dropped by a retention policy.
CREATE TABLE animal_snapshots (
  animal_id text NOT NULL,
  taken_at  timestamptz NOT NULL,
  last_ts   timestamptz,
  state     jsonb NOT NULL,
  CONSTRAINT animal_snapshots_animal_taken_key UNIQUE (animal_id, taken_at)
);

SELECT create_hypertable('animal_snapshots', by_range('taken_at', INTERVAL '7 days'));

CREATE INDEX animal_snapshots_animal_taken_idx ON animal_snapshots (animal_id, taken_at DESC);

SELECT add_retention_policy('animal_snapshots', drop_after => INTERVAL '90 days');
