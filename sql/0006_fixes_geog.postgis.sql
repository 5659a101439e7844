-- The position as a geography, derived from lat/lon by the database so it can never disagree with
-- them, with a GiST index for "who is near / inside" queries.
ALTER TABLE fixes
  ADD COLUMN geog geography(Point, 4326)
  GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED;

CREATE INDEX fixes_geog_gist ON fixes USING gist (geog);
