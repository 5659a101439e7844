-- Fitted habitat (resource-selection) models, versioned. The ONNX file and its card live under
-- WT_DATA_DIR/models/ (file: relative to WT_DATA_DIR); the newest version scores live positions.
CREATE TABLE habitat_models (
  id          text PRIMARY KEY,
  version     integer NOT NULL UNIQUE,
  species     text,                     -- null: fitted on every animal
  file        text NOT NULL,
  card        jsonb NOT NULL,
  auc_cv      float8,
  used        integer NOT NULL,
  available   integer NOT NULL,
  trees       integer NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text
);
