// Crash safety: SIGKILL the server in the middle of a stream, restart it, let the simulator resend.
// The database must end with exactly the fixes sent: no duplicates, no gaps, every acked fix present.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CollarFleet } from "../../simulator/collar-fleet.ts";
import { apiClient } from "../helpers/api.ts";
import { freePort, spawnServer, type ChildServer } from "../helpers/child-server.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.ts";
import { TEST_ADMIN_TOKEN } from "../helpers/server.ts";
import { openDatabase } from "../../store/open-database.ts";
import type { Database } from "../../store/database.ts";

const COLLARS = 12;
const PER_COLLAR = 250;

/** Opens the test database directly (the server is stopped: PGlite allows one process at a time). */
async function withDb<T>(db: TestDatabase, fn: (d: Database) => Promise<T>): Promise<T> {
  const d = await openDatabase({ databaseUrl: db.url, dataDir: db.dataDir });
  try {
    return await fn(d);
  } finally {
    await d.close();
  }
}

const storedKeys = (d: Database) =>
  d.query<{ k: string }>("SELECT collar_id || '|' || (extract(epoch FROM ts) * 1000)::bigint AS k FROM fixes").then((r) => new Set(r.rows.map((x) => x.k)));

describe.each(DATABASE_KINDS)("crash safety on %s (SIGKILL mid-stream)", (kind) => {
  let db: TestDatabase;
  let server: ChildServer | null = null;
  let port: number;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    port = await freePort();
    env = { ...(db.url ? { DATABASE_URL: db.url } : {}), PORT: String(port), WT_DATA_DIR: db.dataDir, WT_ADMIN_TOKEN: TEST_ADMIN_TOKEN };
    server = await spawnServer(env);
  });

  afterAll(async () => {
    server?.proc.kill("SIGKILL");
    await db?.drop();
  });

  it("ends with exactly the fixes sent after a kill and restart", async () => {
    const api = apiClient(`http://127.0.0.1:${port}`, TEST_ADMIN_TOKEN);
    const collars = Array.from({ length: COLLARS }, (_, i) => ({ id: `CR${String(i + 1).padStart(3, "0")}`, species: (i % 2 ? "wildebeest" : "elephant") as "elephant" | "wildebeest" }));
    for (const c of collars) {
      const a = await api.post("/api/v1/animals", { name: c.id, species: c.species });
      expect((await api.post("/api/v1/collars", { id: c.id })).status).toBe(201);
      expect((await api.post(`/api/v1/collars/${c.id}/deployments`, { animal_id: a.body.id, from: "2026-01-01T00:00:00Z" })).status).toBe(201);
    }
    const gw = await api.post("/api/v1/gateways", { name: "crash test" });

    const acked = new Set<string>();
    const fleet = new CollarFleet({
      url: `ws://127.0.0.1:${port}/ingest`,
      token: gw.body.token,
      collars,
      ratePerSecond: 1500,
      intervalSeconds: 300,
      start: Date.UTC(2026, 9, 1),
      fixesPerCollar: PER_COLLAR,
      connections: 3,
      batchSize: 20,
      seed: 42,
      onAck: (collar, ts) => acked.add(`${collar}|${ts}`),
    }).start();

    // Kill while the stream is in full flow.
    while (fleet.stats().acked < (COLLARS * PER_COLLAR) / 3) await new Promise((r) => setTimeout(r, 20));
    server!.proc.kill("SIGKILL");
    await server!.exited;
    const ackedBeforeKill = [...acked];

    // Every fix acked before the kill is in the database, with no server running.
    const afterKill = await withDb(db, storedKeys);
    expect(ackedBeforeKill.filter((k) => !afterKill.has(k))).toEqual([]);

    await new Promise((r) => setTimeout(r, 300)); // the fleet is now failing to reconnect
    server = await spawnServer(env);
    await fleet.done();
    const s = fleet.stats();
    expect(s.acked).toBe(COLLARS * PER_COLLAR);
    expect(s.nacked).toBe(0);
    expect(s.reconnects).toBeGreaterThan(0);

    const expected = new Set(fleet.generatedFixes().map((f) => `${f.collar}|${f.ts}`));
    expect(expected.size).toBe(COLLARS * PER_COLLAR);
    server!.proc.kill("SIGTERM");
    expect(await server!.exited).toBe(0);
    expect(server!.output()).toContain("stopped cleanly");
    server = null;
    const { final, total } = await withDb(db, async (d) => ({
      final: await storedKeys(d),
      total: Number((await d.query<{ n: number }>("SELECT count(*) AS n FROM fixes")).rows[0]!.n),
    }));
    expect(total).toBe(expected.size); // no duplicates
    expect([...expected].filter((k) => !final.has(k))).toEqual([]); // no gaps
    expect([...final].filter((k) => !expected.has(k))).toEqual([]); // nothing invented
    expect([...acked].filter((k) => !final.has(k))).toEqual([]); // every acked fix present
  });

  it("shut down gracefully on SIGTERM: exit 0 and a snapshot of every animal", async () => {
    const snaps = await withDb(db, async (d) => Number((await d.query<{ n: number }>("SELECT count(DISTINCT animal_id) AS n FROM animal_snapshots")).rows[0]!.n));
    expect(snaps).toBe(COLLARS);
  });
});
