-- Field observations (of a family, or a sighting of one animal) and events reported by rangers.
-- `observer` / `reporter` is the subject of the token that wrote the row.
CREATE TABLE observations (
  id         text PRIMARY KEY,
  family_id  text REFERENCES families (id),
  animal_id  text REFERENCES animals (id),
  ts         timestamptz NOT NULL,
  lat        float8 NOT NULL CONSTRAINT observations_lat_range CHECK (lat BETWEEN -90 AND 90),
  lon        float8 NOT NULL CONSTRAINT observations_lon_range CHECK (lon BETWEEN -180 AND 180),
  size       integer CHECK (size >= 0),
  health     real CHECK (health BETWEEN 0 AND 10),
  notes      text,
  observer   text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (family_id IS NOT NULL OR animal_id IS NOT NULL)
);
CREATE INDEX observations_family_ts_idx ON observations (family_id, ts);
CREATE INDEX observations_animal_ts_idx ON observations (animal_id, ts);
CREATE INDEX observations_ts_idx ON observations (ts);

CREATE TABLE events (
  id             text PRIMARY KEY,
  family_id      text REFERENCES families (id),
  description    text NOT NULL,
  ts             timestamptz NOT NULL,
  lat            float8 NOT NULL CONSTRAINT events_lat_range CHECK (lat BETWEEN -90 AND 90),
  lon            float8 NOT NULL CONSTRAINT events_lon_range CHECK (lon BETWEEN -180 AND 180),
  event_metadata jsonb,
  reporter       text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_family_ts_idx ON events (family_id, ts);
CREATE INDEX events_ts_idx ON events (ts);
