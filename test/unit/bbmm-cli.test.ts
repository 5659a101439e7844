// `wt bbmm`: the JSON contract of API.md, GeoJSON output, the dynamic model and the errors.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runBbmm } from "../../cli/bbmm.ts";
import { aeqdAround, aeqdInverse } from "../../engine/bbmm/index.ts";

const DATA = fileURLToPath(new URL("../../../shared/datasets/", import.meta.url));
const LOCATIONS = join(DATA, "bbmm_locations.csv");

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runBbmm(args, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out, err, json: () => JSON.parse(out.at(-1)!) };
}

describe("wt bbmm", () => {
  it("gives 3146.85 m²/min over 12 bridges and the contour areas for bbmm_locations.csv", async () => {
    const r = await run(["--input", LOCATIONS, "--location-error", "20", "--cell", "50", "--json"]);
    expect(r.code).toBe(0);
    const j = r.json();
    expect(Math.abs(j.motion_variance_m2_per_min / 3146.85 - 1)).toBeLessThan(0.005);
    expect(j.n_bridges).toBe(12);
    expect(Object.keys(j.areas_km2)).toEqual(["50", "95"]);
    expect(j.areas_km2["95"]).toBeGreaterThan(j.areas_km2["50"]);
    expect(j.model).toBe("static");
  });

  it("takes --levels and writes the contours with --geojson", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wt-bbmm-"));
    const file = join(dir, "hr.geojson");
    const r = await run(["--input", LOCATIONS, "--location-error", "20", "--cell", "100", "--levels", "50,75,99", "--geojson", file, "--json"]);
    expect(r.code).toBe(0);
    expect(Object.keys(r.json().areas_km2)).toEqual(["50", "75", "99"]);
    const fc = JSON.parse(readFileSync(file, "utf8"));
    expect(fc.type).toBe("FeatureCollection");
    expect(fc.features.map((f: { properties: { level: number } }) => f.properties.level)).toEqual([50, 75, 99]);
    expect(["Polygon", "MultiPolygon"]).toContain(fc.features[2].geometry.type);
  });

  it("prints a readable summary without --json", async () => {
    const r = await run(["--input", LOCATIONS, "--location-error", "20", "--cell", "100"]);
    expect(r.code).toBe(0);
    expect(r.out.join("\n")).toMatch(/3146\.85 m²\/min, 12 leave-one-out bridges/);
    expect(r.out.join("\n")).toMatch(/95% UD: .* km²/);
  });

  it("runs the dynamic model with --dynamic", async () => {
    const r = await run(["--input", join(DATA, "buffalo.csv"), "--location-error", "20", "--cell", "100", "--dynamic", "--json"]);
    expect(r.code).toBe(0);
    const j = r.json();
    expect(j.model).toBe("dynamic");
    expect(j.dynamic.window).toBe(31);
    expect(j.dynamic.margin).toBe(11);
    expect(j.dynamic.variance_min).toBeLessThanOrEqual(j.dynamic.variance_median);
    expect(j.dynamic.breaks.length).toBeGreaterThan(0);
    expect(j.n_bridges).toBe(1270);
  });

  it("reads Movebank lon/lat with --coords lonlat and returns lon/lat contours", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wt-bbmm-"));
    const lines = readFileSync(LOCATIONS, "utf8").trim().split("\n").slice(1);
    const p = aeqdAround([34.8], [-2.3]);
    const rows = lines.map((l) => {
      const [x, y, , ts] = l.split(",");
      const [lon, lat] = aeqdInverse(p, Number(x) - 580000, Number(y) - 4742000);
      return `${lon},${lat},deer-1,${ts}`;
    });
    const file = join(dir, "movebank.csv");
    writeFileSync(file, ["location-long,location-lat,individual-local-identifier,timestamp", ...rows].join("\n"));
    const geo = join(dir, "hr.geojson");
    const r = await run(["--input", file, "--coords", "lonlat", "--location-error", "20", "--cell", "50", "--geojson", geo, "--json"]);
    expect(r.code).toBe(0);
    // A Movebank header is read as lon/lat without --coords.
    const auto = await run(["--input", file, "--location-error", "20", "--cell", "50", "--json"]);
    expect(auto.json().motion_variance_m2_per_min).toBe(r.json().motion_variance_m2_per_min);
    expect(r.json().motion_variance_m2_per_min / 3146.85).toBeCloseTo(1, 2);
    const g = JSON.parse(readFileSync(geo, "utf8")).features[1].geometry;
    const [lon, lat] = g.type === "Polygon" ? g.coordinates[0][0] : g.coordinates[0][0][0];
    expect(Math.abs(lon - 34.8)).toBeLessThan(0.2);
    expect(Math.abs(lat + 2.3)).toBeLessThan(0.2);
  });

  it("fits one animal per run: several need --animal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wt-bbmm-"));
    const body = readFileSync(LOCATIONS, "utf8").trim().split("\n").slice(1);
    const file = join(dir, "two.csv");
    writeFileSync(file, ["x,y,time.lag,timestamp,id", ...body.map((l) => l + ",a"), ...body.map((l) => l + ",b")].join("\n"));
    const r = await run(["--input", file, "--location-error", "20", "--cell", "100", "--json"]);
    expect(r.code).toBe(1);
    expect(r.err.join("\n")).toMatch(/2 animals in column "id" \(a, b\).*--animal/);
    const one = await run(["--input", file, "--location-error", "20", "--cell", "100", "--animal", "b", "--json"]);
    expect(one.code).toBe(0);
    expect(one.json().animal).toBe("b");
    expect(one.json().n_bridges).toBe(12);
  });

  it("prints usage with --help and reports bad input on stderr with exit code 1", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out.join("\n")).toMatch(/--location-error M/);
    expect(help.out.join("\n")).toMatch(/--dynamic/);
    for (const args of [
      ["--input", LOCATIONS, "--cell", "50"],
      ["--input", LOCATIONS, "--location-error", "20"],
      ["--input", LOCATIONS, "--location-error", "-1", "--cell", "50"],
      ["--input", LOCATIONS, "--location-error", "20", "--cell", "50", "--levels", "50,100"],
      ["--input", join(DATA, "missing.csv"), "--location-error", "20", "--cell", "50"],
      ["--input", LOCATIONS, "--location-error", "20", "--cell", "50", "--dynamic"], // 25 fixes < window 31
      ["--input", LOCATIONS, "--location-error", "20", "--cell", "50", "--dynamic", "--window", "30"],
      ["--input", LOCATIONS, "--location-error", "20", "--cell", "50", "--nope"],
      ["--input", join(DATA, "haggis.csv"), "--location-error", "20", "--cell", "50", "--id", "ID", "--animal", "1"], // no timestamps
    ]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err.join("\n"), args.join(" ")).toMatch(/^wt bbmm: /);
      expect(r.out).toEqual([]);
    }
  });
});
