-- Periodic serialised actor state, so an actor restarts from its snapshot plus the fixes after it.
-- Native branch: weekly range partitions like fixes; old partitions are dropped by
-- PartitionManager.dropSnapshotsOlderThan (retention; fixes are never dropped).
CREATE TABLE animal_snapshots (
  animal_id text NOT NULL,
  taken_at  timestamptz NOT NULL,
  last_ts   timestamptz,
  state     jsonb NOT NULL,
  CONSTRAINT animal_snapshots_animal_taken_key UNIQUE (animal_id, taken_at)
) PARTITION BY RANGE (taken_at);

CREATE TABLE animal_snapshots_default PARTITION OF animal_snapshots DEFAULT;

CREATE INDEX animal_snapshots_animal_taken_idx ON animal_snapshots (animal_id, taken_at DESC);
CREATE INDEX animal_snapshots_taken_brin ON animal_snapshots USING brin (taken_at);
