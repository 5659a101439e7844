// Fence alerts from live fixes through the real /ingest socket: the actor's FenceTracker raises them,
// they are stored once (a resend never alerts twice) and listed in fix-time order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestCollar } from "../helpers/collar-client.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";

const square = (w: number, s: number, e: number, n: number) => [[[w, s], [e, s], [e, n], [w, n], [w, s]]];
const T0 = Date.UTC(2026, 10, 20, 6);
const MIN = 60_000;

describe("fence alerts from live fixes (PostgreSQL)", () => {
  let db: TestDatabase;
  let t: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db);
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  async function stream(collar: string, points: Array<[number, number]>, every = 10 * MIN) {
    const token = (await t.api.post(`/api/v1/collars/${collar}/token`)).body.token;
    const c = await TestCollar.connect(t.wsUrl, token);
    const fixes = points.map(([lon, lat], i) => ({ seq: i + 1, ts: new Date(T0 + i * every).toISOString(), lat, lon }));
    c.send({ type: "batch", fixes });
    await c.until(() => c.acked.length === fixes.length, 20_000, "acks");
    return { c, fixes };
  }

  async function fenceAlerts(animal: string, expected: number) {
    const deadline = Date.now() + 10_000;
    let items: Array<{ kind: string; ts: string; fence: string }> = [];
    while (Date.now() < deadline) {
      items = (await t.api.get(`/api/v1/alerts?animal=${animal}&limit=1000`)).body.items.filter((a: { fence: string | null }) => a.fence);
      if (items.length >= expected) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return items.sort((a, b) => (a.ts < b.ts ? -1 : 1));
  }

  it("walking in and out of a corridor gives exactly enter then exit; a resend adds nothing", async () => {
    const corridor = (await t.api.post("/api/v1/corridors", { name: "C", geometry: { type: "Polygon", coordinates: square(35.0, -1.6, 35.1, -1.5) } })).body.id;
    const { animalId } = await deployedAnimal(t.api, "WALK01");
    // outside (first fix: state only), inside, inside, inside, outside — steps an elephant can make in 30 min
    const { c, fixes } = await stream("WALK01", [[34.998, -1.55], [35.004, -1.55], [35.03, -1.55], [35.06, -1.55], [35.09, -1.55], [35.104, -1.55]], 30 * MIN);
    const alerts = await fenceAlerts(animalId, 2);
    expect(alerts.map((a) => [a.kind, a.fence, a.ts])).toEqual([
      ["corridor_enter", corridor, fixes[1]!.ts],
      ["corridor_exit", corridor, fixes[5]!.ts],
    ]);
    // The collar resends everything (as after a reconnect): stored once, alerted once.
    c.send({ type: "batch", fixes: fixes.map((f, i) => ({ ...f, seq: 100 + i })) });
    await c.until(() => c.acked.length === 2 * fixes.length, 20_000, "acks of resends");
    await new Promise((r) => setTimeout(r, 300));
    expect(await fenceAlerts(animalId, 2)).toHaveLength(2);
    c.close();
  });

  it("two sparse fixes on either side of a thin risk zone give a cross; border jitter with hysteresis gives nothing", async () => {
    const road = (await t.api.post("/api/v1/risk-zones", { name: "Road", geometry: { type: "LineString", coordinates: [[35.5, -1.9], [35.5, -1.7]] }, width_m: 100 })).body.id;
    const { animalId } = await deployedAnimal(t.api, "CROSS1");
    const { c } = await stream("CROSS1", [[35.49, -1.8], [35.51, -1.8]], 30 * MIN);
    const crossed = await fenceAlerts(animalId, 1);
    expect(crossed.map((a) => [a.kind, a.fence])).toEqual([["fence_cross", road]]);
    c.close();

    const zone = (await t.api.post("/api/v1/risk-zones", { name: "Farm", geometry: { type: "Polygon", coordinates: square(36.0, -1.2, 36.1, -1.1) }, rules: { hysteresis_m: 50 } })).body.id;
    const { animalId: jitter } = await deployedAnimal(t.api, "JITTER");
    // Far inside, then hovering ±10 m across the western border for a while.
    const points: Array<[number, number]> = [[36.05, -1.15]];
    for (let i = 0; i < 12; i++) points.push([36.0 + (i % 2 ? 0.00009 : -0.00009), -1.15]);
    const j = await stream("JITTER", points, 15 * MIN);
    await new Promise((r) => setTimeout(r, 500));
    // (It stays inside over an hour, so the zone's dwell alert is due; entering and leaving are not.)
    const kinds = (await fenceAlerts(jitter, 0)).filter((a) => a.fence === zone).map((a) => a.kind);
    expect(kinds.filter((k) => k === "risk_enter" || k === "risk_exit")).toEqual([]);
    expect(kinds).toEqual(["risk_dwell"]);
    j.c.close();
  });
});
