// Alert delivery end to end against a real database: persisted once, then Socket.IO (/alerts with
// filters, and /live), Redis stream wt:alerts, and signed webhooks with retries, timeouts and dead
// letters; plus the alerts and webhooks REST endpoints of a real server. Then, on a database of their
// own (no server dispatcher competing for deliveries): the SSRF guard on webhook targets, redirects
// not followed, and deleting a webhook cancelling its queued deliveries.
import { createHmac } from "node:crypto";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { Server as SocketServer } from "socket.io";
import uws from "uWebSockets.js";
import { io as ioClient, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAlerting, type Alerting } from "../../alerts/alert-bus.ts";
import type { DispatcherOptions } from "../../alerts/webhook-dispatcher.ts";
import type { Database } from "../../store/database.ts";
import { migrate } from "../../store/migrate.ts";
import { openDatabase } from "../../store/open-database.ts";
import type { Alert } from "../../store/repos/alerts.ts";
import { createWebhook, deleteWebhook, listDeliveries } from "../../store/repos/webhooks.ts";
import { listen } from "../../gateway/app.ts";
import { LiveHub } from "../../gateway/live.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.ts";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../helpers/server.ts";
import { userWithToken } from "../helpers/users.ts";
import { until, webhookReceiver as receiver, type Received } from "../helpers/webhook-receiver.ts";

const SECRET = "s3cret-for-webhook-tests-0001";
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

const verify = (r: Received) => r.headers["x-wt-signature"] === `sha256=${createHmac("sha256", SECRET).update(r.body, "utf8").digest("hex")}`;

let seq = 0;
const uniqueKind = (base: string) => `${base}_${Date.now().toString(36)}_${++seq}`;

describe.each(DATABASE_KINDS)("alerts on %s", (kind) => {
  let db: TestDatabase;
  let t: TestServer;
  let ioListen: uws.us_listen_socket;
  let io: SocketServer;
  let ioUrl: string;
  let redis: Redis;
  let alerting: Alerting;
  let live: LiveHub;
  const sockets: Socket[] = [];
  const receivers: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    // The receivers are on 127.0.0.1: a private address, refused unless allowed.
    t = await startTestServer(db, { WT_WEBHOOK_ALLOW_PRIVATE: "1" });
    // The server does not wire alerting yet (the lead does, in server.ts): run the factory with the
    // server's database and tokens and a Socket.IO server of our own on uWS (same setup as gateway/app.ts;
    // socket.io's uWS support patches its adapter process-wide, so a node:http one cannot coexist).
    const app = uws.App();
    io = new SocketServer({ serveClient: false, cors: { origin: false } });
    io.attachApp(app);
    live = new LiveHub(io, t.server.services.tokens, 0, { broadcast: () => {} });
    const l = await listen(app, "127.0.0.1", 0);
    ioListen = l.socket;
    ioUrl = `http://127.0.0.1:${l.port}`;
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    alerting = startAlerting({
      db: t.server.db,
      io,
      tokens: t.server.services.tokens,
      redis,
      log: () => {},
      webhooks: { pollMs: 20, baseDelayMs: 20, maxDelayMs: 200, timeoutMs: 1000, maxAttempts: 5, perWebhook: 2, allowPrivate: true },
    });
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await alerting?.close();
    for (const r of receivers) await r.close();
    live?.close();
    io?.close();
    if (ioListen) uws.us_listen_socket_close(ioListen);
    redis?.disconnect();
    await t?.server.close();
    await db?.drop();
  });

  const hook = async (url: string, kinds: string[]) => {
    const r = await t.api.post("/api/v1/webhooks", { url, secret: SECRET, kinds });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const deliveries = async (id: string) => (await t.api.get(`/api/v1/webhooks/${id}/deliveries`)).body.items as Array<Record<string, any>>;
  const connect = async (ns: string, token: string | null = TEST_ADMIN_TOKEN) => {
    const s = ioClient(ioUrl + ns, { auth: token ? { token } : {}, transports: ["websocket"], reconnection: false });
    sockets.push(s);
    await new Promise<void>((resolve, reject) => {
      s.on("connect", () => resolve());
      s.on("connect_error", (e) => reject(e));
    });
    return s;
  };

  it("a receiver failing 3 times then succeeding gets the alert exactly once after retries, signed", async () => {
    const k = uniqueKind("risk_enter");
    const r = await receiver((n) => (n <= 3 ? 500 : 200));
    receivers.push(r);
    const id = await hook(r.url, [k]);
    const { alert, created } = await alerting.publish({ kind: k, severity: "high", animal: "ani_x", herd: "hrd_x", fence: "rz_1", ts: "2026-11-21T10:00:00Z", lat: -1.4, lon: 35.01, detail: { fix: 17 } });
    expect(created).toBe(true);
    const log = await until("delivered", async () => {
      const d = await deliveries(id);
      return d[0]?.status === "delivered" && d;
    });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ alert_id: alert.id, attempt: 4, http_status: 200, status: "delivered", error: null });
    expect(r.got).toHaveLength(4);
    // Every attempt carried the same body, correctly signed; the 4th is the one that succeeded.
    for (const g of r.got) {
      expect(verify(g)).toBe(true);
      expect(JSON.parse(g.body)).toEqual(alert);
    }
    expect(r.got.map((g) => g.headers["x-wt-attempt"])).toEqual(["1", "2", "3", "4"]);
    expect(JSON.parse(r.got[3]!.body)).toMatchObject({ id: alert.id, kind: k, severity: "high", animal: "ani_x", herd: "hrd_x", fence: "rz_1", ts: "2026-11-21T10:00:00.000Z", lat: -1.4, lon: 35.01, detail: { fix: 17 }, acked_by: null, acked_at: null });
    await new Promise((res) => setTimeout(res, 300));
    expect(r.got).toHaveLength(4); // nothing after the 2xx
  });

  it("a hanging receiver delays neither publish() nor another webhook's delivery; it times out and retries", async () => {
    const k = uniqueKind("fence_cross");
    const hang = await receiver(() => null);
    const fast = await receiver(() => 204);
    receivers.push(hang, fast);
    const hangId = await hook(hang.url, [k]);
    const fastId = await hook(fast.url, [k]);
    // Several alerts so the hanging webhook fills its own slots.
    const t0 = Date.now();
    const published: Alert[] = [];
    for (let i = 0; i < 5; i++) published.push((await alerting.publish({ kind: k, ts: Date.now(), animal: `ani_${i}` })).alert);
    expect(Date.now() - t0).toBeLessThan(900); // well under the 1 s webhook timeout
    await until("fast receiver got all 5", () => fast.got.length >= 5, 900); // before the hanging one could even time out
    expect(new Set(fast.got.map((g) => JSON.parse(g.body).id))).toEqual(new Set(published.map((a) => a.id)));
    expect(hang.got.length).toBeLessThanOrEqual(2); // at most perWebhook requests in flight
    const fastLog = await until("fast log delivered", async () => {
      const d = await deliveries(fastId);
      return d.length === 5 && d.every((x) => x.status === "delivered") && d;
    });
    expect(fastLog.every((x) => x.http_status === 204)).toBe(true);
    const hangLog = await until("hanging delivery timed out", async () => {
      const d = await deliveries(hangId);
      return d.some((x) => x.status === "failed" && /timeout/.test(String(x.error))) && d;
    }, 5000);
    expect(hangLog).toHaveLength(5);
    expect((await t.api.call("DELETE", `/api/v1/webhooks/${hangId}`)).status).toBe(204); // stop its retries
    // Nothing was delivered: all five are cancelled, the two in flight included, and stay so when those time out.
    expect((await deliveries(hangId)).map((x) => x.status)).toEqual(Array(5).fill("cancelled"));
    await new Promise((res) => setTimeout(res, 1200));
    expect((await deliveries(hangId)).map((x) => x.status)).toEqual(Array(5).fill("cancelled"));
  });

  it("keeps queued deliveries across a restart of the dispatcher (durable queue)", async () => {
    const k = uniqueKind("low_battery");
    let up = false;
    const r = await receiver(() => (up ? 200 : 500));
    receivers.push(r);
    const id = await hook(r.url, [k]);
    // A dispatcher that retries only after a long backoff, then "crashes" (closes) with the delivery queued.
    const first = startAlerting({ db: t.server.db, log: () => {}, webhooks: { pollMs: 20, baseDelayMs: 60_000, maxAttempts: 5, allowPrivate: true } });
    const { alert } = await first.publish({ kind: k, ts: Date.now() });
    await until("first attempt failed", async () => (await deliveries(id))[0]?.status === "failed");
    await first.close();
    up = true;
    await t.server.db.query("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE webhook_id = $1", [id]); // the backoff has passed
    const log = await until("delivered by the main dispatcher", async () => {
      const d = await deliveries(id);
      return d[0]?.status === "delivered" && d;
    });
    // The server's own dispatcher shares this queue and may also have tried while the receiver was
    // down: what matters is one request per attempt, the last one the success, nothing after it.
    expect(log[0]).toMatchObject({ alert_id: alert.id, status: "delivered" });
    expect(log[0]!.attempt).toBeGreaterThanOrEqual(2);
    await new Promise((res) => setTimeout(res, 200));
    expect(r.got).toHaveLength(log[0]!.attempt);
  });

  it("gives up after maxAttempts: the delivery is dead and kept in the log", async () => {
    const k = uniqueKind("immobility");
    const r = await receiver(() => 503);
    receivers.push(r);
    const id = await hook(r.url, [k]);
    const before = alerting.metrics().webhooks.dead;
    await alerting.publish({ kind: k, ts: Date.now() });
    const log = await until("dead", async () => {
      const d = await deliveries(id);
      return d[0]?.status === "dead" && d;
    });
    expect(log[0]).toMatchObject({ attempt: 5, http_status: 503, error: "HTTP 503", next_attempt_at: null });
    expect(r.got).toHaveLength(5);
    expect(alerting.metrics().webhooks.dead).toBe(before + 1);
    await new Promise((res) => setTimeout(res, 300));
    expect(r.got).toHaveLength(5);
  });

  it("stores a republished alert once and delivers it once", async () => {
    const k = uniqueKind("collar_offline");
    const r = await receiver(() => 200);
    receivers.push(r);
    await hook(r.url, [k]);
    const input = { kind: k, ts: Date.now(), collar: "COL9", dedupe_key: `offline:COL9:${k}` };
    const first = await alerting.publish(input);
    const second = await alerting.publish(input);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.alert).toEqual(first.alert);
    const { rows } = await t.server.db.query<{ n: string }>("SELECT count(*) AS n FROM alerts WHERE kind = $1", [k]);
    expect(Number(rows[0]!.n)).toBe(1);
    await until("delivered", () => r.got.length === 1);
    await new Promise((res) => setTimeout(res, 200));
    expect(r.got).toHaveLength(1);
    expect(alerting.metrics().duplicates).toBeGreaterThanOrEqual(1);
  });

  it("emits on /alerts (token required, subscribe filters) and on /live, and appends to wt:alerts", async () => {
    await expect(connect("/alerts", null)).rejects.toThrow(/unauthorized/);
    const viewer = (await userWithToken(t, "viewer")).token;
    const all = await connect("/alerts", viewer);
    const filtered = await connect("/alerts");
    const liveSocket = await connect("/live");
    const k = uniqueKind("speed_anomaly");
    const ack = await filtered.emitWithAck("subscribe", { kinds: [k], herds: ["hrd_a"] });
    expect(ack).toMatchObject({ ok: true, filter: { kinds: [k], herds: ["hrd_a"], animals: null } });
    expect((await filtered.emitWithAck("subscribe", { kinds: "nope" })).ok).toBe(false);

    const onAll: Alert[] = [];
    const onFiltered: Alert[] = [];
    const onLive: Alert[] = [];
    all.on("alert", (a: Alert) => onAll.push(a));
    filtered.on("alert", (a: Alert) => onFiltered.push(a));
    liveSocket.on("alert", (a: Alert) => onLive.push(a));

    const a1 = (await alerting.publish({ kind: k, herd: "hrd_a", animal: "ani_a", ts: Date.now() })).alert;
    const a2 = (await alerting.publish({ kind: k, herd: "hrd_b", animal: "ani_b", ts: Date.now() })).alert;
    const a3 = (await alerting.publish({ kind: uniqueKind("low_battery"), herd: "hrd_a", ts: Date.now() })).alert;
    await until("all socket got 3", () => onAll.length >= 3);
    await until("live socket got 3", () => onLive.length >= 3);
    await new Promise((res) => setTimeout(res, 100));
    expect(onAll.map((a) => a.id)).toEqual([a1.id, a2.id, a3.id]);
    expect(onLive.map((a) => a.id)).toEqual([a1.id, a2.id, a3.id]);
    expect(onFiltered.map((a) => a.id)).toEqual([a1.id]);
    expect(onAll[0]).toEqual(a1); // same shape as the REST items

    const entries = await redis.xrevrange("wt:alerts", "+", "-", "COUNT", 50);
    const ids = entries.map(([, fields]) => JSON.parse(fields[fields.indexOf("alert") + 1]!).id);
    expect(ids).toEqual(expect.arrayContaining([a1.id, a2.id, a3.id]));
    expect(alerting.metrics().redisErrors).toBe(0);
  });

  it("lists, filters, paginates and acknowledges alerts over REST; webhooks validate and hide secrets", async () => {
    const k = uniqueKind("risk_dwell");
    const base = Date.parse("2026-05-01T00:00:00Z");
    const made: Alert[] = [];
    for (let i = 0; i < 5; i++) made.push((await alerting.publish({ kind: k, animal: i % 2 ? "ani_odd" : "ani_even", ts: base + i * 60_000 })).alert);
    const list = await t.api.get(`/api/v1/alerts?kind=${k}`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: Alert) => a.id)).toEqual(made.map((a) => a.id).reverse()); // newest first
    const odd = await t.api.get(`/api/v1/alerts?kind=${k}&animal=ani_odd`);
    expect(odd.body.items.map((a: Alert) => a.id)).toEqual([made[3]!.id, made[1]!.id]);
    const window = await t.api.get(`/api/v1/alerts?kind=${k}&from=${new Date(base + 60_000).toISOString()}&to=${base + 3 * 60_000}`);
    expect(window.body.items.map((a: Alert) => a.id)).toEqual([made[2]!.id, made[1]!.id]);
    // Pagination newest first, with a cursor.
    const p1 = await t.api.get(`/api/v1/alerts?kind=${k}&limit=2`);
    const p2 = await t.api.get(`/api/v1/alerts?kind=${k}&limit=2&cursor=${p1.body.next_cursor}`);
    const p3 = await t.api.get(`/api/v1/alerts?kind=${k}&limit=2&cursor=${p2.body.next_cursor}`);
    expect([...p1.body.items, ...p2.body.items, ...p3.body.items].map((a: Alert) => a.id)).toEqual(made.map((a) => a.id).reverse());
    expect(p3.body.next_cursor).toBeNull();
    expect((await t.api.get("/api/v1/alerts?acked=maybe")).status).toBe(400);
    expect((await t.api.get("/api/v1/alerts?cursor=bogus")).status).toBe(400);

    // Ack: ranger+, idempotent (the first acknowledgement is kept).
    const viewer = (await userWithToken(t, "viewer")).token;
    const rangerUser = await userWithToken(t, "ranger");
    const ranger = rangerUser.token;
    expect((await t.api.post(`/api/v1/alerts/${made[0]!.id}/ack`, {}, viewer)).status).toBe(403);
    expect((await t.api.get(`/api/v1/alerts?kind=${k}`, viewer)).status).toBe(200);
    const acked = await t.api.post(`/api/v1/alerts/${made[0]!.id}/ack`, {}, ranger);
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ id: made[0]!.id, acked_by: rangerUser.id });
    expect(Date.parse(acked.body.acked_at)).toBeGreaterThan(0);
    const again = await t.api.post(`/api/v1/alerts/${made[0]!.id}/ack`, {});
    expect(again.body).toEqual(acked.body);
    expect((await t.api.post("/api/v1/alerts/alt_nope/ack", {})).status).toBe(404);
    expect((await t.api.get(`/api/v1/alerts?kind=${k}&acked=true`)).body.items.map((a: Alert) => a.id)).toEqual([made[0]!.id]);
    expect((await t.api.get(`/api/v1/alerts?kind=${k}&acked=false`)).body.items).toHaveLength(4);

    // Webhooks: validation, secret never returned, manager+, delete.
    const bad = await t.api.post("/api/v1/webhooks", { url: "ftp://example.org/x", secret: "short", kinds: [] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["secret", "url"]);
    expect((await t.api.post("/api/v1/webhooks", { url: "not a url", secret: SECRET })).status).toBe(400);
    // Cloud metadata (link-local) is refused even with private targets allowed, in any spelling.
    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://[::ffff:169.254.169.254]/", "http://0xa9fea9fe/"]) {
      const metadata = await t.api.post("/api/v1/webhooks", { url, secret: SECRET });
      expect(metadata.status).toBe(400);
      expect(metadata.body.errors).toEqual([{ path: "url", message: expect.stringMatching(/^refused: .* is a forbidden address \(link-local, cloud metadata/) }]);
    }
    expect((await t.api.post("/api/v1/webhooks", { url: "https://example.org/hook", secret: SECRET }, ranger)).status).toBe(403);
    const created = await t.api.post("/api/v1/webhooks", { url: "https://example.org/hook", secret: SECRET });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: "https://example.org/hook", kinds: [], secret_hint: `…${SECRET.slice(-4)}` });
    expect(JSON.stringify(created.body)).not.toContain(SECRET);
    const hooks = await t.api.get("/api/v1/webhooks");
    expect(hooks.body.items.some((h: { id: string }) => h.id === created.body.id)).toBe(true);
    expect(JSON.stringify(hooks.body)).not.toContain(SECRET);
    expect((await t.api.call("DELETE", `/api/v1/webhooks/${created.body.id}`)).status).toBe(204);
    expect((await t.api.call("DELETE", `/api/v1/webhooks/${created.body.id}`)).status).toBe(404);
    expect((await t.api.get("/api/v1/webhooks")).body.items.some((h: { id: string }) => h.id === created.body.id)).toBe(false);
    expect((await t.api.get("/api/v1/webhooks/whk_nope/deliveries")).status).toBe(404);
  });
});

describe.each(DATABASE_KINDS)("webhook targets and cancellation on %s", (kind) => {
  let tdb: TestDatabase;
  let db: Database;
  const receivers: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    tdb = await createTestDatabase(kind);
    db = await openDatabase({ databaseUrl: tdb.url, dataDir: tdb.dataDir });
    await migrate(db);
  });

  afterAll(async () => {
    for (const r of receivers) await r.close();
    await db?.close();
    await tdb?.drop();
  });

  const fast: DispatcherOptions = { pollMs: 20, baseDelayMs: 20, maxDelayMs: 100, timeoutMs: 1000, maxAttempts: 2 };
  /** Runs `fn` with an alerting instance of its own (one at a time: each test owns the queue). */
  const withAlerting = async <T>(webhooks: DispatcherOptions, fn: (a: Alerting) => Promise<T>): Promise<T> => {
    const a = startAlerting({ db, log: () => {}, webhooks });
    try {
      return await fn(a);
    } finally {
      await a.close();
    }
  };
  const log = async (webhookId: string) => (await listDeliveries(db, webhookId, 50)).items;
  const hookTo = async (url: string, k: string) => (await createWebhook(db, { url, secret: SECRET, kinds: [k] })).id;

  it("refuses a 127.0.0.1 receiver unless private targets are allowed: never contacted, the log says why", async () => {
    const k = uniqueKind("risk_enter");
    const r = await receiver(() => 200);
    receivers.push(r);
    const id = await hookTo(r.url, k); // stored directly: REST would refuse it already
    await withAlerting(fast, async (a) => {
      await a.publish({ kind: k, ts: Date.now() });
      const [d] = await until("dead after 2 refused attempts", async () => {
        const l = await log(id);
        return l[0]?.status === "dead" && l;
      });
      expect(d).toMatchObject({ attempt: 2, http_status: null, error: "refused: 127.0.0.1 is a private address (loopback); set WT_WEBHOOK_ALLOW_PRIVATE=1 to allow" });
    });
    expect(r.got).toHaveLength(0);
  });

  it("refuses a hostname after resolution (localhost), so DNS cannot smuggle in a private address", async () => {
    const k = uniqueKind("risk_enter");
    const r = await receiver(() => 200);
    receivers.push(r);
    const id = await hookTo(`http://localhost:${r.port}/hook`, k);
    await withAlerting(fast, async (a) => {
      await a.publish({ kind: k, ts: Date.now() });
      const [d] = await until("dead after 2 refused attempts", async () => {
        const l = await log(id);
        return l[0]?.status === "dead" && l;
      });
      expect(d!.http_status).toBeNull();
      expect(d!.error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), a private address \(loopback\); set WT_WEBHOOK_ALLOW_PRIVATE=1 to allow$/);
    });
    expect(r.got).toHaveLength(0);
    // The same hostname is delivered to when private targets are allowed (the guard, not DNS, refused it).
    const k2 = uniqueKind("risk_enter");
    const id2 = await hookTo(`http://localhost:${r.port}/hook`, k2);
    await withAlerting({ ...fast, allowPrivate: true }, async (a) => {
      await a.publish({ kind: k2, ts: Date.now() });
      await until("delivered via localhost", async () => (await log(id2))[0]?.status === "delivered");
    });
    expect(r.got).toHaveLength(1);
  });

  it("does not follow a redirect: a 302 is a failed attempt and the Location is never requested", async () => {
    const k = uniqueKind("fence_cross");
    const elsewhere = await receiver(() => 200);
    const redirecting = await receiver(() => ({ status: 302, headers: { Location: elsewhere.url } }));
    receivers.push(elsewhere, redirecting);
    const id = await hookTo(redirecting.url, k);
    await withAlerting({ ...fast, allowPrivate: true }, async (a) => {
      await a.publish({ kind: k, ts: Date.now() });
      const [d] = await until("dead", async () => {
        const l = await log(id);
        return l[0]?.status === "dead" && l;
      });
      expect(d).toMatchObject({ attempt: 2, http_status: 302, error: "HTTP 302 (redirects are not followed)" });
    });
    expect(redirecting.got).toHaveLength(2);
    expect(elsewhere.got).toHaveLength(0);
  });

  it("deleting a webhook cancels its pending, failed and in-flight deliveries; a late 2xx does not revive one", async () => {
    const k = uniqueKind("immobility");
    let releaseInFlight: (() => void) | null = null;
    let answered = false;
    // 1st request fails (then waits a long backoff); the 2nd is held open until the webhook is deleted.
    const server: HttpServer = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (!releaseInFlight && answered) {
          releaseInFlight = () => res.writeHead(200).end("ok");
          return;
        }
        answered = true;
        res.writeHead(500).end("no");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    receivers.push({ close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) });
    const id = await hookTo(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, k);
    await withAlerting({ ...fast, allowPrivate: true, perWebhook: 1, baseDelayMs: 60_000, maxAttempts: 5 }, async (a) => {
      const failed = (await a.publish({ kind: k, ts: Date.now(), animal: "ani_1" })).alert;
      await until("first failed", async () => (await log(id))[0]?.status === "failed");
      const inFlight = (await a.publish({ kind: k, ts: Date.now(), animal: "ani_2" })).alert;
      await until("second in flight", () => releaseInFlight !== null);
      const pending = (await a.publish({ kind: k, ts: Date.now(), animal: "ani_3" })).alert; // waits: one request per webhook
      const before = await log(id);
      expect(Object.fromEntries(before.map((d) => [d.alert_id, d.status]))).toEqual({ [failed.id]: "failed", [inFlight.id]: "pending", [pending.id]: "pending" });

      expect(await deleteWebhook(db, id)).toBe(true);
      const after = await log(id);
      expect(after.map((d) => d.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
      expect(after.every((d) => d.next_attempt_at === null)).toBe(true);
      expect(after.find((d) => d.alert_id === failed.id)).toMatchObject({ attempt: 1, http_status: 500, error: "HTTP 500" }); // its history is kept

      // The held request now succeeds: the dispatcher's late mark must not turn it back into delivered.
      const delivered = a.metrics().webhooks.delivered;
      releaseInFlight!();
      await until("in-flight request finished", () => a.metrics().webhooks.inFlight === 0);
      await new Promise((res) => setTimeout(res, 100));
      expect((await log(id)).map((d) => d.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
      expect((await log(id)).find((d) => d.alert_id === inFlight.id)).toMatchObject({ attempt: 0, delivered_at: null });
      expect(a.metrics().webhooks.delivered).toBe(delivered);
      expect(await deleteWebhook(db, id)).toBe(false); // already deleted
    });
  });
});
