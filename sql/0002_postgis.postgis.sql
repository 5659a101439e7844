-- Spatial types and indexes for fixes.geog. The runner checks that PostGIS is available before it
-- starts, so a missing package gives a clear message instead of failing here.
CREATE EXTENSION IF NOT EXISTS postgis;
