// GET /overtime's TimescaleDB branch (time_bucket, and the fixes_hourly continuous aggregate for whole
// hours) must give the same buckets as the native branch (date_bin over fixes) on the same data.
// The TimescaleDB build of PGlite has no PostGIS, so the schema is migrated with skipPostgis.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../store/database.ts";
import { migrate } from "../../store/migrate.ts";
import { PgliteDatabase } from "../../store/pglite-database.ts";
import { hasTimescale, overtime, type OvertimeFilter } from "../../store/repos/overtime.ts";

const T0 = Date.UTC(2026, 9, 5); // a Monday

async function seed(db: Database): Promise<void> {
  await db.exec(`
    INSERT INTO herds (id, species_name) VALUES ('H1', 'elephant'), ('H2', 'elephant');
    INSERT INTO families (id, herd_id, friendly_name) VALUES ('F1', 'H1', 'a'), ('F2', 'H2', 'b');
    INSERT INTO animals (id, name, species, family_id) SELECT 'A' || i, 'n' || i, 'elephant', CASE WHEN i % 2 = 0 THEN 'F1' ELSE 'F2' END FROM generate_series(1, 6) i;`);
  // 6 animals, a fix every 7 minutes for 3 days, deterministic steps and speeds.
  await db.query(
    `INSERT INTO fixes (collar_id, ts, animal_id, lat, lon, step_m, speed_kmh, quality)
     SELECT 'C' || a, to_timestamp(($1::bigint + i * 420000 + a * 1000) / 1000.0), 'A' || a, -1.5, 35.0,
            (a * 37 + i * 11) % 500, ((a * 13 + i * 7) % 90) / 10.0, '{}'
       FROM generate_series(1, 6) a, generate_series(0, 617) i`,
    [T0],
  );
  await db.query(
    `INSERT INTO observations (id, family_id, ts, lat, lon, size, health)
     SELECT 'O' || i, CASE WHEN i % 3 = 0 THEN 'F1' ELSE 'F2' END, to_timestamp(($1::bigint + i * 3000000) / 1000.0), -1.5, 35.0, i % 17, (i % 11)::real
       FROM generate_series(0, 80) i`,
    [T0],
  );
}

/** Both null (no data in the bucket), or numerically close. */
function close(x: number | null, y: number | null, digits: number): void {
  if (x === null || y === null) return expect(x).toBe(y);
  expect(x).toBeCloseTo(y, digits);
}

describe("overtime: TimescaleDB branch vs native branch", () => {
  let ts: PgliteDatabase;
  let native: PgliteDatabase;

  beforeAll(async () => {
    ts = await PgliteDatabase.openTimescale("memory://");
    await migrate(ts, { skipPostgis: true });
    native = await PgliteDatabase.open("memory://");
    await migrate(native);
    await seed(ts);
    await seed(native);
  }, 120_000);

  afterAll(async () => {
    await ts?.close();
    await native?.close();
  });

  it.each<[string, Partial<OvertimeFilter>]>([
    ["1h over whole hours (continuous aggregate)", { bucket: "1h" }],
    ["1h for one herd (continuous aggregate)", { bucket: "1h", herd: "H1" }],
    ["15m for one family (raw fixes)", { bucket: "15m", family: "F2" }],
    ["1d for one animal", { bucket: "1d", animal: "A3" }],
    ["7d", { bucket: "7d" }],
  ])("%s", async (_name, f) => {
    expect(await hasTimescale(ts)).toBe(true);
    expect(await hasTimescale(native)).toBe(false);
    const filter = { from: T0, to: T0 + 3 * 86_400_000, ...f } as OvertimeFilter;
    const a = await overtime(ts, filter);
    const b = await overtime(native, filter);
    expect(a.length).toBeGreaterThan(0);
    expect(a.map((x) => x.bucket)).toEqual(b.map((x) => x.bucket));
    for (let i = 0; i < a.length; i++) {
      const [x, y] = [a[i]!, b[i]!];
      expect({ fixes: x.fixes, animals: x.animals, observations: x.observations }).toEqual({ fixes: y.fixes, animals: y.animals, observations: y.observations });
      expect(x.distance_m).toBeCloseTo(y.distance_m, 3);
      close(x.mean_speed, y.mean_speed, 4);
      close(x.mean_size, y.mean_size, 6);
      close(x.mean_health, y.mean_health, 6);
    }
  });
});
