// End to end over a real WebSocket and Socket.IO, against real PostgreSQL + PostGIS and embedded PGlite.
import { io as ioClient, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../store/migrate.ts";
import { makeFixes, TestCollar } from "../helpers/collar-client.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../helpers/server.ts";

async function count(t: TestServer, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await t.server.db.query<{ n: string | number }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

function connectLive(t: TestServer, token = TEST_ADMIN_TOKEN): Promise<Socket> {
  const s = ioClient(t.server.url + "/live", { auth: { token }, transports: ["websocket"], reconnection: false });
  return new Promise((resolve, reject) => {
    s.once("connect", () => resolve(s));
    s.once("connect_error", (err) => reject(err));
  });
}

function subscribe(s: Socket, sub: unknown): Promise<any> {
  return new Promise((resolve) => s.emit("subscribe", sub, resolve));
}

describe.each(DATABASE_KINDS)("collar ingest on %s", (kind) => {
  let db: TestDatabase;
  let t: TestServer;
  let animalId: string;
  let collarToken: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await startTestServer(db);
    ({ animalId } = await deployedAnimal(t.api, "COL001"));
    const tok = await t.api.post("/api/v1/collars/COL001/token");
    expect(tok.status).toBe(201);
    expect(tok.body.collar).toBe("COL001");
    collarToken = tok.body.token;
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("applied migrations once; running them again applies nothing", async () => {
    const before = await count(t, "SELECT count(*) AS n FROM wt_migrations");
    expect(before).toBeGreaterThan(3);
    const again = await migrate(t.server.db);
    expect(again.applied).toEqual([]);
    expect(await count(t, "SELECT count(*) AS n FROM wt_migrations")).toBe(before);
  });

  it("1,000 fixes get exactly 1,000 acks and 1,000 rows; resending 200 adds none", async () => {
    const collar = await TestCollar.connect(t.wsUrl, collarToken);
    const fixes = makeFixes(1000);
    for (let i = 0; i < fixes.length; i += 100) collar.send({ type: "batch", fixes: fixes.slice(i, i + 100) });
    await collar.until(() => collar.acked.length >= 1000, 60_000, "1000 acks");
    await new Promise((r) => setTimeout(r, 200)); // no extra acks may follow
    expect(collar.acked).toHaveLength(1000);
    expect(new Set(collar.acked).size).toBe(1000);
    expect(collar.nacks).toEqual([]);
    expect(await count(t, "SELECT count(*) AS n FROM fixes WHERE collar_id = 'COL001'")).toBe(1000);

    // Resend 200 of them under new seqs (a new connection), as a collar does after reconnecting.
    const again = await TestCollar.connect(t.wsUrl, collarToken, "query");
    const resend = fixes.slice(300, 500).map((f, i) => ({ ...f, seq: 5000 + i }));
    again.send({ type: "batch", fixes: resend });
    await again.until(() => again.acked.length >= 200, 30_000, "200 acks for resends");
    expect(again.acked.sort((a, b) => a - b)).toEqual(resend.map((f) => f.seq));
    expect(await count(t, "SELECT count(*) AS n FROM fixes WHERE collar_id = 'COL001'")).toBe(1000);
    collar.close();
    again.close();
  });

  it("stores derived movement metrics with each fix", async () => {
    const { rows } = await t.server.db.query<{ step_m: number; interval_s: number; speed_kmh: number; animal_id: string }>(
      "SELECT step_m, interval_s, speed_kmh, animal_id FROM fixes WHERE collar_id = 'COL001' ORDER BY ts OFFSET 10 LIMIT 1",
    );
    expect(rows[0]!.animal_id).toBe(animalId);
    expect(Number(rows[0]!.interval_s)).toBeCloseTo(60, 3);
    expect(Number(rows[0]!.step_m)).toBeGreaterThan(0);
    expect(Number(rows[0]!.speed_kmh)).toBeCloseTo((Number(rows[0]!.step_m) / 60) * 3.6, 1);
  });

  it("nacks an invalid fix naming the field, and acks the valid one beside it", async () => {
    const collar = await TestCollar.connect(t.wsUrl, collarToken);
    const [ok] = makeFixes(1, Date.UTC(2026, 10, 21, 1), 1);
    collar.send({ type: "batch", fixes: [ok, { seq: 2, ts: "2026-11-21T01:05:00Z", lat: 123, lon: 35 }] });
    await collar.until(() => collar.acked.length === 1 && collar.nacks.length === 1, 20_000, "ack + nack");
    expect(collar.acked).toEqual([1]);
    expect(collar.nacks[0]).toMatchObject({ seq: 2, code: "invalid", errors: [{ path: "lat", message: "must be between -90 and 90" }] });
    collar.close();
  });

  it("a collar token may not send another collar's fixes", async () => {
    const collar = await TestCollar.connect(t.wsUrl, collarToken);
    collar.send({ type: "fix", seq: 1, collar: "COL999", ts: "2026-11-21T02:00:00Z", lat: -1.5, lon: 35 });
    await collar.until(() => collar.nacks.length === 1, 10_000, "nack");
    expect(collar.nacks[0]).toMatchObject({ seq: 1, code: "forbidden_collar" });
    collar.close();
  });

  it("quarantines (and acks) fixes of an unknown collar, and attaches them when it is deployed", async () => {
    const gw = await t.api.post("/api/v1/gateways", { name: "Mara base station" });
    expect(gw.status).toBe(201);
    const collar = await TestCollar.connect(t.wsUrl, gw.body.token);
    const fixes = makeFixes(25, Date.UTC(2026, 10, 19), 1, "COLNEW");
    collar.send({ type: "batch", fixes });
    await collar.until(() => collar.acked.length === 25, 20_000, "25 acks");
    expect(await count(t, "SELECT count(*) AS n FROM quarantined_fixes WHERE collar_id = 'COLNEW' AND reason = 'unknown_collar'")).toBe(25);
    expect(await count(t, "SELECT count(*) AS n FROM fixes WHERE collar_id = 'COLNEW'")).toBe(0);

    const { animalId: newAnimal } = await deployedAnimal(t.api, "COLNEW", { from: "2026-11-01T00:00:00Z" });
    expect(await count(t, "SELECT count(*) AS n FROM fixes WHERE collar_id = 'COLNEW' AND animal_id = $1", [newAnimal])).toBe(25);
    expect(await count(t, "SELECT count(*) AS n FROM quarantined_fixes WHERE collar_id = 'COLNEW' AND attached_at IS NULL")).toBe(0);
    collar.close();
  });

  it("a Socket.IO client subscribed to the animal receives its position", async () => {
    const live = await connectLive(t);
    const ack = await subscribe(live, { animals: [animalId] });
    expect(ack).toMatchObject({ ok: true, subscriptions: { animals: [animalId] } });
    const got = new Promise<any>((resolve) => live.on("position", (p) => p.ts === "2026-11-21T05:00:00.000Z" && resolve(p)));
    const collar = await TestCollar.connect(t.wsUrl, collarToken);
    collar.send({ type: "fix", seq: 1, ts: "2026-11-21T05:00:00Z", lat: -1.45, lon: 35.02, battery: 77 });
    const p = await got;
    expect(p).toMatchObject({ animal: animalId, collar: "COL001", species: "elephant", lat: -1.45, lon: 35.02, battery: 77 });
    live.close();
    collar.close();
  });

  it("bbox and herd subscriptions filter positions; invalid subscriptions are refused", async () => {
    const herd = await t.api.post("/api/v1/herds", { species_name: "Loxodonta africana", name: "Mara North" });
    const fam = await t.api.post("/api/v1/families", { herd_id: herd.body.id, friendly_name: "Matriarch Nkai" });
    await deployedAnimal(t.api, "COLHERD", { family_id: fam.body.id });
    const gw = await t.api.post("/api/v1/gateways", { name: "gw2" });

    const byHerd = await connectLive(t);
    const byBox = await connectLive(t);
    expect((await subscribe(byHerd, { herds: [herd.body.id] })).ok).toBe(true);
    expect((await subscribe(byBox, { bbox: [35.015, -1.46, 35.03, -1.44] })).ok).toBe(true);
    expect(await subscribe(byBox, { bbox: [36, -1, 37, -2] })).toMatchObject({ ok: false });
    expect(await subscribe(byBox, { nonsense: 1 })).toMatchObject({ ok: false });
    const herdSeen: any[] = [];
    const boxSeen: any[] = [];
    byHerd.on("position", (p) => herdSeen.push(p));
    byBox.on("position", (p) => boxSeen.push(p));

    const collar = await TestCollar.connect(t.wsUrl, gw.body.token);
    collar.send({ type: "fix", seq: 1, collar: "COLHERD", ts: "2026-11-21T06:00:00Z", lat: -1.5, lon: 35.1 }); // herd, outside box
    collar.send({ type: "fix", seq: 2, collar: "COL001", ts: "2026-11-21T06:00:00Z", lat: -1.451, lon: 35.021 }); // in box, not herd
    await collar.until(() => collar.acked.length === 2, 10_000, "acks");
    const deadline = Date.now() + 5000;
    while ((herdSeen.length === 0 || boxSeen.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(herdSeen.map((p) => p.collar)).toEqual(["COLHERD"]);
    expect(herdSeen[0].herd).toBe(herd.body.id);
    expect(boxSeen.map((p) => p.collar)).toEqual(["COL001"]);
    byHerd.close();
    byBox.close();
    collar.close();
  });

  it("refuses /live without a valid token", async () => {
    await expect(connectLive(t, "wrong")).rejects.toThrow(/unauthorized/);
  });

  it("refuses /ingest without a token (4401) and frames over 256 KiB (1009)", async () => {
    const anon = await TestCollar.connect(t.wsUrl, null);
    await anon.until(() => anon.closeCode !== null, 5000, "close");
    expect(anon.closeCode).toBe(4401);
    expect(anon.errors[0]?.code).toBe("unauthorized");

    const big = await TestCollar.connect(t.wsUrl, collarToken);
    big.sendRaw(JSON.stringify({ type: "batch", fixes: [], pad: "x".repeat(300 * 1024) }));
    await big.until(() => big.closeCode !== null, 5000, "close");
    expect(big.closeCode).toBe(1009);
    expect(big.errors[0]?.code).toBe("too_large");
  });

  it("answers bad frames with bad_frame and keeps the connection", async () => {
    const collar = await TestCollar.connect(t.wsUrl, collarToken);
    collar.send("not json");
    collar.sendRaw(Buffer.from([1, 2, 3]), true);
    collar.send({ type: "fix", seq: 9, ts: "2026-11-21T07:00:00Z", lat: -1.4, lon: 35 });
    await collar.until(() => collar.acked.includes(9), 10_000, "ack after bad frames");
    expect(collar.errors.map((e) => e.code)).toEqual(["bad_frame", "bad_frame"]);
    collar.close();
  });

  it("serves the track oldest first, and REST needs the right token", async () => {
    const track = await t.api.get(`/api/v1/animals/${animalId}/track?from=2026-11-20T06:00:00Z&to=2026-11-20T07:00:00Z&limit=20`);
    expect(track.status).toBe(200);
    expect(track.body.items).toHaveLength(20);
    const ts = track.body.items.map((p: { ts: string }) => p.ts);
    expect([...ts].sort()).toEqual(ts);
    const next = await t.api.get(`/api/v1/animals/${animalId}/track?from=2026-11-20T06:00:00Z&to=2026-11-20T07:00:00Z&limit=20&cursor=${track.body.next_cursor}`);
    expect(next.body.items[0].ts > ts[19]).toBe(true);
    expect(next.body.items).toHaveLength(20);
    const last = await t.api.get(`/api/v1/animals/${animalId}/track?from=2026-11-20T06:00:00Z&to=2026-11-20T07:00:00Z&limit=20&cursor=${next.body.next_cursor}`);
    expect(last.body.items).toHaveLength(20); // 60 one-minute fixes in the hour
    expect(last.body.next_cursor).toBeNull();

    expect((await t.api.get("/api/v1/animals", null)).status).toBe(401);
    const denied = await t.api.get("/api/v1/animals", collarToken);
    expect(denied.status).toBe(403);
    expect(denied.headers.get("content-type")).toContain("application/problem+json");
    const bad = await t.api.post("/api/v1/animals", { species: 5 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["name", "species"]);
    expect((await t.api.get("/api/v1/animals/")).status).toBe(200); // trailing slash
    expect((await t.api.get("/api/v1/animals/nope")).status).toBe(404);
  });

  it("health, readiness and metrics", async () => {
    expect((await t.api.get("/health", null)).body).toEqual({ status: "ok" });
    const ready = await t.api.get("/health/ready", null);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.database.ok).toBe(true);
    expect(ready.body.checks.workers).toMatchObject({ ok: true }); // a real round trip through a model worker
    const metrics = await t.api.get("/metrics", null);
    for (const name of ["wt_pool_threads", "wt_pool_queue_size", "wt_pool_tasks_completed_total", "wt_pool_tasks_failed_total", "wt_fixes_received_total", "wt_fixes_acked_total", "wt_fixes_nacked_total", "wt_fixes_quarantined_total", "wt_writer_queue_depth", "wt_writer_lag_seconds", "wt_actors_live", "wt_live_broadcasts_total"]) {
      expect(metrics.body).toContain(name);
    }
    expect(Number(/wt_fixes_acked_total (\d+)/.exec(metrics.body)?.[1])).toBeGreaterThanOrEqual(1200);
  });
});
