// Alerts raised by live fixes through the real /ingest socket, end to end: risk-zone dwell, the
// analyzers (immobility, speed anomaly, low battery), collar_offline for live and passivated animals
// (and across restarts), a webhook receiver that fails three times, and a hanging receiver that must
// not hold up ingest or other webhooks.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destinationPoint } from "../../engine/geo.ts";
import { TestCollar } from "../helpers/collar-client.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";
import { until, webhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.ts";

const T0 = Date.UTC(2026, 10, 20, 6);
const MIN = 60_000;
const SECRET = "scenario-webhook-secret-0001";
const square = (w: number, s: number, e: number, n: number) => [[[w, s], [e, s], [e, n], [w, n], [w, s]]];

interface Fix {
  lon: number;
  lat: number;
  battery?: number;
}
interface AlertItem {
  id: string;
  kind: string;
  ts: string;
  fence: string | null;
  animal: string;
  detail: Record<string, unknown>;
}

describe("alerts from live fixes: dwell, analyzers, offline, webhooks (PostgreSQL)", () => {
  let db: TestDatabase;
  let t: TestServer;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    // Offline checks every second; the fixes below are a day old, so silence is noticed at once.
    t = await startTestServer(db, { WT_OFFLINE_CHECK_S: "1", WT_WEBHOOK_ALLOW_PRIVATE: "1" }, { webhooks: { baseDelayMs: 50, maxDelayMs: 400, pollMs: 50 } });
  });

  afterAll(async () => {
    await t?.server.close();
    for (const r of receivers) await r.close();
    await db?.drop();
  });

  async function stream(collar: string, points: Fix[], every: number, from = T0) {
    const token = (await t.api.post(`/api/v1/collars/${collar}/token`)).body.token;
    const c = await TestCollar.connect(t.wsUrl, token);
    const fixes = points.map((p, i) => ({ seq: i + 1, ts: new Date(from + i * every).toISOString(), lat: p.lat, lon: p.lon, ...(p.battery !== undefined ? { battery: p.battery } : {}) }));
    for (let i = 0; i < fixes.length; i += 500) c.send({ type: "batch", fixes: fixes.slice(i, i + 500) });
    await c.until(() => c.acked.length === fixes.length, 30_000, "acks");
    c.close();
    return fixes;
  }

  async function alertsOf(animal: string, kind?: string): Promise<AlertItem[]> {
    const items: AlertItem[] = (await t.api.get(`/api/v1/alerts?animal=${animal}&limit=1000${kind ? `&kind=${kind}` : ""}`)).body.items;
    return items.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  }

  /** Waits until `kind` alerts of the animal stop changing for a moment and returns them. */
  async function settledAlerts(animal: string, kind: string, atLeast: number): Promise<AlertItem[]> {
    await until(`${atLeast} ${kind} alerts`, async () => (await alertsOf(animal, kind)).length >= atLeast);
    await new Promise((r) => setTimeout(r, 300));
    return alertsOf(animal, kind);
  }

  it("dwell: staying in a risk zone gives risk_enter, then one risk_dwell at dwell_s", async () => {
    const zone = (await t.api.post("/api/v1/risk-zones", { name: "Maize farm", geometry: { type: "Polygon", coordinates: square(36.4, -1.3, 36.45, -1.25) }, rules: { dwell_s: 1800 } })).body.id;
    const { animalId } = await deployedAnimal(t.api, "DWELL1");
    // Outside, then inside for 70 minutes (fixes every 10 min), ambling around the middle.
    const points: Fix[] = [{ lon: 36.395, lat: -1.275 }];
    for (let i = 0; i < 8; i++) points.push({ lon: 36.42 + (i % 3) * 0.001, lat: -1.275 + (i % 2) * 0.001 });
    const fixes = await stream("DWELL1", points, 10 * MIN);
    const enter = await settledAlerts(animalId, "risk_enter", 1);
    const dwell = await settledAlerts(animalId, "risk_dwell", 1);
    expect(enter.map((a) => [a.fence, a.ts])).toEqual([[zone, fixes[1]!.ts]]);
    // Entered at fix 1; the first fix ≥ 30 min later is fix 4.
    expect(dwell.map((a) => [a.fence, a.ts])).toEqual([[zone, fixes[4]!.ts]]);
    expect(dwell[0]!.detail).toMatchObject({ threshold_s: 1800, dwell_s: 1800 });
    expect(await alertsOf(animalId, "risk_exit")).toEqual([]);
  });

  it("immobility: within 13 m for 5 h raises one critical alert; walking on re-arms", async () => {
    const { animalId } = await deployedAnimal(t.api, "STILL1");
    const still = (lat: number, n: number): Fix[] => Array.from({ length: n }, (_, i) => ({ lon: 36.8, lat: lat + ((i % 3) - 1) * 3e-5 })); // ±3.3 m
    // 12 still fixes 30 min apart (5.5 h), 2 km of walking, then 12 more still fixes.
    const walk: Fix[] = [1, 2, 3, 4].map((k) => ({ lon: 36.8, lat: -1.5 + k * 0.0035 })); // ends 440 m short of the second spot
    const fixes = await stream("STILL1", [...still(-1.5, 12), ...walk, ...still(-1.482, 12)], 30 * MIN);
    const alerts = await settledAlerts(animalId, "immobility", 2);
    expect(alerts.map((a) => a.ts)).toEqual([fixes[10]!.ts, fixes[16 + 10]!.ts]);
    expect(alerts[0]!.detail).toMatchObject({ since: T0, duration_s: 18000, radius_m: 13 });
  });

  it("speed_anomaly and low_battery through ingest; normal walking and a healthy battery give nothing", async () => {
    const { animalId } = await deployedAnimal(t.api, "CHASE1");
    let p = { lat: -1.7, lon: 36.2 };
    const points: Fix[] = [{ ...p, battery: 90 }];
    // 12 steps of 1.5 km per 30 min (3 km/h), one of 9 km (18 km/h: chased), 5 more walking steps.
    const steps = [...Array(12).fill(1500), 9000, ...Array(5).fill(1500)];
    steps.forEach((m, i) => {
      p = destinationPoint(p.lat, p.lon, 90, m);
      points.push({ ...p, battery: i < 14 ? 80 - i : 12 });
    });
    const fixes = await stream("CHASE1", points, 30 * MIN);
    const speed = await settledAlerts(animalId, "speed_anomaly", 1);
    expect(speed.map((a) => a.ts)).toEqual([fixes[13]!.ts]);
    expect(speed[0]!.detail.speed_kmh as number).toBeCloseTo(18, 0);
    const battery = await settledAlerts(animalId, "low_battery", 1);
    expect(battery.map((a) => a.ts)).toEqual([fixes[15]!.ts]);
  });

  it("collar_offline: a live animal and, after restarts, a passivated one are each alerted once", async () => {
    const { animalId } = await deployedAnimal(t.api, "QUIET1");
    // Hourly fixes a day ago, then nothing.
    const fixes = await stream("QUIET1", Array.from({ length: 6 }, (_, i) => ({ lon: 36.6, lat: -2 - i * 0.001 })), 60 * MIN);
    const offline = await settledAlerts(animalId, "collar_offline", 1);
    expect(offline).toHaveLength(1);
    expect(offline[0]!.detail).toMatchObject({ last_fix_ts: fixes[5]!.ts, usual_interval_s: 3600, limit_s: 3 * 3600 });

    // A collar streamed to a server that never checks, then a server that only knows it from storage.
    const url = db.url!;
    await t.server.close();
    t = await startTestServer(db, { WT_OFFLINE_CHECK_S: "3600", WT_WEBHOOK_ALLOW_PRIVATE: "1" });
    const { animalId: passive } = await deployedAnimal(t.api, "QUIET2");
    const quiet2 = await stream("QUIET2", Array.from({ length: 6 }, (_, i) => ({ lon: 36.7, lat: -2 - i * 0.001 })), 20 * MIN);
    await t.server.close();
    expect(url).toBe(db.url);
    t = await startTestServer(db, { WT_OFFLINE_CHECK_S: "1", WT_WEBHOOK_ALLOW_PRIVATE: "1" }, { webhooks: { baseDelayMs: 50, maxDelayMs: 400, pollMs: 50 } });
    const seeded = await settledAlerts(passive, "collar_offline", 1);
    expect(seeded.map((a) => a.detail.last_fix_ts)).toEqual([quiet2[5]!.ts]);
    expect(seeded[0]!.detail.usual_interval_s).toBe(1200);
    // The restarted server checked QUIET1 again from storage: still one alert for that silence.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await alertsOf(animalId, "collar_offline")).toHaveLength(1);
  });

  it("a webhook receiver failing 3 times then succeeding gets the alert exactly once, signed; a hanging receiver does not hold up ingest or others", async () => {
    const flaky = await webhookReceiver((n) => (n <= 3 ? 503 : 200));
    const hanging = await webhookReceiver(() => null);
    const healthy = await webhookReceiver(() => 204);
    receivers.push(flaky, hanging, healthy);
    const hook = async (url: string, kinds: string[]) => {
      const r = await t.api.post("/api/v1/webhooks", { url, secret: SECRET, kinds });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id as string;
    };
    const flakyHook = await hook(flaky.url, ["low_battery"]);
    await hook(hanging.url, []);
    await hook(healthy.url, ["risk_enter", "risk_exit"]);

    const { animalId } = await deployedAnimal(t.api, "HOOK01");
    await stream("HOOK01", [{ lon: 37.5, lat: -1, battery: 50 }, { lon: 37.5, lat: -1.001, battery: 9 }], 30 * MIN);
    const [alert] = await settledAlerts(animalId, "low_battery", 1);
    await until("the 4th attempt", () => flaky.got.length >= 4);
    await new Promise((r) => setTimeout(r, 800)); // no 5th attempt after the success
    expect(flaky.got).toHaveLength(4);
    for (const r of flaky.got) {
      expect(JSON.parse(r.body).id).toBe(alert!.id);
      expect(r.headers["x-wt-signature"]).toBe(`sha256=${createHmac("sha256", SECRET).update(r.body).digest("hex")}`);
    }
    const log = (await t.api.get(`/api/v1/webhooks/${flakyHook}/deliveries`)).body.items;
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ status: "delivered", attempt: 4, alert_id: alert!.id });
    // Per-webhook delivery metrics.
    const metrics = await (await fetch(`${t.server.url}/metrics`)).text();
    expect(metrics).toContain(`wt_webhook_deliveries_total{webhook="${flakyHook}",outcome="failed"} 3`);
    expect(metrics).toContain(`wt_webhook_deliveries_total{webhook="${flakyHook}",outcome="delivered"} 1`);

    // The hanging endpoint holds its requests open while 400 fixes cross a risk zone back and forth.
    await t.api.post("/api/v1/risk-zones", { name: "Village", geometry: { type: "Polygon", coordinates: square(38.0, -1.05, 38.01, -0.95) } });
    const { animalId: crosser } = await deployedAnimal(t.api, "HOOK02");
    const points: Fix[] = Array.from({ length: 400 }, (_, i) => ({ lon: i % 2 ? 38.005 : 37.995, lat: -1 }));
    // 66 h of fixes, ending before now (later ones would be flagged future and raise nothing).
    await stream("HOOK02", points, 10 * MIN, T0 - 72 * 60 * MIN); // every fix acked: ingest did not wait on any webhook
    const crossings = await settledAlerts(crosser, "risk_exit", 199);
    expect(crossings).toHaveLength(199);
    await until("the healthy receiver to get all 399 crossings", () => healthy.got.filter((r) => JSON.parse(r.body).animal === crosser).length === 399, 30_000);
    expect(hanging.hanging).toBeGreaterThan(0);
    expect(hanging.hanging).toBeLessThanOrEqual(2); // its own concurrency limit, nothing more
  });
});
