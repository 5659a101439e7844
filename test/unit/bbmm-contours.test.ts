// UD volume contours: areas, GeoJSON polygons (holes, several parts, winding), lon/lat round trip.
import { readFileSync } from "node:fs";
import * as turf from "@turf/turf";
import { describe, expect, it } from "vitest";
import {
  aeqdAround,
  aeqdForward,
  aeqdInverse,
  homeRange,
  isoPolygons,
  ringArea,
  udContours,
  volumeArea,
  volumeRaster,
  type ContourGeometry,
  type Grid,
  type MultiPolygonCoords,
} from "../../engine/bbmm/index.ts";
import { readTrackCsv } from "../../formats/track-csv.ts";

const DATA = new URL("../../../shared/datasets/", import.meta.url);
const locations = readTrackCsv(readFileSync(new URL("bbmm_locations.csv", DATA), "utf8"), { coords: "xy-m" }).tracks[0]!;

const polygons = (g: ContourGeometry): MultiPolygonCoords => (g.type === "Polygon" ? [g.coordinates] : g.coordinates);
const inside = (g: ContourGeometry, x: number, y: number) => turf.booleanPointInPolygon([x, y], { type: g.type, coordinates: g.coordinates } as never);
const planarArea = (g: ContourGeometry) => polygons(g).reduce((s, p) => s + p.reduce((t, r) => t + ringArea(r), 0), 0);

describe("volume raster", () => {
  it("ranks cells by density and accumulates their probability", () => {
    const ud = Float64Array.from([0.1, 0.4, 0.2, 0.3]);
    expect([...volumeRaster(ud)].map((v) => +v.toFixed(12))).toEqual([1, 0.4, 0.9, 0.7]);
    const grid: Grid = { x0: 0, y0: 0, cell: 1000, nx: 2, ny: 2 };
    expect(volumeArea(volumeRaster(ud), grid, 0.75)).toBe(2); // the two densest cells, 1 km² each
  });
});

describe("marching squares", () => {
  const grid: Grid = { x0: 0, y0: 0, cell: 1, nx: 40, ny: 40 };
  const field = (f: (x: number, y: number) => number) => {
    const v = new Float64Array(grid.nx * grid.ny);
    for (let j = 0; j < grid.ny; j++) for (let i = 0; i < grid.nx; i++) v[j * grid.nx + i] = f(i, j);
    return v;
  };

  it("keeps holes, with RFC 7946 winding (outer counter-clockwise, holes clockwise)", () => {
    const annulus = field((x, y) => Math.abs(Math.hypot(x - 20, y - 20) - 10)); // ≤ 5: 5 ≤ r ≤ 15
    const polys = isoPolygons(annulus, grid, 5, 1e9);
    expect(polys).toHaveLength(1);
    expect(polys[0]).toHaveLength(2);
    const [outer, hole] = polys[0]!;
    expect(ringArea(outer!)).toBeGreaterThan(0);
    expect(ringArea(hole!)).toBeLessThan(0);
    const area = ringArea(outer!) + ringArea(hole!);
    expect(area / (Math.PI * (15 ** 2 - 5 ** 2))).toBeCloseTo(1, 1);
    for (const ring of polys[0]!) expect(ring[0]).toEqual(ring[ring.length - 1]);
  });

  it("returns one polygon per separate region and closes regions cut by the grid edge", () => {
    const blobs = field((x, y) => Math.min(Math.hypot(x - 8, y - 8), Math.hypot(x - 30, y - 30), Math.hypot(x - 40, y)));
    const polys = isoPolygons(blobs, grid, 4, 1e9);
    expect(polys).toHaveLength(3);
    for (const p of polys) {
      expect(p).toHaveLength(1);
      expect(ringArea(p[0]!)).toBeGreaterThan(0);
    }
  });

  it("resolves saddles without crossing rings", () => {
    const checker = field((x, y) => ((Math.floor(x / 3) + Math.floor(y / 3)) % 2 ? 1 : 0));
    const polys = isoPolygons(checker, grid, 0.5, 2);
    for (const p of polys) for (const r of p) expect(r[0]).toEqual(r[r.length - 1]);
    const cellsInside = checker.reduce((s, v) => s + (v <= 0.5 ? 1 : 0), 0);
    const total = polys.reduce((s, p) => s + p.reduce((t, r) => t + ringArea(r), 0), 0);
    // Boundaries run halfway between cell centres; saddles (centre value = level, inside) join the
    // diagonal blocks by a small diamond, and the edge blocks reach a quarter cell past the grid.
    expect(total / cellsInside).toBeGreaterThan(0.95);
    expect(total / cellsInside).toBeLessThan(1.05);
  });
});

describe("home-range contours", () => {
  const hr = homeRange({ ...locations, coords: "xy-m" }, { locationError: 20, cell: 50, levels: [50, 95] });
  const [c50, c95] = hr.contours;

  it("gives a larger 95% than 50% area, matching the polygon area", () => {
    expect(c95!.areaKm2).toBeGreaterThan(c50!.areaKm2);
    expect(c50!.areaKm2).toBeGreaterThan(0);
    for (const c of hr.contours) expect(planarArea(c.geometry!) / 1e6 / c.areaKm2).toBeCloseTo(1, 1);
  });

  it("contains every fix in the 95% contour", () => {
    for (let i = 0; i < locations.x.length; i++) expect(inside(c95!.geometry!, locations.x[i]!, locations.y[i]!)).toBe(true);
  });

  it("nests the 50% contour inside the 95% contour", () => {
    for (const p of polygons(c50!.geometry!)) for (const [x, y] of p[0]!) expect(inside(c95!.geometry!, x!, y!)).toBe(true);
  });

  it("refuses levels outside (0, 100)", () => {
    expect(() => udContours(hr.ud, hr.grid, [0])).toThrow(/between 0 and 100/);
    expect(() => udContours(hr.ud, hr.grid, [100])).toThrow(/between 0 and 100/);
  });
});

describe("lon/lat input", () => {
  // The deer track moved to the Serengeti: lon/lat from the planar offsets about a centre.
  const centre = aeqdAround([34.8], [-2.3]);
  const mx = locations.x.reduce((s, v) => s + v, 0) / locations.x.length;
  const my = locations.y.reduce((s, v) => s + v, 0) / locations.y.length;
  const lonlat = Array.from(locations.x, (x, i) => aeqdInverse(centre, x - mx, locations.y[i]! - my));
  const lon = Float64Array.from(lonlat, (p) => p[0]!);
  const lat = Float64Array.from(lonlat, (p) => p[1]!);

  it("round-trips through the local projection", () => {
    const p = aeqdAround(lon, lat);
    const x = new Float64Array(lon.length);
    const y = new Float64Array(lon.length);
    aeqdForward(p, lon, lat, x, y);
    for (let i = 0; i < lon.length; i++) {
      const [l, f] = aeqdInverse(p, x[i]!, y[i]!);
      expect(l).toBeCloseTo(lon[i]!, 10);
      expect(f).toBeCloseTo(lat[i]!, 10);
      // Distance from the centre is the great-circle distance on the projection's sphere.
      const d = turf.distance([p.lon0, p.lat0], [lon[i]!, lat[i]!], { units: "radians" }) * p.radius;
      expect(Math.hypot(x[i]!, y[i]!)).toBeCloseTo(d, 3);
    }
  });

  it("gives the planar result and lon/lat polygons that contain the fixes", () => {
    const planar = homeRange({ ...locations, coords: "xy-m" }, { locationError: 20, cell: 50 });
    const geo = homeRange({ x: lon, y: lat, t: locations.t, coords: "lonlat" }, { locationError: 20, cell: 50 });
    // Only the projection centre differs (the track's mean rather than the placement point).
    expect(geo.motionVariance / planar.motionVariance).toBeCloseTo(1, 4);
    const c95 = geo.contours[1]!;
    expect(c95.areaKm2 / planar.contours[1]!.areaKm2).toBeCloseTo(1, 1);
    for (let i = 0; i < lon.length; i++) expect(inside(c95.geometry!, lon[i]!, lat[i]!)).toBe(true);
    // turf's spherical area of the lon/lat polygon agrees with the cell-count area.
    const turfKm2 = turf.area({ type: "Feature", properties: {}, geometry: c95.geometry as never }) / 1e6;
    expect(turfKm2 / c95.areaKm2).toBeCloseTo(1, 1);
  });

  it("scales xy-km input to metres and the contours back to km", () => {
    const km = homeRange(
      { x: Float64Array.from(locations.x, (v) => v / 1000), y: Float64Array.from(locations.y, (v) => v / 1000), t: locations.t, coords: "xy-km" },
      { locationError: 20, cell: 50 },
    );
    expect(km.motionVariance).toBeCloseTo(3146.85, 1);
    const g = km.contours[1]!.geometry!;
    for (let i = 0; i < locations.x.length; i++) expect(inside(g, locations.x[i]! / 1000, locations.y[i]! / 1000)).toBe(true);
  });
});
