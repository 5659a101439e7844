// Movement models over REST, computed in the worker pool from stored fixes: the Brownian bridge home
// range (and, below, behaviour states). Errors are clear: 404, 400, 422 for too little data.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destinationPoint } from "../../engine/geo.ts";
import { createModel, simulateHmm } from "../../engine/hmm/index.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";

const T0 = Date.UTC(2026, 9, 1);
const HOUR = 3_600_000;

/** A seeded random walk: hourly fixes, steps of `meanStepM` on average. */
function walk(collar: string, n: number, seed: number, meanStepM: number) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let p = { lat: -1.5, lon: 35.2 };
  return Array.from({ length: n }, (_, i) => {
    if (i > 0) p = destinationPoint(p.lat, p.lon, rand() * 360, meanStepM * 2 * rand());
    return { collar, ts: new Date(T0 + i * HOUR).toISOString(), lat: p.lat, lon: p.lon };
  });
}

describe("movement models over REST (PostgreSQL)", () => {
  let db: TestDatabase;
  let t: TestServer;
  let animal: string;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db);
    ({ animalId: animal } = await deployedAnimal(t.api, "MODEL1", { from: "2026-01-01T00:00:00Z" }));
    const up = await t.api.post("/api/v1/tracking/bulk_upload", walk("MODEL1", 720, 7, 400)); // a month, hourly
    expect(up.body.counts.stored).toBe(720);
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("home range: GeoJSON contours per level with areas, from a month of fixes", async () => {
    const r = await t.api.get(`/api/v1/animals/${animal}/home-range?from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z&levels=50,95`);
    expect(r.status).toBe(200);
    expect(r.body.type).toBe("FeatureCollection");
    expect(r.body.features.map((f: { properties: { level: number } }) => f.properties.level)).toEqual([50, 95]);
    const [a50, a95] = r.body.features.map((f: { properties: { area_km2: number } }) => f.properties.area_km2);
    expect(a50).toBeGreaterThan(0);
    expect(a95).toBeGreaterThan(a50);
    expect(["Polygon", "MultiPolygon"]).toContain(r.body.features[1].geometry.type);
    // Contours come back in lon/lat around the track.
    const ring = r.body.features[1].geometry.type === "Polygon" ? r.body.features[1].geometry.coordinates[0] : r.body.features[1].geometry.coordinates[0][0];
    for (const [lon, lat] of ring) {
      expect(Math.abs(lon - 35.2)).toBeLessThan(1);
      expect(Math.abs(lat + 1.5)).toBeLessThan(1);
    }
    expect(r.body.model).toMatchObject({ animal, fixes: 720, mode: "static", location_error_m: 20 });
    expect(r.body.model.motion_variance_m2_per_min).toBeGreaterThan(0);

    const dyn = await t.api.get(`/api/v1/animals/${animal}/home-range?from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z&dynamic=true`);
    expect(dyn.status).toBe(200);
    expect(dyn.body.model.mode).toBe("dynamic");
  });

  it("clear errors: unknown animal 404, bad levels 400, too few fixes 422", async () => {
    expect((await t.api.get(`/api/v1/animals/nope/home-range`)).status).toBe(404);
    const bad = await t.api.get(`/api/v1/animals/${animal}/home-range?levels=50,150`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe("levels");
    const few = await t.api.get(`/api/v1/animals/${animal}/home-range?from=2026-10-01T00:00:00Z&to=2026-10-01T02:00:00Z`);
    expect(few.status).toBe(422);
    expect(few.body.detail).toMatch(/fix/);
  });
});

describe("behaviour states: fit per species, decode, live state and behaviour_change (PostgreSQL)", () => {
  let db: TestDatabase;
  let t: TestServer;
  // Hourly steps in metres: resting, foraging, migrating — with long stays in each state.
  const truth = createModel(
    { nStates: 3, angleDist: "vm" },
    { stepMean: [40, 400, 2500], stepSd: [30, 250, 900], angleMean: [Math.PI, 0, 0], angleConc: [0.5, 1, 6], beta: [-3.5, -5, -3.5, -3.5, -5, -3.5] },
  );
  const sims = [1, 2, 3].map((seed) => simulateHmm(truth, 1200, seed));
  const M_PER_DEG = 111_320;
  const fixesOf = (collar: string, sim: (typeof sims)[number], from: number) =>
    Array.from(sim.x, (x, i) => ({ collar, ts: new Date(from + i * HOUR).toISOString(), lat: -2 + sim.y[i]! / M_PER_DEG, lon: 36 + x / M_PER_DEG }));
  const animals: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    t = await startTestServer(db);
    for (const [k, sim] of sims.entries()) {
      const { animalId } = await deployedAnimal(t.api, `BUF${k}`, { species: "Syncerus caffer", from: "2026-01-01T00:00:00Z" });
      animals.push(animalId);
      const up = await t.api.post("/api/v1/tracking/bulk_upload", fixesOf(`BUF${k}`, sim, Date.UTC(2026, 8, 1)));
      expect(up.body.counts.stored).toBe(1201);
    }
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("fits the species' model in the pool, stores it as a version, and decodes an animal's window", async () => {
    expect((await t.api.get(`/api/v1/animals/${animals[0]}/behaviour`)).status).toBe(422); // no model yet
    const fit = await t.api.post("/api/v1/behaviour/models", { species: "Syncerus caffer", states: 3, random_starts: 2 });
    expect(fit.status).toBe(201);
    expect(fit.body).toMatchObject({ species: "syncerus caffer", version: 1, states: ["resting", "foraging", "migrating"], n_animals: 3 });
    expect(fit.body.n_steps).toBeGreaterThan(3000);
    const means = (fit.body.params.model.states as Array<{ step_mean: number }>).map((st) => st.step_mean);
    means.forEach((m, j) => expect(Math.abs(m - [40, 400, 2500][j]!) / [40, 400, 2500][j]!).toBeLessThan(0.15));

    const decoded = await t.api.get(`/api/v1/animals/${animals[0]}/behaviour?from=2026-09-01T00:00:00Z&to=2026-11-01T00:00:00Z`);
    expect(decoded.status).toBe(200);
    expect(decoded.body.model).toMatchObject({ version: 1, states: ["resting", "foraging", "migrating"] });
    const items = decoded.body.items as Array<{ ts: string; state: string; probs: Record<string, number> }>;
    expect(items.length).toBeGreaterThan(1100);
    // Row k of the track is the step into fix k: its true state is the simulation's state k − 1.
    const names = ["resting", "foraging", "migrating"];
    let right = 0;
    for (const it of items) {
      const k = Math.round((Date.parse(it.ts) - Date.UTC(2026, 8, 1)) / HOUR);
      if (it.state === names[sims[0]!.states[k - 1]!]) right++;
      expect(Object.values(it.probs).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    }
    expect(right / items.length).toBeGreaterThan(0.9);

    const again = await t.api.post("/api/v1/behaviour/models", { species: "syncerus CAFFER", states: 2, random_starts: 0 });
    expect(again.body.version).toBe(2);
    expect((await t.api.get("/api/v1/behaviour/models?species=Syncerus caffer")).body.items.map((m: { version: number }) => m.version)).toEqual([2, 1]);
    expect((await t.api.post("/api/v1/behaviour/models", { species: "Panthera leo" })).status).toBe(422);
  });

  it("live: positions carry the state and its probabilities; a confirmed switch raises behaviour_change", async () => {
    await t.api.post("/api/v1/behaviour/models", { species: "Syncerus caffer", states: 3, random_starts: 1 });
    const { animalId } = await deployedAnimal(t.api, "BUFLIVE", { species: "Syncerus caffer", from: "2026-01-01T00:00:00Z" });
    const live = fixesOf("BUFLIVE", sims[1]!, Date.UTC(2026, 9, 1)).slice(0, 400);
    for (const fix of live) expect((await t.api.post("/api/v1/tracking", fix)).status).toBe(201);
    const status = await t.api.get("/api/v1/animals/live_status");
    const mine = status.body.items.find((p: { animal: string }) => p.animal === animalId);
    expect(["resting", "foraging", "migrating"]).toContain(mine.behaviour_state);
    expect(Object.keys(mine.behaviour_probs)).toEqual(["resting", "foraging", "migrating"]);
    expect(mine.behaviour_probs[mine.behaviour_state]).toBe(Math.max(...(Object.values(mine.behaviour_probs) as number[])));
    const alerts = (await t.api.get(`/api/v1/alerts?animal=${animalId}&kind=behaviour_change&limit=1000`)).body.items as Array<{ detail: { from: string; to: string; probability: number } }>;
    // The simulated animal switches state many times in 400 hours; each confirmed switch alerts once.
    const switches = Array.from(sims[1]!.states.slice(0, 399)).filter((st, i, a) => i > 0 && st !== a[i - 1]).length;
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.length).toBeLessThanOrEqual(switches);
    for (const a of alerts) {
      expect(a.detail.from).not.toBe(a.detail.to);
      expect(a.detail.probability).toBeGreaterThanOrEqual(0.8);
    }
  });
});
