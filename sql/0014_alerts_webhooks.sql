-- Alerts (persisted before any delivery), webhooks, and the durable webhook delivery queue/log.
CREATE TABLE alerts (
  id         text PRIMARY KEY,
  kind       text NOT NULL,
  severity   text NOT NULL,
  animal_id  text,
  collar_id  text,
  herd_id    text,
  fence_id   text,
  ts         timestamptz NOT NULL,
  lat        float8,
  lon        float8,
  detail     jsonb NOT NULL DEFAULT '{}',
  dedupe_key text UNIQUE, -- a retried publish of the same alert is stored once
  acked_by   text,
  acked_at   timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_ts_idx ON alerts (ts DESC, id DESC);
CREATE INDEX alerts_animal_ts_idx ON alerts (animal_id, ts DESC);
CREATE INDEX alerts_kind_ts_idx ON alerts (kind, ts DESC);

CREATE TABLE webhooks (
  id          text PRIMARY KEY,
  url         text NOT NULL,
  secret      text NOT NULL,
  kinds       text[] NOT NULL DEFAULT '{}', -- empty: every kind
  created_at  timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);

CREATE TABLE webhook_deliveries (
  id              text PRIMARY KEY,
  webhook_id      text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  alert_id        text NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  attempt         int NOT NULL DEFAULT 0,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed', 'dead')),
  http_status     int,
  error           text,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  created_at      timestamptz NOT NULL DEFAULT now(),
  delivered_at    timestamptz,
  UNIQUE (webhook_id, alert_id)
);
-- Due work: pending (never tried) and failed (waiting for a retry).
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'failed');
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC, id DESC);
