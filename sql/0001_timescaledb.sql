-- Use TimescaleDB when this server can load it; otherwise the later migrations take their
-- `.native.sql` branch (the runner looks at pg_extension after this file).
-- On a real server the extension needs shared_preload_libraries = 'timescaledb', so being listed in
-- pg_available_extensions is not enough: CREATE EXTENSION then fails with "must be preloaded".
-- The EXCEPTION block turns any such failure into a notice (and rolls back just this block).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
  END IF;
EXCEPTION WHEN others THEN
  RAISE NOTICE 'TimescaleDB not loadable (%), using native partitioning', SQLERRM;
END
$$;
