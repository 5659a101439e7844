// Track exports (GeoJSON, Movebank CSV) and the streamed Movebank CSV import, end to end over HTTP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../formats/csv-stream.ts";
import { MOVEBANK_COLUMNS } from "../../formats/movebank-csv.ts";
import { makeFixes, TestCollar } from "../helpers/collar-client.ts";
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from "../helpers/databases.ts";
import { deployedAnimal, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../helpers/server.ts";

const N = 1500;

async function csvRecords(text: string): Promise<string[][]> {
  const out: string[][] = [];
  for await (const r of parseCsv([text])) out.push(r);
  return out;
}

/** POSTs a body (string, or pieces streamed with chunked encoding) to the import endpoint. */
async function importCsv(t: TestServer, query: string, body: string | AsyncIterable<string>, token = TEST_ADMIN_TOKEN) {
  const init: RequestInit & { duplex?: "half" } = { method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "text/csv" } };
  if (typeof body === "string") init.body = body;
  else {
    const enc = new TextEncoder();
    const it = body[Symbol.asyncIterator]();
    init.body = new ReadableStream<Uint8Array>({
      async pull(c) {
        const r = await it.next();
        if (r.done) c.close();
        else c.enqueue(enc.encode(r.value));
      },
    });
    init.duplex = "half";
  }
  const res = await fetch(`${t.server.url}/api/v1/tracking/import${query}`, init);
  return { status: res.status, body: (await res.json()) as any };
}

async function storedTrack(t: TestServer, animal: string) {
  const { rows } = await t.server.db.query<{ ts: Date; lat: number; lon: number; hdop: number | null }>(
    "SELECT ts, lat, lon, hdop FROM fixes WHERE animal_id = $1 ORDER BY ts",
    [animal],
  );
  return rows.map((r) => ({ ts: new Date(r.ts).toISOString(), lat: Number(r.lat), lon: Number(r.lon), hdop: r.hdop === null ? null : Number(r.hdop) }));
}

describe.each(DATABASE_KINDS)("Movebank import/export on %s", (kind) => {
  let db: TestDatabase;
  let t: TestServer;
  let source: string;
  let collarToken: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await startTestServer(db);
    ({ animalId: source } = await deployedAnimal(t.api, "COLSRC"));
    collarToken = (await t.api.post("/api/v1/collars/COLSRC/token")).body.token;
    // Irrational-looking coordinates so that any loss of precision in the round trip shows.
    const fixes = makeFixes(N).map((f, i) => ({ ...f, lat: f.lat + Math.PI * 1e-9 * i, lon: f.lon - Math.E * 1e-9 * i, hdop: 1.1, sats: 9, speed: i % 7 }));
    const collar = await TestCollar.connect(t.wsUrl, collarToken);
    for (let i = 0; i < fixes.length; i += 500) collar.send({ type: "batch", fixes: fixes.slice(i, i + 500) });
    await collar.until(() => collar.acked.length >= N, 60_000, `${N} acks`);
    collar.close();
  });

  afterAll(async () => {
    await t?.server.close();
    await db?.drop();
  });

  it("track.csv streams every fix with Movebank columns, timestamps and a download name", async () => {
    const res = await fetch(`${t.server.url}/api/v1/animals/${source}/track.csv`, { headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="Animal_COLSRC\.csv"$/);
    const records = await csvRecords(await res.text());
    expect(records[0]).toEqual([...MOVEBANK_COLUMNS]);
    expect(records).toHaveLength(N + 1);
    const col = (name: string) => MOVEBANK_COLUMNS.indexOf(name as (typeof MOVEBANK_COLUMNS)[number]);
    const first = records[1]!;
    expect(first[col("event-id")]).toBe("1");
    expect(first[col("timestamp")]).toBe("2026-11-20 06:00:00.000");
    expect(first[col("tag-local-identifier")]).toBe("COLSRC");
    expect(first[col("individual-local-identifier")]).toBe("Animal COLSRC");
    expect(first[col("individual-taxon-canonical-name")]).toBe("elephant");
    expect(first[col("visible")]).toBe("true");
    expect(first[col("gps:hdop")]).toBe("1.1");
    expect(first[col("gps:satellite-count")]).toBe("9");
    expect(Number(records[4]![col("ground-speed")])).toBeCloseTo(3 / 3.6, 6); // km/h → m/s
    expect(records[N]![col("event-id")]).toBe(String(N));

    const windowed = await fetch(`${t.server.url}/api/v1/animals/${source}/track.csv?from=2026-11-20T06:10:00Z&to=2026-11-20T06:20:00Z`, {
      headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(windowed.headers.get("content-disposition")).toContain("Animal_COLSRC_2026-11-20_2026-11-20.csv");
    expect(await csvRecords(await windowed.text())).toHaveLength(11);
  });

  it("track.geojson has one LineString then one Point per fix, [lon, lat]", async () => {
    const res = await t.api.get(`/api/v1/animals/${source}/track.geojson?to=2026-11-20T07:00:00Z`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/geo+json");
    const fc = res.body;
    expect(fc.type).toBe("FeatureCollection");
    expect(fc.features).toHaveLength(61);
    const [line, ...points] = fc.features;
    expect(line.geometry.type).toBe("LineString");
    expect(line.properties).toMatchObject({ animal: source, fixes: 60, from: "2026-11-20T06:00:00.000Z", to: "2026-11-20T06:59:00.000Z" });
    expect(line.geometry.coordinates).toHaveLength(60);
    const track = (await storedTrack(t, source)).slice(0, 60);
    expect(line.geometry.coordinates).toEqual(track.map((f) => [f.lon, f.lat]));
    expect(points.map((p: any) => p.geometry.coordinates)).toEqual(track.map((f) => [f.lon, f.lat]));
    expect(points[1].properties).toMatchObject({ ts: "2026-11-20T06:01:00.000Z", collar: "COLSRC", hdop: 1.1, quality: expect.any(Array) });
    expect(points[1].properties.step_m).toBeGreaterThan(0);

    const empty = await t.api.get(`/api/v1/animals/${source}/track.geojson?from=2030-01-01T00:00:00Z`);
    expect(empty.body).toMatchObject({ type: "FeatureCollection", features: [{ type: "Feature", geometry: null, properties: { fixes: 0 } }] });
  });

  it("exports answer 404 for unknown animals, 400 for bad windows, 401/403 for missing or device tokens", async () => {
    expect((await t.api.get("/api/v1/animals/nope/track.csv")).status).toBe(404);
    expect((await t.api.get("/api/v1/animals/nope/track.geojson")).status).toBe(404);
    const bad = await t.api.get(`/api/v1/animals/${source}/track.csv?from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: "from", message: "must not be after to" }]);
    expect((await t.api.get(`/api/v1/animals/${source}/track.csv`, null)).status).toBe(401);
    expect((await t.api.get(`/api/v1/animals/${source}/track.csv`, collarToken)).status).toBe(403);
  });

  it("round trip: export → import into a fresh animal with a new collar gives the same fixes", async () => {
    const exported = await (await fetch(`${t.server.url}/api/v1/animals/${source}/track.csv`, { headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).text();
    const { animalId: fresh } = await deployedAnimal(t.api, "COLDST");
    // Streamed in awkward pieces (13 bytes) so rows, quotes and line ends straddle chunk boundaries.
    async function* pieces() {
      for (let i = 0; i < exported.length; i += 13) yield exported.slice(i, i + 13);
    }
    const res = await importCsv(t, `?animal_id=${fresh}`, pieces());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: N, stored: N, duplicates: 0, quarantined: 0, invalid: 0, skipped: 0, errors: [] });
    expect(res.body.duration_ms).toBeGreaterThanOrEqual(0);
    const original = await storedTrack(t, source);
    const copy = await storedTrack(t, fresh);
    expect(copy).toHaveLength(N);
    expect(copy).toEqual(original); // ts, lat, lon exact; hdop too

    // Importing the same file again stores nothing new.
    const again = await importCsv(t, "?collar=COLDST", exported);
    expect(again.body.rows).toBe(N);
    expect(again.body.stored + again.body.duplicates).toBe(N);
    expect(await storedTrack(t, fresh)).toHaveLength(N);
  });

  it("imports a Movebank export as is: unknown columns, NA, empty, scientific notation, per-row errors, tag column routing", async () => {
    await deployedAnimal(t.api, "MB-TAG-1");
    const csv = [
      '"event-id","visible","timestamp","location-long","location-lat","gps:hdop","ground-speed","heading","tag-local-identifier","individual-local-identifier","study-name","comments"',
      '1,true,2026-11-22 00:00:00.000,3.5e1,-1.5,NA,,NA,MB-TAG-1,Nkai,"Mara, Kenya","a ""quoted"" note"',
      "2,true,2026-11-22 00:01:00.000,35.001,-1.5001,1.2,2.5E0,90,MB-TAG-1,Nkai,x,",
      "3,true,2026-11-22 00:02:00.000,NA,NA,,,,MB-TAG-1,Nkai,x,failed fix", // skipped
      "4,true,2026-11-22 00:03:00.000,35.002,123,,,,MB-TAG-1,Nkai,x,", // lat out of range
      "5,true,not a time,35.003,-1.5,,,,MB-TAG-1,Nkai,x,",
      "6,true,2026-11-22 00:05:00.000,35.004,-1.5,lots,,,MB-TAG-1,Nkai,x,",
      "7,true,2026-11-22 00:06:00.000,35.005,-1.5,,,,UNKNOWN-TAG,Nkai,x,", // quarantined
      "8,true,2026-11-22 00:07:00.000,35.006,-1.5,,,,,Nkai,x,", // no collar at all
    ].join("\n");
    const res = await importCsv(t, "", csv);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 8, stored: 2, quarantined: 1, invalid: 4, skipped: 1, duplicates: 0 });
    expect(res.body.errors).toEqual([
      { row: 4, errors: [{ path: "location-lat", message: "must be between -90 and 90" }] },
      { row: 5, errors: [{ path: "timestamp", message: expect.stringContaining("yyyy-MM-dd HH:mm:ss.SSS") }] },
      { row: 6, errors: [{ path: "gps:hdop", message: "must be a number" }] },
      { row: 8, errors: [{ path: "tag-local-identifier", message: expect.stringContaining("is required") }] },
    ]);
    const { rows } = await t.server.db.query<{ lon: number; reported_speed: number | null; hdop: number | null }>(
      "SELECT lon, reported_speed, hdop FROM fixes WHERE collar_id = 'MB-TAG-1' ORDER BY ts",
    );
    expect(rows.map((r) => Number(r.lon))).toEqual([35, 35.001]);
    expect(rows[0]!.hdop).toBeNull();
    expect(Number(rows[1]!.reported_speed)).toBeCloseTo(9, 5); // 2.5 m/s
    const q = await t.server.db.query<{ n: string }>("SELECT count(*) AS n FROM quarantined_fixes WHERE collar_id = 'UNKNOWN-TAG'");
    expect(Number(q.rows[0]!.n)).toBe(1);
  });

  it("refuses bad requests: missing columns, empty body, unknown collar/animal, both selectors, multipart, roles", async () => {
    const missing = await importCsv(t, "", "timestamp,lat,lon\n2026-11-22 00:00:00.000,1,2\n");
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([
      { path: "location-lat", message: "column is required" },
      { path: "location-long", message: "column is required" },
    ]);
    expect((await importCsv(t, "", "")).status).toBe(400);
    const noCollar = await importCsv(t, "?collar=NOPE", "timestamp,location-lat,location-long\n");
    expect(noCollar.status).toBe(400);
    expect(noCollar.body.errors).toEqual([{ path: "collar", message: "no collar NOPE" }]);
    expect((await importCsv(t, "?animal_id=nope", "x")).body.errors).toEqual([{ path: "animal_id", message: "no animal nope" }]);
    expect((await importCsv(t, `?animal_id=${source}&collar=COLSRC`, "x")).status).toBe(400);
    const multipart = await fetch(`${t.server.url}/api/v1/tracking/import`, { method: "POST", headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, body: new FormData() });
    expect(multipart.status).toBe(415);
    expect((await importCsv(t, "", "timestamp\n", "bad-token")).status).toBe(401);

    // A collar token may import only its own collar's rows.
    const csv = "timestamp,location-long,location-lat,tag-local-identifier\n2026-11-23 00:00:00.000,35,-1.5,\n2026-11-23 00:01:00.000,35,-1.5,COLDST\n";
    const own = await importCsv(t, "", csv, collarToken);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ rows: 2, stored: 1, invalid: 1, errors: [{ row: 2, errors: [{ path: "tag-local-identifier", message: expect.stringContaining("COLSRC") }] }] });
    expect((await importCsv(t, "?collar=COLDST", csv, collarToken)).status).toBe(403);
  });

  it("streams a large import with bounded memory and a 401 before the body is read", async () => {
    const { animalId: big } = await deployedAnimal(t.api, "COLBIG");
    const rows = 30_000;
    async function* body() {
      yield "timestamp,location-long,location-lat,gps:hdop,padding\n";
      for (let i = 0; i < rows; i += 1000) {
        let s = "";
        for (let j = i; j < i + 1000; j++) s += `2026-03-01 ${String(Math.floor(j / 3600) % 24).padStart(2, "0")}:${String(Math.floor(j / 60) % 60).padStart(2, "0")}:${String(j % 60).padStart(2, "0")}.000,${35 + j * 1e-6},-1.5,1,${"x".repeat(100)}\n`;
        yield s;
      }
    }
    const unauth = await importCsv(t, "?collar=COLBIG", body(), "bad-token");
    expect(unauth.status).toBe(401);
    const res = await importCsv(t, "?collar=COLBIG", body());
    expect(res.status).toBe(200);
    // 30,000 rows at one a second span 8h20m: all distinct timestamps within one day.
    expect(res.body).toMatchObject({ rows, stored: rows, invalid: 0 });
    const { rows: n } = await t.server.db.query<{ n: string }>("SELECT count(*) AS n FROM fixes WHERE animal_id = $1", [big]);
    expect(Number(n[0]!.n)).toBe(rows);

    // Read the (several MB) export slowly: the server must wait for the socket to drain, not drop or buffer all.
    const exp = await fetch(`${t.server.url}/api/v1/animals/${big}/track.csv`, { headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    const reader = exp.body!.getReader();
    const dec = new TextDecoder();
    let text = "";
    for (let i = 0; ; i++) {
      const r = await reader.read();
      if (r.done) break;
      text += dec.decode(r.value, { stream: true });
      if (i < 20) await new Promise((res) => setTimeout(res, 25));
    }
    const lines = text.split("\r\n").filter(Boolean);
    expect(lines).toHaveLength(rows + 1);
    expect(lines[rows]).toContain("2026-03-01 08:19:59.000");
  });
});
