// Fix alerts ride with their fix through the durable writer: stored in the fix's transaction,
// delivered after commit in enqueue order even when a later batch commits first, and an alert that
// cannot be stored never costs its fix.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertAlert } from "../../store/repos/alerts.ts";
import type { FixAlert, FixRecord } from "../../engine/types.ts";
import type { Database, Queryable } from "../../store/database.ts";
import { BatchingFixWriter } from "../../store/fix-writer.ts";
import { migrate } from "../../store/migrate.ts";
import { PostgresDatabase } from "../../store/pg-database.ts";
import { fixRecord as fix } from "../helpers/fix-records.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";

const T0 = Date.UTC(2026, 10, 20, 6);

const alertFor = (r: FixRecord, key: string): FixAlert => ({
  kind: "low_battery", severity: "warning", animal: r.animal, collar: r.collar, herd: null, fence: null, ts: r.ts, lat: r.lat, lon: r.lon, detail: {}, dedupe_key: key,
});

/** Holds the first transaction open until released, so the second batch commits first. */
class SlowFirstTransaction {
  release!: () => void;
  private readonly gate = new Promise<void>((r) => (this.release = r));
  private n = 0;
  constructor(readonly inner: Database) {}
  wrap(): Database {
    const self = this;
    return Object.assign(Object.create(this.inner) as Database, {
      kind: this.inner.kind,
      async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
        const first = ++self.n === 1;
        return self.inner.transaction(async (tx) => {
          const out = await fn(tx);
          if (first) await self.gate;
          return out;
        });
      },
    });
  }
}

describe("fix alerts in the writer (PostgreSQL)", () => {
  let tdb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    tdb = await createTestDatabase("postgres");
    db = new PostgresDatabase(tdb.url!);
    await migrate(db);
  });
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it("delivers in enqueue order although a later batch commits first", async () => {
    const slow = new SlowFirstTransaction(db);
    const delivered: string[] = [];
    const writer = new BatchingFixWriter(slow.wrap(), {
      maxBatch: 2,
      concurrency: 2,
      alerts: { insert: async (tx, alerts) => Promise.all(alerts.map((a) => insertAlert(tx, a))), committed: (s) => delivered.push(...s.map((x) => (x as { alert: { kind: string; ts: string } }).alert.ts)) },
    });
    const stored: number[] = [];
    const records = [0, 1, 2, 3].map((i) => fix("ORD1", T0 + i * 60_000));
    for (const r of records) writer.enqueue({ kind: "fix", record: r, ticket: { stored: () => stored.push(r.ts), rejected: () => {} }, alerts: [alertFor(r, `ord-${r.ts}`)] });
    // The second batch (fixes 2, 3) commits while the first is held.
    await expect.poll(() => stored.length).toBe(2);
    expect(stored).toEqual([records[2]!.ts, records[3]!.ts]);
    expect(delivered).toEqual([]); // not past the unwritten first batch
    slow.release();
    await writer.flush();
    expect(delivered).toEqual(records.map((r) => new Date(r.ts).toISOString()));
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM alerts WHERE dedupe_key LIKE 'ord-%'");
    expect(rows[0]!.n).toBe(4);
  });

  it("an alert the database cannot store is refused alone: its fix and the other alerts are stored", async () => {
    const refused: string[] = [];
    const delivered: string[] = [];
    const writer = new BatchingFixWriter(db, {
      alerts: {
        insert: async (tx, alerts) => Promise.all(alerts.map((a) => insertAlert(tx, a))),
        committed: (s) => delivered.push(...s.map((x) => (x as { alert: { detail: { n: number } } }).alert.detail.n.toString())),
        refused: (alerts) => refused.push(...alerts.map((a) => a.dedupe_key)),
      },
    });
    const [a, b] = [fix("BAD1", T0), fix("BAD1", T0 + 60_000)];
    const outcomes: string[] = [];
    const ticket = (name: string) => ({ stored: () => outcomes.push(`${name} stored`), rejected: (m: string) => outcomes.push(`${name} rejected ${m}`) });
    // \u0000 cannot be stored in jsonb: a data error inside the alert insert.
    writer.enqueue({ kind: "fix", record: a, ticket: ticket("a"), alerts: [{ ...alertFor(a, "bad-1"), detail: { n: 1, note: "nul \u0000 here" } }] });
    writer.enqueue({ kind: "fix", record: b, ticket: ticket("b"), alerts: [{ ...alertFor(b, "good-2"), detail: { n: 2 } }] });
    await writer.flush();
    expect(outcomes).toEqual(["a stored", "b stored"]);
    expect(refused).toEqual(["bad-1"]);
    expect(delivered).toEqual(["2"]);
    const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM fixes WHERE collar_id = 'BAD1'");
    expect(rows[0]!.n).toBe(2);
  });
});
