-- Fitted behaviour HMMs per species, versioned: every fit is a new version; the newest active one is
-- what the actors filter with. Parameters as JSON (engine/hmm serialisation), with how it was fitted.
CREATE TABLE behaviour_models (
  id          text PRIMARY KEY,
  species     text NOT NULL,           -- lower-cased species as written on the animals
  version     integer NOT NULL,
  states      text[] NOT NULL,         -- state names, by increasing mean step length
  params      jsonb NOT NULL,
  n_steps     integer NOT NULL,
  n_animals   integer NOT NULL,
  nllk        float8 NOT NULL,
  aic         float8 NOT NULL,
  fitted_from timestamptz,
  fitted_to   timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text,
  UNIQUE (species, version)
);
