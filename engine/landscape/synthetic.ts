// A deterministic synthetic Mara–Serengeti-like study area for demos and tests: the same seed gives
// byte-identical layers on every platform. The pieces depend on each other the way real ones do:
// rivers carve valleys into a plateau rising to the east, vegetation is greener near water and thinner
// uphill, villages and their roads sit at the edges with farmland around them, and land cover is read
// off those fields. Each part draws from its own seeded stream, so changing one part's recipe leaves
// the others unchanged. Shapes are laid out in cells, so they scale with the grid.
import { hashSeed, Rng } from "../../simulator/random.ts";
import { distanceToMask } from "./distance-transform.ts";
import { fractalNoise } from "./noise.ts";
import { gridForBounds, LANDCOVER, type CovariateStack, type Grid } from "./stack.ts";
import { layOutSettlements } from "./synthetic-settlements.ts";
import { layOutWater, type CellPoint } from "./synthetic-water.ts";

/** Same extent as the simulator's STUDY_AREA (simulator/movement.ts), so simulated animals walk on it. */
export const DEFAULT_BOUNDS = { west: 34.6, south: -2.2, east: 35.6, north: -1.2 } as const;
/** ≈ 555 m: 200 × 200 cells over the default bounds. */
export const DEFAULT_CELL_DEG = 0.005;

export const ELEVATION_RANGE_M = [1400, 2200] as const;
/** Natural vegetation greener than this is woodland (riverine forest, thickets); the rest grassland. */
const WOODLAND_NDVI = 0.48;

export interface SyntheticOptions {
  bounds?: { west: number; south: number; east: number; north: number };
  cellDeg?: number;
}

export type LonLat = [lon: number, lat: number];

/** The vector features the rasters were made from, for maps and tests. */
export interface LandscapeFeatures {
  rivers: LonLat[][];
  waterPoints: LonLat[];
  villages: LonLat[];
  roads: LonLat[][];
}

export interface SyntheticLandscape extends CovariateStack {
  features: LandscapeFeatures;
}

function elevationField(rng: Rng, nx: number, ny: number): Float64Array {
  // Plateau rising to the east (± 30°), a dozen broad hills and hollows, and fine relief.
  const angle = ((rng.uniform() - 0.5) * Math.PI) / 3;
  const hills = Array.from({ length: 8 + rng.int(5) }, () => ({
    x: rng.uniform() * nx,
    y: rng.uniform() * ny,
    sigma: (0.03 + 0.09 * rng.uniform()) * Math.min(nx, ny),
    amp: -0.25 + 0.85 * rng.uniform(),
  }));
  const noise = fractalNoise(rng, nx, ny, Math.max(4, nx / 6), 4);
  const out = new Float64Array(nx * ny);
  for (let row = 0; row < ny; row++) {
    for (let col = 0; col < nx; col++) {
      const x = col + 0.5;
      const y = row + 0.5;
      let z = 0.8 * (Math.cos(angle) * (x / nx - 0.5) - Math.sin(angle) * (y / ny - 0.5));
      for (const h of hills) z += h.amp * Math.exp(-((x - h.x) ** 2 + (y - h.y) ** 2) / (2 * h.sigma * h.sigma));
      out[row * nx + col] = z + 0.12 * noise[row * nx + col]!;
    }
  }
  return out;
}

function toLonLat(grid: Grid, [x, y]: CellPoint): LonLat {
  const round = (v: number): number => Math.round(v * 1e6) / 1e6;
  return [round(grid.west + x * grid.cellLon), round(grid.north - y * grid.cellLat)];
}

/** The synthetic landscape for `seed` (any number or string). */
export function syntheticLandscape(seed: number | string, options: SyntheticOptions = {}): SyntheticLandscape {
  const grid = gridForBounds(options.bounds ?? DEFAULT_BOUNDS, options.cellDeg ?? DEFAULT_CELL_DEG);
  const { nx, ny } = grid;
  const n = nx * ny;
  const stream = (part: string): Rng => new Rng(hashSeed("landscape", seed, part));

  const water = layOutWater(stream("water"), nx, ny);
  const distWater = distanceToMask(grid, water.mask);

  // Valleys along the water, then the whole relief stretched onto the plateau's height range.
  const relief = elevationField(stream("elevation"), nx, ny);
  for (let i = 0; i < n; i++) relief[i] = relief[i]! - 0.15 * Math.exp(-distWater[i]! / 4000);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, relief[i]!);
    hi = Math.max(hi, relief[i]!);
  }
  const [minElev, maxElev] = ELEVATION_RANGE_M;
  const elevation = new Float32Array(n);
  for (let i = 0; i < n; i++) elevation[i] = minElev + ((relief[i]! - lo) / (hi - lo || 1)) * (maxElev - minElev);

  const people = layOutSettlements(stream("settlements"), nx, ny);
  const distSettlement = distanceToMask(grid, people.network);
  const distVillage = distanceToMask(grid, people.villages);

  const ndviRng = stream("ndvi");
  const greenNoise = fractalNoise(ndviRng, nx, ny, Math.max(3, nx / 12), 3);
  const farmNoise = fractalNoise(stream("farmland"), nx, ny, Math.max(3, nx / 10), 2);
  const ndvi = new Float32Array(n);
  const landcover = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const uphill = (elevation[i]! - minElev) / (maxElev - minElev);
    const jitter = 0.02 * (2 * ndviRng.uniform() - 1);
    const natural = 0.32 + 0.38 * Math.exp(-distWater[i]! / 1800) - 0.22 * uphill + 0.2 * greenNoise[i]! + jitter;
    let v = Math.min(0.88, Math.max(0.02, natural));
    let cls: number;
    if (water.mask[i]) {
      cls = LANDCOVER.water;
      v = -0.1 + 4 * jitter; // open water reflects more red than near-infrared
    } else if (people.villages[i]) {
      cls = LANDCOVER.settlement;
      v = 0.12 + jitter;
    } else if (distVillage[i]! < 5000 * (1 + 0.5 * farmNoise[i]!) || distSettlement[i]! < 1000 * (1 + farmNoise[i]!)) {
      // Fields around the villages, thinning out along the roads between them.
      cls = LANDCOVER.farmland;
      v = 0.55 * v + 0.15; // crops and fallow: greener than bare ground, never like riverine forest
    } else {
      cls = v > WOODLAND_NDVI ? LANDCOVER.woodland : LANDCOVER.grassland;
    }
    ndvi[i] = v;
    landcover[i] = cls;
  }

  return {
    grid,
    layers: { elevation, ndvi, dist_water: distWater, landcover, dist_settlement: distSettlement },
    features: {
      rivers: water.rivers.map((r) => r.map((p) => toLonLat(grid, p))),
      waterPoints: water.waterPoints.map((p) => toLonLat(grid, p)),
      villages: people.villagePoints.map((p) => toLonLat(grid, p)),
      roads: people.roads.map((r) => r.map((p) => toLonLat(grid, p))),
    },
  };
}

/** Share of cells in each land-cover class (by code), for reports and sanity checks. */
export function landcoverShares(stack: CovariateStack): Record<number, number> {
  const counts: Record<number, number> = {};
  const lc = stack.layers.landcover;
  for (let i = 0; i < lc.length; i++) counts[lc[i]!] = (counts[lc[i]!] ?? 0) + 1;
  for (const k of Object.keys(counts)) counts[Number(k)] = counts[Number(k)]! / lc.length;
  return counts;
}
