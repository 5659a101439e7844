-- Fixes from collars that are unknown or not deployed at that time. Kept (not dropped) so they can
-- be attached to an animal later. Small, so not partitioned. The primary key makes resends idempotent.
CREATE TABLE quarantined_fixes (
  collar_id          text NOT NULL,
  ts                 timestamptz NOT NULL,
  lat                float8 NOT NULL,
  lon                float8 NOT NULL,
  payload            jsonb NOT NULL,
  reason             text NOT NULL,
  received_at        timestamptz NOT NULL DEFAULT now(),
  attached_at        timestamptz,
  attached_animal_id text,
  PRIMARY KEY (collar_id, ts)
);
