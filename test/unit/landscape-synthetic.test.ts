import { describe, expect, it } from "vitest";
import { haversineDistance } from "../../engine/geo.ts";
import { cellCentreLat, cellCentreLon, LANDCOVER, LAYERS } from "../../engine/landscape/stack.ts";
import { DEFAULT_BOUNDS, ELEVATION_RANGE_M, landcoverShares, syntheticLandscape } from "../../engine/landscape/synthetic.ts";
import { STUDY_AREA } from "../../simulator/movement.ts";

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("synthetic Mara–Serengeti landscape", () => {
  const land = syntheticLandscape(42);
  const { nx, ny } = land.grid;
  const L = land.layers;

  it("is byte-identical for the same seed and differs for another", () => {
    const again = syntheticLandscape(42);
    const other = syntheticLandscape(43);
    for (const name of LAYERS) {
      expect(bytes(again.layers[name]).equals(bytes(L[name]))).toBe(true);
      expect(bytes(other.layers[name]).equals(bytes(L[name]))).toBe(false);
    }
    expect(again.features).toEqual(land.features);
    expect(bytes(syntheticLandscape("mara").layers.ndvi).equals(bytes(syntheticLandscape("mara").layers.ndvi))).toBe(true);
  });

  it("covers the simulator's study area with 200 × 200 cells of 0.005°", () => {
    expect(DEFAULT_BOUNDS).toEqual({ ...STUDY_AREA });
    expect(land.grid).toMatchObject({ nx: 200, ny: 200, cellLon: 0.005, cellLat: 0.005, west: 34.6, north: -1.2 });
    expect(land.grid.east).toBeCloseTo(35.6, 12);
    expect(land.grid.south).toBeCloseTo(-2.2, 12);
    for (const name of LAYERS) expect(L[name].length).toBe(nx * ny);
    const small = syntheticLandscape(42, { bounds: { west: 35, south: -1.5, east: 35.3, north: -1.3 }, cellDeg: 0.01 });
    expect([small.grid.nx, small.grid.ny]).toEqual([30, 20]);
  });

  it("keeps every layer in its documented range, without no-data cells", () => {
    const range = (a: Float32Array): [number, number] => {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of a) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v); // a NaN would leave lo/hi untouched: caught by the count below
      }
      return [lo, hi];
    };
    for (const name of LAYERS) expect(L[name].filter(Number.isNaN).length).toBe(0);
    expect(range(L.elevation)).toEqual([...ELEVATION_RANGE_M]);
    const [ndviLo, ndviHi] = range(L.ndvi);
    expect(ndviLo).toBeGreaterThanOrEqual(-1);
    expect(ndviHi).toBeLessThanOrEqual(1);
    expect(range(L.dist_water)[0]).toBe(0);
    expect(range(L.dist_settlement)[0]).toBe(0);
    expect(new Set(L.landcover)).toEqual(new Set([1, 2, 3, 4, 5]));
    const shares = landcoverShares(land);
    for (const code of [1, 2, 3, 4, 5]) expect(shares[code]).toBeGreaterThan(0);
    expect(shares[LANDCOVER.grassland]).toBeGreaterThan(0.5); // a savanna
  });

  it("derives distances and land cover consistently", () => {
    let mismatched = 0;
    for (let i = 0; i < nx * ny; i++) {
      if ((L.dist_water[i] === 0) !== (L.landcover[i] === LANDCOVER.water)) mismatched++;
      if (L.landcover[i] === LANDCOVER.settlement && L.dist_settlement[i] !== 0) mismatched++;
    }
    expect(mismatched).toBe(0);
    // Distances are metres on the ground: check sampled cells against the great-circle distance to the nearest water cell.
    const water: number[] = [];
    for (let i = 0; i < nx * ny; i++) if (L.landcover[i] === LANDCOVER.water) water.push(i);
    for (let i = 7; i < nx * ny; i += 997) {
      const lat = cellCentreLat(land.grid, Math.floor(i / nx));
      const lon = cellCentreLon(land.grid, i % nx);
      let best = Infinity;
      for (const w of water) best = Math.min(best, haversineDistance(lat, lon, cellCentreLat(land.grid, Math.floor(w / nx)), cellCentreLon(land.grid, w % nx)));
      expect(Math.abs(L.dist_water[i]! - best)).toBeLessThanOrEqual(0.002 * best + 0.5);
    }
  });

  it("is greener near water, farmed around villages at the edges", () => {
    const mean = (pick: (i: number) => boolean, layer: Float32Array): number => {
      let s = 0;
      let n = 0;
      for (let i = 0; i < nx * ny; i++) {
        if (!pick(i)) continue;
        s += layer[i]!;
        n++;
      }
      return s / n;
    };
    const dry = (i: number): boolean => L.landcover[i] !== LANDCOVER.water;
    const nearWater = mean((i) => dry(i) && L.dist_water[i]! < 1500, L.ndvi);
    const farFromWater = mean((i) => dry(i) && L.dist_water[i]! > 6000, L.ndvi);
    expect(nearWater).toBeGreaterThan(farFromWater + 0.1);
    expect(mean((i) => L.landcover[i] === LANDCOVER.farmland, L.dist_settlement)).toBeLessThan(
      mean((i) => L.landcover[i] === LANDCOVER.grassland, L.dist_settlement) / 5,
    );
    expect(land.features.villages.length).toBeGreaterThanOrEqual(6);
    for (const [lon, lat] of land.features.villages) {
      const fromEdge = Math.min(lon - land.grid.west, land.grid.east - lon, lat - land.grid.south, land.grid.north - lat);
      expect(fromEdge).toBeLessThan(0.1); // within ~11 km of the study area's edge
    }
    expect(land.features.rivers.length).toBeGreaterThanOrEqual(4);
  });
});
