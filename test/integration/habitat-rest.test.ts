// The habitat model end to end: fitted in the worker pool from stored fixes of animals that select
// habitat on the synthetic landscape, saved as ONNX + card, scoring points (GET /habitat/score) and
// live positions; a model file gone missing is a clear start error.
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticLandscape } from "../../engine/landscape/synthetic.ts";
import { CollarTrack } from "../../simulator/collar-track.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { TestCollar } from "../helpers/collar-client.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";
import { until } from "../helpers/webhook-receiver.ts";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 8, 1);

describe("habitat model (PostgreSQL, synthetic study area)", () => {
  let db: TestDatabase;
  let t: TestServer;
  const env = { WT_STUDY_AREA: "synthetic:mara" };

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db, env);
    const stack = syntheticLandscape("mara");
    for (let k = 0; k < 4; k++) {
      await deployedAnimal(t.api, `HAB${k}`, { from: "2026-01-01T00:00:00Z" });
      const track = new CollarTrack({ id: `HAB${k}`, species: "elephant" }, { fleetSeed: 9, start: T0, intervalMs: HOUR, habitat: { stack } });
      const fixes = Array.from({ length: 600 }, () => {
        const f = track.next();
        return { collar: `HAB${k}`, ts: new Date(f.ts).toISOString(), lat: f.lat, lon: f.lon };
      });
      expect((await t.api.post("/api/v1/tracking/bulk_upload", fixes)).body.counts.stored).toBe(600);
    }
  }, 120_000);

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("scores nothing before a model; fits one from the fixes, scores points and live positions", async () => {
    expect((await t.api.get("/api/v1/habitat/score?lat=-1.7&lon=35.1")).status).toBe(422);
    const fit = await t.api.post("/api/v1/habitat/models", {});
    expect(fit.status).toBe(201);
    expect(fit.body).toMatchObject({ version: 1, used: 2400, file: "models/habitat-v1/habitat.onnx" });
    expect(fit.body.available).toBeGreaterThan(10_000);
    expect(fit.body.auc_cv).toBeGreaterThan(0.6); // the simulated animals select habitat: there is signal
    expect(fit.body.card.inputs[0]).toMatchObject({ name: "features", dtype: "float32" });
    expect(fit.body.onnx_parity_max_diff).toBeLessThanOrEqual(1e-5); // onnxruntime agrees with the trainer

    const here = await t.api.get("/api/v1/habitat/score?lat=-1.7&lon=35.1");
    expect(here.status).toBe(200);
    expect(here.body.score).toBeGreaterThanOrEqual(0);
    expect(here.body.score).toBeLessThanOrEqual(1);
    expect(Object.keys(here.body.covariates).sort()).toEqual(["dist_settlement", "dist_water", "elevation", "landcover", "ndvi"]);
    const away = await t.api.get("/api/v1/habitat/score?lat=10&lon=10");
    expect(away.body.score).toBeNull();
    expect((await t.api.get("/api/v1/habitat/score?lat=100&lon=0")).status).toBe(400);

    // Live fixes through /ingest now carry the score of where they are, and a forecast path.
    const { animalId } = await deployedAnimal(t.api, "HABLIVE", { from: "2026-01-01T00:00:00Z" });
    const c = await TestCollar.connect(t.wsUrl, (await t.api.post("/api/v1/collars/HABLIVE/token")).body.token);
    c.send({ type: "batch", fixes: [{ seq: 1, ts: new Date(T0).toISOString(), lat: -1.701, lon: 35.099 }, { seq: 2, ts: new Date(T0 + HOUR).toISOString(), lat: -1.7, lon: 35.1 }] });
    await c.until(() => c.acked.length === 2, 10_000, "acks");
    c.close();
    const live = await until("a forecast", async () => {
      const item = (await t.api.get("/api/v1/animals/live_status")).body.items.find((p: { animal: string }) => p.animal === animalId);
      return item?.predicted_position && item;
    });
    expect(live.habitat).toBeCloseTo(here.body.score, 1);
    expect(live.predicted_position).toHaveLength(3);
  });

  it("a model file that has gone missing stops the server at start, naming the file", async () => {
    await t.server.close();
    await rm(resolve(db.dataDir, "models/habitat-v1/habitat.onnx"));
    await expect(startTestServer(db, env)).rejects.toThrow(/habitat model v1 cannot be used: habitat model file not found: .*habitat\.onnx/);
    await rm(resolve(db.dataDir, "models"), { recursive: true });
    // Without the row the server starts (and scores nothing until a new fit).
    const { openDatabase } = await import("../../store/open-database.ts");
    const raw = await openDatabase({ databaseUrl: db.url, dataDir: db.dataDir });
    await raw.query("DELETE FROM habitat_models");
    await raw.close();
    // The synthetic study area was written as GeoTIFFs: they load back as a user-supplied study area.
    t = await startTestServer(db, { WT_STUDY_AREA: resolve(db.dataDir, "study-area/mara") });
    expect((await t.api.get("/api/v1/habitat/score?lat=-1.7&lon=35.1")).status).toBe(422); // no model now
    expect((await t.api.get("/api/v1/predictions/ml_status")).body.study_area).toMatchObject({ nx: 200, ny: 200 });
  });
});
