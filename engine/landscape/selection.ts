// Habitat selection for simulated movement, as a step-selection function (Fortin et al. 2005; Avgar
// et al. 2016): the movement model proposes k candidate end points from its step-length and turning
// distributions, and the animal takes candidate i with probability w_i / Σw, w = exp(β·x) of the
// habitat x at the end point. Selection therefore reweights where the animal goes without changing how
// it moves. The defaults make a savanna grazer: drawn to water and green forage, keeping away from
// people up to a few kilometres and avoiding fields and villages.
import type { Rng } from "../../simulator/random.ts";
import { sampleInto, type Covariates } from "./sample.ts";
import { LANDCOVER, LAYERS, type CovariateStack } from "./stack.ts";

export interface SelectionCoefficients {
  /** β per km to the nearest water (negative: drawn to water). */
  distWaterPerKm: number;
  /** β per NDVI unit (positive: drawn to green forage). */
  ndvi: number;
  /** β per km to the nearest village or road, counted up to settlementCapKm (positive: keeps away). */
  distSettlementPerKm: number;
  /** Beyond this distance people no longer matter, so remoteness stops paying. */
  settlementCapKm: number;
  /** β added on cells of these land-cover classes (negative: avoided; grassland and woodland are the baseline). */
  farmland: number;
  settlement: number;
  water: number;
}

export const DEFAULT_SELECTION: Readonly<SelectionCoefficients> = Object.freeze({
  distWaterPerKm: -0.5,
  ndvi: 4,
  distSettlementPerKm: 0.6,
  settlementCapKm: 5,
  farmland: -1,
  settlement: -3,
  water: 0,
});

/** No preference at all: every candidate with habitat data is equally likely (a plain correlated random walk). */
export const NO_SELECTION: Readonly<SelectionCoefficients> = Object.freeze({
  distWaterPerKm: 0,
  ndvi: 0,
  distSettlementPerKm: 0,
  settlementCapKm: 0,
  farmland: 0,
  settlement: 0,
  water: 0,
});

/** β·x for raw covariate values; NaN when the habitat is unknown there (off the map or no data). */
export function selectionScore(ndvi: number, distWater: number, landcover: number, distSettlement: number, b: SelectionCoefficients): number {
  if (ndvi !== ndvi || distWater !== distWater || landcover !== landcover || distSettlement !== distSettlement) return NaN;
  let s = b.distWaterPerKm * (distWater / 1000) + b.ndvi * ndvi + b.distSettlementPerKm * Math.min(distSettlement / 1000, b.settlementCapKm);
  if (landcover === LANDCOVER.farmland) s += b.farmland;
  else if (landcover === LANDCOVER.settlement) s += b.settlement;
  else if (landcover === LANDCOVER.water) s += b.water;
  return s;
}

/** exp(β·x): the relative chance of ending a step here; 0 where the habitat is unknown. */
export function selectionWeight(c: Covariates, b: SelectionCoefficients = DEFAULT_SELECTION): number {
  const s = selectionScore(c.ndvi, c.dist_water, c.landcover, c.dist_settlement, b);
  return s === s ? Math.exp(s) : 0;
}

// Scratch reused across calls so the simulator's hot loop allocates nothing.
const here = new Float64Array(LAYERS.length);
let scores = new Float64Array(16);
const NDVI = LAYERS.indexOf("ndvi");
const DIST_WATER = LAYERS.indexOf("dist_water");
const LANDCOVER_AT = LAYERS.indexOf("landcover");
const DIST_SETTLEMENT = LAYERS.indexOf("dist_settlement");

/**
 * Index of the chosen candidate: candidates holds k end points as [lon0, lat0, lon1, lat1, …], chosen
 * with probability ∝ selectionWeight. Consumes exactly one rng.uniform() per call, whatever happens,
 * so a simulation's random stream stays aligned. When no candidate has habitat data (all off the map)
 * the one nearest the map's centre is returned, so a stray animal walks back.
 */
export function chooseStep(
  stack: CovariateStack,
  candidates: Float64Array,
  rng: Rng,
  b: SelectionCoefficients = DEFAULT_SELECTION,
): number {
  const k = candidates.length >> 1;
  if (k === 0 || candidates.length % 2 !== 0) throw new RangeError("chooseStep: candidates must hold k ≥ 1 lon/lat pairs");
  if (scores.length < k) scores = new Float64Array(2 * k);
  let best = -Infinity;
  for (let i = 0; i < k; i++) {
    sampleInto(stack, candidates[2 * i]!, candidates[2 * i + 1]!, here);
    const s = selectionScore(here[NDVI]!, here[DIST_WATER]!, here[LANDCOVER_AT]!, here[DIST_SETTLEMENT]!, b);
    scores[i] = s;
    if (s > best) best = s;
  }
  const u = rng.uniform();
  if (best === -Infinity) return nearestToCentre(stack, candidates, k);
  // Weights relative to the best candidate: exp never overflows, and the best one has weight 1.
  let total = 0;
  for (let i = 0; i < k; i++) {
    const s = scores[i]!;
    const w = s === s ? Math.exp(s - best) : 0;
    scores[i] = w;
    total += w;
  }
  let target = u * total;
  let last = 0;
  for (let i = 0; i < k; i++) {
    const w = scores[i]!;
    if (w === 0) continue;
    last = i;
    target -= w;
    if (target < 0) return i;
  }
  return last; // rounding left target at ≥ 0: the last candidate with weight
}

function nearestToCentre(stack: CovariateStack, candidates: Float64Array, k: number): number {
  const g = stack.grid;
  const cLon = (g.west + g.east) / 2;
  const cLat = (g.south + g.north) / 2;
  let best = 0;
  let bestD = Infinity;
  for (let i = 0; i < k; i++) {
    const dLon = candidates[2 * i]! - cLon;
    const dLat = candidates[2 * i + 1]! - cLat;
    const d = dLon * dLon + dLat * dLat;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}
