-- Every stored fix. Written by the batching writer only (INSERT ... ON CONFLICT (collar_id, ts) DO
-- NOTHING, so a resent fix is stored once). No foreign keys: they would cost a lookup per row on the
-- hottest path, and the engine has already resolved the animal.
-- The CHECKs keep impossible coordinates (also NaN, which is not BETWEEN anything) out of the data.
--
-- Native branch: range partitions per ISO week (store/partitions.ts creates them ahead of time) plus a
-- DEFAULT partition, so an insert never fails for lack of a partition. BRIN on ts is tiny and fits
-- rows that arrive roughly in time order.
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
) PARTITION BY RANGE (ts);

CREATE TABLE fixes_default PARTITION OF fixes DEFAULT;

CREATE INDEX fixes_animal_ts_idx ON fixes (animal_id, ts);
CREATE INDEX fixes_ts_brin ON fixes USING brin (ts);
