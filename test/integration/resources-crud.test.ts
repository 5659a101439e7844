// Herds, families, animals, observations and events over the real REST API, on PostgreSQL and PGlite:
// success, every invalid field listed, 404s, 409s naming what blocks a delete, pagination across pages.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiClient, ApiResponse } from "../helpers/api.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, type TestServer } from "../helpers/server.ts";

/** Follows next_cursor until the end; returns every item and the number of pages. */
async function allPages(api: ApiClient, path: string, limit: number): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const r: ApiResponse = await api.get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...r.body.items);
    cursor = r.body.next_cursor;
    pages++;
  } while (cursor && pages < 100);
  return { items, pages };
}

const paths = (r: { body: any }) => (r.body.errors as Array<{ path: string }>).map((e) => e.path).sort();

describe.each(DATABASE_KINDS)("herds, families, animals, observations, events on %s", (kind) => {
  let db: TestDatabase;
  let t: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await startTestServer(db);
    api = t.api;
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("herds: create, read, patch, list across pages, 404s, validation, 409 while families belong to it", async () => {
    const h = await api.post("/api/v1/herds", { species_name: "  Loxodonta africana ", name: "Mara" });
    expect(h.status).toBe(201);
    expect(h.body).toMatchObject({ species_name: "Loxodonta africana", name: "Mara" });
    const id = h.body.id as string;
    expect(id).toMatch(/^hrd_/);
    expect((await api.get(`/api/v1/herds/${id}`)).body).toEqual({ ...h.body, families: [] });

    const p = await api.call("PATCH", `/api/v1/herds/${id}`, { name: null });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ id, name: null, species_name: "Loxodonta africana" });
    const p2 = await api.call("PATCH", `/api/v1/herds/${id}/`, { species_name: "Elephant", name: "Mara North" });
    expect(p2.body).toMatchObject({ name: "Mara North", species_name: "Elephant" });

    const bad = await api.post("/api/v1/herds", { name: 5 });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect(paths(bad)).toEqual(["name", "species_name"]);
    const badPatch = await api.call("PATCH", `/api/v1/herds/${id}`, { species_name: "   ", name: "x".repeat(201) });
    expect(badPatch.status).toBe(400);
    expect(paths(badPatch)).toEqual(["name", "species_name"]);

    for (const [m, body] of [["GET", undefined], ["PATCH", { name: "x" }], ["DELETE", undefined]] as const) {
      const r = await api.call(m, "/api/v1/herds/hrd_nope", body);
      expect(r.status, m).toBe(404);
      expect(r.body.detail).toBe("herd hrd_nope not found");
    }

    for (let i = 0; i < 4; i++) expect((await api.post("/api/v1/herds", { species_name: `sp${i}` })).status).toBe(201);
    const { items, pages } = await allPages(api, "/api/v1/herds", 2);
    expect(pages).toBe(3);
    expect(items).toHaveLength(5);
    expect(new Set(items.map((x) => x.id)).size).toBe(5);
    expect((await api.get("/api/v1/herds?limit=0")).body.errors).toEqual([{ path: "limit", message: "must be between 1 and 1000" }]);

    const f = await api.post("/api/v1/families", { herd_id: id, friendly_name: "A" });
    await api.post("/api/v1/families", { herd_id: id, friendly_name: "B" });
    expect((await api.get(`/api/v1/herds/${id}`)).body.families.map((x: { friendly_name: string }) => x.friendly_name).sort()).toEqual(["A", "B"]);
    const blocked = await api.call("DELETE", `/api/v1/herds/${id}`);
    expect(blocked.status).toBe(409);
    expect(blocked.body.detail).toBe(`herd ${id} has 2 families; delete or move them first`);

    const empty = await api.post("/api/v1/herds", { species_name: "zebra" });
    expect((await api.call("DELETE", `/api/v1/herds/${empty.body.id}`)).status).toBe(204);
    expect((await api.get(`/api/v1/herds/${empty.body.id}`)).status).toBe(404);
    expect(f.status).toBe(201);
  });

  it("families: create, patch (move herds; animals follow in the registry), 404s, validation, 409 naming animals, observations and events", async () => {
    const h1 = (await api.post("/api/v1/herds", { species_name: "elephant" })).body.id as string;
    const h2 = (await api.post("/api/v1/herds", { species_name: "elephant" })).body.id as string;
    const missing = await api.post("/api/v1/families", {});
    expect(paths(missing)).toEqual(["friendly_name", "herd_id"]);
    expect(missing.body.errors).toContainEqual({ path: "herd_id", message: "is required" });
    const noHerd = await api.post("/api/v1/families", { herd_id: "hrd_nope", friendly_name: "X" });
    expect(noHerd.status).toBe(400);
    expect(noHerd.body.errors).toEqual([{ path: "herd_id", message: "no herd hrd_nope" }]);

    const fam = await api.post("/api/v1/families", { herd_id: h1, friendly_name: " Matriarchs " });
    expect(fam.status).toBe(201);
    expect(fam.body.friendly_name).toBe("Matriarchs");
    const fid = fam.body.id as string;
    const animal = await api.post("/api/v1/animals", { name: "Kito", species: "elephant", family_id: fid });
    expect(animal.body.herd_id).toBe(h1);

    const moved = await api.call("PATCH", `/api/v1/families/${fid}`, { herd_id: h2, friendly_name: "Moved" });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ herd_id: h2, friendly_name: "Moved" });
    expect((await api.get(`/api/v1/animals/${animal.body.id}`)).body.herd_id).toBe(h2);
    expect(t.server.services.registry.profile(animal.body.id)).toMatchObject({ herd: h2, family: fid });
    expect((await api.get(`/api/v1/families?herd=${h2}`)).body.items.map((x: any) => x.id)).toEqual([fid]);
    const badMove = await api.call("PATCH", `/api/v1/families/${fid}`, { herd_id: "hrd_nope", friendly_name: "" });
    expect(paths(badMove)).toEqual(["friendly_name"]);
    expect((await api.call("PATCH", `/api/v1/families/${fid}`, { herd_id: "hrd_nope" })).body.errors).toEqual([
      { path: "herd_id", message: "no herd hrd_nope" },
    ]);
    for (const [m, path, body] of [
      ["GET", "/api/v1/families/fam_nope", undefined],
      ["PATCH", "/api/v1/families/fam_nope", { friendly_name: "x" }],
      ["DELETE", "/api/v1/families/fam_nope", undefined],
      ["GET", "/api/v1/families/fam_nope/observations", undefined],
      ["POST", "/api/v1/families/fam_nope/observations", { lat: 0, lon: 0, ts: 0 + Date.UTC(2026, 0, 1) }],
      ["GET", "/api/v1/families/fam_nope/events", undefined],
      ["POST", "/api/v1/families/fam_nope/events", { description: "x", lat: 0, lon: 0, ts: "2026-01-01T00:00:00Z" }],
    ] as const) {
      const r = await api.call(m, path, body);
      expect(r.status, `${m} ${path}`).toBe(404);
      expect(r.body.detail).toBe("family fam_nope not found");
    }

    await api.post(`/api/v1/families/${fid}/observations`, { lat: -1.5, lon: 35, ts: "2026-03-01T10:00:00Z", size: 12 });
    await api.post(`/api/v1/families/${fid}/observations`, { lat: -1.5, lon: 35, ts: "2026-03-02T10:00:00Z" });
    await api.post(`/api/v1/families/${fid}/events`, { description: "river crossing", lat: -1.5, lon: 35, ts: "2026-03-01T11:00:00Z" });
    const blocked = await api.call("DELETE", `/api/v1/families/${fid}`);
    expect(blocked.status).toBe(409);
    expect(blocked.body.detail).toBe(`family ${fid} has 1 animal, 2 observations and 1 event; delete or move them first`);
    expect((await api.call("DELETE", `/api/v1/herds/${h2}`)).body.detail).toBe(`herd ${h2} has 1 family; delete or move them first`);

    const lonely = await api.post("/api/v1/families", { herd_id: h1, friendly_name: "Empty" });
    expect((await api.call("DELETE", `/api/v1/families/${lonely.body.id}`)).status).toBe(204);
    expect((await api.get(`/api/v1/families/${lonely.body.id}`)).status).toBe(404);
    expect((await api.call("DELETE", `/api/v1/herds/${h1}`)).status).toBe(204);
  });

  it("family observations: success, every invalid field listed, from/to, newest first across pages", async () => {
    const h = (await api.post("/api/v1/herds", { species_name: "elephant" })).body.id;
    const fid = (await api.post("/api/v1/families", { herd_id: h, friendly_name: "Obs" })).body.id as string;
    const ok = await api.post(`/api/v1/families/${fid}/observations`, {
      lat: -1.4,
      lon: 35.01,
      ts: Date.UTC(2026, 4, 1, 8),
      size: 14,
      health: 6.5,
      notes: "  two calves  ",
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      family_id: fid,
      animal_id: null,
      ts: "2026-05-01T08:00:00.000Z",
      lat: -1.4,
      lon: 35.01,
      size: 14,
      health: 6.5,
      notes: "two calves",
      observer: "admin-token",
    });
    expect(ok.body.id).toMatch(/^obs_/);

    const bad = await api.post(`/api/v1/families/${fid}/observations`, { lat: 91, lon: -181, ts: "yesterday", size: -1, health: 11, notes: "" });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([
        { path: "lat", message: "must be between -90 and 90" },
        { path: "lon", message: "must be between -180 and 180" },
        { path: "ts", message: "must be an ISO 8601 time or epoch milliseconds" },
        { path: "size", message: "must be between 0 and 100000" },
        { path: "health", message: "must be between 0 and 10" },
        { path: "notes", message: "must not be empty" },
      ]),
    );
    expect(bad.body.errors).toHaveLength(6);
    const bad2 = await api.post(`/api/v1/families/${fid}/observations`, { lat: "1", size: 1.5, ts: 1e20 });
    expect(bad2.body.errors).toEqual(
      expect.arrayContaining([
        { path: "lat", message: "must be a number" },
        { path: "lon", message: "is required" },
        { path: "size", message: "must be an integer" },
        { path: "ts", message: "must be between 1980-01-06 and 2100-01-01" },
      ]),
    );
    expect(bad2.body.errors).toHaveLength(4);

    for (let i = 1; i <= 6; i++) {
      const r = await api.post(`/api/v1/families/${fid}/observations`, { lat: -1.4, lon: 35, ts: `2026-05-0${i}T12:00:00Z`, size: i });
      expect(r.status).toBe(201);
    }
    const { items, pages } = await allPages(api, `/api/v1/families/${fid}/observations`, 3);
    expect(pages).toBe(3);
    expect(items.map((o) => o.ts)).toEqual([...items.map((o) => o.ts)].sort().reverse());
    expect(items).toHaveLength(7);
    const win = await api.get(`/api/v1/families/${fid}/observations?from=2026-05-02T00:00:00Z&to=${Date.UTC(2026, 4, 4, 12)}`);
    expect(win.body.items.map((o: any) => o.size)).toEqual([3, 2]);
    const rev = await api.get(`/api/v1/families/${fid}/observations?from=2026-05-04T00:00:00Z&to=2026-05-01T00:00:00Z&limit=5000`);
    expect(paths(rev)).toEqual(["from", "limit"]);
    const rev2 = await api.get(`/api/v1/families/${fid}/observations?from=2026-05-04T00:00:00Z&to=2026-05-01T00:00:00Z`);
    expect(rev2.body.errors).toEqual([{ path: "from", message: "must not be after to" }]);
    expect((await api.get(`/api/v1/families/${fid}/observations?cursor=abc`)).body.errors).toEqual([
      { path: "cursor", message: "is not a cursor this server issued" },
    ]);
  });

  it("family events and GET /events: success, validation, filters family/from/to, pagination", async () => {
    const h = (await api.post("/api/v1/herds", { species_name: "elephant" })).body.id;
    const fa = (await api.post("/api/v1/families", { herd_id: h, friendly_name: "EvA" })).body.id as string;
    const fb = (await api.post("/api/v1/families", { herd_id: h, friendly_name: "EvB" })).body.id as string;
    const ok = await api.post(`/api/v1/families/${fa}/events`, {
      description: " crop raid ",
      lat: -1.2,
      lon: 35.2,
      ts: "2026-06-01T03:00:00+03:00",
      event_metadata: { severity: 3, tags: ["maize"], nested: { a: null } },
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      family_id: fa,
      description: "crop raid",
      ts: "2026-06-01T00:00:00.000Z",
      event_metadata: { severity: 3, tags: ["maize"], nested: { a: null } },
      reporter: "admin-token",
    });
    expect(ok.body.id).toMatch(/^evt_/);
    const bad = await api.post(`/api/v1/families/${fa}/events`, { description: "", lat: null, ts: "x", event_metadata: [1] });
    expect(paths(bad)).toEqual(["description", "event_metadata", "lat", "lon", "ts"]);
    const huge = await api.post(`/api/v1/families/${fa}/events`, { description: "d", lat: 0, lon: 0, ts: 0 + 4e11, event_metadata: { x: "y".repeat(20_000) } });
    expect(huge.body.errors).toEqual([{ path: "event_metadata", message: "must be at most 16384 bytes as JSON" }]);

    for (let i = 2; i <= 5; i++) await api.post(`/api/v1/families/${fa}/events`, { description: `a${i}`, lat: 0, lon: 0, ts: `2026-06-0${i}T00:00:00Z` });
    for (let i = 1; i <= 3; i++) await api.post(`/api/v1/families/${fb}/events`, { description: `b${i}`, lat: 0, lon: 0, ts: `2026-06-0${i}T06:00:00Z` });
    const famA = await allPages(api, `/api/v1/families/${fa}/events`, 2);
    expect(famA.items.map((e) => e.description)).toEqual(["a5", "a4", "a3", "a2", "crop raid"]);
    expect(famA.pages).toBe(3);
    const all = await allPages(api, `/api/v1/events?from=2026-06-01T00:00:00Z&to=2026-06-07T00:00:00Z`, 3);
    expect(all.items.map((e) => e.description)).toEqual(["a5", "a4", "b3", "a3", "b2", "a2", "b1", "crop raid"]);
    const b = await api.get(`/api/v1/events?family=${fb}&from=2026-06-02T00:00:00Z`);
    expect(b.body.items.map((e: any) => e.description)).toEqual(["b3", "b2"]);
    const badQ = await api.get(`/api/v1/events?from=never&to=1e400&limit=x`);
    expect(paths(badQ)).toEqual(["from", "limit", "to"]);
  });

  it("animals: PUT replaces (all fields required), PATCH merges, registry follows, 404s, 409 naming collars, fixes and observations", async () => {
    const h = (await api.post("/api/v1/herds", { species_name: "elephant" })).body.id;
    const fid = (await api.post("/api/v1/families", { herd_id: h, friendly_name: "An" })).body.id as string;
    const a = await api.post("/api/v1/animals", { name: "Nala", species: "elephant", sex: "female" });
    const id = a.body.id as string;

    const partial = await api.call("PUT", `/api/v1/animals/${id}`, { name: "Nala" });
    expect(partial.status).toBe(400);
    expect(paths(partial)).toEqual(["family_id", "health_status", "sex", "species", "status"]);
    expect(partial.body.errors).toContainEqual({ path: "status", message: "is required" });
    expect(partial.body.errors).toContainEqual({ path: "sex", message: "is required" });
    const put = await api.call("PUT", `/api/v1/animals/${id}`, {
      name: " Nala II ",
      species: "Loxodonta africana",
      sex: null,
      family_id: fid,
      status: "active",
      health_status: "good",
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id, name: "Nala II", species: "Loxodonta africana", sex: null, family_id: fid, herd_id: h, health_status: "good" });
    expect(t.server.services.registry.profile(id)).toEqual({ id, name: "Nala II", species: "Loxodonta africana", herd: h, family: fid });

    const patch = await api.call("PATCH", `/api/v1/animals/${id}`, { status: "relocated", family_id: null });
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({ name: "Nala II", status: "relocated", family_id: null, herd_id: null, health_status: "good" });
    expect(t.server.services.registry.profile(id)).toMatchObject({ herd: null, family: null });
    const badPatch = await api.call("PATCH", `/api/v1/animals/${id}`, { status: "flying", sex: "x", name: "" });
    expect(paths(badPatch)).toEqual(["name", "sex", "status"]);
    expect((await api.call("PATCH", `/api/v1/animals/${id}`, { family_id: "fam_nope" })).body.errors).toEqual([
      { path: "family_id", message: "no family fam_nope" },
    ]);
    for (const [m, body] of [
      ["GET", undefined],
      ["PUT", { name: "n", species: "s", sex: null, family_id: null, status: "active", health_status: null }],
      ["PATCH", { name: "n" }],
      ["DELETE", undefined],
    ] as const) {
      const r = await api.call(m, "/api/v1/animals/ani_nope", body);
      expect(r.status, m).toBe(404);
      expect(r.body.detail).toBe("animal ani_nope not found");
    }

    // A collar deployed on it blocks the delete, naming the collar.
    const { animalId: worn } = await deployedAnimal(api, `DEL-${kind}`);
    const r1 = await api.call("DELETE", `/api/v1/animals/${worn}`);
    expect(r1.status).toBe(409);
    expect(r1.body.detail).toBe(
      `animal ${worn} has 1 collar deployment (DEL-${kind}, deployed now); it cannot be deleted (set its status to inactive, deceased or relocated instead)`,
    );
    // Stored fixes (no foreign key on fixes) and observations block it too.
    await t.server.db.query("INSERT INTO fixes (collar_id, ts, animal_id, lat, lon) VALUES ('OLD', '2026-01-01T00:00:00Z', $1, 0, 0), ('OLD', '2026-01-01T00:01:00Z', $1, 0, 0)", [id]);
    await api.post("/api/v1/observations", { animal_id: id, lat: 0, lon: 0, ts: "2026-01-02T00:00:00Z" });
    const r2 = await api.call("DELETE", `/api/v1/animals/${id}`);
    expect(r2.status).toBe(409);
    expect(r2.body.detail).toBe(
      `animal ${id} has 2 stored fixes and 1 observation; it cannot be deleted (set its status to inactive, deceased or relocated instead)`,
    );

    const free = await api.post("/api/v1/animals", { name: "Tmp", species: "zebra" });
    expect((await api.call("DELETE", `/api/v1/animals/${free.body.id}`)).status).toBe(204);
    expect((await api.get(`/api/v1/animals/${free.body.id}`)).status).toBe(404);
    // The track route still works.
    expect((await api.get(`/api/v1/animals/${id}/track`)).body.items).toHaveLength(2);
  });

  it("sightings (POST/GET /observations): success, validation, unknown animal, filters, pagination", async () => {
    const a1 = (await api.post("/api/v1/animals", { name: "S1", species: "lion" })).body.id as string;
    const a2 = (await api.post("/api/v1/animals", { name: "S2", species: "lion" })).body.id as string;
    const ok = await api.post("/api/v1/observations", { animal_id: a1, lat: -2, lon: 34.5, ts: "2026-07-01T05:00:00Z", health: 8, notes: "limping" });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ animal_id: a1, family_id: null, health: 8, size: null, notes: "limping", observer: "admin-token" });
    const bad = await api.post("/api/v1/observations", { lat: 0, lon: 0, ts: "2026-07-01T05:00:00Z", health: "good" });
    expect(bad.body.errors).toEqual(
      expect.arrayContaining([
        { path: "animal_id", message: "is required" },
        { path: "health", message: "must be a number" },
      ]),
    );
    expect(bad.body.errors).toHaveLength(2);
    const unknown = await api.post("/api/v1/observations", { animal_id: "ani_nope", lat: 0, lon: 0, ts: "2026-07-01T05:00:00Z" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([{ path: "animal_id", message: "no animal ani_nope" }]);
    for (let i = 2; i <= 5; i++) await api.post("/api/v1/observations", { animal_id: i % 2 ? a1 : a2, lat: 0, lon: 0, ts: `2026-07-0${i}T05:00:00Z` });
    const mine = await allPages(api, `/api/v1/observations?animal=${a1}`, 1);
    expect(mine.items.map((o) => o.ts)).toEqual(["2026-07-05T05:00:00.000Z", "2026-07-03T05:00:00.000Z", "2026-07-01T05:00:00.000Z"]);
    expect(mine.pages).toBe(3);
    const win = await api.get(`/api/v1/observations?from=2026-07-02T00:00:00Z&to=2026-07-05T00:00:00Z`);
    expect(win.body.items.map((o: any) => o.animal_id)).toEqual([a2, a1, a2]);
    // Family observations are not animal sightings.
    expect((await api.get(`/api/v1/observations?limit=1000`)).body.items.every((o: any) => o.animal_id !== null)).toBe(true);
  });
});
