// The Redis stream wt:alerts is at least once: an alert stored while Redis is unreachable (or by a
// process that crashed before its XADD) stays in the outbox and is appended when Redis is back.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAlerting } from "../../alerts/alert-bus.ts";
import type { Database } from "../../store/database.ts";
import { migrate } from "../../store/migrate.ts";
import { openDatabase } from "../../store/open-database.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { until } from "../helpers/webhook-receiver.ts";

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

describe("wt:alerts outbox (PostgreSQL, Redis)", () => {
  let tdb: TestDatabase;
  let db: Database;
  const stream = `wt:alerts:test:${process.pid}:${Date.now()}`;
  const reader = new Redis(REDIS_URL);

  beforeAll(async () => {
    tdb = await createTestDatabase("postgres");
    db = await openDatabase({ databaseUrl: tdb.url, dataDir: tdb.dataDir });
    await migrate(db);
  });

  afterAll(async () => {
    await reader.del(stream);
    reader.disconnect();
    await db?.close();
    await tdb?.drop();
  });

  const outbox = async () => Number((await db.query<{ n: number }>("SELECT count(*) AS n FROM alert_stream_outbox")).rows[0]!.n);
  const streamed = async () => (await reader.xrange(stream, "-", "+")).map(([, fields]) => JSON.parse(fields[1]!).id as string);

  it("an alert stored while Redis is down is appended once Redis is reachable; a healthy append leaves no outbox row", async () => {
    // Not connected yet, and no offline queue: XADD fails at once, as during an outage.
    const redis = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const logs: string[] = [];
    const alerting = startAlerting({ db, redis, stream, log: (l) => logs.push(l), outboxPollMs: 50, outboxGraceMs: 0 });
    try {
      const { alert } = await alerting.publish({ kind: "immobility", ts: Date.UTC(2026, 10, 20), animal: "a1", dedupe_key: "outbox-1" });
      expect(alerting.metrics().redisErrors).toBe(1);
      expect(logs.join("\n")).toMatch(/XADD .* failed \(will retry from the outbox\)/);
      expect(await outbox()).toBe(1);
      expect(await streamed()).toEqual([]);

      // The failed command made ioredis start connecting, as its reconnect loop does after an outage.
      await until("the outbox to drain", async () => (await outbox()) === 0);
      expect(await streamed()).toEqual([alert.id]);

      const second = await alerting.publish({ kind: "immobility", ts: Date.UTC(2026, 10, 21), animal: "a1", dedupe_key: "outbox-2" });
      expect(await streamed()).toEqual([alert.id, second.alert.id]);
      expect(await outbox()).toBe(0);
    } finally {
      await alerting.close();
      redis.disconnect();
    }
  });

  it("without Redis nothing is queued for the stream", async () => {
    const alerting = startAlerting({ db });
    try {
      await alerting.publish({ kind: "immobility", ts: Date.UTC(2026, 10, 20), animal: "a2", dedupe_key: "no-redis" });
      expect(await outbox()).toBe(0);
    } finally {
      await alerting.close();
    }
  });
});
