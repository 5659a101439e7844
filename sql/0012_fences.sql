-- Corridors and risk zones. `source` is the geometry as submitted (a LineString with width_m is
-- kept as drawn); `area` is the (Multi)Polygon the engine indexes (the buffered line, or the polygon).
CREATE TABLE fences (
  id         text PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('corridor', 'risk_zone')),
  name       text NOT NULL,
  source     jsonb NOT NULL,
  width_m    real CHECK (width_m > 0),
  area       jsonb NOT NULL,
  rules      jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fences_kind_idx ON fences (kind, id);
