// The synthetic landscape (engine/landscape) as the next-position model sees it: covariates at a point
// (ndvi, dist_water, dist_settlement, or null off the map) and behaviour-dependent habitat selection
// for simulated tracks. Resting animals barely choose, foraging ones choose green forage near water
// and away from people (the landscape's default grazer), travelling ones head for water.
import { sampleAt } from "../landscape/sample.ts";
import { chooseStep, DEFAULT_SELECTION, type SelectionCoefficients } from "../landscape/selection.ts";
import { syntheticLandscape } from "../landscape/synthetic.ts";
import type { CovariateStack } from "../landscape/stack.ts";
import type { CovariateName } from "./features.ts";
import type { HabitatSelection } from "./simulate.ts";
import type { CovariateSampler } from "./track.ts";

/** The landscape the model was trained on (recorded in the model card). */
export const LANDSCAPE_SEED = 1;

/** Selection coefficients by behaviour: resting, foraging, travelling. */
export const SELECTION_BY_BEHAVIOUR: readonly SelectionCoefficients[] = [
  { ...DEFAULT_SELECTION, distWaterPerKm: 0.25 * DEFAULT_SELECTION.distWaterPerKm, ndvi: 0.25 * DEFAULT_SELECTION.ndvi, distSettlementPerKm: 0.25 * DEFAULT_SELECTION.distSettlementPerKm },
  { ...DEFAULT_SELECTION },
  { ...DEFAULT_SELECTION, distWaterPerKm: 2 * DEFAULT_SELECTION.distWaterPerKm, ndvi: 0 },
];

/** Covariates at a point of the stack, or null where it has none. */
export function stackSampler(stack: CovariateStack): CovariateSampler {
  return (lon, lat) => {
    const c = sampleAt(stack, lon, lat);
    if (Number.isNaN(c.ndvi) || Number.isNaN(c.dist_water) || Number.isNaN(c.dist_settlement)) return null;
    return { ndvi: c.ndvi, dist_water: c.dist_water, dist_settlement: c.dist_settlement } satisfies Record<CovariateName, number>;
  };
}

/** Habitat selection on a stack for simulateTrack. */
export function stackHabitat(stack: CovariateStack): HabitatSelection {
  const sample = stackSampler(stack);
  return {
    sample,
    choose: (_lon, _lat, candidates, count, behaviour, rng) => chooseStep(stack, candidates.subarray(0, 2 * count), rng, SELECTION_BY_BEHAVIOUR[behaviour]),
  };
}

let cached: CovariateStack | null = null;
/** The synthetic training landscape (built once, ~0.1 s). */
export function trainingLandscape(): CovariateStack {
  cached ??= syntheticLandscape(LANDSCAPE_SEED);
  return cached;
}
