// Appends every alert to the Redis stream `wt:alerts` (API.md: with REDIS_URL), capped near 100,000 entries.
import type { Redis } from "ioredis";
import type { Alert } from "../store/repos/alerts.ts";

export const ALERT_STREAM = "wt:alerts";
export const ALERT_STREAM_MAXLEN = 100_000;

/** XADD wt:alerts MAXLEN ~ 100000 * alert <json>; resolves to the entry id. */
export async function appendAlertToStream(redis: Redis, alert: Alert, stream = ALERT_STREAM): Promise<string | null> {
  return redis.xadd(stream, "MAXLEN", "~", String(ALERT_STREAM_MAXLEN), "*", "alert", JSON.stringify(alert));
}
