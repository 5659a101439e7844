// Maximum likelihood fitting as moveHMM's fitHMM: numerical minimisation of the forward-algorithm
// negative log-likelihood over the working parameters, from the user's start and from seeded
// random starts; the best optimum wins. Synchronous CPU work: run it in a worker thread.
import { Rng } from "../../simulator/random.ts";
import { HmmDataError, hasZeroSteps, validateData, type HmmData } from "./data.ts";
import { GradientWorkspace, negLogLikelihoodGradient } from "./gradient.ts";
import { ForwardWorkspace, negLogLikelihood, prepareData, type PreparedData } from "./likelihood.ts";
import { cloneModel, createModel, HmmModelError, parameterCount, permuteStates, validateModel, type HmmModel, type ModelShape } from "./model.ts";
import { minimize } from "./optimize.ts";
import { fromWorking, toWorking } from "./params.ts";

export interface FitOptions {
  /** Random starts tried besides the given one (default 0: only the given start, like fitHMM). */
  randomStarts?: number;
  /** Seed of the random starts: same seed, same starts, same result. */
  seed?: number | string;
  /** Optimiser iteration limit per start (default 1000, moveHMM's iterlim). */
  maxIterations?: number;
  /** Relative gradient tolerance (default 1e-8). */
  gradTol?: number;
}

export interface StartOutcome {
  /** "given" for the caller's start, "random" for the generated ones. */
  kind: "given" | "random";
  nllk: number;
  converged: boolean;
  iterations: number;
}

export interface HmmFit {
  /** The maximum likelihood estimate, states labelled in the order of the given start's step means. */
  model: HmmModel;
  nllk: number;
  /** −2 log L + 2 × parameters (moveHMM's AIC). */
  aic: number;
  nParams: number;
  converged: boolean;
  iterations: number;
  evaluations: number;
  starts: StartOutcome[];
}

/** −log L of the data under a model. */
export function hmmNegLogLikelihood(model: HmmModel, data: HmmData): number {
  return negLogLikelihood(model, prepareData(data, model));
}

/** Fits the model `start` describes (its shape and starting values) to the data. */
export function fitHmm(data: HmmData, start: HmmModel, options: FitOptions = {}): HmmFit {
  validateModel(start);
  validateData(data);
  if (!start.zeroInflation && hasZeroSteps(data)) {
    throw new HmmDataError("the data has steps of length 0: the model needs zeroInflation (moveHMM requires a zero mass then)");
  }
  // The optimiser sees centred and scaled covariates (an exact reparametrisation of beta, undone
  // below): raw values like slope² in the thousands would make the problem badly conditioned.
  const scaling = covariateScaling(prepareData(data, start));
  const pd = scaling.data;
  const n = start.nStates;
  const ws = new ForwardWorkspace(n);
  const work = cloneModel(start);
  const gammaScratch = new Float64Array(n * n);
  const objective = (w: Float64Array): number => negLogLikelihood(fromWorking(w, work, gammaScratch), pd, ws);
  const gws = start.stationary ? null : new GradientWorkspace(n, pd.step.length, pd.nCov > 0);
  const gradient = gws ? (w: Float64Array, g: Float64Array): void => void negLogLikelihoodGradient(fromWorking(w, work), pd, gws, g) : undefined;

  const candidates: Array<{ model: HmmModel; kind: StartOutcome["kind"] }> = [{ model: start, kind: "given" }];
  const rng = new Rng(options.seed ?? 1);
  for (let i = 0; i < (options.randomStarts ?? 0); i++) candidates.push({ model: randomStart(data, start, rng), kind: "random" });

  let best: { x: Float64Array; f: number; converged: boolean; iterations: number; degenerate: boolean } | null = null;
  let evaluations = 0;
  const starts: StartOutcome[] = [];
  for (const c of candidates) {
    const w0 = toWorking(scaleBeta(c.model, scaling, 1));
    const r = minimize(objective, w0, { maxIterations: options.maxIterations ?? 1000, gradTol: options.gradTol ?? 1e-8, gradient });
    evaluations += r.evaluations;
    starts.push({ kind: c.kind, nllk: r.f, converged: r.converged, iterations: r.iterations });
    if (!Number.isFinite(r.f)) continue;
    const degenerate = isDegenerate(fromWorking(r.x, work));
    if (!best || (best.degenerate && !degenerate) || (best.degenerate === degenerate && r.f < best.f)) {
      best = { x: r.x, f: r.f, converged: r.converged, iterations: r.iterations, degenerate };
    }
  }
  if (!best) throw new HmmModelError("the likelihood is zero at every start: check the starting values and the step units");
  const fitted = labelLike(scaleBeta(fromWorking(best.x, cloneModel(start)), scaling, -1), start);
  const nParams = parameterCount(fitted);
  return { model: fitted, nllk: best.f, aic: 2 * best.f + 2 * nParams, nParams, converged: best.converged, iterations: best.iterations, evaluations, starts };
}

/**
 * Data-driven starting values: step means at evenly spaced quantiles of the observed steps, sd
 * equal to the mean, the slowest state turning back (mean π) and the others going on (mean 0).
 */
export function defaultStart(data: HmmData, shape: ModelShape): HmmModel {
  const n = shape.nStates;
  const steps = positiveSteps(data);
  if (steps.length === 0) throw new HmmDataError("the data has no positive step lengths");
  const stepMean = Array.from({ length: n }, (_, j) => quantile(steps, (j + 0.5) / n));
  const wrapped = shape.angleDist === "wrpcauchy";
  return createModel(shape, {
    stepMean,
    stepSd: stepMean,
    zeroMass: shape.zeroInflation ? new Array(n).fill(0.05) : undefined,
    angleMean: Array.from({ length: n }, (_, j) => (j === 0 && n > 1 ? Math.PI : 0)),
    angleConc: Array.from({ length: n }, (_, j) => (wrapped ? (j === 0 ? 0.2 : 0.7) : j === 0 ? 0.5 : 3)),
  });
}

/** A random start of the same shape: spread over the observed step range and all directions. */
export function randomStart(data: HmmData, base: HmmModel, rng: Rng): HmmModel {
  const n = base.nStates;
  const steps = positiveSteps(data);
  const lo = Math.log(quantile(steps, 0.05) || 1e-3);
  const hi = Math.log(quantile(steps, 0.95) || 1);
  const means = Array.from({ length: n }, () => Math.exp(lo + (hi - lo) * rng.uniform())).sort((a, b) => a - b);
  const m = cloneModel(base);
  for (let j = 0; j < n; j++) {
    m.stepMean[j] = means[j]!;
    m.stepSd[j] = means[j]! * Math.exp(1.4 * rng.uniform() - 0.7);
    if (m.zeroInflation) m.zeroMass[j] = 0.01 + 0.2 * rng.uniform();
    m.angleMean[j] = Math.PI * (2 * rng.uniform() - 1);
    m.angleConc[j] = m.angleDist === "wrpcauchy" ? 0.05 + 0.85 * rng.uniform() : Math.exp(Math.log(0.1) + Math.log(100) * rng.uniform());
    m.delta[j] = 1 / n;
  }
  const rows = m.covariates.length + 1;
  for (let k = 0; k < n * (n - 1); k++) {
    m.beta[k * rows] = -3 + 2.5 * rng.uniform();
    for (let c = 1; c < rows; c++) m.beta[k * rows + c] = 0;
  }
  return m;
}

// A state collapsed onto a point (step sd → 0, or an angle concentration → ∞) makes the likelihood
// unbounded near one observation: a spurious optimum that random starts can run into. Such an
// optimum only wins when every start found one.
function isDegenerate(m: HmmModel): boolean {
  for (let j = 0; j < m.nStates; j++) {
    if (m.stepSd[j]! < 1e-3 * m.stepMean[j]!) return true;
    if (m.angleDist === "vm" && m.angleConc[j]! > 1e5) return true;
    if (m.angleDist === "wrpcauchy" && m.angleConc[j]! > 1 - 1e-9) return true;
  }
  return false;
}

// Relabels a fit so its states rank by step mean the way the start's states do, so a random start
// that found the same optimum with states swapped reports them in the caller's order.
function labelLike(fitted: HmmModel, start: HmmModel): HmmModel {
  const n = fitted.nStates;
  const byMean = (m: HmmModel): number[] => Array.from({ length: n }, (_, i) => i).sort((a, b) => m.stepMean[a]! - m.stepMean[b]!);
  const startOrder = byMean(start);
  const fitOrder = byMean(fitted);
  const perm = new Array<number>(n);
  startOrder.forEach((state, rank) => (perm[state] = fitOrder[rank]!));
  return perm.every((p, i) => p === i) ? fitted : permuteStates(fitted, perm);
}

interface CovariateScaling {
  data: PreparedData;
  mean: Float64Array;
  sd: Float64Array;
}

function covariateScaling(pd: PreparedData): CovariateScaling {
  const { nCov } = pd;
  const rows = pd.step.length;
  const mean = new Float64Array(nCov);
  const sd = new Float64Array(nCov).fill(1);
  if (nCov === 0) return { data: pd, mean, sd };
  const cov = new Float64Array(pd.cov.length);
  for (let c = 0; c < nCov; c++) {
    let sum = 0;
    for (let t = 0; t < rows; t++) sum += pd.cov[t * nCov + c]!;
    mean[c] = sum / rows;
    let ss = 0;
    for (let t = 0; t < rows; t++) ss += (pd.cov[t * nCov + c]! - mean[c]!) ** 2;
    sd[c] = Math.sqrt(ss / Math.max(rows - 1, 1)) || 1;
    for (let t = 0; t < rows; t++) cov[t * nCov + c] = (pd.cov[t * nCov + c]! - mean[c]!) / sd[c]!;
  }
  return { data: { ...pd, cov }, mean, sd };
}

// Beta for scaled covariates (direction 1) or back to raw ones (−1): with z = (x − m)/s,
// b0 + Σ b_c x_c = (b0 + Σ b_c m_c) + Σ (b_c s_c) z_c.
function scaleBeta(m: HmmModel, s: CovariateScaling, direction: 1 | -1): HmmModel {
  const nCov = s.mean.length;
  if (nCov === 0) return m;
  const out = cloneModel(m);
  const rows = nCov + 1;
  for (let k = 0; k < m.beta.length / rows; k++) {
    const col = k * rows;
    let shift = 0;
    for (let c = 0; c < nCov; c++) {
      const b = direction === 1 ? m.beta[col + 1 + c]! * s.sd[c]! : m.beta[col + 1 + c]! / s.sd[c]!;
      out.beta[col + 1 + c] = b;
      shift += (direction === 1 ? m.beta[col + 1 + c]! : b) * s.mean[c]!;
    }
    out.beta[col] = m.beta[col]! + direction * shift;
  }
  return out;
}

function positiveSteps(data: HmmData): Float64Array {
  const out: number[] = [];
  for (let t = 0; t < data.step.length; t++) if (data.step[t]! > 0) out.push(data.step[t]!);
  return Float64Array.from(out).sort();
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < sorted.length ? sorted[i]! * (1 - f) + sorted[i + 1]! * f : sorted[i]!;
}
