-- Deleting a webhook cancels its queued deliveries: 'cancelled' is a final delivery status.
-- 0014 declared the CHECK inline, so PostgreSQL named it webhook_deliveries_status_check.
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_status_check;
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_status_check
  CHECK (status IN ('pending', 'delivered', 'failed', 'dead', 'cancelled'));
-- Webhooks deleted before this migration left their queued deliveries behind: cancel them too.
UPDATE webhook_deliveries d SET status = 'cancelled'
  FROM webhooks w
 WHERE w.id = d.webhook_id AND w.disabled_at IS NOT NULL AND d.status IN ('pending', 'failed');
