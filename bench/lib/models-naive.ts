// Baselines and inputs for bench/models.ts.
//
// NaiveForwardFilter is the forward filter as one would first write it from the textbook formulas:
// every update allocates its arrays, evaluates the gamma and von Mises densities from scratch
// (Math.pow, Γ by Lanczos, I₀ by its power series), rebuilds the transition matrix from beta and
// works in linear space. Same numbers as HmmForwardFilter (no covariates, no zero inflation), so the
// benchmark can check they agree and report the speed-up of precomputed constants and no allocation.
import type { HmmModel } from "../../engine/hmm/index.ts";
import { Rng } from "../../simulator/random.ts";

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** Γ(x) for x ≥ 0.5 (Lanczos g = 7), recomputed on every call. */
function gammaFunction(x: number): number {
  const z = x - 1;
  let a = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return Math.sqrt(2 * Math.PI) * Math.pow(t, z + 0.5) * Math.exp(-t) * a;
}

/** I₀(κ) by its power series, recomputed on every call. */
function besselI0(kappa: number): number {
  const q = (kappa * kappa) / 4;
  let term = 1;
  let sum = 1;
  for (let j = 1; j < 500; j++) {
    term *= q / (j * j);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function gammaDensity(x: number, mean: number, sd: number): number {
  const shape = Math.pow(mean, 2) / Math.pow(sd, 2);
  const scale = Math.pow(sd, 2) / mean;
  return (Math.pow(x, shape - 1) * Math.exp(-x / scale)) / (gammaFunction(shape) * Math.pow(scale, shape));
}

function vonMisesDensity(x: number, mu: number, kappa: number): number {
  return Math.exp(kappa * Math.cos(x - mu)) / (2 * Math.PI * besselI0(kappa));
}

export class NaiveForwardFilter {
  probabilities: number[];
  logLik = 0;
  rows = 0;

  constructor(private readonly model: HmmModel) {
    if (model.covariates.length > 0 || model.zeroInflation || model.angleDist !== "vm") throw new Error("NaiveForwardFilter: plain gamma/von Mises models only");
    this.probabilities = Array.from(model.delta);
  }

  reset(): void {
    this.probabilities = Array.from(this.model.delta);
    this.logLik = 0;
    this.rows = 0;
  }

  update(step: number, angle: number): number[] {
    const m = this.model;
    const n = m.nStates;
    const densities: number[] = [];
    for (let j = 0; j < n; j++) {
      let f = gammaDensity(step, m.stepMean[j]!, m.stepSd[j]!);
      if (!Number.isNaN(angle)) f *= vonMisesDensity(angle, m.angleMean[j]!, m.angleConc[j]!);
      densities.push(f);
    }
    // Γ from the multinomial logit, row by row.
    const gamma: number[][] = [];
    let k = 0;
    for (let i = 0; i < n; i++) {
      const row: number[] = [];
      for (let j = 0; j < n; j++) row.push(i === j ? 1 : Math.exp(m.beta[k++]!));
      const total = row.reduce((a, b) => a + b, 0);
      gamma.push(row.map((v) => v / total));
    }
    const prior: number[] = this.rows === 0 ? Array.from(m.delta) : new Array<number>(n).fill(0);
    if (this.rows > 0) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) prior[j]! += this.probabilities[i]! * gamma[i]![j]!;
    const joint = prior.map((p, j) => p * densities[j]!);
    const sum = joint.reduce((a, b) => a + b, 0);
    this.probabilities = joint.map((v) => v / sum);
    this.logLik += Math.log(sum);
    this.rows++;
    return this.probabilities;
  }
}

/**
 * One animal's hourly fixes in planar metres: a correlated random walk (gamma steps, normal turns)
 * with a weak pull back towards its range centre so a month stays a home range, not a migration.
 */
export function correlatedWalk(fixes: number, seed: number, startMs: number, intervalMs = 3_600_000): { x: Float64Array; y: Float64Array; t: Float64Array } {
  const rng = new Rng(seed);
  const x = new Float64Array(fixes);
  const y = new Float64Array(fixes);
  const t = new Float64Array(fixes);
  let heading = Math.PI * (2 * rng.uniform() - 1);
  let px = 0;
  let py = 0;
  for (let i = 0; i < fixes; i++) {
    x[i] = px;
    y[i] = py;
    t[i] = startMs + i * intervalMs;
    // Turn: persistent heading, nudged towards the centre in proportion to the distance from it.
    const home = Math.atan2(-py, -px);
    const pull = Math.min(0.5, Math.hypot(px, py) / 20_000);
    let toHome = home - heading;
    toHome = Math.atan2(Math.sin(toHome), Math.cos(toHome));
    heading += rng.normal(0, 0.6) + pull * toHome;
    const step = rng.gamma(1.6, 250); // mean 400 m per hour
    px += step * Math.cos(heading);
    py += step * Math.sin(heading);
  }
  return { x, y, t };
}
