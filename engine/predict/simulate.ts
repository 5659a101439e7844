// Simulated collar tracks for training and evaluating the next-position model: the simulator's
// three-state correlated walk (simulator/movement.ts parameters, 5-minute sub-steps) with what real
// tracks add on top of it: a per-animal speed scale, time-of-day rhythm (rest at midday and at night,
// travel at dawn and dusk), a home range the animal is drawn back to, optional habitat selection
// (candidate steps weighted by the landscape), fixes every 15/30/60 minutes with timing jitter, GPS
// error, dropped fixes and collar outages. Same seed → same track.
import { aeqdInverse, type Aeqd } from "../bbmm/project.ts";
import { Rng, hashSeed } from "../../simulator/random.ts";
import { BEHAVIOURS, SPECIES, STUDY_AREA, scaledParams, type Species } from "../../simulator/movement.ts";
import type { CovariateName } from "./features.ts";

const SUB_STEP_S = 300;
const DAY_MS = 86_400_000;
/** Sphere for the planar simulation: centred on the synthetic study area. */
const CENTRE: Aeqd = { lon0: (STUDY_AREA.west + STUDY_AREA.east) / 2, lat0: (STUDY_AREA.south + STUDY_AREA.north) / 2, radius: 6371008.8 };
/** Half-width of the study area in metres (about 55 km); a soft wall pulls animals back inside. */
const HALF_EXTENT_M = ((STUDY_AREA.north - STUDY_AREA.south) / 2) * 111_195;
const EDGE_BAND_M = 10_000;

/** Habitat selection: the landscape's weight for a candidate step end (behaviour 0 resting, 1 foraging, 2 travelling). */
export interface HabitatSelection {
  /** Covariates at a point, or null outside the landscape. */
  sample(lon: number, lat: number): Record<CovariateName, number> | null;
  /**
   * Picks one of the candidate step ends (lon/lat pairs, flat) for an animal at (lon, lat) in the
   * given behaviour; returns its index.
   */
  choose(lon: number, lat: number, candidates: Float64Array, count: number, behaviour: number, rng: Rng): number;
}

export interface SimTrackOptions {
  days?: number;
  /** Start of the first day (epoch ms, UTC); the first fix is at a random hour of it. */
  startMs?: number;
  habitat?: HabitatSelection;
  /** Candidate steps per sub-step for habitat selection (default 4). */
  candidates?: number;
}

export interface SimulatedTrack {
  id: string;
  lon: Float64Array;
  lat: Float64Array;
  /** Epoch ms. */
  t: Float64Array;
  /** Behaviour at each fix (0 resting, 1 foraging, 2 travelling). */
  behaviour: Uint8Array;
  /** Covariates at each fix when simulated on a landscape (NaN outside it). */
  covariates?: Record<CovariateName, Float64Array>;
  meta: { species: Species; speedScale: number; intervalMin: number; missingRate: number; dielAmplitude: number; homeRadiusM: number };
}

const circHours = (a: number, b: number) => {
  const d = Math.abs(a - b) % 24;
  return Math.min(d, 24 - d);
};
const bump = (h: number, c: number, w: number) => Math.exp(-0.5 * (circHours(h, c) / w) ** 2);

/** Simulates one animal's track; `seed` names it (training, validation and test use disjoint seeds). */
export function simulateTrack(seed: string, opts: SimTrackOptions = {}): SimulatedTrack {
  const rng = new Rng(hashSeed("predict-sim", seed));
  const days = opts.days ?? 21;
  const species = SPECIES[rng.int(SPECIES.length)]!;
  const speedScale = Math.exp(Math.log(0.2) + rng.uniform() * Math.log(2.5 / 0.2));
  const intervalMin = [15, 30, 30, 30, 60, 60][rng.int(6)]!;
  const missingRate = rng.uniform() * 0.1;
  const dielAmplitude = 0.5 + rng.uniform() * 2;
  const homeRadiusM = (3000 + rng.uniform() * 12_000) * Math.sqrt(speedScale);
  const nCand = Math.max(1, opts.candidates ?? 4);

  const params = scaledParams(species, SUB_STEP_S);
  const steps = params.steps.map((s) => ({ shape: s.shape, scale: s.scale * speedScale, kappa: s.kappa }));
  // Sub-step transition matrix per local hour: moves into resting are more likely at midday and at
  // night, into travelling at dawn and dusk.
  const hourly = Array.from({ length: 24 }, (_, h) => {
    const w = [1 + dielAmplitude * (bump(h, 13, 2.5) + bump(h, 1, 3)), 1, 1 + dielAmplitude * (bump(h, 6.5, 1.5) + bump(h, 18.5, 1.5))];
    return params.transition.map((row, i) => {
      const out = row.map((p, j) => (i === j ? 0 : p * w[j]!));
      out[i] = Math.max(0.5, 1 - out.reduce((s, v) => s + v, 0));
      return out;
    });
  });

  // Start and home: inside the study area away from the walls.
  const span = HALF_EXTENT_M - EDGE_BAND_M - 5000;
  let px = (2 * rng.uniform() - 1) * span;
  let py = (2 * rng.uniform() - 1) * span;
  const hx = px;
  const hy = py;
  let heading = rng.uniform() * 2 * Math.PI;
  let behaviour = rng.categorical([0.4, 0.45, 0.15]);
  const startMs = (opts.startMs ?? Date.UTC(2024, 0, 1)) + rng.int(365) * DAY_MS + rng.int(24 * 12) * SUB_STEP_S * 1000;
  const subPerFix = (intervalMin * 60) / SUB_STEP_S;
  const totalSub = Math.floor((days * DAY_MS) / (SUB_STEP_S * 1000));
  const utcOffsetH = CENTRE.lon0 / 15;

  const lon: number[] = [];
  const lat: number[] = [];
  const t: number[] = [];
  const beh: number[] = [];
  const cand = new Float64Array(2 * nCand);
  const candXY = new Float64Array(2 * nCand);
  const candHeading = new Float64Array(nCand);
  let outageLeft = 0;
  for (let k = 0; k <= totalSub; k++) {
    const ms = startMs + k * SUB_STEP_S * 1000;
    if (k % subPerFix === 0) {
      if (outageLeft > 0) outageLeft--;
      else if (rng.uniform() < 0.002) outageLeft = 2 + rng.int(20); // collar silent for a few fixes
      else if (rng.uniform() >= missingRate) {
        // GPS error ~8 m per axis; acquisition jitter up to ±30 s in the timestamp.
        const [lo, la] = aeqdInverse(CENTRE, px + rng.normal(0, 8), py + rng.normal(0, 8));
        lon.push(lo);
        lat.push(la);
        t.push(ms + Math.round((rng.uniform() - 0.5) * 60_000));
        beh.push(behaviour);
      }
    }
    if (k === totalSub) break;
    const hour = (((ms / 3.6e6 + utcOffsetH) % 24) + 24) % 24;
    behaviour = rng.categorical(hourly[Math.floor(hour)]![behaviour]!);
    const sp = steps[behaviour]!;
    // Home-range pull and the soft wall: blend the heading toward home / the centre.
    const dHome = Math.hypot(hx - px, hy - py);
    let pull = Math.min(0.5, 0.08 * (dHome / homeRadiusM) ** 2);
    let target = Math.atan2(hy - py, hx - px);
    const edge = Math.max(Math.abs(px), Math.abs(py)) - (HALF_EXTENT_M - EDGE_BAND_M);
    if (edge > 0) {
      pull = Math.max(pull, Math.min(1, edge / EDGE_BAND_M) ** 2);
      target = Math.atan2(-py, -px);
    }
    const base = blend(heading, target, pull);
    let choice = 0;
    for (let c = 0; c < (opts.habitat ? nCand : 1); c++) {
      const h = base + rng.vonMises(0, sp.kappa);
      const len = rng.gamma(sp.shape, sp.scale);
      candHeading[c] = h;
      candXY[2 * c] = px + len * Math.cos(h);
      candXY[2 * c + 1] = py + len * Math.sin(h);
    }
    if (opts.habitat) {
      const [lo0, la0] = aeqdInverse(CENTRE, px, py);
      for (let c = 0; c < nCand; c++) {
        const [lo, la] = aeqdInverse(CENTRE, candXY[2 * c]!, candXY[2 * c + 1]!);
        cand[2 * c] = lo;
        cand[2 * c + 1] = la;
      }
      choice = opts.habitat.choose(lo0, la0, cand, nCand, behaviour, rng);
    }
    heading = candHeading[choice]!;
    px = candXY[2 * choice]!;
    py = candXY[2 * choice + 1]!;
  }
  const track: SimulatedTrack = {
    id: seed,
    lon: Float64Array.from(lon),
    lat: Float64Array.from(lat),
    t: Float64Array.from(t),
    behaviour: Uint8Array.from(beh),
    meta: { species, speedScale, intervalMin, missingRate, dielAmplitude, homeRadiusM },
  };
  if (opts.habitat) {
    const n = lon.length;
    const cols = { ndvi: new Float64Array(n), dist_water: new Float64Array(n), dist_settlement: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const s = opts.habitat.sample(lon[i]!, lat[i]!);
      cols.ndvi[i] = s ? s.ndvi : NaN;
      cols.dist_water[i] = s ? s.dist_water : NaN;
      cols.dist_settlement[i] = s ? s.dist_settlement : NaN;
    }
    track.covariates = cols;
  }
  return track;
}

/** Turns angle a toward b (radians) by fraction w along the shorter arc. */
function blend(a: number, b: number, w: number): number {
  if (w <= 0) return a;
  let d = (b - a) % (2 * Math.PI);
  if (d > Math.PI) d -= 2 * Math.PI;
  if (d < -Math.PI) d += 2 * Math.PI;
  return a + w * d;
}

/** Names of the behaviours in the order of SimulatedTrack.behaviour. */
export const SIM_BEHAVIOURS = BEHAVIOURS;

/** The seeds of a split: train, val and test never share one, so held-out tracks are disjoint from training ones. */
export function splitSeeds(split: "train" | "val" | "test", count: number, namespace = "v1"): string[] {
  return Array.from({ length: count }, (_, k) => `${namespace}:${split}:${k}`);
}
