// The observations an HMM is fitted to, in moveHMM's row layout: row t of a track is the step
// from fix t to fix t+1 and the turning angle at fix t (between the steps into and out of it),
// with the covariates measured at fix t. The first angle and the last row of a track are missing.

export interface HmmData {
  /** Step length of each row; NaN where missing (it then contributes density 1, as in moveHMM). */
  step: Float64Array;
  /** Turning angle of each row in radians, (−π, π], counter-clockwise positive; NaN where missing. */
  angle: Float64Array;
  /** Row offsets of the tracks: track k is rows trackStart[k] … trackStart[k+1]−1 (length tracks + 1). */
  trackStart: Int32Array;
  /** Covariate terms, row-major rows × covariateNames.length (no intercept column). */
  covariates: Float64Array;
  covariateNames: string[];
  trackIds: string[];
}

export class HmmDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HmmDataError";
  }
}

export interface HmmDataInput {
  step: ArrayLike<number>;
  angle?: ArrayLike<number>;
  trackStart?: ArrayLike<number>;
  covariates?: ArrayLike<number>;
  covariateNames?: string[];
  trackIds?: string[];
}

/** Builds and checks HmmData; one track and no angles/covariates unless given. */
export function createHmmData(input: HmmDataInput): HmmData {
  const n = input.step.length;
  const step = Float64Array.from(input.step);
  const angle = input.angle ? Float64Array.from(input.angle) : new Float64Array(n).fill(NaN);
  const trackStart = Int32Array.from(input.trackStart ?? [0, n]);
  const covariateNames = input.covariateNames ?? [];
  const covariates = Float64Array.from(input.covariates ?? []);
  const data: HmmData = {
    step,
    angle,
    trackStart,
    covariates,
    covariateNames,
    trackIds: input.trackIds ?? Array.from({ length: trackStart.length - 1 }, (_, k) => String(k + 1)),
  };
  validateData(data);
  return data;
}

/** Throws HmmDataError on inconsistent lengths, negative steps or angles outside [−π, π]. */
export function validateData(d: HmmData): void {
  const n = d.step.length;
  if (d.angle.length !== n) throw new HmmDataError(`angle has ${d.angle.length} rows, step has ${n}`);
  const ts = d.trackStart;
  if (ts.length < 2 || ts[0] !== 0 || ts[ts.length - 1] !== n) throw new HmmDataError("trackStart must run from 0 to the number of rows");
  for (let k = 1; k < ts.length; k++) if (ts[k]! <= ts[k - 1]!) throw new HmmDataError("every track needs at least one row (trackStart must increase)");
  if (d.trackIds.length !== ts.length - 1) throw new HmmDataError(`trackIds has ${d.trackIds.length} ids for ${ts.length - 1} tracks`);
  if (d.covariates.length !== n * d.covariateNames.length) throw new HmmDataError(`covariates must have rows × ${d.covariateNames.length} values (got ${d.covariates.length})`);
  for (let t = 0; t < n; t++) {
    if (d.step[t]! < 0) throw new HmmDataError(`step ${t} is negative (${d.step[t]})`);
    const a = d.angle[t]!;
    if (a < -Math.PI - 1e-12 || a > Math.PI + 1e-12) throw new HmmDataError(`angle ${t} is outside [−π, π] (${a})`);
  }
  for (let i = 0; i < d.covariates.length; i++) {
    if (!Number.isFinite(d.covariates[i]!)) throw new HmmDataError(`covariate ${d.covariateNames[i % d.covariateNames.length]} has a missing value at row ${Math.floor(i / d.covariateNames.length)}`);
  }
}

/** True when some step is exactly zero (the model then needs zero inflation, as in moveHMM). */
export function hasZeroSteps(d: HmmData): boolean {
  for (let t = 0; t < d.step.length; t++) if (d.step[t] === 0) return true;
  return false;
}

/**
 * The covariate columns a model uses, in the model's order, as a row-major matrix; throws when
 * the data lacks one. The data may carry more columns than the model needs.
 */
export function covariateMatrix(d: HmmData, names: readonly string[]): Float64Array {
  const rows = d.step.length;
  const idx = names.map((name) => {
    const i = d.covariateNames.indexOf(name);
    if (i < 0) throw new HmmDataError(`the data has no covariate "${name}" (has: ${d.covariateNames.join(", ") || "none"})`);
    return i;
  });
  const width = d.covariateNames.length;
  if (idx.length === width && idx.every((v, i) => v === i)) return d.covariates;
  const out = new Float64Array(rows * names.length);
  for (let t = 0; t < rows; t++) for (let c = 0; c < idx.length; c++) out[t * idx.length + c] = d.covariates[t * width + idx[c]!]!;
  return out;
}
