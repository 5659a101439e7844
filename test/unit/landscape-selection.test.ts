import { describe, expect, it } from "vitest";
import { destinationPoint } from "../../engine/geo.ts";
import { sampleAt } from "../../engine/landscape/sample.ts";
import { chooseStep, DEFAULT_SELECTION, NO_SELECTION, selectionWeight, type SelectionCoefficients } from "../../engine/landscape/selection.ts";
import { emptyStack, LANDCOVER, makeGrid, type CovariateStack } from "../../engine/landscape/stack.ts";
import { syntheticLandscape } from "../../engine/landscape/synthetic.ts";
import { Rng } from "../../simulator/random.ts";

const grass = { elevation: 1600, ndvi: 0.4, dist_water: 2000, landcover: LANDCOVER.grassland, dist_settlement: 3000 };

describe("selection weight", () => {
  it("is exp(β·x) with distances in km and the settlement distance capped", () => {
    const b = DEFAULT_SELECTION;
    expect(selectionWeight(grass)).toBeCloseTo(Math.exp(b.distWaterPerKm * 2 + b.ndvi * 0.4 + b.distSettlementPerKm * 3), 12);
    const far = selectionWeight({ ...grass, dist_settlement: 20_000 });
    expect(far).toBeCloseTo(selectionWeight({ ...grass, dist_settlement: b.settlementCapKm * 1000 }), 12);
    expect(selectionWeight({ ...grass, dist_water: 500 })).toBeGreaterThan(selectionWeight(grass));
    expect(selectionWeight({ ...grass, ndvi: 0.6 })).toBeGreaterThan(selectionWeight(grass));
    expect(selectionWeight({ ...grass, dist_settlement: 500 })).toBeLessThan(selectionWeight(grass));
    expect(selectionWeight({ ...grass, landcover: LANDCOVER.farmland })).toBeCloseTo(selectionWeight(grass) * Math.exp(b.farmland), 12);
    expect(selectionWeight({ ...grass, landcover: LANDCOVER.settlement })).toBeLessThan(selectionWeight({ ...grass, landcover: LANDCOVER.farmland }));
    expect(selectionWeight(grass, NO_SELECTION)).toBe(1);
  });

  it("is 0 where the habitat is unknown", () => {
    expect(selectionWeight({ ...grass, ndvi: NaN })).toBe(0);
    expect(selectionWeight({ ...grass, landcover: NaN })).toBe(0);
    expect(selectionWeight({ ...grass, dist_water: NaN }, NO_SELECTION)).toBe(0);
  });
});

describe("chooseStep", () => {
  // Two 1° cells side by side: the west one wet and green, the east one dry.
  const stack: CovariateStack = emptyStack(makeGrid(0, 1, 1, 1, 2, 1));
  stack.layers.elevation.set([1500, 1500]);
  stack.layers.ndvi.set([0.6, 0.2]);
  stack.layers.dist_water.set([0, 3000]);
  stack.layers.landcover.set([LANDCOVER.grassland, LANDCOVER.grassland]);
  stack.layers.dist_settlement.set([10_000, 10_000]);

  it("picks candidates in proportion to their weights", () => {
    const cands = Float64Array.from([0.5, 0.5, 1.5, 0.5, 0.5, 0.5]); // wet, dry, wet
    const wWet = selectionWeight(sampleAt(stack, 0.5, 0.5));
    const wDry = selectionWeight(sampleAt(stack, 1.5, 0.5));
    const rng = new Rng("choose");
    const counts = [0, 0, 0];
    const n = 20_000;
    for (let i = 0; i < n; i++) counts[chooseStep(stack, cands, rng)]!++;
    const pDry = wDry / (2 * wWet + wDry);
    expect(counts[1]! / n).toBeCloseTo(pDry, 2);
    expect(Math.abs(counts[0]! - counts[2]!) / n).toBeLessThan(0.02);
  });

  it("never takes a candidate off the map while one is on it, and walks strays back toward the centre", () => {
    const rng = new Rng("edge");
    const cands = Float64Array.from([-0.5, 0.5, 1.5, 0.5, 2.5, 0.5]);
    for (let i = 0; i < 200; i++) expect(chooseStep(stack, cands, rng, NO_SELECTION)).toBe(1);
    expect(chooseStep(stack, Float64Array.from([-3, 0.5, -1, 0.4, 5, 0.5]), rng)).toBe(1);
  });

  it("consumes exactly one uniform per call", () => {
    const a = new Rng(7);
    const b = new Rng(7);
    chooseStep(stack, Float64Array.from([0.5, 0.5, 1.5, 0.5]), a);
    chooseStep(stack, Float64Array.from([-9, 9]), a); // the all-off-map fallback too
    b.uniform();
    b.uniform();
    expect(a.nextUint32()).toBe(b.nextUint32());
    expect(() => chooseStep(stack, new Float64Array(0), a)).toThrow(/lon\/lat pairs/);
  });
});

describe("habitat selection on the synthetic landscape", () => {
  const land = syntheticLandscape("mara");

  interface Usage {
    distWater: number;
    ndvi: number;
    nearPeople: number; // share of steps within 2 km of a village or road
    steps: number;
  }

  // A correlated random walk (gamma steps of mean 400 m, von Mises turns) offered 10 candidate steps at a
  // time; NO_SELECTION takes any on-map candidate, so the only difference between walkers is selection.
  function walk(b: SelectionCoefficients, seed: number, start: [number, number], steps: number, usage: Usage): void {
    const rng = new Rng(seed);
    const k = 10;
    const cands = new Float64Array(2 * k);
    const headings = new Float64Array(k);
    let [lon, lat] = start;
    let heading = rng.uniform() * 360;
    for (let t = 0; t < steps; t++) {
      for (let i = 0; i < k; i++) {
        const h = heading + (rng.vonMises(0, 1) * 180) / Math.PI;
        const p = destinationPoint(lat, lon, h, rng.gamma(2, 200));
        cands[2 * i] = p.lon;
        cands[2 * i + 1] = p.lat;
        headings[i] = h;
      }
      const j = chooseStep(land, cands, rng, b);
      lon = cands[2 * j]!;
      lat = cands[2 * j + 1]!;
      heading = headings[j]!;
      const c = sampleAt(land, lon, lat);
      if (Number.isNaN(c.dist_water)) continue; // a moment off the map (every candidate was)
      usage.distWater += c.dist_water;
      usage.ndvi += c.ndvi;
      if (c.dist_settlement < 2000) usage.nearPeople++;
      usage.steps++;
    }
  }

  function usage(b: SelectionCoefficients): Usage {
    const u: Usage = { distWater: 0, ndvi: 0, nearPeople: 0, steps: 0 };
    // Half the walkers start 3 km from a village, half anywhere: the same starts for both kinds of walker.
    const placer = new Rng("starts");
    for (let w = 0; w < 12; w++) {
      let start: [number, number];
      if (w % 2 === 0) {
        const v = land.features.villages[(w / 2) % land.features.villages.length]!;
        const p = destinationPoint(v[1], v[0], placer.uniform() * 360, 3000);
        start = [Math.min(land.grid.east - 0.01, Math.max(land.grid.west + 0.01, p.lon)), Math.min(land.grid.north - 0.01, Math.max(land.grid.south + 0.01, p.lat))];
      } else {
        start = [land.grid.west + 0.05 + placer.uniform() * 0.9, land.grid.south + 0.05 + placer.uniform() * 0.9];
      }
      walk(b, 1000 + w, start, 3000, u);
    }
    return { distWater: u.distWater / u.steps, ndvi: u.ndvi / u.steps, nearPeople: u.nearPeople / u.steps, steps: u.steps };
  }

  it("keeps a selecting walker nearer water and forage and away from people than a random walker", () => {
    const selecting = usage(DEFAULT_SELECTION);
    const random = usage(NO_SELECTION);
    expect(selecting.steps).toBeGreaterThan(0.99 * 12 * 3000);
    expect(random.steps).toBeGreaterThan(0.99 * 12 * 3000);
    expect(selecting.distWater).toBeLessThan(0.6 * random.distWater);
    expect(selecting.ndvi).toBeGreaterThan(random.ndvi + 0.04);
    expect(selecting.nearPeople).toBeLessThan(0.5 * random.nearPeople);
  });
});
