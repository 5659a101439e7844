// Small-matrix Markov chain helpers: rescale a transition matrix to another interval, stationary law.

export type Matrix = number[][];

function identity(n: number): Matrix {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
}

function mul(a: Matrix, b: Matrix): Matrix {
  const n = a.length;
  const out: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i]![k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i]![j]! += aik * b[k]![j]!;
    }
  return out;
}

function add(a: Matrix, b: Matrix, scaleB = 1): Matrix {
  return a.map((row, i) => row.map((v, j) => v + scaleB * b[i]![j]!));
}

function maxRowSum(a: Matrix): number {
  return Math.max(...a.map((row) => row.reduce((s, v) => s + Math.abs(v), 0)));
}

/** Checks a row-stochastic matrix whose diagonal exceeds 0.5 (so the log series below converges). */
export function assertTransitionMatrix(p: Matrix, what: string): void {
  p.forEach((row, i) => {
    if (row.length !== p.length) throw new Error(`${what}: matrix must be square`);
    const sum = row.reduce((s, v) => s + v, 0);
    if (row.some((v) => !(v >= 0)) || Math.abs(sum - 1) > 1e-9)
      throw new Error(`${what}: row ${i} must be non-negative and sum to 1`);
    if (!(row[i]! > 0.5)) throw new Error(`${what}: diagonal entry ${i} must exceed 0.5 (a state persists over the reference interval)`);
  });
}

/** Generator Q = log(P) by the series log(I + A) = A − A²/2 + A³/3 …; needs ‖P − I‖∞ < 1. */
export function logm(p: Matrix): Matrix {
  const a = add(p, identity(p.length), -1);
  let power = a;
  let sum = a;
  for (let k = 2; k < 400; k++) {
    power = mul(power, a);
    sum = add(sum, power, (k % 2 === 0 ? -1 : 1) / k);
    if (maxRowSum(power) / k < 1e-15) break;
  }
  return sum;
}

/** exp(Q) by scaling and squaring with a Taylor series. */
export function expm(q: Matrix): Matrix {
  const norm = maxRowSum(q);
  const squarings = norm > 0.5 ? Math.ceil(Math.log2(norm / 0.5)) : 0;
  const scaled = q.map((row) => row.map((v) => v / 2 ** squarings));
  let term = identity(q.length);
  let sum = identity(q.length);
  for (let k = 1; k < 30; k++) {
    term = mul(term, scaled).map((row) => row.map((v) => v / k));
    sum = add(sum, term);
  }
  for (let i = 0; i < squarings; i++) sum = mul(sum, sum);
  return sum;
}

/**
 * P(t) = exp(t · log P) for t = interval / reference interval: the chain that, applied 1/t times,
 * gives P back. Not every stochastic matrix has a valid root (the embedding problem), so tiny
 * negative entries are clipped and rows renormalised.
 */
export function rescaleTransition(p: Matrix, t: number): Matrix {
  const q = logm(p).map((row) => row.map((v) => v * t));
  return expm(q).map((row) => {
    const clipped = row.map((v) => Math.max(0, v));
    const sum = clipped.reduce((s, v) => s + v, 0);
    return clipped.map((v) => v / sum);
  });
}

/** Stationary distribution π (π P = π, Σπ = 1) by power iteration. */
export function stationary(p: Matrix): number[] {
  let pi = p.map(() => 1 / p.length);
  for (let iter = 0; iter < 100_000; iter++) {
    const next = pi.map((_, j) => pi.reduce((s, v, i) => s + v * p[i]![j]!, 0));
    const delta = next.reduce((s, v, j) => s + Math.abs(v - pi[j]!), 0);
    pi = next;
    if (delta < 1e-15) break;
  }
  return pi;
}
