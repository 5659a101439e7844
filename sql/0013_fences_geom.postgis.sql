-- The fence area in PostGIS, planar lon/lat (SRID 4326 geometry) like the engine's index, so
-- ST_Covers here and the engine agree (points on the border count as inside).
ALTER TABLE fences ADD COLUMN geom geometry(Geometry, 4326)
  GENERATED ALWAYS AS (ST_SetSRID(ST_GeomFromGeoJSON(area::text), 4326)) STORED;
CREATE INDEX fences_geom_idx ON fences USING gist (geom);
