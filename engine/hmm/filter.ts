// Live behavioural state for one animal: the forward algorithm one row at a time, holding only the
// N normalised state probabilities (plus the running log-likelihood), so it gives exactly the
// batch forward (filtered) probabilities of the same rows. No allocation per update.
//
// The angle makes it one fix late. A row t is (step t, angle t): the step from fix t to fix t+1
// and the turning angle at fix t, between the step into fix t and the step out of it. Both are
// known only once fix t+1 has arrived, so when fix t+1 comes in the caller feeds row t, and the
// probabilities returned describe the animal's behaviour on leaving fix t — one fix behind the
// newest position. `pushFix` does that bookkeeping from raw positions; `update` takes rows the
// caller has already formed (e.g. from its fix window).
import { createEmissionConstants, logEmissionRow, prepareEmissions, type EmissionConstants } from "./emissions.ts";
import type { HmmModel } from "./model.ts";
import { stepLength, turnAngle, turnAngleLonLat, type Coords } from "./prep.ts";
import { fillTransitionMatrix } from "./transition.ts";

export class HmmForwardFilter {
  /** Current P(S_t = j | rows so far), normalised; overwritten by every update (copy it to keep it). */
  readonly probabilities: Float64Array;
  /** log P(rows so far) of the current track: a sudden drop flags behaviour the model does not explain. */
  logLik = 0;
  /** Rows fed since the start of the track. */
  rows = 0;

  private readonly n: number;
  private readonly ec: EmissionConstants;
  private readonly logRow: Float64Array;
  private readonly gamma: Float64Array;
  private readonly next: Float64Array;
  private readonly nCov: number;
  // Last two fixes and the covariates of the previous one, for pushFix.
  private fixes = 0;
  private x1 = NaN;
  private y1 = NaN;
  private x2 = NaN;
  private y2 = NaN;
  private readonly prevCov: Float64Array;

  constructor(
    private readonly model: HmmModel,
    private readonly coords: Coords = "xy",
  ) {
    this.n = model.nStates;
    this.nCov = model.covariates.length;
    this.ec = prepareEmissions(model, createEmissionConstants(this.n));
    this.logRow = new Float64Array(this.n);
    this.gamma = new Float64Array(this.n * this.n);
    this.next = new Float64Array(this.n);
    this.probabilities = new Float64Array(this.n);
    this.prevCov = new Float64Array(this.nCov);
    if (this.nCov === 0) fillTransitionMatrix(this.n, model.beta, 0, null, 0, this.gamma);
    this.reset();
  }

  /** Starts a new track: the next row is a first row (weighted by delta, no transition). */
  reset(): void {
    this.probabilities.set(this.model.delta);
    this.logLik = 0;
    this.rows = 0;
    this.fixes = 0;
  }

  /**
   * Feeds row t: the step from fix t to fix t+1, the turning angle at fix t (NaN when unknown, as
   * for a track's first row) and the covariates at fix t (in the model's covariate order; needed
   * only for a covariate model). Returns `probabilities`.
   */
  update(step: number, angle: number, covariates?: ArrayLike<number>): Float64Array {
    const n = this.n;
    const p = this.probabilities;
    const max = logEmissionRow(this.ec, step, angle, this.logRow, 0);
    if (!(max > -Infinity && max < Infinity)) {
      // Impossible under every state (e.g. a zero step without zero inflation): keep the belief.
      this.rows++;
      return p;
    }
    let sum = 0;
    if (this.rows === 0) {
      for (let j = 0; j < n; j++) sum += p[j]! *= Math.exp(this.logRow[j]! - max);
    } else {
      if (this.nCov > 0) {
        if (!covariates || covariates.length < this.nCov) throw new RangeError(`update: the model needs ${this.nCov} covariate values`);
        fillTransitionMatrix(n, this.model.beta, this.nCov, covariates, 0, this.gamma);
      }
      const g = this.gamma;
      const next = this.next;
      for (let j = 0; j < n; j++) next[j] = 0;
      for (let i = 0; i < n; i++) {
        const a = p[i]!;
        for (let j = 0; j < n; j++) next[j]! += a * g[i * n + j]!;
      }
      for (let j = 0; j < n; j++) sum += p[j] = next[j]! * Math.exp(this.logRow[j]! - max);
    }
    const inv = 1 / sum;
    for (let j = 0; j < n; j++) p[j]! *= inv;
    this.logLik += max + Math.log(sum);
    this.rows++;
    return p;
  }

  /**
   * Feeds a raw fix (x/y or lon/lat per `coords`, with its covariates). Returns the probabilities
   * of the row this fix completes (the previous fix's), or null for a track's first fix.
   */
  pushFix(x: number, y: number, covariates?: ArrayLike<number>): Float64Array | null {
    if (this.nCov > 0 && (!covariates || covariates.length < this.nCov)) throw new RangeError(`pushFix: the model needs ${this.nCov} covariate values`);
    let out: Float64Array | null = null;
    if (this.fixes >= 1) {
      const step = stepLength(this.coords, this.x2, this.y2, x, y);
      const angle = this.fixes >= 2
        ? this.coords === "lonlat" ? turnAngleLonLat(this.x1, this.y1, this.x2, this.y2, x, y) : turnAngle(this.x1, this.y1, this.x2, this.y2, x, y)
        : NaN;
      out = this.update(step, angle, this.prevCov);
    }
    this.x1 = this.x2;
    this.y1 = this.y2;
    this.x2 = x;
    this.y2 = y;
    if (covariates) for (let c = 0; c < this.nCov; c++) this.prevCov[c] = covariates[c]!;
    this.fixes++;
    return out;
  }
}
