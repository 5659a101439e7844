-- Positions of observations and events as geographies, derived from lat/lon by the database, with
-- GiST indexes for "near" queries (GET /events/nearby, nearby families).
ALTER TABLE observations
  ADD COLUMN geog geography(Point, 4326)
  GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED;
CREATE INDEX observations_geog_gist ON observations USING gist (geog);

ALTER TABLE events
  ADD COLUMN geog geography(Point, 4326)
  GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED;
CREATE INDEX events_geog_gist ON events USING gist (geog);
