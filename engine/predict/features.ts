// Features of the next-position LSTM, built from a track by one pure function used alike by the
// training-data export (models/lstm/make-data.ts), `wt predict eval` and live prediction, so the model
// never sees features built two ways.
//
// A sample is the window of the last WINDOW steps before an anchor fix (the last known position),
// oldest first; step j runs from fix j−1 to fix j. Displacements are rotated into the heading frame
// of the last moving step (+x along it), which makes the model rotation-invariant; its outputs are
// displacements in the same frame and are rotated back by `decodePrediction`. Windows shorter than
// WINDOW (a young track) are left-padded with zero rows flagged `padding`.
import { createModel, HmmForwardFilter, turnAngle, type HmmModel } from "../hmm/index.ts";

/** Steps of history per sample. */
export const WINDOW = 16;
/** Forecast horizons, hours, in the order of the model's outputs. */
export const HORIZONS_H = [1, 6, 24] as const;
/** Per-step input features, in column order (the model card must list exactly these). */
export const FEATURE_NAMES = [
  "dx_km", // displacement of the step in the heading frame, km (clipped to ±20)
  "dy_km",
  "log_step", // ln(1 + step / 10 m) / 5
  "dt_h", // duration of the step, hours (clipped to 12)
  "tod_sin", // local time of day at the step's end fix
  "tod_cos",
  "p_resting", // behaviour state probabilities (forward filter of FEATURE_HMM, causal)
  "p_foraging",
  "p_travelling",
  "ndvi", // habitat covariates at the step's end fix, scaled (0 when missing)
  "dist_water",
  "dist_settlement",
  "cov_missing", // 1 when the covariates are unknown (outside the landscape, or masked)
  "padding", // 1 for rows before the track's first step
] as const;
export const N_FEATURES = FEATURE_NAMES.length;
/** Floats per sample. */
export const SAMPLE_SIZE = WINDOW * N_FEATURES;
/** Covariates the model reads, by name (CSV columns or landscape samples). */
export const COVARIATE_NAMES = ["ndvi", "dist_water", "dist_settlement"] as const;
export type CovariateName = (typeof COVARIATE_NAMES)[number];

const F = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i])) as Record<(typeof FEATURE_NAMES)[number], number>;

/** A track ready for features: planar metres, strictly increasing times. */
export interface PredictTrack {
  id: string;
  /** Planar metres (x east, y north). */
  x: Float64Array;
  y: Float64Array;
  /** Epoch ms, strictly increasing. */
  t: Float64Array;
  /** Per-fix covariates in their natural units (ndvi −1…1, distances in metres); NaN where unknown. Absent: all unknown. */
  covariates?: Partial<Record<CovariateName, Float64Array>>;
  /** Hours added to UTC for local time of day (solar: longitude / 15). */
  utcOffsetH: number;
}

/** Covariates scaled to about unit range; the card records these formulas. */
export const COVARIATE_SCALING: Record<CovariateName, string> = {
  ndvi: "clip(ndvi, -1, 1)",
  dist_water: "ln(1 + d / 100 m) / 5",
  dist_settlement: "ln(1 + d / 1000 m) / 3",
};
function scaleCovariate(name: CovariateName, v: number): number {
  if (name === "ndvi") return Math.max(-1, Math.min(1, v));
  if (name === "dist_water") return Math.log1p(Math.max(0, v) / 100) / 5;
  return Math.log1p(Math.max(0, v) / 1000) / 3;
}

/**
 * The fixed behaviour HMM whose filtered state probabilities are features: resting, foraging,
 * travelling, step lengths in metres per 30 minutes (steps are scaled to that interval before
 * filtering), magnitudes of the simulated elephants and wildebeest (simulator/movement.ts).
 */
export const FEATURE_HMM_SPEC = {
  stepMean: [40, 350, 2200],
  stepSd: [35, 230, 1000],
  angleMean: [0, 0, 0],
  angleConc: [0.3, 1, 4],
  // Off-diagonal logits row by row (1→2, 1→3, 2→1, 2→3, 3→1, 3→2), log(P_ij / P_ii) of the elephant matrix.
  beta: [-2.17, -3.78, -2.5, -2.36, -3.69, -1.49],
  delta: [0.4, 0.45, 0.15],
  referenceSeconds: 1800,
} as const;
export const FEATURE_HMM: HmmModel = createModel({ nStates: 3, angleDist: "vm" }, FEATURE_HMM_SPEC);

/**
 * Filtered behaviour probabilities per fix, rows × 3: row j describes the step from fix j−1 to fix j
 * (known once fix j has arrived; causal, no look-ahead). Row 0 holds the initial distribution.
 */
export function stateFeatures(track: PredictTrack, model: HmmModel = FEATURE_HMM): Float64Array {
  const n = track.x.length;
  const out = new Float64Array(n * 3);
  const filter = new HmmForwardFilter(model);
  out.set(model.delta.subarray(0, 3), 0);
  const { x, y, t } = track;
  for (let j = 1; j < n; j++) {
    const step = Math.hypot(x[j]! - x[j - 1]!, y[j]! - y[j - 1]!);
    const dt = Math.max(1, (t[j]! - t[j - 1]!) / 1000);
    // Row j−1: the step from fix j−1 to j (as a 30-minute speed) and the turn at fix j−1.
    const angle = j >= 2 ? turnAngle(x[j - 2]!, y[j - 2]!, x[j - 1]!, y[j - 1]!, x[j]!, y[j]!) : NaN;
    const p = filter.update((step * FEATURE_HMM_SPEC.referenceSeconds) / dt, angle);
    out[3 * j] = p[0]!;
    out[3 * j + 1] = p[1]!;
    out[3 * j + 2] = p[2]!;
  }
  return out;
}

/** The heading frame of a sample: (cos, sin) of the angle that was rotated away, and the anchor. */
export interface SampleFrame {
  cos: number;
  sin: number;
  x: number;
  y: number;
  t: number;
}

export interface FeatureOptions {
  /** Treat covariates as unknown even when the track has them (training's random masking). */
  maskCovariates?: boolean;
  /** Use at most this many steps of history (training's random truncation); default WINDOW. */
  maxHistory?: number;
}

/**
 * Writes the sample for anchor fix `anchor` (its last known position) into out[offset …
 * offset + SAMPLE_SIZE) and returns its frame. `states` is stateFeatures(track).
 */
export function buildSample(
  track: PredictTrack,
  states: Float64Array,
  anchor: number,
  out: Float32Array,
  offset = 0,
  options: FeatureOptions = {},
): SampleFrame {
  const { x, y, t } = track;
  const history = Math.min(anchor, WINDOW, options.maxHistory ?? WINDOW);
  // Heading of the last step longer than 1 m inside the window (identity when the animal stood still).
  let cos = 1;
  let sin = 0;
  for (let j = anchor; j > anchor - history; j--) {
    const dx = x[j]! - x[j - 1]!;
    const dy = y[j]! - y[j - 1]!;
    const len = Math.hypot(dx, dy);
    if (len > 1) {
      cos = dx / len;
      sin = dy / len;
      break;
    }
  }
  out.fill(0, offset, offset + SAMPLE_SIZE);
  const cov = options.maskCovariates ? undefined : track.covariates;
  for (let r = 0; r < WINDOW; r++) {
    const o = offset + r * N_FEATURES;
    const j = anchor - (WINDOW - 1 - r); // the fix this row's step ends at
    if (anchor - j >= history) {
      out[o + F.padding] = 1;
      continue;
    }
    const dx = x[j]! - x[j - 1]!;
    const dy = y[j]! - y[j - 1]!;
    const step = Math.hypot(dx, dy);
    out[o + F.dx_km] = clip((cos * dx + sin * dy) / 1000, 20);
    out[o + F.dy_km] = clip((-sin * dx + cos * dy) / 1000, 20);
    out[o + F.log_step] = Math.log1p(step / 10) / 5;
    out[o + F.dt_h] = Math.min(12, (t[j]! - t[j - 1]!) / 3.6e6);
    const hour = (((t[j]! / 3.6e6 + track.utcOffsetH) % 24) + 24) % 24;
    out[o + F.tod_sin] = Math.sin((2 * Math.PI * hour) / 24);
    out[o + F.tod_cos] = Math.cos((2 * Math.PI * hour) / 24);
    out[o + F.p_resting] = states[3 * j]!;
    out[o + F.p_foraging] = states[3 * j + 1]!;
    out[o + F.p_travelling] = states[3 * j + 2]!;
    let missing = !cov;
    if (cov) {
      for (const name of COVARIATE_NAMES) {
        const v = cov[name]?.[j];
        if (v === undefined || Number.isNaN(v)) missing = true;
      }
    }
    if (missing) out[o + F.cov_missing] = 1;
    else for (const name of COVARIATE_NAMES) out[o + F[name]] = scaleCovariate(name, cov![name]![j]!);
  }
  return { cos, sin, x: x[anchor]!, y: y[anchor]!, t: t[anchor]! };
}

function clip(v: number, m: number): number {
  return v > m ? m : v < -m ? -m : v;
}

/**
 * The model's predictive distribution per horizon: the 2-D radial Laplace, density
 * exp(−r) / (2π b_x b_y) with r = |((x − μx)/b_x, (y − μy)/b_y)|, per-axis variance 3b². Its location
 * (mean, median, mode) minimises the expected distance to the truth, which is what the evaluation's
 * errors measure. r is Gamma(2, 1)-distributed: P(r ≤ 4.7439) = 0.95.
 */
export const PREDICTIVE_DISTRIBUTION = { name: "radial-laplace", radius95: 4.743864518 } as const;

/** Is the displacement (ex, ey) from a forecast's location inside its 95 % region? */
export function inside95(f: PositionForecast, ex: number, ey: number): boolean {
  const c = Math.cos(f.heading);
  const s = Math.sin(f.heading);
  const along = ((c * ex + s * ey) * Math.sqrt(3)) / f.sdAlong;
  const across = ((-s * ex + c * ey) * Math.sqrt(3)) / f.sdAcross;
  return Math.hypot(along, across) <= PREDICTIVE_DISTRIBUTION.radius95;
}

/** One horizon's forecast in planar metres: mean position, per-axis sd (heading frame) and the frame's angle. */
export interface PositionForecast {
  horizonH: number;
  /** Predicted position (planar metres, the track's frame). */
  x: number;
  y: number;
  /** Standard deviations along and across the last heading, metres (see PREDICTIVE_DISTRIBUTION). */
  sdAlong: number;
  sdAcross: number;
  /** Heading of the along axis, radians counter-clockwise from +x. */
  heading: number;
}

/**
 * Turns sample i of the model's outputs (mean and log-variance, batch × horizons × 2, km in the
 * heading frame) into positions in the track's frame.
 */
export function decodePrediction(frame: SampleFrame, mean: ArrayLike<number>, logVar: ArrayLike<number>, i: number): PositionForecast[] {
  const H = HORIZONS_H.length;
  return HORIZONS_H.map((h, k) => {
    const o = (i * H + k) * 2;
    const a = mean[o]! * 1000;
    const c = mean[o + 1]! * 1000;
    return {
      horizonH: h,
      x: frame.x + frame.cos * a - frame.sin * c,
      y: frame.y + frame.sin * a + frame.cos * c,
      sdAlong: Math.exp(0.5 * logVar[o]!) * 1000,
      sdAcross: Math.exp(0.5 * logVar[o + 1]!) * 1000,
      heading: Math.atan2(frame.sin, frame.cos),
    };
  });
}

/** The true displacement (dx, dy, metres) rotated into a sample's heading frame, in km (training targets). */
export function toFrameKm(frame: SampleFrame, dx: number, dy: number): [number, number] {
  return [(frame.cos * dx + frame.sin * dy) / 1000, (-frame.sin * dx + frame.cos * dy) / 1000];
}
