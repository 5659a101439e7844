// Next-position forecasts live and over REST: fixes through the real /ingest socket get forecasts in
// micro-batches from the pool; positions (live_status) carry the predicted path; an animal walking
// straight at a risk zone raises predicted_risk_entry before it enters; REST forecasts and status.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destinationPoint } from "../../engine/geo.ts";
import { TestCollar } from "../helpers/collar-client.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";
import { until } from "../helpers/webhook-receiver.ts";

const HOUR = 3_600_000;
const square = (w: number, s: number, e: number, n: number) => [[[w, s], [e, s], [e, n], [w, n], [w, s]]];

describe("next-position forecasts (PostgreSQL)", () => {
  let db: TestDatabase;
  let t: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db, { WT_PREDICT_INTERVAL_S: "0" }); // a forecast for every fix
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("an animal heading straight for a risk zone is warned about before it enters; positions carry the path", async () => {
    // Travelling east at ~1.8 km/h for 20 hours, ending in the morning; the farm starts 150 m ahead of
    // the last fix. (The model, trained on home-ranging animals, expects a walk to go on for about an
    // hour and then turn back, so it is the 1-hour forecast that reaches the farm.)
    const start = { lat: -1.5, lon: 34.9 };
    const T0 = Date.UTC(2026, 10, 17, 11);
    const fixes = Array.from({ length: 20 }, (_, i) => {
      const p = destinationPoint(start.lat, start.lon, 90 + ((i * 7) % 5) - 2, 1800 * i);
      return { seq: i + 1, ts: new Date(T0 + i * HOUR).toISOString(), lat: p.lat, lon: p.lon };
    });
    const last = fixes.at(-1)!;
    const farmWest = destinationPoint(last.lat, last.lon, 90, 150).lon;
    const farmEast = destinationPoint(last.lat, last.lon, 90, 60000).lon;
    const farm = (await t.api.post("/api/v1/risk-zones", { name: "Farm", geometry: { type: "Polygon", coordinates: square(farmWest, -1.8, farmEast, -1.2) } })).body.id as string;
    const { animalId } = await deployedAnimal(t.api, "PRED01");
    const c = await TestCollar.connect(t.wsUrl, (await t.api.post("/api/v1/collars/PRED01/token")).body.token);
    for (const f of fixes) {
      c.send({ type: "fix", ...f });
      await c.until(() => c.acked.includes(f.seq), 10_000, `ack ${f.seq}`);
      await new Promise((r) => setTimeout(r, 30)); // let this fix's forecast land (one per animal at a time)
    }
    c.close();

    const alerts = await until("predicted_risk_entry", async () => {
      const items = (await t.api.get(`/api/v1/alerts?animal=${animalId}&kind=predicted_risk_entry`)).body.items as Array<{ fence: string; ts: string; detail: { horizon: string; probability: number } }>;
      return items.length > 0 && items;
    });
    expect(alerts[0]).toMatchObject({ fence: farm });
    expect(alerts[0]!.detail.probability).toBeGreaterThanOrEqual(0.5);
    // Before entry: no fence alert says the animal went in.
    expect((await t.api.get(`/api/v1/alerts?animal=${animalId}&kind=risk_enter`)).body.items).toEqual([]);
    // Once per approach (hysteresis), not once per fix.
    expect(alerts.length).toBeLessThanOrEqual(2);

    const live = (await t.api.get("/api/v1/animals/live_status")).body.items.find((p: { animal: string }) => p.animal === animalId);
    expect(live.predicted_position.map((p: { horizon: string }) => p.horizon)).toEqual(["1h", "6h", "24h"]);
    expect(live.predicted_position[0].lon).toBeGreaterThan(last.lon); // the next hour: on east
    const listed = (await t.api.get(`/api/v1/predictions?animal=${animalId}`)).body.items;
    expect(listed[0]).toMatchObject({ animal: animalId, origin: { ts: last.ts } });
  });

  it("REST forecasts from stored fixes or a given track; status and health of the models", async () => {
    const { animalId } = await deployedAnimal(t.api, "PRED02");
    const T0 = Date.UTC(2026, 10, 17, 0);
    const track = Array.from({ length: 10 }, (_, i) => ({ collar: "PRED02", ts: new Date(T0 + i * HOUR).toISOString(), lat: -1.6 + i * 0.01, lon: 35.2 }));
    await t.api.post("/api/v1/tracking/bulk_upload", track);
    const one = await t.api.get(`/api/v1/animals/${animalId}/predict?horizon=6h`);
    expect(one.status).toBe(200);
    expect(one.body.path.map((p: { horizon: string }) => p.horizon)).toEqual(["6h"]);
    expect(one.body.path[0].lat).toBeGreaterThan(track.at(-1)!.lat - 0.01); // moving north, keeps roughly on
    expect((await t.api.get(`/api/v1/animals/${animalId}/predict?horizon=5h`)).status).toBe(400);
    const given = await t.api.post("/api/v1/predictions", { fixes: track.map(({ ts, lat, lon }) => ({ ts, lat, lon })) });
    expect(given.status).toBe(200);
    expect(given.body.path).toHaveLength(3);
    expect((await t.api.post("/api/v1/predictions", { fixes: [track[0]!].map(({ ts, lat, lon }) => ({ ts, lat, lon })) })).status).toBe(400);
    const { animalId: lonely } = await deployedAnimal(t.api, "PRED03");
    expect((await t.api.get(`/api/v1/animals/${lonely}/predict`)).status).toBe(422);
    const status = await t.api.get("/api/v1/predictions/ml_status");
    expect(status.body.lstm).toMatchObject({ name: "next-position-lstm", horizons: ["1h", "6h", "24h"] });
    expect(status.body.live_predictions.made).toBeGreaterThan(0);
    expect((await t.api.get("/api/v1/ml/health/live")).body).toMatchObject({ ok: true });
  });
});
