// The cached herd → family mapping: a write is visible to the next read, in process and through Redis
// (where a write on one server must be seen by a read on another).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/databases.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";

const REDIS = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

describe.each([
  ["in-process", {}],
  ["redis", { REDIS_URL: REDIS }],
])("herd → family mapping cache (%s)", (_name, env) => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    a = await startTestServer(db, env);
    b = await startTestServer(db, env); // a second node on the same database
  });

  afterAll(async () => {
    await a?.server.close();
    await b?.server.close();
    await db?.drop();
  });

  it("shows each family write on the next read", async () => {
    const h1 = (await a.api.post("/api/v1/herds", { species_name: "Loxodonta africana" })).body.id;
    const h2 = (await a.api.post("/api/v1/herds", { species_name: "Loxodonta africana" })).body.id;
    const families = async (t: TestServer, herd: string) => (await t.api.get(`/api/v1/herds/${herd}`)).body.families.map((f: { friendly_name: string }) => f.friendly_name);
    expect(await families(a, h1)).toEqual([]);
    const f = (await a.api.post("/api/v1/families", { herd_id: h1, friendly_name: "Nkai" })).body.id;
    expect(await families(a, h1)).toEqual(["Nkai"]);
    await a.api.call("PATCH", `/api/v1/families/${f}`, { friendly_name: "Nkai II" });
    expect(await families(a, h1)).toEqual(["Nkai II"]);
    await a.api.call("PATCH", `/api/v1/families/${f}`, { herd_id: h2 });
    expect(await families(a, h1)).toEqual([]);
    expect(await families(a, h2)).toEqual(["Nkai II"]);
    await a.api.call("DELETE", `/api/v1/families/${f}`);
    expect(await families(a, h2)).toEqual([]);
  });

  it(env === undefined || !("REDIS_URL" in env) ? "in process each node caches for itself (several nodes need REDIS_URL)" : "a write on one node is seen by a read on another", async () => {
    const h = (await a.api.post("/api/v1/herds", { species_name: "Connochaetes taurinus" })).body.id;
    const read = async (t: TestServer) => (await t.api.get(`/api/v1/herds/${h}`)).body.families.length;
    expect(await read(b)).toBe(0); // cached on b
    await a.api.post("/api/v1/families", { herd_id: h, friendly_name: "West" });
    expect(await read(a)).toBe(1);
    if ("REDIS_URL" in env) expect(await read(b)).toBe(1);
  });
});
