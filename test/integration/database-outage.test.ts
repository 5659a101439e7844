// Database outage: nothing is acked while the database is unreachable; everything is stored and acked
// once it is back; a full writer queue answers `overloaded` (1013) instead of acking what is not stored.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../store/open-database.ts";
import { makeFixes, TestCollar } from "../helpers/collar-client.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { FlakyDatabase } from "../helpers/flaky-database.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("simulated database outage (PostgreSQL behind a failing wrapper)", () => {
  let db: TestDatabase;
  let flaky: FlakyDatabase;
  let t: TestServer;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    flaky = new FlakyDatabase(await openDatabase({ databaseUrl: db.url, dataDir: db.dataDir }));
    t = await startTestServer(db, { WT_WRITER_MAX_QUEUE: "500", WT_SHUTDOWN_TIMEOUT_S: "2" }, { database: flaky });
    await deployedAnimal(t.api, "OUT001");
    token = (await t.api.post("/api/v1/collars/OUT001/token")).body.token;
  });

  afterAll(async () => {
    await t?.server.close();
    await flaky?.close();
    await db?.drop();
  });

  it("acks nothing while the database is down, then everything once it returns", async () => {
    const collar = await TestCollar.connect(t.wsUrl, token);
    flaky.down = true;
    const fixes = makeFixes(300);
    collar.send({ type: "batch", fixes });
    await sleep(1500);
    expect(collar.acked).toEqual([]);
    expect(flaky.failedCalls).toBeGreaterThan(0);
    const ready = await t.api.get("/health/ready", null);
    expect(ready.status).toBe(503);
    expect(ready.headers.get("retry-after")).toBeTruthy();

    flaky.down = false;
    await collar.until(() => collar.acked.length === 300, 30_000, "300 acks after recovery");
    const { rows } = await t.server.db.query<{ n: number }>("SELECT count(*) AS n FROM fixes WHERE collar_id = 'OUT001'");
    expect(Number(rows[0]!.n)).toBe(300);
    expect((await t.api.get("/health/ready", null)).status).toBe(200);
    collar.close();
  });

  it("answers overloaded and closes 1013 when the queue is full; a resend after recovery is stored once", async () => {
    flaky.down = true;
    const collar = await TestCollar.connect(t.wsUrl, token);
    const fixes = makeFixes(600, Date.UTC(2026, 10, 21, 8));
    for (let i = 0; i < 600; i += 100) collar.send({ type: "batch", fixes: fixes.slice(i, i + 100) });
    await collar.until(() => collar.closeCode !== null, 10_000, "overloaded close");
    expect(collar.closeCode).toBe(1013);
    expect(collar.errors.map((e) => e.code)).toContain("overloaded");
    expect(collar.acked).toEqual([]);

    flaky.down = false;
    // Wait for the queue to drain, as a collar backs off before reconnecting.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await t.api.get("/health/ready", null)).status !== 200) await sleep(100);
    const again = await TestCollar.connect(t.wsUrl, token);
    again.send({ type: "batch", fixes: fixes.slice(0, 300) });
    again.send({ type: "batch", fixes: fixes.slice(300) });
    await again.until(() => again.acked.length === 600, 30_000, "600 acks");
    const { rows } = await t.server.db.query<{ n: number }>("SELECT count(*) AS n FROM fixes WHERE collar_id = 'OUT001' AND ts >= '2026-11-21T08:00:00Z'");
    expect(Number(rows[0]!.n)).toBe(600);
    again.close();
  });

  it("an alert raised by a fix while the database is down is stored with its fix after recovery, once", async () => {
    const { animalId } = await deployedAnimal(t.api, "OUT002");
    const c = await TestCollar.connect(t.wsUrl, (await t.api.post("/api/v1/collars/OUT002/token")).body.token);
    const base = Date.UTC(2026, 10, 19, 6);
    const fix = (i: number, battery: number) => ({ seq: i + 1, ts: new Date(base + i * 30 * 60_000).toISOString(), lat: -1.2, lon: 36.9 + i * 0.01, battery });
    flaky.down = true;
    c.send({ type: "batch", fixes: [fix(0, 60), fix(1, 7)] }); // the second raises low_battery in the actor
    await sleep(800);
    expect(c.acked).toEqual([]);
    flaky.down = false;
    await c.until(() => c.acked.length === 2, 30_000, "acks after recovery");
    const alerts = async () => (await t.api.get(`/api/v1/alerts?animal=${animalId}&kind=low_battery`)).body.items as Array<{ ts: string }>;
    // Stored in the fix's transaction: there by the time the fix is acked.
    expect((await alerts()).map((a) => a.ts)).toEqual([fix(1, 7).ts]);
    c.send({ type: "batch", fixes: [fix(1, 7)] }); // a resend: no second alert
    await c.until(() => c.acked.length === 3, 10_000, "ack of the resend");
    await sleep(200);
    expect(await alerts()).toHaveLength(1);
    c.close();
  });

  it("shuts down within its timeout while the database is down, acking nothing it did not store", async () => {
    const collar = await TestCollar.connect(t.wsUrl, token);
    flaky.down = true;
    collar.send({ type: "batch", fixes: makeFixes(50, Date.UTC(2026, 10, 22)) });
    await sleep(300);
    const started = Date.now();
    await t.server.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    await collar.until(() => collar.closeCode !== null, 5000, "close");
    expect(collar.acked).toEqual([]);
    flaky.down = false;
  });
});

// A real PostgreSQL stop/start, when this machine lets the test control the cluster (CI runs as root).
const pgVersion = existsSync("/etc/postgresql") ? execFileSync("ls", ["/etc/postgresql"]).toString().trim().split("\n").pop() : undefined;
const canControlPg = process.getuid?.() === 0 && !!pgVersion && existsSync("/usr/bin/pg_ctlcluster") && process.env.WT_SKIP_PG_RESTART !== "1";

describe.skipIf(!canControlPg)("real PostgreSQL restart", () => {
  let db: TestDatabase;
  let t: TestServer;
  const pgctl = (action: "stop" | "start") =>
    execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", pgVersion!, "main", action, ...(action === "stop" ? ["-m", "fast"] : [])], { stdio: "pipe" });

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db);
    await deployedAnimal(t.api, "RST001");
  });

  afterAll(async () => {
    try {
      pgctl("start");
    } catch {
      /* already running */
    }
    await t?.server.close();
    await db?.drop();
  });

  it("holds acks while PostgreSQL is stopped and catches up after it starts", async () => {
    const token = (await t.api.post("/api/v1/collars/RST001/token")).body.token;
    const collar = await TestCollar.connect(t.wsUrl, token);
    collar.send({ type: "batch", fixes: makeFixes(50) });
    await collar.until(() => collar.acked.length === 50, 20_000, "50 acks before the stop");
    pgctl("stop");
    try {
      collar.send({ type: "batch", fixes: makeFixes(100, Date.UTC(2026, 10, 21, 3), 1000) });
      await sleep(1500);
      expect(collar.acked).toHaveLength(50);
    } finally {
      pgctl("start");
    }
    await collar.until(() => collar.acked.length === 150, 60_000, "150 acks after the restart");
    const { rows } = await t.server.db.query<{ n: number }>("SELECT count(*) AS n FROM fixes WHERE collar_id = 'RST001'");
    expect(Number(rows[0]!.n)).toBe(150);
    collar.close();
  });
});
