// The writer tells each ticket whether its row was new ("stored") or already there ("duplicate"):
// resends across batches, repeats inside one batch, fixes and quarantined fixes, without extra queries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QuarantineRecord, StoreOutcome, WriteItem } from "../../engine/types.ts";
import type { Database } from "../../store/database.ts";
import { BatchingFixWriter } from "../../store/fix-writer.ts";
import { migrate } from "../../store/migrate.ts";
import { PgliteDatabase } from "../../store/pglite-database.ts";
import { PostgresDatabase } from "../../store/pg-database.ts";
import { fixRecord as fix } from "../helpers/fix-records.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.ts";

const T0 = Date.UTC(2026, 10, 20, 6);

function quarantined(collar: string, ts: number): QuarantineRecord {
  return { collar, ts, lat: 1, lon: 2, reason: "unknown_collar", payload: { collar, ts, lat: 1, lon: 2 }, received_at: ts };
}

describe.each(DATABASE_KINDS)("writer outcome on %s", (kind) => {
  let tdb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    tdb = await createTestDatabase(kind);
    db = kind === "postgres" ? new PostgresDatabase(tdb.url!) : await PgliteDatabase.open("memory://");
    await migrate(db);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it("reports stored for new rows and duplicate for resends and in-batch repeats", async () => {
    const writer = new BatchingFixWriter(db, { maxBatch: 300 });
    const outcomes = new Map<number, StoreOutcome | undefined>();
    const items: WriteItem[] = [];
    const push = (i: number, item: Omit<WriteItem, "ticket">) =>
      items.push({ ...item, ticket: { wantsOutcome: true, stored: (o) => void outcomes.set(i, o), rejected: (m) => { throw new Error(m); } } } as WriteItem);
    // Round 1: 1000 fixes of 4 collars (every 10th repeated right after itself) + 50 quarantined (5 repeated).
    let i = 0;
    const expected = new Map<number, StoreOutcome>();
    for (let k = 0; k < 1000; k++) {
      const record = fix(`C${k % 4}`, T0 + k * 1000);
      expected.set(i, "stored");
      push(i++, { kind: "fix", record });
      if (k % 10 === 0) {
        expected.set(i, "duplicate");
        push(i++, { kind: "fix", record: { ...record } });
      }
    }
    for (let k = 0; k < 50; k++) {
      expected.set(i, "stored");
      push(i++, { kind: "quarantine", record: quarantined("Q1", T0 + k) });
      if (k % 10 === 0) {
        expected.set(i, "duplicate");
        push(i++, { kind: "quarantine", record: quarantined("Q1", T0 + k) });
      }
    }
    for (const it of items) writer.enqueue(it);
    await writer.flush();
    expect(outcomes.size).toBe(items.length);
    for (const [n, o] of expected) expect(outcomes.get(n), `item ${n}`).toBe(o);

    // Round 2: resend everything, plus 10 new fixes: only the new ones are stored.
    const again = new Map<number, StoreOutcome | undefined>();
    const resend = [...items.map((it) => it.record), ...Array.from({ length: 10 }, (_, k) => fix("C9", T0 + k))];
    resend.forEach((record, n) =>
      writer.enqueue({ kind: "collar" in record && "animal" in record ? "fix" : "quarantine", record, ticket: { wantsOutcome: true, stored: (o) => void again.set(n, o), rejected: () => {} } } as WriteItem),
    );
    await writer.flush();
    const stored = [...again].filter(([, o]) => o === "stored").map(([n]) => n);
    expect(stored).toEqual(Array.from({ length: 10 }, (_, k) => items.length + k));
    expect(again.size).toBe(resend.length);
    const rows = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM fixes");
    expect(rows.rows[0]!.n).toBe(1010);
    await writer.close();
  });
});
