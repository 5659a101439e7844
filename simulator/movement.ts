// Three-state correlated random walk (resting / foraging / travelling) with gamma steps,
// von Mises turns and Markov switching: the model family moveHMM / momentuHMM fit to collar data.
//
// Parameters are given for a reference interval (30 min) and rescaled to the actual interval dt:
// - dt ≤ reference: step mean and sd ∝ dt (gamma shape kept, scale ∝ dt) because at fine scales
//   movement is nearly ballistic; the turning concentration is rescaled so the heading persistence
//   over one reference interval is unchanged: A1(κ_dt) = A1(κ_ref)^(dt/ref) (n turns of mean
//   resultant length c compose to c^n); the switching matrix is P(dt) = exp((dt/ref)·log P_ref).
// - dt > reference: the interval is integrated in ceil(dt/ref) equal sub-steps, so behaviour can
//   change within a long interval instead of one state being extrapolated over hours.
import { besselRatioA1, inverseA1 } from "./circular.ts";
import { destinationPoint as destination, initialBearing as bearing } from "../engine/geo.ts";
import { chooseStep, DEFAULT_SELECTION, type SelectionCoefficients } from "../engine/landscape/selection.ts";
import type { CovariateStack } from "../engine/landscape/stack.ts";
import { assertTransitionMatrix, rescaleTransition, stationary, type Matrix } from "./markov.ts";
import type { Rng } from "./random.ts";

export const BEHAVIOURS = ["resting", "foraging", "travelling"] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];
export const SPECIES = ["elephant", "wildebeest"] as const;
export type Species = (typeof SPECIES)[number];

export interface BehaviourParams {
  stepMeanM: number; // mean step length over the reference interval, metres
  stepSdM: number;
  kappa: number; // von Mises concentration of the turning angle (mean 0) over the reference interval
}

export interface SpeciesParams {
  referenceSeconds: number;
  behaviours: Record<Behaviour, BehaviourParams>;
  /** Rows: from resting/foraging/travelling; columns: to. Per reference interval. */
  transition: Matrix;
}

/** Magnitudes after GPS-collar studies of savanna elephants and Serengeti wildebeest (30-min fixes). */
export const SPECIES_PARAMS: Record<Species, SpeciesParams> = {
  elephant: {
    referenceSeconds: 1800,
    behaviours: {
      resting: { stepMeanM: 30, stepSdM: 25, kappa: 0.3 },
      foraging: { stepMeanM: 300, stepSdM: 180, kappa: 1.0 },
      travelling: { stepMeanM: 2000, stepSdM: 700, kappa: 4.0 },
    },
    transition: [
      [0.88, 0.1, 0.02],
      [0.07, 0.85, 0.08],
      [0.02, 0.18, 0.8],
    ],
  },
  wildebeest: {
    referenceSeconds: 1800,
    behaviours: {
      resting: { stepMeanM: 40, stepSdM: 30, kappa: 0.3 },
      foraging: { stepMeanM: 400, stepSdM: 250, kappa: 0.8 },
      travelling: { stepMeanM: 2800, stepSdM: 1000, kappa: 3.5 },
    },
    transition: [
      [0.82, 0.15, 0.03],
      [0.08, 0.8, 0.12],
      [0.03, 0.22, 0.75],
    ],
  },
};
for (const s of SPECIES) assertTransitionMatrix(SPECIES_PARAMS[s].transition, `SPECIES_PARAMS.${s}.transition`);

/** Synthetic Mara–Serengeti study area. */
export const STUDY_AREA = { south: -2.2, north: -1.2, west: 34.6, east: 35.6 } as const;
const CENTRE = { lat: (STUDY_AREA.south + STUDY_AREA.north) / 2, lon: (STUDY_AREA.west + STUDY_AREA.east) / 2 };
const EDGE_MARGIN_DEG = 0.1; // ~11 km: inside this band headings are pulled toward the centre

export interface AnimalState {
  species: Species;
  lat: number;
  lon: number;
  heading: number; // compass degrees [0, 360) of the last movement
  behaviour: Behaviour;
}

interface ScaledParams {
  transition: Matrix;
  steps: Array<{ shape: number; scale: number; kappa: number }>; // indexed like BEHAVIOURS
}

const scaledCache = new Map<string, ScaledParams>();

/** Parameters for a sub-step of dt ≤ reference seconds (memoised: fleets reuse a few intervals). */
export function scaledParams(species: Species, dtSeconds: number): ScaledParams {
  const key = `${species}:${dtSeconds}`;
  const cached = scaledCache.get(key);
  if (cached) return cached;
  const p = SPECIES_PARAMS[species];
  const t = dtSeconds / p.referenceSeconds;
  const result: ScaledParams = {
    transition: t === 1 ? p.transition : rescaleTransition(p.transition, t),
    steps: BEHAVIOURS.map((b) => {
      const { stepMeanM, stepSdM, kappa } = p.behaviours[b];
      const shape = (stepMeanM / stepSdM) ** 2;
      return { shape, scale: (stepSdM * stepSdM) / stepMeanM * t, kappa: inverseA1(besselRatioA1(kappa) ** t) };
    }),
  };
  if (scaledCache.size > 64) scaledCache.clear();
  scaledCache.set(key, result);
  return result;
}

/** Long-run share of time in each behaviour (resting, foraging, travelling); independent of dt. */
export function stationaryBehaviour(species: Species): number[] {
  return stationary(SPECIES_PARAMS[species].transition);
}

/** Is (lat, lon) inside the study area? */
export function inStudyArea(lat: number, lon: number): boolean {
  return lat >= STUDY_AREA.south && lat <= STUDY_AREA.north && lon >= STUDY_AREA.west && lon <= STUDY_AREA.east;
}

/** How deep into the edge band a point is: 0 well inside, 1 on or beyond the boundary. */
function edgeDepth(lat: number, lon: number): number {
  const d = Math.min(lat - STUDY_AREA.south, STUDY_AREA.north - lat, lon - STUDY_AREA.west, STUDY_AREA.east - lon);
  return Math.min(1, Math.max(0, (EDGE_MARGIN_DEG - d) / EDGE_MARGIN_DEG));
}

/** Turns `heading` toward `target` by fraction w along the shorter arc (degrees). */
function blendHeading(heading: number, target: number, w: number): number {
  const diff = ((target - heading + 540) % 360) - 180;
  return (heading + w * diff + 360) % 360;
}

/**
 * Habitat for step selection: the movement kernel proposes `candidates` steps and one is drawn in
 * proportion to exp(β·covariates) at its end (the standard step-selection simulation), so animals
 * are drawn to water and forage and avoid settlements and farms. Without it, one step is drawn
 * exactly as before (same random stream).
 */
export interface Habitat {
  stack: CovariateStack;
  coefficients?: SelectionCoefficients;
  candidates?: number;
}

const MAX_CANDIDATES = 64;
const candidateScratch = new Float64Array(2 * MAX_CANDIDATES);
const headingScratch = new Float64Array(MAX_CANDIDATES);

/** One proposed step from the movement kernel: its end point and heading. */
function proposeStep(state: AnimalState, sp: ScaledParams["steps"][number], rng: Rng): { lat: number; lon: number; heading: number } {
  const stepM = rng.gamma(sp.shape, sp.scale);
  let heading = (state.heading + (rng.vonMises(0, sp.kappa) * 180) / Math.PI + 360) % 360;
  // Soft boundary: the pull grows quadratically across the edge band, so it is unnoticeable inside.
  const depth = edgeDepth(state.lat, state.lon);
  if (depth > 0) heading = blendHeading(heading, bearing(state.lat, state.lon, CENTRE.lat, CENTRE.lon), depth * depth);
  let pos = destination(state.lat, state.lon, heading, stepM);
  if (!inStudyArea(pos.lat, pos.lon)) {
    // A long gamma-tail step through the edge: walk the same distance toward the centre instead.
    heading = bearing(state.lat, state.lon, CENTRE.lat, CENTRE.lon);
    pos = destination(state.lat, state.lon, heading, stepM);
    pos = {
      lat: Math.min(STUDY_AREA.north, Math.max(STUDY_AREA.south, pos.lat)),
      lon: Math.min(STUDY_AREA.east, Math.max(STUDY_AREA.west, pos.lon)),
    };
  }
  return { lat: pos.lat, lon: pos.lon, heading };
}

function subStep(state: AnimalState, dtSeconds: number, rng: Rng, habitat?: Habitat): AnimalState {
  const params = scaledParams(state.species, dtSeconds);
  const from = BEHAVIOURS.indexOf(state.behaviour);
  const next = rng.categorical(params.transition[from]!);
  const behaviour = BEHAVIOURS[next]!;
  const sp = params.steps[next]!;
  if (!habitat) {
    const p = proposeStep(state, sp, rng);
    return { species: state.species, lat: p.lat, lon: p.lon, heading: p.heading, behaviour };
  }
  const k = Math.min(MAX_CANDIDATES, Math.max(1, habitat.candidates ?? 10));
  for (let i = 0; i < k; i++) {
    const p = proposeStep(state, sp, rng);
    candidateScratch[2 * i] = p.lon;
    candidateScratch[2 * i + 1] = p.lat;
    headingScratch[i] = p.heading;
  }
  const j = chooseStep(habitat.stack, candidateScratch.subarray(0, 2 * k), rng, habitat.coefficients ?? DEFAULT_SELECTION);
  return { species: state.species, lat: candidateScratch[2 * j + 1]!, lon: candidateScratch[2 * j]!, heading: headingScratch[j]!, behaviour };
}

/** Advances one animal by dtSeconds. Pure: the result depends only on the arguments and the rng's state. */
export function step(state: AnimalState, dtSeconds: number, rng: Rng, habitat?: Habitat): AnimalState {
  if (!(dtSeconds > 0)) return { ...state };
  const ref = SPECIES_PARAMS[state.species].referenceSeconds;
  const n = Math.ceil(dtSeconds / ref);
  // Round sub-steps to whole milliseconds so jittered intervals still hit the parameter cache often.
  const sub = n === 1 ? dtSeconds : Math.round((dtSeconds / n) * 1000) / 1000;
  let s = state;
  for (let i = 0; i < n; i++) s = subStep(s, sub, rng, habitat);
  return s;
}

/** A starting state: uniform in the study area (minus the edge band) or within radiusM of `near`. */
export function initialState(
  species: Species,
  rng: Rng,
  near?: { lat: number; lon: number; radiusM: number },
): AnimalState {
  let lat: number;
  let lon: number;
  if (near) {
    const p = destination(near.lat, near.lon, rng.uniform() * 360, near.radiusM * Math.sqrt(rng.uniform()));
    lat = p.lat;
    lon = p.lon;
  } else {
    const m = EDGE_MARGIN_DEG;
    lat = STUDY_AREA.south + m + rng.uniform() * (STUDY_AREA.north - STUDY_AREA.south - 2 * m);
    lon = STUDY_AREA.west + m + rng.uniform() * (STUDY_AREA.east - STUDY_AREA.west - 2 * m);
  }
  const behaviour = BEHAVIOURS[rng.categorical(stationaryBehaviour(species))]!;
  return { species, lat, lon, heading: rng.uniform() * 360, behaviour };
}
