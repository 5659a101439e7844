-- Every stored fix; see 0005_fixes.native.sql for the columns' reasons (same table).
-- Timescale branch: a hypertable with 7-day chunks. Compression is enabled in a later migration,
-- after the PostGIS column is added (columns cannot be added as freely once compression is on).
CREATE TABLE fixes (
  collar_id        text NOT NULL,
  ts               timestamptz NOT NULL,
  animal_id        text NOT NULL,
  lat              float8 NOT NULL CONSTRAINT fixes_lat_range CHECK (lat BETWEEN -90 AND 90),
  lon              float8 NOT NULL CONSTRAINT fixes_lon_range CHECK (lon BETWEEN -180 AND 180),
  alt              real,
  reported_speed   real,
  reported_heading real,
  hdop             real,
  sats             smallint,
  battery          real,
  temp             real,
  activity         real,
  step_m           real,
  turn_deg         real,
  speed_kmh        real,
  heading_deg      real,
  interval_s       real,
  distance_today_m real,
  quality          text[] NOT NULL DEFAULT '{}',
  received_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT fixes_collar_ts_key UNIQUE (collar_id, ts)
);

SELECT create_hypertable('fixes', by_range('ts', INTERVAL '7 days'));

CREATE INDEX fixes_animal_ts_idx ON fixes (animal_id, ts);
